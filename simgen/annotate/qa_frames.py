"""Generators of the frame-referenced families: single-frame relations (SAT static), camera motion
(SAT dynamic), geometry perception (depth, camera height, correspondence, 2D/3D grounding) and the
cognitive map. Frame numbers in questions are indices into the delivered video (0-based)."""

from __future__ import annotations

import numpy as np

from simgen.annotate import derive
from simgen.annotate import geometry as geo
from simgen.annotate.qa_items import Builder
from simgen.annotate.qa_vsi import covered_ids

MIN_DEPTH_GAP_M = 0.3
MIN_IMAGE_GAP_FRAC = 0.05     # image left/right: visible boxes separated by 5 % of the width
MIN_HEIGHT_GAP_M = 0.05
MIN_ANGLE_MARGIN_DEG = 15.0
MIN_POINT_SEP_FRAC = 0.08     # correspondence: candidate pixels 8 % of the width apart


def _frame_pairs(v, tries, rng):
    return [tuple(sorted(rng.choice(v.n_frames, 2, replace=False).tolist())) for _ in range(tries)]


def single_frame(b: Builder, tries: int = 48) -> None:
    v = b.view
    cov = set(covered_ids(b))
    for t in range(tries):
        f = int(b.rng.integers(v.n_frames))
        seen = [o for o in sorted(v.by_frame.get(f, {})) if o in cov and o in v.labels and v.seen(o, f)]
        kind = ("closer_to_camera", "image_left_right", "above_below", "count_visible")[t % 4]
        if kind == "count_visible":
            cats = sorted({v.objects[o]["category"] for o in seen})
            if not cats:
                b.reject(kind, "nothing_seen")
                continue
            c = cats[int(b.rng.integers(len(cats)))]
            n, margin = derive.count_visible(v, c, f)
            if margin < 1:
                b.reject(kind, "partly_visible_instance")
                continue
            b.numeric(kind, "single_frame", kind, {"category": c.replace("_", " "), "frame": f}, "count_visible",
                      {"category": c, "frame": f}, objects=v.by_category[c], frames=[f], metric="exact", rounding=1)
            continue
        if len(seen) < 2:
            b.reject(kind, "fewer_than_two_seen")
            continue
        a, c = (seen[k] for k in b.rng.permutation(len(seen))[:2])
        fmt = {"a": v.labels[a], "b": v.labels[c], "frame": f}
        if kind == "closer_to_camera":
            b.choice(kind, "single_frame", kind, fmt, kind, {"a": a, "b": c, "frame": f}, [v.labels[a], v.labels[c]],
                     min_margin=MIN_DEPTH_GAP_M, objects=[a, c], frames=[f])
        else:   # both orders: each pair offers both answers ("a left of b", "b right of a")
            for x, y in ((a, c), (c, a)):
                fmt = {"a": v.labels[x], "b": v.labels[y], "frame": f}
                if kind == "image_left_right":
                    b.choice(kind, "single_frame", kind, fmt, kind, {"a": x, "b": y, "frame": f}, ["left", "right"],
                             min_margin=MIN_IMAGE_GAP_FRAC * v.width, objects=[x, y], frames=[f])
                else:
                    b.choice(kind, "single_frame", kind, fmt, kind, {"a": x, "b": y}, ["above", "below"],
                             min_margin=MIN_HEIGHT_GAP_M, objects=[x, y], frames=[f])


