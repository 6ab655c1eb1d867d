"""Tent-filter resampling by an integer factor s (the pair the layered defocus blurs large discs with),
and the per-layer reduction of a depth-layered image in one pass.

`up` is bilinear upsampling (pixel centres aligned, edges clamped); `down` is its transpose divided by s
(each sample splits its value between the two nearest low-resolution samples with the bilinear weights),
so sums and centroids are kept. Low-resolution sample j of an axis of length n gathers the full-resolution
samples [s j - s/2, s j + 3 s/2) clipped to [0, n) (its footprint; every weight there is non-zero for
even s).

`layer_down` gives down(image * [layer == i]) and down([layer == i]) for every layer i of a run at once:
a low-resolution pixel whose footprint lies in one layer takes down(image) and down(1) (one reduction of
the whole image), the few whose footprint straddles layers are summed exactly per layer from their
footprints. Arrays are (C, h, w) float32 unless said otherwise.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def axis_up(a: np.ndarray, axis: int, s: int, n_out: int) -> np.ndarray:
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


def axis_down(a: np.ndarray, axis: int, s: int) -> np.ndarray:
    """Transpose of axis_up (divided by s) along axis 1 or 2: each sample splits its value between the
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


def down(stack: np.ndarray, s: int) -> np.ndarray:
    """(C, h, w) -> (C, ceil(h/s), ceil(w/s)): the transpose of bilinear upsampling (a tent filter)."""
    return axis_down(axis_down(stack, 1, s), 2, s)


def up(low: np.ndarray, s: int, h: int, w: int) -> np.ndarray:
    """(C, h', w') -> (C, h, w) bilinear: x first (strided writes, on the few rows), then y (whole rows)."""
    return np.ascontiguousarray(axis_up(np.ascontiguousarray(axis_up(low, 2, s, w)), 1, s, h))


def down_hwc(image: np.ndarray, s: int) -> np.ndarray:
    """(h, w, C) -> (C, ceil(h/s), ceil(w/s)) `down`, reading the channel-last image in place: the row
    pass runs on whole (w C)-long rows, the column pass on the s-times smaller channel-first result."""
    h, w, c = image.shape
    rows = axis_down(np.ascontiguousarray(image).reshape(1, h, w * c), 1, s)
    t = np.ascontiguousarray(rows.reshape(-1, w, c).transpose(2, 0, 1))
    return axis_down(t, 2, s)


def up_hwc(low: np.ndarray, s: int, h: int, w: int) -> np.ndarray:
    """(C, h', w') -> (h, w, C) `up`: the column pass on the small channel-first image, the row pass
    writing whole rows of the channel-last result."""
    c = low.shape[0]
    cols = axis_up(np.ascontiguousarray(low), 2, s, w)                       # (C, h', w)
    t = np.ascontiguousarray(cols.transpose(1, 2, 0)).reshape(1, -1, w * c)
    return axis_up(t, 1, s, h).reshape(h, w, c)


@lru_cache(maxsize=16)
def footprint_table(n: int, s: int) -> tuple[np.ndarray, np.ndarray]:
    """(index (n_low, 2s) intp, weight (n_low, 2s) float32): the full-resolution samples each low sample
    of `down` gathers along one axis of length n, and their weights (zero-weight padding at index 0)."""
    eye = np.eye(n, dtype=np.float32)[None]                           # (1, n, n): down of each sample
    d = axis_down(eye, 1, s)[0]                                        # (n_low, n)
    n_low = d.shape[0]
    index = np.zeros((n_low, 2 * s), np.intp)
    weight = np.zeros((n_low, 2 * s), np.float32)
    for j in range(n_low):
        nz = np.flatnonzero(d[j])
        index[j, :nz.size], weight[j, :nz.size] = nz, d[j, nz]
    return index, weight


