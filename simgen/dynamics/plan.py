"""Choosing what moves, where and when, from the scene's "dynamics" stream.

Two calls, around the camera planner:
    scene, staging = stage_scene(scene, cfg, rng)              # proxies added (the camera sees them)
    actions = schedule_actions(scene, staging, cfg, traj, rng)  # times, directions, paths

Each action starts at a time drawn in the preset's window, preferring frames whose view holds the
target; the person's walk is placed so that it keeps clear of the camera.
"""

from __future__ import annotations

import numpy as np
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon

from simgen.core.transforms import project_points
from simgen.dynamics.config import DynamicsConfig
from simgen.dynamics.motion import Action
from simgen.dynamics.proxies import (BALL_COLORS, PERSON_COLORS, add_proxy, ball_asset, floor_obstacles, free_floor,
                                     person_asset, sample_point)

N_HEADINGS = 16


def _room_by_area(scene, rng):
    areas = np.array([r.area_m2 for r in scene.rooms])
    return scene.rooms[int(rng.choice(len(areas), p=areas / areas.sum()))]


def _footprint(o) -> Polygon:
    b = o.asset.mesh().bounds
    c = np.array([[x, y, 0.0] for x in b[:, 0] for y in b[:, 1]])
    w = c @ o.pose[:3, :3].T + o.pose[:3, 3]
    return Polygon(w[:, :2]).convex_hull


def _pushable(scene, cfg):
    carried = {o.support for o in scene.objects if o.support is not None}
    return [o for o in scene.objects if o.placement == "floor" and o.asset.category in cfg.push_categories
            and o.asset.mass_kg <= cfg.push_max_mass_kg and o.id not in carried]


def _knockable(scene):
    by_id = {o.id: o for o in scene.objects}
    carried = {o.support for o in scene.objects if o.support is not None}
    return [o for o in scene.objects if o.placement == "surface" and o.support in by_id and o.id not in carried]


def _door(scene):
    leaf = next((s for s in scene.structures if s.kind == "door"), None)
    door = next((d for d in scene.doors if d.entrance), None)
    return (leaf, door) if leaf is not None and door is not None else (None, None)


def stage_scene(scene, cfg: DynamicsConfig, rng: np.random.Generator):
    """Draw the action kinds of this scene and add the proxies they need (a ball, a person).
    Returns (scene with proxies, staging dict: {"kinds": [...], "person_path": ...})."""
    n = cfg.n_actions.sample(rng)
    order = [cfg.actions[k] for k in rng.permutation(len(cfg.actions))]
    kinds: list[str] = []
    staging = {"kinds": kinds, "skipped": []}
    for kind in order:
        if len(kinds) >= n:
            break
        if kind == "roll_ball":
            room = _room_by_area(scene, rng)
            r = cfg.ball_radius_m.sample(rng)
            xy = sample_point(free_floor(scene, room, max(0.35, r + 0.2)), rng)
            if xy is None:
                staging["skipped"].append(kind)
                continue
            color = BALL_COLORS[int(rng.integers(len(BALL_COLORS)))]
            scene, ball = add_proxy(scene, ball_asset(r, cfg.ball_mass_kg, color), xy, 0.0, room.id, "ball_0")
            staging["ball"] = ball.id
        elif kind == "walk_person":
            room = _room_by_area(scene, rng)
            h = cfg.person_height_m.sample(rng)
            path = _walk_path(scene, room, cfg, rng)
            if path is None:
                staging["skipped"].append(kind)
                continue
            a, b = path
            color = PERSON_COLORS[int(rng.integers(len(PERSON_COLORS)))]
            yaw = float(np.arctan2(b[1] - a[1], b[0] - a[0]))
            scene, person = add_proxy(scene, person_asset(h, cfg.person_radius_m, color), a, yaw, room.id, "person_0")
            staging["person"] = person.id
            staging["person_path"] = ([float(a[0]), float(a[1])], [float(b[0]), float(b[1])])
        elif kind == "push_object" and not _pushable(scene, cfg):
            staging["skipped"].append(kind)
            continue
        elif kind == "knock_off" and not _knockable(scene):
            staging["skipped"].append(kind)
            continue
        elif kind == "swing_door" and _door(scene)[0] is None:
            staging["skipped"].append(kind)
            continue
        kinds.append(kind)
    return scene, staging


def _walk_path(scene, room, cfg, rng, tries: int = 60):
    region = free_floor(scene, room, cfg.person_radius_m + 0.15)
    best = None
    for _ in range(tries):
        a, b = sample_point(region, rng), sample_point(region, rng)
        if a is None or b is None:
            return None
        length = float(np.linalg.norm(b - a))
        if length >= cfg.person_min_walk_m and region.contains(LineString([a, b])):
            if best is None or length > best[0]:
                best = (length, a, b)
    return None if best is None else (best[1], best[2])


