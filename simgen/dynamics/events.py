"""Physics events detected while stepping: contacts begun and ended between named entities, start
and stop of motion, falls (vertical drop over one motion episode, with the support before and after).

Debouncing: a contact must be present for BEGIN_HOLD_STEPS steps to begin and absent for
CONTACT_HOLD_S to end (both reported at the time the change first happened), motion must last
MOVE_HOLD_STEPS steps, rest must last `rest_hold_s`. These keep
solver jitter of resting bodies out of the record.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

CONTACT_HOLD_S = 0.05          # a contact must be absent this long to have ended ...
BEGIN_HOLD_STEPS = 2           # ... and present for this many steps to have begun (brief impacts count)
CONTACT_DIST_M = 0.001
MOVE_HOLD_STEPS = 3
SUPPORT_NORMAL_Z = 0.7


class EventTracker:
    """Feed `update(step, world, contacts, states)` once per simulator step; read `events`."""

    def __init__(self, world, sim_hz: int, moving_speed_mps: float, moving_spin_rad_s: float,
                 rest_hold_s: float, fall_min_drop_m: float, floor_of):
        self.w, self.hz = world, sim_hz
        self.v_thr, self.w_thr = moving_speed_mps, moving_spin_rad_s
        self.rest_steps = max(1, int(round(rest_hold_s * sim_hz)))
        self.contact_steps = max(1, int(round(CONTACT_HOLD_S * sim_hz)))
        self.fall_min = fall_min_drop_m
        self.floor_of = floor_of                     # xy -> floor structure id (room of the point)
        self.events: list[dict] = []
        self._contacts: set | None = None             # confirmed pairs of body ids
        self._pending: dict[tuple, tuple[bool, int]] = {}
        self._last_pos: dict[tuple, np.ndarray] = {}
        self._moving: dict[int, bool] = {}
        self._run: dict[int, int] = {}                # consecutive steps in the other state
        self._episode: dict[int, dict] = {}

    def entity(self, bid: int, pos=None) -> int:
        b = self.w.bodies[bid]
        if b.kind == "floor" and pos is not None:
            return int(self.floor_of(pos))
        return int(b.entity)

    def supports(self, bid: int, contacts) -> int | None:
        """Entity the body rests on now (None = no support; the floor's structure id for the floor)."""
        votes = Counter()
        for a, b, pos, n_on_b, d in contacts:
            if d > CONTACT_DIST_M:
                continue
            if a == bid and n_on_b[2] > SUPPORT_NORMAL_Z:
                votes[(b, tuple(np.round(pos, 3)))] += 1
            elif b == bid and n_on_b[2] < -SUPPORT_NORMAL_Z:
                votes[(a, tuple(np.round(pos, 3)))] += 1
        if not votes:
            return None
        by_body = Counter()
        last = {}
        for (other, p), k in votes.items():
            by_body[other] += k
            last[other] = np.asarray(p)
        other = min(by_body, key=lambda o: (-by_body[o], o))
        return self.entity(other, last[other][:2])

    def all_at_rest(self) -> bool:
        """No body moving and no contact change pending (a started motion counts until its stop)."""
        return not any(self._moving.values()) and not self._pending and not any(self._run.values())

    def update(self, step: int, contacts, states: dict[int, tuple]) -> None:
        """One simulator step: contacts as World.contacts(), states {body id: World.state(body)}."""
        self._update_contacts(step, contacts)
        for bid, (pos, _q, v, w) in states.items():
            moving = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2] > self.v_thr ** 2
                      or w[0] * w[0] + w[1] * w[1] + w[2] * w[2] > self.w_thr ** 2)
            was = self._moving.get(bid, False)
            if moving == was:
                self._run[bid] = 0
                continue
            self._run[bid] = self._run.get(bid, 0) + 1
            need = MOVE_HOLD_STEPS if moving else self.rest_steps
            if self._run[bid] < need:
                continue
            t0 = (step - need + 1) / self.hz
            self._moving[bid] = moving
            self._run[bid] = 0
            ent = self.w.bodies[bid].entity
            if moving:
                sup = self.supports(bid, contacts)
                self._episode[bid] = {"t_s": t0, "z": float(pos[2]), "support": sup}
                self.events.append({"type": "motion_start", "t_s": t0, "object": ent, "position": list(pos)})
            else:
                ep = self._episode.pop(bid, {"t_s": 0.0, "z": float(pos[2]), "support": None})
                sup = self.supports(bid, contacts)
                self.events.append({"type": "motion_stop", "t_s": t0, "object": ent, "position": list(pos),
                                    "support": sup})
                drop = ep["z"] - float(pos[2])
                if drop > self.fall_min:
                    self.events.append({"type": "fall", "t_s": ep["t_s"], "t_end_s": t0, "object": ent,
                                        "drop_m": drop, "support_before": ep["support"], "support_after": sup})

    def _update_contacts(self, step: int, contacts) -> None:
        now = {}
        for a, b, pos, _n, d in contacts:
            if d > CONTACT_DIST_M or a == b:
                continue
            key = (min(a, b), max(a, b))
            now[key] = pos
        if self._contacts is None:                    # the state after the first step is the baseline
            self._contacts = set(now)
            self._last_pos.update(now)
            return
        for key in sorted(set(now) | self._contacts | set(self._pending)):
            cur = key in now
            if key in now:
                self._last_pos[key] = now[key]
            if cur == (key in self._contacts):
                self._pending.pop(key, None)
                continue
            state, since = self._pending.get(key, (cur, step))
            if state != cur:
                state, since = cur, step
            self._pending[key] = (state, since)
            if step - since + 1 >= (BEGIN_HOLD_STEPS if cur else self.contact_steps):
                self._pending.pop(key)
                (self._contacts.add if cur else self._contacts.discard)(key)
                p = self._last_pos.get(key, np.zeros(3))
                ea, eb = sorted((self.entity(key[0], p[:2]), self.entity(key[1], p[:2])))
                if ea != eb:
                    self.events.append({"type": "contact_begin" if cur else "contact_end", "t_s": since / self.hz,
                                        "a": ea, "b": eb, "position": list(p)})
