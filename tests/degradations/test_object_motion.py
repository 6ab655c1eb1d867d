"""Object motion blur: the sub-frame callback receives the sub-frame time, so objects that move during
the exposure streak by their image speed x the shutter time; the old render_linear(pose) still works."""

import numpy as np
import pytest
from scipy.special import erf

from simgen.core.transforms import intrinsics_from_hfov
from simgen.degradations import Degrader, parse_degrade
from simgen.degradations.camera import srgb8_to_linear
from simgen.degradations.temporal import SubframeIntegrator, points_image_speed_px_s

W, H = 640, 480
K = intrinsics_from_hfov(W, H, 70.0)
F = K[0, 0]
Z_M, X0_M, V_M_S = 2.0, -0.3, 2.0          # a thin vertical bar 2 m ahead, moving right at 2 m/s
SIGMA_PX = 1.2


def static_pose(t_s: float) -> np.ndarray:
    return np.eye(4)                          # OpenCV camera at the origin looking along +Z


def bar_x_m(t_s: float) -> float:
    return X0_M + V_M_S * t_s


def render_at(pose: np.ndarray, t_s: float) -> np.ndarray:
    """Exact pixel integrals of a Gaussian bar profile centred where the pinhole puts the bar at t_s."""
    u = F * (bar_x_m(t_s) - pose[0, 3]) / Z_M + K[0, 2]
    edges = (np.arange(W + 1) - u) / (SIGMA_PX * np.sqrt(2.0))
    prof = 0.5 * np.diff(erf(edges)) * 50.0
    return np.repeat(prof[None, :, None], H, axis=0).repeat(3, axis=2).astype(np.float32)


def moving_points(t_s: float) -> np.ndarray:
    return np.array([[bar_x_m(t_s), -0.5, Z_M], [bar_x_m(t_s), 0.5, Z_M]])


def _var_x(img: np.ndarray) -> float:
    p = img[H // 2, :, 0].astype(np.float64)
    x = np.arange(W) + 0.5
    m = (p * x).sum() / p.sum()
    return float((p * (x - m) ** 2).sum() / p.sum())


@pytest.mark.parametrize("shutter_ms", [8.0, 16.0, 33.0])
def test_moving_object_streak_is_image_speed_times_exposure(shutter_ms):
    integ = SubframeIntegrator(K, W, H, static_pose, None, shutter_s=shutter_ms / 1000.0,
                               render_linear_at=render_at, moving_points_at=moving_points)
    sharp = render_at(static_pose(0.1), 0.1)
    out, info = integ.integrate(0.1, sharp, np.full((H, W), Z_M, np.float32))
    expected = F * V_M_S / Z_M * shutter_ms / 1000.0                   # image speed x exposure, px
    length = np.sqrt(12.0 * (_var_x(out) - _var_x(sharp)))
    assert abs(length - expected) <= max(1.0, 0.05 * expected), (length, expected)
    assert info["subframes"] >= expected and info["speed_px_s"] == pytest.approx(F * V_M_S / Z_M, rel=1e-3)
    assert abs(out.sum() / sharp.sum() - 1.0) < 1e-3                     # energy conserved


def test_points_image_speed_combines_camera_and_object_motion():
    assert points_image_speed_px_s(K, static_pose, moving_points, 0.0) == pytest.approx(F * V_M_S / Z_M, rel=1e-4)

    def cam_follows(t_s):                                               # camera moving with the bar
        P = np.eye(4)
        P[0, 3] = V_M_S * t_s
        return P

    assert points_image_speed_px_s(K, cam_follows, moving_points, 0.0) < 1e-6


def test_degrader_passes_subframe_times_and_keeps_old_signature():
    times = []

    def render_at_logged(pose, t_s):
        times.append(t_s)
        return render_at(pose, t_s)

    spec = parse_degrade("motion_blur:5")                               # 33 ms shutter
    inst = np.zeros((H, W), np.uint16)
    depth = np.full((H, W), Z_M, np.float32)
    dg = Degrader(spec, K, W, H, 30.0, np.random.default_rng(0), pose_at=static_pose,
                  render_linear_at=render_at_logged, moving_points_at=moving_points, exposure=0.02)
    t_frame = 0.1
    f = dg.process(3, t_frame, render_at(np.eye(4), t_frame), depth, inst)
    n = dg.per_frame[-1]["subframes"]
    assert len(times) == n >= 15
    assert min(times) > t_frame - 0.0165 and max(times) < t_frame + 0.0165
    assert np.mean(times) == pytest.approx(t_frame, abs=1e-9)           # shutter centred on the frame time
    lin = srgb8_to_linear(f.rgb8)
    expected = F * V_M_S / Z_M * 0.033
    length = np.sqrt(12.0 * (_var_x(lin) - _var_x(srgb8_to_linear(f.clean_rgb8))))
    assert abs(length - expected) <= max(1.0, 0.05 * expected), (length, expected)
    # the old callback render_linear(pose) still works (camera motion only: a static camera stays sharp)
    dg_old = Degrader(spec, K, W, H, 30.0, np.random.default_rng(0), pose_at=static_pose,
                      render_linear=lambda pose: render_at(pose, t_frame), exposure=0.02)
    f_old = dg_old.process(3, t_frame, render_at(np.eye(4), t_frame), depth, inst)
    assert dg_old.per_frame[-1]["subframes"] == 1 and np.array_equal(f_old.rgb8, f_old.clean_rgb8)
