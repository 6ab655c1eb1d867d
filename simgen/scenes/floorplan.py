"""Floorplans: 1-6 rooms (rectangles and L-shapes) with shared walls of real thickness, interior doors
on a spanning tree of the room adjacency (plus optional extra doors), an entrance on an exterior wall,
windows on exterior walls, and the structure meshes (walls with openings, floors, ceilings, entrance
door leaf, windows) with materials.

Geometry: a room's *cell* is its wall-centre-line polygon (a union of 1 or 2 axis-aligned rectangles
on a 5 cm grid); its interior polygon (`Room.polygon`) is the cell shrunk by half a wall thickness.
Walls are the outline grown by half a thickness minus every interior. Doors and windows sit on the
wall centre line; their normals point into the room.
"""

from __future__ import annotations

import numpy as np
import trimesh
from shapely.geometry import LineString, MultiLineString, Polygon, box
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

from simgen.core.color import palette_linear
from simgen.core.errors import RejectedScene
from simgen.core.types import Material
from simgen.scenes.model import Door, Room, Structure, Window

DOOR_HEIGHT_M = 2.05
FLOOR_THICKNESS_M = 0.05
GRID_M = 0.05
# (area factor, aspect range) per room type relative to the preset's drawn room area
_TYPE_SHAPE = {"bathroom": (0.4, (1.0, 1.5)), "hallway": (0.45, (2.2, 3.2))}
_MIN_AREA = {"bathroom": 4.5, "hallway": 5.0}
_HUB_WEIGHT = {"hallway": 4.0, "living_room": 2.5}
_FLOOR_BY_ROOM = {
    "bedroom": ("wood", ("brown", "beige")), "living_room": ("wood", ("brown", "beige")),
    "office": ("carpet", ("gray", "blue")), "dining_room": ("wood", ("beige", "brown")),
    "kitchen": ("tiles", ("white", "gray")), "bathroom": ("tiles", ("white", "blue")),
    "hallway": ("wood", ("brown",)),
}
_WALL_COLORS = ("white", "beige", "gray", "white", "beige")


def _snap(v: float) -> float:
    return round(round(float(v) / GRID_M) * GRID_M, 6)


def _extrude(poly: Polygon, z0: float, z1: float) -> trimesh.Trimesh:
    """Prism over a shapely polygon between heights z0 < z1 (world, metres)."""
    m = trimesh.creation.extrude_polygon(poly, z1 - z0)
    m.apply_translation([0.0, 0.0, z0])
    return m


