"""Generators of the eight VSI-Bench tasks (VSI-Bench wording, answer kinds and metrics), with the
stricter ambiguity rules of docs/qa.md. Each adds items or rejection reasons to a Builder."""

from __future__ import annotations

import itertools

import numpy as np

from simgen.annotate import derive
from simgen.annotate import geometry as geo
from simgen.annotate.qa_items import Builder
from simgen.annotate.templates import route_steps

FAM = "vsi"
MIN_ABS_DIST_M = 0.5          # pairs closer than this are not asked (rounding to 0.1 m dominates)
MIN_REL_GAP_M = 0.3           # relative distance: the best candidate beats the next by 0.3 m
MIN_ANCHOR_DIST_M = 0.3       # ... and no candidate touches the anchor
MIN_DIR_MARGIN_DEG = 15.0     # relative direction: 15 degrees from every boundary
MIN_DIR_PAIR_M = 1.0          # relative direction: objects at least 1 m apart (centres)
MAX_DIR_EXTENT_M = 1.4        # ... and none wider than 1.4 m on the floor
MIN_ORDER_GAP = 2             # appearance order: first-covered frames at least 2 frames apart
MIN_TURN_MARGIN_DEG = 15.0


def covered_ids(b: Builder) -> list[int]:
    v = b.view
    return [o for o in sorted(v.objects) if v.objects[o].get("covered", v.is_covered(o)) and v.is_covered(o)]


def counting(b: Builder) -> None:
    v = b.view
    multi = len(v.rooms_shown()) > 1
    for cat, ids in sorted(v.by_category.items()):
        if not all(v.objects[o].get("covered", False) and v.is_covered(o) for o in ids):
            b.reject("object_counting", "instance_not_covered")
            continue
        b.numeric("object_counting", FAM, "object_counting_multi" if multi else "object_counting",
                  {"category": cat.replace("_", " ")}, "count", {"category": cat, "covered": True},
                  objects=ids, rounding=1)


def abs_distance(b: Builder, max_pairs: int = 20) -> None:
    v = b.view
    ids = [o for o in covered_ids(b) if v.unique_category(o)]
    pairs = list(itertools.combinations(ids, 2))
    for k in b.rng.permutation(len(pairs))[:max_pairs]:
        a, c = pairs[k]
        if derive.dist(v, a, c) < MIN_ABS_DIST_M:
            b.reject("object_abs_distance", "too_close")
            continue
        b.numeric("object_abs_distance", FAM, "object_abs_distance", {"a": v.labels[a], "b": v.labels[c]},
                  "abs_distance", {"a": a, "b": c}, objects=[a, c], unit="m", rounding=0.1)


def object_size(b: Builder) -> None:
    v = b.view
    for o in covered_ids(b):
        if not v.unique_category(o):
            b.reject("object_size_estimation", "category_not_unique")
            continue
        b.numeric("object_size_estimation", FAM, "object_size_estimation", {"a": v.labels[o]}, "object_size",
                  {"a": o}, objects=[o], unit="cm", rounding=1)


def room_size(b: Builder) -> None:
    v = b.view
    shown = v.rooms_shown()
    if not shown:
        return b.reject("room_size_estimation", "camera_outside_rooms")
    b.numeric("room_size_estimation", FAM, "room_size_estimation", {}, "room_size", {"variant": "combined"},
              unit="m2", rounding=0.1, frames=())
    if len(shown) > 1:
        b.numeric("room_size_estimation", FAM, "room_size_this", {}, "room_size", {"variant": "this"},
                  unit="m2", rounding=0.1)


def rel_distance(b: Builder, tries: int = 12) -> None:
    v = b.view
    cov = set(covered_ids(b))
    cats = sorted(c for c, ids in v.by_category.items() if set(ids) <= cov)
    anchors = [o for o in sorted(cov) if v.unique_category(o)]
    if len(cats) < 5 or not anchors:
        return b.reject("object_rel_distance", "too_few_categories")
    for t in range(tries):
        a = anchors[int(b.rng.integers(len(anchors)))]
        pool = [c for c in cats if c != v.objects[a]["category"]]
        cands = [pool[k] for k in b.rng.permutation(len(pool))[:4]]
        if min(derive.dist(v, a, o) for c in cands for o in v.by_category[c]) < MIN_ANCHOR_DIST_M:
            b.reject("object_rel_distance", "candidate_touches_anchor")
            continue
        which = "closest" if t % 2 == 0 else "farthest"
        objs = [a] + [o for c in cands for o in v.by_category[c]]
        fmt = {"a": v.labels[a], **{f"c{k}": c.replace("_", " ") for k, c in enumerate(cands)}}
        b.choice("object_rel_distance", FAM, "object_rel_distance" if which == "closest" else
                 "object_rel_distance_far", fmt, "rel_distance", {"anchor": a, "candidates": cands, "which": which},
                 [c.replace("_", " ") for c in cands], min_margin=MIN_REL_GAP_M, objects=objs)


