"""One room's layout: program -> units -> floor solve -> wall and ceiling items -> small objects.

`solve_room` returns the placed items ({key: (item, pose, placement, support_key)}) and the room's
solve report (requested vs placed, dropped items with reasons, evaluations, timings, budget).
"""

from __future__ import annotations

import time

import numpy as np
from shapely.geometry import Polygon

from simgen.scenes.fill import box_of, place_ceiling_items, place_surface_items, place_wall_items, support_slots
from simgen.scenes.geometry import NavGrid
from simgen.scenes.placement import door_passages, door_points, keepouts, opening_boxes
from simgen.scenes.program import RoomProgram
from simgen.scenes.solver import FRONT_CLEARANCE_M, Budget, FloorProblem, Unit, clearance_rects, solve_floor


def _unit(idx: int, keys, local_poses, items_by_key, wall: bool, kind: str, group_clear: float = 0.0) -> Unit:
    local, heights, depths, cats = [], [], [], []
    for j, (k, (x, y, yaw)) in enumerate(zip(keys, local_poses)):
        ext = items_by_key[k].asset.extents_m
        local.append([x, y, ext[0] / 2, ext[1] / 2, yaw])
        heights.append(ext[2])
        cats.append(items_by_key[k].category)
        d = group_clear if (j == 0 and kind != "single") else 0.0
        if kind == "single":
            d = FRONT_CLEARANCE_M.get(items_by_key[k].category, 0.0)
        depths.append(d)
    local = np.array(local, dtype=np.float64)
    return Unit(idx=idx, keys=list(keys), local=local, heights=np.array(heights), wall=wall,
                clear=clearance_rects(local, depths), kind=kind, categories=cats)


