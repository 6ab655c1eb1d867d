"""Exact, renderer-free test scenes for the degradation module (tests, benchmark, documentation grid).

- `AzimuthBandScene`: a bright vertical band of azimuths [a_lo, a_hi] at infinity over a uniform
  background; renders exactly (per-pixel angular coverage) at any pose. A thin band is the "thin line
  under yaw" of the motion-blur and rolling-shutter tests; a wide band is an edge.
- `BoxRoom`: a small ray-cast room (floor, walls, ceiling, a few boxes) with Lambertian shading, linear
  radiance with headroom, z-depth and instance ids, at any pose. Pure numpy, about 0.1 s per VGA frame.

Camera poses are OpenCV cam_to_world (4, 4); world is +Z up.
"""

from __future__ import annotations

import numpy as np

from simgen.core.transforms import look_at_cv, make_pose, rot_z


def _pixel_rays(K: np.ndarray, width: int, height: int, u_offset: float = 0.5) -> np.ndarray:
    """(H, W, 3) camera-frame ray directions (not normalised) through x = u + u_offset, pixel centres in y."""
    x = (np.arange(width) + u_offset - K[0, 2]) / K[0, 0]
    y = (np.arange(height) + 0.5 - K[1, 2]) / K[1, 1]
    xx, yy = np.meshgrid(x, y)
    return np.stack([xx, yy, np.ones_like(xx)], axis=-1)


class AzimuthBandScene:
    """Radiance `band_radiance` for world azimuths in [a_lo_rad, a_hi_rad], `background` elsewhere;
    with sigma_rad > 0 the band's edges are smoothed by a Gaussian of that angular sigma (a smooth
    profile whose sampled moments equal the continuous ones, for sub-pixel-exact centroid tests)."""

    def __init__(self, K: np.ndarray, width: int, height: int, a_lo_rad: float, a_hi_rad: float,
                 band_radiance: float = 1.0, background: float = 0.0, sigma_rad: float = 0.0):
        self.K, self.width, self.height = np.asarray(K, float), int(width), int(height)
        self.a_lo, self.a_hi = float(a_lo_rad), float(a_hi_rad)
        self.band, self.bg = float(band_radiance), float(background)
        self.sigma = float(sigma_rad)

    def _antiderivative(self, x: np.ndarray) -> np.ndarray:
        """Integral of the (smoothed) band indicator from -inf to x, up to a constant."""
        from scipy.special import erf

        def ramp(u):  # integral of Phi(u / sigma)
            z = u / self.sigma
            return u * 0.5 * (1 + erf(z / np.sqrt(2))) + self.sigma * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)

        return ramp(x - self.a_lo) - ramp(x - self.a_hi)

    def render_linear(self, cam_to_world_cv: np.ndarray) -> np.ndarray:
        R = np.asarray(cam_to_world_cv, float)[:3, :3]
        left = _pixel_rays(self.K, self.width, self.height, 0.0) @ R.T
        right = _pixel_rays(self.K, self.width, self.height, 1.0) @ R.T
        a0 = np.arctan2(left[..., 1], left[..., 0])
        a1 = np.arctan2(right[..., 1], right[..., 0])
        lo, hi = np.minimum(a0, a1), np.maximum(a0, a1)
        if self.sigma > 0:
            cover = (self._antiderivative(hi) - self._antiderivative(lo)) / (hi - lo)
        else:
            cover = np.clip(np.minimum(hi, self.a_hi) - np.maximum(lo, self.a_lo), 0.0, None) / (hi - lo)
        img = self.bg + (self.band - self.bg) * cover
        return np.repeat(img[..., None], 3, axis=2).astype(np.float32)


def yaw_pose_fn(yaw0_rad: float, omega_rad_s: float, eye=(0.0, 0.0, 1.5)):
    """pose_at(t) for a level camera at `eye` turning about world +Z: yaw(t) = yaw0 + omega t.
    At yaw 0 it looks along +X. Positive omega turns left (counter-clockwise from above)."""
    base = look_at_cv(eye, np.asarray(eye, float) + [1.0, 0.0, 0.0])

    def pose_at(t_s: float) -> np.ndarray:
        T = make_pose(rot_z(yaw0_rad + omega_rad_s * t_s), [0.0, 0.0, 0.0])
        out = T @ base
        out[:3, 3] = eye
        return out

    return pose_at


