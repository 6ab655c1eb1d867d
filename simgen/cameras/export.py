"""camera.json: the delivered camera and its per-frame poses."""

from __future__ import annotations

import numpy as np


def camera_json(traj, poses: np.ndarray) -> dict:
    K = traj.K
    return {
        "width": traj.width, "height": traj.height, "fps": traj.fps, "convention": "opencv",
        "intrinsics": {"fx": K[0, 0], "fy": K[1, 1], "cx": K[0, 2], "cy": K[1, 2]},
        "K": K, "distortion": None, "depth_units": "mm", "depth_kind": "z",
        "frame_interval_s": traj.report.get("frame_interval_s"),
        "frames": [{"index": i, "timestamp_s": float(traj.frame_times_s[i]), "cam_to_world": poses[i]}
                   for i in range(len(poses))],
    }
