"""Stage 5 of the layout: clear the sightlines the coverage rule needs (`sightlines = true` in a preset).

The walkable-space check guarantees every object a reachable viewing spot; it cannot see that a dining
table carrying eight items and ringed by chairs is more than 30 % hidden from every such spot, so that no
frame could ever cover it (vis >= cover_vis). This stage checks that with the camera's own machinery and
moves small objects and floor singles out of the way:

1. `simgen.cameras.trajectory.unseen_objects`: the coverage planner's set cover on the settled scene, at
   the walk's eye height and pitch (the camera stream's first draws), exact at low resolution. The
   objects it finds no covering view for are the *unseen* ones.
2. For each unseen object o: every reachable cell within range that frames o whole, looking straight at
   it (`simgen.cameras.views.framing_views`), evaluated exactly; at its best `VIEWS_TRIED` views, the
   instance render and o's solo mask give the pixels of o that each other object hides. At each view the
   movable occluders are taken largest first until the pixels they hide would lift vis to cover_vis plus
   the planner's margin; the view needing the fewest moves wins.
3. Movable: a small object on a support (placement "surface") that carries nothing, belongs to no group,
   takes part in no requested relation (so lamps, monitors, keyboards and TVs stay where their groups put them), and is not
   itself unseen. A move puts it on another allowed support surface of its own room, by the surface
   stage's own scan (simgen.scenes.fill: inside the surface, under its clearance, within its capacity,
   1 cm from its neighbours, clear of every other object's box), never on a support that is unseen or
   the one it came from. A free-standing floor single (FLOOR_MOVABLE, in no group or relation) moves to
   another spot of its room's floor instead: a pocket of the walkable-space grid, clear of every box and
   keep-out (_move_on_floor). An item that fits nowhere stays where it was: objects are moved, never
   removed, so the room keeps every requested item. A plan is all or nothing: when one of its items fits
   nowhere, its moves are undone and the next plan without that item is tried (PLANS_TRIED). An item
   resting on the unseen object that fits on no other surface may instead shift on it, to the free spot
   farthest from the plan's eye. Nothing moves onto an object that was unseen in any round.
   An unseen ceiling lamp that no reachable view frames whole (in rooms up to 3 m high a lamp 1.2 m
   above the eye frames only from 3.2 m away or more, at the 5 deg least pitch) is hung at the nearest spot of
   its ceiling that one does, under the ceiling stage's rules (_move_on_ceiling).
4. Repeat from 1 (`sightline_rounds` kept rounds at most): a moved item can hide something else. A round
   that hides as much as it reveals is undone and tried once more (RETRIES) with what it hid protected and
   its destinations closed to the items it moved.

Moved items rest exactly on their new surface (pose at the surface height, upright); they are not
re-settled, and the layout bench's 2 s stability check covers them. `scene.json` `layout.sightlines`
lists the unseen objects before and after, every round (its unseen objects, moves, the unseen objects
after them and whether the round was kept) and each kept move ({"id", "name", "for", "from", "to"}; a
floor or ceiling move has from / to null and adds "xy_from" / "xy_to"; an item shifted on its own
support has from = to and "shifted": true).
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
SHIFT_MIN_M = 0.1       # an item shifted on its own surface moves at least this much farther from the eye
CEILING_STEP_M = 0.2    # grid of the ceiling spots a lamp move tries, nearest to where it hangs first
CEILING_SPOTS = 400     # spots whose views are checked per lamp move
CEILING_PX_FACTOR = 2.0  # a moved lamp's projected size at its best framing view, over the coverage minimum
RETRIES = 1             # rounds undone (they hid as much as they revealed) that are tried again, changed
BAN_RADIUS_M = 0.25     # a floor or ceiling spot closed to an item closes this much round it
PLANS_TRIED = 8         # plans tried per unseen object: the next avoids the items no plan could move
# free-standing floor singles a move may put elsewhere on the floor of their room (the pocket-fill items that
# neither anchor a layout nor stand against a wall)
FLOOR_MOVABLE = ("backpack", "box", "chair", "potted_plant", "stool", "trash_can")
FLOOR_TRIES = 4         # walkable-space checks per floor move (closest to the kept walkway first)
FLOOR_GAP_M = 0.02      # gap to every other object's box (the floor stage's GAP_M)


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
    from simgen.cameras.trajectory import PLAN_MARGIN_M, unseen_objects

    t0, c0 = time.perf_counter(), time.process_time()
    rng = stage_rng(seed, "sightlines")
    rep: dict = {"rounds": [], "moved": []}

    cpu = {"check_s": 0.0, "plan_s": 0.0, "move_s": 0.0}

    def unseen_of(sc):
        c = time.process_time()
        out = unseen_objects(sc, cam, stage_rng(seed, "camera"), wall_thickness_m, planner_gl)
        cpu["check_s"] += time.process_time() - c
        return out

    # the layout's walking agent (the walkway floor moves keep): its radius as the layout used it
    radius = scene.reports.get("layout", {}).get("agent_radius_m")        # None for an imported house
    radius = float(radius) if radius is not None else cam.clearance_m + PLAN_MARGIN_M
    unseen, eye_h, _pitch, reach_xy = unseen_of(scene)
    rep["unseen_before"] = unseen
    ever = set(unseen)          # no item moves onto an object that was ever unseen
    banned: dict[int, list] = {}
    retries, n_round = RETRIES, 0
    while n_round < max(1, rounds):
        c = time.process_time()
        moves = _plan_moves(scene, cam, unseen, eye_h, reach_xy, planner_gl, wall_thickness_m)
        cpu["plan_s"] += time.process_time() - c
        c = time.process_time()
        view = _CeilingView(cam, eye_h, reach_xy, planner_gl.size)
        moved_scene, done = _apply_moves(scene, moves, rng, capacity_scale, ever | set(unseen), wall_thickness_m,
                                         radius, view, banned)
        cpu["move_s"] += time.process_time() - c
        wanted = len({m for p in moves.values() for m in (p.next(set()) or ([], None))[0]})
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
            if not retries:
                break
            # ... and tried once more with what it hid protected and its destinations closed to its items
            retries -= 1
            ever |= set(after)
            for m in done:
                banned.setdefault(m["id"], []).append(m["to"] if m["to"] is not None else tuple(m["xy_to"]))
            continue
        scene, unseen, eye_h, reach_xy = moved_scene, after, eye_h2, reach2
        ever |= set(after)
        rep["moved"].extend(done)
        n_round += 1
    rep["unseen_after"] = unseen
    # times stay out of scene.json (byte-identical annotations): reports["sightline_timing"]
    timing = {"time_s": round(time.perf_counter() - t0, 3), "cpu_s": round(time.process_time() - c0, 3),
              "cpu_split_s": {k: round(v, 3) for k, v in cpu.items()}}
    layout = dict(scene.reports.get("layout", {}), sightlines=rep)
    return replace(scene, reports=dict(scene.reports, layout=layout, sightline_timing=timing))


def movable_ids(scene) -> set[int]:
    """Objects that carry nothing, belong to no group and take part in no requested relation: small
    objects on supports, and free-standing floor singles of FLOOR_MOVABLE categories."""
    carrying = {o.support for o in scene.objects if o.support is not None}
    related: set[int] = set()
    for r in scene.relations:
        if r.get("type") == "count":
            continue
        for v in (r.get("subject"), r.get("object")):
            related.update(v if isinstance(v, list) else [v])
    grouped = {int(m) for g in scene.groups for m in g.members}
    free = [o for o in scene.objects if o.id not in carrying and o.id not in related and o.id not in grouped]
    return {o.id for o in free if o.placement == "surface"
            or (o.placement == "floor" and o.asset.category in FLOOR_MOVABLE)}


def _plan_moves(scene, cam, unseen: list[int], eye_h: float, reach_xy: np.ndarray, planner_gl,
                wall_thickness_m: float) -> dict[int, "_Plans"]:
    """{unseen id: its _Plans} for the unseen objects a few moves might reveal: at each of its best framing
    views, the pixels of it that each movable object hides and the pixels that must be freed."""
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
    scene_objs = {o.id: o for o in scene.objects}
    out: dict[int, _Plans] = {}
    for oid in unseen:
        k = ex.index[int(oid)]
        views = best_framing_views(boxes, k, reach_xy, eye_h, ex.K, ex.w, ex.h, cam, air, ceiling, MAX_VIEWS)
        vis = np.array([r[1].get(k, 0.0) for r in ex.evaluate(views, only={k})]) if views else np.zeros(0)
        best = [i for i in np.argsort(-vis, kind="stable")[:VIEWS_TRIED] if vis[i] > 0]
        found = []
        if best:
            poses = [ex.pose(views[i][0], views[i][1], views[i][2]) for i in best]
            full = planner_gl.instances(ex.K, poses)
            solos = planner_gl.solo_masks_many(ex.K, [(p, [oid]) for p in poses])
            for img, solo, i in zip(full, solos, best):
                mask = solo[int(oid)]
                s = int(mask.sum())
                c = int(np.count_nonzero(img[mask] == oid))
                if s < min_px:
                    continue
                hidden = Counter(int(v) for v in img[mask] if int(v) != int(oid) and int(v) in movable)
                found.append(((cam.cover_vis + vis_margin(s)) * s - c, -c / s, hidden,
                              tuple(float(v) for v in views[i][0])))
        ceiling_self = scene_objs[int(oid)].placement == "ceiling"
        plans = _Plans(int(oid), found, int(oid) in movable_self or ceiling_self)
        if plans.next(set()) is not None:
            out[int(oid)] = plans
    return out


class _Plans:
    """The ways to reveal one unseen object: per framing view (pixels to free, -vis, {movable id: pixels it
    hides}, the view's eye xy); `next(exclude)` is (the items to move, the view's eye xy) of the plan needing
    the fewest moves (then the view with the best vis) among those that avoid `exclude` (items that could
    not be moved), else moving the object itself when it is movable (seen from nowhere, or hidden by what
    cannot move; eye xy None), else None."""

    def __init__(self, oid: int, views: list, self_movable: bool):
        self.oid, self.views, self.self_movable = oid, views, self_movable

    def next(self, exclude: set[int]) -> tuple[list[int], tuple | None] | None:
        plans = []
        for need, neg_vis, hidden, xy in self.views:
            take, freed = [], 0
            for m, px in sorted(hidden.items(), key=lambda t: (-t[1], t[0])):
                if freed >= need:
                    break
                if m in exclude:
                    continue
                take.append(m)
                freed += px
            if freed >= need:
                plans.append((len(take), neg_vis, take, xy))
        if plans:
            return min(plans)[2:]
        return ([self.oid], None) if self.self_movable and self.oid not in exclude else None


def _apply_moves(scene, moves: dict[int, "_Plans"], rng: np.random.Generator, capacity_scale: float,
                 protect: set[int], wall_thickness_m: float, radius_m: float, view=None, banned=None):
    """Carry out one plan per unseen object: each of its items to another surface of its room (a floor
    single: to another spot on its room's floor, _move_on_floor). A plan is kept only when all of its items
    move; when one cannot, the plan's moves are undone and the next plan without that item (or any other
    item that could not move this round) is tried, PLANS_TRIED in all; the last resort is moving the unseen
    object itself when it may move. Returns (scene, [move records])."""
    objs = {o.id: o for o in scene.objects}
    done, moved = [], set()
    failed: set[int] = set()        # items that fit nowhere this round (later plans avoid them too)
    for target in sorted(moves):
        for _ in range(PLANS_TRIED):
            nxt = moves[target].next(failed)
            if nxt is None:
                break
            plan, eye_xy = nxt
            tried, ok = [], True
            for mid in plan:
                if mid in moved:                    # already out of the way for another object
                    continue
                rec = _move_one(scene, objs, mid, target, rng, capacity_scale, protect, wall_thickness_m, radius_m,
                                eye_xy, view, (banned or {}).get(mid, ()))
                if rec is None:
                    failed.add(mid)
                    ok = False
                    break
                tried.append((mid, rec))
            if ok:
                for mid, (old, rec) in tried:
                    moved.add(mid)
                    done.append(rec)
                break
            for mid, (old, _rec) in reversed(tried):    # the plan cannot be completed: undo its moves
                objs[mid] = old
    if not done:
        return scene, done
    objects = tuple(objs[o.id] for o in scene.objects)
    return replace(scene, objects=objects), done


def _move_one(scene, objs: dict, mid: int, target: int, rng: np.random.Generator, capacity_scale: float,
              protect: set[int], wall_thickness_m: float, radius_m: float, eye_xy=None, view=None, banned=()):
    """Move objs[mid] (in place) to another surface of its room, or a floor single to another spot of its
    floor: (the old object, the move record), or None when it fits nowhere. An item resting on the unseen
    object itself that fits on no other surface may move back on its own surface instead, to the free spot
    farthest from the plan's eye (`eye_xy`) when that is at least SHIFT_MIN_M farther than where it stands
    (an item at the back of a table hides less of the table)."""
    from simgen.scenes.fill import _scan_slot, box_of, open_slots, pose_from, support_slots

    m = objs[mid]
    room = [o for o in objs.values() if o.room == m.room]
    spots = [b for b in banned if isinstance(b, tuple)]           # closed floor / ceiling spots (xy)
    if m.placement in ("ceiling", "floor"):
        if m.placement == "ceiling":
            new = _move_on_ceiling(scene, m, room, view, spots) if view is not None else None
        elif any(o.support == mid for o in room):     # an item moved onto it this round: it stays
            new = None
        else:
            new = _move_on_floor(scene, m, room, rng, wall_thickness_m, radius_m, spots)
        if new is None:
            return None
        objs[mid] = new
        return m, {"id": mid, "name": m.name, "for": target, "from": None, "to": None,
                   "xy_from": [round(float(v), 4) for v in m.pose[:2, 3]],
                   "xy_to": [round(float(v), 4) for v in new.pose[:2, 3]]}
    holders = [(o.id, o.asset.category, o.asset, o.pose) for o in room
               if o.placement in ("floor", "wall") and o.id not in protect and o.id != m.support and o.id not in banned]
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
        objs[mid] = replace(m, pose=pose_from(b.rect[0], b.rect[1], b.z0, b.rect[4]), support=sl.key)
        return m, {"id": mid, "name": m.name, "for": target, "from": m.support, "to": sl.key}
    if eye_xy is None or m.support != target or m.support in banned:
        return None
    # back on its own surface, away from the eye
    own = [(o.id, o.asset.category, o.asset, o.pose) for o in room if o.id == m.support]
    z = float(m.pose[2, 3])
    for sl in support_slots(own, capacity_scale):
        if abs(_surface_z(sl) - z) > 0.02:
            continue
        _load_slot(sl, [o for o in room if o.id != mid])
        b = _scan_slot(sl, item, blockers, rng, _NoBudget(), away_from=eye_xy)
        if b is None:
            continue
        d_old = float(np.hypot(*(m.pose[:2, 3] - np.asarray(eye_xy))))
        if float(np.hypot(b.rect[0] - eye_xy[0], b.rect[1] - eye_xy[1])) < d_old + SHIFT_MIN_M:
            return None
        objs[mid] = replace(m, pose=pose_from(b.rect[0], b.rect[1], b.z0, b.rect[4]), support=sl.key)
        return m, {"id": mid, "name": m.name, "for": target, "from": m.support, "to": sl.key, "shifted": True}
    return None


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


def _move_on_floor(scene, m, room_objects, rng: np.random.Generator, wall_thickness_m: float, radius_m: float,
                   banned_xy=()):
    """Floor single m put on another spot of its room's floor (a new PlacedObject), or None.

    The spot keeps the layout's hard rules, rebuilt from the settled scene: inside the room polygon, out of
    door swings and window zones (simgen.scenes.placement.keepouts), FLOOR_GAP_M from every other object's
    box in 3-D, and in a pocket of the walkable-space grid (simgen.scenes.pockets: off the walkway that
    connects the doors and gives every object its viewing spot) within viewing reach of it; the full
    NavGrid.check confirms it (floor objects own a viewing spot, wall items narrow the walkway only).
    Candidates: a half-cell lattice of the pocket cells at m's yaw and its 3 right-angle turns, the ones
    closest to the kept walkway (most in view) first."""
    import shapely
    from scipy import ndimage
    from shapely.geometry import Polygon

    from simgen.scenes.fill import HEAD_CLEARANCE_M, box_of, collides_many, pose_from
    from simgen.scenes.geometry import NavGrid, corners, sat_depth
    from simgen.scenes.placement import door_passages, door_points, keepouts
    from simgen.scenes.pockets import in_mask, pocket_mask, pocket_poses, rect_reach

    room = next(r for r in scene.rooms if r.id == m.room)
    poly = Polygon(room.polygon)
    nav = NavGrid(poly, door_points(room, scene.doors, wall_thickness_m, radius_m),
                  door_passages(room, scene.doors, wall_thickness_m), radius_m)
    R, owners, afar, boxes = [], [], [], []
    for o in room_objects:
        if o.id == m.id:
            continue
        b = box_of(o.id, o.asset.category, o.asset.extents_m, o.pose)
        boxes.append(b)
        if o.placement == "floor" or (o.placement == "wall" and b.z0 < HEAD_CLEARANCE_M):
            R.append(b.rect)
            owners.append(o.id)
            if o.placement == "wall":
                afar.append(o.id)
    R = np.array(R, float).reshape(-1, 5)
    safe, to_kept = pocket_mask(nav, R, np.array(owners, int), afar)
    if not safe.any():
        return None
    ext = np.asarray(m.asset.extents_m, float)
    P = pocket_poses(nav, ndimage.distance_transform_edt(safe) * nav.cell, ext, m.yaw)
    if len(P) == 0:
        return None
    W = np.column_stack([P[:, :2], np.full(len(P), ext[0] / 2), np.full(len(P), ext[1] / 2), P[:, 2]])
    keep = in_mask(nav, safe, W)
    near = np.full(len(W), np.inf)                     # distance to the kept walkway (order and reach)
    near[keep] = rect_reach(nav, to_kept, W[keep])
    keep &= near <= nav.reach + nav.r - nav.cell
    inner = poly.buffer(-0.005)
    c = corners(W[keep])
    keep[keep] &= shapely.contains_xy(inner, c[..., 0], c[..., 1]).all(axis=1)
    static, static_h, _ = keepouts(room, scene.doors, scene.windows, wall_thickness_m)
    blocking = static[static_h < ext[2]]
    if len(blocking) and keep.any():
        keep[keep] &= ~(sat_depth(W[keep], blocking) > 0).any(axis=1)
    if keep.any():
        keep[keep] &= ~collides_many(W[keep], np.zeros(int(keep.sum())), np.full(int(keep.sum()), ext[2]), boxes,
                                     FLOOR_GAP_M)
    for bx, by in banned_xy:                            # spots a retried round closed to m
        keep &= np.hypot(P[:, 0] - bx, P[:, 1] - by) > BAN_RADIUS_M
    idx = np.flatnonzero(keep)
    if len(idx) == 0:
        return None
    order = idx[np.argsort(near[idx] + rng.uniform(0.0, 0.05, len(idx)), kind="stable")]
    z = float(m.pose[2, 3])
    for j in order[:FLOOR_TRIES]:
        own = np.array(owners + [m.id], int)
        if nav.check(np.concatenate([R, W[j][None]]), own, seen_from_afar=afar)[0]:
            return replace(m, pose=pose_from(float(P[j, 0]), float(P[j, 1]), z, float(P[j, 2])))
    return None


class _CeilingView:
    """What a ceiling move needs to know of the walk: the preset's framing rules at the walk's eye height,
    the reachable positions, and the planner's image size."""

    def __init__(self, cam, eye_h: float, reach_xy: np.ndarray, size: tuple[int, int]):
        from simgen.cameras.cover import PX_MARGIN
        from simgen.cameras.views import FRAMING_PITCH_STEP_DEG, scaled_min_px
        from simgen.core.transforms import intrinsics_from_hfov

        self.w, self.h = size
        self.K = intrinsics_from_hfov(self.w, self.h, cam.hfov_deg)
        self.eye_h, self.reach_xy = float(eye_h), np.asarray(reach_xy, float).reshape(-1, 2)
        self.pitches = np.deg2rad(np.arange(cam.min_pitch_down_deg, cam.max_pitch_down_deg + 1e-6,
                                            FRAMING_PITCH_STEP_DEG))
        self.max_dist = cam.cover_max_distance_m - 0.1
        self.corners_inside = cam.cover_corners_inside
        self.min_px = PX_MARGIN * scaled_min_px(cam.cover_min_px, self.w, self.h)

    def framed_px(self, corners: np.ndarray, positions: np.ndarray) -> float:
        """The largest projected area (px, of the box corners' hull) over the views from `positions` (m, 2)
        that frame a box of `corners` (8, 3) whole within range, with the coverage rule's corner margin
        (simgen.cameras.cover.ExactViews), 0 if none does."""
        from scipy.spatial import ConvexHull

        from simgen.cameras.views import camera_rotation, corners_in_image, framing_views

        box = SimpleNamespace(centers=corners.mean(axis=0)[None], corners=corners[None])
        views = framing_views(box, 0, positions, self.eye_h, self.K, self.w, self.h, self.pitches, self.max_dist)
        best = 0.0
        for xy, yaw, pitch in views:
            c = (corners - [xy[0], xy[1], self.eye_h]) @ camera_rotation(yaw, pitch)
            u = self.K[0, 0] * c[:, 0] / c[:, 2] + self.K[0, 2]
            v = self.K[1, 1] * c[:, 1] / c[:, 2] + self.K[1, 2]
            if corners_in_image(u, v, c[:, 2], self.w, self.h).mean() < self.corners_inside:
                continue
            best = max(best, float(ConvexHull(np.column_stack([u, v])).volume))
        return best