class BoxRoom:
    """A 5 x 4 x 2.7 m room with a checker floor, coloured walls and a few boxes, lit by an area-ish
    ceiling light (Lambertian, inverse-square, no shadows). Instance ids: 1 floor, 2 ceiling,
    3..6 walls, 7.. boxes."""

    def __init__(self, K: np.ndarray, width: int, height: int):
        self.K, self.width, self.height = np.asarray(K, float), int(width), int(height)
        self.room_min = np.array([0.0, 0.0, 0.0])
        self.room_max = np.array([5.0, 4.0, 2.7])
        # (min, max, linear albedo)
        self.boxes = [
            (np.array([3.6, 0.3, 0.0]), np.array([4.6, 1.1, 0.75]), (0.45, 0.08, 0.06)),   # red cabinet
            (np.array([1.2, 2.8, 0.0]), np.array([2.2, 3.7, 0.45]), (0.05, 0.12, 0.45)),   # blue bed
            (np.array([2.6, 1.7, 0.0]), np.array([3.1, 2.2, 0.9]), (0.6, 0.55, 0.1)),     # yellow box
            (np.array([4.2, 3.0, 0.0]), np.array([4.8, 3.8, 1.9]), (0.2, 0.35, 0.12)),    # green shelf
            (np.array([0.4, 0.4, 0.7]), np.array([0.7, 0.7, 1.0]), (0.85, 0.85, 0.8)),    # white cube on..
            (np.array([0.3, 0.3, 0.0]), np.array([0.8, 0.8, 0.7]), (0.25, 0.15, 0.08)),   # brown stand
        ]
        self.wall_albedo = [(0.55, 0.5, 0.45), (0.5, 0.52, 0.55), (0.6, 0.45, 0.35), (0.45, 0.5, 0.45)]
        self.light_pos = np.array([2.5, 2.0, 2.6])
        self.light_power = 9.0

    def default_pose(self, t_s: float = 0.0, yaw_rate_rad_s: float = 0.0) -> np.ndarray:
        """A standing eye (1.5 m) near a corner looking across the room, turning at yaw_rate."""
        eye = np.array([0.9, 1.0, 1.5])
        yaw = np.deg2rad(30.0) + yaw_rate_rad_s * t_s
        target = eye + np.array([np.cos(yaw), np.sin(yaw), -0.25])
        return look_at_cv(eye, target)

    def render(self, cam_to_world_cv: np.ndarray):
        """-> (rgb_linear (H, W, 3) float32, depth_m (H, W) float32 z-depth, instance (H, W) uint16)."""
        P = np.asarray(cam_to_world_cv, float)
        d_cam = _pixel_rays(self.K, self.width, self.height).reshape(-1, 3)
        d = d_cam @ P[:3, :3].T                       # world direction, with cam z component 1
        o = P[:3, 3]
        n_px = d.shape[0]
        t_best = np.full(n_px, np.inf)
        ids = np.zeros(n_px, np.uint16)
        normal = np.zeros((n_px, 3))
        albedo = np.zeros((n_px, 3))
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = 1.0 / d
            # room interior: exit distance per axis
            for axis in range(3):
                for side, bound in ((0, self.room_min[axis]), (1, self.room_max[axis])):
                    t = (bound - o[axis]) * inv[:, axis]
                    ok = (t > 0) & (t < t_best)
                    if side == 0:
                        ok &= d[:, axis] < 0
                    else:
                        ok &= d[:, axis] > 0
                    t_best = np.where(ok, t, t_best)
                    nrm = np.zeros(3)
                    nrm[axis] = 1.0 if side == 0 else -1.0
                    if axis == 2:
                        iid = 1 if side == 0 else 2
                        alb = np.array([0.5, 0.45, 0.4]) if side == 0 else np.array([0.8, 0.8, 0.8])
                    else:
                        iid = 3 + axis * 2 + side
                        alb = np.array(self.wall_albedo[axis * 2 + side])
                    ids[ok] = iid
                    normal[ok] = nrm
                    albedo[ok] = alb
            for k, (bmin, bmax, alb) in enumerate(self.boxes):
                t0 = (bmin - o) * inv
                t1 = (bmax - o) * inv
                tn = np.nanmax(np.minimum(t0, t1), axis=1)
                tf = np.nanmin(np.maximum(t0, t1), axis=1)
                ok = (tn <= tf) & (tn > 0) & (tn < t_best)
                t_best = np.where(ok, tn, t_best)
                ids[ok] = 7 + k
                albedo[ok] = alb
                hit_axis = np.argmax(np.minimum(t0, t1), axis=1)
                nrm = np.zeros((n_px, 3))
                nrm[np.arange(n_px), hit_axis] = -np.sign(d[np.arange(n_px), hit_axis])
                normal[ok] = nrm[ok]
        pts = o + d * t_best[:, None]
        # checker floor texture
        floor = ids == 1
        chk = ((np.floor(pts[:, 0] / 0.5) + np.floor(pts[:, 1] / 0.5)) % 2).astype(float)
        albedo[floor] *= (0.6 + 0.5 * chk[floor])[:, None]
        # stripes on one wall for texture
        wall = ids == 5
        albedo[wall] *= (0.75 + 0.35 * (np.floor(pts[wall, 0] / 0.25) % 2))[:, None]
        to_l = self.light_pos - pts
        dist2 = np.sum(to_l * to_l, axis=1)
        cos = np.clip(np.sum(normal * to_l, axis=1) / np.sqrt(dist2), 0.0, None)
        irradiance = self.light_power * cos / dist2 / np.pi + 0.08
        rgb = (albedo * irradiance[:, None]).reshape(self.height, self.width, 3)
        # a lamp: emissive ceiling patch (headroom above 1)
        lamp = (ids == 2) & (np.abs(pts[:, 0] - 2.5) < 0.3) & (np.abs(pts[:, 1] - 2.0) < 0.3)
        rgb.reshape(-1, 3)[lamp] = 6.0
        depth = (t_best * 1.0).reshape(self.height, self.width)   # d has unit cam-z, so t = z-depth
        depth[~np.isfinite(depth)] = 0.0
        return rgb.astype(np.float32), depth.astype(np.float32), ids.reshape(self.height, self.width)
