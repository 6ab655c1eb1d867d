"""Water drops and dirt on the lens (static for the clip: drawn once from the rng).

A water drop on the front glass is a small thick lens far out of focus. Model per drop (centre c,
radius R): inside the drop the camera sees the scene through the drop, an inverted and demagnified
view, source point = c + m (p - c) with magnification m < 0, blurred by a Gaussian (the drop is out of
focus) and attenuated towards the rim (Fresnel loss, 1 at the centre to 0.55 at the edge); the drop
edge is a 1.5 px soft step. Dirt is an opaque speck seen defocused: transmission t = 1 - 0.85 * soft
disc, with the lost light partly returned as veiling glare (0.25 * mean frame radiance).
All in linear light; parameters in px are at 640 px width and scale with the image width.
"""

from __future__ import annotations

import numpy as np

from simgen.core.config import Uniform
from simgen.degradations.optics import Resampler


class LensDrops:
    def __init__(self, width: int, height: int, rng: np.random.Generator, *, coverage: float,
                 radius_px, magnification: float = -0.35, blur_px: float = 2.5, dirt: float = 0.0):
        self.width, self.height = int(width), int(height)
        s = self.width / 640.0
        rad = radius_px if isinstance(radius_px, Uniform) else Uniform(float(radius_px), float(radius_px))
        yy, xx = np.mgrid[0:self.height, 0:self.width].astype(np.float32) + 0.5
        alpha = np.zeros((self.height, self.width), np.float32)     # water drop coverage
        src_x, src_y = xx.copy(), yy.copy()
        atten = np.ones((self.height, self.width), np.float32)
        dirt_a = np.zeros((self.height, self.width), np.float32)
        self.drops = []
        covered = np.zeros((self.height, self.width), bool)
        while covered.mean() < coverage and len(self.drops) < 2000:
            r = rad.sample(rng) * s
            cx, cy = rng.uniform(0, self.width), rng.uniform(0, self.height)
            is_dirt = bool(rng.uniform() < dirt)
            x0, x1 = int(max(cx - r - 2, 0)), int(min(cx + r + 3, self.width))
            y0, x1b = int(max(cy - r - 2, 0)), int(min(cy + r + 3, self.height))
            if x1 <= x0 or x1b <= y0:
                continue
            sx, sy = xx[y0:x1b, x0:x1], yy[y0:x1b, x0:x1]
            d = np.hypot(sx - cx, sy - cy)
            edge = np.clip((r - d) / 1.5 + 0.5, 0.0, 1.0)
            covered[y0:x1b, x0:x1] |= d < r
            if is_dirt:
                dirt_a[y0:x1b, x0:x1] = np.maximum(dirt_a[y0:x1b, x0:x1], 0.85 * edge)
            else:
                inside = edge > alpha[y0:x1b, x0:x1]
                alpha[y0:x1b, x0:x1] = np.where(inside, edge, alpha[y0:x1b, x0:x1])
                src_x[y0:x1b, x0:x1] = np.where(inside, cx + magnification * (sx - cx), src_x[y0:x1b, x0:x1])
                src_y[y0:x1b, x0:x1] = np.where(inside, cy + magnification * (sy - cy), src_y[y0:x1b, x0:x1])
                rim = 0.55 + 0.45 * np.sqrt(np.clip(1.0 - (d / r) ** 2, 0.0, 1.0))
                atten[y0:x1b, x0:x1] = np.where(inside, rim, atten[y0:x1b, x0:x1])
            self.drops.append({"x_px": float(cx), "y_px": float(cy), "radius_px": float(r),
                               "kind": "dirt" if is_dirt else "water"})
        self.coverage = float(covered.mean())
        self.blur_px = float(blur_px) * s
        self._down = Resampler(self.width, self.height, 0.25)
        m = alpha > 0
        self._idx = np.nonzero(m.ravel())[0]
        self._alpha = alpha.ravel()[self._idx][:, None]
        self._atten = atten.ravel()[self._idx][:, None]
        # bilinear gather coordinates in the quarter-resolution image
        lw, lh = self._down.low_w, self._down.low_h
        px = np.clip(src_x.ravel()[self._idx] * (lw / self.width) - 0.5, 0, lw - 1.001)
        py = np.clip(src_y.ravel()[self._idx] * (lh / self.height) - 0.5, 0, lh - 1.001)
        x0i, y0i = np.floor(px).astype(np.int64), np.floor(py).astype(np.int64)
        wx, wy = (px - x0i).astype(np.float32)[:, None], (py - y0i).astype(np.float32)[:, None]
        i00 = y0i * lw + x0i
        self._g = (i00, i00 + 1, i00 + lw, i00 + lw + 1)
        self._gw = ((1 - wx) * (1 - wy), wx * (1 - wy), (1 - wx) * wy, wx * wy)
        self._dirt = dirt_a if dirt_a.any() else None

    def apply(self, rgb_linear: np.ndarray) -> np.ndarray:
        """(H, W, 3) float32 linear -> the image through the dirty / wet lens."""
        from scipy.ndimage import gaussian_filter

        out = np.array(rgb_linear, dtype=np.float32, copy=True)
        if self._idx.size:
            small = self._down.down(rgb_linear)
            sig = self.blur_px * self._down.low_w / self.width
            if sig > 0.05:
                small = gaussian_filter(small, (sig, sig, 0), mode="nearest")
            flat = small.reshape(-1, 3)
            view = sum(np.take(flat, g, axis=0) * w for g, w in zip(self._g, self._gw))
            o = out.reshape(-1, 3)
            o[self._idx] = np.take(o, self._idx, axis=0) * (1 - self._alpha) + self._alpha * self._atten * view
        if self._dirt is not None:
            veil = 0.25 * float(rgb_linear.mean())
            t = 1.0 - self._dirt[..., None]
            out = out * t + (1.0 - t) * veil
        return out

    def record(self) -> dict:
        return {"n_drops": len(self.drops), "coverage_measured": self.coverage, "blur_px": self.blur_px,
                "drops": self.drops[:200]}
