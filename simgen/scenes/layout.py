"""One room's layout: program -> units -> floor solve -> wall and ceiling items -> small objects.

`solve_room` returns the placed items ({key: (item, pose, placement, support_key)}) and the room's
solve report (requested vs placed, dropped items with reasons, evaluations, timings, budget).
"""

from __future__ import annotations

import time

import numpy as np
from shapely.geometry import Polygon

from simgen.scenes.fill import Box, box_of, place_ceiling_items, place_surface_items, place_wall_items, support_slots
from simgen.scenes.geometry import NavGrid
from simgen.scenes.placement import door_passages, door_points, keepouts, opening_boxes
from simgen.scenes.fill import NAV_CHECK_BELOW_M
from simgen.scenes.program import RoomProgram, mount_range, row_local
from simgen.scenes.relations import AROUND_NEAR_M
from simgen.scenes.solver import FRONT_CLEARANCE_M, Budget, FloorProblem, State, Unit, clearance_rects, solve_floor


NEAR_SCAN_FRACTION = 0.7    # a let-go member's `near` is scanned at 70 % of its distance (SAT separation
#                             under-reads corner-to-corner distances by up to 1/sqrt(2))
RESAMPLE_FLAGS = ("pair_resampled", "bed_resampled", "row_resampled")   # what shrink() already tried on a group
NARROWER_PAIR_DRAWS = 4    # nightstand variants drawn for a narrower matching pair beside a bed that does not fit
SAME_LINE_SCAN_M = 0.03     # a let-go row member's back on the row's line, scanned within 3 cm (evaluated: 5 cm)


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


def _under_ceiling(slots, height_m: float):
    """Clamp each support surface's clearance to the ceiling (2 cm margin): tops of wardrobes and
    fridges have unbounded clearance in the asset, not in a 2.4 m room."""
    for sl in slots:
        sl.clearance_m = min(sl.clearance_m, height_m - 0.02 - float(sl.pose[2, 3] + sl.height_m))
    return [sl for sl in slots if sl.clearance_m >= 0.06]


