"""The semantics of every QA program: one function per operation, taking a SceneView and the
program's arguments, returning (answer value, margin). Generation and verification call the same
functions, so a stored program re-derives its item's answer from the saved files alone.

Conventions: angles in degrees, counter-clockwise positive seen from above (+ = left); object
arguments are instance ids; distances are closest points of the meshes (convex parts, GJK).
"""

from __future__ import annotations

import numpy as np

from simgen.annotate import geometry as geo
from simgen.annotate import route as rt
from simgen.annotate.context import SceneView
from simgen.annotate.metrics import euler_xyz_from_rotation

DIRECTION_BOUNDS = {"easy": (0.0, 180.0), "medium": (0.0, 135.0), "hard": (0.0, 90.0, 180.0)}


def _r(x: float, step: float) -> float:
    """Round to a multiple of `step` (0.1, 0.01, 1) without float noise."""
    digits = max(0, int(round(-np.log10(step)))) if step < 1 else 0
    return float(round(round(x / step) * step, digits))


def dist(v: SceneView, a: int, b: int) -> float:
    """Closest-point distance between two objects' meshes (cached on the view)."""
    a, b = sorted((a, b))
    return v.cache(("dist", a, b), lambda: geo.closest_distance(v.objects[a], v.objects[b]))


# ------------------------------------------------------------------ VSI-Bench
def count(v: SceneView, category: str, covered: bool = True):
    return len(v.by_category.get(category, [])), None


def abs_distance(v: SceneView, a: int, b: int):
    return _r(dist(v, a, b), 0.1), None


def object_size(v: SceneView, a: int):
    return int(round(max(v.objects[a]["obb"]["extents"]) * 100)), None


def room_size(v: SceneView, variant: str):
    rooms = [v.dominant_room()] if variant == "this" else v.rooms_shown()
    return _r(sum(v.room(r)["area_m2"] for r in rooms if r is not None), 0.1), None


def rel_distance(v: SceneView, anchor: int, candidates: list, which: str = "closest"):
    """Category (of `candidates`) whose nearest instance is closest to / farthest from the anchor."""
    d = {c: min(dist(v, anchor, o) for o in v.by_category[c] if o != anchor) for c in candidates}
    order = sorted(candidates, key=lambda c: d[c], reverse=(which == "farthest"))
    return order[0].replace("_", " "), abs(d[order[0]] - d[order[1]])


def _quadrant(theta: float, level: str) -> str:
    if level == "easy":
        return "left" if theta > 0 else "right"
    if level == "medium":
        return "back" if abs(theta) >= 135 else ("left" if theta > 0 else "right")
    side = "left" if theta > 0 else "right"
    return ("front-" if abs(theta) < 90 else "back-") + side


def _bound_margin(theta: float, level: str) -> float:
    a = abs(theta)
    return min(abs(a - b) for b in DIRECTION_BOUNDS[level])


def rel_direction(v: SceneView, pos: int, ori: int, query: int, level: str):
    """Standing at pos's centre facing ori's centre: where is query (floor plane)."""
    p, o, q = (geo.center(v.objects[i])[:2] for i in (pos, ori, query))
    theta = geo.signed_angle_deg(o - p, q - p)
    return _quadrant(theta, level), _bound_margin(theta, level)


def route_plan(v: SceneView, start: int, facing: int, goal: int, waypoints: list | None = None):
    """Turn sequence along the shortest free-space path from start to goal (see simgen.annotate.route)."""
    plan = route_details(v, start, facing, goal)
    if plan is None or (waypoints is not None and list(waypoints) != plan["waypoints"]):
        return None, 0.0
    return ", ".join(plan["turns"]), plan["margin"]


def route_details(v: SceneView, start: int, facing: int, goal: int) -> dict | None:
    fm = v.cache("free_map", lambda: rt.free_map(v.scene))
    s = rt.nearest_free(fm, geo.center(v.objects[start])[:2])
    g = rt.nearest_free(fm, geo.center(v.objects[goal])[:2])
    if s is None or g is None or s == g:
        return None
    path = rt.shortest_path(fm, s, g)
    if path is None:
        return None
    pts = rt.polyline(fm, path)
    segs = np.diff(pts, axis=0)
    h0 = geo.center(v.objects[facing])[:2] - geo.center(v.objects[start])[:2]
    angles = [geo.signed_angle_deg(segs[k - 1], segs[k]) for k in range(1, len(segs))]
    a0 = geo.signed_angle_deg(h0, segs[0])
    initial = abs(a0) >= rt.TURN_MIN_DEG
    turns_deg = ([a0] if initial else []) + angles
    waypoints = []
    for k in range(1, len(pts) - 1):
        best = None
        for oid, lab in sorted(v.labels.items()):
            if oid in (start, goal) or oid in waypoints or not v.is_covered(oid):
                continue
            fp = geo.footprint_xy(v.objects[oid])
            d = geo.convex_distance(np.c_[fp, np.zeros(len(fp))], np.r_[pts[k], 0.0][None])
            if d <= 1.0 and (best is None or d < best[0]):
                best = (d, oid)
        if best is None:
            return None
        waypoints.append(best[1])
    margin = min([rt.turn_margin(a) for a in turns_deg] + ([abs(abs(a0) - rt.TURN_MIN_DEG)] if not initial else []))
    return {"turns": [rt.turn_name(a) for a in turns_deg], "waypoints": waypoints, "initial_turn": initial,
            "margin": float(margin), "length_m": float(np.linalg.norm(segs, axis=1).sum())}


