"""Lens distortion: Brown-Conrady (OpenCV's k1, k2, p1, p2, k3) and Kannala-Brandt (OpenCV fisheye k1..k4).

Coordinates: simgen pixel coordinates (origin at the top-left image corner; pixel (u, v) has its centre
at (u + 0.5, v + 0.5)). The renderer's pinhole image has intrinsics K. The delivered (distorted) image
has intrinsics K_d = K with fx, fy scaled by `zoom` (same cx, cy), chosen as the smallest zoom for which
every delivered pixel sees a point inside the rendered image (no holes, no wider render needed):

    delivered pixel (u, v) -> xd = (u - cx) / (zoom fx), yd = (v - cy) / (zoom fy)
    -> undistort (Newton) -> (x, y) -> rendered pixel (fx x + cx, fy y + cy)

RGB is resampled bilinearly in linear light; depth (z of the seen point, unchanged by the lens) and
instance ids by nearest neighbour from the same map, so masks stay aligned with the image. Points and
boxes go through `distort_points` / `map_boxes`. For OpenCV consumers, subtract 0.5 from cx, cy.
"""

from __future__ import annotations

import numpy as np

MODELS = ("brown_conrady", "kannala_brandt")


class LensDistortion:
    """A distortion model with fixed coefficients. Arrays are float64 (n,) normalised coordinates."""

    def __init__(self, model: str, k1: float = 0.0, k2: float = 0.0, k3: float = 0.0, k4: float = 0.0,
                 p1: float = 0.0, p2: float = 0.0):
        if model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {model!r}")
        self.model = model
        self.k = (float(k1), float(k2), float(k3), float(k4))
        self.p = (float(p1), float(p2))

    def coefficients(self) -> dict:
        k1, k2, k3, k4 = self.k
        if self.model == "brown_conrady":
            return {"k1": k1, "k2": k2, "p1": self.p[0], "p2": self.p[1], "k3": k3}
        return {"k1": k1, "k2": k2, "k3": k3, "k4": k4}

    def distort(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Undistorted normalised (x, y) -> distorted normalised (xd, yd)."""
        k1, k2, k3, k4 = self.k
        if self.model == "brown_conrady":
            p1, p2 = self.p
            r2 = x * x + y * y
            radial = 1.0 + r2 * (k1 + r2 * (k2 + r2 * k3))
            xd = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
            yd = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
            return xd, yd
        r = np.hypot(x, y)
        th = np.arctan(r)
        t2 = th * th
        thd = th * (1.0 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4))))
        scale = np.where(r > 1e-12, thd / np.maximum(r, 1e-12), 1.0)
        return x * scale, y * scale

    def undistort(self, xd: np.ndarray, yd: np.ndarray, iters: int = 30) -> tuple[np.ndarray, np.ndarray]:
        """Distorted normalised -> undistorted normalised, by Newton iteration (numeric Jacobian)."""
        xd = np.asarray(xd, dtype=np.float64)
        yd = np.asarray(yd, dtype=np.float64)
        if self.model == "kannala_brandt":
            k1, k2, k3, k4 = self.k
            rd = np.hypot(xd, yd)
            th = rd.copy()
            for _ in range(iters):
                t2 = th * th
                f = th * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4)))) - rd
                df = 1 + t2 * (3 * k1 + t2 * (5 * k2 + t2 * (7 * k3 + t2 * 9 * k4)))
                th = th - f / df
            r = np.tan(th)
            s = np.where(rd > 1e-12, r / np.maximum(rd, 1e-12), 1.0)
            return xd * s, yd * s
        x, y = xd.copy(), yd.copy()
        h = 1e-6
        for _ in range(iters):
            fx, fy = self.distort(x, y)
            ex, ey = fx - xd, fy - yd
            ax, ay = self.distort(x + h, y)
            bx, by = self.distort(x, y + h)
            j11, j21 = (ax - fx) / h, (ay - fy) / h
            j12, j22 = (bx - fx) / h, (by - fy) / h
            det = j11 * j22 - j12 * j21
            x = x - (j22 * ex - j12 * ey) / det
            y = y - (-j21 * ex + j11 * ey) / det
        return x, y


class DistortionWarp:
    """The per-clip warp from the rendered pinhole image (K, W x H) to the delivered distorted image."""

    def __init__(self, lens: LensDistortion, K: np.ndarray, width: int, height: int):
        self.lens = lens
        self.K = np.asarray(K, dtype=np.float64)
        self.width, self.height = int(width), int(height)
        self.zoom = self._fit_zoom()
        self.K_delivered = self.K.copy()
        self.K_delivered[0, 0] *= self.zoom
        self.K_delivered[1, 1] *= self.zoom
        u = np.arange(self.width) + 0.5
        v = np.arange(self.height) + 0.5
        uu, vv = np.meshgrid(u, v)
        src = self.undistort_points(np.stack([uu.ravel(), vv.ravel()], axis=1))
        px = np.clip(src[:, 0] - 0.5, 0.0, self.width - 1.0)
        py = np.clip(src[:, 1] - 0.5, 0.0, self.height - 1.0)
        x0 = np.minimum(np.floor(px).astype(np.int64), self.width - 2)
        y0 = np.minimum(np.floor(py).astype(np.int64), self.height - 2)
        wx, wy = (px - x0).astype(np.float32), (py - y0).astype(np.float32)
        i00 = y0 * self.width + x0
        n = self.width * self.height
        cols = np.stack([i00, i00 + 1, i00 + self.width, i00 + self.width + 1], axis=1).ravel()
        vals = np.stack([(1 - wx) * (1 - wy), wx * (1 - wy), (1 - wx) * wy, wx * wy], axis=1).ravel()
        from scipy.sparse import csr_matrix

        # bilinear resampling as a sparse (n, n) matrix: one pass per frame
        self._bilinear = csr_matrix((vals.astype(np.float32), cols, np.arange(0, 4 * n + 1, 4)), shape=(n, n))
        self._nearest = (np.clip(np.round(py).astype(np.int64), 0, self.height - 1) * self.width
                         + np.clip(np.round(px).astype(np.int64), 0, self.width - 1))

    def _border_inside(self, zoom: float) -> bool:
        w, h = self.width, self.height
        n = 64
        t = np.linspace(0.0, 1.0, n)
        bu = np.concatenate([t * w, t * w, np.zeros(n), np.full(n, w)])
        bv = np.concatenate([np.zeros(n), np.full(n, h), t * h, t * h])
        xd = (bu - self.K[0, 2]) / (zoom * self.K[0, 0])
        yd = (bv - self.K[1, 2]) / (zoom * self.K[1, 1])
        x, y = self.lens.undistort(xd, yd)
        back = self.lens.distort(x, y)
        if not (np.all(np.isfinite(x)) and np.allclose(back[0], xd, atol=1e-7) and np.allclose(back[1], yd, atol=1e-7)):
            return False
        us = x * self.K[0, 0] + self.K[0, 2]
        vs = y * self.K[1, 1] + self.K[1, 2]
        return bool(np.all((us >= -1e-6) & (us <= w + 1e-6) & (vs >= -1e-6) & (vs <= h + 1e-6)))

    def _fit_zoom(self) -> float:
        lo, hi = 0.2, 8.0
        if not self._border_inside(hi):
            raise ValueError("distortion too strong: no zoom keeps the delivered image inside the render")
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            if self._border_inside(mid):
                hi = mid
            else:
                lo = mid
        return hi

    def distort_points(self, uv: np.ndarray) -> np.ndarray:
        """(n, 2) pixel coords in the rendered pinhole image -> (n, 2) in the delivered image."""
        uv = np.asarray(uv, dtype=np.float64).reshape(-1, 2)
        x = (uv[:, 0] - self.K[0, 2]) / self.K[0, 0]
        y = (uv[:, 1] - self.K[1, 2]) / self.K[1, 1]
        xd, yd = self.lens.distort(x, y)
        Kd = self.K_delivered
        return np.stack([xd * Kd[0, 0] + Kd[0, 2], yd * Kd[1, 1] + Kd[1, 2]], axis=1)

    def undistort_points(self, uv: np.ndarray) -> np.ndarray:
        """(n, 2) pixel coords in the delivered image -> (n, 2) in the rendered pinhole image."""
        uv = np.asarray(uv, dtype=np.float64).reshape(-1, 2)
        Kd = self.K_delivered
        x, y = self.lens.undistort((uv[:, 0] - Kd[0, 2]) / Kd[0, 0], (uv[:, 1] - Kd[1, 2]) / Kd[1, 1])
        return np.stack([x * self.K[0, 0] + self.K[0, 2], y * self.K[1, 1] + self.K[1, 2]], axis=1)

    def map_boxes(self, boxes_xyxy: np.ndarray, samples_per_side: int = 48) -> np.ndarray:
        """(n, 4) boxes [x0, y0, x1, y1] in the rendered image -> (n, 4) boxes of the visible part of
        their distorted images in the delivered image (box area sampled on a grid, mapped, points
        outside the delivered image dropped). A box that leaves the image entirely gives NaNs."""
        b = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)
        t = np.linspace(0.0, 1.0, samples_per_side)
        gx, gy = np.meshgrid(t, t)
        gx, gy = gx.ravel(), gy.ravel()
        out = np.full_like(b, np.nan)
        for i, (x0, y0, x1, y1) in enumerate(b):
            p = self.distort_points(np.stack([x0 + gx * (x1 - x0), y0 + gy * (y1 - y0)], axis=1))
            ok = (p[:, 0] >= 0) & (p[:, 0] <= self.width) & (p[:, 1] >= 0) & (p[:, 1] <= self.height)
            if not ok.any():
                continue
            p = p[ok]
            out[i] = [p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max()]
        return out

    def warp_image(self, img: np.ndarray) -> np.ndarray:
        """(H, W, C) float -> the delivered (H, W, C) float32, bilinear."""
        flat = np.asarray(img, dtype=np.float32).reshape(-1, img.shape[-1])
        return np.asarray(self._bilinear @ flat, dtype=np.float32).reshape(self.height, self.width, -1)

    def warp_nearest(self, arr: np.ndarray) -> np.ndarray:
        """(H, W) any dtype (depth, instance ids) -> the delivered (H, W), nearest neighbour."""
        return np.take(arr.reshape(-1), self._nearest).reshape(self.height, self.width)

    def record(self) -> dict:
        Kd = self.K_delivered
        return {"model": self.lens.model, "coefficients": self.lens.coefficients(), "zoom": self.zoom,
                "K": Kd.tolist(), "intrinsics": {"fx": Kd[0, 0], "fy": Kd[1, 1], "cx": Kd[0, 2], "cy": Kd[1, 2]},
                "max_displacement_px": self.max_displacement_px()}

    def max_displacement_px(self) -> float:
        """Largest distance between a delivered pixel and where the ideal pinhole with K_delivered puts
        the same ray (the visible strength of the distortion)."""
        w, h = self.width, self.height
        corners = np.array([[0.0, 0.0], [w, 0.0], [0.0, h], [w, h], [w / 2, 0.0], [0.0, h / 2]])
        src = self.undistort_points(corners)
        Kd = self.K_delivered
        pin = np.stack([(src[:, 0] - self.K[0, 2]) / self.K[0, 0] * Kd[0, 0] + Kd[0, 2],
                        (src[:, 1] - self.K[1, 2]) / self.K[1, 1] * Kd[1, 1] + Kd[1, 2]], axis=1)
        return float(np.max(np.linalg.norm(pin - corners, axis=1)))
