"""Per-frame ground truth from the renders: visible pixels, visibility fraction, visible and amodal
2D boxes, truncation, distance, and the coverage rule.

Definitions (also in docs/format.md):
- visible_px(o, t): pixels of o in the instance render of frame t.
- vis_fraction(o, t) = visible_px / pixels of o rendered alone from the same pose (solo render).
- bbox_visible_xyxy: tight box of the visible pixels, [x0, y0, x1, y1] in pixel-edge coordinates
  (x1, y1 exclusive), so a single pixel (u, v) has box [u, v, u+1, v+1].
- bbox_amodal_xyxy: the box of the projected 3D oriented box, clipped to the image.
- truncated: some corner of the 3D box projects outside the image or lies behind the camera.
- distance_m: Euclidean distance from the camera centre to the centre of the object's 3D box.
"""

from __future__ import annotations

import numpy as np

from simgen.core.transforms import project_points


def obb_of(obj) -> dict:
    """Oriented box of a placed object in world coordinates from its asset-frame bounds and pose."""
    b = obj.asset.mesh().bounds
    R = obj.pose[:3, :3]
    center = R @ ((b[0] + b[1]) / 2) + obj.pose[:3, 3]
    return {"center": center, "extents": b[1] - b[0], "rotation": R}


def obb_corners(obb: dict) -> np.ndarray:
    """(8, 3) world corners of an oriented box."""
    e = np.asarray(obb["extents"]) / 2
    signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=float)
    return (signs * e) @ np.asarray(obb["rotation"]).T + np.asarray(obb["center"])


def visible_stats(instance: np.ndarray) -> dict[int, tuple[int, list[int]]]:
    """{id: (pixel count, [x0, y0, x1, y1])} for every id > 0 in a (H, W) uint16 instance image."""
    from scipy import ndimage

    counts = np.bincount(np.asarray(instance).ravel())
    slices = ndimage.find_objects(instance)   # bounding slices of ids 1..max, in one pass
    out = {}
    for i in (np.flatnonzero(counts[1:]) + 1).tolist():
        rows, cols = slices[i - 1]
        out[i] = (int(counts[i]), [cols.start, rows.start, cols.stop, rows.stop])
    return out


def amodal_box(K: np.ndarray, cam_to_world: np.ndarray, corners: np.ndarray, width: int, height: int):
    """(clipped box [x0, y0, x1, y1] or None, fraction of corners inside the image, any corner behind)."""
    uv, z = project_points(K, cam_to_world, corners)
    front = z > 1e-6
    inside = front & (uv[:, 0] >= 0) & (uv[:, 0] <= width) & (uv[:, 1] >= 0) & (uv[:, 1] <= height)
    frac_inside = float(inside.mean())
    if not front.any():
        return None, frac_inside, True
    p = uv[front]
    x0, y0 = np.clip(p.min(axis=0), 0, [width, height])
    x1, y1 = np.clip(p.max(axis=0), 0, [width, height])
    box = None if (x1 <= x0 or y1 <= y0) else [float(x0), float(y0), float(x1), float(y1)]
    return box, frac_inside, bool((~front).any())


def frame_record(index: int, instance: np.ndarray, solo_px: dict[int, int], K: np.ndarray,
                 cam_to_world: np.ndarray, obbs: dict[int, dict], rooms=None, stats=None) -> dict:
    """One line of frames.jsonl for the objects (ids in `obbs`) visible in this frame, with the camera
    pose `cam_to_world` (4, 4) OpenCV, and, when `rooms` (scene rooms with `.id` and `.polygon`, or
    scene.json room dicts) is given, `camera_room`: the room whose floor polygon holds the camera.
    `stats`: visible_stats(instance), when the caller has it already."""
    h, w = instance.shape
    stats = visible_stats(instance) if stats is None else stats
    cam = cam_to_world[:3, 3]
    objects = []
    for oid in sorted(stats):
        if oid not in obbs:
            continue  # structure
        px, vbox = stats[oid]
        corners = obb_corners(obbs[oid])
        abox, frac_inside, behind = amodal_box(K, cam_to_world, corners, w, h)
        solo = max(solo_px.get(oid, px), px)
        objects.append({
            "id": oid, "visible_px": px, "vis_fraction": px / solo if solo else 0.0,
            "bbox_visible_xyxy": vbox, "bbox_amodal_xyxy": abox if abox is not None else vbox,
            "truncated": bool(frac_inside < 1.0 or behind), "corners_inside": frac_inside,
            "distance_m": float(np.linalg.norm(np.asarray(obbs[oid]["center"]) - cam)),
        })
    rec = {"index": index, "objects": objects,
           "cam_to_world": [[float(x) for x in row] for row in np.asarray(cam_to_world, dtype=float)]}
    if rooms is not None:
        rec["camera_room"] = _room_at(rooms, cam[:2])
    return rec


def _room_at(rooms, xy) -> str | None:
    from shapely.geometry import Point, Polygon

    p = Point(float(xy[0]), float(xy[1]))
    for r in rooms:
        rid, poly = (r["id"], r["polygon"]) if isinstance(r, dict) else (r.id, r.polygon)
        if Polygon(poly).covers(p):
            return rid
    return None


from simgen.annotate.coverage import coverage  # noqa: E402,F401  (moved; re-exported)
