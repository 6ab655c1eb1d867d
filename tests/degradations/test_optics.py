"""Fog (Koschmieder with ray distance), vignetting (cos^4), low resolution (area integration)."""

import numpy as np

from simgen.core.transforms import intrinsics_from_hfov
from simgen.degradations.optics import (Resampler, apply_fog, beta_from_visibility, pupil_ratio_for_corner,
                                        ray_factor, vignetting_map)


def test_fog_matches_formula_with_ray_distance(rng):
    W, H = 640, 480
    K = intrinsics_from_hfov(W, H, 70.0)
    J = rng.uniform(0, 2, (H, W, 3)).astype(np.float32)
    z = np.full((H, W), 3.0, np.float32)       # a wall at constant z
    z[:10, :10] = 0.0                          # no surface: infinitely far
    beta = beta_from_visibility(10.0)
    A = np.array([0.6, 0.6, 0.65])
    out = apply_fog(J, z, ray_factor(K, W, H), beta, A)
    u = np.arange(W) + 0.5 - K[0, 2]
    v = np.arange(H) + 0.5 - K[1, 2]
    d = z * np.sqrt(1 + (u[None] / K[0, 0]) ** 2 + (v[:, None] / K[1, 1]) ** 2)
    t = np.exp(-beta * d)[..., None]
    t[:10, :10] = 0.0
    ref = J * t + A * (1 - t)
    assert np.abs(out - ref).max() <= 1e-5
    assert np.allclose(out[:10, :10], A, atol=1e-6)
    # the corner is farther than the centre on a wall of constant z: factor ~1.33 at 70 x 55 deg
    rf = ray_factor(K, W, H)
    assert abs(rf[-1, -1] - np.sqrt(1 + 0.7 ** 2 + 0.525 ** 2)) < 0.01
    black = apply_fog(np.zeros_like(J), z, rf, beta, A)
    assert black[H // 2, 0, 0] > black[H // 2, W // 2, 0]   # more airlight towards the edge
    assert np.allclose(black[..., 0][10:, 10:], (A[0] * (1 - np.exp(-beta * d)))[10:, 10:], atol=1e-6)


def test_visibility_definition():
    beta = beta_from_visibility(20.0)
    assert abs(np.exp(-beta * 20.0) - 0.02) < 1e-12


def test_vignetting_is_cos4():
    W, H = 640, 480
    K = intrinsics_from_hfov(W, H, 70.0)
    v = vignetting_map(K, W, H, 1.0)
    u = (np.arange(W) + 0.5 - K[0, 2]) / K[0, 0]
    w = (np.arange(H) + 0.5 - K[1, 2]) / K[1, 1]
    theta = np.arctan(np.sqrt(u[None] ** 2 + w[:, None] ** 2))
    assert np.abs(v / np.cos(theta) ** 4 - 1).max() < 0.01
    for c in (0.9, 0.65, 0.35):
        p = pupil_ratio_for_corner(K, W, H, c)
        vc = vignetting_map(K, W, H, p)
        corner = vignetting_map(K, W, H, p)[0, 0]
        assert abs(corner - c) < 0.01 and vc.max() <= 1.0


def test_low_resolution_area_integration_conserves_energy(rng):
    img = rng.uniform(0, 3, (480, 640, 3)).astype(np.float32)
    for s in (1 / 2, 1 / 3, 1 / 6):
        r = Resampler(640, 480, s)
        low = r.down(img)
        assert low.shape == (r.low_h, r.low_w, 3)
        assert abs(low.mean() - img.mean()) / img.mean() < 1e-4
        assert abs(r.up(low).mean() - img.mean()) / img.mean() < 2e-3
    # exact block means for an integer factor
    r = Resampler(640, 480, 0.5)
    blocks = img.reshape(240, 2, 320, 2, 3).mean(axis=(1, 3))
    assert np.abs(r.down(img) - blocks).max() < 1e-5
