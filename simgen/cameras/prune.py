"""Coverage that the walk itself provides: fewer viewpoints, and claims at the delivered frames.

A set cover of single views ignores that the camera sees the scene all the way between them: many objects
a viewpoint was chosen for are covered anyway on the way to or from other viewpoints. Each viewpoint costs
real time (the detour, the turn in place at <= 45 deg/s, the hold), so:

- prune_views: the walk is timed, sampled at `sample_hz` and every sample evaluated exactly (PlannerGL,
  the coverage rule with margins). A viewpoint is left out when all of its objects are covered by samples
  outside its own window (from the previous viewpoint's moment to the next one's: the legs that change
  when it goes) and outside the windows of the viewpoints already left out. Candidates are tried most
  expensive first (longest window per object). Two rounds (the walk is timed again in between).
- walk_claims: the delivered frames themselves (every frame at <= 10 fps, every n-th above) evaluated
  exactly; the objects covered there are claimed with the first frame that covers them.
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)


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
            a = times[k - 1] if k >= 1 else 0.0
            b = times[k + 1] if k + 1 < len(stops) else traj.duration_s + 1.0
            return a, b

        cand = sorted(views, key=lambda k: (-(window(k)[1] - window(k)[0]) / len(stops[k].targets), k))
        out: set[int] = set()
        excluded = np.zeros(len(ts), bool)
        for k in cand:
            a, b = window(k)
            mask = excluded | ((ts >= a) & (ts <= b))
            # neighbours of a viewpoint already left out change too: never drop two in a row
            if k - 1 in out or k + 1 in out:
                continue
            need = {idx_of[int(t)] for t in stops[k].targets}
            have: set[int] = set()
            for j in np.nonzero(~mask)[0]:
                have |= cov[j]
                if need <= have:
                    break
            if need <= have:
                out.add(k)
                excluded = mask
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
