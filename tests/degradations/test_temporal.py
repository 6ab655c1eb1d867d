"""Motion blur and rolling shutter by temporal integration, against an exact analytic scene: a thin
vertical line (or an edge) at infinity seen by a level camera turning at a known yaw rate."""

import numpy as np
import pytest

from simgen.core.transforms import intrinsics_from_hfov
from simgen.degradations.synthetic import AzimuthBandScene, yaw_pose_fn
from simgen.degradations.temporal import SubframeIntegrator

W, H = 640, 480
K = intrinsics_from_hfov(W, H, 70.0)
F = K[0, 0]
OMEGA = np.deg2rad(60.0)


def _profile_moments(img, rows):
    p = img[rows, :, 0].mean(axis=0).astype(np.float64)
    x = np.arange(W) + 0.5
    m = (p * x).sum() / p.sum()
    return p, m, (p * (x - m) ** 2).sum() / p.sum()


@pytest.mark.parametrize("shutter_ms", [4.0, 8.0, 16.0, 33.0])
def test_streak_length_is_f_omega_t(shutter_ms):
    scene = AzimuthBandScene(K, W, H, -2.5e-4, 2.5e-4, band_radiance=100.0, sigma_rad=1.2 / F)
    pose_at = yaw_pose_fn(0.0, OMEGA)
    integ = SubframeIntegrator(K, W, H, pose_at, scene.render_linear, shutter_s=shutter_ms / 1000.0)
    sharp = scene.render_linear(pose_at(0.0))
    blurred, info = integ.integrate(0.0, sharp, None)
    rows = slice(H // 2 - 20, H // 2 + 20)
    p0, _, v0 = _profile_moments(sharp, rows)
    p1, _, v1 = _profile_moments(blurred, rows)
    length = np.sqrt(12.0 * (v1 - v0))
    expected = F * OMEGA * shutter_ms / 1000.0
    assert abs(length - expected) <= max(1.0, 0.05 * expected), (length, expected)
    assert info["subframes"] >= expected          # streak gaps below 1 px
    assert abs(p1.sum() / p0.sum() - 1.0) < 0.005  # energy conserved (line far from the borders)


def test_blur_averages_linear_light_edge_becomes_linear_ramp():
    scene = AzimuthBandScene(K, W, H, -1.2, 0.0, band_radiance=1.0, background=0.0)   # edge at azimuth 0
    pose_at = yaw_pose_fn(0.0, OMEGA)
    integ = SubframeIntegrator(K, W, H, pose_at, scene.render_linear, shutter_s=0.033)
    blurred, _ = integ.integrate(0.0, scene.render_linear(pose_at(0.0)), None)
    p = blurred[H // 2, :, 0].astype(np.float64)
    trans = np.nonzero((p > 0.08) & (p < 0.92))[0]
    slope, icpt = np.polyfit(trans, p[trans], 1)
    resid = p[trans] - (slope * trans + icpt)
    assert np.abs(resid).max() < 0.03                 # linear ramp in LINEAR values
    width = 1.0 / abs(slope)
    expected = F * OMEGA * 0.033
    assert abs(width - expected) <= max(1.0, 0.05 * expected)


def test_static_camera_gives_no_blur():
    scene = AzimuthBandScene(K, W, H, -0.01, 0.01, band_radiance=3.0, background=0.2)
    pose_at = yaw_pose_fn(0.3, 0.0)
    integ = SubframeIntegrator(K, W, H, pose_at, scene.render_linear, shutter_s=0.033, readout_s=0.03)
    sharp = scene.render_linear(pose_at(0.0))
    out, info = integ.integrate(0.0, sharp, np.full((H, W), 2.0, np.float32))
    assert info["subframes"] == 1 and np.array_equal(out, sharp)


@pytest.mark.parametrize("readout_ms", [10.0, 33.0])
def test_rolling_shutter_skew_slope(readout_ms):
    scene = AzimuthBandScene(K, W, H, -2.5e-4, 2.5e-4, band_radiance=100.0, sigma_rad=1.2 / F)
    pose_at = yaw_pose_fn(0.0, OMEGA)
    integ = SubframeIntegrator(K, W, H, pose_at, scene.render_linear, readout_s=readout_ms / 1000.0)
    out, info = integ.integrate(0.0, scene.render_linear(pose_at(0.0)), None)
    x = np.arange(W) + 0.5
    rows = np.arange(H // 4, 3 * H // 4)
    cent = np.array([(out[r, :, 0] * x).sum() / out[r, :, 0].sum() for r in rows])
    slope = np.polyfit(rows + 0.5, cent, 1)[0]
    expected = F * OMEGA * (readout_ms / 1000.0) / H
    assert abs(abs(slope) - expected) <= 0.05 * expected, (slope, expected)
    # the middle row is exposed at the frame time: the line stays where the pinhole puts it
    assert abs(np.interp(H / 2, rows + 0.5, cent) - K[0, 2]) < 0.5


def test_motion_blur_with_rolling_shutter_shares_renders():
    scene = AzimuthBandScene(K, W, H, -2.5e-4, 2.5e-4, band_radiance=100.0, sigma_rad=1.2 / F)
    calls = []

    def render(pose):
        calls.append(1)
        return scene.render_linear(pose)

    pose_at = yaw_pose_fn(0.0, OMEGA)
    integ = SubframeIntegrator(K, W, H, pose_at, render, shutter_s=0.016, readout_s=0.02)
    out, info = integ.integrate(0.0, scene.render_linear(pose_at(0.0)), None)
    assert len(calls) == info["subframes"] <= 64
    rows = slice(H // 2 - 2, H // 2 + 2)
    _, _, v0 = _profile_moments(scene.render_linear(pose_at(0.0)), rows)
    _, _, v1 = _profile_moments(out, rows)
    expected = F * OMEGA * 0.016
    assert abs(np.sqrt(12 * (v1 - v0)) - expected) <= max(1.0, 0.05 * expected)
