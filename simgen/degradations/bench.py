"""Throughput of the per-frame (post-render) effects on one core, for `simgen bench`."""

from __future__ import annotations

import time

import numpy as np

from simgen.core.transforms import intrinsics_from_hfov

POST_RENDER = ("clean", "fog", "defocus", "lens_distortion", "vignetting", "droplets", "low_resolution",
               "overexposure", "low_light", "sensor_noise", "jpeg", "frame_drop")


def bench_effects(width: int = 640, height: int = 480, n_frames: int = 20, level: int = 3,
                  effects: tuple[str, ...] = POST_RENDER, measure_quality: bool = False,
                  exact_poisson: bool = True) -> dict:
    """Time Degrader.process per effect at `level` on a synthetic room frame (the frame is rendered once;
    rendering is not timed). Includes exposure and the sRGB encode; excludes PSNR/SSIM unless
    measure_quality. Returns {"width", "height", "level", "n_frames", "effects": {name: {"ms_per_frame",
    "fps"}}}. frame_drop times the delivered frames only. exact_poisson=False times the all-Gaussian
    shot-noise variant (SensorParams(poisson_exact_below_e=0))."""
    from simgen.degradations import Degrader, parse_degrade
    from simgen.degradations.camera import SensorParams
    from simgen.degradations.synthetic import BoxRoom

    K = intrinsics_from_hfov(width, height, 70.0)
    room = BoxRoom(K, width, height)
    rgb, depth, inst = room.render(room.default_pose())
    out = {"width": width, "height": height, "level": level, "n_frames": n_frames,
           "exact_poisson": exact_poisson, "effects": {}}
    for name in effects:
        spec = parse_degrade("clean" if name == "clean" else f"{name}:{level}")
        sensor = SensorParams() if exact_poisson else SensorParams(poisson_exact_below_e=0.0)
        dg = Degrader(spec, K, width, height, 30.0, np.random.default_rng(0), measure=measure_quality,
                      sensor=sensor)
        dg.process(0, 0.0, rgb, depth, inst)          # warm-up (and auto exposure)
        t0 = time.perf_counter()
        n = 0
        for i in range(1, n_frames + 1):
            if dg.process(i, i / 30.0, rgb, depth, inst) is not None:
                n += 1
        dt = (time.perf_counter() - t0) / max(n, 1)
        out["effects"][name] = {"ms_per_frame": round(dt * 1e3, 2), "fps": round(1.0 / dt, 1) if dt > 0 else None}
    return out
