"""Constrained placement of objects in a room (first version: sampling with hard checks).

Hard constraints checked for every accepted object: footprint inside the room, no footprint
overlap between floor objects (2 cm gap), door keep-out zones kept free, the camera's walkable free
space (carrier radius `clearance_m`) stays one connected region that reaches every door; wall objects
at a mounting height without 3D overlap; small objects inside a support polygon with room above and
no overlap with their neighbours. What is requested and what was achieved both land in the report.
"""

from __future__ import annotations

import numpy as np
from shapely import affinity
from shapely.geometry import Point, Polygon, box
from shapely.ops import unary_union

from simgen.core.transforms import make_pose, rot_z
from simgen.scenes.model import Door, PlacedObject, Room

GAP_M = 0.02


def footprint(extents_m, x: float, y: float, yaw_rad: float) -> Polygon:
    """Oriented rectangle (shapely) of an asset's xy extents centred at (x, y), rotated by yaw."""
    ex, ey = float(extents_m[0]), float(extents_m[1])
    rect = box(-ex / 2, -ey / 2, ex / 2, ey / 2)
    return affinity.translate(affinity.rotate(rect, yaw_rad, origin=(0, 0), use_radians=True), x, y)


def asset_center_offset(asset) -> np.ndarray:
    """xy centre of the asset's bounds in its own frame (generators centre it, but do not rely on it)."""
    b = asset.mesh().bounds
    return np.array([(b[0, 0] + b[1, 0]) / 2, (b[0, 1] + b[1, 1]) / 2])


def door_keepouts(room: Room, doors: list[Door], depth_m: float = 0.9) -> list[Polygon]:
    """Rectangles in front of each door of this room (both sides are clipped to the room)."""
    poly = Polygon(room.polygon)
    zones = []
    for d in doors:
        if room.id not in d.rooms:
            continue
        cx, cy = d.center
        nx, ny = d.normal
        tx, ty = -ny, nx
        half = d.width_m / 2 + 0.1
        pts = []
        for s in (-1, 1):
            for a, b in ((half, 0.0), (half, depth_m), (-half, depth_m), (-half, 0.0)):
                pts.append((cx + tx * a + nx * b * s, cy + ty * a + ny * b * s))
        zones.append(unary_union([Polygon(pts[:4]), Polygon(pts[4:])]).intersection(poly.buffer(0.01)))
    return [z for z in zones if not z.is_empty]


def navigable(room_poly: Polygon, obstacles: list[Polygon], keepouts: list[Polygon], clearance_m: float) -> bool:
    """True if the camera's free space is one connected region touching every door zone."""
    free = room_poly.buffer(-clearance_m)
    if obstacles:
        free = free.difference(unary_union(obstacles).buffer(clearance_m))
    if free.is_empty:
        return False
    parts = list(free.geoms) if hasattr(free, "geoms") else [free]
    main = max(parts, key=lambda g: g.area)
    if main.area < 0.9 * free.area:
        return False
    return all(main.intersects(z) for z in keepouts)


