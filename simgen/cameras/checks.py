"""Checks of a timed trajectory against the rendered views (PlannerGL), run by plan_trajectory.

- close_frames: the close-pixel rule. No delivered frame may have more than `close_fraction_max`
  (60 %) of its pixels with z-depth < `close_depth_m` (0.4 m). Measured exactly at the planner's
  resolution: the scene drawn with the far clip plane at close_depth_m, so a pixel is drawn exactly
  when its nearest surface is closer than that (z-depth, as in depth/*.png; z <= Euclidean distance,
  so this counts at least every pixel closer in Euclidean distance too).
- confirm_claims: each viewpoint's claimed objects re-evaluated exactly at the two delivered frames
  around the moment the walk passes it (the walk does not stop on it any more, so the rendered poses
  differ from the planned one by a few cm and degrees); only confirmed objects stay claimed.
"""

from __future__ import annotations

import numpy as np

from simgen.core.transforms import intrinsics_from_hfov


def close_fractions(planner_gl, traj, cfg) -> np.ndarray:
    """(n_frames,) fraction of each delivered frame's pixels closer than cfg.close_depth_m (z-depth)."""
    w, h = planner_gl.size
    K = intrinsics_from_hfov(w, h, cfg.hfov_deg)
    poses = [traj.pose_at(float(t)) for t in traj.frame_times_s]
    return planner_gl.close_fractions(K, poses, cfg.close_depth_m)


def confirm_claims(exact, traj, stop_times, stops) -> dict[int, set[int]]:
    """{stop index: object ids confirmed covered (exact rule with margins) at the delivered frames nearest
    to the stop's time} for every stop with targets."""
    ft = np.asarray(traj.frame_times_s)
    jobs, keys = [], []
    for k, (st, t) in enumerate(zip(stops, stop_times)):
        if not st.targets or len(ft) == 0:
            continue
        j = int(np.clip(np.searchsorted(ft, t), 0, len(ft) - 1))
        for i in sorted({max(0, j - 1), j}):
            if abs(ft[i] - t) <= 0.5:
                xy, yaw = traj.state_at(float(ft[i]))
                jobs.append((xy, yaw, float(traj.pitches([ft[i]])[0])))
                keys.append(k)
    res = exact.evaluate(jobs) if jobs else []
    out: dict[int, set[int]] = {k: set() for k, st in enumerate(stops) if st.targets}
    for k, (cov, _vis) in zip(keys, res):
        ids = {int(exact.boxes.ids[i]) for i in cov}
        out[k] |= ids & set(int(x) for x in stops[k].targets)
    return out
