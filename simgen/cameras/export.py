"""camera.json: the delivered camera, its per-frame poses, timestamps and velocities."""

from __future__ import annotations

import numpy as np

from simgen.cameras.report import frame_velocities


def camera_json(traj, poses: np.ndarray) -> dict:
    """camera.json as plain data. poses (T, 4, 4) OpenCV cam_to_world of the delivered frames.

    Per frame, besides the pose and timestamp: `linear_velocity_mps` (3,) and
    `angular_velocity_rad_s` (3,) in world coordinates (yaw rate about +z plus the pitch rate about
    the camera's horizontal right axis; roll is always 0)."""
    K = traj.K
    lin, ang = frame_velocities(traj)
    return {
        "width": traj.width, "height": traj.height, "fps": traj.fps, "convention": "opencv",
        "intrinsics": {"fx": K[0, 0], "fy": K[1, 1], "cx": K[0, 2], "cy": K[1, 2]},
        "K": K, "distortion": None, "depth_units": "mm", "depth_kind": "z",
        "frame_interval_s": traj.report.get("frame_interval_s"),
        "frame_times": traj.report.get("frame_times", "uniform"),
        "frames": [{"index": i, "timestamp_s": float(traj.frame_times_s[i]), "cam_to_world": poses[i],
                    "linear_velocity_mps": lin[i], "angular_velocity_rad_s": ang[i]}
                   for i in range(len(poses))],
    }
