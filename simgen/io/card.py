"""`simgen card OUT`: a dataset card (OUT/README.md) and machine-readable statistics (OUT/dataset_card.json).

These two files are the only ones simgen writes into OUT after rendering; both are written under a
temporary name and renamed. Statistics: scenes, frames, resolution, rooms, objects per category, QA per
task, answer balance per task, degradation levels and the licence of the assets used.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from simgen.io.export.store import Store, write_text_atomic
from simgen.io.jsonio import read_jsonl

PROCEDURAL_LICENCE = "MIT (procedural generators shipped with simgen; no third-party mesh files)"


def _simgen_licence() -> str:
    try:
        from importlib.metadata import metadata

        md = metadata("simgen")
        return md.get("License-Expression") or md.get("License") or "MIT"
    except Exception:   # not installed as a distribution (source checkout)
        return "MIT"


def _sorted_counts(c: Counter) -> dict:
    return dict(sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0]))))


def dataset_stats(out: Path) -> dict:
    """Statistics of a finished output directory (plain JSON-ready dict)."""
    store = Store(out)
    scenes = store.scenes()
    cats, rooms, sizes, gens, user_assets = Counter(), Counter(), Counter(), Counter(), {}
    tasks, balance, letters, degr = Counter(), {}, {}, Counter()
    n_frames, n_objects, durations = 0, 0, []
    for sv in scenes:
        cam = sv.camera
        n_frames += sv.n_frames
        sizes[f"{cam['width']}x{cam['height']}@{cam['fps']:g}fps"] += 1
        if cam["frames"]:
            durations.append(float(cam["frames"][-1]["timestamp_s"]))
        for r in sv.scene.get("rooms", []):
            rooms[r.get("type", "?")] += 1
        for o in sv.objects():
            n_objects += 1
            cats[o["category"]] += 1
            a = o.get("asset") or {}
            gens[a.get("generator", "?")] += 1
            if a.get("generator") == "user":
                p = a.get("params") or {}
                key = str(p.get("file", o["name"]))
                user_assets[key] = p.get("license") or p.get("licence") or "unknown (not recorded in the library)"
        for q in sv.qa:
            tasks[q["task"]] += 1
            balance.setdefault(q["task"], Counter())[str(q["answer"])] += 1
            if q.get("options"):
                letters.setdefault(q["task"], Counter())[str(q["answer"])[:1]] += 1
        d = sv.degradation
        if d is None or d.get("clean", False) or not d.get("effects"):
            degr["clean"] += 1
        else:
            for e in d["effects"]:
                degr[f"{e.get('name')}:{e.get('level')}"] += 1
    ds = store.dataset
    return {
        "name": Path(out).resolve().name,
        "simgen_version": ds.get("simgen_version"),
        "created": ds.get("created"),
        "config": {k: ds.get("config", {}).get(k) for k in ("scene_preset", "camera_preset", "seed", "degrade")},
        "scenes": len(scenes), "scenes_requested": ds.get("n_requested"),
        "failures": len(read_jsonl(store.root / "failures.jsonl")),
        "frames": n_frames, "video_formats": _sorted_counts(sizes),
        "clip_duration_s": {"min": min(durations), "max": max(durations)} if durations else None,
        "room_types": _sorted_counts(rooms),
        "objects": n_objects, "objects_per_category": _sorted_counts(cats),
        "qa_items": sum(tasks.values()), "qa_per_task": _sorted_counts(tasks),
        "answer_balance": {t: _sorted_counts(c) for t, c in sorted(balance.items())},
        "option_letter_balance": {t: _sorted_counts(c) for t, c in sorted(letters.items())},
        "degradations": _sorted_counts(degr),
        "assets": {"generators": _sorted_counts(gens),
                   "licence": {"procedural": PROCEDURAL_LICENCE, "simgen": _simgen_licence(),
                               "user_meshes": dict(sorted(user_assets.items()))}},
    }


def _table(d: dict, k: str, v: str, limit: int = 40) -> str:
    rows = [f"| {k} | {v} |", "|---|---:|"] + [f"| {a} | {b} |" for a, b in list(d.items())[:limit]]
    if len(d) > limit:
        rows.append(f"| ... {len(d) - limit} more | |")
    return "\n".join(rows)


def render_card(s: dict) -> str:
    """README.md text (Hugging Face card: YAML header, then Markdown) from dataset_stats()."""
    bal = []
    for task, c in s["answer_balance"].items():
        top = ", ".join(f"{a}: {n}" for a, n in list(c.items())[:10])
        bal.append(f"- `{task}`: {top}" + (" ..." if len(c) > 10 else ""))
    letters = [f"- `{t}`: " + ", ".join(f"{a}: {n}" for a, n in c.items())
               for t, c in s["option_letter_balance"].items()]
    lic = s["assets"]["licence"]
    user = "\n".join(f"  - `{f}`: {l}" for f, l in lic["user_meshes"].items()) or "  - none"
    yaml_licence = "other" if lic["user_meshes"] else "mit"
    return f"""---
license: {yaml_licence}
tags:
- synthetic
- spatial-reasoning
- video
- indoor-scenes
pretty_name: {s['name']}
---
# {s['name']}

Synthetic indoor scenes rendered by simgen {s['simgen_version']} (created {s['created']}), with exact
ground truth: depth, instance ids, 3D boxes, camera poses and spatial questions whose answers are
re-derived from the scene by a stored program. Files and fields: simgen's `docs/format.md`.

## Summary
| | |
|---|---:|
| scenes | {s['scenes']} (requested {s['scenes_requested']}, failed {s['failures']}) |
| frames | {s['frames']} |
| objects | {s['objects']} in {len(s['objects_per_category'])} categories |
| QA items | {s['qa_items']} in {len(s['qa_per_task'])} tasks |
| video | {', '.join(f'{k} ({v} scenes)' for k, v in s['video_formats'].items())} |
| presets | scene `{s['config'].get('scene_preset')}`, camera `{s['config'].get('camera_preset')}`, seed {s['config'].get('seed')} |

## Room types
{_table(s['room_types'], 'room type', 'rooms')}

## Objects per category
{_table(s['objects_per_category'], 'category', 'objects')}

## QA per task
{_table(s['qa_per_task'], 'task', 'items')}

## Answer balance
{chr(10).join(bal) or '- no QA items'}

Correct option letters (multiple-choice tasks):
{chr(10).join(letters) or '- no multiple-choice items'}

## Degradations
{_table(s['degradations'], 'effect:level (or clean)', 'scenes')}

## Licence of assets
- Procedural assets: {lic['procedural']}; generators used: {', '.join(f'{k} ({v})' for k, v in s['assets']['generators'].items())}.
- simgen: {lic['simgen']}.
- User mesh libraries:
{user}

Machine-readable statistics: `dataset_card.json`.
"""


def write_card(out: Path) -> list[Path]:
    """Write OUT/dataset_card.json and OUT/README.md (temporary names, then rename). Returns both paths."""
    stats = dataset_stats(out)
    root = Path(out)
    js, md = root / "dataset_card.json", root / "README.md"
    write_text_atomic(js, json.dumps(stats, indent=1, ensure_ascii=False) + "\n")
    write_text_atomic(md, render_card(stats))
    return [js, md]