def solve_room(room, prog: RoomProgram, doors, windows, cats, cfg, radius_m: float, rng: np.random.Generator):
    t0 = time.perf_counter()
    from simgen import assets

    poly = Polygon(room.polygon)
    items = {it.key: it for it in prog.items}
    budget = Budget(cfg.layout_evals_per_room, cfg.layout_time_cap_s)
    # ---- units: groups first (largest first), each followed by the single floor items tied to it by
    # faces / distance relations (the TV stand right after the sofa's group, before another group can
    # take the floor between them), then the other single floor items by footprint
    singles = [it for it in prog.items if it.placement == "floor" and not any(it.key in g.keys for g in prog.groups)]
    partners: dict[int, set] = {}
    for r in prog.relations:
        if r["type"] in ("faces", "distance_range") and isinstance(r["object"], int):
            partners.setdefault(r["subject"], set()).add(r["object"])
            partners.setdefault(r["object"], set()).add(r["subject"])
    singles.sort(key=lambda it: (it.fill, it.key not in partners, -float(np.prod(it.asset.extents_m[:2])), it.key))
    units = []
    queued: set[int] = set()

    walled = {r["subject"] for r in prog.relations if r["type"] == "against_wall"}

    def add_single(it):
        units.append(_unit(len(units), [it.key], [(0.0, 0.0, 0.0)], items, cats[it.category].against_wall, "single"))
        # a wall-side single tied by faces / distance relations and not itself asked to stand against a
        # wall (the TV stand) may stand off the wall when its relations hold at no wall pose
        units[-1].may_stand_off = it.key in partners and it.key not in walled  # type: ignore[attr-defined]
        queued.add(it.key)

    # wall groups claim the walls first, then free-standing groups claim the middle, then singles
    for g in sorted(prog.groups, key=lambda g: (not g.against_wall,
                                                -sum(np.prod(items[k].asset.extents_m[:2]) for k in g.keys))):
        units.append(_unit(len(units), g.keys, g.local, items, g.against_wall, g.kind, g.clear_front_m))
        units[-1].group = g  # type: ignore[attr-defined]
        # a front clearance requested as a relation (the bed's) is kept free of later units
        units[-1].keep_clear = any(  # type: ignore[attr-defined]
            r["type"] == "front_clearance" and r["subject"] == g.keys[0] for r in prog.relations)
        if g.kind == "lounge" and any(items[k].category == "tv_stand" for k in items):
            # the sofa looks at a wall 1.8-4 m away (plus the TV stand's depth): room for the TV unit
            units[-1].view_range = (2.3, 4.2)  # type: ignore[attr-defined]
        gi = len(units) - 1
        for it in singles:
            if it.key not in queued and partners.get(it.key, set()) & set(g.keys):
                add_single(it)
                if it.category == "tv_stand" and getattr(units[gi], "view_range", None) is not None:
                    units[gi].view_partner = units[-1]   # type: ignore[attr-defined]  # the wall it must face
    for it in singles:
        if it.key not in queued:
            add_single(it)

    shrunk = []                            # what shrink() did, for the report

    def narrowest(category: str, below_m: float, ok=lambda a: True):
        """The narrowest of NARROWER_PAIR_DRAWS fresh `category` assets narrower than below_m passing ok."""
        best = None
        for _ in range(NARROWER_PAIR_DRAWS):
            a = assets.make(category, rng)
            if a.extents_m[1] < below_m and ok(a) and (best is None or a.extents_m[1] < best.extents_m[1]):
                best = a
        return best

    def rebuilt(u: Unit, flag: str) -> Unit:
        """u's group as a fresh unit after a member was resampled (its local poses already updated)."""
        g = u.group  # type: ignore[attr-defined]
        nu = _unit(u.idx, u.keys, g.local, items, u.wall, u.kind, g.clear_front_m)
        for a in ("group", "view_range", "view_partner", "keep_clear", *RESAMPLE_FLAGS):
            setattr(nu, a, getattr(u, a, None))
        setattr(nu, flag, True)
        return nu

    def holds(a, on_it) -> bool:
        """Every item of `on_it` fits one of asset a's support tops (clearance, footprint at a right angle)."""
        tops = [np.ptp(np.asarray(sp.polygon), axis=0) for sp in a.supports]
        return all(any(sp.clearance_m >= it.asset.extents_m[2] and (
            (t >= it.asset.extents_m[:2]).all() or (t >= it.asset.extents_m[1::-1]).all())
            for sp, t in zip(a.supports, tops)) for it in on_it)

    def bed_local(u: Unit):
        """Nightstands flush with the bed's head end, 3 cm from its sides (the bed centred at the origin)."""
        g = u.group  # type: ignore[attr-defined]
        bx, by = items[u.keys[0]].asset.extents_m[:2]
        for k, side in zip(u.keys[1:], (-1, 1)):
            nx, ny = items[k].asset.extents_m[:2]
            g.local[u.keys.index(k)] = (-bx / 2 + nx / 2, side * (by / 2 + ny / 2 + 0.03), 0.0)

    def narrower_pair(u: Unit):
        """The bed group with its two nightstands (a requested symmetric pair) resampled as one narrower
        matching pair that still holds their lamps, before a nightstand is let go (which breaks the pair)."""
        ns = [k for k in u.keys[1:] if items[k].category == "nightstand"]
        if len(ns) != 2 or len(u.keys) != 3:
            return None
        lamps = [it for it in prog.items if it.support_key in ns]
        best = narrowest("nightstand", max(items[k].asset.extents_m[1] for k in ns) - 0.02, lambda a: holds(a, lamps))
        if best is None:
            return None
        for k in ns:
            items[k].asset = best
        bed_local(u)
        shrunk.append({"unit": u.kind, "resampled": "nightstand", "keys": ns})
        return rebuilt(u, "pair_resampled")

    def narrower_bed(u: Unit):
        """The bed of a bed group resampled narrower (a double for a king, a single for a double), its
        pillows still fitting, so that both nightstands stay beside it (the symmetric pair holds)."""
        if len(u.keys) != 3 or any(items[k].category != "nightstand" for k in u.keys[1:]):
            return None
        kb = u.keys[0]
        on_bed = [it for it in prog.items if it.support_key == kb]
        best = narrowest(items[kb].category, items[kb].asset.extents_m[1] - 0.1, lambda a: holds(a, on_bed))
        if best is None:
            return None
        items[kb].asset = best
        bed_local(u)
        shrunk.append({"unit": u.kind, "resampled": items[kb].category, "key": kb})
        return rebuilt(u, "bed_resampled")

    def narrower_row(u: Unit):
        """A row (kitchen run, bath) whose widest member is resampled narrower (a shorter counter), before
        a member is let go (which breaks its aligned_row)."""
        g = u.group  # type: ignore[attr-defined]
        k = max(u.keys, key=lambda k: items[k].asset.extents_m[1])
        best = narrowest(items[k].category, items[k].asset.extents_m[1] - 0.1)
        if best is None:
            return None
        items[k].asset = best
        g.local = row_local([items[m].asset.extents_m for m in u.keys]) + list(g.local[len(u.keys):])
        shrunk.append({"unit": u.kind, "resampled": items[k].category, "key": k})
        return rebuilt(u, "row_resampled")

    def shrink(u: Unit):
        """A smaller variant: a bed group first resamples its nightstand pair narrower, then its bed; a row
        its widest member; then a group loses its last member; a single is resampled once."""
        if u.kind == "bed" and not getattr(u, "pair_resampled", False):
            nu = narrower_pair(u)
            if nu is not None:
                return nu
        if u.kind == "bed" and not getattr(u, "bed_resampled", False):
            nu = narrower_bed(u)
            if nu is not None:
                return nu
        if u.kind in ("kitchen_run", "bath") and len(u.keys) >= 2 and not getattr(u, "row_resampled", False):
            nu = narrower_row(u)
            if nu is not None:
                return nu
        if u.kind != "single":
            if len(u.keys) <= 1:
                return None
            k_out = u.keys[-1]
            it_out = items[k_out]          # the member left out is retried later as a single unit
            shrunk.append({"unit": u.kind, "let_go": it_out.category, "key": k_out})
            # placed on its own, it still keeps to the member it was grouped with (chairs around the
            # table, a nightstand by the bed): `near` with a margin, honoured by the scan and the annealing
            for r in prog.relations:
                if r["type"] == "near" and r["subject"] == k_out and isinstance(r["object"], int):
                    near_m = NEAR_SCAN_FRACTION * r["params"]["max_m"]
                    prob.relations.append(("near", k_out, r["object"], {"max_m": near_m}))
                elif r["type"] == "around" and k_out in r["object"]:
                    near_m = NEAR_SCAN_FRACTION * AROUND_NEAR_M
                    prob.relations.append(("near", k_out, r["subject"], {"max_m": near_m}))
                elif r["type"] == "aligned_row" and k_out in r["object"]:
                    # a row member left out keeps its back on the row's line (the same wall, past a door)
                    prob.relations.append(("same_line", k_out, r["subject"], {"tol_m": SAME_LINE_SCAN_M}))
            # tried right after its group, before other units take the floor around the group
            j = next(n for n, x in enumerate(units) if x is u)
            units.insert(j + 1, _unit(len(units), [k_out], [(0.0, 0.0, 0.0)], items,
                                      cats[it_out.category].against_wall, "single"))
            g = u.group  # type: ignore[attr-defined]
            g.keys = list(u.keys[:-1])     # the group record lists only the members laid out with it
            nu = _unit(u.idx, u.keys[:-1], g.local[:len(u.keys) - 1], items, u.wall, u.kind, g.clear_front_m)
            nu.group = g  # type: ignore[attr-defined]
            nu.view_range = getattr(u, "view_range", None)  # type: ignore[attr-defined]
            nu.view_partner = getattr(u, "view_partner", None)  # type: ignore[attr-defined]
            nu.keep_clear = getattr(u, "keep_clear", False)  # type: ignore[attr-defined]
            return nu
        if getattr(u, "resampled", False):
            return None
        it = items[u.keys[0]]
        new = assets.make(it.category, rng)
        if np.prod(new.extents_m[:2]) >= np.prod(it.asset.extents_m[:2]):
            return None
        it.asset = new
        shrunk.append({"unit": "single", "resampled": it.category, "key": it.key})
        nu = _unit(u.idx, u.keys, [(0.0, 0.0, 0.0)], items, u.wall, "single")
        nu.resampled = True  # type: ignore[attr-defined]
        nu.may_stand_off = getattr(u, "may_stand_off", False)  # type: ignore[attr-defined]
        return nu

    static, static_h, _ = keepouts(room, doors, windows, cfg.wall_thickness_m)
    # low wall items (radiators) are fixed features: placed first, under windows, then kept out
    low_wall = [it for it in prog.items if it.placement == "wall" and
                mount_range(it.category, float(it.asset.extents_m[2]))[1] < NAV_CHECK_BELOW_M]
    openings = opening_boxes(room, doors, windows, cfg.wall_thickness_m)
    lposes, ldrop, low_boxes = place_wall_items(low_wall, room, poly, openings, [], lambda wb: True, rng, cats, budget)
    if low_boxes:
        R = np.array([b.rect for b in low_boxes])
        static = np.concatenate([static, R])
        static_h = np.concatenate([static_h, np.zeros(len(R))])
    dpts = door_points(room, doors, cfg.wall_thickness_m, radius_m)
    nav = NavGrid(poly, dpts, door_passages(room, doors, cfg.wall_thickness_m), radius_m,
                  fixed_rects=np.array([b.rect for b in low_boxes]).reshape(-1, 5))
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

    # ---- anchored small objects first (monitor, TV, lamps: their spot is fixed by the group)
    holders = [(k, v[0].category, v[0].asset, v[1]) for k, v in placed.items() if v[2] == "floor"]
    slots = _under_ceiling(support_slots(holders, cfg.support_capacity_scale), room.height_m)
    surf_items = [it for it in prog.items if it.placement == "surface"]
    anchored = [it for it in surf_items if it.support_key is not None and it.anchor]
    aposes, _ = place_surface_items(anchored, slots, floor_boxes, rng, budget)
    anchored_boxes = []
    for k, (pose, sk) in aposes.items():
        placed[k] = (items[k], pose, "surface", sk)
        anchored_boxes.append(box_of(k, items[k].category, items[k].asset.extents_m, pose))

    # ---- wall items (walkable space re-checked with them) and ceiling items. Wall items keep 0.55 m
    # above open support tops so that shelves and frames do not cap counters and tables.
    floor_R = np.array([b.rect for b in floor_boxes]).reshape(-1, 5)
    floor_own = np.array([b.key for b in floor_boxes], dtype=int)

    def nav_check(wall_boxes):
        R = np.concatenate([floor_R, np.array([b.rect for b in wall_boxes]).reshape(-1, 5)])
        own = np.concatenate([floor_own, np.array([b.key for b in wall_boxes], dtype=int)])
        return nav.check(R, own, seen_from_afar=[b.key for b in wall_boxes])[0]

    open_top = {k for k, v in placed.items() if v[2] == "floor" and any(
        not np.isfinite(s.clearance_m) or s.clearance_m > 1.0 for s in v[0].asset.supports)}
    wall_obst = [Box(b.key, b.category, b.rect, b.z0, b.z1 + (0.55 if b.key in open_top else 0.0))
                 for b in floor_boxes] + anchored_boxes
    wall_items = [it for it in prog.items if it.placement == "wall" and it.key not in lposes and it.key not in ldrop]
    wposes, wdrop, wall_boxes = place_wall_items(wall_items, room, poly, openings, wall_obst, nav_check, rng, cats,
                                                 budget, fixed=low_boxes)
    wposes.update(lposes)
    wdrop = ldrop + wdrop
    wall_boxes = low_boxes + wall_boxes
    for k, pose in wposes.items():
        placed[k] = (items[k], pose, "wall", None)
    ceil_items = [it for it in prog.items if it.placement == "ceiling"]
    cposes, cdrop = place_ceiling_items(ceil_items, room, poly, floor_boxes, rng)
    ceil_boxes = []
    for k, (pose, asset) in cposes.items():
        items[k].asset = asset
        placed[k] = (items[k], pose, "ceiling", None)
        ceil_boxes.append(box_of(k, items[k].category, asset.extents_m, pose))

    # ---- pocket fill (dense presets): floor the walkway cannot use, toward the occupancy budget
    pocket_rep = None
    if cfg.pocket_fill:
        pocket_boxes, pocket_rep = _pocket_fill(room, prog, items, placed, cats, cfg, prob, nav, rng,
                                                floor_boxes, wall_boxes, ceil_boxes + anchored_boxes,
                                                State(prob, units).kept_clear(placed_units))
        floor_boxes = floor_boxes + pocket_boxes
        # the pocket items' surfaces carry small objects too, and fill small objects keep the room's share of
        # small objects on supports (floor fill alone would dilute it: extreme's target is > 60 %)
        slots += _under_ceiling(support_slots([(b.key, items[b.key].category, items[b.key].asset, placed[b.key][1])
                                               for b in pocket_boxes], cfg.support_capacity_scale), room.height_m)
        small_fill = _small_fill(prog, items, len(pocket_boxes), cfg.max_duplicates, rng)
        surf_items += small_fill
        pocket_rep["small_fill_tried"] = len(small_fill)

    # ---- the other small objects, on floor and wall supports
    slots += _under_ceiling(support_slots([(k, v[0].category, v[0].asset, v[1]) for k, v in placed.items()
                                           if v[2] == "wall"], cfg.support_capacity_scale), room.height_m)
    rest = [it for it in surf_items if it.key not in aposes]
    sposes, sdrop = place_surface_items(rest, slots, floor_boxes + wall_boxes + ceil_boxes + anchored_boxes, rng, budget)
    for k, (pose, sk) in sposes.items():
        placed[k] = (items[k], pose, "surface", sk)

    dropped_floor = [k for i in frep["dropped_units"] for k in units[i].keys]
    dropped = {p: [k for k in ks if not items[k].fill]          # requested items only (fill: fill_dropped)
               for p, ks in {"floor": dropped_floor, "wall": wdrop, "ceiling": cdrop, "surface": sdrop}.items()}
    kinds = ("floor", "wall", "surface", "ceiling")
    req = {p: sum(it.placement == p and not it.fill for it in prog.items) for p in kinds}
    got = {p: sum(v[2] == p and not v[0].fill for v in placed.values()) for p in kinds}
    fill = [it.key for it in prog.items if it.fill]
    fill_placed = sum(k in placed for k in fill)
    report = {
        "room": room.id, "targets": prog.requested, "requested": req, "placed": got,
        "n_requested": len(prog.items) - len(fill),
        "n_placed": len(placed) - fill_placed,
        "fill": {"tried": len(fill), "placed": fill_placed},
        **({"pocket_fill": pocket_rep} if pocket_rep is not None else {}),
        "shortfall": {p: req[p] - got[p] for p in req if req[p] > got[p]},
        "dropped": {p: [{"key": k, "category": items[k].category} for k in ks] for p, ks in dropped.items() if ks},
        "fill_dropped": [{"key": k, "category": items[k].category} for k in fill if k not in placed],
        "units": len(units), "units_placed": len(placed_units), "shrunk": shrunk,
        "groups": [u.kind for u in units if u.kind != "single"],
        "evaluations": budget.evals, "eval_budget": budget.max_evals, "nav_checks": budget.nav_checks,
        "time_cap_s": budget.cap, "time_cap_hit": budget.cap_hit,
        "floor": {k: v for k, v in frep.items() if k not in ("dropped_units",)},
        "solve_time_s": round(time.perf_counter() - t0, 4), "floor_time_s": round(t_floor, 4),
    }
    return placed, report