def appearance_order(v: SceneView, categories: list):
    """Categories sorted by the first frame any instance is covered; margin = smallest gap (frames)
    and 0 when first-visible and first-covered orders disagree."""
    cov = {c: min(v.first_covered[o] for o in v.by_category[c] if v.first_covered[o] is not None)
           for c in categories}
    vis = {c: min(v.first_visible[o] for o in v.by_category[c] if v.first_visible[o] is not None)
           for c in categories}
    order = sorted(categories, key=lambda c: cov[c])
    gaps = [cov[order[k + 1]] - cov[order[k]] for k in range(len(order) - 1)]
    agree = sorted(categories, key=lambda c: (vis[c], cov[c])) == order
    return ", ".join(c.replace("_", " ") for c in order), float(min(gaps)) if agree else 0.0


# ------------------------------------------------------------------ single frame (SAT static)
def closer_to_camera(v: SceneView, a: int, b: int, frame: int):
    cam = geo.camera_position(v.camera, frame)
    da, db = geo.point_distance(cam, v.objects[a]), geo.point_distance(cam, v.objects[b])
    return v.labels[a if da < db else b], abs(da - db)


def image_left_right(v: SceneView, a: int, b: int, frame: int):
    """Is a left or right of b in the image (centres of the visible boxes, frames.jsonl)."""
    ra, rb = v.by_frame[frame][a]["bbox_visible_xyxy"], v.by_frame[frame][b]["bbox_visible_xyxy"]
    xa, xb = (ra[0] + ra[2]) / 2, (rb[0] + rb[2]) / 2
    gap = max(rb[0] - ra[2], ra[0] - rb[2])   # > 0 when the boxes do not overlap horizontally
    return ("left" if xa < xb else "right"), float(gap)


def above_below(v: SceneView, a: int, b: int):
    la, ha = v.objects[a]["aabb"]["min"][2], v.objects[a]["aabb"]["max"][2]
    lb, hb = v.objects[b]["aabb"]["min"][2], v.objects[b]["aabb"]["max"][2]
    if la >= hb - 1e-3:
        return "above", float(la - hb)
    if ha <= lb + 1e-3:
        return "below", float(lb - ha)
    return None, 0.0


def count_visible(v: SceneView, category: str, frame: int):
    """Instances of `category` seen in `frame`; margin 0 when an instance is only partly shown."""
    n, ambiguous = 0, False
    for oid in v.by_category.get(category, []):
        r = v.by_frame[frame].get(oid)
        if v.seen(oid, frame):
            n += 1
        elif r is not None:
            ambiguous = True
    return n, (0.0 if ambiguous else 1.0)


# ------------------------------------------------------------------ camera motion (SAT dynamic)
def _motion(v: SceneView, i: int, j: int):
    Ti = np.asarray(v.camera["frames"][i]["cam_to_world"], dtype=float)
    d = geo.camera_position(v.camera, j) - Ti[:3, 3]
    right, fwd = Ti[:3, 0].copy(), Ti[:3, 2].copy()
    right[2] = fwd[2] = 0
    right /= np.linalg.norm(right)
    fwd /= np.linalg.norm(fwd)
    local = np.array([d @ right, d @ fwd])           # (x right, y forward) in the floor plane
    yaw = geo.signed_angle_deg(geo.camera_heading(v.camera, i), geo.camera_heading(v.camera, j))
    return local, yaw


def camera_move_direction(v: SceneView, i: int, j: int):
    local, _ = _motion(v, i, j)
    ang = np.degrees(np.arctan2(local[0], local[1]))       # 0 = forward, +90 = right
    names = {0: "forward", 1: "right", 2: "backward", 3: "left"}
    k = int(np.round(ang / 90.0)) % 4
    margin = 45.0 - abs(ang - 90.0 * np.round(ang / 90.0))
    return names[k], float(margin if np.linalg.norm(local) >= 0.3 else 0.0)


def camera_move_distance(v: SceneView, i: int, j: int):
    local, _ = _motion(v, i, j)
    return _r(float(np.linalg.norm(local)), 0.1), None


def camera_turn_direction(v: SceneView, i: int, j: int):
    _, yaw = _motion(v, i, j)
    return ("left" if yaw > 0 else "right"), float(min(abs(yaw), 180 - abs(yaw)))


def camera_turn_angle(v: SceneView, i: int, j: int):
    _, yaw = _motion(v, i, j)
    return int(round(abs(yaw))), None


