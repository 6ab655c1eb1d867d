"""Thin-lens defocus from metric depth, occlusion-aware (layered scatter, composited back to front).

Circle of confusion (diameter, px) of a point at axial distance z, lens focused at d_f, entrance pupil
A (m), focal length f_px (px), for d_f >> f:

    c(z) = A * f_px * (1/d_f - 1/z)        (signed: > 0 behind the focus plane, < 0 in front)

A thin lens images planes to planes, so c depends on the z-depth along the optical axis (what the
renderer gives), not on the ray length. Pixels with no surface (z = 0) are at infinity: c = A f_px / d_f.

Algorithm: the signed CoC range is cut into layers at most ~1 px (or 5 %) wide; each layer's
premultiplied colour and coverage are convolved with an anti-aliased disc of the layer's diameter
(scatter as gather, exact for a fronto-parallel layer) and composited far to near with "over", then
normalised by the accumulated coverage. Near layers spill over far ones; far layers never bleed over
near ones (partial occlusion). Layers whose diameter is below 1 px are copied unblurred.
"""

from __future__ import annotations

import numpy as np


def coc_px(depth_m: np.ndarray, aperture_m: float, focus_m: float, f_px: float) -> np.ndarray:
    """(H, W) float32 signed circle-of-confusion diameter in px; z <= 0 counts as infinity."""
    inv_z = np.where(depth_m > 0, 1.0 / np.maximum(depth_m, 1e-6), 0.0)
    return (aperture_m * f_px * (1.0 / focus_m - inv_z)).astype(np.float32)


def disc_kernel(diameter_px: float, supersample: int = 8) -> np.ndarray:
    """(n, n) float32 disc of the given diameter, pixel coverage by supersampling, sum 1. A diameter
    <= 1 gives the 1x1 identity."""
    if diameter_px <= 1.0:
        return np.ones((1, 1), np.float32)
    r = diameter_px / 2.0
    n = 2 * int(np.ceil(r - 0.5)) + 1
    s = (np.arange(n * supersample) + 0.5) / supersample - n / 2.0
    xx, yy = np.meshgrid(s, s)
    inside = (xx * xx + yy * yy <= r * r).astype(np.float64)
    k = inside.reshape(n, supersample, n, supersample).mean(axis=(1, 3))
    return (k / k.sum()).astype(np.float32)


def _convolve(stack: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """(C, h, w) float32 'same' convolution with zero padding (FFT for large kernels)."""
    if kernel.shape[0] == 1:
        return stack
    from scipy.signal import fftconvolve

    return fftconvolve(stack, kernel[None], mode="same", axes=(1, 2)).astype(np.float32)


def layer_edges(c_min: float, c_max: float, max_layers: int) -> np.ndarray:
    """Edges (ascending) of signed-CoC bins: about 1 px or 5 % of |c| wide, at most max_layers bins."""
    if c_max - c_min < 1e-6:
        return np.array([c_min - 0.5, c_max + 0.5])
    edges = [c_min]
    while edges[-1] < c_max:
        edges.append(edges[-1] + max(1.0, 0.05 * abs(edges[-1])))
    edges = np.asarray(edges)
    if len(edges) - 1 > max_layers:
        edges = np.linspace(c_min, c_max, max_layers + 1)
    edges[-1] = c_max + 1e-3
    return edges


def apply_defocus(rgb_linear: np.ndarray, depth_m: np.ndarray, aperture_m: float, focus_m: float,
                  f_px: float, max_layers: int = 24) -> np.ndarray:
    """Defocused (H, W, 3) float32 linear image. See the module docstring for the model."""
    c = coc_px(depth_m, aperture_m, focus_m, f_px)
    edges = layer_edges(float(c.min()), float(c.max()), max_layers)
    n_layers = len(edges) - 1
    h, w = c.shape
    rgb_cf = np.ascontiguousarray(np.moveaxis(np.asarray(rgb_linear, dtype=np.float32), 2, 0))  # (3, H, W)
    if n_layers == 1:   # one fronto-parallel layer: a plain convolution (zero padding, renormalised)
        k = disc_kernel(float(np.abs(c).mean()))
        if k.shape[0] == 1:
            return np.array(rgb_linear, dtype=np.float32, copy=True)
        stack = np.concatenate([rgb_cf, np.ones((1, h, w), np.float32)], 0)
        b = _convolve(stack, k)
        return np.ascontiguousarray(np.moveaxis(b[:3] / np.maximum(b[3], 1e-6), 0, 2))
    idx = np.clip(np.searchsorted(edges, c, side="right") - 1, 0, n_layers - 1).astype(np.int16)
    out = np.zeros((3, h, w), np.float32)
    alpha = np.zeros((h, w), np.float32)
    # far to near: signed c grows with z, so the last bin is the farthest
    for i in range(n_layers - 1, -1, -1):
        m = idx == i
        rows = np.nonzero(m.any(axis=1))[0]
        if rows.size == 0:
            continue
        cols = np.nonzero(m[rows[0]:rows[-1] + 1].any(axis=0))[0]
        diam = float(np.abs(c[m]).mean())
        k = disc_kernel(diam)
        pad = k.shape[0] // 2
        r0, r1 = max(rows[0] - pad, 0), min(rows[-1] + pad + 1, h)
        c0, c1 = max(cols[0] - pad, 0), min(cols[-1] + pad + 1, w)
        mm = m[r0:r1, c0:c1].astype(np.float32)
        stack = np.empty((4, r1 - r0, c1 - c0), np.float32)
        np.multiply(rgb_cf[:, r0:r1, c0:c1], mm, out=stack[:3])
        stack[3] = mm
        blurred = _convolve(stack, k)
        a = np.clip(blurred[3], 0.0, 1.0)
        sub = out[:, r0:r1, c0:c1]
        sub *= 1.0 - a
        sub += blurred[:3]
        al = alpha[r0:r1, c0:c1]
        al *= 1.0 - a
        al += a
    np.maximum(alpha, 1e-6, out=alpha)
    out /= alpha
    return np.ascontiguousarray(np.moveaxis(out, 0, 2))
