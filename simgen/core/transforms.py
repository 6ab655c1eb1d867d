"""Rigid transforms and the one place where camera conventions are converted.

World frame: right-handed, +Z up, floor at z = 0. Exported camera frame: OpenCV (x right, y down,
z forward). pyrender (OpenGL) cameras look down -z with +y up; the conversion is a fixed
right-multiplication by diag(1, -1, -1, 1).
"""

from __future__ import annotations

import numpy as np

# camera-frame flip between OpenCV (x right, y down, z forward) and OpenGL (x right, y up, z back)
CV_FROM_GL = np.diag([1.0, -1.0, -1.0, 1.0])


def opencv_to_opengl(cam_to_world_cv: np.ndarray) -> np.ndarray:
    """(4, 4) float cam_to_world with an OpenCV camera frame -> the same pose with an OpenGL camera frame."""
    return np.asarray(cam_to_world_cv, dtype=np.float64) @ CV_FROM_GL


def opengl_to_opencv(cam_to_world_gl: np.ndarray) -> np.ndarray:
    """Inverse of opencv_to_opengl (the flip is its own inverse)."""
    return np.asarray(cam_to_world_gl, dtype=np.float64) @ CV_FROM_GL


def rot_z(yaw_rad: float) -> np.ndarray:
    """(3, 3) rotation about +Z by yaw_rad (counter-clockwise seen from above)."""
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def make_pose(rotation: np.ndarray, translation) -> np.ndarray:
    """(4, 4) homogeneous transform from a (3, 3) rotation and a (3,) translation."""
    T = np.eye(4)
    T[:3, :3] = rotation
    T[:3, 3] = translation
    return T


def look_at_cv(eye, target, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """OpenCV cam_to_world (4, 4) for a camera at `eye` looking at `target`, with no roll about `up`.

    Columns of the rotation are the camera axes in world coordinates: x right, y down, z forward.
    """
    eye = np.asarray(eye, dtype=np.float64)
    z = np.asarray(target, dtype=np.float64) - eye
    z /= np.linalg.norm(z)
    x = np.cross(z, np.asarray(up, dtype=np.float64))
    n = np.linalg.norm(x)
    if n < 1e-9:  # looking straight up or down: pick any right vector
        x = np.array([1.0, 0.0, 0.0])
    else:
        x /= n
    y = np.cross(z, x)
    return make_pose(np.stack([x, y, z], axis=1), eye)


def intrinsics_from_hfov(width: int, height: int, hfov_deg: float) -> np.ndarray:
    """(3, 3) K for square pixels and a centred principal point (cx = W/2, cy = H/2, pixel-corner origin)."""
    fx = (width / 2.0) / np.tan(np.deg2rad(hfov_deg) / 2.0)
    return np.array([[fx, 0.0, width / 2.0], [0.0, fx, height / 2.0], [0.0, 0.0, 1.0]])


def project_points(K: np.ndarray, world_from_cam_cv: np.ndarray, points_world: np.ndarray):
    """Project (n, 3) world points. Returns (uv (n, 2) continuous pixel coords, z (n,) depth in m)."""
    cam_from_world = np.linalg.inv(world_from_cam_cv)
    p = np.asarray(points_world, dtype=np.float64) @ cam_from_world[:3, :3].T + cam_from_world[:3, 3]
    z = p[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = (p[:, :2] / z[:, None]) * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
    return uv, z
