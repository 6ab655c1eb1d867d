"""Dataset statistics of one or more `simgen render` output directories, as plain data.

    st = dataset_stats([Path("out_low"), Path("out_high")])
    st["by_preset"]            # {"low": 4, "high": 2}
    st["qa_answer_letters"]    # {"object_rel_direction_easy": {"A": 10, "B": 9}, ...}

Everything is read from the files of docs/format.md (dataset.json, manifest.jsonl, failures.jsonl,
scene.json, qa.jsonl, degradation.json); nothing is re-rendered.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from simgen.core.errors import ConfigError
from simgen.report.scene_dir import SceneDir, read_jsonl

STAGES = ("layout", "camera", "render_setup", "render", "annotate", "write")


def out_preset(out: Path) -> str:
    """The scene preset name of an output directory (dataset.json), '?' when unknown."""
    p = Path(out) / "dataset.json"
    if not p.is_file():
        return "?"
    cfg = json.loads(p.read_text()).get("config", {})
    return str(cfg.get("scene_preset") or cfg.get("scene", {}).get("name") or "?")


def scene_dirs(out: Path) -> list[Path]:
    """Finished scene directories of OUT in scene-id order (temporary .tmp-* directories skipped)."""
    root = Path(out) / "scenes"
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / "scene.json").is_file())


def answer_letter(item: dict) -> str | None:
    """The option letter of a choice item's answer ('A', 'B', ...); None for open-ended items."""
    opts = item.get("options")
    if not opts:
        return None
    ans = str(item.get("answer", "")).strip()
    if len(ans) == 1 and ans.isalpha():
        return ans.upper()
    for o in opts:                       # answer given as the option text
        letter, _, text = str(o).partition(". ")
        if text == ans or o == ans:
            return letter
    return None


def scene_summary(sd: SceneDir, out_label: str, preset: str, manifest_line: dict | None) -> dict:
    """One scene's row of the report: the facts a reader filters and sorts by."""
    objs = sd.objects()
    rooms = sd.scene.get("rooms", [])
    stats = sd.scene.get("stats", {})
    timings = (manifest_line or {}).get("timings_s") or {}
    cov = stats.get("coverage")
    if cov is None and objs:
        cov = sum(1 for o in objs.values() if o.get("covered")) / len(objs)
    return {"key": f"{out_label}/{sd.scene_id}", "out": out_label, "scene_id": sd.scene_id, "preset": preset,
            "path": str(sd.path), "room_types": [r.get("type", "?") for r in rooms], "n_rooms": len(rooms),
            "n_objects": len(objs), "n_categories": len({o["category"] for o in objs.values()}),
            "categories": sorted({o["category"] for o in objs.values()}),
            "coverage": cov, "n_frames": sd.n_frames, "size": f"{sd.width}x{sd.height}", "n_qa": len(sd.qa),
            "degrade": sd.degrade_spec, "has_clean": sd.has_clean,
            "time_s": float(sum(v for v in timings.values() if isinstance(v, (int, float)))) if timings else None}


def dataset_stats(outs: list[Path], labels: list[str] | None = None) -> dict:
    """Statistics over every finished scene of the output directories `outs` (see the module docstring)."""
    outs = [Path(o) for o in outs]
    for o in outs:
        if not (o / "manifest.jsonl").is_file() and not (o / "scenes").is_dir():
            raise ConfigError(f"{o} is not a simgen output directory (no manifest.jsonl, no scenes/)")
    if labels is None:
        names = [o.resolve().name for o in outs]
        labels = names if len(set(names)) == len(names) else [str(o) for o in outs]
    st: dict = {"outs": [str(o) for o in outs], "labels": labels, "scenes": [], "failures": [],
                "by_preset": Counter(), "objects_by_category": Counter(), "objects_by_placement": Counter(),
                "occupancy": defaultdict(list), "coverage": defaultdict(list), "uncovered_reasons": Counter(),
                "qa_by_task": Counter(), "qa_by_family": Counter(), "qa_answer_letters": defaultdict(Counter),
                "qa_top_answer_share": {}, "degradation_levels": Counter(), "psnr_db": [], "ssim": [],
                "timings_s": defaultdict(list), "scene_time_s": defaultdict(list),
                "objects_per_scene": defaultdict(list)}
    answers_by_task: dict[str, Counter] = defaultdict(Counter)
    for out, label in zip(outs, labels):
        preset = out_preset(out)
        manifest = {m["scene_id"]: m for m in read_jsonl(out / "manifest.jsonl")}
        st["failures"] += [{**f, "out": label} for f in read_jsonl(out / "failures.jsonl")]
        for d in scene_dirs(out):
            sd = SceneDir.open(d)
            m = manifest.get(sd.scene_id)
            row = scene_summary(sd, label, preset, m)
            st["scenes"].append(row)
            st["by_preset"][preset] += 1
            st["objects_per_scene"][preset].append(row["n_objects"])
            for o in sd.objects().values():
                st["objects_by_category"][o["category"]] += 1
                st["objects_by_placement"][o.get("placement", "?")] += 1
                if o.get("covered") is False:
                    st["uncovered_reasons"][o.get("uncovered_reason") or "unknown"] += 1
            for room in sd.scene.get("stats", {}).get("rooms", {}).values():
                if room.get("floor_occupancy") is not None:
                    st["occupancy"][preset].append(float(room["floor_occupancy"]))
            if row["coverage"] is not None:
                st["coverage"][preset].append(float(row["coverage"]))
            for q in sd.qa:
                st["qa_by_task"][q["task"]] += 1
                st["qa_by_family"][q.get("family", "?")] += 1
                letter = answer_letter(q)
                if letter is not None:
                    st["qa_answer_letters"][q["task"]][letter] += 1
                answers_by_task[q["task"]][str(q.get("answer"))] += 1
            deg = sd.degradation
            if deg and not deg.get("clean", False):
                for e in deg.get("effects", []):
                    st["degradation_levels"][f'{e["name"]}:{e.get("level", "?")}'] += 1
                q = deg.get("quality_vs_clean") or {}
                if q.get("psnr_db", {}).get("mean") is not None:
                    st["psnr_db"].append(float(q["psnr_db"]["mean"]))
                if q.get("ssim", {}).get("mean") is not None:
                    st["ssim"].append(float(q["ssim"]["mean"]))
            else:
                st["degradation_levels"]["clean"] += 1
            if m and m.get("timings_s"):
                for k, v in m["timings_s"].items():
                    if isinstance(v, (int, float)):
                        st["timings_s"][k].append(float(v))
                st["scene_time_s"][preset].append(row["time_s"])
    for task, c in answers_by_task.items():
        total = sum(c.values())
        ans, n = c.most_common(1)[0]
        st["qa_top_answer_share"][task] = {"answer": ans, "share": n / total, "n": total, "distinct": len(c)}
    st["n_scenes"] = len(st["scenes"])
    st["n_failed"] = len(st["failures"])
    st["n_qa"] = int(sum(st["qa_by_task"].values()))
    st["timing_medians_s"] = {k: float(np.median(v)) for k, v in st["timings_s"].items() if v}
    return _plain(st)


def _plain(x):
    """Counters and defaultdicts -> dicts (JSON-serialisable, stable key order for counters: by count)."""
    if isinstance(x, Counter):
        return {k: int(v) for k, v in sorted(x.items(), key=lambda kv: (-kv[1], str(kv[0])))}
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    return x