def goal_aiming(v: SceneView, frame: int, target: int):
    """Which way to turn from the camera's heading at `frame` to face the target."""
    cam = geo.camera_position(v.camera, frame)[:2]
    theta = geo.signed_angle_deg(geo.camera_heading(v.camera, frame), geo.center(v.objects[target])[:2] - cam)
    name = "turn around" if abs(theta) >= 135 else ("turn left" if theta > 0 else "turn right")
    margin = abs(abs(theta) - 135) if abs(theta) >= 135 else min(abs(theta), 135 - abs(theta))
    return name, float(margin)


def perspective(v: SceneView, frame: int, a: int, b: int):
    """Standing where the camera is at `frame`, facing a: is b to the left or the right?"""
    cam = geo.camera_position(v.camera, frame)[:2]
    theta = geo.signed_angle_deg(geo.center(v.objects[a])[:2] - cam, geo.center(v.objects[b])[:2] - cam)
    return ("left" if theta > 0 else "right"), _bound_margin(theta, "easy")


# ------------------------------------------------------------------ geometry perception
def object_depth(v: SceneView, a: int, frame: int):
    z = geo.to_camera(v.camera, frame, geo.center(v.objects[a]))[0, 2]
    return _r(float(z), 0.1), None


def camera_height(v: SceneView, frame: int):
    return _r(float(geo.camera_position(v.camera, frame)[2]), 0.01), None


MARK_INSET = 0.6   # marked points k = 1..4: the top-face corners pulled 40 % towards the face's centre


def mark_point(v: SceneView, oid: int, k: int = 0) -> np.ndarray:
    """A marked 3D point on the top face of an object's 3D box: k = 0 its centre, k = 1..4 the top
    corners inset by MARK_INSET towards that centre (corner order of geometry.obb_corners)."""
    c = geo.obb_corners(v.objects[oid]["obb"])
    top = c[np.argsort(c[:, 2])[4:]]
    top = top[np.lexsort((top[:, 1], top[:, 0]))]        # a fixed order of the four top corners
    centre = np.r_[geo.center(v.objects[oid])[:2], top[:, 2].mean()]
    if k == 0:
        return centre
    return centre + MARK_INSET * (top[k - 1] - centre)


def _point_spec(p) -> tuple[int, int]:
    """A candidate point: an object id (its top centre) or [object id, k]."""
    return (int(p[0]), int(p[1])) if isinstance(p, (list, tuple)) else (int(p), 0)


def correspondence_points(v: SceneView, frame: int, points: list) -> np.ndarray:
    """(n, 2) int pixel positions (rounded) in `frame` of marked points (ids or [id, k] pairs)."""
    pts = np.array([mark_point(v, *_point_spec(p)) for p in points])
    uv, _ = geo.project(v.camera, frame, pts)
    return np.round(uv).astype(int)


def correspondence(v: SceneView, i: int, j: int, a: int, candidates: list):
    """Index-free answer: the pixel in frame j of a's marked point (a's top centre, which is among the
    candidates); the margin is the smallest pixel distance between candidate points in frame j."""
    uv = correspondence_points(v, j, candidates).astype(float)
    d = np.linalg.norm(uv[:, None] - uv[None], axis=2) + np.eye(len(uv)) * 1e9
    k = [_point_spec(p) for p in candidates].index((int(a), 0))
    return f"({uv[k][0]:.0f}, {uv[k][1]:.0f})", float(d.min())


def grounding_2d(v: SceneView, a: int, frame: int):
    return [int(x) for x in v.by_frame[frame][a]["bbox_visible_xyxy"]], None


def grounding_3d(v: SceneView, a: int):
    ob = v.objects[a]["obb"]
    roll, pitch, yaw = euler_xyz_from_rotation(np.asarray(ob["rotation"], dtype=float))
    vals = [*ob["center"], *ob["extents"], roll, pitch, yaw]
    return [_r(float(x), 0.01) for x in vals], None


def cognitive_map(v: SceneView, categories: list, cell_m: float = 0.5):
    """{category: [[col, row], ...]}: object centres on a grid whose origin is the camera at frame 0,
    +row = its floor-plane forward, +col = its right; cells of `cell_m` metres (floor(coord/cell))."""
    cam = geo.camera_position(v.camera, 0)[:2]
    f = geo.camera_heading(v.camera, 0)
    r = np.array([f[1], -f[0]])
    out = {}
    for c in sorted(categories):
        cells = []
        for oid in v.by_category[c]:
            d = geo.center(v.objects[oid])[:2] - cam
            cells.append([int(np.floor(d @ r / cell_m)), int(np.floor(d @ f / cell_m))])
        out[c.replace("_", " ")] = sorted(cells)
    return out, None


OPS = {f.__name__: f for f in (
    count, abs_distance, object_size, room_size, rel_distance, rel_direction, route_plan,
    appearance_order, closer_to_camera, image_left_right, above_below, count_visible,
    camera_move_direction, camera_move_distance, camera_turn_direction, camera_turn_angle, goal_aiming,
    perspective, object_depth, camera_height, correspondence, grounding_2d, grounding_3d, cognitive_map)}
