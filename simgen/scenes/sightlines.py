"""Stage 5 of the layout: clear the sightlines the coverage rule needs (`sightlines = true` in a preset).

The walkable-space check guarantees every object a reachable viewing spot; it cannot see that a dining
table carrying eight items and ringed by chairs is more than 30 % hidden from every such spot, so that no
frame could ever cover it (vis >= cover_vis). This stage checks that with the camera's own machinery and
moves small objects out of the way:

1. `simgen.cameras.trajectory.unseen_objects`: the coverage planner's set cover on the settled scene, at
   the walk's eye height and pitch (the camera stream's first draws), exact at low resolution. The
   objects it finds no covering view for are the *unseen* ones.
2. For each unseen object o: every reachable cell within range that frames o whole, looking straight at
   it (`simgen.cameras.views.framing_views`), evaluated exactly; at its best `VIEWS_TRIED` views, the
   instance render and o's solo mask give the pixels of o that each other object hides. At each view the
   movable occluders are taken largest first until the pixels they hide would lift vis to cover_vis plus
   the planner's margin; the view needing the fewest moves wins.
3. Movable: a small object on a support (placement "surface") that carries nothing, takes part in no
   requested relation (so lamps, monitors, keyboards and TVs stay where their groups put them), and is not
   itself unseen. A move puts it on another allowed support surface of its own room, by the surface
   stage's own scan (simgen.scenes.fill: inside the surface, under its clearance, within its capacity,
   1 cm from its neighbours, clear of every other object's box), never on a support that is unseen or
   the one it came from. An item that fits nowhere stays where it was: objects are moved, never removed,
   so the room keeps every requested item.
4. Repeat from 1 (`sightline_rounds` checks in all): a moved item can hide something else.

Moved items rest exactly on their new surface (pose at the surface height, upright); they are not
re-settled, and the layout bench's 2 s stability check covers them. `scene.json` `layout.sightlines`
lists the unseen objects before and after, every round (its unseen objects, moves, the unseen objects
after them and whether the round was kept) and each kept move ({"id", "name", "for", "from", "to"}).
Its CPU time goes to Scene.reports["sightline_timing"] (not to scene.json, whose bytes are reproducible).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from types import SimpleNamespace

import numpy as np

VIEWS_TRIED = 8         # best framing views of an unseen object whose occluders are read
MAX_VIEWS = 160         # framing views evaluated exactly per unseen object (the best rated by the box-ray estimate)
SLOTS_TRIED = 8         # surfaces scanned per move (most free area first)


class _NoBudget:
    def spend(self, n: int) -> None:
        pass


def apply_sightlines(scene, scene_cfg, cam, seed: int, planner_gl):
    """clear_sightlines with the preset's knobs, when the preset asks for it (`sightlines`)."""
    if not scene_cfg.sightlines or planner_gl is None:
        return scene
    wall = scene.params.get("wall_thickness_m", scene_cfg.wall_thickness_m)
    return clear_sightlines(scene, cam, seed, wall, planner_gl, rounds=scene_cfg.sightline_rounds,
                            capacity_scale=scene_cfg.support_capacity_scale)


