"""`simgen sweep SPEC.toml --out OUT`: stress tests that isolate one factor at a time.

A sweep is a grid (every combination) or a seeded random design over factors: any preset field
(`scene.objects_per_room`, `camera.hfov_deg`, ...), the scene preset (`complexity`), the camera preset
(`camera`) or the degradation (`degrade`). Every cell renders the same scene indices with the same run
seed, so cells that differ only in a camera or degradation factor share the layout and the walk, and
cells that differ in a scene knob share the floorplan draws: paired variants. Each cell is a normal
simgen output directory under OUT/cells/<cell>/ (resumable like any render); OUT/sweep.json lists
the cells and their factor values, and OUT/factors.jsonl has one line per scene per cell so that a
benchmark can report accuracy per factor.

Controls (evaluation baselines, made from the first cell's scenes) under OUT/controls/<kind>/:
`black_video` (same annotations, every frame black) and `shuffled_frames` (the frames of rgb.mp4 in a
seeded random order; the permutation is in control.json).

Spec:
    name = "fog_levels"
    design = "grid"            # or "random" with samples = N
    seed = 0                   # run seed shared by every cell
    scenes = 3                 # scenes per cell
    [base]                     # what every cell starts from (render options)
    complexity = "low"         # or scene = "my.toml"
    camera = "egocentric"
    frames = 32
    resolution = "320x240"
    degrade = "clean"
    set = ["scene.max_duplicates=3"]
    [[factors]]
    key = "degrade"            # degrade | complexity | camera | scene.<field> | camera.<field>
    values = ["clean", "fog:1", "fog:3", "fog:5"]
    [controls]
    black_video = true
    shuffled_frames = true
"""

from __future__ import annotations

import itertools
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simgen.core.config import read_toml
from simgen.core.errors import ConfigError
from simgen.io.jsonio import dumps, read_jsonl, write_json

_TOP = ("name", "design", "seed", "scenes", "samples", "base", "factors", "controls")
_BASE = ("complexity", "scene", "camera", "frames", "fps", "resolution", "degrade", "set", "keep_clean")
_CONTROLS = ("black_video", "shuffled_frames")


@dataclass(frozen=True)
class Cell:
    id: str
    factors: dict


def _check(where: str, keys, allowed) -> None:
    bad = [k for k in keys if k not in allowed]
    if bad:
        raise ConfigError(f"{where}: unknown key {bad[0]!r}; allowed: {', '.join(allowed)}")


def load_spec(path: Path) -> dict:
    spec = read_toml(path, "sweep spec")
    _check(f"sweep spec {path}", spec, _TOP)
    _check(f"sweep spec {path} [base]", spec.get("base", {}), _BASE)
    _check(f"sweep spec {path} [controls]", spec.get("controls", {}), _CONTROLS)
    if spec.get("design", "grid") not in ("grid", "random"):
        raise ConfigError(f"sweep spec {path}: design must be 'grid' or 'random', got {spec.get('design')!r}")
    factors = spec.get("factors", [])
    if not factors:
        raise ConfigError(f"sweep spec {path}: give at least one [[factors]] table with key and values")
    for i, f in enumerate(factors):
        _check(f"sweep spec {path} factors[{i}]", f, ("key", "values", "name"))
        key = f.get("key", "")
        if not (key in ("degrade", "complexity", "camera") or key.startswith(("scene.", "camera."))):
            raise ConfigError(f"sweep spec {path} factors[{i}]: key must be degrade, complexity, camera, "
                              f"scene.<field> or camera.<field>, got {key!r}")
        if not isinstance(f.get("values"), list) or not f["values"]:
            raise ConfigError(f"sweep spec {path} factors[{i}]: values must be a non-empty list")
    for k in ("scenes", "seed", "samples"):
        if k in spec and (not isinstance(spec[k], int) or spec[k] < (1 if k != "seed" else 0)):
            raise ConfigError(f"sweep spec {path}: {k} must be a {'positive' if k != 'seed' else 'non-negative'} "
                              f"integer, got {spec[k]!r}")
    return spec


def cells_of(spec: dict) -> list[Cell]:
    """The design's cells, in a fixed order (grid: row-major over the factors as written)."""
    factors = spec["factors"]
    names = [f.get("name", f["key"]) for f in factors]
    combos = list(itertools.product(*[f["values"] for f in factors]))
    if spec.get("design", "grid") == "random":
        rng = np.random.default_rng(np.random.SeedSequence(int(spec.get("seed", 0)), spawn_key=(0x5EE9,)))
        k = min(int(spec.get("samples", len(combos))), len(combos))
        combos = [combos[i] for i in sorted(rng.choice(len(combos), size=k, replace=False))]
    cells = []
    for i, combo in enumerate(combos):
        label = ",".join(f"{n}={v}" for n, v in zip(names, combo))
        safe = "".join(c if c.isalnum() or c in "=-_.," else "_" for c in label)[:80]
        cells.append(Cell(id=f"c{i:03d}-{safe}", factors=dict(zip(names, combo))))
    return cells


