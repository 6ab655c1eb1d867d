"""The scene stage: floorplan -> object program -> layout optimizer -> physics settle -> Scene."""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np
from shapely.geometry import Point, Polygon

from simgen.core.errors import RejectedScene
from simgen.core.settings import SceneConfig
from simgen.scenes.floorplan import make_floorplan
from simgen.scenes.layout import solve_room
from simgen.scenes.model import Group, LightSpec, PlacedObject, Scene
from simgen.scenes.physics import settle
from simgen.scenes.program import build_program, catalog
from simgen.scenes.relations import evaluate_relations, scene_stats

log = logging.getLogger(__name__)
# room types in the order a program fills a plan (the preset's room_types filter it)
PROGRAM_ORDER = ("living_room", "bedroom", "kitchen", "bathroom", "office", "dining_room", "hallway")


def room_program_types(n_rooms: int, allowed: tuple[str, ...], rng: np.random.Generator) -> list[str]:
    """Room types of an n-room plan: the program order restricted to the allowed types, starting at a
    random allowed type for single rooms; repeated (bedroom, office...) when more rooms than types."""
    order = [t for t in PROGRAM_ORDER if t in allowed]
    if n_rooms == 1:
        return [allowed[int(rng.integers(len(allowed)))]]
    if n_rooms >= 6 and "hallway" in allowed:
        order = ["hallway"] + [t for t in order if t != "hallway"]
    out = []
    while len(out) < n_rooms:
        out += order
    return out[:n_rooms]


def _counts(cfg: SceneConfig, room_type: str, area_m2: float, nominal_m2: float, rng: np.random.Generator) -> dict:
    n_total = cfg.objects_per_room.sample(rng)
    if room_type in ("bathroom", "hallway"):           # small rooms get proportionally fewer objects
        n_total = max(1, int(round(n_total * float(np.clip(area_m2 / max(nominal_m2, 1e-6), 0.35, 1.0)))))
    n_small = int(round(n_total * cfg.small_object_fraction.sample(rng)))
    n_wall = int(round(n_total * cfg.wall_object_fraction.sample(rng)))
    n_ceiling = (2 if n_total >= 60 and area_m2 > 20 else 1) if n_total >= 3 else 0
    n_floor = max(1, n_total - n_small - n_wall - n_ceiling)
    return {"total": n_total, "floor": n_floor, "wall": n_wall, "surface": n_small, "ceiling": n_ceiling}