def clear_sightlines(scene, cam, seed: int, wall_thickness_m: float, planner_gl, rounds: int = 2,
                     capacity_scale: float = 1.0):
    """The scene with small objects moved off the sightlines of unseen objects (module docstring).
    Returns a new Scene whose reports["layout"]["sightlines"] records what was done."""
    from simgen.core.rng import stage_rng
    from simgen.cameras.trajectory import unseen_objects

    t0, c0 = time.perf_counter(), time.process_time()
    rng = stage_rng(seed, "sightlines")
    rep: dict = {"rounds": [], "moved": []}

    cpu = {"check_s": 0.0, "plan_s": 0.0, "move_s": 0.0}

    def unseen_of(sc):
        c = time.process_time()
        out = unseen_objects(sc, cam, stage_rng(seed, "camera"), wall_thickness_m, planner_gl)
        cpu["check_s"] += time.process_time() - c
        return out

    unseen, eye_h, _pitch, reach_xy = unseen_of(scene)
    rep["unseen_before"] = unseen
    for _ in range(max(1, rounds)):
        c = time.process_time()
        moves = _plan_moves(scene, cam, unseen, eye_h, reach_xy, planner_gl, wall_thickness_m)
        cpu["plan_s"] += time.process_time() - c
        c = time.process_time()
        moved_scene, done = _apply_moves(scene, moves, rng, capacity_scale, set(unseen))
        cpu["move_s"] += time.process_time() - c
        wanted = len({m for ms in moves.values() for m in ms})
        if not done:
            if wanted:
                rep["rounds"].append({"unseen": unseen, "wanted": wanted, "moves": [], "unseen_after": unseen,
                                      "kept": False})
            break
        after, eye_h2, _p, reach2 = unseen_of(moved_scene)
        kept = len(after) < len(unseen)
        rep["rounds"].append({"unseen": unseen, "wanted": wanted, "moves": done, "unseen_after": after,
                              "kept": kept})
        if not kept:            # the moves hid as much as they revealed: the round is undone
            break
        scene, unseen, eye_h, reach_xy = moved_scene, after, eye_h2, reach2
        rep["moved"].extend(done)
    rep["unseen_after"] = unseen
    # times stay out of scene.json (byte-identical annotations): reports["sightline_timing"]
    timing = {"time_s": round(time.perf_counter() - t0, 3), "cpu_s": round(time.process_time() - c0, 3),
              "cpu_split_s": {k: round(v, 3) for k, v in cpu.items()}}
    layout = dict(scene.reports.get("layout", {}), sightlines=rep)
    return replace(scene, reports=dict(scene.reports, layout=layout, sightline_timing=timing))


def movable_ids(scene) -> set[int]:
    """Small objects on supports that carry nothing and take part in no requested relation."""
    carrying = {o.support for o in scene.objects if o.support is not None}
    related: set[int] = set()
    for r in scene.relations:
        if r.get("type") == "count":
            continue
        for v in (r.get("subject"), r.get("object")):
            related.update(v if isinstance(v, list) else [v])
    return {o.id for o in scene.objects if o.placement == "surface" and o.id not in carrying and o.id not in related}


def _plan_moves(scene, cam, unseen: list[int], eye_h: float, reach_xy: np.ndarray, planner_gl,
                wall_thickness_m: float) -> dict[int, list[int]]:
    """{unseen id: [ids of movable objects to move]} for the unseen objects a few moves would reveal."""
    if not unseen:
        return {}
    from simgen.cameras.cover import PX_MARGIN, ExactViews, vis_margin
    from simgen.cameras.freespace import air_map, walk_region
    from simgen.cameras.views import best_framing_views, object_boxes, scaled_min_px

    boxes = object_boxes(scene)
    air = air_map(walk_region(scene, wall_thickness_m))
    ceiling = min(r.height_m for r in scene.rooms)
    ex = ExactViews(planner_gl, scene, cam, boxes, eye_h, np.deg2rad(cam.pitch_down_deg.low))
    min_px = PX_MARGIN * scaled_min_px(cam.cover_min_px, ex.w, ex.h)
    movable_self = movable_ids(scene)
    movable = movable_self - set(unseen)
    out: dict[int, list[int]] = {}
    for oid in unseen:
        k = ex.index[int(oid)]
        views = best_framing_views(boxes, k, reach_xy, eye_h, ex.K, ex.w, ex.h, cam, air, ceiling, MAX_VIEWS)
        vis = np.array([r[1].get(k, 0.0) for r in ex.evaluate(views, only={k})]) if views else np.zeros(0)
        best = [i for i in np.argsort(-vis, kind="stable")[:VIEWS_TRIED] if vis[i] > 0]
        if not best:
            if int(oid) in movable_self:
                out[int(oid)] = [int(oid)]      # seen from nowhere: move the object itself
            continue
        poses = [ex.pose(views[i][0], views[i][1], views[i][2]) for i in best]
        full = planner_gl.instances(ex.K, poses)
        solos = planner_gl.solo_masks_many(ex.K, [(p, [oid]) for p in poses])
        plans = []
        for img, solo in zip(full, solos):
            mask = solo[int(oid)]
            s = int(mask.sum())
            c = int(np.count_nonzero(img[mask] == oid))
            if s < min_px:
                continue
            need = (cam.cover_vis + vis_margin(s)) * s - c
            hidden = Counter(int(v) for v in img[mask] if int(v) != int(oid) and int(v) in movable)
            take, freed = [], 0
            for m, px in sorted(hidden.items(), key=lambda t: (-t[1], t[0])):
                if freed >= need:
                    break
                take.append(m)
                freed += px
            if freed >= need:
                plans.append((len(take), -c / s, take))
        if plans:
            out[int(oid)] = min(plans)[2]
        elif int(oid) in movable_self:
            out[int(oid)] = [int(oid)]          # hidden by what cannot move: move the object itself
    return out


