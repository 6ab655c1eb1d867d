"""Verified coverage: which objects the rendered frames actually show well enough to ask about.

Definitions (docs/trajectory.md): for object o and frame t, visible_px(o, t) comes from the instance
render and vis(o, t) = visible_px / pixels of o rendered alone from the same pose. o is **covered**
if some frame has vis >= vis_min (0.7), visible_px >= max(min_px_640 scaled with the image area),
at least corners_min (90 %) of its 8 projected box corners inside the image, and its box centre
<= max_dist_m from the camera. The planner's claim (scene.json trajectory.planned_targets) is
checked against this; an uncovered object carries the reason.
"""

from __future__ import annotations

REASONS = ("never_visible", "occluded", "too_small", "truncated", "too_far")


def coverage(frames: list[dict], object_ids: list[int], width: int, height: int, vis_min: float,
             min_px_640: int, corners_min: float, max_dist_m: float) -> dict[int, dict]:
    """Per object: covered, best_vis, best_px, first/last/best frame, frames_seen, and `reason` when not
    covered (the first rule its best frame fails: occluded, too_small, truncated, too_far; or
    never_visible). frames: frames.jsonl records (frame_record output)."""
    min_px = max(1, int(round(min_px_640 * (width * height) / (640 * 480))))
    out = {oid: {"covered": False, "best_vis": 0.0, "best_px": 0, "first_frame": None, "last_frame": None,
                 "best_frame": None, "frames_seen": 0, "reason": "never_visible"} for oid in object_ids}
    scores: dict[int, float] = {}
    for fr in frames:
        for o in fr["objects"]:
            rec = out.get(o["id"])
            if rec is None:
                continue
            rec["frames_seen"] += 1
            if rec["first_frame"] is None:
                rec["first_frame"] = fr["index"]
            rec["last_frame"] = fr["index"]
            fails = [name for name, bad in (("occluded", o["vis_fraction"] < vis_min),
                                            ("too_small", o["visible_px"] < min_px),
                                            ("truncated", o["corners_inside"] < corners_min),
                                            ("too_far", o["distance_m"] > max_dist_m)) if bad]
            ok = not fails
            score = o["vis_fraction"] + (1.0 if ok else 0.0) - 0.01 * len(fails)
            if rec["best_frame"] is None or score > scores[o["id"]]:
                scores[o["id"]] = score
                rec["best_frame"] = fr["index"]
                rec["reason"] = None if ok else fails[0]
            rec["best_vis"] = max(rec["best_vis"], o["vis_fraction"])
            rec["best_px"] = max(rec["best_px"], int(o["visible_px"]))
            rec["covered"] = rec["covered"] or ok
    for rec in out.values():
        if rec["covered"]:
            rec["reason"] = None
    return out


def coverage_at(cov_frames: list[dict], object_ids: list[int], width: int, height: int, thresholds,
                min_px_640: int, corners_min: float, max_dist_m: float) -> dict[str, float]:
    """{"0.5": fraction covered at vis 0.5, "0.7": ..., "0.9": ...} for the given vis thresholds."""
    res = {}
    for tau in thresholds:
        cov = coverage(cov_frames, object_ids, width, height, tau, min_px_640, corners_min, max_dist_m)
        res[f"{tau:g}"] = sum(c["covered"] for c in cov.values()) / len(cov) if cov else 1.0
    return res