def rel_direction(b: Builder, tries: int = 40) -> None:
    """Triples of covered objects, each asked in all six roles (standing by / facing / query) at every
    level, so that the rarer answers (behind: "back") are available in as many scenes as possible."""
    v = b.view
    ids = [o for o in covered_ids(b) if o in v.labels and geo.max_floor_extent(v.objects[o]) <= MAX_DIR_EXTENT_M]
    if len(ids) < 3:
        return b.reject("object_rel_direction", "too_few_objects")
    opts = {"easy": ["left", "right"], "medium": ["left", "right", "back"],
            "hard": ["front-left", "front-right", "back-left", "back-right"]}
    for _ in range(tries):
        triple = [ids[k] for k in b.rng.permutation(len(ids))[:3]]
        c = {k: geo.center(v.objects[k])[:2] for k in triple}
        close = min(np.linalg.norm(c[x] - c[y]) for x, y in itertools.combinations(triple, 2)) < MIN_DIR_PAIR_M
        for level in ("easy", "medium", "hard"):
            task = f"object_rel_direction_{level}"
            if close:
                b.reject(task, "objects_too_close")
                continue
            for p, o, q in itertools.permutations(triple):
                b.choice(task, FAM, task, {"pos": v.labels[p], "ori": v.labels[o], "query": v.labels[q]},
                         "rel_direction", {"pos": p, "ori": o, "query": q, "level": level}, opts[level],
                         min_margin=MIN_DIR_MARGIN_DEG, objects=[p, o, q])


def route_planning(b: Builder, tries: int = 12) -> None:
    v = b.view
    ids = [o for o in covered_ids(b) if o in v.labels]
    if len(ids) < 4:
        return b.reject("route_planning", "too_few_objects")
    for _ in range(tries):
        s, f, g = (ids[k] for k in b.rng.permutation(len(ids))[:3])
        plan = derive.route_details(v, s, f, g)
        if plan is None:
            b.reject("route_planning", "no_path_or_waypoint")
            continue
        n = len(plan["turns"])
        if not 1 <= n <= 3:
            b.reject("route_planning", "turn_count")
            continue
        steps = route_steps(n, plan["initial_turn"], [v.labels[w] for w in plan["waypoints"]], v.labels[g])
        names = ["Turn Left", "Turn Right", "Turn Back"]
        seqs = [", ".join(x) for x in itertools.product(names, repeat=n)]
        correct = ", ".join(plan["turns"])
        others = [x for x in seqs if x != correct]
        others = [others[k] for k in b.rng.permutation(len(others))[:3]]
        b.choice("route_planning", FAM, "route_planning",
                 {"start": v.labels[s], "facing": v.labels[f], "goal": v.labels[g], "steps": steps},
                 "route_plan", {"start": s, "facing": f, "goal": g, "waypoints": plan["waypoints"]}, others,
                 min_margin=MIN_TURN_MARGIN_DEG, objects=[s, f, g, *plan["waypoints"]])


def appearance_order(b: Builder, tries: int = 20) -> None:
    v = b.view
    cov = set(covered_ids(b))
    cats = sorted(c for c, ids in v.by_category.items() if any(o in cov for o in ids)
                  and all(v.first_covered[o] is not None or o not in cov for o in ids))
    if len(cats) < 4:
        return b.reject("obj_appearance_order", "too_few_categories")
    for _ in range(tries):
        cs = [cats[k] for k in b.rng.permutation(len(cats))[:4]]
        objs = [o for c in cs for o in v.by_category[c] if o in cov]
        perms = [", ".join(c.replace("_", " ") for c in p) for p in itertools.permutations(cs)]
        others = [perms[k] for k in b.rng.permutation(len(perms))[:4]]
        b.choice("obj_appearance_order", FAM, "obj_appearance_order",
                 {f"c{k}": c.replace("_", " ") for k, c in enumerate(cs)}, "appearance_order", {"categories": cs},
                 others, min_margin=MIN_ORDER_GAP, objects=objs, n_options=4)


GENERATORS = (counting, abs_distance, object_size, room_size, rel_distance, rel_direction, route_planning,
              appearance_order)