def camera_motion(b: Builder, tries: int = 48) -> None:
    v = b.view
    if v.n_frames < 2:
        return
    kinds = ("camera_move_direction", "camera_move_distance", "camera_turn_direction", "camera_turn_angle")
    for i, j in _frame_pairs(v, tries, b.rng):     # every pair for every kind: more answer classes per scene
        fmt, args = {"i": i, "j": j}, {"i": i, "j": j}
        local, yaw = derive._motion(v, i, j)
        for kind in kinds:
            if kind == "camera_move_direction":
                b.choice(kind, "camera_motion", kind, fmt, kind, args, ["forward", "backward", "left", "right"],
                         min_margin=MIN_ANGLE_MARGIN_DEG, frames=[i, j])
            elif kind == "camera_move_distance":
                if np.linalg.norm(local) < 0.3:
                    b.reject(kind, "too_small")
                    continue
                b.numeric(kind, "camera_motion", kind, fmt, kind, args, frames=[i, j], unit="m", rounding=0.1)
            elif kind == "camera_turn_direction":
                b.choice(kind, "camera_motion", kind, fmt, kind, args, ["left", "right"],
                         min_margin=MIN_ANGLE_MARGIN_DEG, frames=[i, j])
            else:
                if abs(yaw) < 15:
                    b.reject(kind, "too_small")
                    continue
                b.numeric(kind, "camera_motion", kind, fmt, kind, args, frames=[i, j], unit="deg", rounding=1)
    ids = [o for o in covered_ids(b) if o in v.labels]
    for t in range(tries // 2):
        if len(ids) < 2:
            break
        f = int(b.rng.integers(v.n_frames))
        a, c = (ids[k] for k in b.rng.permutation(len(ids))[:2])
        b.choice("goal_aiming", "camera_motion", "goal_aiming", {"a": v.labels[a], "frame": f}, "goal_aiming",
                 {"frame": f, "target": a}, ["turn left", "turn right", "turn around"],
                 min_margin=MIN_ANGLE_MARGIN_DEG, objects=[a], frames=[f])
        b.choice("perspective_taking", "camera_motion", "perspective_taking",
                 {"a": v.labels[a], "b": v.labels[c], "frame": f}, "perspective", {"frame": f, "a": a, "b": c},
                 ["left", "right"], min_margin=MIN_ANGLE_MARGIN_DEG, objects=[a, c], frames=[f])


def geometry(b: Builder, tries: int = 8) -> None:
    v = b.view
    cov = set(covered_ids(b))
    for _ in range(tries):
        f = int(b.rng.integers(v.n_frames))
        seen = [o for o in sorted(v.by_frame.get(f, {})) if o in cov and o in v.labels and v.seen(o, f)]
        if f % 2 == 0 or not seen:
            b.numeric("camera_height", "geometry", "camera_height", {"frame": f}, "camera_height", {"frame": f},
                      frames=[f], unit="m", rounding=0.01)
        if not seen:
            b.reject("object_depth", "nothing_seen")
            continue
        a = seen[int(b.rng.integers(len(seen)))]
        b.numeric("object_depth", "geometry", "object_depth", {"a": v.labels[a], "frame": f}, "object_depth",
                  {"a": a, "frame": f}, objects=[a], frames=[f], unit="m", rounding=0.1)
        b.numeric("grounding_2d", "geometry", "grounding_2d", {"a": v.labels[a], "frame": f}, "grounding_2d",
                  {"a": a, "frame": f}, objects=[a], frames=[f], metric="iou", unit="px", rounding=1)
        b.numeric("grounding_3d", "geometry", "grounding_3d", {"a": v.labels[a]}, "grounding_3d", {"a": a},
                  objects=[a], metric="iou3d", unit="m,rad", rounding=0.01)
    _correspondence(b, cov)


def _well_seen(v, o, f) -> bool:
    r = v.by_frame.get(f, {}).get(o)
    return r is not None and r["vis_fraction"] >= 0.9 and not r["truncated"]


def _top_faces_camera(v, o, f, clearance_m: float = 0.1) -> bool:
    """The camera at frame f is above the top of o's box (its top face is turned towards the camera)."""
    return geo.camera_position(v.camera, f)[2] >= v.objects[o]["aabb"]["max"][2] + clearance_m


def _inside(v, uv, border_frac: float = 0.02) -> bool:
    bu, bv = border_frac * v.width, border_frac * v.height
    return bool(bu <= uv[0] < v.width - bu and bv <= uv[1] < v.height - bv)


def _correspondence(b: Builder, cov, tries: int = 24) -> None:
    """Which of 4 marked pixels of frame j shows the marked point of frame i: the true point is the top
    centre of a covered object well seen in both frames; the 3 distractors are marked points (top
    centres or inset top corners, derive.mark_point) of objects seen in frame j, including the same
    object, all >= MIN_POINT_SEP_FRAC of the width apart."""
    v = b.view
    task, min_sep = "multiview_correspondence", MIN_POINT_SEP_FRAC * v.width
    for i, j in _frame_pairs(v, tries, b.rng):
        common = [o for o in sorted(cov) if _well_seen(v, o, i) and _well_seen(v, o, j)
                  and _top_faces_camera(v, o, i) and _top_faces_camera(v, o, j)]
        if not common:
            b.reject(task, "no_object_well_seen_in_both")
            continue
        a = common[int(b.rng.integers(len(common)))]
        uv_i = derive.correspondence_points(v, i, [a])[0]
        uv_a = derive.correspondence_points(v, j, [a])[0]
        if not (_inside(v, uv_i) and _inside(v, uv_a)):
            b.reject(task, "point_outside_image")
            continue
        pool = [[o, k] for o in sorted(v.by_frame.get(j, {})) if o in v.objects and v.seen(o, j)
                and _top_faces_camera(v, o, j) for k in range(5) if [o, k] != [a, 0]]
        chosen, uvs = [[a, 0]], [uv_a]
        for n in b.rng.permutation(len(pool)):
            if len(chosen) == 4:
                break
            uv = derive.correspondence_points(v, j, [pool[n]])[0]
            if _inside(v, uv) and all(np.linalg.norm(uv - u) >= min_sep for u in uvs):
                chosen.append(pool[n])
                uvs.append(uv)
        if len(chosen) < 4:
            b.reject(task, "too_few_distractor_points")
            continue
        texts = [f"({p[0]}, {p[1]})" for p in uvs]
        b.choice(task, "geometry", task, {"i": i, "j": j, "u": int(uv_i[0]), "v": int(uv_i[1])}, "correspondence",
                 {"i": i, "j": j, "a": a, "candidates": chosen}, texts[1:], min_margin=min_sep, objects=[a],
                 frames=[i, j])


def cognitive_map(b: Builder) -> None:
    v = b.view
    cov = set(covered_ids(b))
    cats = sorted(c for c, ids in v.by_category.items() if set(ids) <= cov
                  and all(v.objects[o]["placement"] == "floor" for o in ids))
    if len(cats) < 3:
        return b.reject("cognitive_map", "too_few_floor_categories")
    cats = [cats[k] for k in sorted(b.rng.permutation(len(cats))[:6])]
    objs = [o for c in cats for o in v.by_category[c]]
    b.numeric("cognitive_map", "cognitive_map", "cognitive_map",
              {"cats": ", ".join(c.replace("_", " ") for c in cats), "cell": 0.5}, "cognitive_map",
              {"categories": cats, "cell_m": 0.5}, objects=objs, metric="map", unit="cell")


GENERATORS = (single_frame, camera_motion, geometry, cognitive_map)
