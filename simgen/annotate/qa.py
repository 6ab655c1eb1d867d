"""Spatial QA engine: every family of docs/qa.md, built from the saved files' content only.

    items = build_qa(scene_json, camera_json, frames, stage_rng(seed, "qa"))

Each item carries a program (simgen.annotate.programs) that re-derives its answer, its margin, its
evidence frames and whether it is answerable under uniform sampling of 16, 32 and 64 frames.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np

from simgen.annotate import qa_frames, qa_vsi
from simgen.annotate.context import SAMPLINGS, SceneView, sample_indices
from simgen.annotate.qa_items import Builder, balance, stratify_letters

__all__ = ["build_qa", "build_qa_report", "sample_indices", "SAMPLINGS", "MAX_PER_TASK"]

MAX_PER_TASK = {  # per scene, after balancing
    "object_counting": 8, "object_abs_distance": 6, "object_size_estimation": 6, "room_size_estimation": 2,
    "object_rel_distance": 4, "object_rel_direction_easy": 4, "object_rel_direction_medium": 4,
    "object_rel_direction_hard": 4, "route_planning": 3, "obj_appearance_order": 3,
    "closer_to_camera": 3, "image_left_right": 3, "above_below": 3, "count_visible": 3,
    "camera_move_direction": 2, "camera_move_distance": 2, "camera_turn_direction": 2, "camera_turn_angle": 2,
    "goal_aiming": 3, "perspective_taking": 3, "object_depth": 3, "camera_height": 2,
    "multiview_correspondence": 3, "grounding_2d": 3, "grounding_3d": 3, "cognitive_map": 1,
}
TASK_ORDER = tuple(MAX_PER_TASK)
UNBALANCED = {"room_size_estimation", "cognitive_map", "grounding_2d", "grounding_3d", "camera_height"}
COUNTS = {"object_counting", "count_visible"}   # answer 1 asked no more often than answers >= 2


def build_qa_report(scene: dict, camera: dict, frames: list[dict], rng: np.random.Generator,
                    free_space=None) -> tuple[list[dict], dict]:
    """(items, report): report = {"candidates": {task: n}, "rejected": {task: {reason: n}},
    "dropped_by_balance": {task: n}, "kept": {task: n}}. `free_space` is unused: route planning builds
    its own map from scene.json so that the programs stay re-derivable (accepted for API stability)."""
    del free_space
    view = SceneView(scene, camera, frames)
    b = Builder(view, scene["scene_id"], rng)
    for gen in (*qa_vsi.GENERATORS, *qa_frames.GENERATORS):
        gen(b)
    items, report = [], {"candidates": {}, "rejected": {}, "dropped_by_balance": {}, "kept": {}}
    for task in TASK_ORDER:
        cand = b.items.get(task, [])
        report["candidates"][task] = len(cand)
        if task in UNBALANCED:
            kept = [cand[k] for k in sorted(rng.permutation(len(cand))[:MAX_PER_TASK[task]])]
            dropped = len(cand) - len(kept)
        else:
            kept, dropped = balance(cand, rng, MAX_PER_TASK[task], singletons_follow_multiples=task in COUNTS)
        stratify_letters(kept, rng)
        report["dropped_by_balance"][task] = dropped
        report["kept"][task] = len(kept)
        items.extend(kept)
    report["rejected"] = {t: dict(sorted(c.items())) for t, c in sorted(b.rejected.items())}
    for k, it in enumerate(items):
        it["id"] = f"{scene['scene_id']}-{k:04d}"
        if not isinstance(it["answer"], str):   # the contract: `answer` is text, `answer_value` the value
            it["answer"] = json.dumps(it["answer"], separators=(",", ":"))
    return items, report


def build_qa(scene: dict, camera: dict, frames: list[dict], rng: np.random.Generator,
             free_space=None) -> list[dict]:
    """qa.jsonl lines for one scene: a pure function of scene.json, camera.json, frames.jsonl and rng
    (use simgen.core.rng.stage_rng(seed, "qa"))."""
    return build_qa_report(scene, camera, frames, rng, free_space)[0]


def task_counts(items: list[dict]) -> dict[str, int]:
    return dict(sorted(Counter(it["task"] for it in items).items()))
