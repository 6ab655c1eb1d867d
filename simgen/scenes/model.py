"""Plain data of a generated scene: rooms, doors, structure, placed objects, lights."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import trimesh

from simgen.core.types import Material


@dataclass(frozen=True)
class Room:
    id: str
    type: str
    polygon: tuple[tuple[float, float], ...]   # interior floor polygon, world xy, CCW, metres
    height_m: float

    @property
    def area_m2(self) -> float:
        from shapely.geometry import Polygon

        return float(Polygon(self.polygon).area)


@dataclass(frozen=True)
class Door:
    id: str
    rooms: tuple[str, ...]        # the one or two rooms it connects ("entrance" doors have one)
    center: tuple[float, float]   # world xy of the opening's centre, on the wall's centre line
    normal: tuple[float, float]   # unit xy normal of the wall (pointing into rooms[0])
    width_m: float
    height_m: float
    entrance: bool = False


@dataclass(frozen=True)
class Window:
    id: str
    room: str
    center: tuple[float, float]   # world xy of the opening's centre, on the wall's centre line
    normal: tuple[float, float]   # unit xy normal of the wall pointing into the room
    width_m: float
    sill_m: float                 # height of the opening's bottom above the floor
    height_m: float               # height of the opening


@dataclass(frozen=True)
class Group:
    """Objects laid out as one rigid unit by the optimizer (e.g. a table with its chairs)."""

    id: str
    kind: str                     # template name: dining | desk | lounge | bed | kitchen_run | bath
    room: str
    members: tuple[int, ...]      # object ids (the anchor first)


@dataclass(frozen=True)
class Structure:
    """Floor, wall, ceiling, door leaf: static geometry in world coordinates."""

    id: int
    name: str
    kind: str                     # "floor" | "wall" | "ceiling" | "door" | "window"
    mesh: trimesh.Trimesh         # world coordinates
    material: Material
    room: str | None = None


@dataclass(frozen=True)
class PlacedObject:
    id: int                       # instance id (uint16 > 0)
    name: str                     # "<category>_<k>"
    asset: object                 # simgen.assets.Asset
    pose: np.ndarray              # (4, 4) world_from_asset
    room: str
    placement: str                # floor | wall | surface | ceiling
    support: int | None           # id of the object it rests on (None: floor, wall, ceiling)

    @property
    def yaw(self) -> float:
        return float(np.arctan2(self.pose[1, 0], self.pose[0, 0]))

    def box_corners(self, pose: np.ndarray | None = None) -> np.ndarray:
        """(8, 3) world corners of the oriented box (the asset-frame mesh bounds moved by `pose`, default
        the object's own), x-major order: the one corner rule of layout checks, settle and camera views."""
        b = np.asarray(self.asset.mesh().bounds, dtype=np.float64)
        c = np.array([[x, y, z] for x in b[:, 0] for y in b[:, 1] for z in b[:, 2]])
        P = np.asarray(self.pose if pose is None else pose, dtype=np.float64)
        return c @ P[:3, :3].T + P[:3, 3]


@dataclass(frozen=True)
class LightSpec:
    kind: str
    position: tuple[float, float, float]
    color: tuple[float, float, float]
    intensity: float
    room: str | None = None


@dataclass(frozen=True)
class Scene:
    scene_id: str
    seed: int
    rooms: tuple[Room, ...]
    doors: tuple[Door, ...]
    structures: tuple[Structure, ...]
    objects: tuple[PlacedObject, ...]
    lights: tuple[LightSpec, ...]
    reports: dict = field(default_factory=dict)   # layout and physics reports (plain data)
    params: dict = field(default_factory=dict)    # the values drawn from the preset's ranges
    windows: tuple[Window, ...] = ()
    groups: tuple[Group, ...] = ()
    relations: tuple[dict, ...] = ()             # requested layout relations with their evaluation
