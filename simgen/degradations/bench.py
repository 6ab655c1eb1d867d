"""Throughput of the per-frame (post-render) effects on one core, for `simgen bench` and the docs table.

`python -m simgen.degradations.bench [--levels 1,3,5] [--repeats 7] [--frames 8]` prints a Markdown table.
Pin it to one core and one BLAS thread for figures comparable with the docs:
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 taskset -c 1 python -m simgen.degradations.bench
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from simgen.core.transforms import intrinsics_from_hfov

POST_RENDER = ("clean", "fog", "defocus", "lens_distortion", "vignetting", "droplets", "low_resolution",
               "overexposure", "low_light", "sensor_noise", "jpeg", "frame_drop")


def reference_develop(rgb_linear: np.ndarray, exposure: float, lut: np.ndarray) -> np.ndarray:
    """The fixed yardstick of the ratios: the clean develop as first written (exposure, clip, 16-bit
    index, sRGB lookup). Frozen here on purpose, so the ratios stay comparable when the camera gets faster."""
    x = np.asarray(rgb_linear, dtype=np.float32) * np.float32(exposure)
    x = np.multiply(x, np.float32(65535), dtype=np.float32)
    np.clip(x, 0.0, np.float32(65535), out=x)
    x += np.float32(0.5)
    return lut[x.astype(np.uint16)]


def bench_effects(width: int = 640, height: int = 480, n_frames: int = 8, level: int = 3,
                  effects: tuple[str, ...] = POST_RENDER, measure_quality: bool = False,
                  exact_poisson: bool = True, levels: tuple[int, ...] | None = None, repeats: int = 5,
                  exact_below_e: float | None = None) -> dict:
    """Time Degrader.process per effect and level on a synthetic room frame (rendered once, not timed).

    Each frame includes the clean develop the Degrader always makes (for the clean video and the quality
    figures), exposure, the effect and the sRGB encode; PSNR/SSIM are excluded unless measure_quality.
    The configurations are timed round-robin, `repeats` rounds of `n_frames` frames each, so load changes
    on a shared machine hit all of them alike; figures are medians over the rounds of the per-frame mean,
    as wall time and as this process's CPU time, and ratios of CPU time to two rows of the same run:
    "clean" (the Degrader with no effect: clean develop + the delivered frame's encode) and the fixed
    yardstick reference_develop (frozen code, timed in every round).
    Returns {"width", "height", "n_frames", "repeats", "exact_poisson", "reference_cpu_ms",
    "effects": {name: {level: {...}}}} with ms_per_frame, cpu_ms_per_frame, fps (from wall time),
    ratio_to_clean, ratio_to_reference. frame_drop times the delivered frames only. exact_poisson=False
    times the all-Gaussian shot noise; exact_below_e sets SensorParams.poisson_exact_below_e (None: the
    default, 16 e-; 64: exact wherever tabulated)."""
    from simgen.degradations.camera import _srgb_lut, meter_exposure
    from simgen.degradations import Degrader, parse_degrade
    from simgen.degradations.camera import SensorParams
    from simgen.degradations.synthetic import BoxRoom

    levels = (level,) if levels is None else tuple(levels)
    K = intrinsics_from_hfov(width, height, 70.0)
    room = BoxRoom(K, width, height)
    rgb, depth, inst = room.render(room.default_pose())
    if not exact_poisson:
        exact_below_e = 0.0
    sensor = SensorParams() if exact_below_e is None else SensorParams(
        poisson_exact_below_e=exact_below_e, poisson_exact_dark_frame_e=max(exact_below_e, 64.0 * exact_poisson))
    configs = []
    for name in effects:
        for lv in ((None,) if name == "clean" else levels):
            spec = parse_degrade("clean" if name == "clean" else f"{name}:{lv}")
            dg = Degrader(spec, K, width, height, 30.0, np.random.default_rng(0), measure=measure_quality,
                          sensor=sensor)
            dg.process(0, 0.0, rgb, depth, inst)          # warm-up (tables, caches, auto exposure)
            configs.append((name, lv, dg, [], []))
    frame = 1
    lut, k = _srgb_lut(), meter_exposure(rgb)
    ref = []
    for _ in range(repeats):
        c0 = time.process_time()
        for _ in range(n_frames):
            reference_develop(rgb, k, lut)
        ref.append((time.process_time() - c0) / n_frames)
        for name, lv, dg, walls, cpus in configs:
            n = 0
            w0, c0 = time.perf_counter(), time.process_time()
            for _ in range(n_frames):
                if dg.process(frame, frame / 30.0, rgb, depth, inst) is not None:
                    n += 1
                frame += 1
            walls.append((time.perf_counter() - w0) / max(n, 1))
            cpus.append((time.process_time() - c0) / max(n, 1))
    clean_cpu = float(np.median(configs[0][4])) if configs[0][0] == "clean" else None
    ref_cpu = float(np.median(ref))
    out = {"width": width, "height": height, "n_frames": n_frames, "repeats": repeats,
           "exact_poisson": exact_poisson, "poisson_exact_below_e": sensor.poisson_exact_below_e,
           "reference_cpu_ms": round(ref_cpu * 1e3, 2), "effects": {}}
    for name, lv, dg, walls, cpus in configs:
        wall, cpu = float(np.median(walls)), float(np.median(cpus))
        out["effects"].setdefault(name, {})["all" if lv is None else lv] = {
            "ms_per_frame": round(wall * 1e3, 2), "cpu_ms_per_frame": round(cpu * 1e3, 2),
            "fps": round(1.0 / wall, 1) if wall > 0 else None,
            "ratio_to_clean": round(cpu / clean_cpu, 2) if clean_cpu else None,
            "ratio_to_reference": round(cpu / ref_cpu, 2)}
    return out


def markdown_table(result: dict) -> str:
    """The docs table: one row per effect; per level, CPU ms and (in brackets) the ratio to the fixed
    reference develop of the same run."""
    lv_all = sorted({lv for d in result["effects"].values() for lv in d if lv != "all"})
    lines = [f"reference develop: {result['reference_cpu_ms']:.2f} CPU ms per frame", "",
             "| effect | " + " | ".join(f"L{lv}: CPU ms (x ref)" for lv in lv_all) + " | L3 wall fps |",
             "|---" * (len(lv_all) + 2) + "|"]
    for name, per in result["effects"].items():
        cells = []
        for lv in lv_all:
            r = per.get(lv, per.get("all"))
            cells.append(f"{r['cpu_ms_per_frame']:.1f} ({r['ratio_to_reference']:.2f})" if r else "")
        r3 = per.get(3, per.get("all"))
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {r3['fps'] if r3 else ''} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", default="1,3,5")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--frames", type=int, default=6)
    ap.add_argument("--effects", default=",".join(POST_RENDER))
    ap.add_argument("--gaussian", action="store_true", help="all-Gaussian shot noise")
    ap.add_argument("--tune-malloc", action="store_true",
                    help="keep large freed blocks in the heap first (simgen.degradations.alloc.tune_malloc)")
    ap.add_argument("--exact-below", type=float, default=None,
                    help="exact Poisson below this many electrons (default: SensorParams, 16; max 64)")
    a = ap.parse_args(argv)
    if a.tune_malloc:
        from simgen.degradations.alloc import tune_malloc

        if not tune_malloc():
            raise SystemExit("--tune-malloc: glibc mallopt is not available here")
    res = bench_effects(n_frames=a.frames, effects=tuple(a.effects.split(",")),
                        levels=tuple(int(x) for x in a.levels.split(",")), repeats=a.repeats,
                        exact_poisson=not a.gaussian, exact_below_e=a.exact_below)
    print(markdown_table(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
