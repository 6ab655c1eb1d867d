"""The camera model: exposure, sensor (electrons, Poisson-Gaussian noise, ADC) and the ISP encode.

Input everywhere is scene-linear radiance from the renderer, (H, W, 3) float32, unclipped. The chain is

    exposed = k * L                      (k: the clip's exposure, metered once; 1.0 = white at full scale)
    electrons ~ Poisson(FW * exposed * 2^ev) + N(0, read_e^2),  clipped to [0, FW]
    DN = round(gain_analog * conv_gain * electrons), clipped to [0, 2^bits - 1]
    out = DN * gain_digital / (conv_gain * FW)        (linear, 1.0 = white)
    sRGB8 = round(255 * OETF_sRGB(clip(out, 0, 1)))   (IEC 61966-2-1, the last step)

The clean path skips the sensor (no noise, no quantisation before the 8-bit encode).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MID_GREY = 0.18
_LUT_N = 65536
_SRGB_LUT: np.ndarray | None = None


def _srgb_lut() -> np.ndarray:
    global _SRGB_LUT
    if _SRGB_LUT is None:
        x = np.arange(_LUT_N, dtype=np.float64) / (_LUT_N - 1)
        s = np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1.0 / 2.4) - 0.055)
        _SRGB_LUT = np.round(s * 255.0).astype(np.uint8)
    return _SRGB_LUT


def encode_srgb8(linear: np.ndarray) -> np.ndarray:
    """(H, W, 3) linear float (1.0 = white; clipped) -> uint8 sRGB via a 16-bit lookup table.

    Matches simgen.core.color.linear_to_srgb8 within one code value (exact except at rounding ties
    finer than 1/65535 in linear)."""
    x = np.multiply(linear, np.float32(_LUT_N - 1), dtype=np.float32)
    np.clip(x, 0.0, np.float32(_LUT_N - 1), out=x)
    x += np.float32(0.5)
    # intp: take needs no index conversion; mode="clip" skips the bounds check (indices are in range)
    return _srgb_lut().take(x.astype(np.intp), mode="clip")


def srgb8_to_linear(rgb8: np.ndarray) -> np.ndarray:
    """uint8 sRGB -> linear float32 (inverse of encode_srgb8 up to 8-bit rounding)."""
    s = rgb8.astype(np.float32) / 255.0
    return np.where(s <= 0.04045, s / 12.92, ((s + 0.055) / 1.055) ** 2.4).astype(np.float32)


def luminance(rgb_linear: np.ndarray) -> np.ndarray:
    """(H, W, 3) linear -> (H, W) Rec.709 luminance."""
    return rgb_linear @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def meter_exposure(rgb_linear: np.ndarray, key: float = MID_GREY, min_scale: float = 1 / 16,
                   max_scale: float = 16.0) -> float:
    """Auto-exposure: the scale k that maps the log-average luminance of `rgb_linear` to `key`.

    Reinhard's key-value metering: k = key / exp(mean(log(eps + Y))), over pixels with Y > 0, clamped to
    [min_scale, max_scale]. Called once per clip, on the first frame, so it is deterministic."""
    y = luminance(np.asarray(rgb_linear, dtype=np.float32))
    y = y[y > 0]
    if y.size == 0:
        return 1.0
    logavg = float(np.exp(np.mean(np.log(1e-4 + y.astype(np.float64)))))
    return float(np.clip(key / logavg, min_scale, max_scale))


def develop_clean(rgb_linear: np.ndarray, exposure: float) -> np.ndarray:
    """The clean camera: (H, W, 3) linear radiance, exposure scale k -> (H, W, 3) uint8 sRGB.
    No noise; values above full scale clip to white."""
    return encode_srgb8(np.asarray(rgb_linear, dtype=np.float32) * np.float32(exposure))


@dataclass(frozen=True)
class SensorParams:
    """A small-pixel phone sensor (EMVA 1288 linear model). Units in the names."""

    full_well_e: float = 6000.0
    read_noise_e: float = 3.0
    adc_bits: int = 12
    # Exact Poisson (table sampler, simgen.degradations.noise) below this mean (<= 64); a Gaussian with
    # the same mean and variance above. At 16 e-: shot-noise skewness 1/sqrt(lambda) <= 0.25, and the
    # skewness of what the ADC sees (shot + 3 e- read noise), lambda / (lambda + read^2)^1.5, is <= 0.128
    # at every lambda (its maximum, at lambda = 2 read^2). 64 = exact wherever it is tabulated (slower:
    # low_light 3 costs 1.4x); 0 = all Gaussian.
    poisson_exact_below_e: float = 16.0
    # In a dark frame (at most half of the samples at or above poisson_exact_below_e) the exact sampler
    # runs on every sample anyway; it is then kept up to this mean (cheaper than two laws by index).
    poisson_exact_dark_frame_e: float = 64.0

    @property
    def conv_gain_dn_per_e(self) -> float:
        """Base conversion gain: full well maps to full ADC scale."""
        return (2 ** self.adc_bits - 1) / self.full_well_e


@dataclass(frozen=True)
class Exposure:
    """Exposure settings of a capture relative to the clip's metered exposure.

    ev: light reaching the sensor, stops (negative = fewer photons); analog_gain multiplies DN per
    electron before the ADC; digital_gain multiplies after it (amplifies quantisation too)."""

    ev: float = 0.0
    analog_gain: float = 1.0
    digital_gain: float = 1.0

    @staticmethod
    def for_low_light(ev: float, gain_up: bool, max_analog_gain: float) -> "Exposure":
        """Light reduced by `ev` (< 0) stops; with gain_up, auto-exposure restores the brightness,
        with analog gain up to `max_analog_gain` and digital gain for the rest."""
        if not gain_up or ev >= 0:
            return Exposure(ev=ev)
        total = 2.0 ** (-ev)
        analog = min(total, max_analog_gain)
        return Exposure(ev=ev, analog_gain=analog, digital_gain=total / analog)


def expected_electrons(exposed: np.ndarray, sensor: SensorParams, exp: Exposure) -> np.ndarray:
    """Mean photoelectrons per pixel for exposed linear values (1.0 = full well at ev 0)."""
    return np.maximum(exposed, 0.0) * np.float32(sensor.full_well_e * 2.0 ** exp.ev)


def capture_dn(exposed: np.ndarray, sensor: SensorParams, exp: Exposure, rng: np.random.Generator) -> np.ndarray:
    """Noisy raw capture. exposed: (...,) float linear (1.0 = full well at ev 0) -> DN float32 (integers).

    electrons = Poisson(lambda) + N(0, read^2) (exact Poisson for lambda below the switch, a Gaussian
    with the same mean and variance above; table samplers, see simgen.degradations.noise), clipped to
    [0, full well]; DN = round(g*G*e) clipped to the ADC range. Mean g*G*lambda, variance
    (g*G)^2 (lambda + read^2) + 1/12 (away from the clips)."""
    return _capture_dn_u16(exposed, sensor, exp, rng).astype(np.float32)


def _capture_dn_u16(exposed, sensor: SensorParams, exp: Exposure, rng: np.random.Generator,
                    exposure_scale: float = 1.0, dtype=np.uint16) -> np.ndarray:
    from simgen.degradations.noise import sample_dn

    return sample_dn(exposed, exposure_scale * sensor.full_well_e * 2.0 ** exp.ev, sensor.read_noise_e,
                     sensor.conv_gain_dn_per_e * exp.analog_gain, sensor.full_well_e, 2 ** sensor.adc_bits - 1,
                     sensor.poisson_exact_below_e, rng, dtype=dtype,
                     dark_exact_below=sensor.poisson_exact_dark_frame_e)


def capture_srgb8(linear: np.ndarray, sensor: SensorParams, exp: Exposure, rng: np.random.Generator,
                  exposure_scale: float = 1.0) -> np.ndarray:
    """encode_srgb8(capture_linear(linear * exposure_scale, ...)) in one pass: the exposure scale is
    folded into the electron count and DN maps to sRGB8 through one lookup table (2^bits entries)."""
    dn = _capture_dn_u16(linear, sensor, exp, rng, exposure_scale, dtype=np.intp)
    levels = np.arange(2 ** sensor.adc_bits, dtype=np.float32)
    return encode_srgb8(dn_to_linear(levels, sensor, exp)).take(dn, mode="clip")   # dn in [0, 2^bits)


def dn_to_linear(dn: np.ndarray, sensor: SensorParams, exp: Exposure) -> np.ndarray:
    """Raw DN -> developed linear (1.0 = white) after digital gain. Without gain-up, a -k EV capture
    stays 2^-k darker; with gain-up the mean equals the clean exposed value."""
    return dn * np.float32(exp.digital_gain / (sensor.conv_gain_dn_per_e * sensor.full_well_e))


def capture_linear(exposed: np.ndarray, sensor: SensorParams, exp: Exposure, rng: np.random.Generator) -> np.ndarray:
    """capture_dn followed by dn_to_linear: the sensor stage of the degraded camera."""
    return dn_to_linear(capture_dn(exposed, sensor, exp, rng), sensor, exp)


def predicted_dn_moments(exposed: np.ndarray, sensor: SensorParams, exp: Exposure) -> tuple[np.ndarray, np.ndarray]:
    """(mean, variance) of capture_dn for unclipped pixels: the photon-transfer line."""
    lam = expected_electrons(np.asarray(exposed, dtype=np.float64), sensor, exp)
    g = sensor.conv_gain_dn_per_e * exp.analog_gain
    return g * lam, g * g * (lam + sensor.read_noise_e ** 2) + 1.0 / 12.0