def _visible_times(traj, center: np.ndarray, window) -> list[float]:
    """Frame times inside `window` (s, s) whose view holds `center` (3,) well inside the image."""
    out = []
    for t in traj.frame_times_s:
        if not window[0] <= t <= window[1]:
            continue
        uv, z = project_points(traj.K, traj.pose_at(float(t)), center[None])
        u, v = uv[0]
        if z[0] > 0.3 and 0.15 * traj.width < u < 0.85 * traj.width and 0.15 * traj.height < v < 0.85 * traj.height \
                and z[0] < 6.0:
            out.append(float(t))
    return out


def _start_time(traj, center, cfg, rng, duration_s: float) -> float:
    frac = sorted((cfg.start_fraction.low, cfg.start_fraction.high))
    window = (frac[0] * duration_s, frac[1] * duration_s)
    vis = _visible_times(traj, np.asarray(center, dtype=np.float64), window)
    if vis:
        return float(vis[int(rng.integers(len(vis)))])
    return float(rng.uniform(*window)) if window[1] > window[0] else window[0]


def _center(o) -> np.ndarray:
    b = o.asset.mesh().bounds
    return o.pose[:3, :3] @ ((b[0] + b[1]) / 2) + o.pose[:3, 3]


def _free_run(region, xy, heading: float, max_m: float = 6.0) -> float:
    d = np.array([np.cos(heading), np.sin(heading)])
    line = LineString([xy, xy + d * max_m])
    inter = line.intersection(region)
    if inter.is_empty:
        return 0.0
    for g in getattr(inter, "geoms", [inter]):
        if g.distance(Point(float(xy[0]), float(xy[1]))) < 1e-6:
            return float(g.length)
    return 0.0


def schedule_actions(scene, staging: dict, cfg: DynamicsConfig, traj, rng: np.random.Generator,
                     duration_s: float) -> list[Action]:
    """Concrete actions (targets, start times, directions) for the staged kinds. Kinds that cannot
    happen in this scene and walk (no free direction, no safe time) are recorded in staging["skipped"]."""
    by_id = {o.id: o for o in scene.objects}
    actions = []
    headings = np.arange(N_HEADINGS) * 2 * np.pi / N_HEADINGS
    for kind in staging["kinds"]:
        if kind == "roll_ball":
            o = by_id[staging["ball"]]
            room = next(r for r in scene.rooms if r.id == o.room)
            r = float(o.asset.params["radius_m"])
            xy = o.pose[:2, 3]
            region = Polygon(room.polygon).buffer(-r)
            targets = [p for p in scene.objects if p.room == o.room and p.placement == "floor" and p.id != o.id
                       and 0.6 < np.linalg.norm(p.pose[:2, 3] - xy) < 4.0]
            if targets and rng.random() < 0.5:
                tgt = targets[int(rng.integers(len(targets)))]
                dxy = _center(tgt)[:2] - xy
                heading = float(np.arctan2(dxy[1], dxy[0]))
            else:
                runs = np.array([_free_run(region.difference(floor_obstacles(scene, r)[o.room]), xy, h) for h in headings])
                ok = np.flatnonzero(runs >= 1.0)
                heading = float(headings[int(rng.choice(ok))] if len(ok) else headings[int(np.argmax(runs))])
            speed = cfg.ball_speed_mps.sample(rng)
            v = [speed * np.cos(heading), speed * np.sin(heading), 0.0]
            t0 = _start_time(traj, _center(o), cfg, rng, duration_s)
            actions.append(Action("roll_ball", o.id, t0, {
                "velocity_mps": [float(x) for x in v], "impulse_ns": [float(x * o.asset.mass_kg) for x in v],
                "radius_m": r}))
        elif kind == "push_object":
            cands = _pushable(scene, cfg)
            o = cands[int(rng.integers(len(cands)))]
            dist = cfg.push_distance_m.sample(rng)
            d = _push_heading(scene, o, dist, headings, rng)
            if d is None:
                staging["skipped"].append(kind)
                continue
            t0 = _start_time(traj, _center(o), cfg, rng, duration_s)
            actions.append(Action("push_object", o.id, t0, {
                "direction_xy": d, "speed_mps": cfg.push_speed_mps.sample(rng), "distance_m": dist,
                "max_s": cfg.push_max_s}))
        elif kind == "knock_off":
            cands = _knockable(scene)
            order = [cands[k] for k in rng.permutation(len(cands))]
            speed = cfg.knock_speed_mps.sample(rng)
            rooms = {r.id: r.polygon for r in scene.rooms}
            found = next(((o, p) for o in order if (p := knock_off_params(o, by_id[o.support], speed,
                                                                          cfg.knock_max_s, rooms[o.room]))), None)
            if found is None:
                staging["skipped"].append(kind)
                continue
            o, params = found
            actions.append(Action("knock_off", o.id, _start_time(traj, _center(o), cfg, rng, duration_s), params))
        elif kind == "swing_door":
            leaf, door = _door(scene)
            actions.append(_door_action(leaf, door, cfg, traj, rng, duration_s))
        elif kind == "walk_person":
            o = by_id[staging["person"]]
            a, b = (np.asarray(p) for p in staging["person_path"])
            speed = cfg.person_speed_mps.sample(rng)
            params = {"start_xy": a.tolist(), "end_xy": b.tolist(), "speed_mps": speed,
                      "height_m": float(o.asset.params["height_m"])}
            t0 = _safe_walk_start(traj, params, cfg, rng, duration_s, _center(o))
            if t0 is None:
                staging["skipped"].append(kind)
                continue
            actions.append(Action("walk_person", o.id, t0, params))
    return actions