def solve_room(room, prog: RoomProgram, doors, windows, cats, cfg, radius_m: float, rng: np.random.Generator):
    t0 = time.perf_counter()
    from simgen import assets

    poly = Polygon(room.polygon)
    items = {it.key: it for it in prog.items}
    budget = Budget(cfg.layout_evals_per_room, cfg.layout_time_cap_s)
    # ---- units: groups first (largest first), then single floor items by footprint
    units = []
    grouped = set()
    for g in sorted(prog.groups, key=lambda g: -sum(np.prod(items[k].asset.extents_m[:2]) for k in g.keys)):
        units.append(_unit(len(units), g.keys, g.local, items, g.against_wall, g.kind, g.clear_front_m))
        units[-1].group = g  # type: ignore[attr-defined]
        grouped.update(g.keys)
    singles = [it for it in prog.items if it.placement == "floor" and it.key not in grouped]
    singles.sort(key=lambda it: (-float(np.prod(it.asset.extents_m[:2])), it.key))
    for it in singles:
        units.append(_unit(len(units), [it.key], [(0.0, 0.0, 0.0)], items, cats[it.category].against_wall, "single"))
    shrunk_away: list[int] = []

    def shrink(u: Unit):
        """A smaller variant: a group loses its last member; a single is resampled once."""
        if u.kind != "single":
            if len(u.keys) <= 1:
                return None
            shrunk_away.append(u.keys[-1])
            g = u.group  # type: ignore[attr-defined]
            nu = _unit(u.idx, u.keys[:-1], g.local[:len(u.keys) - 1], items, u.wall, u.kind, g.clear_front_m)
            nu.group = g  # type: ignore[attr-defined]
            return nu
        if getattr(u, "resampled", False):
            return None
        it = items[u.keys[0]]
        new = assets.make(it.category, rng)
        if np.prod(new.extents_m[:2]) >= np.prod(it.asset.extents_m[:2]):
            return None
        it.asset = new
        nu = _unit(u.idx, u.keys, [(0.0, 0.0, 0.0)], items, u.wall, "single")
        nu.resampled = True  # type: ignore[attr-defined]
        return nu

    static, static_h, _ = keepouts(room, doors, windows, cfg.wall_thickness_m)
    dpts = door_points(room, doors, cfg.wall_thickness_m, radius_m)
    nav = NavGrid(poly, dpts, door_passages(room, doors, cfg.wall_thickness_m), radius_m)
    ent = next((d for d in doors if d.entrance and room.id in d.rooms), None)
    weights = {"clearance": cfg.w_clearance, "parallel": cfg.w_parallel, "faces": cfg.w_faces,
               "distance": cfg.w_distance, "counter_perspective": cfg.w_counter_perspective,
               "against_wall": cfg.w_against_wall}
    unit_rel = [(r["type"], r["subject"], r["object"], r["params"]) for r in prog.relations
                if r["type"] in ("faces", "distance_range") and isinstance(r["object"], int)]
    prob = FloorProblem(room, poly, static, static_h, nav, weights, unit_rel,
                        np.asarray(dpts[0]) if ent is not None and dpts else None)
    t_floor = time.perf_counter()
    # the floor stage may use 80 % of the room's evaluations; wall and surface stages are bounded by
    # their item counts (n_candidates each) and share only the wall-clock cap
    floor_budget = Budget(int(0.8 * cfg.layout_evals_per_room), cfg.layout_time_cap_s)
    placed_units, frep = solve_floor(prob, units, rng, floor_budget, shrink=shrink)
    budget.evals = floor_budget.evals
    budget.nav_checks = floor_budget.nav_checks
    budget.cap_hit = floor_budget.cap_hit
    budget.max_evals = budget.evals + 80 * len(prog.items) + 1
    t_floor = time.perf_counter() - t_floor

    placed = {}                                  # key -> (item, pose, placement, support_key)
    floor_boxes = []
    from simgen.scenes.fill import pose_from
    from simgen.scenes.geometry import compose

    for i in placed_units:
        u = units[i]
        for k, r in zip(u.keys, compose(prob.pose(u), u.local)):
            pose = pose_from(r[0], r[1], 0.0, r[4])
            placed[k] = (items[k], pose, "floor", None)
            floor_boxes.append(box_of(k, items[k].category, items[k].asset.extents_m, pose))

    # ---- wall items (walkable space re-checked with them) and ceiling items
    floor_R = np.array([b.rect for b in floor_boxes]).reshape(-1, 5)
    floor_own = np.array([b.key for b in floor_boxes], dtype=int)

    def nav_check(wall_boxes):
        R = np.concatenate([floor_R, np.array([b.rect for b in wall_boxes]).reshape(-1, 5)])
        own = np.concatenate([floor_own, np.array([b.key for b in wall_boxes], dtype=int)])
        return nav.check(R, own)[0]

    wall_items = [it for it in prog.items if it.placement == "wall"]
    wposes, wdrop, wall_boxes = place_wall_items(wall_items, room, poly, opening_boxes(room, doors, windows, cfg.wall_thickness_m),
                                                 floor_boxes, nav_check, rng, cats, budget)
    for k, pose in wposes.items():
        placed[k] = (items[k], pose, "wall", None)
    ceil_items = [it for it in prog.items if it.placement == "ceiling"]
    cposes, cdrop = place_ceiling_items(ceil_items, room, poly, floor_boxes, rng)
    ceil_boxes = []
    for k, (pose, asset) in cposes.items():
        items[k].asset = asset
        placed[k] = (items[k], pose, "ceiling", None)
        ceil_boxes.append(box_of(k, items[k].category, asset.extents_m, pose))

    # ---- small objects on supports
    holders = [(k, v[0].category, v[0].asset, v[1]) for k, v in placed.items() if v[2] in ("floor", "wall")]
    slots = support_slots(holders, cfg.support_capacity_scale)
    surf_items = [it for it in prog.items if it.placement == "surface"]
    sposes, sdrop = place_surface_items(surf_items, slots, floor_boxes + wall_boxes + ceil_boxes, rng, budget)
    for k, (pose, sk) in sposes.items():
        placed[k] = (items[k], pose, "surface", sk)

    dropped_floor = [k for i in frep["dropped_units"] for k in units[i].keys] + shrunk_away
    dropped = {"floor": dropped_floor, "wall": wdrop, "ceiling": cdrop, "surface": sdrop}
    req = {p: sum(it.placement == p for it in prog.items) for p in ("floor", "wall", "surface", "ceiling")}
    got = {p: sum(v[2] == p for v in placed.values()) for p in ("floor", "wall", "surface", "ceiling")}
    report = {
        "room": room.id, "targets": prog.requested, "requested": req, "placed": got,
        "n_requested": len(prog.items), "n_placed": len(placed),
        "shortfall": {p: req[p] - got[p] for p in req if req[p] > got[p]},
        "dropped": {p: [{"key": k, "category": items[k].category} for k in ks] for p, ks in dropped.items() if ks},
        "units": len(units), "units_placed": len(placed_units), "groups": [u.kind for u in units if u.kind != "single"],
        "evaluations": budget.evals, "eval_budget": budget.max_evals, "nav_checks": budget.nav_checks,
        "time_cap_s": budget.cap, "time_cap_hit": budget.cap_hit,
        "floor": {k: v for k, v in frep.items() if k not in ("dropped_units",)},
        "solve_time_s": round(time.perf_counter() - t0, 4), "floor_time_s": round(t_floor, 4),
    }
    return placed, report
