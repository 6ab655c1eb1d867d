"""Floorplans: rooms as shapely polygons with shared walls of real thickness, doors and structure meshes.

This first floorplan lays 1..N rectangular rooms in a row along +x with a common depth: every pair of
neighbours shares a wall with a door opening, and the first room has the entrance in its exterior
wall at y = 0, so the room graph is connected. Walls are centred on the room boundary lines.
"""

from __future__ import annotations

import numpy as np
import trimesh
from shapely.geometry import Polygon, box
from shapely.ops import unary_union

from simgen.core.color import palette_linear
from simgen.core.types import Material
from simgen.scenes.model import Door, Room, Structure

DOOR_HEIGHT_M = 2.05
FLOOR_THICKNESS_M = 0.05

_FLOOR_BY_ROOM = {
    "bedroom": ("wood", "brown"), "living_room": ("wood", "brown"), "office": ("carpet", "gray"),
    "dining_room": ("wood", "beige"), "kitchen": ("tiles", "white"), "bathroom": ("tiles", "white"),
    "hallway": ("wood", "brown"),
}
_WALL_COLORS = ("white", "beige", "gray", "white", "beige")


def _extrude(poly: Polygon, z0: float, z1: float) -> trimesh.Trimesh:
    """Prism over a shapely polygon between heights z0 < z1 (world, metres)."""
    m = trimesh.creation.extrude_polygon(poly, z1 - z0)
    m.apply_translation([0.0, 0.0, z0])
    return m


def _polys(geom) -> list[Polygon]:
    if geom.is_empty:
        return []
    return list(geom.geoms) if hasattr(geom, "geoms") else [geom]


def _concat(meshes: list[trimesh.Trimesh]) -> trimesh.Trimesh:
    return trimesh.util.concatenate(meshes) if len(meshes) > 1 else meshes[0]


def make_floorplan(n_rooms: int, room_types: list[str], areas_m2: list[float], aspect: float,
                   height_m: float, wall_thickness_m: float, door_width_m: float,
                   rng: np.random.Generator, first_id: int = 1):
    """Lay out rooms, doors and structure meshes.

    Returns (rooms, doors, structures, next_free_id). Areas are interior floor areas in m².
    """
    t = float(wall_thickness_m)
    depth = max(2.6, float(np.sqrt(areas_m2[0] * aspect)))        # y extent between wall centres
    widths = [max(2.4, float(a / (depth - t)) + t) for a in areas_m2]  # x extents between wall centres
    xs = np.concatenate([[0.0], np.cumsum(widths)])

    rooms, cells = [], []
    for i in range(n_rooms):
        cell = box(xs[i] + t / 2, t / 2, xs[i + 1] - t / 2, depth - t / 2)
        cells.append(cell)
        coords = tuple((round(float(x), 6), round(float(y), 6)) for x, y in list(cell.exterior.coords)[:-1])
        rooms.append(Room(id=f"room_{i}", type=room_types[i], polygon=coords, height_m=height_m))

    doors, cutouts = [], []
    margin = 0.15 + door_width_m / 2
    for i in range(n_rooms - 1):          # interior doors in the shared walls x = xs[i+1]
        y = float(rng.uniform(t / 2 + margin, depth - t / 2 - margin))
        doors.append(Door(id=f"door_{len(doors)}", rooms=(f"room_{i}", f"room_{i + 1}"),
                          center=(float(xs[i + 1]), y), normal=(-1.0, 0.0), width_m=door_width_m,
                          height_m=DOOR_HEIGHT_M))
        cutouts.append(box(xs[i + 1] - t, y - door_width_m / 2, xs[i + 1] + t, y + door_width_m / 2))
    ex = float(rng.uniform(xs[0] + t / 2 + margin, xs[1] - t / 2 - margin))
    doors.append(Door(id=f"door_{len(doors)}", rooms=("room_0",), center=(ex, 0.0), normal=(0.0, 1.0),
                      width_m=door_width_m, height_m=DOOR_HEIGHT_M, entrance=True))
    entrance_cut = box(ex - door_width_m / 2, -t, ex + door_width_m / 2, t)
    cutouts.append(entrance_cut)

    outline = box(xs[0] - t / 2, -t / 2, xs[-1] + t / 2, depth + t / 2)
    wall_region = outline.difference(unary_union(cells))
    walls_open = wall_region.difference(unary_union(cutouts))
    wall_meshes = [_extrude(p, 0.0, height_m) for p in _polys(walls_open)]
    lintels = [_extrude(p, DOOR_HEIGHT_M, height_m) for c in cutouts for p in _polys(c.intersection(wall_region))]

    wall_color = _WALL_COLORS[int(rng.integers(len(_WALL_COLORS)))]
    wall_mat = Material(name="paint", color_name=wall_color, base_color=palette_linear(wall_color),
                        roughness=0.9, texture="painted_wall")
    structures, next_id = [], first_id
    structures.append(Structure(id=next_id, name="walls", kind="wall", mesh=_concat(wall_meshes + lintels),
                                material=wall_mat))
    next_id += 1
    # the entrance door leaf, closed, flush with the wall centre
    leaf = trimesh.creation.box([door_width_m - 0.02, 0.04, DOOR_HEIGHT_M - 0.01])
    leaf.apply_translation([ex, 0.0, (DOOR_HEIGHT_M - 0.01) / 2])
    structures.append(Structure(id=next_id, name="entrance_door", kind="door", mesh=leaf,
                                material=Material(name="wood", color_name="brown",
                                                  base_color=palette_linear("brown"), roughness=0.6,
                                                  texture="wood_grain"), room="room_0"))
    next_id += 1
    for i, (room, cell) in enumerate(zip(rooms, cells)):
        fkind, fcolor = _FLOOR_BY_ROOM.get(room.type, ("wood", "brown"))
        # floors extend under the walls and door openings so that nothing looks through a gap
        slab = box(xs[i] - t / 2, -t / 2, xs[i + 1] + t / 2, depth + t / 2)
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
    return rooms, doors, structures, next_id
