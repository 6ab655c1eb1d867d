"""Coverage that the walk itself provides: fewer viewpoints, and claims at the delivered frames.

A set cover of single views ignores that the camera sees the scene all the way between them: many objects
a viewpoint was chosen for are covered anyway on the way to or from other viewpoints. Each viewpoint costs
real time (the detour, the turn in place at <= 45 deg/s, the hold), so:

- prune_views: the walk is timed, sampled at `sample_hz` and every sample evaluated exactly (PlannerGL,
  the coverage rule with margins). A viewpoint is left out when each of its objects is covered by
  PRUNE_MIN_SAMPLES samples outside its own window (from the moment of the viewpoint PRUNE_REACH stops
  before it to that of the one PRUNE_REACH after it: the legs that change when it goes) and outside the
  windows of the viewpoints already left out, and its window holds no sample that a viewpoint already left
  out counts on. Candidates are tried most expensive first (longest window per object). Two rounds (the
  walk is timed again in between).
- walk_claims: the delivered frames themselves (every frame at <= 10 fps, every n-th above) evaluated
  exactly; the objects covered there are claimed with the first frame that covers them.
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)

# samples that must cover each of a viewpoint's objects before it is left out: one sample can be a lucky
# instant that the delivered frames (claimed at <= 5 Hz) miss, and the object is then lost (session 12)
PRUNE_MIN_SAMPLES = 2
# the stops on each side of a viewpoint whose legs change when it goes: the legs to and from its neighbours,
# and the legs into and out of them too (the heading at a stop turns toward the next leg before it is
# reached; with 1, objects covered only there were lost: high seed 6 lost 4 of 96, session 12)
PRUNE_REACH = 2


def _sample_cover(exact, traj_states, ts: np.ndarray, only: set[int]) -> list[set[int]]:
    xy, yaw, pitch = traj_states(ts)
    return [c for c, _vis in exact.evaluate([(xy[i], yaw[i], pitch[i]) for i in range(len(ts))], only=only)]


def prune_views(stops: list, timeline, exact, base_pitch: float, sample_hz: float = 3.0,
                rounds: int = 2) -> tuple[list, int]:
    """(stops without the redundant viewpoints, number left out). timeline(stops) -> (pieces, times, rested,
    pitch knots) as in simgen.cameras.trajectory."""
    from simgen.cameras.motion import Trajectory

    n_out = 0
    stops = list(stops)
    for _ in range(rounds):
        pieces, times, _rested, knots = timeline(stops)
        traj = Trajectory(1, 1, 1.0, np.eye(3), 0.0, base_pitch, tuple(pieces), 0, np.zeros(0), pitch_knots=knots)

        def states(ts):
            xy, yaw = traj.states(ts)
            return xy, yaw, traj.pitches(ts)

        views = [k for k in range(1, len(stops)) if stops[k].tag == "view" and stops[k].targets]
        idx_of = {int(i): j for j, i in enumerate(exact.boxes.ids)}
        ts = np.arange(0.0, traj.duration_s + 1e-9, 1.0 / sample_hz)
        cov = _sample_cover(exact, states, ts, {idx_of[int(t)] for k in views for t in stops[k].targets})

        def window(k):
            a = times[k - PRUNE_REACH] if k >= PRUNE_REACH else 0.0
            b = times[k + PRUNE_REACH] if k + PRUNE_REACH < len(stops) else traj.duration_s + 1.0
            return a, b

        cand = sorted(views, key=lambda k: (-(window(k)[1] - window(k)[0]) / len(stops[k].targets), k))
        out: set[int] = set()
        excluded = np.zeros(len(ts), bool)
        relied = np.zeros(len(ts), bool)       # samples that viewpoints already left out count on
        for k in cand:
            a, b = window(k)
            own = (ts >= a) & (ts <= b)
            mask = excluded | own
            # neighbours of a viewpoint already left out change too: never drop two in a row; and never
            # change the legs whose samples cover the objects of a viewpoint already left out
            if k - 1 in out or k + 1 in out or (relied & own).any():
                continue
            need = {idx_of[int(t)] for t in stops[k].targets}
            seen: dict[int, int] = {}
            used = []
            for j in np.nonzero(~mask)[0]:
                hit = cov[j] & need
                if hit and any(seen.get(i, 0) < PRUNE_MIN_SAMPLES for i in hit):
                    used.append(j)
                for i in hit:
                    seen[i] = seen.get(i, 0) + 1
                if all(seen.get(i, 0) >= PRUNE_MIN_SAMPLES for i in need):
                    break
            if all(seen.get(i, 0) >= PRUNE_MIN_SAMPLES for i in need):
                out.add(k)
                excluded = mask
                relied[used] = True
        if not out:
            break
        log.info("prune: %d of %d viewpoints covered by the rest of the walk", len(out), len(views))
        n_out += len(out)
        stops = [s for k, s in enumerate(stops) if k not in out]
    return stops, n_out


def walk_claims(exact, traj, skip_ids, max_hz: float = 5.0) -> dict[int, int]:
    """{object id: first delivered frame index covering it (exact rule with margins)}, for the objects not in
    skip_ids (already claimed at viewpoints), from the delivered frames (every n-th above max_hz)."""
    ft = np.asarray(traj.frame_times_s)
    if len(ft) == 0:
        return {}
    step = max(1, int(np.ceil(traj.fps / max_hz)))
    which = np.arange(0, len(ft), step)
    xy, yaw = traj.states(ft[which])
    pitch = traj.pitches(ft[which])
    skip = {int(i) for i in skip_ids}
    only = {j for j, i in enumerate(exact.boxes.ids) if int(i) not in skip}
    if not only:
        return {}
    res = exact.evaluate([(xy[i], yaw[i], pitch[i]) for i in range(len(which))], only=only)
    out: dict[int, int] = {}
    for f, (cov, _vis) in zip(which, res):
        for k in cov:
            out.setdefault(int(exact.boxes.ids[k]), int(f))
    return out
