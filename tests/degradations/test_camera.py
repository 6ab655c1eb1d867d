"""Sensor model: Poisson-Gaussian noise matches its predicted moments; exposure is linear."""

import numpy as np
import pytest

from simgen.core.color import linear_to_srgb8
from simgen.degradations import camera as cam


@pytest.mark.parametrize("ev, gain", [(0.0, 1.0), (-3.0, 8.0), (-6.0, 1.0), (-6.0, 16.0), (-8.0, 1.0)])
def test_noise_z_scores_have_unit_variance(ev, gain, rng):
    sensor = cam.SensorParams()
    exposed = np.repeat(np.linspace(0.02, 1.0, 640)[None, :], 480, axis=0).astype(np.float32)
    exp = cam.Exposure(ev=ev, analog_gain=gain)
    dn = cam.capture_dn(exposed, sensor, exp, rng).astype(np.float64)
    mean, var = cam.predicted_dn_moments(exposed, sensor, exp)
    sd = np.sqrt(var)
    full = 2 ** sensor.adc_bits - 1
    ok = (mean - 3.5 * sd > 0) & (mean + 3.5 * sd < full)   # away from both ADC clips
    assert ok.sum() > 20000
    z = (dn[ok] - mean[ok]) / sd[ok]
    assert abs(z.mean()) < 0.01
    assert abs(z.var() - 1.0) <= 0.03


def test_exact_poisson_branch_at_low_counts(rng):
    # lambda < 100 e- uses the exact Poisson sampler: the electrons are integers before read noise
    sensor = cam.SensorParams(read_noise_e=0.0, adc_bits=16, full_well_e=65535.0)
    exposed = np.full((200, 200), 3.0 / 65535.0, np.float32)
    dn = cam.capture_dn(exposed, sensor, cam.Exposure(), rng)
    assert set(np.unique(dn)).issubset(set(range(0, 40)))
    assert abs(dn.mean() - 3.0) < 0.05 and abs(dn.var() - 3.0) < 0.15


def test_exposure_is_linear_and_clipping_monotone(rng):
    sensor = cam.SensorParams(read_noise_e=0.0)
    exposed = np.full((100, 100), 0.2, np.float32)
    a = cam.capture_linear(exposed, sensor, cam.Exposure(ev=-1.0), rng).mean()
    b = cam.capture_linear(exposed, sensor, cam.Exposure(ev=-2.0), rng).mean()
    assert abs(a / b - 2.0) < 0.01 * 2
    ramp = np.linspace(0, 1, 10000, dtype=np.float32)
    clipped = [np.mean(cam.capture_dn(ramp, sensor, cam.Exposure(ev=e), rng) >= 4095) for e in (1, 1.5, 2, 2.5, 3.3)]
    assert all(x < y for x, y in zip(clipped, clipped[1:]))


def test_gain_up_restores_mean_brightness(rng):
    sensor = cam.SensorParams()
    exposed = np.full((300, 300), 0.18, np.float32)
    for ev in (-2.0, -5.0, -8.0):
        exp = cam.Exposure.for_low_light(ev, True, 16.0)
        assert exp.analog_gain * exp.digital_gain == pytest.approx(2 ** -ev)
        out = cam.capture_linear(exposed, sensor, exp, rng)
        assert abs(out.mean() - 0.18) < 0.01
    dark = cam.capture_linear(exposed, sensor, cam.Exposure.for_low_light(-3.0, False, 16.0), rng)
    assert abs(dark.mean() - 0.18 / 8) < 0.003


def test_develop_clean_is_srgb_of_exposed():
    x = np.random.default_rng(0).uniform(0, 1.2, (64, 64, 3)).astype(np.float32)
    ours = cam.develop_clean(x, 0.8).astype(int)
    ref = linear_to_srgb8(x.astype(np.float64) * 0.8).astype(int)
    assert np.abs(ours - ref).max() <= 1 and (ours == ref).mean() > 0.99
    assert (cam.develop_clean(np.full((2, 2, 3), 5.0, np.float32), 1.0) == 255).all()


def test_meter_exposure_maps_log_average_to_key():
    img = np.full((10, 10, 3), 0.045, np.float32)
    assert cam.meter_exposure(img) == pytest.approx(0.18 / (0.045 + 1e-4), rel=1e-4)
