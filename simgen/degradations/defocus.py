"""Thin-lens defocus from metric depth, occlusion-aware (layered scatter, composited back to front).

Circle of confusion (diameter, px) of a point at axial distance z, lens focused at d_f, entrance pupil
A (m), focal length f_px (px), for d_f >> f:

    c(z) = A * f_px * (1/d_f - 1/z)        (signed: > 0 behind the focus plane, < 0 in front)

A thin lens images planes to planes, so c depends on the z-depth along the optical axis (what the
renderer gives), not on the ray length. Pixels with no surface (z = 0) are at infinity: c = A f_px / d_f.

Algorithm: the signed CoC range is cut into layers about 1 px (or 5 %) wide (at most 1.5 of that); each layer's
premultiplied colour and coverage are convolved with an anti-aliased disc of the layer's diameter
(scatter as gather, exact for a fronto-parallel layer) and composited far to near with "over", then
normalised by the accumulated coverage. Near layers spill over far ones; far layers never bleed over
near ones (partial occlusion). Layers whose diameter is below 1 px are copied unblurred.

Speed: small discs (kernel <= 5 px) by symmetric shift sums; discs from 3.5 px (12 px) at 1/2 (1/4)
resolution: down by the transpose of bilinear upsampling (a tent filter, which keeps sums and
centroids), a smaller disc, bilinear back up, the smaller disc chosen so the point-spread function keeps
the second moment (the 4-sigma diameter) of the full disc; the PSF is then a disc softened by the
resampling. Consecutive layers (far to near) blurred at the same 1/s form a run: every layer of the
run is reduced at once (simgen.degradations.tent.layer_down: one reduction of the image, exact
per-layer sums only where a low-resolution pixel straddles layers), blurred and composited at 1/s, and
the run is upsampled once ("over" is associative; the approximation is compositing before instead of
after the bilinear upsampling). When one run holds every layer, the coverage normalisation is done at
1/s too and the result is upsampled straight into the (H, W, 3) output. A single layer (one
fronto-parallel plane) is a plain convolution normalised by the blurred coverage.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import groupby

import numpy as np

from simgen.degradations.tent import down, down_hwc, layer_down, ones_down, up, up_hwc


def coc_px(depth_m: np.ndarray, aperture_m: float, focus_m: float, f_px: float) -> np.ndarray:
    """(H, W) float32 signed circle-of-confusion diameter in px; z <= 0 counts as infinity."""
    z = np.asarray(depth_m, dtype=np.float32)
    with np.errstate(divide="ignore"):
        c = np.divide(np.float32(-aperture_m * f_px), z, dtype=np.float32)     # -A f / z
    c[z <= 0] = 0.0                                                             # infinity: 1/z = 0
    c += np.float32(aperture_m * f_px / focus_m)
    return c


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


def _convolve_symmetric(stack: np.ndarray, kernel: np.ndarray, channels: int = 1) -> np.ndarray:
    """(C, h, w) 'same' convolution with a kernel symmetric in x and y (a disc), from symmetric shift
    sums: out = sum_b V_b(sum_a k[b, a] H_a), H_a = x(. - a) + x(. + a), V_b likewise in y.
    channels > 1: the rows hold `channels` interleaved channels (a (1, h, w * channels) view of a
    channel-last image), so one pixel step is `channels` samples."""
    c, h, w = stack.shape
    r = kernel.shape[0] // 2
    rx = r * channels
    p = np.zeros((c, h + 2 * r, w + 2 * rx), np.float32)
    p[:, r:r + h, rx:rx + w] = stack
    hs = [p[:, :, rx:rx + w]]
    for a in range(1, r + 1):
        ax = a * channels
        hs.append(p[:, :, rx - ax:rx - ax + w] + p[:, :, rx + ax:rx + ax + w])
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
            out = up(down(img, s), s, 1, 8 * s)[0, 0].astype(np.float64)
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
    low = _convolve(down(stack, s), reduced_kernel(diameter_px, s))
    return up(low, s, h, w)


def layer_edges(c_min: float, c_max: float, max_layers: int) -> np.ndarray:
    """Edges (ascending) of signed-CoC bins: about 1 px or 5 % of |c| wide (a last bin under half a step
    joins the one before: at most 1.5 steps, so every CoC is within 0.75 px or 3.75 % of its bin's
    mean), at most max_layers bins."""
    if c_max - c_min < 1e-6:
        return np.array([c_min - 0.5, c_max + 0.5])
    edges = [c_min]
    while edges[-1] < c_max:
        step = max(1.0, 0.05 * abs(edges[-1]))
        if len(edges) > 1 and c_max - edges[-1] < 0.5 * step:
            break                                   # the remainder joins the last bin
        edges.append(edges[-1] + step)
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
    rgb = np.ascontiguousarray(rgb_linear, dtype=np.float32)                   # (H, W, 3)
    if n_layers == 1:   # one fronto-parallel layer: a plain convolution (zero padding, renormalised)
        diam = 0.5 * (abs(c_min) + abs(c_max)) if c_min * c_max >= 0 else float(np.abs(c).mean())
        if diam <= 1.0:
            return rgb.copy()
        s = _scale(diam, h, w)
        if s > 1:       # reduced, blurred, normalised by the blurred coverage, upsampled: no transposes
            low = down_hwc(rgb, s)
            k = reduced_kernel(diam, s)
            b = _convolve(low, k)
            b /= np.maximum(_ones_blur_low(low.shape[1], low.shape[2], k, s), 1e-6)
            return up_hwc(b, s, h, w)
        k = disc_kernel(diam)
        if k.shape[0] <= 5:  # shift sums on the channel-last rows, normalised by the blurred coverage
            b = _convolve_symmetric(rgb.reshape(1, h, w * 3), k, channels=3).reshape(h, w, 3)
            b /= _ones_blur_hwc(h, w, diam)
            return b
        b = blur_disc(np.ascontiguousarray(np.moveaxis(rgb, 2, 0)), diam)
        b /= np.maximum(_ones_blur(h, w, diam), 1e-6)
        return np.ascontiguousarray(np.moveaxis(b, 0, 2))
    idx = _layer_index(c, edges)
    flat = idx.reshape(-1)
    counts = np.bincount(flat, minlength=n_layers)
    diams = np.bincount(flat, weights=np.abs(c).reshape(-1), minlength=n_layers) / np.maximum(counts, 1)
    scales = [_scale(float(d), h, w) for d in diams]
    # far to near (signed c grows with z, the last bin is the farthest), in runs of layers blurred at the
    # same scale; "over" is associative, so a run at 1/s is composited at 1/s and upsampled once
    order = [i for i in range(n_layers - 1, -1, -1) if counts[i]]
    runs = [(s, list(run)) for s, run in groupby(order, key=lambda i: scales[i])]
    if len(runs) == 1 and runs[0][0] > 1:   # every layer at one reduced scale: normalise there, one upsampling
        s, run = runs[0]
        acc = _run_reduced(rgb, idx, run, n_layers, diams, s)
        acc[:3] /= np.maximum(acc[3], 1e-6)
        return up_hwc(acc[:3], s, h, w)
    rgb_cf = np.ascontiguousarray(np.moveaxis(rgb, 2, 0))                      # (3, H, W)
    out = np.zeros((3, h, w), np.float32)
    alpha = np.zeros((h, w), np.float32)
    for s, run in runs:
        if s == 1:
            for i in run:
                _composite_full_res(out, alpha, rgb_cf, idx == i, float(diams[i]))
            continue
        acc = _run_reduced(rgb, idx, run, n_layers, diams, s)
        box = _bbox(acc[3] > 0, 1)       # one zero sample of margin: the crop's clamped edges stay exact
        if box is None:
            continue
        r0, r1, c0, c1 = box
        hi_r1, hi_c1 = min(s * r1, h), min(s * c1, w)
        big = up(np.ascontiguousarray(acc[:, r0:r1, c0:c1]), s, hi_r1 - s * r0, hi_c1 - s * c0)
        np.clip(big[3], 0.0, 1.0, out=big[3])
        _over(out[:, s * r0:hi_r1, s * c0:hi_c1], alpha[s * r0:hi_r1, s * c0:hi_c1], big[:3], big[3])
    np.maximum(alpha, 1e-6, out=alpha)
    out /= alpha
    return np.ascontiguousarray(np.moveaxis(out, 0, 2))


def _ones_blur_hwc(h: int, w: int, diam: float) -> np.ndarray:
    """(h, w, 3) max(_ones_blur, 1e-6) repeated over the channels (a contiguous divisor), cached."""
    key = ("hwc", h, w, round(diam, 4))
    if key not in _ONES:
        _ONES[key] = np.repeat(np.maximum(_ones_blur(h, w, diam)[0], 1e-6)[:, :, None], 3, axis=2)
    return _ONES[key]


_ONES_LOW: dict = {}


def _ones_blur_low(hl: int, wl: int, kernel: np.ndarray, s: int) -> np.ndarray:
    """(1, hl, wl) reduced coverage down(1) blurred by `kernel` (the border normaliser at 1/s), cached."""
    key = (hl, wl, s, kernel.shape, kernel.tobytes())
    if key not in _ONES_LOW:
        if len(_ONES_LOW) > 16:
            _ONES_LOW.clear()
        _ONES_LOW[key] = _convolve(ones_down(hl * s, wl * s, s)[None], kernel)
    return _ONES_LOW[key]


def _layer_index(c: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """(H, W) uint8 bin of each signed CoC (bins [edges[i], edges[i + 1]), at most 255 bins)."""
    n_layers = len(edges) - 1
    if n_layers <= 4:                     # a few comparisons beat a binary search over float64 copies
        idx = np.zeros(c.shape, np.uint8)
        for e in edges[1:-1]:
            idx += c >= e
        return idx
    return np.clip(np.searchsorted(edges, c, side="right") - 1, 0, n_layers - 1).astype(np.uint8)


def _scale(diameter_px: float, h: int, w: int) -> int:
    """The resolution divisor blur_disc uses for a disc of this diameter."""
    return max([1] + [f for f, d in REDUCE_FROM_PX.items() if diameter_px >= d and min(h, w) >= 4 * f])


def _over(out: np.ndarray, alpha: np.ndarray, premult: np.ndarray, a: np.ndarray) -> None:
    """out, alpha = premult + (1 - a) out, a + (1 - a) alpha, in place (views of the accumulators)."""
    out *= 1.0 - a
    out += premult
    alpha *= 1.0 - a
    alpha += a


def _bbox(mask: np.ndarray, pad: int):
    """(r0, r1, c0, c1) of the True pixels grown by pad and clipped to the array, or None."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask[rows[0]:rows[-1] + 1].any(axis=0))
    h, w = mask.shape
    return (max(rows[0] - pad, 0), min(rows[-1] + pad + 1, h), max(cols[0] - pad, 0), min(cols[-1] + pad + 1, w))


