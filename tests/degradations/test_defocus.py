"""Thin-lens defocus: blur diameter equals the circle of confusion; in-focus plane untouched;
occlusion-aware compositing."""

import numpy as np
import pytest

from simgen.core.transforms import intrinsics_from_hfov
from simgen.degradations.defocus import apply_defocus, coc_px, disc_kernel
from simgen.degradations.metrics import psnr

W, H = 320, 240
K = intrinsics_from_hfov(W, H, 70.0)
F = K[0, 0]


@pytest.mark.parametrize("aperture_mm, z", [(2.0, 3.0), (4.4, 3.0), (11.7, 1.5), (8.0, 0.2), (16.0, 6.0),
                                             (20.0, 0.1)])
def test_point_spread_diameter_matches_coc(aperture_mm, z):
    img = np.zeros((H, W, 3), np.float32)
    img[H // 2, W // 2] = 1000.0
    depth = np.full((H, W), z, np.float32)
    out = apply_defocus(img, depth, aperture_mm / 1000.0, 0.3, F)
    expected = abs(float(coc_px(np.array([z]), aperture_mm / 1000.0, 0.3, F)[0]))
    y, x = np.mgrid[0:H, 0:W]
    p = out[..., 0].astype(np.float64)
    mx = (p * x).sum() / p.sum()
    var_x = (p * (x - mx) ** 2).sum() / p.sum()
    diameter = 4.0 * np.sqrt(var_x)              # uniform disc: var = D^2 / 16
    assert abs(diameter - expected) <= max(1.0, 0.05 * expected), (diameter, expected)
    assert abs(p.sum() - 1000.0) < 1e-2 * 1000.0  # energy conserved


def test_coc_formula_known_answer():
    # A = 4 mm, focus 0.5 m, z = 3 m, f = 457 px -> 4e-3 * 457 * (2 - 1/3) = 3.05 px
    c = coc_px(np.array([3.0]), 4e-3, 0.5, 457.0)[0]
    assert abs(c - 3.0467) < 1e-3
    assert coc_px(np.array([0.0]), 4e-3, 0.5, 457.0)[0] == pytest.approx(4e-3 * 457 / 0.5)


def test_in_focus_plane_unchanged(rng):
    img = rng.uniform(0, 1, (H, W, 3)).astype(np.float32)
    depth = np.full((H, W), 0.3, np.float32)
    out = apply_defocus(img, depth, 11.7e-3, 0.3, F)
    assert psnr(out, img, peak=1.0) >= 45.0


def test_disc_kernel_area():
    k = disc_kernel(10.0)
    assert abs(k.sum() - 1) < 1e-6 and k.shape == (11, 11)
    assert disc_kernel(0.8).shape == (1, 1)


def test_occlusion_aware_no_background_bleed_over_sharp_foreground():
    img = np.zeros((H, W, 3), np.float32)
    depth = np.full((H, W), 5.0, np.float32)
    img[..., 1] = 1.0                                          # far green wall, blurred
    img[80:160, 100:220] = [1.0, 0.0, 0.0]                     # red card in focus
    depth[80:160, 100:220] = 0.3
    out = apply_defocus(img, depth, 8e-3, 0.3, F)
    assert np.array_equal(out[80:160, 100:220], img[80:160, 100:220])   # no green over the sharp card
    # the reverse: a blurred near card spills over a sharp far wall
    depth2 = np.full((H, W), 2.0, np.float32)
    depth2[80:160, 100:220] = 0.12
    out2 = apply_defocus(img, depth2, 8e-3, 2.0, F)
    assert out2[120, 96, 0] > 0.15                              # red spills outside the card


@pytest.mark.parametrize("diameter", [4.0, 7.5, 12.0, 26.0])
@pytest.mark.parametrize("dy, dx", [(0, 1), (1, 0), (3, 3), (2, 1)])
def test_reduced_resolution_blur_keeps_the_coc_at_every_pixel_phase(diameter, dy, dx):
    # large discs are blurred at 1/2..1/8 resolution: the 4-sigma diameter must hold wherever the point is
    from simgen.degradations.defocus import blur_disc

    img = np.zeros((1, H, W), np.float32)
    img[0, H // 2 + dy, W // 2 + dx] = 1.0
    p = blur_disc(img, diameter)[0].astype(np.float64)
    y, x = np.mgrid[0:H, 0:W]
    for coord in (x, y):
        m = (p * coord).sum() / p.sum()
        d = 4.0 * np.sqrt((p * (coord - m) ** 2).sum() / p.sum())
        assert abs(d - diameter) <= max(1.0, 0.05 * diameter), (d, diameter)
        assert abs(m - coord[H // 2 + dy, W // 2 + dx]) < 0.05     # centroid kept (tent down, bilinear up)
    assert abs(p.sum() - 1.0) < 1e-3