def _cell_args(spec: dict, cell: Cell) -> list[str]:
    base = dict(spec.get("base", {}))
    sets = list(base.pop("set", []))
    for f, value in zip(spec["factors"], cell.factors.values()):
        key = f["key"]
        if key in ("degrade", "complexity", "camera"):
            base[key] = value
            if key == "complexity":
                base.pop("scene", None)
        else:
            sets.append(f"{key}={json.dumps(value)}")
    args = []
    for k in ("complexity", "scene", "camera", "frames", "fps", "resolution", "degrade"):
        if k in base:
            args += [f"--{k}", str(base[k])]
    if base.get("keep_clean"):
        args.append("--keep-clean")
    for s in sets:
        args += ["--set", s]
    return args + ["--n", str(spec.get("scenes", 1)), "--seed", str(spec.get("seed", 0))]


def run_sweep(spec_path: Path, out: Path, workers: int, quiet: bool) -> int:
    from simgen.cli import main as cli_main

    spec = load_spec(spec_path)
    cells = cells_of(spec)
    out = Path(out)
    (out / "cells").mkdir(parents=True, exist_ok=True)
    write_json(out / "sweep.json", {"spec": spec, "cells": [
        {"id": c.id, "factors": c.factors, "out": f"cells/{c.id}"} for c in cells]})
    worst = 0
    for c in cells:
        code = cli_main(["render", *_cell_args(spec, c), "--out", str(out / "cells" / c.id),
                         "--workers", str(workers), *(["--quiet"] if quiet else [])])
        if code == 2:
            return 2
        worst = max(worst, code)
    with open(out / "factors.jsonl.tmp", "w", encoding="utf-8") as f:
        for c in cells:
            for r in read_jsonl(out / "cells" / c.id / "manifest.jsonl"):
                f.write(dumps({"cell": c.id, "scene_id": r["scene_id"], "seed": r["seed"],
                               "path": f"cells/{c.id}/scenes/{r['scene_id']}", **c.factors}) + "\n")
    (out / "factors.jsonl.tmp").replace(out / "factors.jsonl")
    controls = spec.get("controls", {})
    if any(controls.get(k) for k in _CONTROLS):
        make_controls(out / "cells" / cells[0].id, out / "controls", controls, int(spec.get("seed", 0)))
    return worst


def make_controls(cell_out: Path, dest: Path, controls: dict, seed: int) -> None:
    """Control variants of every scene of one cell: black video, shuffled frames."""
    from simgen.io.media import VideoWriter, read_video

    for kind in _CONTROLS:
        if not controls.get(kind):
            continue
        for scene in sorted((cell_out / "scenes").iterdir()):
            target = dest / kind / scene.name
            if target.exists():
                continue
            tmp = target.with_name(f".tmp-{scene.name}")
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(scene, tmp, ignore=shutil.ignore_patterns("rgb.mp4", "rgb_clean.mp4"))
            cam = json.loads((scene / "camera.json").read_text())
            frames = read_video(scene / "rgb.mp4")[:, : cam["height"], : cam["width"]]
            record = {"control": kind, "source": str(scene)}
            if kind == "black_video":
                frames = np.zeros_like(frames)
            else:
                rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(scene.name), 0x5F)))
                perm = rng.permutation(len(frames))
                frames = frames[perm]
                record["permutation"] = perm.tolist()
            with VideoWriter(tmp / "rgb.mp4", cam["width"], cam["height"], cam["fps"]) as v:
                for fr in frames:
                    v.write(fr)
            write_json(tmp / "control.json", record)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp.rename(target)


def add_cli(sub) -> dict:
    p = sub.add_parser("sweep", help="grid or random designs over preset fields with paired variants")
    p.add_argument("spec", type=Path, help="sweep spec TOML (see docs/sweeps.md)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--workers", default="auto", help="worker processes per cell (default: auto)")
    p.add_argument("--quiet", action="store_true")
    return {"sweep": _run}


def _run(args) -> int:
    import os

    if args.workers == "auto":
        w = os.cpu_count() or 1
    else:
        w = int(args.workers) if str(args.workers).isdigit() else 0
    if w < 1:
        raise ConfigError(f"--workers must be a positive integer or auto, got {args.workers!r}")
    return run_sweep(args.spec, args.out, w, args.quiet)
