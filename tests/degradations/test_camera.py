"""Sensor model: Poisson-Gaussian noise matches its predicted moments; exposure is linear."""

import numpy as np
import pytest

from simgen.core.color import linear_to_srgb8
from simgen.degradations import camera as cam


# lambda = 6000 * 2^ev * (0.02..1) e-: all Gaussian (EV 0, -3), mixed with the exact Poisson below 16 e-
# sampled by index (-6, -8), exact Poisson with a few Gaussian pixels patched in (-8.5: 4 % above 16 e-;
# a 0.5 e- read noise keeps pixels from 12.5 e- away from the clip at 0, so the exact branch is in the test)
@pytest.mark.parametrize("ev, gain, read_e", [(0.0, 1.0, 3.0), (-3.0, 8.0, 3.0), (-6.0, 1.0, 3.0),
                                              (-6.0, 16.0, 3.0), (-8.0, 1.0, 3.0), (-8.5, 16.0, 0.5)])
def test_noise_z_scores_have_unit_variance(ev, gain, read_e, rng):
    sensor = cam.SensorParams(read_noise_e=read_e)
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


@pytest.mark.parametrize("lam", [0.03, 0.7, 2.37, 17.6, 40.13, 63.97])
def test_table_poisson_sampler_matches_the_poisson_law(lam):
    # read noise 0, gain 1: DN is the electron count itself; lambda off the 1/16 grid exercises the
    # remainder path, large lambda the ambiguous guide cells
    from scipy.stats import chi2, poisson

    from simgen.degradations.noise import sample_dn

    n = 400_000
    dn = sample_dn(np.full(n, lam, np.float32), 1.0, 0.0, 1.0, 1e9, 65535, 64.0,
                   np.random.default_rng(int(lam * 100))).astype(np.int64)
    k = np.arange(dn.max() + 1)
    obs = np.bincount(dn)
    exp = poisson.pmf(k, np.float32(lam)) * n
    ok = exp > 10
    stat = (((obs[ok] - exp[ok]) ** 2) / exp[ok]).sum() + (obs[~ok].sum() - exp[~ok].sum()) ** 2 / max(exp[~ok].sum(), 1)
    assert stat < chi2.ppf(0.999, ok.sum()), (stat, ok.sum())
    assert abs(dn.mean() - lam) < 5 * np.sqrt(lam / n) + 1e-9


def test_normal_table_is_standard_and_sampler_deterministic():
    from simgen.degradations.noise import normal_table, sample_dn

    z = normal_table().astype(np.float64)
    assert abs(z.mean()) < 1e-9 and abs(z.var() - 1.0) < 1e-6 and z.max() > 4.3
    x = np.random.default_rng(3).uniform(0, 0.02, (60, 80, 3)).astype(np.float32)
    a = sample_dn(x, 6000.0, 3.0, 0.68, 6000.0, 4095, 64.0, np.random.default_rng(9))
    b = sample_dn(x, 6000.0, 3.0, 0.68, 6000.0, 4095, 64.0, np.random.default_rng(9))
    c = sample_dn(x, 6000.0, 3.0, 0.68, 6000.0, 4095, 64.0, np.random.default_rng(10))
    assert a.dtype == np.uint16 and a.shape == x.shape
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_capture_srgb8_equals_linear_path():
    sensor = cam.SensorParams()
    x = np.random.default_rng(4).uniform(0, 0.5, (40, 50, 3)).astype(np.float32)
    e = cam.Exposure.for_low_light(-5.0, True, 16.0)
    a = cam.capture_srgb8(x, sensor, e, np.random.default_rng(1), exposure_scale=2.0)
    b = cam.encode_srgb8(cam.capture_linear(x * np.float32(2.0), sensor, e, np.random.default_rng(1)))
    assert np.array_equal(a, b)



def test_exact_switch_at_16_e_and_up_to_64_e_in_dark_frames(rng):
    # 4 DN per electron, no read noise: exact Poisson counts are multiples of 4, the Gaussian is not
    from simgen.degradations.noise import sample_dn

    def dn(frac_bright):
        lam = np.where(np.arange(100_000) < frac_bright * 100_000, 40.0, 3.0).astype(np.float32)
        out = sample_dn(lam, 1.0, 0.0, 4.0, 1e9, 65535, 16.0, np.random.default_rng(3), dark_exact_below=64.0)
        return lam, out.astype(np.int64)

    lam, d = dn(0.3)                     # dark frame (30 % above 16 e-): exact everywhere below 64 e-
    assert np.all(d % 4 == 0) and abs(d[lam == 40.0].mean() / 4 - 40.0) < 0.1
    lam, d = dn(0.7)                     # bright frame: the 40 e- samples are Gaussian, the 3 e- exact
    assert np.all(d[lam == 3.0] % 4 == 0) and np.mean(d[lam == 40.0] % 4 != 0) > 0.7
    assert abs(d[lam == 40.0].var() / 16 - 40.0) < 1.0                  # same mean and variance