def knock_off_params(o, sup, speed_mps: float, max_s: float, room_polygon=None) -> dict | None:
    """knock_off parameters: push `o` toward the nearest edge of its support's top (the support's
    box in its own frame, an oriented rectangle in world xy) until its centre of mass is past it.
    With `room_polygon`, edges whose far side is not free room floor are skipped (None: no edge)."""
    b = sup.asset.mesh().bounds
    R2 = sup.pose[:2, :2]
    c = sup.pose[:3, :3] @ ((b[0] + b[1]) / 2) + sup.pose[:3, 3]
    half = (b[1] - b[0])[:2] / 2
    local = R2.T @ (_center(o)[:2] - c[:2])
    gaps = np.array([half[0] - local[0], half[0] + local[0], half[1] - local[1], half[1] + local[1]])
    dirs = [R2[:, 0], -R2[:, 0], R2[:, 1], -R2[:, 1]]
    if room_polygon is not None:         # edges against a wall cannot be fallen over
        inside = Polygon(room_polygon).buffer(-0.1)
        for k in range(4):
            p = _center(o)[:2] + dirs[k] * (gaps[k] + 0.15)
            if not inside.contains(Point(float(p[0]), float(p[1]))):
                gaps[k] = np.inf
    if not np.isfinite(gaps).any():
        return None
    d = dirs[int(np.argmin(gaps))]
    return {"direction_xy": [float(x) for x in d], "speed_mps": float(speed_mps), "max_s": float(max_s),
            "support": int(sup.id), "support_center_xy": [float(c[0]), float(c[1])],
            "support_axes": [[float(x) for x in R2[:, 0]], [float(x) for x in R2[:, 1]]],
            "support_half_m": [float(x) for x in half]}


def _push_heading(scene, o, dist: float, headings, rng):
    room = next(r for r in scene.rooms if r.id == o.room)
    inside = Polygon(room.polygon).buffer(-0.03)
    others = [_footprint(p) for p in scene.objects if p.placement == "floor" and p.id != o.id and p.room == o.room]
    fp = _footprint(o)
    ok = []
    for h in headings:
        d = np.array([np.cos(h), np.sin(h)])
        swept = [affinity.translate(fp, *(d * s)) for s in np.linspace(0.0, dist + 0.15, 6)]
        if all(inside.contains(g) for g in swept) and not any(g.intersects(q) for g in swept[1:] for q in others):
            ok.append(d)
    if not ok:
        return None
    d = ok[int(rng.integers(len(ok)))]
    return [float(d[0]), float(d[1])]


def _door_action(leaf, door, cfg, traj, rng, duration_s: float) -> Action:
    v = np.asarray(leaf.mesh.vertices)
    n = np.asarray(door.normal, dtype=np.float64)
    tang = np.array([-n[1], n[0]])
    ctr = (v.min(axis=0) + v.max(axis=0)) / 2
    width = float(np.ptp(v[:, :2] @ tang))
    thick = float(np.ptp(v[:, :2] @ n))
    height = float(np.ptp(v[:, 2]))
    side = 1.0 if rng.random() < 0.5 else -1.0
    hinge = ctr[:2] + side * tang * width / 2
    free_end = -side * tang                                   # from the hinge toward the free end
    # swing toward the room: rotating free_end by sign * 90 deg must point along the normal
    sign = 1.0 if np.cross(free_end, n) > 0 else -1.0
    yaw = float(np.arctan2(tang[1], tang[0]))
    t0 = _start_time(traj, ctr, cfg, rng, duration_s)
    return Action("swing_door", leaf.id, t0, {
        "hinge_xy": [float(x) for x in hinge], "sign": sign, "open_rad": float(np.deg2rad(cfg.door_open_deg.sample(rng))),
        "swing_s": cfg.door_swing_s.sample(rng), "leaf_center": [float(x) for x in ctr],
        "leaf_yaw_rad": yaw, "leaf_size_m": [width, thick, height]})


def _safe_walk_start(traj, p: dict, cfg, rng, duration_s: float, center) -> float | None:
    from simgen.dynamics.simulate import person_body_pose

    cands = []
    first = _start_time(traj, center, cfg, rng, duration_s)
    cands.append(first)
    frac = sorted((cfg.start_fraction.low, cfg.start_fraction.high))
    cands += [float(x) for x in rng.uniform(frac[0] * duration_s, frac[1] * duration_s, 24)]
    clear = cfg.person_radius_m + cfg.person_camera_clearance_m
    for t0 in cands:
        ok = True
        for t in np.arange(0.0, duration_s + 1e-9, 0.1):
            q = person_body_pose(p, float(t), t0)[:2, 3]
            if np.linalg.norm(traj.pose_at(float(t))[:2, 3] - q) < clear:
                ok = False
                break
        if ok:
            return t0
    return None
