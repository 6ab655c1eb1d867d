"""Keep-out zones and fixed features of one room: door swing zones, window zones, door approach
points, wall openings as boxes. (`footprint` is re-exported for the camera planner.)"""

from __future__ import annotations

import numpy as np

from simgen.scenes.fill import Box
from simgen.scenes.geometry import footprint  # noqa: F401  (public: used by simgen.cameras)

DOOR_SWING_M = 0.9
WINDOW_ZONE_M = 0.4


def inward_normal(door, room_id: str) -> np.ndarray:
    n = np.asarray(door.normal, dtype=np.float64)
    return n if door.rooms[0] == room_id else -n


def keepouts(room, doors, windows, wall_thickness_m: float) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Static rects (s, 5) that floor objects must avoid, the minimum height (s,) an object must
    exceed to be blocked by each (0 for door swings, the sill for windows), and their descriptions."""
    rects, min_h, desc = [], [], []
    t2 = wall_thickness_m / 2
    for d in doors:
        if room.id not in d.rooms:
            continue
        n = inward_normal(d, room.id)
        c = np.asarray(d.center) + n * (t2 + DOOR_SWING_M / 2)
        rects.append([c[0], c[1], DOOR_SWING_M / 2 + t2, d.width_m / 2 + 0.1, float(np.arctan2(n[1], n[0]))])
        min_h.append(0.0)
        desc.append({"kind": "door_swing", "id": d.id})
    for w in windows:
        if w.room != room.id:
            continue
        n = np.asarray(w.normal, dtype=np.float64)
        c = np.asarray(w.center) + n * (t2 + WINDOW_ZONE_M / 2)
        rects.append([c[0], c[1], WINDOW_ZONE_M / 2 + t2, w.width_m / 2 + 0.05, float(np.arctan2(n[1], n[0]))])
        min_h.append(max(0.0, w.sill_m - 0.03))
        desc.append({"kind": "window", "id": w.id})
    return np.array(rects, dtype=np.float64).reshape(-1, 5), np.array(min_h), desc


def door_points(room, doors, wall_thickness_m: float, radius_m: float) -> list[np.ndarray]:
    """Approach points just inside the room in front of each of its doors (entrance first)."""
    pts = []
    for d in sorted((d for d in doors if room.id in d.rooms), key=lambda d: not d.entrance):
        n = inward_normal(d, room.id)
        pts.append(np.asarray(d.center) + n * (wall_thickness_m / 2 + radius_m + 0.1))
    return pts


def door_passages(room, doors, wall_thickness_m: float) -> np.ndarray:
    """Rects (k, 5) of this room's door openings through the wall (walkable)."""
    out = []
    for d in doors:
        if room.id not in d.rooms:
            continue
        n = inward_normal(d, room.id)
        out.append([d.center[0], d.center[1], wall_thickness_m / 2 + 0.02, d.width_m / 2,
                    float(np.arctan2(n[1], n[0]))])
    return np.array(out, dtype=np.float64).reshape(-1, 5)


def opening_boxes(room, doors, windows, wall_thickness_m: float) -> list[Box]:
    """Door and window openings of this room as 3D boxes (wall items keep clear of them)."""
    out = []
    for d in doors:
        if room.id in d.rooms:
            n = inward_normal(d, room.id)
            out.append(Box(-1, "door_opening", np.array([d.center[0], d.center[1], wall_thickness_m, d.width_m / 2 + 0.05,
                                                          float(np.arctan2(n[1], n[0]))]), 0.0, d.height_m + 0.1))
    for w in windows:
        if w.room == room.id:
            n = np.asarray(w.normal)
            out.append(Box(-1, "window_opening", np.array([w.center[0], w.center[1], wall_thickness_m + 0.15,
                                                            w.width_m / 2 + 0.03, float(np.arctan2(n[1], n[0]))]),
                           w.sill_m - 0.02, w.sill_m + w.height_m + 0.05))
    return out