def _move_on_ceiling(scene, m, room_objects, view: _CeilingView, banned_xy=()):
    """Ceiling lamp m hung at another spot of its room's ceiling (a new PlacedObject), or None: the spot
    nearest to where it hangs, on a CEILING_STEP_M grid, from which some reachable eye-height view frames
    it whole within range at a projected size of CEILING_PX_FACTOR times the coverage minimum. The spot
    keeps the ceiling stage's rules (simgen.scenes.fill.place_ceiling_items): 0.3 m inside the walls,
    1.2 m from the room's other ceiling lamps, its lowest point 0.6 m above what stands under it (head
    clearance over open floor), and FLOOR_GAP_M from every other object's box."""
    import shapely
    from shapely.geometry import Polygon

    from simgen.scenes.fill import CEILING_WALL_M, LAMP_SPACING_M, box_of, ceiling_need_z, collides_many, pose_from
    from simgen.scenes.geometry import corners

    room = next(r for r in scene.rooms if r.id == m.room)
    poly = Polygon(room.polygon)
    inner = poly.buffer(-CEILING_WALL_M)
    ext = np.asarray(m.asset.extents_m, float)
    z0 = float(m.pose[2, 3])
    here = m.pose[:2, 3]
    others = [o for o in room_objects if o.id != m.id]
    lamps = np.array([o.pose[:2, 3] for o in others if o.placement == "ceiling"]).reshape(-1, 2)
    boxes = [box_of(o.id, o.asset.category, o.asset.extents_m, o.pose) for o in others]
    floor = [b for b, o in zip(boxes, others) if o.placement == "floor"]
    x0, y0, x1, y1 = poly.bounds
    w = CEILING_WALL_M
    g = np.array([(x, y) for x in np.arange(x0 + w, x1 - w + 1e-9, CEILING_STEP_M)
                  for y in np.arange(y0 + w, y1 - w + 1e-9, CEILING_STEP_M)]).reshape(-1, 2)
    g = g[np.argsort(np.hypot(g[:, 0] - here[0], g[:, 1] - here[1]), kind="stable")]
    yaw = m.yaw
    for bx, by in banned_xy:                            # spots a retried round closed to m
        g = g[np.hypot(g[:, 0] - bx, g[:, 1] - by) > BAN_RADIUS_M]
    rects = np.column_stack([g, np.full(len(g), ext[0] / 2), np.full(len(g), ext[1] / 2), np.full(len(g), yaw)])
    if len(lamps):
        gap = np.hypot(g[:, None, 0] - lamps[None, :, 0], g[:, None, 1] - lamps[None, :, 1]).min(axis=1)
        far = gap >= LAMP_SPACING_M
        g, rects = g[far], rects[far]
    if len(g) == 0:
        return None
    hit = collides_many(rects, np.full(len(g), z0), np.full(len(g), z0 + ext[2]), boxes, FLOOR_GAP_M)
    g, rects = g[~hit], rects[~hit]
    shift = m.box_corners() - np.array([here[0], here[1], 0.0])
    pos = view.reach_xy[shapely.contains_xy(poly, view.reach_xy[:, 0], view.reach_xy[:, 1])]   # its own room
    checked = 0
    for spot, rect in zip(g, rects):
        if not inner.contains(Polygon(corners(rect[None])[0])):
            continue
        if z0 < ceiling_need_z(spot, floor):
            continue
        checked += 1
        if checked > CEILING_SPOTS:
            return None
        if view.framed_px(shift + np.array([spot[0], spot[1], 0.0]), pos) >= CEILING_PX_FACTOR * view.min_px:
            return replace(m, pose=pose_from(float(spot[0]), float(spot[1]), z0, yaw))
    return None

