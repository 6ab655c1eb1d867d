"""The per-clip degradation stage: streams linear frames through the physical chain, frame by frame.

Order (physical): sub-frame integration (motion blur, rolling shutter) -> fog -> defocus -> lens
distortion -> vignetting -> lens drops/dirt -> exposure -> sensor area (low resolution) -> sensor
(photoelectrons, noise, ADC, gain) -> resampling to the delivered size -> ISP (sRGB) -> JPEG ->
[video codec, in VideoEncoder] ; frame drops decide first which frames are delivered at all.

Random parameters are drawn once, in the constructor, from the `rng` given (the scene's "degradation"
stream); per-frame noise comes from a generator seeded by (a clip seed drawn there, frame index), so a
frame's output does not depend on which other frames were processed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simgen.core.errors import ConfigError
from simgen.degradations import camera as cam
from simgen.degradations.metrics import QualityAccumulator, frame_quality
from simgen.degradations.optics import (Resampler, apply_fog, beta_from_visibility, pupil_ratio_for_corner,
                                        ray_factor, vignetting_map)
from simgen.degradations.spec import EFFECTS, PARAMS, SENSOR_EFFECTS, SUBFRAME_EFFECTS, DegradationSpec

RECORD_SCHEMA = 1
CLEAN_VIDEO = {"codec": "libx264", "crf": 18, "preset": "medium"}


@dataclass(frozen=True)
class DeliveredFrame:
    """One delivered frame. rgb8 (H, W, 3) uint8 sRGB (before the video codec); depth_m (H, W) float32
    z-depth and instance (H, W) uint16 aligned with rgb8 (warped when lens distortion is on);
    clean_rgb8 the clean develop of the same frame (undistorted); quality against it."""

    index: int
    timestamp_s: float
    rgb8: np.ndarray
    depth_m: np.ndarray
    instance: np.ndarray
    clean_rgb8: np.ndarray
    quality: dict


class Degrader:
    """Degrades one clip. See module docstring. `process` must be called in frame order."""

    def __init__(self, spec: DegradationSpec, K: np.ndarray, width: int, height: int, fps: float,
                 rng: np.random.Generator, pose_at=None, render_linear=None, *, exposure: float | None = None,
                 sensor: cam.SensorParams = cam.SensorParams(), ssim_every: int = 1, measure: bool = True,
                 render_linear_at=None, moving_points_at=None):
        """pose_at(t_s) -> (4, 4) cam_to_world (OpenCV) and render_linear(pose) -> (H, W, 3) float32 linear
        serve the sub-frame effects (motion blur, rolling shutter). For moving objects give
        render_linear_at(pose, t_s) instead (objects posed at the sub-frame time t_s, absolute seconds),
        and optionally moving_points_at(t_s) -> (n, 3) world points on the moving objects (box corners)
        so the number of sub-frames follows their image speed too; see simgen.degradations.temporal."""
        self.spec = spec
        self.K = np.asarray(K, dtype=np.float64)
        self.width, self.height, self.fps = int(width), int(height), float(fps)
        self.sensor = sensor
        self.ssim_every = int(ssim_every)
        self.measure = bool(measure)
        self.exposure = exposure
        self.exposure_mode = "given" if exposure is not None else "auto: log-average of frame 0 -> 0.18"
        chosen = list(spec.effects)
        self.drawn = []
        for group in spec.one_of:
            pick = group[int(rng.integers(len(group)))]
            chosen.append(pick)
            self.drawn.append(pick.name)
        by_name = {e.name: e for e in chosen}
        if len(by_name) != len(chosen):
            raise ConfigError(f"--degrade {spec.source!r}: an effect is selected twice after drawing presets")
        self.params: dict[str, dict] = {}
        for name in EFFECTS:  # canonical order: the draws do not depend on how the spec was written
            if name in by_name:
                self.params[name] = by_name[name].resolve(rng)
        self._noise_seed = int(rng.integers(0, 2 ** 63 - 1))
        self.derived: dict[str, dict] = {}
        self._render_at, self._moving_points_at = render_linear_at, moving_points_at
        self._build(rng, pose_at, render_linear)
        self._quality = QualityAccumulator()
        self.per_frame: list[dict] = []
        self.n_in = 0
        self.dropped: list[int] = []
        self.last_record: dict | None = None   # set by stream.degrade_stream when a clip is finished

    # ---------------------------------------------------------------- construction
    def _build(self, rng, pose_at, render_linear):
        p, W, H, K = self.params, self.width, self.height, self.K
        self._integrator = None
        if any(n in p for n in SUBFRAME_EFFECTS):
            if pose_at is None or (render_linear is None and self._render_at is None):
                raise ConfigError(f"{', '.join(n for n in SUBFRAME_EFFECTS if n in p)} needs the renderer "
                                  "(pose_at and render_linear or render_linear_at); re-degrading saved frames "
                                  "allows only per-frame effects")
            from simgen.degradations.temporal import SubframeIntegrator

            mb, rs = p.get("motion_blur", {}), p.get("rolling_shutter", {})
            self._integrator = SubframeIntegrator(
                K, W, H, pose_at, render_linear, shutter_s=mb.get("shutter_ms", 0.0) / 1000.0,
                readout_s=rs.get("readout_ms", 0.0) / 1000.0, px_per_subframe=mb.get("px_per_subframe", 1.0),
                max_subframes=max(mb.get("max_subframes", 0), rs.get("max_bands", 0)),
                render_linear_at=self._render_at, moving_points_at=self._moving_points_at)
        if "fog" in p:
            self._ray = ray_factor(K, W, H)
            self._beta = beta_from_visibility(p["fog"]["visibility_m"])
            self.derived["fog"] = {"beta_per_m": self._beta, "transmission_at_4m": math.exp(-4 * self._beta)}
        self._warp = None
        if "lens_distortion" in p:
            from simgen.degradations.distortion import DistortionWarp, LensDistortion

            d = p["lens_distortion"]
            lens = LensDistortion(d["model"], d["k1"], d["k2"], d["k3"], d["k4"], d["p1"], d["p2"])
            try:
                self._warp = DistortionWarp(lens, K, W, H)
            except ValueError as e:
                raise ConfigError(f"lens_distortion {lens.coefficients()}: {e}") from None
            self.derived["lens_distortion"] = self._warp.record()
        Kd = self.delivered_intrinsics()
        if "vignetting" in p:
            v = p["vignetting"]
            ratio = pupil_ratio_for_corner(Kd, W, H, v["corner_ratio"])
            self._vig = vignetting_map(Kd, W, H, ratio, v["poly_a2"], v["poly_a4"])[..., None]
            self.derived["vignetting"] = {"pupil_ratio_f_over_dexit": ratio,
                                          "corner_falloff": float(self._vig[0, 0, 0])}
        self._drops = None
        if "droplets" in p:
            from simgen.degradations.droplets import LensDrops

            d = p["droplets"]
            self._drops = LensDrops(W, H, rng, coverage=d["coverage"], radius_px=d["radius_px"],
                                    magnification=d["magnification"], blur_px=d["blur_px"], dirt=d["dirt"])
            self.derived["droplets"] = self._drops.record()
            r = d["radius_px"]
            p["droplets"]["radius_px"] = {"low": r.low, "high": r.high} if hasattr(r, "low") else float(r)
        self._res = None
        if "low_resolution" in p:
            lr = p["low_resolution"]
            self._res = Resampler(W, H, lr["scale"], lr["upsample"])
            self.derived["low_resolution"] = {"sensor_width": self._res.low_w, "sensor_height": self._res.low_h}
        self._exp = None
        if any(n in p for n in ("low_light", "overexposure", "sensor_noise")):
            ev = p.get("overexposure", {}).get("ev", 0.0)
            ll = p.get("low_light")
            iso = p.get("sensor_noise", {}).get("iso_gain", 1.0)
            ev += (ll["ev"] if ll else 0.0) - math.log2(iso)
            restore = (2.0 ** -ll["ev"] if (ll and ll["gain_up"]) else 1.0) * iso
            cap = max(ll["max_analog_gain"] if ll else 16.0, iso)
            analog = min(restore, cap)
            self._exp = cam.Exposure(ev=ev, analog_gain=analog, digital_gain=restore / analog)
            mid_e = cam.MID_GREY * self.sensor.full_well_e * 2 ** ev
            self.derived["sensor"] = {
                "ev_total": ev, "analog_gain": analog, "digital_gain": restore / analog,
                "mid_grey_electrons": mid_e,
                "mid_grey_snr": mid_e / math.sqrt(mid_e + self.sensor.read_noise_e ** 2)}
        self._kept_slot = None
        if "frame_drop" in p:
            fd = p["frame_drop"]
            fps_out = round(min(fd["fps"] if fd["fps"] > 0 else fd["keep_ratio"] * self.fps, self.fps), 6)
            self.derived["frame_drop"] = {"fps_in": self.fps, "fps_out": fps_out}

    # ---------------------------------------------------------------- public API
    def delivered_intrinsics(self) -> np.ndarray:
        """(3, 3) K of the delivered frames (pinhole part; see distortion())."""
        return self._warp.K_delivered.copy() if self._warp is not None else self.K.copy()

    def distortion(self) -> dict | None:
        """None, or {"model": "brown_conrady" | "kannala_brandt", "coefficients": {...}} (OpenCV names)."""
        if self._warp is None:
            return None
        return {"model": self._warp.lens.model, "coefficients": self._warp.lens.coefficients()}

    def map_points(self, uv: np.ndarray) -> np.ndarray:
        """(n, 2) pixel coords in the rendered (pinhole) frame -> delivered frame (identity if no lens)."""
        uv = np.asarray(uv, dtype=np.float64).reshape(-1, 2)
        return self._warp.distort_points(uv) if self._warp is not None else uv.copy()

    def map_boxes(self, boxes_xyxy: np.ndarray) -> np.ndarray:
        """(n, 4) boxes in the rendered frame -> delivered frame (identity if no lens distortion)."""
        b = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)
        return self._warp.map_boxes(b) if self._warp is not None else b.copy()

    def delivered_fps(self) -> float:
        return self.derived["frame_drop"]["fps_out"] if "frame_drop" in self.derived else self.fps

    def video_settings(self) -> dict:
        """Encoder settings for rgb.mp4: {"codec", "crf", "preset", "fps"} (x264 CRF 18 when clean)."""
        c = self.params.get("compression")
        s = dict(CLEAN_VIDEO) if c is None else {"codec": c["codec"], "crf": c["crf"], "preset": c["preset"]}
        s["fps"] = self.delivered_fps()
        return s

    def open_video(self, path, measure: bool = True):
        """A VideoEncoder for the delivered video with video_settings(); write(rgb8, clean_rgb8)."""
        from simgen.degradations.codec import VideoEncoder

        s = self.video_settings()
        return VideoEncoder(path, self.width, self.height, s["fps"], codec=s["codec"], crf=s["crf"],
                            preset=s["preset"], measure=measure)

    def is_delivered(self, t_s: float) -> bool:
        """Frame-rate drop: a frame is delivered iff it is the first one in its output slot
        [k / fps_out, (k + 1) / fps_out)."""
        if "frame_drop" not in self.derived:
            return True
        fo = self.derived["frame_drop"]["fps_out"]
        slot = math.floor(t_s * fo + 1e-6)
        prev = t_s - 1.0 / self.fps
        return prev < -1e-9 or math.floor(prev * fo + 1e-6) < slot

    def process(self, index: int, t_s: float, rgb_linear: np.ndarray, depth_m: np.ndarray,
                instance: np.ndarray) -> DeliveredFrame | None:
        """Degrade one frame. rgb_linear (H, W, 3) float32 linear radiance; depth_m (H, W) float32 z-depth
        (0 = none); instance (H, W) uint16. Returns None for a frame removed by frame_drop."""
        rgb_linear = np.asarray(rgb_linear, dtype=np.float32)
        if self.exposure is None:
            self.exposure = cam.meter_exposure(rgb_linear)
        self.n_in += 1
        if not self.is_delivered(t_s):
            self.dropped.append(int(index))
            return None
        k, p = float(self.exposure), self.params
        clean8 = cam.develop_clean(rgb_linear, k)
        info: dict = {"index": int(index)}
        img = rgb_linear
        if self._integrator is not None:
            img, sub = self._integrator.integrate(t_s, rgb_linear, depth_m)
            info.update({"subframes": sub["subframes"], "streak_px": round(sub["streak_px"], 3),
                         "skew_px": round(sub["skew_px"], 3)})
        if "fog" in p:
            air = np.full(3, p["fog"]["airlight"] / k, np.float32)
            img = apply_fog(img, depth_m, self._ray, self._beta, air)
        if "defocus" in p:
            from simgen.degradations.defocus import apply_defocus

            d = p["defocus"]
            img = apply_defocus(img, depth_m, d["aperture_mm"] / 1000.0, d["focus_m"], float(self.K[0, 0]),
                                d["max_layers"])
        if self._warp is not None:
            img = self._warp.warp_image(img)
            depth_m = self._warp.warp_nearest(depth_m)
            instance = self._warp.warp_nearest(instance)
        if "vignetting" in p:
            img = img * self._vig
        if self._drops is not None:
            img = self._drops.apply(img)
        if self._exp is not None and self._res is None:   # exposure, sensor and sRGB in one pass
            frame_rng = np.random.default_rng([self._noise_seed, int(index)])
            rgb8 = cam.capture_srgb8(img, self.sensor, self._exp, frame_rng, exposure_scale=k)
        else:
            img = img * np.float32(k)
            if self._res is not None:
                img = self._res.down(img)
            if self._exp is not None:
                frame_rng = np.random.default_rng([self._noise_seed, int(index)])
                img = cam.capture_linear(img, self.sensor, self._exp, frame_rng)
            if self._res is not None:
                img = self._res.up(img)
            rgb8 = cam.encode_srgb8(img)
        if "jpeg" in p:
            from simgen.degradations.codec import jpeg_roundtrip

            rgb8 = jpeg_roundtrip(rgb8, p["jpeg"]["quality"])
        n_deliv = len(self.per_frame)
        q = {}
        if self.measure:
            q = frame_quality(rgb8, clean8, with_ssim=self.ssim_every > 0 and n_deliv % self.ssim_every == 0)
            self._quality.add(q)
        info.update({k2: round(v, 4) for k2, v in q.items()})
        self.per_frame.append(info)
        return DeliveredFrame(int(index), float(t_s), rgb8, np.asarray(depth_m, np.float32),
                              np.asarray(instance), clean8, q)

    def record(self, codec_report: dict | None = None) -> dict:
        """The JSON-serializable degradation record (write it as degradation.json)."""
        effects = []
        for name, prm in self.params.items():
            units = {k: PARAMS[name][k][2] for k in prm if k in PARAMS[name]}
            effects.append({"name": name, "level": prm.get("level"),
                            "params": {k: v for k, v in prm.items() if k != "level"},
                            "units": units,
                            "derived": self.derived.get("sensor" if name in SENSOR_EFFECTS else name, {})})
        Kd = self.delivered_intrinsics()
        rec = {
            "schema": RECORD_SCHEMA, "spec": self.spec.source, "clean": not self.params,
            "drawn_from_presets": self.drawn, "order": list(self.params), "effects": effects,
            "noise_seed": self._noise_seed,
            "camera": {"exposure_scale": self.exposure, "exposure_mode": self.exposure_mode,
                       "sensor": {"full_well_e": self.sensor.full_well_e, "read_noise_e": self.sensor.read_noise_e,
                                  "adc_bits": self.sensor.adc_bits,
                                  "conv_gain_dn_per_e": self.sensor.conv_gain_dn_per_e,
                                  "poisson_exact_below_e": self.sensor.poisson_exact_below_e,
                                  "poisson_exact_dark_frame_e": self.sensor.poisson_exact_dark_frame_e,
                                  "simulated": self._exp is not None},
                       "isp": "sRGB OETF (IEC 61966-2-1), clip at 1, 8 bit"},
            "delivered": {"width": self.width, "height": self.height, "fps": self.delivered_fps(),
                          "K": Kd.tolist(), "distortion": self.distortion()},
            "frames": {"n_in": self.n_in, "n_delivered": len(self.per_frame), "dropped": self.dropped},
            "quality_vs_clean": self._quality.summary(),
            "per_frame": self.per_frame,
            "video": self.video_settings(),
        }
        if "sensor" in self.derived:
            rec["camera"]["sensor"]["capture"] = self.derived["sensor"]
        if codec_report is not None:
            rec["video"]["report"] = codec_report
        return _jsonable(rec)


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return x
