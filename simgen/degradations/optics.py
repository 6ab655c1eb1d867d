"""Per-frame optical and scene effects in linear light: fog, vignetting, low resolution.

All functions are pure: arrays in, new arrays out. Image arrays are (H, W, 3) float32 linear radiance;
depth is (H, W) float32 z-depth in metres (0 = no surface); K is the (3, 3) pinhole intrinsics with the
pixel-corner origin (pixel (u, v) has its centre at (u + 0.5, v + 0.5)).
"""

from __future__ import annotations

import numpy as np

VISIBILITY_CONTRAST = 0.02  # meteorological visibility: 2 % contrast threshold, V = ln(50) / beta


def beta_from_visibility(visibility_m: float) -> float:
    """Extinction coefficient (1/m) from the visibility V (m): beta = ln(1/0.02) / V (Koschmieder)."""
    return float(np.log(1.0 / VISIBILITY_CONTRAST) / visibility_m)


def ray_factor(K: np.ndarray, width: int, height: int) -> np.ndarray:
    """(H, W) float32 ratio ray distance / z-depth at each pixel centre: sqrt(1 + x^2 + y^2) with
    x = (u + 0.5 - cx)/fx, y = (v + 0.5 - cy)/fy."""
    x = (np.arange(width, dtype=np.float64) + 0.5 - K[0, 2]) / K[0, 0]
    y = (np.arange(height, dtype=np.float64) + 0.5 - K[1, 2]) / K[1, 1]
    return np.sqrt(1.0 + x[None, :] ** 2 + y[:, None] ** 2).astype(np.float32)


def fog_transmission(depth_m: np.ndarray, ray_factor_hw: np.ndarray, beta_per_m: float) -> np.ndarray:
    """(H, W) float32 transmission exp(-beta d), d = z * ray factor; pixels with no surface (z <= 0)
    are at infinite distance (transmission 0)."""
    d = depth_m * ray_factor_hw
    t = np.exp(np.float32(-beta_per_m) * d).astype(np.float32)
    t[depth_m <= 0] = 0.0
    return t


def apply_fog(rgb_linear: np.ndarray, depth_m: np.ndarray, ray_factor_hw: np.ndarray, beta_per_m: float,
              airlight_rgb) -> np.ndarray:
    """Homogeneous fog (Koschmieder): I = J exp(-beta d) + A (1 - exp(-beta d)), d = ray distance.

    rgb_linear (H, W, 3) float32 scene radiance J; airlight_rgb (3,) linear radiance A. Returns float32."""
    t = fog_transmission(depth_m, ray_factor_hw, beta_per_m)[..., None]
    a = np.asarray(airlight_rgb, dtype=np.float32).reshape(1, 1, 3)
    return (rgb_linear * t + a * (1.0 - t)).astype(np.float32)


def vignetting_map(K: np.ndarray, width: int, height: int, pupil_ratio: float = 1.0, poly_a2: float = 0.0,
                   poly_a4: float = 0.0) -> np.ndarray:
    """(H, W) float32 relative illumination: cos^4 of the angle seen from the exit pupil, times a
    mechanical polynomial.

    With pupil_ratio = f / d_exit (1 = the textbook cos^4 law of the field angle), tan(theta') =
    pupil_ratio * tan(theta), so V = 1 / (1 + pupil_ratio^2 tan^2 theta)^2. The polynomial is
    1 + a2 r^2 + a4 r^4 with r the radius normalised to 1 at the image corner."""
    rf = ray_factor(K, width, height).astype(np.float64)
    tan2 = rf ** 2 - 1.0
    v = 1.0 / (1.0 + pupil_ratio ** 2 * tan2) ** 2
    if poly_a2 or poly_a4:
        r2 = tan2 / tan2.max()
        v = v * (1.0 + poly_a2 * r2 + poly_a4 * r2 ** 2)
    return np.clip(v, 0.0, None).astype(np.float32)