class RoomLayout:
    """Mutable bookkeeping while one room is filled; produces PlacedObjects."""

    def __init__(self, room: Room, doors: list[Door], clearance_m: float, walkway_m: float):
        self.room = room
        self.poly = Polygon(room.polygon)
        self.keepouts = door_keepouts(room, doors)
        self.clearance_m = clearance_m
        self.walkway_m = walkway_m
        self.floor_fps: list[Polygon] = []
        self.boxes3d: list[tuple[np.ndarray, np.ndarray]] = []    # world AABBs of floor and wall objects
        self.surface_fps: dict[tuple[int, str], list[Polygon]] = {}
        self.surface_load: dict[tuple[int, str], int] = {}

    # -- floor -------------------------------------------------------------------------------
    def try_floor(self, asset, against_wall: bool, rng: np.random.Generator, attempts: int):
        ext = asset.extents_m
        off = asset_center_offset(asset)
        coords = np.asarray(self.room.polygon)
        edges = list(zip(coords, np.roll(coords, -1, axis=0)))
        for _ in range(attempts):
            if against_wall:
                a, b = edges[int(rng.integers(len(edges)))]
                d = b - a
                length = float(np.linalg.norm(d))
                if length < ext[1] + 0.1:
                    continue
                u = d / length
                inward = np.array([-u[1], u[0]])             # CCW polygon: left of the edge is inside
                s = float(rng.uniform(ext[1] / 2 + 0.05, length - ext[1] / 2 - 0.05))
                c = a + u * s + inward * (ext[0] / 2 + GAP_M)
                yaw = float(np.arctan2(inward[1], inward[0]))
            else:
                minx, miny, maxx, maxy = self.poly.bounds
                c = np.array([rng.uniform(minx, maxx), rng.uniform(miny, maxy)])
                yaw = float(rng.uniform(-np.pi, np.pi))
            fp = footprint(ext, c[0], c[1], yaw)
            if not self.poly.buffer(-0.005).contains(fp):
                continue
            if any(fp.distance(o) < GAP_M for o in self.floor_fps):
                continue
            if any(fp.intersects(z) for z in self.keepouts):
                continue
            if not navigable(self.poly, self.floor_fps + [fp], self.keepouts,
                             max(self.clearance_m, self.walkway_m / 2)):
                continue
            R = rot_z(yaw)
            t = np.array([c[0], c[1], 0.0]) - R @ np.array([off[0], off[1], 0.0])
            pose = make_pose(R, t)
            self.floor_fps.append(fp)
            self.boxes3d.append(_world_aabb(asset, pose))
            return pose
        return None

    # -- wall --------------------------------------------------------------------------------
    def try_wall(self, asset, height_range_m: tuple[float, float], rng: np.random.Generator, attempts: int):
        ext = asset.extents_m
        off = asset_center_offset(asset)
        coords = np.asarray(self.room.polygon)
        edges = list(zip(coords, np.roll(coords, -1, axis=0)))
        for _ in range(attempts):
            a, b = edges[int(rng.integers(len(edges)))]
            d = b - a
            length = float(np.linalg.norm(d))
            if length < ext[1] + 0.2:
                continue
            u = d / length
            inward = np.array([-u[1], u[0]])
            s = float(rng.uniform(ext[1] / 2 + 0.1, length - ext[1] / 2 - 0.1))
            c = a + u * s + inward * (ext[0] / 2 + 0.002)
            lo, hi = height_range_m
            z0 = float(rng.uniform(lo, max(lo, hi)))
            if z0 + ext[2] > self.room.height_m - 0.05:
                continue
            yaw = float(np.arctan2(inward[1], inward[0]))
            R = rot_z(yaw)
            t = np.array([c[0], c[1], z0]) - R @ np.array([off[0], off[1], 0.0])
            pose = make_pose(R, t)
            lo3, hi3 = _world_aabb(asset, pose)
            if any(np.all(lo3 < bhi - 0.01) and np.all(blo < hi3 - 0.01) for blo, bhi in self.boxes3d):
                continue
            fp = footprint(ext, c[0], c[1], yaw)
            if z0 < 2.1 and any(fp.intersects(z) for z in self.keepouts):
                continue
            self.boxes3d.append((lo3, hi3))
            return pose
        return None

    # -- surface -----------------------------------------------------------------------------
    def try_surface(self, asset, supports: list[tuple[PlacedObject, object]], rng: np.random.Generator,
                    attempts: int):
        """supports: (placed support object, SupportSurface). Returns (pose, support id) or None."""
        ext = asset.extents_m
        off = asset_center_offset(asset)
        open_ = [(o, s) for o, s in supports
                 if self.surface_load.get((o.id, s.name), 0) < s.capacity and s.clearance_m >= ext[2] + 0.01]
        if not open_:
            return None
        for _ in range(attempts):
            o, s = open_[int(rng.integers(len(open_)))]
            poly_local = Polygon(s.polygon)
            yaw_local = float(rng.uniform(-np.pi, np.pi))
            r = 0.5 * float(np.hypot(ext[0], ext[1]))
            inner = poly_local.buffer(-min(r, 0.45 * min(poly_local.bounds[2] - poly_local.bounds[0],
                                                          poly_local.bounds[3] - poly_local.bounds[1])))
            if inner.is_empty:
                continue
            minx, miny, maxx, maxy = inner.bounds
            p = np.array([rng.uniform(minx, maxx), rng.uniform(miny, maxy)])
            if not inner.contains(Point(p)):
                continue
            fp_local = footprint(ext, p[0], p[1], yaw_local)
            if not poly_local.contains(fp_local):
                continue
            key = (o.id, s.name)
            if any(fp_local.distance(q) < 0.01 for q in self.surface_fps.get(key, [])):
                continue
            local = make_pose(rot_z(yaw_local), [p[0], p[1], s.height_m])
            local = local @ make_pose(np.eye(3), [-off[0], -off[1], 0.0])
            pose = o.pose @ local
            self.surface_fps.setdefault(key, []).append(fp_local)
            self.surface_load[key] = self.surface_load.get(key, 0) + 1
            return pose, o.id
        return None


def _world_aabb(asset, pose: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    b = asset.mesh().bounds
    corners = np.array([[x, y, z] for x in b[:, 0] for y in b[:, 1] for z in b[:, 2]])
    w = corners @ pose[:3, :3].T + pose[:3, 3]
    return w.min(axis=0), w.max(axis=0)
