"""Stops of the baseline and user modes: orbit, random_walk, scripted (see trajectory.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from shapely.geometry import Point, Polygon

from simgen.cameras.motion import Stop
from simgen.core.config import read_toml
from simgen.core.errors import ConfigError


def _room_order(scene, start_xy) -> list:
    """Rooms in breadth-first order over the doors, from the room holding the start."""
    polys = {r.id: Polygon(r.polygon) for r in scene.rooms}
    first = min(polys, key=lambda rid: polys[rid].distance(Point(start_xy)))
    order, queue = [first], [first]
    while queue:
        cur = queue.pop(0)
        for d in scene.doors:
            if cur in d.rooms:
                for other in d.rooms:
                    if other not in order:
                        order.append(other)
                        queue.append(other)
    order += [rid for rid in polys if rid not in order]
    return [(rid, polys[rid]) for rid in order]


def orbit_stops(scene, cfg, free, grid, reach, start: int, inset_m: float = 0.5) -> list[Stop]:
    """One loop per room, `inset_m` inside its free space, looking at the room's centroid."""
    from scipy.spatial import cKDTree

    stops = []
    cur = grid.xy[start]
    tree = cKDTree(grid.xy[reach])

    def loop_of(g):
        ring = np.asarray(g.exterior.coords)[:-1]
        if len(ring) < 3:
            return None
        closed = np.vstack([ring, ring[:1]])
        d = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(closed, axis=0), axis=1))]
        s = np.arange(0.0, d[-1], 0.1)
        pts = np.stack([np.interp(s, d, closed[:, 0]), np.interp(s, d, closed[:, 1])], axis=1)
        # only loops in the free space reachable from the start (never through furniture to a cut-off pocket)
        return pts if len(pts) >= 3 and tree.query(pts)[0].max() <= 1.5 * grid.cell_m else None

    for _rid, poly in _room_order(scene, cur):
        loops = []
        for inset in (inset_m, 0.1):
            part = free.intersection(poly).buffer(-inset)
            loops = [lp for g in sorted(getattr(part, "geoms", [part]), key=lambda g: -g.area)
                     if not g.is_empty and (lp := loop_of(g)) is not None]
            if loops:
                break
        if not loops:
            continue
        pts = loops[0]
        k = int(np.argmin(np.linalg.norm(pts - cur, axis=1)))
        loop = np.vstack([pts[k:], pts[:k], pts[k:k + 1]])
        c = poly.centroid
        gaze = (float(c.x), float(c.y))
        yaw_c = float(np.arctan2(gaze[1] - loop[0, 1], gaze[0] - loop[0, 0]))
        stops.append(Stop(tuple(loop[0]), yaw_c, 0.0, (), "waypoint"))
        stops.append(Stop(tuple(loop[-1]), yaw_c, 0.0, (), "orbit", via=loop, gaze_xy=gaze))
        cur = loop[-1]
    return stops


def random_stops(cfg, grid, reach, rng: np.random.Generator, n: int = 60, min_step_m: float = 1.5) -> list[Stop]:
    """Random reachable waypoints at least `min_step_m` apart; heading follows the motion."""
    nodes = np.nonzero(reach)[0]
    stops, cur = [], None
    for _ in range(n):
        for _try in range(20):
            k = int(nodes[int(rng.integers(len(nodes)))])
            if cur is None or np.linalg.norm(grid.xy[k] - cur) >= min_step_m:
                break
        cur = grid.xy[k]
        stops.append(Stop(tuple(cur), None, 0.0, (), "waypoint"))
    return stops


def scripted_stops(cfg, grid, reach, scene=None) -> list[Stop]:
    """Waypoints from cfg.script: {"units": "m" | "fraction", "waypoints": [{"xy": [x, y], "yaw_deg": a | null,
    "hold_s": t}]}. units "m" (default): world metres, each waypoint within 0.5 m of reachable free space.
    units "fraction": xy in [0, 1] across the bounding box of the scene's rooms, snapped to the nearest
    reachable free-space cell (one script fits every scene). A relative path not found from the working
    directory is looked up in the camera preset folder."""
    from simgen.core.presets import preset_dir

    if not cfg.script:
        raise ConfigError("camera mode 'scripted' needs camera.script = a JSON or TOML waypoint file")
    path = Path(cfg.script)
    if not path.is_file() and not path.is_absolute():
        path = preset_dir("cameras") / cfg.script
    if not path.is_file():
        raise ConfigError(f"camera.script file not found: {cfg.script}")
    data = json.loads(path.read_text()) if path.suffix == ".json" else read_toml(path, "waypoint file")
    wps = data.get("waypoints") if isinstance(data, dict) else None
    if not wps:
        raise ConfigError(f"{cfg.script}: needs a non-empty 'waypoints' list")
    units = data.get("units", "m")
    if units not in ("m", "fraction"):
        raise ConfigError(f"{cfg.script}: units must be 'm' or 'fraction', got {units!r}")
    if units == "fraction":
        if scene is None:
            raise ConfigError(f"{cfg.script}: units 'fraction' needs the scene")
        pts = np.concatenate([np.asarray(r.polygon, float) for r in scene.rooms])
        lo, hi = pts.min(axis=0), pts.max(axis=0)
    nodes = np.nonzero(reach)[0]
    stops = []
    for i, w in enumerate(wps):
        try:
            xy = np.asarray(w["xy"], dtype=float)[:2]
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"{cfg.script}: waypoint {i} needs xy = [x, y], got {w!r}") from None
        if units == "fraction":
            xy = lo + np.clip(xy, 0.0, 1.0) * (hi - lo)
            k = int(nodes[np.argmin(np.sum((grid.xy[nodes] - xy) ** 2, axis=1))])
        else:
            k = grid.nearest(xy)
            if not reach[k] or np.linalg.norm(grid.xy[k] - xy) > 0.5:
                raise ConfigError(f"{cfg.script}: waypoint {i} at {xy.tolist()} is not in reachable free space")
        yaw = w.get("yaw_deg")
        stops.append(Stop(tuple(grid.xy[k]), None if yaw is None else float(np.deg2rad(yaw)),
                          float(w.get("hold_s", 0.0)), (), "waypoint"))
    return stops
