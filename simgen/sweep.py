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
`black_video` (same annotations, every frame black), `shuffled_frames` (the frames of rgb.mp4 in a
seeded random order; the permutation is in control.json) and `evidence_removed` (every instance of N
counted categories removed from the same layout, with what they carry, and re-rendered along the same
walk; qa.jsonl asks the counting questions again and the answer is 0; see make_evidence_removed).

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
    evidence_removed = 1       # categories removed per scene (true = 1)
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simgen.core.config import read_toml
from simgen.core.errors import ConfigError, SimgenError
from simgen.io.jsonio import dumps, read_jsonl, write_json

log = logging.getLogger(__name__)

_TOP = ("name", "design", "seed", "scenes", "samples", "base", "factors", "controls")
_BASE = ("complexity", "scene", "camera", "frames", "fps", "resolution", "degrade", "set", "keep_clean")
_CONTROLS = ("black_video", "shuffled_frames", "evidence_removed")
_VIDEO_CONTROLS = ("black_video", "shuffled_frames")


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
    ev = spec.get("controls", {}).get("evidence_removed", False)
    if isinstance(ev, float) or not isinstance(ev, (bool, int)) or ev < 0:
        raise ConfigError(f"sweep spec {path} [controls]: evidence_removed must be true/false or the number of "
                          f"categories to remove per scene, got {ev!r}")
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
    if any(controls.get(k) for k in _VIDEO_CONTROLS):
        make_controls(out / "cells" / cells[0].id, out / "controls", controls, int(spec.get("seed", 0)))
    n_removed = controls.get("evidence_removed", False)
    if n_removed:
        make_evidence_removed(out / "cells" / cells[0].id, out / "controls" / "evidence_removed",
                              cell_run_config(spec, cells[0]), int(n_removed), int(spec.get("seed", 0)))
    return worst


def cell_run_config(spec: dict, cell: Cell):
    """The RunConfig that `simgen render` builds for one cell (same presets, overrides and seed)."""
    from simgen.cli import build_parser
    from simgen.core.settings import build_run_config

    a = build_parser().parse_args(["render", *_cell_args(spec, cell)])
    cam = {k: v for k, v in (("frames", a.frames), ("fps", a.fps)) if v is not None}
    if a.resolution is not None:
        cam["width"], cam["height"] = a.resolution
    return build_run_config(scene=a.scene or a.complexity or "low", camera=a.camera, seed=a.seed, n=a.n,
                            sets=a.sets, camera_overrides=cam, degrade=a.degrade, keep_clean=a.keep_clean)


def make_controls(cell_out: Path, dest: Path, controls: dict, seed: int) -> None:
    """Control variants of every scene of one cell: black video, shuffled frames."""
    from simgen.io.media import VideoWriter, read_video

    for kind in _VIDEO_CONTROLS:
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


# ---------------------------------------------------------------- evidence-removed control
def removal_closure(objects: list[dict], ids) -> list[int]:
    """`ids` and, recursively, every object resting on one of them (scene.json objects' `support`)."""
    out, changed = set(int(i) for i in ids), True
    while changed:
        changed = False
        for o in objects:
            if o.get("kind", "object") == "object" and o.get("support") in out and o["id"] not in out:
                out.add(int(o["id"]))
                changed = True
    return sorted(out)


def pick_removed_categories(scene: dict, qa_items: list[dict], n: int, rng: np.random.Generator) -> list[str]:
    """Up to `n` categories to remove: first those the scene's counting questions ask about, then any
    category whose every instance is covered, then the others; categories whose instances carry nothing
    come first (their removal leaves the rest of the layout exactly as it was)."""
    objs = [o for o in scene["objects"] if o.get("kind", "object") == "object"]
    by_cat: dict[str, list[int]] = {}
    for o in objs:
        by_cat.setdefault(o["category"], []).append(o["id"])
    from simgen.annotate.programs import parse_program

    asked = sorted({parse_program(it["program"])[1]["category"] for it in qa_items
                    if it["task"] == "object_counting"})
    covered = sorted(c for c, ids in by_cat.items() if all(o.get("covered") for o in objs if o["id"] in ids))
    rest = [c for c in sorted(by_cat) if c not in asked and c not in covered]
    ranked = []
    for pool in (asked, [c for c in covered if c not in asked], rest):
        pool = [pool[k] for k in rng.permutation(len(pool))]
        pool.sort(key=lambda c: len(removal_closure(objs, by_cat[c])) > len(by_cat[c]))   # stable
        ranked += pool
    return ranked[:n]


def without_objects(scene, ids):
    """A simgen.scenes.model.Scene without the objects `ids` (and what rests on them): same rooms,
    structures, lights and every other object's pose; groups and stats follow; the removal is recorded
    in reports["layout"]["evidence_removed"] (scene.json `layout.evidence_removed`)."""
    from simgen.scenes.model import Group
    from simgen.scenes.relations import scene_stats

    objs = [{"id": o.id, "support": o.support} for o in scene.objects]
    gone = set(removal_closure(objs, ids))
    kept = tuple(o for o in scene.objects if o.id not in gone)
    groups = tuple(Group(id=g.id, kind=g.kind, room=g.room, members=tuple(m for m in g.members if m not in gone))
                   for g in scene.groups if any(m not in gone for m in g.members))
    reports = dict(scene.reports)
    layout = dict(reports.get("layout", {}))
    layout["groups"] = [{"id": g.id, "kind": g.kind, "room": g.room, "members": list(g.members)} for g in groups]
    layout["evidence_removed"] = {"ids": sorted(gone),
                                  "categories": sorted({o.asset.category for o in scene.objects if o.id in gone})}
    reports["layout"] = layout
    reports["stats"] = dict(reports.get("stats", {}), **scene_stats(list(scene.rooms), list(kept),
                                                                   list(scene.relations)))
    return dataclasses.replace(scene, objects=kept, groups=groups, reports=reports)


