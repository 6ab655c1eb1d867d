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


def test_in_focus_plane_unchanged_beside_a_blurred_background(rng):
    # a textured plane inside the depth of field (CoC < 1 px) next to a far wall blurred by 17 px
    img = rng.uniform(0, 1, (H, W, 3)).astype(np.float32)
    depth = np.full((H, W), 5.0, np.float32)
    depth[40:200, 60:260] = 0.305                    # CoC 11.7 mm * 228 px * (1/0.3 - 1/0.305) = 0.15 px
    out = apply_defocus(img, depth, 11.7e-3, 0.3, F)
    assert psnr(out[40:200, 60:260], img[40:200, 60:260], peak=1.0) >= 45.0
    assert psnr(out[:30], img[:30], peak=1.0) < 25.0  # while the wall is blurred


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


@pytest.mark.parametrize("diameter", [4.0, 7.5, 11.0, 12.0, 26.0])
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


def _full_resolution_reference(img, depth, aperture_m, focus_m, monkeypatch):
    """The layered model with every disc at full resolution (no reduced runs): the reference."""
    import simgen.degradations.defocus as D

    monkeypatch.setattr(D, "REDUCE_FROM_PX", {})
    return D.apply_defocus(img, depth, aperture_m, focus_m, F)


@pytest.mark.parametrize("aperture_mm", [7.3, 11.7, 20.0])
def test_reduced_runs_match_the_full_resolution_layered_blur(room_small, aperture_mm, monkeypatch):
    # layers of one reduced scale are composited at 1/s and upsampled once; must stay close to the
    # layer-by-layer full-resolution discs (room depths 1.7-4.8 m: 2-4 layers, CoC 7-30 px)
    _, rgb, depth, _ = room_small
    out = apply_defocus(rgb, depth, aperture_mm / 1e3, 0.3, F)
    ref = _full_resolution_reference(rgb, depth, aperture_mm / 1e3, 0.3, monkeypatch)
    assert out.shape == rgb.shape and out.dtype == np.float32
    peak = float(np.percentile(ref, 99.9))
    assert psnr(np.clip(out, 0, peak), np.clip(ref, 0, peak), peak=peak) >= 40.0


def test_mixed_scales_match_the_full_resolution_layered_blur(rng, monkeypatch):
    # a sharp card, a mildly blurred middle plane (full resolution) and a far wall (1/4): runs at 3 scales
    img = rng.uniform(0.0, 1.0, (H, W, 3)).astype(np.float32)
    depth = np.full((H, W), 6.0, np.float32)
    depth[:, W // 3:] = 0.5
    depth[60:180, 140:260] = 0.3
    out = apply_defocus(img, depth, 4e-3, 0.3, F)
    ref = _full_resolution_reference(img, depth, 4e-3, 0.3, monkeypatch)
    assert np.array_equal(out[60:180, 140:260], img[60:180, 140:260])       # in focus, nothing spills in
    assert psnr(out, ref, peak=1.0) >= 40.0


def test_each_plane_of_a_two_plane_scene_gets_its_own_coc():
    # two planes at different depths, both blurred at reduced resolution in one run: the point on each
    # spreads with that plane's circle of confusion
    img = np.zeros((H, W, 3), np.float32)
    depth = np.full((H, W), 1.0, np.float32)
    depth[:, W // 2:] = 4.0
    pts = [(H // 2, W // 4), (H // 2, 3 * W // 4)]
    for y, x in pts:
        img[y, x] = 1000.0
    out = apply_defocus(img, depth, 16e-3, 0.3, F)[..., 0].astype(np.float64)
    yy, xx = np.mgrid[0:H, 0:W]
    for (y, x), half in zip(pts, (xx < W // 2, xx >= W // 2)):
        expected = abs(float(coc_px(np.array([depth[y, x]]), 16e-3, 0.3, F)[0]))
        win = half & (abs(yy - y) < 40) & (abs(xx - x) < 40)
        p = np.where(win, out, 0.0)
        m = (p * yy).sum() / p.sum()
        d = 4.0 * np.sqrt((p * (yy - m) ** 2).sum() / p.sum())      # along y: away from the depth edge
        assert abs(d - expected) <= max(1.0, 0.05 * expected), (d, expected)


def test_tent_layer_reduction_is_exact_per_layer(rng):
    # tent.layer_down: pure pixels from one whole-image reduction, straddling ones summed per layer
    from simgen.degradations.tent import down, layer_down

    h, w, n_layers = 50, 61, 5
    layer = (np.linspace(0, n_layers - 0.01, w)[None, :] + (np.arange(h)[:, None] % 7 == 0)).astype(np.uint8)
    layer = np.minimum(layer, n_layers - 1)
    img = rng.uniform(0, 1, (h, w, 3)).astype(np.float32)
    for s in (2, 4):
        pure, low_img, low_ones, (r, c), sums = layer_down(img, layer, [0, 2, 3], n_layers, s)
        for i in (0, 2, 3):
            m = (layer == i).astype(np.float32)
            ref = down(np.concatenate([np.moveaxis(img, 2, 0) * m, m[None]]), s)
            got = np.concatenate([low_img * (pure == i), (low_ones * (pure == i))[None]])
            got[:, r, c] = sums[i]
            np.testing.assert_allclose(got, ref, atol=1e-6)
