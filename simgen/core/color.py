"""Named colour palette (what QA calls "the red chair") and colour-space helpers.

Palette values are linear-light RGB in [0, 1] (what the renderer consumes); names are the words QA uses.
"""

from __future__ import annotations

import numpy as np

# name -> sRGB 8-bit as people know the colour; converted to linear below.
_PALETTE_SRGB8: dict[str, tuple[int, int, int]] = {
    "white": (235, 235, 230),
    "black": (30, 30, 32),
    "gray": (128, 128, 128),
    "red": (190, 35, 35),
    "orange": (230, 120, 30),
    "yellow": (230, 200, 40),
    "green": (50, 140, 60),
    "blue": (40, 80, 180),
    "purple": (120, 60, 150),
    "pink": (230, 140, 170),
    "brown": (115, 75, 45),
    "beige": (215, 195, 160),
}

PALETTE_NAMES: tuple[str, ...] = tuple(_PALETTE_SRGB8)


def srgb_to_linear(srgb: np.ndarray) -> np.ndarray:
    """sRGB-encoded values in [0, 1] (any shape) -> linear light, float64. IEC 61966-2-1."""
    s = np.asarray(srgb, dtype=np.float64)
    return np.where(s <= 0.04045, s / 12.92, ((s + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear light (any shape, clipped to [0, 1]) -> sRGB-encoded values in [0, 1], float64."""
    x = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1.0 / 2.4) - 0.055)


def linear_to_srgb8(linear: np.ndarray) -> np.ndarray:
    """Linear light (..., 3) float -> sRGB uint8, rounding to nearest. The last step of the camera model."""
    return np.round(linear_to_srgb(linear) * 255.0).astype(np.uint8)


def palette_linear(name: str) -> tuple[float, float, float]:
    """Linear RGB of a palette colour. KeyError names the allowed colours."""
    try:
        rgb8 = _PALETTE_SRGB8[name]
    except KeyError:
        raise KeyError(f"unknown colour {name!r}; allowed: {', '.join(PALETTE_NAMES)}") from None
    lin = srgb_to_linear(np.array(rgb8) / 255.0)
    return (float(lin[0]), float(lin[1]), float(lin[2]))