def _apply_moves(scene, moves: dict[int, list[int]], rng: np.random.Generator, capacity_scale: float,
                 protect: set[int]):
    """Move each planned item to another surface of its room. Returns (scene, [move records])."""
    from simgen.scenes.fill import _scan_slot, box_of, open_slots, pose_from, support_slots

    objs = {o.id: o for o in scene.objects}
    done, moved = [], set()
    for target in sorted(moves):
        for mid in moves[target]:
            if mid in moved:
                continue
            m = objs[mid]
            room = [o for o in objs.values() if o.room == m.room]
            holders = [(o.id, o.asset.category, o.asset, o.pose) for o in room
                       if o.placement in ("floor", "wall") and o.id not in protect and o.id != m.support]
            slots = support_slots(holders, capacity_scale)
            for sl in slots:
                _load_slot(sl, room)
            ext = m.asset.extents_m
            ceiling = next(r.height_m for r in scene.rooms if r.id == m.room)
            # under the surface's clearance and under the ceiling (a wall shelf's clearance is open-ended)
            slots, free = open_slots(slots, m.asset.category, ext)
            slots = [sl for sl in slots if _surface_z(sl) + ext[2] <= ceiling - 0.02]
            slots.sort(key=lambda sl: (-free[id(sl)], sl.key, sl.name))
            blockers = [box_of(o.id, o.asset.category, o.asset.extents_m, o.pose) for o in room if o.id != mid]
            item = SimpleNamespace(key=mid, category=m.asset.category, asset=m.asset)
            for sl in slots[:SLOTS_TRIED]:
                b = _scan_slot(sl, item, blockers, rng, _NoBudget())
                if b is None:
                    continue
                new = replace(m, pose=pose_from(b.rect[0], b.rect[1], b.z0, b.rect[4]), support=sl.key)
                objs[mid] = new
                moved.add(mid)
                done.append({"id": mid, "name": m.name, "for": target, "from": m.support, "to": sl.key})
                break
    if not done:
        return scene, done
    objects = tuple(objs[o.id] for o in scene.objects)
    return replace(scene, objects=objects), done


def _surface_z(slot) -> float:
    """World height of a support slot's surface."""
    return float((slot.pose @ np.array([0.0, 0.0, slot.height_m, 1.0]))[2])


def _load_slot(slot, room_objects) -> None:
    """Fill a fresh SupportSlot's `local` rects with the items already resting on that surface."""
    from simgen.scenes.fill import local_rect

    z_surf = _surface_z(slot)
    for o in room_objects:
        if o.support == slot.key and abs(float(o.pose[2, 3]) - z_surf) <= 0.02:
            ext = o.asset.extents_m
            slot.local.append(local_rect(slot, o.pose[0, 3], o.pose[1, 3], o.yaw, ext[0] / 2, ext[1] / 2))
