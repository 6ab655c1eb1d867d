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
    """{id: (pixel count, [x0, y0, x1, y1])} for every id > 0 in a (H, W) integer instance image.

    Works on the image's horizontal runs (maximal stretches of one id within a row): an instance image
    is made of regions, so a 640x480 frame has a few thousand runs for its 307 200 pixels. Counts and
    boxes are sums, minima and maxima over each id's runs (one stable sort by id, then reductions),
    about ten times faster than a bincount plus scipy.ndimage.find_objects over the pixels, with
    the same result.
    """
    inst = np.asarray(instance)
    h, w = inst.shape
    flat = inst.ravel()
    if flat.size == 0:
        return {}
    start = np.empty(flat.size, dtype=bool)   # pixel starts a run: the id changes, or a new row begins
    start[0] = True
    np.not_equal(flat[1:], flat[:-1], out=start[1:])
    start[::w] = True
    first_px = np.flatnonzero(start)
    length = np.diff(first_px, append=flat.size)
    ids = flat[first_px]
    keep = ids != 0
    first_px, length, ids = first_px[keep], length[keep], ids[keep]
    if not len(ids):
        return {}
    order = np.argsort(ids, kind="stable")
    first_px, length, ids = first_px[order], length[order], ids[order]
    row, col = np.divmod(first_px, w)
    group = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))   # first run of each id
    count = np.add.reduceat(length, group)
    x0, x1 = np.minimum.reduceat(col, group), np.maximum.reduceat(col + length, group)
    y0, y1 = np.minimum.reduceat(row, group), np.maximum.reduceat(row, group) + 1
    return {i: (n, [a, b, c, d]) for i, n, a, b, c, d in
            zip(ids[group].tolist(), count.tolist(), x0.tolist(), y0.tolist(), x1.tolist(), y1.tolist())}


def amodal_boxes(K: np.ndarray, cam_to_world: np.ndarray, corners: np.ndarray, width: int, height: int):
    """amodal_box for n objects at once: corners (n, 8, 3) float world -> (boxes: n clipped boxes
    [x0, y0, x1, y1] or None, frac_inside (n,) float, behind (n,) bool).

    One camera inverse per frame and one projection of every object's corners. The arithmetic is
    project_points' (simgen.core.transforms) element for element, and the product with the rotation
    is a stack of (8, 3) @ (3, 3) products, exactly as one object at a time, so the values are
    bit-identical to projecting each object on its own.
    """
    corners = np.asarray(corners, dtype=np.float64).reshape(-1, 8, 3)
    cam_from_world = np.linalg.inv(cam_to_world)
    p = corners @ cam_from_world[:3, :3].T + cam_from_world[:3, 3]           # (n, 8, 3) camera frame
    z = p[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = (p[..., :2] / z[..., None]) * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
    front = z > 1e-6
    inside = front & (uv[..., 0] >= 0) & (uv[..., 0] <= width) & (uv[..., 1] >= 0) & (uv[..., 1] <= height)
    frac_inside = inside.mean(axis=1)
    # box of the corners in front of the camera (behind ones are masked out of the min and max)
    lo = np.clip(np.where(front[..., None], uv, np.inf).min(axis=1), 0, [width, height])    # (n, 2)
    hi = np.clip(np.where(front[..., None], uv, -np.inf).max(axis=1), 0, [width, height])
    any_front = front.any(axis=1)
    boxes = []
    for k in range(len(corners)):
        (x0, y0), (x1, y1) = lo[k].tolist(), hi[k].tolist()
        ok = any_front[k] and not (x1 <= x0 or y1 <= y0)
        boxes.append([x0, y0, x1, y1] if ok else None)
    return boxes, frac_inside, ~front.all(axis=1)


def amodal_box(K: np.ndarray, cam_to_world: np.ndarray, corners: np.ndarray, width: int, height: int):
    """(clipped box [x0, y0, x1, y1] or None, fraction of corners inside the image, any corner behind)
    of one object's (8, 3) world box corners."""
    boxes, frac_inside, behind = amodal_boxes(K, cam_to_world, np.asarray(corners)[None], width, height)
    return boxes[0], float(frac_inside[0]), bool(behind[0])


def frame_record(index: int, instance: np.ndarray, solo_px: dict[int, int], K: np.ndarray,
                 cam_to_world: np.ndarray, obbs: dict[int, dict], rooms=None, stats=None,
                 corners: dict[int, np.ndarray] | None = None) -> dict:
    """One line of frames.jsonl for the objects (ids in `obbs`) visible in this frame, with the camera
    pose `cam_to_world` (4, 4) OpenCV, and, when `rooms` (scene rooms with `.id` and `.polygon`, or
    scene.json room dicts) is given, `camera_room`: the room whose floor polygon holds the camera.
    `stats`: visible_stats(instance), when the caller has it already; `corners`: {id: obb_corners(obbs[id])}
    (8, 3) for every id of `obbs`, when the caller keeps them for a whole scene of unmoving objects."""
    h, w = instance.shape
    stats = visible_stats(instance) if stats is None else stats
    cam = cam_to_world[:3, 3]
    ids = [oid for oid in sorted(stats) if oid in obbs]   # the rest are structures
    objects = []
    if ids:
        stack = np.stack([corners[oid] if corners is not None else obb_corners(obbs[oid]) for oid in ids])
        aboxes, fracs, behinds = amodal_boxes(K, cam_to_world, stack, w, h)
        for oid, abox, frac_inside, behind in zip(ids, aboxes, fracs.tolist(), behinds.tolist()):
            px, vbox = stats[oid]
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
