"""Sub-frame effects: camera motion blur and rolling shutter by temporal integration of linear renders.

Model: row r of the frame with timestamp t is exposed over the window
    [t_r - t_e/2, t_r + t_e/2],   t_r = t + (r + 0.5 - H/2) * t_readout / H
(box shutter of length t_e; t_readout = 0 is a global shutter; the middle row is exposed at t, which is
where the delivered depth / instance ground truth is). The window is integrated in LINEAR radiance from
renders at M sub-frame times on a common grid covering all rows' windows, so motion blur and rolling
shutter share renders. M adapts to the expected image motion so that consecutive sub-frames are at
most `px_per_subframe` apart (capped at `max_subframes`); a static camera gives M = 1, i.e. the frame
itself, bit for bit.

Callables the renderer provides:
    pose_at(t_s: float) -> (4, 4) float cam_to_world, OpenCV camera frame, continuous in t
    render_linear(cam_to_world_cv: (4, 4) float) -> (H, W, 3) float32 linear radiance
or, for scenes whose objects move (object motion blur), instead of render_linear:
    render_linear_at(cam_to_world_cv: (4, 4) float, t_s: float) -> (H, W, 3) float32 linear radiance
        with every object posed at the absolute time t_s (the sub-frame time)
    moving_points_at(t_s: float) -> (n, 3) float world points on the moving objects (e.g. the corners of
        their boxes), optional: their image speed joins the camera's in choosing the number of renders.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

PoseFn = Callable[[float], np.ndarray]
RenderFn = Callable[[np.ndarray], np.ndarray]
RenderAtFn = Callable[[np.ndarray, float], np.ndarray]
PointsFn = Callable[[float], np.ndarray]


def camera_velocity(pose_at: PoseFn, t_s: float, h_s: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """(omega (3,) rad/s, v (3,) m/s) of the camera at t_s, both in the camera's own OpenCV frame,
    by central differences over +-h_s."""
    a = np.asarray(pose_at(t_s - h_s), dtype=np.float64)
    b = np.asarray(pose_at(t_s + h_s), dtype=np.float64)
    r_rel = a[:3, :3].T @ b[:3, :3]
    skew = 0.5 * (r_rel - r_rel.T)
    s = np.array([skew[2, 1], skew[0, 2], skew[1, 0]])
    sin_ang = np.linalg.norm(s)
    ang = math.atan2(sin_ang, (np.trace(r_rel) - 1.0) / 2.0)
    axis_ang = s * (ang / sin_ang) if sin_ang > 1e-12 else s
    v_world = (b[:3, 3] - a[:3, 3]) / (2 * h_s)
    v_cam = a[:3, :3].T @ v_world
    return axis_ang / (2 * h_s), v_cam


def image_speed_px_s(K: np.ndarray, width: int, height: int, omega: np.ndarray, v: np.ndarray,
                     near_depth_m: float) -> float:
    """Upper estimate of image motion (px/s) anywhere in the frame from camera rotation omega (rad/s)
    and translation v (m/s) in the camera frame, with scene points no nearer than near_depth_m."""
    f = max(K[0, 0], K[1, 1])
    r_max = math.hypot(max(K[0, 2], width - K[0, 2]), max(K[1, 2], height - K[1, 2]))
    tan_max = r_max / f
    rot = f * math.hypot(omega[0], omega[1]) * (1.0 + tan_max ** 2) + r_max * abs(omega[2])
    trans = 0.0
    if near_depth_m > 0 and np.isfinite(near_depth_m):
        trans = (f * math.hypot(v[0], v[1]) + r_max * abs(v[2])) / near_depth_m
    return float(rot + trans)


def points_image_speed_px_s(K: np.ndarray, pose_at: PoseFn, points_at: PointsFn, t_s: float,
                            h_s: float = 1e-3) -> float:
    """Largest image speed (px/s) of the world points points_at(t) seen by the camera pose_at(t), by
    central differences over +-h_s (camera and object motion together); points behind the camera or
    nearer than 1 cm are ignored."""
    uv = []
    for t in (t_s - h_s, t_s + h_s):
        pts = np.asarray(points_at(t), dtype=np.float64).reshape(-1, 3)
        c2w = np.asarray(pose_at(t), dtype=np.float64)
        pc = (pts - c2w[:3, 3]) @ c2w[:3, :3]                # world -> camera (OpenCV)
        z = pc[:, 2]
        ok = z > 0.01
        u = np.full((pts.shape[0], 2), np.nan)
        u[ok, 0] = K[0, 0] * pc[ok, 0] / z[ok] + K[0, 2]
        u[ok, 1] = K[1, 1] * pc[ok, 1] / z[ok] + K[1, 2]
        uv.append(u)
    d = np.hypot(*(uv[1] - uv[0]).T) / (2 * h_s)
    d = d[np.isfinite(d)]
    return float(d.max()) if d.size else 0.0


def near_depth(depth_m: np.ndarray | None, quantile: float = 0.05) -> float:
    """A robust near distance (m) of the frame: the 5th percentile of positive depth (inf if none)."""
    if depth_m is None:
        return float("inf")
    d = depth_m[depth_m > 0]
    if d.size == 0:
        return float("inf")
    return float(np.quantile(d[:: max(1, d.size // 20000)], quantile))


class SubframeIntegrator:
    """Motion blur (shutter_s > 0) and/or rolling shutter (readout_s > 0) for one clip.

    `integrate(t_s, rgb_linear, depth_m)` returns (image (H, W, 3) float32 linear, info dict with the
    number of renders and the expected streak/skew in px)."""

    def __init__(self, K: np.ndarray, width: int, height: int, pose_at: PoseFn, render_linear: RenderFn | None, *,
                 shutter_s: float = 0.0, readout_s: float = 0.0, px_per_subframe: float = 1.0,
                 max_subframes: int = 64, render_linear_at: RenderAtFn | None = None,
                 moving_points_at: PointsFn | None = None):
        if shutter_s < 0 or readout_s < 0:
            raise ValueError(f"shutter_s and readout_s must be >= 0, got {shutter_s}, {readout_s}")
        if render_linear is None and render_linear_at is None:
            raise ValueError("give render_linear(pose) or render_linear_at(pose, t_s)")
        self.render_linear_at = render_linear_at
        self.moving_points_at = moving_points_at
        self.K = np.asarray(K, dtype=np.float64)
        self.width, self.height = int(width), int(height)
        self.pose_at, self.render_linear = pose_at, render_linear
        self.shutter_s, self.readout_s = float(shutter_s), float(readout_s)
        self.px_per_subframe = float(px_per_subframe)
        self.max_subframes = int(max_subframes)
        # row time offsets relative to the frame timestamp
        self.row_offset_s = (np.arange(self.height) + 0.5 - self.height / 2.0) * (self.readout_s / self.height)

    def n_subframes(self, speed_px_s: float) -> int:
        span = self.shutter_s + self.readout_s
        if span <= 0 or speed_px_s <= 0:
            return 1
        n = math.ceil(speed_px_s * span / self.px_per_subframe - 1e-9)
        return int(min(max(n, 1), self.max_subframes))

    def row_weights(self, m: int) -> tuple[np.ndarray, np.ndarray]:
        """(times (m,) s relative to t, weights (H, m) float32 rows summing to 1) for m sub-frames."""
        span = self.shutter_s + self.readout_s
        delta = span / m
        starts = -span / 2.0 + np.arange(m) * delta
        times = starts + delta / 2.0
        win = max(self.shutter_s, delta)
        lo = self.row_offset_s[:, None] - win / 2.0
        hi = self.row_offset_s[:, None] + win / 2.0
        w = np.clip(np.minimum(hi, starts[None, :] + delta) - np.maximum(lo, starts[None, :]), 0.0, None)
        w /= w.sum(axis=1, keepdims=True)
        return times, w.astype(np.float32)

    def integrate(self, t_s: float, rgb_linear: np.ndarray, depth_m: np.ndarray | None = None):
        omega, v = camera_velocity(self.pose_at, t_s)
        speed = image_speed_px_s(self.K, self.width, self.height, omega, v, near_depth(depth_m))
        if self.moving_points_at is not None:
            speed = max(speed, points_image_speed_px_s(self.K, self.pose_at, self.moving_points_at, t_s))
        m = self.n_subframes(speed)
        info = {"subframes": m, "speed_px_s": speed, "streak_px": speed * self.shutter_s,
                "skew_px": speed * self.readout_s}
        if m == 1 and self.readout_s <= 0:
            return rgb_linear, info
        if m == 1:  # rolling shutter but no motion: every row sees the same image
            return rgb_linear, info
        times, w = self.row_weights(m)
        out = np.zeros((self.height, self.width, 3), dtype=np.float32)
        for j, dt in enumerate(times):
            rows = np.nonzero(w[:, j])[0]
            if rows.size == 0:
                continue
            t_sub = t_s + float(dt)
            if self.render_linear_at is not None:
                img = np.asarray(self.render_linear_at(self.pose_at(t_sub), t_sub), dtype=np.float32)
            else:
                img = np.asarray(self.render_linear(self.pose_at(t_sub)), dtype=np.float32)
            r0, r1 = rows[0], rows[-1] + 1
            out[r0:r1] += w[r0:r1, j, None, None] * img[r0:r1]
        return out, info