def _small_fill(prog, items, n_floor_fill: int, max_duplicates: int, rng) -> list:
    """Fill small objects for n_floor_fill pocket items: as many as keep the room's requested share of
    small objects (surface items / all items, requested ones), of the room's own small categories (at
    most max_duplicates + 1 of a category), drawn uniformly. They join the program as fill (best effort,
    not counted as requested) and go to the surface stage with the rest."""
    from collections import Counter

    from simgen.scenes.program import Item, draw_asset

    req = [it for it in prog.items if not it.fill]
    n_small = sum(it.placement == "surface" for it in req)
    n_other = len(req) - n_small
    if not n_floor_fill or not n_small or not n_other:
        return []
    want = int(round(n_floor_fill * n_small / n_other))
    counts = Counter(it.category for it in prog.items)
    pool = sorted({it.category for it in req if it.placement == "surface" and it.support_key is None})
    out = []
    for _ in range(want):
        opts = [c for c in pool if counts[c] <= max_duplicates]
        if not opts:
            break
        cat = opts[int(rng.integers(len(opts)))]
        asset = draw_asset(cat, rng)
        if asset is None:
            pool.remove(cat)
            continue
        it = Item(key=prog.next_key, category=cat, placement="surface", asset=asset, fill=True)
        prog.next_key += 1
        prog.items.append(it)
        items[it.key] = it
        counts[cat] += 1
        out.append(it)
    return out