def footprint_range(layer: np.ndarray, s: int) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) (ceil(h/s), ceil(w/s)) of the smallest and largest value of the integer map `layer`
    (h, w) over each low-resolution sample's footprint."""
    h, w = layer.shape
    ny, nx, h2 = -(-h // s), -(-w // s), s // 2
    # edge-replicated to [-s/2, s n_low + s/2) on both axes (the replicated samples lie in the clipped
    # footprint); footprint j is then padded samples [s j, s j + 2 s): 2 s strided slices per axis
    p = np.pad(layer, [(h2, s * ny + h2 - h), (h2, s * nx + h2 - w)], mode="edge")
    out = []
    for red in (np.minimum, np.maximum):
        a = p[0:s * ny:s].copy()
        for k in range(1, 2 * s):
            red(a, p[k:k + s * ny:s], out=a)                                # rows: (ny, padded w)
        b = a[:, 0:s * nx:s].copy()
        for k in range(1, 2 * s):
            red(b, a[:, k:k + s * nx:s], out=b)
        out.append(b)
    return out[0], out[1]


def layer_down(image: np.ndarray, layer: np.ndarray, layers: list[int], n_layers: int, s: int):
    """Reduce every layer of `layers` by `down` at once.

    image (h, w, C) float32 (channel last); layer (h, w) integer map in [0, n_layers). Returns (pure, low_image,
    low_ones, mixed_rc, mixed_sums): pure (h', w') int32, the layer whose footprint holds the whole
    low-resolution pixel or -1; low_image = down(image) (C, h', w'); low_ones = down(1) (h', w');
    mixed_rc = (rows, cols) of the straddling pixels; mixed_sums (n_layers, C + 1, m) float32, per layer
    the exact down(image * mask) and down(mask) there. down(image * [layer == i]) is then low_image where
    pure == i, mixed_sums[i, :C] at mixed_rc, 0 elsewhere (likewise the coverage with low_ones)."""
    h, w, c = image.shape
    lo, hi = footprint_range(layer, s)
    pure = np.where(lo == hi, lo.astype(np.int32), np.int32(-1))
    low_image = down_hwc(image, s)
    low_ones = ones_down(h, w, s)
    wanted = np.zeros(n_layers, bool)
    wanted[layers] = True
    # straddling pixels that involve a layer of this run (others are handled by their own runs)
    mixed = lo != hi
    if not wanted.all():
        mixed &= wanted[lo] | wanted[hi] | _any_between(lo, hi, wanted)
    rows, cols = np.nonzero(mixed)
    m = rows.size
    sums = np.zeros((n_layers, c + 1, m), np.float32)
    if m:
        iy, wy = footprint_table(h, s)
        ix, wx = footprint_table(w, s)
        flat = (iy[rows][:, :, None] * w + ix[cols][:, None, :]).reshape(m, -1)      # (m, 4 s^2)
        wgt = (wy[rows][:, :, None] * wx[cols][:, None, :]).reshape(m, -1)
        key = (np.arange(m)[:, None] * n_layers + layer.reshape(-1)[flat]).reshape(-1)
        wflat = wgt.reshape(-1)
        size = m * n_layers
        vals = image.reshape(-1, c)[flat.reshape(-1)]                                # (m 4 s^2, C)
        for ch in range(c):
            v = vals[:, ch] * wflat
            sums[:, ch] = np.bincount(key, weights=v, minlength=size).reshape(m, n_layers).T
        sums[:, c] = np.bincount(key, weights=wflat, minlength=size).reshape(m, n_layers).T
    return pure, low_image, low_ones, (rows, cols), sums


def _any_between(lo: np.ndarray, hi: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """True where a wanted layer lies strictly between lo and hi (a footprint may span several)."""
    cum = np.concatenate([[0], np.cumsum(wanted)])                    # cum[k] = #wanted below k
    return cum[hi] - cum[lo + 1] > 0


@lru_cache(maxsize=16)
def ones_down(h: int, w: int, s: int) -> np.ndarray:
    """down(1) of an (h, w) image: (ceil(h/s), ceil(w/s)) float32, cached (do not modify)."""
    return down(np.ones((1, h, w), np.float32), s)[0]
