"""`simgen bench`: measured speed of the pipeline on this machine.

Runs whole scenes in-process (layout, camera, render, annotate, write) for several seeds and reports
the median seconds per scene and per stage, next to a baseline measured in the same run: the
milliseconds per frame of a fixed reference scene (30 boxes, 5 point lights) rendered at the same
resolution. Ratios against that baseline stay comparable when the machine is noisy.
"""

from __future__ import annotations

import os
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
            row["bare_render_s"] = _bare_render_loop(d, r)
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
        "bare_render_s_median": statistics.median(r["bare_render_s"] for r in rows),
        "pipeline_over_bare": statistics.median(r["total_s"] / r["bare_render_s"] for r in rows),
    }


def _bare_render_loop(scene_dir: Path, gl) -> float:
    """Seconds to re-render the scene's frames (rgb + depth + instance, nothing else) with the scene
    still loaded: the physical limit of the pipeline on this machine."""
    import json

    cam = json.loads((scene_dir / "camera.json").read_text())
    K = np.asarray(cam["K"])
    poses = [np.asarray(f["cam_to_world"]) for f in cam["frames"]]
    t0 = time.perf_counter()
    for pose in poses:
        gl.main.render(K, pose)
    return time.perf_counter() - t0


def bench_throughput(run, n_scenes: int, workers_list=(1, 2), progress: bool = True,
                     one_core: bool = True, reference: bool = True) -> dict:
    """Wall time of a whole `simgen render` batch (layout to manifest) at each worker count, same scenes.

    A single worker is not single-threaded: llvmpipe's rasterizer threads (one per usable core), the
    frame-writer thread and the ffmpeg encoder use the other cores too. With `one_core`, the batch is
    also run by 1 worker confined to one core (CPU affinity, inherited by its processes), which
    measures how throughput scales with cores: the 2-worker time against that one. With `reference`, the
    same run also measures how a fixed render loop and a pure-Python loop scale from 1 to 2 processes on
    this machine (reference_scaling): the ceiling the batch scaling is to be read against.
    """
    import dataclasses

    from simgen.executors import run_batch
    from simgen.executors.local import LocalExecutor

    run = dataclasses.replace(run, n=n_scenes)
    out = {"n_scenes": n_scenes, "by_workers": {}}
    cases = [(w, None) for w in workers_list]
    allowed = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if one_core and len(allowed) > 1:
        cases.insert(0, ("1 (one core)", {allowed[0]}))
    with tempfile.TemporaryDirectory(prefix="simgen-bench-") as tmp:
        for k, (label, cores) in enumerate(cases):
            w = 1 if cores else int(label)
            d = Path(tmp) / f"case{k}"
            if cores:
                os.sched_setaffinity(0, cores)
            try:
                t0 = time.perf_counter()
                res = run_batch(run, d, LocalExecutor(w, None), progress=progress, executor_name=f"local x{w}")
                wall = time.perf_counter() - t0
            finally:
                if cores:
                    os.sched_setaffinity(0, allowed)
            frames = sum(_manifest_frames(d))
            out["by_workers"][label] = {"wall_s": wall, "done": res.done, "failed": res.failed,
                                        "scenes_per_hour": 3600 * res.done / wall, "frames_per_s": frames / wall}
    if reference:
        out["reference_scaling"] = reference_scaling(run.camera.width, run.camera.height)
    base = out["by_workers"][workers_list[0]]["wall_s"]
    out["speedup"] = {w: base / v["wall_s"] for w, v in out["by_workers"].items()}
    if "1 (one core)" in out["by_workers"]:
        one = out["by_workers"]["1 (one core)"]["wall_s"]
        out["speedup_over_one_core"] = {w: one / v["wall_s"] for w, v in out["by_workers"].items()}
    return out


_SCALING_PROBE = """
import json, os, sys, time
args = json.loads(sys.argv[1])
os.environ["LP_NUM_THREADS"] = str(args["lp_threads"])
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
from simgen.bench import reference_render_ms, _python_kernel
reference_render_ms(args["w"], args["h"], frames=2)            # warm: imports, EGL, shaders
time.sleep(max(0.0, args["start_at"] - time.time()))
t0 = time.time()
if args["kind"] == "render":
    reference_render_ms(args["w"], args["h"], frames=args["frames"])
else:
    _python_kernel(args["frames"])
print(json.dumps({"start": t0, "end": time.time()}))
"""


def _python_kernel(n: int) -> int:
    """A fixed amount of pure-interpreter work (no memory traffic): n x 200 000 loop steps."""
    acc = 0
    for _ in range(n):
        for i in range(200_000):
            acc = (acc + i * i) % 1_000_003
    return acc


