"""The scene stage: floorplan -> object selection -> placement -> physics settle -> Scene."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from shapely.geometry import Polygon
from shapely.ops import unary_union

from simgen.core.errors import RejectedScene
from simgen.core.settings import SceneConfig
from simgen.scenes.floorplan import make_floorplan
from simgen.scenes.model import LightSpec, PlacedObject, Scene
from simgen.scenes.physics import settle
from simgen.scenes.placement import RoomLayout, footprint

# Categories the first layout does not place as free objects: doors and windows are structure,
# rugs need overlap rules (issue #4 deepens the layout).
_SKIP = {"door", "window", "rug"}


@dataclass(frozen=True)
class CategoryInfo:
    name: str
    placement: str
    rooms: tuple[str, ...]
    against_wall: bool
    mount_height_m: tuple[float, float]
    has_supports: bool


def catalog(cfg: SceneConfig) -> list[CategoryInfo]:
    """Every usable category with what placement needs, filtered by the preset's include/exclude lists."""
    from simgen import assets

    out = []
    for name in assets.categories():
        if name in _SKIP or name in cfg.exclude_categories:
            continue
        if cfg.categories and name not in cfg.categories:
            continue
        s = assets.spec(name)
        out.append(CategoryInfo(
            name=name, placement=s.placement, rooms=tuple(s.room_types),
            against_wall=bool(getattr(s, "against_wall", False)),
            mount_height_m=tuple(getattr(s, "mount_height_m", (1.2, 1.7))),
            has_supports=bool(s.supports)))
    return out


def _pick(cands: list[CategoryInfo], counts: Counter, max_dup: int, rng: np.random.Generator):
    ok = [c for c in cands if counts[c.name] <= max_dup]
    if not ok:
        return None
    return ok[int(rng.integers(len(ok)))]


