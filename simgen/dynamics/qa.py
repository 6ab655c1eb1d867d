"""Dynamic spatial QA: what moved, where it came to rest, what hit what, which moved farther or
faster, direction of motion relative to the camera, object permanence, counting what moved.

Same rules as the static engine (simgen.annotate.qa): every item has a program (simgen.dynamics.
qa_ops) that re-derives its answer from the saved files, a margin that must clear the family's
minimum, shuffled options with a per-item seed, evidence frames and answerability per sampling,
and per-task answer balancing. Static items that name a moved object are dropped from a dynamic
scene (their answers would depend on when they are asked)."""

from __future__ import annotations

import json

import numpy as np

from simgen.annotate import geometry as geo
from simgen.annotate.context import SceneView
from simgen.annotate.programs import ProgramError, option_text, run_program
from simgen.annotate.qa_items import Builder, balance
from simgen.dynamics import qa_ops as ops

T = {
    "dyn_which_moved": "Which of these objects moved during the video: {c0}, {c1}, {c2} or {c3}?",
    "dyn_rest_support": "When the {a} came to rest, what was it resting on?",
    "dyn_hit": "Did the {a} hit the {b} during the video?",
    "dyn_farther": "Between frame {i} and frame {j}, which travelled farther, the {a} or the {b}?",
    "dyn_faster": "In frame {frame}, which is moving faster, the {a} or the {b}?",
    "dyn_motion_direction": ("Between frame {i} and frame {j}, did the {a} move away from the camera, toward the "
                             "camera, to the left or to the right, as seen from the camera in frame {i}?"),
    "dyn_where_now": ("In frame {frame} the {a} is out of view. Which of these objects is it closest to at that "
                      "moment: {c0}, {c1}, {c2} or {c3}?"),
    "dyn_count_moved": "How many objects moved during the video?",
}
MAX_PER_TASK = {"dyn_which_moved": 3, "dyn_rest_support": 3, "dyn_hit": 4, "dyn_farther": 3, "dyn_faster": 3,
                "dyn_motion_direction": 4, "dyn_where_now": 3, "dyn_count_moved": 1}
MIN_PATH_GAP_M = 0.2
MIN_SPEED_GAP_MPS = 0.2
MIN_HIT_MARGIN = 0.05          # s of contact (yes) or m of clearance (no)
MIN_ANGLE_MARGIN_DEG = 15.0
MIN_NEAREST_GAP_M = 0.3
MIN_COUNT_MARGIN_M = 0.05


class DynBuilder(Builder):
    """The static Builder with dynamic templates and operations; `evidence` frames may differ from
    the frames a question names (those decide answerability)."""

    templates = T

    def _evidence_frames(self, objects: list[int], frames) -> list[int]:
        return sorted(set(frames) | set(getattr(self, "_evidence", ()))) or self.view.evidence(objects)

    def ask(self, kind, fmt, op, args, distractors, *, min_margin, objects, frames=(), evidence=()):
        self._evidence = [int(f) for f in evidence if f is not None]
        try:
            self.choice(kind, "dynamic", kind, fmt, op, args, distractors, min_margin=min_margin,
                        objects=objects, frames=list(frames))
        finally:
            self._evidence = ()


def _events(v, kind: str) -> list[dict]:
    return [e for e in ops.dyn(v).get("events", []) if e["type"] == kind]


def _movers(v) -> list[int]:
    return sorted(m["id"] for m in ops.dyn(v).get("moved", [])
                  if m["id"] in v.objects and m["id"] in v.labels and ops.path_m(v, m["id"]) > ops.MOVED_PATH_M)


def _still(v, room: str | None = None) -> list[int]:
    moved = {m["id"] for m in ops.dyn(v).get("moved", [])}
    return [o for o in sorted(v.objects) if o not in moved and o in v.labels and v.is_covered(o)
            and (room is None or v.objects[o]["room"] == room)]


def _pick(rng, seq, k):
    return [seq[i] for i in sorted(rng.permutation(len(seq))[:k])]


def gen_which_moved(b: DynBuilder) -> None:
    v = b.view
    still = _still(v)
    for a in _movers(v):
        others = [o for o in still if v.labels[o] != v.labels[a]]
        if len(others) < 3:
            b.reject("dyn_which_moved", "fewer_than_three_still")
            continue
        cands = [a] + _pick(b.rng, others, 3)
        cands = [cands[k] for k in b.rng.permutation(4)]
        starts = [e["frame"] for e in _events(v, "motion_start") if e["object"] == a]
        b.ask("dyn_which_moved", {f"c{k}": v.labels[c] for k, c in enumerate(cands)}, "dyn_which_moved",
              {"candidates": cands}, [v.labels[c] for c in cands], min_margin=MIN_PATH_GAP_M, objects=cands,
              evidence=starts[:1])


