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

Speed: small discs (kernel <= 5 px) by symmetric shift sums; discs from 3.5 px (12 px) at 1/2 (1/4)
resolution: down by the transpose of bilinear upsampling (a tent filter, which keeps sums and
centroids), a smaller disc, bilinear back up, the smaller disc chosen so the
point-spread function keeps the second moment (the 4-sigma diameter) of the full disc; the PSF is then a
disc softened by the resampling (44-55 dB PSNR against the full-resolution disc on the BoxRoom frame).
"""

from __future__ import annotations

from functools import lru_cache

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
    """(C, h, w) float32 'same' convolution with zero padding: shift-and-add over the kernel's symmetric
    taps for small kernels, FFT for large ones."""
    n = kernel.shape[0]
    if n == 1:
        return stack * kernel[0, 0]
    if n <= 5:
        return _convolve_symmetric(stack, kernel)
    from scipy.signal import fftconvolve

    return fftconvolve(stack, kernel[None], mode="same", axes=(1, 2)).astype(np.float32)


def _convolve_symmetric(stack: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """(C, h, w) 'same' convolution with a kernel symmetric in x and y (a disc), from symmetric shift
    sums: out = sum_b V_b(sum_a k[b, a] H_a), H_a = x(. - a) + x(. + a), V_b likewise in y."""
    c, h, w = stack.shape
    r = kernel.shape[0] // 2
    p = np.zeros((c, h + 2 * r, w + 2 * r), np.float32)
    p[:, r:r + h, r:r + w] = stack
    hs = [p[:, :, r:r + w]]
    for a in range(1, r + 1):
        hs.append(p[:, :, r - a:r - a + w] + p[:, :, r + a:r + a + w])
    out = None
    for b in range(r + 1):
        t = None
        for a in range(r + 1):
            wgt = np.float32(kernel[r + b, r + a])
            if wgt == 0:
                continue
            if t is None:
                t = hs[a] * wgt
            else:
                t += hs[a] * wgt
        if t is None:
            continue
        v = t[:, r:r + h] if b == 0 else t[:, r - b:r - b + h] + t[:, r + b:r + b + h]
        if out is None:
            out = np.array(v, copy=True)
        else:
            out += v
    return out


# ---- blur at reduced resolution for large circles of confusion -------------------------------------
# Tent-filter down by s, convolve with a smaller disc, bilinear back up. The smaller disc is chosen so the
# point-spread function's second moment equals that of the full disc: var(disc_s) * s^2 + var_rs(s) =
# var(disc(D)), var_rs the (phase-averaged) variance the resampling pair adds. The PSF is then a disc
# softened by the resampling kernels; its diameter (4 sigma) is kept.
REDUCE_FROM_PX = {2: 3.5, 4: 12.0}      # CoC diameter from which a layer is blurred at 1/s


def _axis_up(a: np.ndarray, axis: int, s: int, n_out: int) -> np.ndarray:
    """Bilinear upsampling of (C, h, w) by the integer s along axis 1 or 2 (pixel centres aligned, edges
    clamped), cropped to n_out samples. Output sample s i + k lies at input coordinate i + (k + 0.5)/s - 0.5."""
    n_in = a.shape[axis]
    idx = [slice(None)] * 3
    ends = []
    for sl in (slice(0, 1), slice(None), slice(-1, None)):
        idx[axis] = sl
        ends.append(a[tuple(idx)])
    p = np.concatenate(ends, axis=axis)                              # edge-clamped, p[i + 1] = a[i]
    shape = list(a.shape)
    shape[axis:axis + 1] = [n_in, s]
    out = np.empty(shape, np.float32)
    for k in range(s):
        d = (k + 0.5) / s - 0.5
        i_lo, i_hi = (slice(0, -2), slice(1, -1)) if d < 0 else (slice(1, -1), slice(2, None))
        idx[axis] = i_lo
        lo = p[tuple(idx)]
        idx[axis] = i_hi
        hi = p[tuple(idx)]
        o = out[:, :, k] if axis == 1 else out[:, :, :, k]
        np.subtract(hi, lo, out=o)
        o *= np.float32(d + 1.0 if d < 0 else d)
        o += lo
    shape = list(a.shape)
    shape[axis] = n_in * s
    out = out.reshape(shape)
    return out[:, :n_out] if axis == 1 else out[:, :, :n_out]


def _axis_down(a: np.ndarray, axis: int, s: int) -> np.ndarray:
    """Transpose of _axis_up (divided by s) along axis 1 or 2: each sample splits its value between the
    two nearest low-resolution samples with the bilinear weights, so sums and centroids are kept."""
    n = a.shape[axis]
    n_low = -(-n // s)
    shape = list(a.shape)
    shape[axis] = n_low + 2
    p = np.zeros(shape, np.float32)                     # p[1 + i] = low[i]; p[0], p[-1]: clamped edges
    idx = [slice(None)] * 3
    for k in range(s):
        d = (k + 0.5) / s - 0.5
        o, t = (-1, d + 1.0) if d < 0 else (0, d)
        idx[axis] = slice(k, None, s)
        x = a[tuple(idx)]
        m = x.shape[axis]
        idx[axis] = slice(1 + o, 1 + o + m)
        p[tuple(idx)] += x * np.float32(1.0 - t)
        idx[axis] = slice(2 + o, 2 + o + m)
        p[tuple(idx)] += x * np.float32(t)
    idx[axis] = slice(1, n_low + 1)
    low = p[tuple(idx)]
    for edge, dst in ((0, 0), (n_low + 1, n_low - 1)):
        idx[axis] = slice(edge, edge + 1)
        src = p[tuple(idx)]
        idx[axis] = slice(dst, dst + 1)
        low[tuple(idx)] += src
    low *= np.float32(1.0 / s)
    return np.ascontiguousarray(low)


def _down(stack: np.ndarray, s: int) -> np.ndarray:
    """(C, h, w) -> (C, ceil(h/s), ceil(w/s)): the transpose of bilinear upsampling (a tent filter)."""
    return _axis_down(_axis_down(stack, 1, s), 2, s)


def _up(low: np.ndarray, s: int, h: int, w: int) -> np.ndarray:
    """(C, h', w') -> (C, h, w) bilinear: x first (strided writes, on the few rows), then y (whole rows)."""
    return np.ascontiguousarray(_axis_up(np.ascontiguousarray(_axis_up(low, 2, s, w)), 1, s, h))


def _kernel_var(k: np.ndarray) -> float:
    x = np.arange(k.shape[0]) - k.shape[0] // 2
    return float((k.sum(axis=0) * x * x).sum() / k.sum())


_RS_VAR: dict[int, float] = {}


def resampling_var(s: int) -> float:
    """Per-axis variance (px^2) the down/up pair adds to a point, averaged over the s phases."""
    if s not in _RS_VAR:
        vs = []
        for ph in range(s):
            img = np.zeros((1, 1, 8 * s), np.float32)
            img[0, 0, 4 * s + ph] = 1.0
            out = _up(_down(img, s), s, 1, 8 * s)[0, 0].astype(np.float64)
            x = np.arange(out.size)
            m = (out * x).sum() / out.sum()
            vs.append((out * (x - m) ** 2).sum() / out.sum())
        _RS_VAR[s] = float(np.mean(vs))
    return _RS_VAR[s]


@lru_cache(maxsize=256)
def _reduced_kernel_cached(diameter_key: float, s: int) -> np.ndarray:
    target = (_kernel_var(disc_kernel(diameter_key)) - resampling_var(s)) / (s * s)
    if target <= 1e-9:
        return np.ones((1, 1), np.float32)
    lo, hi = 0.0, diameter_key / s + 2.0
    for _ in range(30):                              # kernel variance grows with the diameter
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _kernel_var(_disc_any(mid)) < target else (lo, mid)
    return _disc_any(0.5 * (lo + hi))


def _disc_any(diameter_px: float) -> np.ndarray:
    """disc_kernel, but also below 1 px: a 3x3 pixel-coverage disc (centre plus fractional neighbours)."""
    if diameter_px > 1.0:
        return disc_kernel(diameter_px)
    r, ss = diameter_px / 2.0, 16
    g = (np.arange(3 * ss) + 0.5) / ss - 1.5
    xx, yy = np.meshgrid(g, g)
    k = (xx * xx + yy * yy <= r * r).astype(np.float64).reshape(3, ss, 3, ss).mean(axis=(1, 3))
    if k.sum() == 0:
        return np.ones((1, 1), np.float32)
    return (k / k.sum()).astype(np.float32)


def reduced_kernel(diameter_px: float, s: int) -> np.ndarray:
    """The disc for the 1/s-resolution blur whose PSF has the variance of disc_kernel(diameter_px)."""
    return _reduced_kernel_cached(round(float(diameter_px), 3), int(s))


def blur_disc(stack: np.ndarray, diameter_px: float) -> np.ndarray:
    """(C, h, w) float32 -> the same blurred by a disc of the given diameter ('same', zero padding);
    large discs at reduced resolution (see REDUCE_FROM_PX)."""
    h, w = stack.shape[1:]
    s = max([1] + [f for f, d in REDUCE_FROM_PX.items() if diameter_px >= d and min(h, w) >= 4 * f])
    if s == 1:
        return _convolve(stack, disc_kernel(diameter_px))
    low = _convolve(_down(stack, s), reduced_kernel(diameter_px, s))
    return _up(low, s, h, w)


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


_ONES: dict = {}


def _ones_blur(h: int, w: int, diam: float) -> np.ndarray:
    """(1, h, w) blur_disc of an all-ones image (the border normaliser), cached per size and diameter."""
    key = (h, w, round(diam, 4))
    if key not in _ONES:
        if len(_ONES) > 16:
            _ONES.clear()
        _ONES[key] = blur_disc(np.ones((1, h, w), np.float32), diam)
    return _ONES[key]


def apply_defocus(rgb_linear: np.ndarray, depth_m: np.ndarray, aperture_m: float, focus_m: float,
                  f_px: float, max_layers: int = 24) -> np.ndarray:
    """Defocused (H, W, 3) float32 linear image. See the module docstring for the model."""
    c = coc_px(depth_m, aperture_m, focus_m, f_px)
    c_min, c_max = float(c.min()), float(c.max())
    edges = layer_edges(c_min, c_max, max_layers)
    n_layers = len(edges) - 1
    h, w = c.shape
    rgb_cf = np.ascontiguousarray(np.moveaxis(np.asarray(rgb_linear, dtype=np.float32), 2, 0))  # (3, H, W)
    if n_layers == 1:   # one fronto-parallel layer: a plain convolution (zero padding, renormalised)
        diam = 0.5 * (abs(c_min) + abs(c_max)) if c_min * c_max >= 0 else float(np.abs(c).mean())
        if diam <= 1.0:
            return np.array(rgb_linear, dtype=np.float32, copy=True)
        b = blur_disc(rgb_cf, diam)
        b /= np.maximum(_ones_blur(h, w, diam), 1e-6)
        return np.ascontiguousarray(np.moveaxis(b, 0, 2))
    idx = np.clip(np.searchsorted(edges, c, side="right") - 1, 0, n_layers - 1).astype(np.int16)
    out = np.zeros((3, h, w), np.float32)
    alpha = np.zeros((h, w), np.float32)
    reduce_from = min(REDUCE_FROM_PX.values()) if REDUCE_FROM_PX else np.inf
    # far to near: signed c grows with z, so the last bin is the farthest
    for i in range(n_layers - 1, -1, -1):
        m = idx == i
        rows = np.nonzero(m.any(axis=1))[0]
        if rows.size == 0:
            continue
        cols = np.nonzero(m[rows[0]:rows[-1] + 1].any(axis=0))[0]
        diam = float(np.abs(c[m]).mean())
        pad = int(np.ceil(diam / 2.0)) + (max(REDUCE_FROM_PX) if diam >= reduce_from else 1)
        r0, r1 = max(rows[0] - pad, 0), min(rows[-1] + pad + 1, h)
        c0, c1 = max(cols[0] - pad, 0), min(cols[-1] + pad + 1, w)
        mm = m[r0:r1, c0:c1].astype(np.float32)
        stack = np.empty((4, r1 - r0, c1 - c0), np.float32)
        np.multiply(rgb_cf[:, r0:r1, c0:c1], mm, out=stack[:3])
        stack[3] = mm
        blurred = blur_disc(stack, diam) if diam > 1.0 else stack
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