def generate_scene(cfg: SceneConfig, scene_id: str, seed: int, rng: np.random.Generator,
                   camera_clearance_m: float = 0.3) -> Scene:
    """Build one scene from its recipe. Raises RejectedScene when no valid layout exists for this seed."""
    from simgen import assets

    n_rooms = cfg.rooms.sample(rng)
    room_types = [cfg.room_types[int(rng.integers(len(cfg.room_types)))] for _ in range(n_rooms)]
    areas = [cfg.room_area_m2.sample(rng) for _ in range(n_rooms)]
    aspect = cfg.room_aspect.sample(rng)
    height = cfg.ceiling_height_m.sample(rng)
    rooms, doors, structures, next_id = make_floorplan(
        n_rooms, room_types, areas, aspect, height, cfg.wall_thickness_m, cfg.door_width_m, rng)

    cats = catalog(cfg)
    if not cats:
        raise RejectedScene("layout", "no object categories left after include/exclude filters")
    name_counts: Counter = Counter()
    placed: list[PlacedObject] = []
    requested = {}
    for room in rooms:
        lay = RoomLayout(room, list(doors), camera_clearance_m, cfg.walkway_m)
        n_total = cfg.objects_per_room.sample(rng)
        n_small = int(round(n_total * cfg.small_object_fraction.sample(rng)))
        n_wall = int(round(n_total * cfg.wall_object_fraction.sample(rng)))
        n_ceiling = 1 if n_total >= 3 else 0
        n_floor = max(0, n_total - n_small - n_wall - n_ceiling)
        requested[room.id] = {"total": n_total, "floor": n_floor, "wall": n_wall, "surface": n_small,
                              "ceiling": n_ceiling}
        in_room = [c for c in cats if room.type in c.rooms] or cats
        by_place = {p: [c for c in in_room if c.placement == p] or [c for c in cats if c.placement == p]
                    for p in ("floor", "wall", "surface", "ceiling")}
        counts: Counter = Counter()

        def add(cat: CategoryInfo, asset, pose, placement, support=None):
            nonlocal next_id
            k = name_counts[cat.name]
            name_counts[cat.name] += 1
            counts[cat.name] += 1
            placed.append(PlacedObject(id=next_id, name=f"{cat.name}_{k}", asset=asset, pose=pose,
                                       room=room.id, placement=placement, support=support))
            next_id += 1

        # floor furniture first; supports-bearing furniture first when small objects are wanted
        floor_order = []
        support_cats = [c for c in by_place["floor"] if c.has_supports]
        if n_small and support_cats:
            floor_order.append(support_cats[int(rng.integers(len(support_cats)))])
        failures = 0
        while len([p for p in placed if p.room == room.id and p.placement == "floor"]) < n_floor and failures < 8:
            cat = floor_order.pop(0) if floor_order else _pick(by_place["floor"], counts, cfg.max_duplicates, rng)
            if cat is None:
                break
            asset = assets.make(cat.name, rng)
            pose = lay.try_floor(asset, cat.against_wall, rng, cfg.placement_attempts)
            if pose is None:
                failures += 1
                continue
            add(cat, asset, pose, "floor")
        for _ in range(n_wall):
            cat = _pick(by_place["wall"], counts, cfg.max_duplicates, rng)
            if cat is None:
                break
            asset = assets.make(cat.name, rng)
            pose = lay.try_wall(asset, cat.mount_height_m, rng, cfg.placement_attempts)
            if pose is not None:
                add(cat, asset, pose, "wall")
        for _ in range(n_ceiling):
            cat = _pick(by_place["ceiling"], counts, cfg.max_duplicates, rng)
            if cat is None:
                break
            asset = assets.make(cat.name, rng)
            c = np.asarray(Polygon(room.polygon).centroid.coords[0])
            pose = np.eye(4)
            pose[:3, 3] = [c[0], c[1], room.height_m - asset.extents_m[2]]
            add(cat, asset, pose, "ceiling")
        supports = [(o, s) for o in placed if o.room == room.id and o.placement == "floor"
                    for s in getattr(o.asset, "supports", ())]
        for _ in range(n_small):
            cat = _pick(by_place["surface"], counts, cfg.max_duplicates, rng)
            if cat is None or not supports:
                break
            asset = assets.make(cat.name, rng)
            res = lay.try_surface(asset, supports, rng, cfg.placement_attempts)
            if res is not None:
                add(cat, asset, res[0], "surface", support=res[1])

    if not placed:
        raise RejectedScene("layout", "no object could be placed")
    settled, physics = settle(placed, list(rooms), cfg.wall_thickness_m, cfg.settle_s, cfg.max_settle_shift_m)
    lights = tuple(
        LightSpec(kind="point", position=(*Polygon(r.polygon).centroid.coords[0], r.height_m - 0.35),
                  color=(1.0, 0.95, 0.88), intensity=0.8 * Polygon(r.polygon).area, room=r.id)
        for r in rooms)
    stats = scene_stats(rooms, settled)
    stats["requested"] = requested
    params = {"n_rooms": n_rooms, "room_types": room_types, "room_area_m2": areas, "room_aspect": aspect,
              "ceiling_height_m": height}
    return Scene(scene_id=scene_id, seed=seed, rooms=tuple(rooms), doors=tuple(doors),
                 structures=tuple(structures), objects=tuple(settled), lights=lights,
                 reports={"physics": physics, "stats": stats}, params=params)


def scene_stats(rooms, objects: list[PlacedObject]) -> dict:
    """What the scene achieved, per room and overall: the complexity knobs made checkable."""
    per_room = {}
    for r in rooms:
        objs = [o for o in objects if o.room == r.id]
        floor = [o for o in objs if o.placement == "floor"]
        fps = [footprint(o.asset.extents_m, o.pose[0, 3], o.pose[1, 3], o.yaw) for o in floor]
        area = Polygon(r.polygon).area
        cats = Counter(o.asset.category for o in objs)
        per_room[r.id] = {
            "n_objects": len(objs),
            "n_categories": len(cats),
            "floor_occupancy": float(unary_union(fps).area / area) if fps else 0.0,
            "small_on_supports_fraction": (sum(o.placement == "surface" for o in objs) / len(objs)) if objs else 0.0,
            "max_same_category": max(cats.values()) if cats else 0,
        }
    cats = Counter(o.asset.category for o in objects)
    return {"n_objects": len(objects), "n_categories": len(cats), "categories": dict(sorted(cats.items())),
            "rooms": per_room}
