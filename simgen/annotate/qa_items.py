"""Building qa.jsonl items from programs: run the program, enforce the margin, shuffle options with a
per-item seed, record evidence and answerability; and per-task answer balancing."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from simgen.annotate.context import SceneView
from simgen.annotate.programs import format_program, parse_program, run_program
from simgen.annotate.templates import T

LETTERS = "ABCDEFGH"


class Rejected(Exception):
    """A candidate question that fails a rule; the message is the rejection reason."""


class Builder:
    """Collects items and rejection reasons for one scene."""

    templates = T   # template id -> question text (subclasses bring their own)

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
            "question": self.templates[template].format(**fmt), "options": None, "answer": None, "answer_value": None,
            "unit": unit, "rounding": rounding, "metric": metric, "margin": None, "objects": objects,
            "evidence_frames": self._evidence_frames(objects, frames),
            "answerable": v.answerable(objects, frames), "program": program, "template_id": template,
        }

    def _evidence_frames(self, objects: list[int], frames) -> list[int]:
        """The frames a question names, else the frames that show its objects best."""
        return sorted(set(frames) | set(self.view.evidence(objects))) if not frames else sorted(set(frames))

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
        item["answer_value"] = value
        item["margin"] = round(float(margin), 3)
        shuffle_options(item, [value] + others, int(self.rng.integers(0, 2**31 - 1)))
        self.items[task].append(item)


def shuffle_options(item: dict, choices: list[str], seed: int) -> None:
    """Set an item's options, answer letter and option_seed: the options are `choices` (the answer first,
    then the distractors) in the order of np.random.default_rng(option_seed).permutation."""
    perm = np.random.default_rng(seed).permutation(len(choices))
    opts = [choices[k] for k in perm]
    item["options"] = [f"{LETTERS[k]}. {o}" for k, o in enumerate(opts)]
    item["answer"] = LETTERS[opts.index(item["answer_value"])]
    item["option_seed"] = seed


def base_choices(item: dict) -> list[str]:
    """The options of a choice item before shuffling ([answer, *distractors]), from its options and
    option_seed."""
    opts = [o.split(". ", 1)[1] for o in item["options"]]
    perm = np.random.default_rng(item["option_seed"]).permutation(len(opts))
    choices = [""] * len(opts)
    for k, src in enumerate(perm):
        choices[src] = opts[k]
    return choices


def stratify_letters(items: list[dict], rng: np.random.Generator, max_draws: int = 64) -> None:
    """Spread the answer letters of one task's kept items evenly: each item in turn targets the least
    used letter so far among its options (ties broken with `rng`), and a new option seed is drawn
    with `rng` until its permutation puts the answer there (rejection; at most `max_draws` draws, then
    the last draw stands)."""
    used: dict[str, int] = defaultdict(int)
    for it in items:
        if not it.get("options") or it.get("option_seed") is None:
            continue
        choices = base_choices(it)
        letters = LETTERS[: len(choices)]
        low = min(used[x] for x in letters)
        ties = [x for x in letters if used[x] == low]
        target = ties[int(rng.integers(len(ties)))]
        for _ in range(max_draws):
            shuffle_options(it, choices, int(rng.integers(0, 2**31 - 1)))
            if it["answer"] == target:
                break
        used[it["answer"]] += 1


def value_bin(item: dict) -> str:
    """The answer class used for balancing: option text, or a log2 bin of a numeric answer."""
    v = item["answer_value"]
    if item["options"] or isinstance(v, str):
        return str(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(int(np.floor(np.log2(max(abs(float(v)), 1e-3)) * 2)))  # half-octave bins
    return "structured"


def option_texts(item: dict) -> frozenset:
    """The option texts of a multiple-choice item without their letters ("A. left" -> "left")."""
    return frozenset(o.split(". ", 1)[1] for o in item["options"] or ())


def answer_universe(items: list[dict]) -> set[str]:
    """Classes that count as present for balancing: for a multiple-choice task whose candidates all offer
    the same options (left/right, forward/backward/left/right, ...) every option, even when no candidate
    of this scene has it as its answer; otherwise the classes the candidates have."""
    present = {value_bin(it) for it in items}
    if items and items[0]["options"]:
        sets = {option_texts(it) for it in items}
        if len(sets) == 1:
            return present | set(next(iter(sets)))
    return present


def balance(items: list[dict], rng: np.random.Generator, max_items: int, *,
            singletons_follow_multiples: bool = False) -> tuple[list[dict], int]:
    """Pick at most `max_items` of a task's candidates so that no answer class is favoured: each of the
    `max_items` slots draws a class uniformly (with `rng`) from the task's answer universe (all options
    of a fixed-option task, even those no candidate of this scene has; else the classes present) and
    takes an unused candidate of that class, or stays empty when there is none. A class that is common
    in a scene (the camera walking "forward") thus gets no more slots than a rare one; a class missing
    from a scene costs that scene an item instead of tilting the dataset.
    With `singletons_follow_multiples` (counting), items whose answer is 1 are kept at most as often as
    items whose answer is >= 2 (none when the scene has no category with several instances), so that
    "1" is not the prior. Two kept items never share their subject (the same objects, operation and
    frames, e.g. "a left of b" and "b right of a"). Returns (kept, dropped)."""
    groups = defaultdict(list)
    for it in items:
        groups[value_bin(it)].append(it)
    if not groups:
        return [], 0
    if singletons_follow_multiples:
        one = value_bin({"answer_value": 1, "options": None})
        if one in groups:
            n_multi = sum(len(g) for k, g in groups.items() if k != one)
            groups[one] = [groups[one][i] for i in rng.permutation(len(groups[one]))[:n_multi]]
            if not groups[one]:
                del groups[one]
        if not groups:
            return [], len(items)
    for k in sorted(groups):
        g = groups[k]
        groups[k] = [g[i] for i in rng.permutation(len(g))]
    universe = sorted(set(groups) | (answer_universe(items) if items[0]["options"] else set()))
    kept, used = [], set()
    for _ in range(max_items):
        g = groups.get(universe[int(rng.integers(len(universe)))], [])
        while g and _subject(g[0]) in used:    # the same objects in other roles / order: not asked twice
            g.pop(0)
        if g:
            used.add(_subject(g[0]))
            kept.append(g.pop(0))
    return kept, len(items) - len(kept)


def _subject(item: dict) -> tuple:
    """What an item is about: (objects, operation, frame arguments); the program for items without objects."""
    if not item["objects"]:
        return ("program", item["program"])
    op, args = parse_program(item["program"])
    return (tuple(item["objects"]), op, tuple(sorted(v for k, v in args.items() if k in ("frame", "i", "j"))))