def gen_rest_support(b: DynBuilder) -> None:
    v = b.view
    for a in _movers(v):
        if v.objects[a]["category"] == "person":      # walks and stands: "resting on" does not apply
            continue
        val, _ = ops.dyn_rest_on(v, a)
        if val is None:
            b.reject("dyn_rest_support", "not_at_rest")
            continue
        room = v.objects[a]["room"]
        surfaces = [o for o in _still(v, room) if o != a and v.objects[o]["placement"] == "floor"]
        distract = ["floor"] + [v.labels[o] for o in _pick(b.rng, surfaces, 3)]
        stops = [e["frame"] for e in _events(v, "motion_stop") if e["object"] == a]
        b.ask("dyn_rest_support", {"a": v.labels[a]}, "dyn_rest_on", {"a": a}, distract, min_margin=1.0,
              objects=[a], evidence=stops[-1:])


def gen_hit(b: DynBuilder) -> None:
    v = b.view
    movers = _movers(v)
    asked = set()
    for e in _events(v, "contact_begin"):
        for a, o in ((e["a"], e["b"]), (e["b"], e["a"])):
            if a in movers and o in v.objects and o in v.labels and (a, o) not in asked:
                asked.add((a, o))
                b.ask("dyn_hit", {"a": v.labels[a], "b": v.labels[o]}, "dyn_hit", {"a": a, "b": o}, ["yes", "no"],
                      min_margin=MIN_HIT_MARGIN, objects=[a, o], evidence=[e["frame"]])
    for a in movers:
        near = [o for o in _still(v, v.objects[a]["room"]) if (a, o) not in asked and o != a]
        # plausible "no" cases: objects the mover passed within 1 m of
        gap = {o: min(geo.point_distance(ops.center_at(v, a, f), v.objects[o]) for f in range(v.n_frames))
               for o in near}
        near = [o for o in near if gap[o] < 1.0]
        for o in _pick(b.rng, near, 2):
            b.ask("dyn_hit", {"a": v.labels[a], "b": v.labels[o]}, "dyn_hit", {"a": a, "b": o}, ["yes", "no"],
                  min_margin=MIN_HIT_MARGIN, objects=[a, o])


def _moving_frames(v, a: int) -> list[int]:
    return [f for f in range(v.n_frames) if ops.moving(v).get(f, {}).get(a, {}).get("moving")]


def gen_pairs(b: DynBuilder, tries: int = 6) -> None:
    v = b.view
    movers = _movers(v)
    if len(movers) < 2 or v.n_frames < 2:
        return
    for _ in range(tries):
        a, c = _pick(b.rng, movers, 2)
        fr = sorted(set(_moving_frames(v, a)) | set(_moving_frames(v, c)))
        if not fr:
            b.reject("dyn_farther", "not_moving")
            continue
        f = int(fr[int(b.rng.integers(len(fr)))])
        b.ask("dyn_faster", {"a": v.labels[a], "b": v.labels[c], "frame": f}, "dyn_faster",
              {"a": a, "b": c, "frame": f}, [v.labels[a], v.labels[c]], min_margin=MIN_SPEED_GAP_MPS,
              objects=[a, c], frames=[f])
        i, j = sorted(int(x) for x in b.rng.choice(v.n_frames, 2, replace=False))
        b.ask("dyn_farther", {"a": v.labels[a], "b": v.labels[c], "i": i, "j": j}, "dyn_farther",
              {"a": a, "b": c, "i": i, "j": j}, [v.labels[a], v.labels[c]], min_margin=MIN_PATH_GAP_M,
              objects=[a, c], frames=[i, j])


def gen_direction(b: DynBuilder, tries: int = 6) -> None:
    v = b.view
    for a in _movers(v):
        fr = _moving_frames(v, a)
        if not fr:
            continue
        for _ in range(tries):
            i = int(fr[int(b.rng.integers(len(fr)))])
            later = [f for f in range(i + 1, v.n_frames)]
            if not later:
                continue
            j = int(later[int(b.rng.integers(len(later)))])
            if not (v.seen(a, i) or v.seen(a, j)):
                b.reject("dyn_motion_direction", "not_seen")
                continue
            b.ask("dyn_motion_direction", {"a": v.labels[a], "i": i, "j": j}, "dyn_direction", {"a": a, "i": i, "j": j},
                  ["away from the camera", "toward the camera", "left", "right"], min_margin=MIN_ANGLE_MARGIN_DEG,
                  objects=[a], frames=[i, j])