def pupil_ratio_for_corner(K: np.ndarray, width: int, height: int, corner_ratio: float) -> float:
    """The pupil_ratio whose cos^4 falloff gives `corner_ratio` (I/I0) at the image corner."""
    x = max(K[0, 2], width - K[0, 2]) / K[0, 0]
    y = max(K[1, 2], height - K[1, 2]) / K[1, 1]
    tan2_corner = x * x + y * y
    # 1/(1 + p^2 t^2)^2 = c  ->  p = sqrt((c^-1/2 - 1) / t^2)
    return float(np.sqrt(max(corner_ratio ** -0.5 - 1.0, 0.0) / tan2_corner))


def area_matrix(n_out: int, n_in: int) -> np.ndarray:
    """(n_out, n_in) float32 area-integration weights: output cell i covers input [i, i+1) * n_in/n_out,
    each input pixel weighted by its overlap (rows sum to 1)."""
    edges = np.arange(n_out + 1, dtype=np.float64) * (n_in / n_out)
    lo, hi = edges[:-1, None], edges[1:, None]
    j = np.arange(n_in, dtype=np.float64)[None, :]
    overlap = np.clip(np.minimum(hi, j + 1) - np.maximum(lo, j), 0.0, None)
    return (overlap / overlap.sum(axis=1, keepdims=True)).astype(np.float32)


def upsample_matrix(n_out: int, n_in: int, mode: str) -> np.ndarray:
    """(n_out, n_in) float32 resampling weights from n_in samples to n_out (pixel-centre aligned):
    'bilinear' (clamped at the border) or 'nearest' (pixelation)."""
    c = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
    m = np.zeros((n_out, n_in), dtype=np.float64)
    rows = np.arange(n_out)
    if mode == "nearest":
        m[rows, np.clip(np.floor(c + 0.5).astype(int), 0, n_in - 1)] = 1.0
        return m.astype(np.float32)
    c = np.clip(c, 0.0, n_in - 1)
    i0 = np.floor(c).astype(int)
    i1 = np.minimum(i0 + 1, n_in - 1)
    w = c - i0
    np.add.at(m, (rows, i0), 1.0 - w)
    np.add.at(m, (rows, i1), w)
    return m.astype(np.float32)


class Resampler:
    """Low resolution: area integration to (round(H*s), round(W*s)) in linear light, then back up.

    `down(img)` and `up(img)` are separable matrix products, (H, W, C) float32 in and out."""

    def __init__(self, width: int, height: int, scale: float, upsample: str = "bilinear"):
        self.low_w = max(1, int(round(width * scale)))
        self.low_h = max(1, int(round(height * scale)))
        from scipy.sparse import csr_matrix

        self.dx = csr_matrix(area_matrix(self.low_w, width))
        self.dy = csr_matrix(area_matrix(self.low_h, height))
        self.ux = csr_matrix(upsample_matrix(width, self.low_w, upsample))
        self.uy = csr_matrix(upsample_matrix(height, self.low_h, upsample))

    @staticmethod
    def _apply(my, mx, img: np.ndarray) -> np.ndarray:
        """Separable resampling with sparse (n_out, n_in) matrices: rows with my, columns with mx."""
        h_in, w_in, c = img.shape
        t = np.asarray(my @ img.reshape(h_in, w_in * c))                  # (h_out, W_in * C)
        h_out = t.shape[0]
        t = np.ascontiguousarray(t.reshape(h_out, w_in, c).transpose(1, 0, 2)).reshape(w_in, h_out * c)
        t = np.asarray(mx @ t).reshape(-1, h_out, c)                       # (w_out, h_out, C)
        return np.ascontiguousarray(t.transpose(1, 0, 2), dtype=np.float32)

    def down(self, img: np.ndarray) -> np.ndarray:
        """(H, W, C) -> (low_h, low_w, C): area integration."""
        return self._apply(self.dy, self.dx, np.asarray(img, dtype=np.float32))

    def up(self, img: np.ndarray) -> np.ndarray:
        """(low_h, low_w, C) -> (H, W, C)."""
        return self._apply(self.uy, self.ux, np.asarray(img, dtype=np.float32))