def render_without(run, scene_id: str, seed: int, remove_ids, out_dir: Path, gl) -> tuple[dict, dict, list]:
    """Render scene `seed` of `run` with `remove_ids` (and what they carry) taken out after the camera
    walk was planned on the full scene: same layout otherwise, same trajectory. Writes a whole scene
    directory into `out_dir` (the caller replaces qa.jsonl); returns (scene.json, camera.json, frames)
    as written."""
    from simgen.io.jsonio import read_jsonl
    from simgen.pipeline import run_scene

    if getattr(run, "dynamics", None) is not None:
        raise ConfigError("the evidence_removed control supports static scenes only (no --dynamics)")
    run_scene(run, scene_id, seed, out_dir, gl, edit_scene=lambda scene: without_objects(scene, remove_ids))
    sj = json.loads((out_dir / "scene.json").read_text())
    cj = json.loads((out_dir / "camera.json").read_text())
    return sj, cj, read_jsonl(out_dir / "frames.jsonl")


def evidence_items(source: dict, source_items: list[dict], categories: list[str], scene: dict, camera: dict,
                   frames: list[dict]) -> list[dict]:
    """qa.jsonl of the control: for each removed category the source scene's counting question (or a
    new one in the same wording), answer 0, re-derivable by its program on the control's files."""
    from simgen.annotate.programs import check_item, format_program
    from simgen.annotate.templates import T

    multi = any(it["template_id"] == "object_counting_multi" for it in source_items)
    before = {c: sum(o.get("category") == c for o in source["objects"] if o.get("kind", "object") == "object")
              for c in categories}
    out = []
    for k, c in enumerate(categories):
        tid = "object_counting_multi" if multi else "object_counting"
        item = {"id": f"{scene['scene_id']}-er{k:02d}", "scene_id": scene["scene_id"], "task": "object_counting",
                "family": "vsi", "question": T[tid].format(category=c.replace("_", " ")), "options": None,
                "answer": "0", "answer_value": 0, "unit": None, "rounding": 1, "metric": "mra", "margin": None,
                "objects": [], "evidence_frames": [], "answerable": {"16": True, "32": True, "64": True,
                                                                    "all": True},
                "program": format_program("count", category=c, covered=True), "template_id": tid,
                "control": {"kind": "evidence_removed", "source_answer_value": before[c]}}
        ok, msg = check_item(item, scene, camera, frames)
        if not ok:
            raise SimgenError(f"evidence-removed control: {msg}")
        out.append(item)
    return out


def make_evidence_removed(cell_out: Path, dest: Path, run, n_categories: int, seed: int) -> None:
    """For every scene of one cell: remove `n_categories` counted categories (pick_removed_categories,
    rng from the sweep seed and the scene index), re-render the same walk, and write the scene directory
    (files as in any scene, qa.jsonl with answer-0 counting items, control.json) to dest/<scene>/."""
    from simgen.io.jsonio import write_jsonl
    from simgen.pipeline import Renderers

    scenes = [d for d in sorted((cell_out / "scenes").iterdir()) if (d / "scene.json").is_file()
              and not (dest / d.name).exists()]
    if not scenes:
        return
    with Renderers(run.camera.width, run.camera.height) as gl:
        for src in scenes:
            source = json.loads((src / "scene.json").read_text())
            source_items = read_jsonl(src / "qa.jsonl")
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(src.name), 0xE7)))
            cats = pick_removed_categories(source, source_items, n_categories, rng)
            if not cats:
                log.warning("evidence_removed: scene %s has no object to remove; skipped", src.name)
                continue
            tmp = dest / f".tmp-{src.name}"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            objs = [o for o in source["objects"] if o.get("kind", "object") == "object"]
            ids = [o["id"] for o in objs if o["category"] in cats]
            sj, cj, frames = render_without(run, source["scene_id"], int(source["seed"]), ids, tmp, gl)
            write_jsonl(tmp / "qa.jsonl", evidence_items(source, source_items, cats, sj, cj, frames))
            write_json(tmp / "control.json", {"control": "evidence_removed",   # source: relative to the sweep
                                              "source": os.path.relpath(src, dest.parent.parent),
                                              "categories": cats, "removed_ids": removal_closure(objs, ids)})
            tmp.rename(dest / src.name)


def add_cli(sub) -> dict:
    p = sub.add_parser("sweep", help="grid or random designs over preset fields with paired variants")
    p.add_argument("spec", type=Path, help="sweep spec TOML (see docs/sweeps.md)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--workers", default="auto", help="worker processes per cell (default: auto)")
    p.add_argument("--quiet", action="store_true")
    return {"sweep": _run}


def _run(args) -> int:
    if args.workers == "auto":
        from simgen.core.settings import usable_cores

        w = usable_cores()
    else:
        w = int(args.workers) if str(args.workers).isdigit() else 0
    if w < 1:
        raise ConfigError(f"--workers must be a positive integer or auto, got {args.workers!r}")
    return run_sweep(args.spec, args.out, w, args.quiet)
