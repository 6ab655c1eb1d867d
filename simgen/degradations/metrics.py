"""Quality figures of a degraded frame against the clean develop of the same frame.

Both are computed on 8-bit luma Y' (BT.601 weights on the sRGB-encoded values, as video codecs see it):
PSNR = 10 log10(255^2 / MSE), capped at 100 dB for identical frames; SSIM (Wang et al. 2004) with a
7 x 7 uniform window (scikit-image's default), K1 = 0.01, K2 = 0.03, sample covariances (N/(N-1)),
averaged over the region not touched by the border.
"""

from __future__ import annotations

import numpy as np

PSNR_IDENTICAL_DB = 100.0
_Y601 = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def luma8(rgb8: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 sRGB -> (H, W) float32 luma Y' in [0, 255]."""
    return rgb8.astype(np.float32) @ _Y601


def psnr(a: np.ndarray, b: np.ndarray, peak: float = 255.0) -> float:
    """PSNR (dB) between two arrays of the same shape (any dtype), capped at 100 dB."""
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    mse = float(np.mean(d * d))
    if mse <= 0.0:
        return PSNR_IDENTICAL_DB
    return float(min(PSNR_IDENTICAL_DB, 10.0 * np.log10(peak * peak / mse)))


def ssim(a: np.ndarray, b: np.ndarray, peak: float = 255.0) -> float:
    """Mean SSIM of two (H, W) float images in [0, peak]."""
    from scipy.ndimage import uniform_filter

    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    win = 7
    stack = np.stack([a, b, a * a, b * b, a * b])
    f = uniform_filter(stack, size=(1, win, win), mode="reflect")
    mu_a, mu_b = f[0], f[1]
    cov = win * win / (win * win - 1.0)
    s_aa = cov * (f[2] - mu_a * mu_a)
    s_bb = cov * (f[3] - mu_b * mu_b)
    s_ab = cov * (f[4] - mu_a * mu_b)
    c1 = (0.01 * peak) ** 2
    c2 = (0.03 * peak) ** 2
    m = ((2 * mu_a * mu_b + c1) * (2 * s_ab + c2)) / ((mu_a * mu_a + mu_b * mu_b + c1) * (s_aa + s_bb + c2))
    pad = win // 2
    if m.shape[0] > 2 * pad and m.shape[1] > 2 * pad:
        m = m[pad:-pad, pad:-pad]
    return float(np.mean(m, dtype=np.float64))


def frame_quality(degraded8: np.ndarray, clean8: np.ndarray, with_ssim: bool = True) -> dict:
    """{'psnr_db': .., 'ssim': ..} of a degraded uint8 frame against the clean uint8 frame (luma)."""
    ya, yb = luma8(degraded8), luma8(clean8)
    out = {"psnr_db": psnr(ya, yb)}
    if with_ssim:
        out["ssim"] = ssim(ya, yb)
    return out


class QualityAccumulator:
    """Streaming mean/min of per-frame quality figures (no frames are kept)."""

    def __init__(self):
        self.values: dict[str, list[float]] = {}

    def add(self, figures: dict) -> None:
        for k, v in figures.items():
            self.values.setdefault(k, []).append(float(v))

    def summary(self) -> dict:
        out = {}
        for k, vs in self.values.items():
            arr = np.asarray(vs)
            out[k] = {"mean": float(arr.mean()), "min": float(arr.min()), "max": float(arr.max()),
                      "n_frames": int(arr.size)}
        return out