def _composite_full_res(out, alpha, rgb_cf, m, diam: float) -> None:
    """One layer (mask m (H, W) bool, mean CoC diam < the first reduction) blurred at full resolution."""
    box = _bbox(m, int(np.ceil(diam / 2.0)) + 1)
    if box is None:
        return
    r0, r1, c0, c1 = box
    mm = m[r0:r1, c0:c1].astype(np.float32)
    stack = np.empty((4, r1 - r0, c1 - c0), np.float32)
    np.multiply(rgb_cf[:, r0:r1, c0:c1], mm, out=stack[:3])
    stack[3] = mm
    blurred = blur_disc(stack, diam) if diam > 1.0 else stack
    _over(out[:, r0:r1, c0:c1], alpha[r0:r1, c0:c1], blurred[:3], np.clip(blurred[3], 0.0, 1.0))


def _run_reduced(rgb, idx, run, n_layers, diams, s: int) -> np.ndarray:
    """(4, H/s, W/s) premultiplied colour and coverage of the layers `run` (far to near, all blurred at
    1/s) composited at 1/s: each layer's colour and coverage reduced (tent.layer_down: exact per layer),
    blurred by its reduced disc and put "over" the ones behind. rgb (H, W, 3) float32."""
    pure, low_rgb, low_ones, (mr, mc), sums = layer_down(rgb, idx, run, n_layers, s)
    hl, wl = pure.shape
    acc = np.zeros((4, hl, wl), np.float32)                  # premultiplied colour, coverage
    for i in run:
        k = reduced_kernel(float(diams[i]), s)
        present = pure == i
        has_mixed = sums[i, 3] > 0
        present[mr[has_mixed], mc[has_mixed]] = True
        box = _bbox(present, k.shape[0] // 2 + 1)
        if box is None:
            continue
        r0, r1, c0, c1 = box
        sel = present[r0:r1, c0:c1] & (pure[r0:r1, c0:c1] == i)
        stack = np.zeros((4, r1 - r0, c1 - c0), np.float32)
        np.multiply(low_rgb[:, r0:r1, c0:c1], sel, out=stack[:3])
        np.multiply(low_ones[r0:r1, c0:c1], sel, out=stack[3])
        inside = has_mixed & (mr >= r0) & (mr < r1) & (mc >= c0) & (mc < c1)
        stack[:, mr[inside] - r0, mc[inside] - c0] = sums[i][:, inside]
        b = _convolve(stack, k)
        a = np.clip(b[3], 0.0, 1.0)
        sub = acc[:, r0:r1, c0:c1]
        _over(sub[:3], sub[3], b[:3], a)
    return acc