def _polys(geom) -> list[Polygon]:
    if geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    return [g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon" and g.area > 1e-8]


def _segments(geom) -> list[LineString]:
    """Straight pieces of a (multi)line intersection, merged per direction."""
    if geom.is_empty:
        return []
    lines = []
    if geom.geom_type == "LineString":
        lines = [geom]
    elif geom.geom_type in ("MultiLineString", "GeometryCollection"):
        lines = [g for g in geom.geoms if g.geom_type == "LineString"]
    from shapely.ops import linemerge

    merged = linemerge(MultiLineString(lines)) if len(lines) > 1 else (lines[0] if lines else None)
    if merged is None:
        return []
    parts = list(merged.geoms) if merged.geom_type == "MultiLineString" else [merged]
    out = []
    for p in parts:
        c = list(p.coords)
        for a, b in zip(c[:-1], c[1:]):           # split polylines at corners
            out.append(LineString([a, b]))
    return [s for s in out if s.length > 1e-6]


def _room_rects(area_m2: float, aspect: float, l_shape: bool, t: float, rng) -> list[tuple]:
    """Rectangles (x0, y0, x1, y1) of one room's cell at the origin: one, or two forming an L."""
    if not l_shape:
        w = _snap(max(1.6, np.sqrt(area_m2 * aspect)) + t)
        d = _snap(max(1.6, area_m2 / (w - t)) + t)
        return [(0.0, 0.0, w, d)]
    main_a = 0.68 * area_m2
    w = _snap(max(2.2, np.sqrt(main_a * aspect)) + t)
    d = _snap(max(2.0, main_a / (w - t)) + t)
    wing_len = _snap(max(1.8, w * float(rng.uniform(0.4, 0.6))))
    wing_d = _snap(max(1.4, (area_m2 - main_a) / wing_len) + t / 2)
    left = bool(rng.integers(2))
    x0 = 0.0 if left else _snap(w - wing_len)
    return [(0.0, 0.0, w, d), (x0, d, x0 + wing_len, d + wing_d)]


def _place_rooms(types, areas, aspect, l_prob, t, rng):
    """Grow the plan room by room; each new room touches an earlier one along >= 1.6 m."""
    cells: list[Polygon] = []
    parent = [-1]
    for i, rtype in enumerate(types):
        fac, asp_rng = _TYPE_SHAPE.get(rtype, (1.0, None))
        area = max(_MIN_AREA.get(rtype, 6.0), areas[i] * fac)
        asp = float(rng.uniform(*asp_rng)) if asp_rng else aspect
        l_shape = rtype not in ("bathroom", "hallway") and area >= 12.0 and bool(rng.random() < l_prob)
        rects = _room_rects(area, asp, l_shape, t, rng)
        if bool(rng.integers(2)):                        # random quarter turn of the room shape
            rects = [(y0, x0, y1, x1) for x0, y0, x1, y1 in rects]
        shape = unary_union([box(*r) for r in rects])
        if i == 0:
            cells.append(shape)
            continue
        best, best_key = None, None
        weights = np.array([_HUB_WEIGHT.get(types[j], 1.0) for j in range(i)])
        union = unary_union(cells)
        for _ in range(60):
            j = int(rng.choice(i, p=weights / weights.sum()))
            px0, py0, px1, py1 = cells[j].bounds
            sx0, sy0, sx1, sy1 = shape.bounds
            sw, sh = sx1 - sx0, sy1 - sy0
            side = int(rng.integers(4))
            need = 1.6
            if side in (0, 1):                           # to the right / left of the parent
                if min(py1 - py0, sh) < need:
                    continue
                dx = px1 - sx0 if side == 0 else px0 - sx1
                dy = _snap(rng.uniform(py0 - sh + need, py1 - need) - sy0)
            else:                                        # above / below
                if min(px1 - px0, sw) < need:
                    continue
                dy = py1 - sy0 if side == 2 else py0 - sy1
                dx = _snap(rng.uniform(px0 - sw + need, px1 - need) - sx0)
            from shapely import affinity

            cand = affinity.translate(shape, dx, dy)
            if cand.intersection(union).area > 1e-6:
                continue
            shared = _segments(cand.boundary.intersection(cells[j].boundary))
            if not shared or max(s.length for s in shared) < need:
                continue
            bx0, by0, bx1, by1 = unary_union([union, cand]).bounds
            key = (bx1 - bx0) * (by1 - by0) + 0.5 * float(rng.random())   # prefer compact plans
            if best_key is None or key < best_key:
                best, best_key = (cand, j), key
        if best is None:
            raise RejectedScene("floorplan", f"could not attach room {i} ({rtype}) to the plan")
        cells.append(best[0])
        parent.append(best[1])
    return cells, parent


def _door_on(seg: LineString, width_m: float, margin_m: float, rng):
    """A door/window centre on a straight segment, or None if it does not fit."""
    L = seg.length
    lo, hi = margin_m + width_m / 2, L - margin_m - width_m / 2
    if hi < lo:
        return None
    s = float(rng.uniform(lo, hi))
    p = seg.interpolate(s)
    return np.array([p.x, p.y]), s


def _normal_into(seg: LineString, center: np.ndarray, cell: Polygon) -> np.ndarray:
    (ax, ay), (bx, by) = seg.coords[0], seg.coords[-1]
    u = np.array([bx - ax, by - ay]) / seg.length
    n = np.array([-u[1], u[0]])
    from shapely.geometry import Point

    return n if cell.contains(Point(*(center + 0.05 * n))) else -n


def _cut(center, normal, width_m: float, depth_m: float) -> Polygon:
    n = np.asarray(normal, float)
    tg = np.array([-n[1], n[0]])
    pts = [center + tg * a + n * b for a, b in ((-width_m / 2, -depth_m), (width_m / 2, -depth_m),
                                                 (width_m / 2, depth_m), (-width_m / 2, depth_m))]
    return Polygon(pts)


def make_floorplan(room_types: list[str], areas_m2: list[float], aspect: float, height_m: float,
                   wall_thickness_m: float, door_width_m: float, l_shape_prob: float,
                   extra_door_prob: float, windows_per_room: tuple[int, int], rng: np.random.Generator,
                   first_id: int = 1):
    """Lay out rooms, doors, windows and structure meshes.

    Returns (rooms, doors, windows, structures, next_free_id, report). Areas are nominal interior
    floor areas in m² (bathrooms and hallways are scaled down, see _TYPE_SHAPE).
    """
    from simgen import assets

    t = float(wall_thickness_m)
    n = len(room_types)
    cells, parent = _place_rooms(room_types, areas_m2, aspect, l_shape_prob, t, rng)
    outline = unary_union(cells)
    rooms, interiors = [], []
    for i, cell in enumerate(cells):
        inner = orient(cell.buffer(-t / 2, join_style="mitre"), 1.0)
        inner = Polygon([(round(x, 6), round(y, 6)) for x, y in inner.exterior.coords]).simplify(0.0)
        inner = orient(inner, 1.0)
        interiors.append(inner)
        coords = tuple((float(x), float(y)) for x, y in list(inner.exterior.coords)[:-1])
        rooms.append(Room(id=f"room_{i}", type=room_types[i], polygon=coords, height_m=height_m))

    # interior doors: the growth tree, then extra doors between other touching rooms
    margin = t / 2 + 0.15
    pairs = [(parent[i], i) for i in range(1, n)]
    extra = [(i, j) for i in range(n) for j in range(i + 1, n) if (i, j) not in pairs and (j, i) not in pairs]
    extra = [p for p in extra if rng.random() < extra_door_prob]
    doors, cuts = [], []
    for a, b in pairs + extra:
        segs = [s for s in _segments(cells[a].boundary.intersection(cells[b].boundary))
                if s.length >= door_width_m + 2 * margin]
        if not segs:
            if (a, b) in pairs:
                raise RejectedScene("floorplan", f"rooms {a} and {b} share no wall wide enough for a door")
            continue
        seg = max(segs, key=lambda s: s.length)
        c, _ = _door_on(seg, door_width_m, margin, rng)
        nrm = _normal_into(seg, c, cells[a])
        doors.append(Door(id=f"door_{len(doors)}", rooms=(f"room_{a}", f"room_{b}"),
                          center=(round(float(c[0]), 6), round(float(c[1]), 6)),
                          normal=(round(float(nrm[0]), 6), round(float(nrm[1]), 6)),
                          width_m=door_width_m, height_m=DOOR_HEIGHT_M))
        cuts.append(_cut(c, nrm, door_width_m, t))

    # entrance: on an exterior wall of the hub room (hallway, living room, else room 0)
    order = sorted(range(n), key=lambda i: (-_HUB_WEIGHT.get(room_types[i], 1.0), i))
    ent = None
    for i in order:
        segs = [s for s in _segments(cells[i].boundary.intersection(outline.boundary))
                if s.length >= door_width_m + 2 * margin]
        if segs:
            seg = segs[int(rng.integers(len(segs)))]
            c, _ = _door_on(seg, door_width_m, margin, rng)
            nrm = _normal_into(seg, c, cells[i])
            ent = Door(id=f"door_{len(doors)}", rooms=(f"room_{i}",),
                       center=(round(float(c[0]), 6), round(float(c[1]), 6)),
                       normal=(round(float(nrm[0]), 6), round(float(nrm[1]), 6)),
                       width_m=door_width_m, height_m=DOOR_HEIGHT_M, entrance=True)
            break
    if ent is None:
        raise RejectedScene("floorplan", "no exterior wall wide enough for the entrance")
    doors.append(ent)
    ent_cut = _cut(np.array(ent.center), np.array(ent.normal), door_width_m, t)
    cuts.append(ent_cut)

    # windows on exterior walls, away from doors
    windows, win_assets = [], []
    blocked = unary_union([c.buffer(0.3) for c in cuts])
    for i in range(n):
        lo, hi = windows_per_room
        k = int(rng.integers(lo, hi + 1))
        if room_types[i] in ("bathroom", "hallway"):
            k = min(k, 1)
        segs = sorted(_segments(cells[i].boundary.intersection(outline.boundary)), key=lambda s: -s.length)
        for _ in range(k):
            placed = False
            for seg in segs:
                width = _snap(rng.uniform(0.8, 1.5))
                sill = _snap(rng.uniform(1.2, 1.4) if room_types[i] == "bathroom" else rng.uniform(0.8, 1.0))
                wh = _snap(min(1.5, height_m - 0.3 - sill))
                if wh < 0.5:
                    break
                asset = assets.make("window", rng, {"width_m": width - 0.08, "height_m": wh - 0.03})
                ext = asset.extents_m
                got = _door_on(seg, ext[1], t / 2 + 0.2, rng)
                if got is None:
                    continue
                c, _ = got
                cut = _cut(c, _normal_into(seg, c, cells[i]), ext[1], t)
                if cut.intersects(blocked):
                    continue
                nrm = _normal_into(seg, c, cells[i])
                windows.append(Window(id=f"window_{len(windows)}", room=f"room_{i}",
                                      center=(round(float(c[0]), 6), round(float(c[1]), 6)),
                                      normal=(round(float(nrm[0]), 6), round(float(nrm[1]), 6)),
                                      width_m=float(ext[1]), sill_m=sill, height_m=float(ext[2])))
                win_assets.append(asset)
                blocked = blocked.union(cut.buffer(0.4))
                placed = True
                break
            if not placed:
                break

    structures, next_id = _structures(rooms, cells, interiors, outline, doors, cuts, windows, win_assets,
                                      t, height_m, rng, first_id)
    report = {"n_rooms": n, "l_shaped": [len(_segments(c.boundary)) > 4 for c in cells],
              "door_pairs": [list(d.rooms) for d in doors if not d.entrance], "n_windows": len(windows)}
    return rooms, doors, windows, structures, next_id, report


def _structures(rooms, cells, interiors, outline, doors, door_cuts, windows, win_assets, t, height_m, rng,
                first_id):
    wall_region = outline.buffer(t / 2, join_style="mitre").difference(unary_union(interiors))
    win_cuts = [_cut(np.array(w.center), np.array(w.normal), w.width_m, t) for w in windows]
    open_ = wall_region.difference(unary_union(door_cuts + win_cuts))
    meshes = [_extrude(p, 0.0, height_m) for p in _polys(open_)]
    for c in door_cuts:
        meshes += [_extrude(p, DOOR_HEIGHT_M, height_m) for p in _polys(c.intersection(wall_region))]
    for w, c in zip(windows, win_cuts):
        for p in _polys(c.intersection(wall_region)):
            meshes.append(_extrude(p, 0.0, w.sill_m))
            if w.sill_m + w.height_m < height_m - 1e-3:
                meshes.append(_extrude(p, w.sill_m + w.height_m, height_m))
    wall_color = _WALL_COLORS[int(rng.integers(len(_WALL_COLORS)))]
    wall_mat = Material(name="paint", color_name=wall_color, base_color=palette_linear(wall_color),
                        roughness=0.9, texture="painted_wall")
    structures, next_id = [], first_id
    structures.append(Structure(id=next_id, name="walls", kind="wall", mesh=trimesh.util.concatenate(meshes),
                                material=wall_mat))
    next_id += 1
    ent = next(d for d in doors if d.entrance)
    leaf = trimesh.creation.box([ent.width_m - 0.02, 0.04, DOOR_HEIGHT_M - 0.01])
    leaf.apply_translation([0.0, 0.0, (DOOR_HEIGHT_M - 0.01) / 2])
    yaw = float(np.arctan2(ent.normal[1], ent.normal[0])) - np.pi / 2
    leaf.apply_transform(trimesh.transformations.rotation_matrix(yaw, [0, 0, 1]))
    leaf.apply_translation([ent.center[0], ent.center[1], 0.0])
    structures.append(Structure(id=next_id, name="entrance_door", kind="door", mesh=leaf,
                                material=Material(name="wood", color_name="brown",
                                                  base_color=palette_linear("brown"), roughness=0.6,
                                                  texture="wood_grain"), room=ent.rooms[0]))
    next_id += 1
    for w, asset in zip(windows, win_assets):
        yaw = float(np.arctan2(w.normal[1], w.normal[0]))
        c, s = np.cos(yaw), np.sin(yaw)
        pose = np.eye(4)
        pose[:3, :3] = [[c, -s, 0], [s, c, 0], [0, 0, 1]]
        back = np.array(w.center) - np.array(w.normal) * (t / 2)
        front_off = asset.extents_m[0] / 2
        pose[:3, 3] = [back[0] + c * front_off, back[1] + s * front_off, w.sill_m]
        glass = [p for p in asset.parts if p.material.name == "glass"]
        frame = [p for p in asset.parts if p.material.name != "glass"]
        for label, parts in (("", frame), ("_glass", glass)):
            if not parts:
                continue
            m = trimesh.util.concatenate([p.mesh.copy() for p in parts])
            m.apply_transform(pose)
            structures.append(Structure(id=next_id, name=f"{w.id}{label}", kind="window", mesh=m,
                                        material=parts[0].material, room=w.room))
            next_id += 1
    for room, cell in zip(rooms, cells):
        fkind, fcolors = _FLOOR_BY_ROOM.get(room.type, ("wood", ("brown",)))
        fcolor = fcolors[int(rng.integers(len(fcolors)))]
        slab = cell.buffer(t / 2, join_style="mitre")
        structures.append(Structure(
            id=next_id, name=f"floor_{room.id}", kind="floor", room=room.id,
            mesh=_extrude(slab, -FLOOR_THICKNESS_M, 0.0),
            material=Material(name=fkind, color_name=fcolor, base_color=palette_linear(fcolor),
                              roughness=0.7, texture={"wood": "wood_grain", "tiles": "tiles",
                                                      "carpet": "carpet"}[fkind])))
        next_id += 1
        structures.append(Structure(
            id=next_id, name=f"ceiling_{room.id}", kind="ceiling", room=room.id,
            mesh=_extrude(slab, height_m, height_m + FLOOR_THICKNESS_M),
            material=Material(name="paint", color_name="white", base_color=palette_linear("white"),
                              roughness=0.95)))
        next_id += 1
    return structures, next_id