def generate_scene(cfg: SceneConfig, scene_id: str, seed: int, rng: np.random.Generator,
                   camera_clearance_m: float = 0.3) -> Scene:
    """Build one scene from its recipe. Raises RejectedScene when no valid layout exists for this seed."""
    n_rooms = cfg.rooms.sample(rng)
    room_types = room_program_types(n_rooms, tuple(cfg.room_types), rng)
    areas = [cfg.room_area_m2.sample(rng) for _ in range(n_rooms)]
    aspect = cfg.room_aspect.sample(rng)
    height = cfg.ceiling_height_m.sample(rng)
    rooms, doors, windows, structures, next_id, plan_rep = make_floorplan(
        room_types, areas, aspect, height, cfg.wall_thickness_m, cfg.door_width_m, cfg.l_shape_prob,
        cfg.extra_door_prob, (cfg.windows_per_room.low, cfg.windows_per_room.high), rng)

    cats = catalog(tuple(cfg.categories), tuple(cfg.exclude_categories))
    if not cats:
        raise RejectedScene("layout", "no object categories left after include/exclude filters")
    radius = max(cfg.agent_radius_m, camera_clearance_m, cfg.walkway_m / 2)
    name_counts: Counter = Counter()
    placed: list[PlacedObject] = []
    groups: list[Group] = []
    relations: list[dict] = []
    room_reports, timing = [], []
    key_to_id: dict[int, int] = {}
    next_key = 0
    nominal = float(np.mean([cfg.room_area_m2.low, cfg.room_area_m2.high]))
    for room in rooms:
        counts = _counts(cfg, room.type, room.area_m2, nominal, rng)
        prog = build_program(room, cats, counts, tuple(cfg.groups), cfg.duplicates.sample(rng), cfg.max_duplicates,
                             cfg.support_capacity_scale, rng, next_key, cfg.floor_occupancy.sample(rng))
        got, rep = solve_room(room, prog, doors, windows, cats, cfg, radius, rng)
        next_key = prog.next_key             # the solve may add fill items (pocket fill)
        timing.append({"room": room.id, "solve_time_s": rep.pop("solve_time_s"),
                       "floor_time_s": rep.pop("floor_time_s")})
        room_reports.append(rep)
        # floor and wall objects first so that supports get smaller ids than what they carry
        order = sorted(got, key=lambda k: ({"floor": 0, "wall": 1, "ceiling": 2, "surface": 3}[got[k][2]], k))
        for k in order:
            it, pose, placement, sk = got[k]
            key_to_id[k] = next_id
            placed.append(PlacedObject(id=next_id, name=f"{it.category}_{name_counts[it.category]}", asset=it.asset,
                                       pose=pose, room=room.id, placement=placement,
                                       support=None if sk is None else key_to_id[sk]))
            name_counts[it.category] += 1
            next_id += 1
        for g in prog.groups:
            members = tuple(key_to_id[k] for k in g.keys if k in key_to_id)
            if members:
                groups.append(Group(id=g.id, kind=g.kind, room=room.id, members=members))
        for r in prog.relations:
            relations.append(dict(r, room=room.id))
    if not placed:
        raise RejectedScene("layout", "no object could be placed")
    settled, physics = settle(placed, list(rooms), cfg.wall_thickness_m, cfg.settle_s, cfg.max_settle_shift_m)
    settled = _drop_out_of_bounds(settled, rooms, physics)
    rel_eval = evaluate_relations(relations, key_to_id, settled, rooms)
    lights = []
    for r in rooms:
        poly = Polygon(r.polygon)
        c = poly.centroid if poly.contains(poly.centroid) else poly.representative_point()
        assert isinstance(c, Point)
        lights.append(LightSpec(kind="point", position=(float(c.x), float(c.y), r.height_m - 0.35),
                                color=(1.0, 0.95, 0.88), intensity=0.8 * poly.area, room=r.id))
    stats = scene_stats(rooms, settled, rel_eval)
    stats["requested"] = {rep["room"]: rep["targets"] for rep in room_reports}
    layout = {
        "method": "staged: greedy construction + local repair + simulated annealing (floor units/groups), "
                  "then wall/ceiling items, then small objects on supports; pybullet settle",
        "agent_radius_m": radius, "floorplan": plan_rep, "rooms": room_reports,
        "groups": [{"id": g.id, "kind": g.kind, "room": g.room, "members": list(g.members)} for g in groups],
        "relations_requested": len(rel_eval), "relations_satisfied": sum(r["satisfied"] for r in rel_eval),
        "time_cap_hit": any(r["time_cap_hit"] for r in room_reports),
    }
    params = {"n_rooms": n_rooms, "room_types": room_types, "room_area_m2": areas, "room_aspect": aspect,
              "ceiling_height_m": height}
    return Scene(scene_id=scene_id, seed=seed, rooms=tuple(rooms), doors=tuple(doors),
                 structures=tuple(structures), objects=tuple(settled), lights=tuple(lights),
                 reports={"physics": physics, "stats": stats, "layout": layout, "timing": timing},
                 params=params, windows=tuple(windows), groups=tuple(groups), relations=tuple(rel_eval))


def _drop_out_of_bounds(objects: list[PlacedObject], rooms, physics: dict) -> list[PlacedObject]:
    """Remove objects that settling pushed > 1 cm outside their room or above its ceiling (and what
    they carry); recorded
    in physics["out_of_bounds_removed"]."""
    polys = {r.id: Polygon(r.polygon).buffer(0.01) for r in rooms}
    ceil = {r.id: r.height_m + 0.01 for r in rooms}
    bad = set()
    for o in objects:
        w = o.box_corners()          # (tilted objects lean out at the top)
        if w[:, 2].max() > ceil[o.room] or not all(polys[o.room].contains(Point(float(p[0]), float(p[1]))) for p in w):
            bad.add(o.id)
    changed = bool(bad)
    while changed:
        changed = False
        for o in objects:
            if o.id not in bad and o.support in bad:
                bad.add(o.id)
                changed = True
    physics["out_of_bounds_removed"] = sorted(bad)
    if bad:
        physics["removed_ids"] = sorted(set(physics["removed_ids"]) | bad)
    return [o for o in objects if o.id not in bad]