def reference_scaling(width: int, height: int, frames: int = 150, kernel_n: int = 40, lead_s: float = 6.0) -> dict:
    """How much faster this machine does 2 copies of a fixed job at once than 1: the physical limit of
    2-worker scaling, measured in the same run as the batches.

    Two jobs, each run as 1 process alone and as 2 processes at once (started together after a warm-up):
    `render`, the 30-box reference scene rendered `frames` times (llvmpipe threads divided among the
    processes, as the local executor does), and `python`, a pure-interpreter loop with no memory traffic
    (two vCPUs that are hyperthreads of one physical core show up here). Scaling = (2 x work / wall of
    the pair) / (work / wall alone); 2.0 is perfect. The processes start `lead_s` (+ 2 s per process) after
    they are launched, so that imports and the EGL context are ready in each."""
    import json
    import subprocess
    import sys

    from simgen.core.settings import usable_cores

    cores = usable_cores()
    out = {}
    for kind, n in (("render", frames), ("python", kernel_n)):
        walls = {}
        for procs in (1, 2):
            start_at = time.time() + lead_s + 2.0 * procs   # every process warm before it starts
            args = [{"kind": kind, "frames": n, "w": width, "h": height, "start_at": start_at,
                     "lp_threads": max(1, cores // procs)} for _ in range(procs)]
            ps = [subprocess.Popen([sys.executable, "-c", _SCALING_PROBE, json.dumps(a)], stdout=subprocess.PIPE,
                                   text=True) for a in args]
            res = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in ps]
            if any(p.returncode for p in ps):
                raise RuntimeError(f"scaling probe failed ({kind}, {procs} processes)")
            walls[procs] = max(r["end"] for r in res) - min(r["start"] for r in res)
        out[kind] = {"wall_1_s": walls[1], "wall_2_s": walls[2], "scaling": 2.0 * walls[1] / walls[2]}
    return out


def _manifest_frames(out: Path) -> list[int]:
    from simgen.io.jsonio import read_jsonl

    return [int(r["n_frames"]) for r in read_jsonl(out / "manifest.jsonl")]


_MEMORY_PROBE = """
import json, resource, sys, tempfile, pathlib
from simgen.core.settings import build_run_config
from simgen.core.rng import scene_seed
from simgen.pipeline import Renderers, run_scene
args = json.loads(sys.argv[1])
run = build_run_config(scene=args["scene"], camera=args["camera"], seed=args["seed"], n=1,
                       sets=args["sets"], camera_overrides=args["camera_overrides"])
with tempfile.TemporaryDirectory() as d, Renderers(run.camera.width, run.camera.height) as gl:
    run_scene(run, "000000", scene_seed(run.seed, 0), pathlib.Path(d), gl)
print(json.dumps({"max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def bench_memory(scene: str, camera: str, seed: int, sets: list[str], camera_overrides: dict,
                 frames_list=(64, 512)) -> dict:
    """Peak resident memory of one worker process rendering one scene at each frame count."""
    import json
    import subprocess
    import sys

    out = {}
    for n in frames_list:
        args = {"scene": scene, "camera": camera, "seed": seed, "sets": list(sets),
                "camera_overrides": {**camera_overrides, "frames": n}}
        p = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, json.dumps(args)], capture_output=True,
                           text=True, check=True)
        out[n] = json.loads(p.stdout.strip().splitlines()[-1])["max_rss_mb"]
    return {"max_rss_mb_by_frames": out}


def format_report(res: dict, base_ms: float, args_line: str) -> str:
    lines = [f"command: {args_line}",
             f"baseline (30-box reference scene, rgb+depth+instance): {base_ms:.1f} ms/frame",
             f"scenes: {res['repeats']}, frames {res['frames']}, objects {res['objects']}, "
             f"coverage {res['coverage']}",
             f"seconds per scene (median): {res['scene_s_median']:.2f}  (all: {res['scene_s_all']})",
             f"  = {1000 * res['scene_s_median'] / base_ms:.0f} baseline frames",
             "stage medians (s): " + ", ".join(f"{k} {v:.2f}" for k, v in res["stage_s_median"].items()),
             f"bare render loop over the same frames (median): {res['bare_render_s_median']:.2f} s; "
             f"pipeline / bare = {res['pipeline_over_bare']:.2f}x"]
    return "\n".join(lines)


def format_throughput(res: dict) -> str:
    lines = [f"throughput over {res['n_scenes']} scenes (whole batch: layout to manifest):"]
    over_one = res.get("speedup_over_one_core", {})
    for w, v in res["by_workers"].items():
        lines.append(f"  workers {w}: {v['wall_s']:.1f} s wall, {v['scenes_per_hour']:.0f} scenes/h, "
                     f"{v['frames_per_s']:.2f} frames/s, speedup {res['speedup'][w]:.2f}x over 1 worker"
                     + (f", {over_one[w]:.2f}x over 1 worker on one core" if w in over_one else "")
                     + (f", {v['failed']} failed" if v["failed"] else ""))
    for kind, v in res.get("reference_scaling", {}).items():
        what = "30-box reference render loop" if kind == "render" else "pure-Python loop"
        lines.append(f"  machine reference, {what}: 1 process {v['wall_1_s']:.1f} s, 2 at once {v['wall_2_s']:.1f} s "
                     f"-> 2 processes do {v['scaling']:.2f}x the work of 1")
    return "\n".join(lines)
