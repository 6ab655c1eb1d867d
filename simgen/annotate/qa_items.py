"""Building qa.jsonl items from programs: run the program, enforce the margin, shuffle options with a
per-item seed, record evidence and answerability; and per-task answer balancing."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from simgen.annotate.context import SceneView
from simgen.annotate.programs import format_program, run_program
from simgen.annotate.templates import T

LETTERS = "ABCDEFGH"


class Rejected(Exception):
    """A candidate question that fails a rule; the message is the rejection reason."""


class Builder:
    """Collects items and rejection reasons for one scene."""

    def __init__(self, view: SceneView, scene_id: str, rng: np.random.Generator):
        self.view, self.scene_id, self.rng = view, scene_id, rng
        self.items: dict[str, list[dict]] = defaultdict(list)
        self.rejected: dict[str, Counter] = defaultdict(Counter)

    def reject(self, task: str, reason: str) -> None:
        self.rejected[task][reason] += 1

    def _base(self, task, family, template, fmt, op, args, objects, frames, metric, unit, rounding):
        v = self.view
        program = format_program(op, **args)
        value, margin = run_program(program, v)
        if value is None:
            raise Rejected("no_answer")
        objects = sorted(set(int(o) for o in objects))
        return value, margin, {
            "id": None, "scene_id": self.scene_id, "task": task, "family": family,
            "question": T[template].format(**fmt), "options": None, "answer": None, "answer_value": None,
            "unit": unit, "rounding": rounding, "metric": metric, "margin": None, "objects": objects,
            "evidence_frames": sorted(set(frames) | set(v.evidence(objects))) if not frames else sorted(set(frames)),
            "answerable": v.answerable(objects, frames), "program": program, "template_id": template,
        }

    def numeric(self, task, family, template, fmt, op, args, *, objects=(), frames=(), metric="mra",
                unit=None, rounding=None) -> None:
        try:
            value, _, item = self._base(task, family, template, fmt, op, args, objects, frames, metric, unit,
                                        rounding)
        except Rejected as e:
            return self.reject(task, str(e))
        item["answer_value"] = value
        item["answer"] = value if isinstance(value, (list, dict)) else str(value)
        self.items[task].append(item)

    def choice(self, task, family, template, fmt, op, args, distractors, *, min_margin, objects=(),
               frames=(), n_options=None) -> None:
        try:
            value, margin, item = self._base(task, family, template, fmt, op, args, objects, frames, "exact",
                                             None, None)
        except Rejected as e:
            return self.reject(task, str(e))
        if margin is None or margin < min_margin:
            return self.reject(task, "margin")
        value = str(value)
        others = [d for d in dict.fromkeys(map(str, distractors)) if d != value]
        if n_options is not None:
            others = others[: n_options - 1]
        if not others:
            return self.reject(task, "no_distractors")
        seed = int(self.rng.integers(0, 2**31 - 1))
        opts = [value] + others
        perm = np.random.default_rng(seed).permutation(len(opts))
        opts = [opts[k] for k in perm]
        item["options"] = [f"{LETTERS[k]}. {o}" for k, o in enumerate(opts)]
        item["answer"] = LETTERS[opts.index(value)]
        item["answer_value"] = value
        item["margin"] = round(float(margin), 3)
        item["option_seed"] = seed
        self.items[task].append(item)


def value_bin(item: dict) -> str:
    """The answer class used for balancing: option text, or a log2 bin of a numeric answer."""
    v = item["answer_value"]
    if item["options"] or isinstance(v, str):
        return str(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(int(np.floor(np.log2(max(abs(float(v)), 1e-3)) * 2)))  # half-octave bins
    return "structured"


def balance(items: list[dict], rng: np.random.Generator, max_items: int) -> tuple[list[dict], int]:
    """Down-sample so that no answer class holds more than twice the items of the rarest present class
    (at least 1 each), then at most `max_items` spread round-robin over classes. Returns (kept, dropped)."""
    groups = defaultdict(list)
    for it in items:
        groups[value_bin(it)].append(it)
    if not groups:
        return [], 0
    cap = max(1, 2 * min(len(g) for g in groups.values()))
    for k in sorted(groups):
        g = groups[k]
        idx = rng.permutation(len(g))
        groups[k] = [g[i] for i in idx[:cap]]
    kept, keys = [], sorted(groups)
    while len(kept) < max_items and any(groups[k] for k in keys):
        for k in keys:
            if groups[k] and len(kept) < max_items:
                kept.append(groups[k].pop(0))
    return kept, len(items) - len(kept)
