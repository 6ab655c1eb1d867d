"""Spatial QA (first family): VSI-Bench object counting, answerable only when the video shows every
instance, with evidence frames and a program that re-derives the answer from scene.json/frames.jsonl.

An item is answerable under a sampling of k frames (uniform over the clip, as VSI-Bench evaluators
sample) when every counted instance is seen with vis_fraction >= `vis_min` in at least one sampled frame.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

SAMPLINGS = (16, 32, 64)


def sample_indices(n_frames: int, k: int) -> np.ndarray:
    """Uniformly sampled frame indices (as VSI-Bench evaluators do): k evenly spaced over the clip."""
    if k >= n_frames:
        return np.arange(n_frames)
    return np.unique(np.round(np.linspace(0, n_frames - 1, k)).astype(int))


def _seen_in(frames: list[dict], idx, vis_min: float) -> set[int]:
    seen = set()
    for i in idx:
        for o in frames[int(i)]["objects"]:
            if o["vis_fraction"] >= vis_min:
                seen.add(o["id"])
    return seen


def counting_questions(scene_id: str, objects: list[dict], frames: list[dict], n_rooms: int = 1,
                       vis_min: float = 0.5) -> list[dict]:
    """object_counting items for every category whose instances are all covered by the video."""
    by_cat = defaultdict(list)
    for o in objects:
        if o.get("kind") == "object":
            by_cat[o["category"]].append(o)
    n = len(frames)
    seen = {str(k): _seen_in(frames, sample_indices(n, k), vis_min) for k in SAMPLINGS}
    seen["all"] = _seen_in(frames, range(n), vis_min)
    where = "this room" if n_rooms == 1 else "these rooms"
    items = []
    for cat in sorted(by_cat):
        objs = by_cat[cat]
        if not all(o.get("covered") for o in objs):
            continue  # some instance never clearly shown: the count would not be answerable
        ids = sorted(o["id"] for o in objs)
        label = cat.replace("_", " ")
        items.append({
            "id": f"{scene_id}-{len(items):04d}", "scene_id": scene_id, "task": "object_counting",
            "family": "vsi", "question": f"How many {label}(s) are in {where}?", "options": None,
            "answer": str(len(ids)), "answer_value": len(ids), "unit": None, "metric": "mra",
            "margin": None, "objects": ids,
            "evidence_frames": sorted({o["best_frame"] for o in objs if o.get("best_frame") is not None}),
            "answerable": {k: set(ids) <= s for k, s in seen.items()},
            "program": f"count(category={cat!r}, covered=True)",
        })
    return items