def _pocket_fill(room, prog, items, placed, cats, cfg, prob, nav, rng, floor_boxes, wall_boxes, other_boxes,
                 clear):
    """Fill items in the room's pockets (simgen.scenes.pockets) up to its floor_occupancy draw. New items
    take fresh keys from the program and join it as fill; returns (their floor boxes, report)."""
    from collections import Counter

    from simgen.scenes.fill import pose_from
    from simgen.scenes.pockets import POCKET_CATEGORIES, fill_pockets
    from simgen.scenes.program import Item, cats_size, draw_asset
    from simgen.scenes.solver import GAP_M

    pool = [c for c in POCKET_CATEGORIES if c in cats and room.type in cats[c].rooms and cats[c].placement == "floor"]
    used = sum(float(np.prod(v[0].asset.extents_m[:2])) for v in placed.values() if v[2] == "floor")
    target = prog.occupancy * float(prob.poly.area)

    R, own = [b.rect for b in floor_boxes + wall_boxes], [b.key for b in floor_boxes + wall_boxes]
    obstacles = {"nav": np.array(R).reshape(-1, 5), "owners": np.array(own, dtype=int),
                 "afar": [b.key for b in wall_boxes],
                 "hard": np.concatenate([np.array([b.rect for b in floor_boxes]).reshape(-1, 5), clear]),
                 "boxes": list(wall_boxes) + list(other_boxes)}
    counts = Counter(it.category for it in prog.items)
    got, rep = fill_pockets(prob, nav, pool, lambda c: float(np.prod(cats_size(c))), counts, cfg.max_duplicates,
                            lambda c: draw_asset(c, rng), obstacles, target, used, rng, GAP_M,
                            wall_side={c for c in pool if cats[c].against_wall})
    boxes = []
    for cat, asset, x, y, yaw in got:
        it = Item(key=prog.next_key, category=cat, placement="floor", asset=asset, fill=True)
        prog.next_key += 1
        prog.items.append(it)
        items[it.key] = it
        pose = pose_from(x, y, 0.0, yaw)
        placed[it.key] = (it, pose, "floor", None)
        boxes.append(box_of(it.key, cat, asset.extents_m, pose))
    rep["occupancy_target"] = round(float(prog.occupancy), 4)
    return boxes, rep
