"""Procedural textures with numpy: wood grain, fabric weave, tiles, marble, carpet, painted wall, parquet.

`texture(kind, rng, size_px, color=None)` -> (size_px, size_px, 3) uint8 sRGB, seamlessly tileable
(value noise wraps around; every periodic term has an integer number of periods per tile). The shading
pattern is normalised to mean 1 before tinting, so the image's mean linear colour is the palette
colour (up to clipping of bright colours): a textured object keeps its QA colour name. Objects
(Material.texture), floors and walls use them through simgen.assets.texturing.
"""

from __future__ import annotations

import numpy as np

from simgen.core.color import PALETTE_NAMES, linear_to_srgb, palette_linear
from simgen.core.errors import ConfigError

TEXTURE_KINDS = ("wood_grain", "fabric", "tiles", "marble", "carpet", "painted_wall", "parquet")
_DEFAULT_COLOR = {"wood_grain": "brown", "fabric": "gray", "tiles": "white", "marble": "white", "carpet": "beige",
                  "painted_wall": "white", "parquet": "brown"}

_GRAIN_CONTRAST = {"white": 0.35, "beige": 0.7, "yellow": 0.7, "pink": 0.6, "gray": 0.8}


def value_noise(rng: np.random.Generator, size_px: int, cells: int) -> np.ndarray:
    """Tileable smooth value noise in [0, 1], (size_px, size_px) float64, `cells` lattice cells per side."""
    lat = rng.random((cells, cells))
    t = np.arange(size_px) * cells / size_px
    i0 = np.floor(t).astype(int)
    f = t - i0
    f = f * f * (3 - 2 * f)
    i1 = (i0 + 1) % cells
    a = lat[np.ix_(i0, i0)]
    b = lat[np.ix_(i0, i1)]
    c = lat[np.ix_(i1, i0)]
    d = lat[np.ix_(i1, i1)]
    fy, fx = f[:, None], f[None, :]
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy


def fbm(rng: np.random.Generator, size_px: int, base_cells: int = 4, octaves: int = 5) -> np.ndarray:
    """Fractal sum of value-noise octaves, normalised to [0, 1]."""
    out = np.zeros((size_px, size_px))
    amp, tot = 1.0, 0.0
    for o in range(octaves):
        cells = min(size_px, base_cells * 2 ** o)
        out += amp * value_noise(rng, size_px, cells)
        tot += amp
        amp *= 0.5
    out /= tot
    return (out - out.min()) / max(1e-9, out.max() - out.min())


def _streaks(rng: np.random.Generator, size_px: int, cells: int) -> np.ndarray:
    """(size_px,) tileable 1-D smooth noise in [0, 1] with `cells` random values per period."""
    lat = rng.random(cells)
    t = np.arange(size_px) * cells / size_px
    i0 = np.floor(t).astype(int)
    f = t - i0
    f = f * f * (3 - 2 * f)
    return lat[i0] * (1 - f) + lat[(i0 + 1) % cells] * f


def _tint(shade: np.ndarray, color_lin: np.ndarray) -> np.ndarray:
    """(H, W) brightness factors x linear colour (3,) -> sRGB uint8 (H, W, 3)."""
    lin = np.clip(shade[..., None] * color_lin[None, None, :], 0.0, 1.0)
    return np.round(linear_to_srgb(lin) * 255.0).astype(np.uint8)


def texture(kind: str, rng: np.random.Generator, size_px: int = 256, color: str | None = None) -> np.ndarray:
    """A procedural texture image (size_px, size_px, 3) uint8 sRGB of `kind` in palette colour `color`."""
    if kind not in TEXTURE_KINDS:
        raise ConfigError(f"unknown texture kind {kind!r}; allowed: {', '.join(TEXTURE_KINDS)}")
    if not (8 <= int(size_px) <= 4096):
        raise ConfigError(f"texture size_px must be in 8..4096, got {size_px}")
    color = color or _DEFAULT_COLOR[kind]
    if color not in PALETTE_NAMES:
        raise ConfigError(f"unknown colour {color!r}; allowed: {', '.join(PALETTE_NAMES)}")
    n = int(size_px)
    base = np.array(palette_linear(color))
    y, x = np.mgrid[0:n, 0:n] / n
    if kind == "wood_grain":  # streaks along v (image rows): growth rings gently bent, fine fibres
        warp = fbm(rng, n, 2, 3)
        k = int(rng.integers(6, 13))
        rings = np.sin(2 * np.pi * (x * k + 0.6 * warp))
        fibres = _streaks(rng, n, 96)[None, :] * np.ones((n, 1))
        shade = 0.85 + 0.13 * np.sign(rings) * np.abs(rings) ** 0.5 + 0.14 * (fibres - 0.5) + 0.05 * (fbm(rng, n, 16, 2) - 0.5)
    elif kind == "fabric":
        k = max(2, n // 64) * 8
        weave = 0.5 + 0.5 * np.sign(np.sin(2 * np.pi * x * k)) * np.sign(np.sin(2 * np.pi * y * k))
        shade = 0.82 + 0.12 * weave + 0.1 * (fbm(rng, n, 8, 3) - 0.5)
    elif kind == "tiles":
        k = int(rng.integers(4, 9))
        gx, gy = (x * k) % 1.0, (y * k) % 1.0
        grout = ((gx < 0.04) | (gy < 0.04)).astype(float)
        per_tile = rng.uniform(0.9, 1.05, (k, k))[(y * k).astype(int) % k, (x * k).astype(int) % k]
        shade = per_tile * (1 - 0.45 * grout) + 0.04 * (fbm(rng, n, 8, 3) - 0.5)
    elif kind == "marble":
        warp = fbm(rng, n, 3, 6)
        veins = np.abs(np.sin(2 * np.pi * (x + y) * 2.0 + warp * 8.0))
        shade = 0.75 + 0.25 * veins ** 0.3
    elif kind == "carpet":
        shade = 0.85 + 0.2 * (fbm(rng, n, 32, 2) - 0.5) + 0.1 * (rng.random((n, n)) - 0.5)
    elif kind == "painted_wall":
        shade = 0.96 + 0.05 * (fbm(rng, n, 8, 5) - 0.5)
    else:  # parquet: staggered planks with grain
        k = int(rng.integers(5, 9))
        row = (y * k).astype(int)
        offs = rng.random(k)[row % k]
        gx = (x * 2 + offs) % 1.0
        plank_shade = rng.uniform(0.8, 1.05, (k, 4))[row % k, ((x * 2 + offs) * 2).astype(int) % 4]
        grain = np.sin(2 * np.pi * (y * k * 6 + fbm(rng, n, 4, 3) * 2))
        seam = ((gx < 0.01) | ((y * k) % 1.0 < 0.03)).astype(float)
        shade = plank_shade * (0.9 + 0.08 * grain) * (1 - 0.4 * seam)
    shade = np.clip(shade, 0.0, None)
    shade = shade / max(1e-9, float(shade.mean()))
    if kind in ("wood_grain", "parquet"):  # pale (painted, limed) wood shows its grain faintly
        shade = 1.0 + (shade - 1.0) * _GRAIN_CONTRAST.get(color, 1.0)
    return _tint(shade, base)