def gen_where_now(b: DynBuilder) -> None:
    v = b.view
    for a in _movers(v):
        seen = [f for f in range(v.n_frames) if v.seen(a, f)]
        if not seen:
            continue
        unseen = [f for f in range(seen[0] + 1, v.n_frames) if a not in v.by_frame.get(f, {})]
        if not unseen:
            b.reject("dyn_where_now", "never_out_of_view")
            continue
        f = int(unseen[int(b.rng.integers(len(unseen)))])
        still = [o for o in _still(v, v.objects[a]["room"]) if v.labels[o] != v.labels[a]]
        if len(still) < 4:
            b.reject("dyn_where_now", "fewer_than_four_landmarks")
            continue
        cands = _pick(b.rng, still, 4)
        b.ask("dyn_where_now", {"a": v.labels[a], "frame": f, **{f"c{k}": v.labels[c] for k, c in enumerate(cands)}},
              "dyn_where_now", {"a": a, "frame": f, "candidates": cands}, [v.labels[c] for c in cands],
              min_margin=MIN_NEAREST_GAP_M, objects=[a, *cands], frames=[f])


def gen_count_moved(b: DynBuilder) -> None:
    v = b.view
    n, margin = ops.dyn_count_moved(v)
    if margin is None or margin < MIN_COUNT_MARGIN_M or n == 0:
        return b.reject("dyn_count_moved", "margin")
    b._evidence = [e["frame"] for e in _events(v, "motion_start") if e["frame"] is not None]
    try:
        b.numeric("dyn_count_moved", "dynamic", "dyn_count_moved", {}, "dyn_count_moved", {}, metric="exact",
                  rounding=1, objects=[m for m in _movers(v)])
    finally:
        b._evidence = ()


GENERATORS = (gen_which_moved, gen_rest_support, gen_hit, gen_pairs, gen_direction, gen_where_now, gen_count_moved)


def build_dynamic_qa(scene: dict, camera: dict, frames: list[dict], rng: np.random.Generator) -> tuple[list, dict]:
    """(items without ids, report {"candidates", "rejected", "kept"}) of the dynamic families."""
    view = SceneView(scene, camera, frames)
    b = DynBuilder(view, scene["scene_id"], rng)
    b._evidence = ()
    if not scene.get("dynamics"):
        return [], {"candidates": {}, "rejected": {}, "kept": {}}
    for gen in GENERATORS:
        gen(b)
    items, rep = [], {"candidates": {}, "rejected": {}, "kept": {}}
    for task in MAX_PER_TASK:
        cand = b.items.get(task, [])
        kept, _ = balance(cand, rng, MAX_PER_TASK[task])
        rep["candidates"][task], rep["kept"][task] = len(cand), len(kept)
        items.extend(kept)
    rep["rejected"] = {t: dict(sorted(c.items())) for t, c in sorted(b.rejected.items())}
    return items, rep


def merge_dynamic_qa(static_items: list[dict], scene: dict, camera: dict, frames: list[dict],
                     rng: np.random.Generator) -> list[dict]:
    """qa.jsonl of a dynamic scene: the static items that name no moved object, then the dynamic
    items; ids renumbered `<scene_id>-<k:04d>`."""
    moved = {m["id"] for m in (scene.get("dynamics") or {}).get("moved", [])}
    kept = [dict(it) for it in static_items if not moved & set(it.get("objects") or [])]
    dyn_items, _ = build_dynamic_qa(scene, camera, frames, rng)
    out = kept + dyn_items
    for k, it in enumerate(out):
        it["id"] = f"{scene['scene_id']}-{k:04d}"
        if not isinstance(it["answer"], str):
            it["answer"] = json.dumps(it["answer"], separators=(",", ":"))
    return out


def check_item(item: dict, view: SceneView) -> tuple[bool, str]:
    """Re-derive one item (static or dynamic) on a view, with the rules of
    simgen.annotate.programs.check_view."""
    try:
        value, margin = run_program(item["program"], view)
    except (ProgramError, KeyError, IndexError, ValueError, TypeError) as e:
        return False, f"{item.get('id')}: program failed: {type(e).__name__}: {e}"
    if value is None:
        return False, f"{item['id']}: program found no answer"
    if item.get("options"):
        letters = [o[:1] for o in item["options"]]
        chosen = option_text(item["options"][letters.index(item["answer"])])
        if chosen != str(value):
            return False, f"{item['id']}: option {item['answer']} is {chosen!r}, program gives {value!r}"
        if item["answer_value"] != str(value):
            return False, f"{item['id']}: answer_value {item['answer_value']!r} != {value!r}"
    elif item["answer_value"] != value and not (isinstance(value, float) and abs(item["answer_value"] - value) < 1e-6):
        return False, f"{item['id']}: answer_value {item['answer_value']!r} != program {value!r}"
    if item.get("margin") is not None and margin is not None and margin < item["margin"] - 1e-3:
        return False, f"{item['id']}: margin {margin:.3f} below the stored {item['margin']}"
    return True, "ok"
