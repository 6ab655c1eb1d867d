"""`simgen bench`: measured speed of the pipeline on this machine.

Runs whole scenes in-process (layout, camera, render, annotate, write) for several seeds and reports
the median seconds per scene and per stage, next to a baseline measured in the same run: the
milliseconds per frame of a fixed reference scene (30 boxes, 5 point lights) rendered at the same
resolution. Ratios against that baseline stay comparable when the machine is noisy.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def reference_render_ms(width: int, height: int, frames: int = 20) -> float:
    """Median ms per frame (rgb + depth + instance) of a fixed 30-box scene."""
    import trimesh

    from simgen.core.color import palette_linear
    from simgen.core.transforms import intrinsics_from_hfov, look_at_cv
    from simgen.core.types import Material
    from simgen.render import Light, Renderer, RenderItem

    rng = np.random.default_rng(0)
    items = []
    for i in range(30):
        m = trimesh.creation.box(rng.uniform(0.2, 0.8, 3))
        pose = np.eye(4)
        pose[:3, 3] = [rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(0, 1)]
        items.append(RenderItem(instance_id=i + 1, name=f"box_{i}", mesh=m, pose=pose,
                                material=Material(name="paint", color_name="red", base_color=palette_linear("red"))))
    lights = [Light(kind="point", position=(float(x), float(y), 2.5), direction=(0, 0, -1), color=(1, 1, 1),
                    intensity=20.0) for x, y in rng.uniform(-3, 3, (5, 2))]
    K = intrinsics_from_hfov(width, height, 70.0)
    times = []
    with Renderer(width, height) as r:
        r.load(items, lights)
        for k in range(frames + 2):
            a = 2 * np.pi * k / frames
            pose = look_at_cv([5 * np.cos(a), 5 * np.sin(a), 1.6], [0, 0, 0.5])
            t0 = time.perf_counter()
            r.render(K, pose)
            if k >= 2:                       # the first frames compile shaders
                times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def bench_scenes(run, repeats: int = 3, progress: bool = True) -> dict:
    """Median seconds per scene and per stage over `repeats` scenes of `run`."""
    from tqdm import tqdm

    from simgen.core.rng import scene_seed
    from simgen.pipeline import Renderers, run_scene

    rows = []
    with tempfile.TemporaryDirectory(prefix="simgen-bench-") as tmp, \
            Renderers(run.camera.width, run.camera.height) as r:
        for i in tqdm(range(repeats), desc="simgen bench", unit="scene", disable=not progress):
            d = Path(tmp) / f"{i:06d}"
            d.mkdir()
            t0 = time.perf_counter()
            row = run_scene(run, f"{i:06d}", scene_seed(run.seed, i), d, r)
            row["total_s"] = time.perf_counter() - t0
            rows.append(row)
    stages = sorted({k for row in rows for k in row["timings_s"]})
    return {
        "repeats": repeats,
        "scene_s_median": statistics.median(r["total_s"] for r in rows),
        "scene_s_all": [round(r["total_s"], 3) for r in rows],
        "stage_s_median": {s: statistics.median(r["timings_s"].get(s, 0.0) for r in rows) for s in stages},
        "frames": [r["n_frames"] for r in rows],
        "objects": [r["n_objects"] for r in rows],
        "coverage": [round(r["coverage"], 3) for r in rows],
    }


def format_report(res: dict, base_ms: float, args_line: str) -> str:
    lines = [f"command: {args_line}",
             f"baseline (30-box reference scene, rgb+depth+instance): {base_ms:.1f} ms/frame",
             f"scenes: {res['repeats']}, frames {res['frames']}, objects {res['objects']}, "
             f"coverage {res['coverage']}",
             f"seconds per scene (median): {res['scene_s_median']:.2f}  (all: {res['scene_s_all']})",
             f"  = {1000 * res['scene_s_median'] / base_ms:.0f} baseline frames",
             "stage medians (s): " + ", ".join(f"{k} {v:.2f}" for k, v in res["stage_s_median"].items())]
    return "\n".join(lines)
