"""Top-down map of a saved scene.json: rooms, walls' doors and windows, object footprints (from their
OBBs) with labels, groups, the walkable space of the layout's walking agent (green where the doors open on
it, grey where furniture cuts it off), the camera path coloured by time, covered/uncovered marking.

    img = draw_topdown(json.load(open("scene.json")), camera_path_xy=xy, size_px=800)   # (H, W, 3) uint8
    simgen preview-layout SCENE_DIR --out map.png
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

_ROOM_FILL = {"bedroom": (236, 226, 246), "living_room": (246, 236, 218), "kitchen": (222, 240, 236),
              "bathroom": (218, 234, 248), "office": (238, 242, 222), "dining_room": (248, 228, 228),
              "hallway": (232, 232, 232)}
_PLACE_COL = {"floor": (120, 94, 70), "wall": (70, 110, 170), "surface": (210, 120, 40), "ceiling": (150, 150, 150)}


def _footprint(o: dict) -> np.ndarray:
    c = np.asarray(o["obb"]["center"], float)
    e = np.asarray(o["obb"]["extents"], float)
    R = np.asarray(o["obb"]["rotation"], float)
    loc = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], float) * e[:2] / 2
    return c[:2] + loc @ R[:2, :2].T


def walkable_cells(scene_json: dict, room: dict, wall_thickness_m: float = 0.12):
    """The layout's walkable-space grid of one room, rebuilt from scene.json: (NavGrid, walkable mask,
    mask of the walkable component the room's doors open on). Obstacles: floor objects and wall items
    below the carrier's head room; radius: layout.agent_radius_m."""
    from types import SimpleNamespace

    from scipy import ndimage
    from shapely.geometry import Polygon

    from simgen.scenes.fill import HEAD_CLEARANCE_M
    from simgen.scenes.geometry import NavGrid
    from simgen.scenes.placement import door_passages, door_points

    r = float(scene_json.get("layout", {}).get("agent_radius_m", 0.35))
    rm = SimpleNamespace(id=room["id"])
    doors = [SimpleNamespace(**{**d, "rooms": tuple(d["rooms"])}) for d in scene_json.get("doors", [])]
    nav = NavGrid(Polygon(room["polygon"]), door_points(rm, doors, wall_thickness_m, r),
                  door_passages(rm, doors, wall_thickness_m), r)
    rects = []
    for o in scene_json.get("objects", []):
        if o.get("kind", "object") != "object" or o.get("room") != room["id"]:
            continue
        low = min(p[2] for p in o["obb_corners"]) < HEAD_CLEARANCE_M if "obb_corners" in o else True
        if o.get("placement") == "floor" or (o.get("placement") == "wall" and low):
            R = np.asarray(o["obb"]["rotation"], float)
            e = np.asarray(o["obb"]["extents"], float)
            c = o["obb"]["center"]
            rects.append([c[0], c[1], e[0] / 2, e[1] / 2, float(np.arctan2(R[1, 0], R[0, 0]))])
    _, _, free = nav.walkable(np.array(rects, float).reshape(-1, 5))
    comp, _ = ndimage.label(free)
    on_doors = np.zeros(free.shape, bool)
    for i, j in nav.door_cells:
        lbl = nav.door_label(comp, i, j)
        if lbl:
            on_doors |= comp == lbl
    return nav, free, on_doors


def draw_topdown(scene_json: dict, camera_path_xy=None, covered: dict | None = None, size_px: int = 800,
                 labels: bool = True, walkable: bool = True) -> np.ndarray:
    """Render the map. camera_path_xy: (n, 2) world xy in frame order; covered: {object id: bool}
    (default: the objects' own "covered" fields when present); walkable: shade where the centre of the
    layout's walking agent (radius layout.agent_radius_m) can stand, green where a door opens on it, grey
    where furniture cuts it off. Returns (H, W, 3) uint8 RGB."""
    from PIL import Image, ImageDraw, ImageFont

    rooms = scene_json.get("rooms", [])
    if not rooms:
        raise ValueError("scene.json has no rooms")
    pts = np.concatenate([np.asarray(r["polygon"], float) for r in rooms])
    lo, hi = pts.min(0) - 0.6, pts.max(0) + 0.6
    span = hi - lo
    scale = (size_px - 20) / max(span)
    W, H = int(span[0] * scale) + 20, int(span[1] * scale) + 20
    img = Image.new("RGB", (W, H), (255, 255, 255))
    d = ImageDraw.Draw(img)
    font = ImageFont.load_default()

    def px(xy):
        xy = np.asarray(xy, float).reshape(-1, 2)
        return [(float(10 + (x - lo[0]) * scale), float(H - 10 - (y - lo[1]) * scale)) for x, y in xy]

    for r in rooms:
        d.polygon(px(r["polygon"]), fill=_ROOM_FILL.get(r["type"], (235, 235, 235)), outline=(40, 40, 40), width=3)
    if walkable and scene_json.get("objects"):
        for r in rooms:
            nav, free, on_doors = walkable_cells(scene_json, r)
            h = nav.cell / 2
            for (i, j), m in zip(np.argwhere(free), on_doors[free]):
                x, y = nav.gx[i, j], nav.gy[i, j]
                a, b = px([[x - h, y + h], [x + h, y - h]])
                d.rectangle([a, b], fill=(196, 232, 190) if m else (214, 214, 206))
    for r in rooms:
        c = np.asarray(r["polygon"], float).mean(0)
        d.text(px(c)[0], f'{r["id"]} {r["type"]}', fill=(90, 90, 90), font=font, anchor="mm")
    for w in scene_json.get("windows", []):
        c, n = np.asarray(w["center"]), np.asarray(w["normal"])
        t = np.array([-n[1], n[0]])
        d.line(px([c - t * w["width_m"] / 2, c + t * w["width_m"] / 2]), fill=(80, 170, 230), width=6)
    for dr in scene_json.get("doors", []):
        c, n = np.asarray(dr["center"]), np.asarray(dr["normal"])
        t = np.array([-n[1], n[0]])
        col = (220, 40, 40) if dr.get("entrance") else (250, 250, 250)
        d.line(px([c - t * dr["width_m"] / 2, c + t * dr["width_m"] / 2]), fill=col, width=7)
    objs = [o for o in scene_json.get("objects", []) if o.get("kind", "object") == "object"]
    cov = covered if covered is not None else {o["id"]: o["covered"] for o in objs if "covered" in o}
    order = {"floor": 0, "wall": 1, "ceiling": 3, "surface": 2}
    groups = scene_json.get("layout", {}).get("groups", [])
    by_id = {o["id"]: o for o in objs}
    for g in groups:                                   # group outline: hull of member footprints
        mem = [by_id[i] for i in g["members"] if i in by_id]
        if len(mem) < 2:
            continue
        from shapely.geometry import MultiPoint

        hull = MultiPoint([tuple(p) for o in mem for p in _footprint(o)]).convex_hull.buffer(0.08)
        d.line(px(np.asarray(hull.exterior.coords)), fill=(160, 60, 200), width=2)
    for o in sorted(objs, key=lambda o: order.get(o.get("placement"), 0)):
        fp = _footprint(o)
        col = _PLACE_COL.get(o.get("placement"), (100, 100, 100))
        fill = tuple(int(0.55 * 255 + 0.45 * c) for c in col) if o.get("placement") != "ceiling" else None
        outline = col
        if o["id"] in cov:
            outline = (30, 160, 60) if cov[o["id"]] else (230, 30, 30)
        d.polygon(px(fp), fill=fill, outline=outline, width=2 if o["id"] in cov else 1)
    if labels:
        for o in objs:
            if o.get("placement") in ("floor", "wall"):
                c = np.asarray(o["obb"]["center"][:2])
                d.text(px(c)[0], o["name"], fill=(20, 20, 20), font=font, anchor="mm")
    if camera_path_xy is not None and len(camera_path_xy) > 1:
        path = np.asarray(camera_path_xy, float)
        p = px(path)
        n = len(p)
        for i in range(n - 1):
            f = i / max(1, n - 2)
            col = (int(255 * f), int(60 + 120 * (1 - abs(2 * f - 1))), int(255 * (1 - f)))   # blue -> red
            d.line([p[i], p[i + 1]], fill=col, width=3)
        d.ellipse([p[0][0] - 5, p[0][1] - 5, p[0][0] + 5, p[0][1] + 5], fill=(0, 0, 255))
    return np.asarray(img, dtype=np.uint8)


def _camera_path(scene_dir: Path):
    cam = scene_dir / "camera.json"
    if not cam.is_file():
        return None
    frames = json.loads(cam.read_text()).get("frames", [])
    return np.array([[f["cam_to_world"][0][3], f["cam_to_world"][1][3]] for f in frames]) if frames else None


def add_cli(subparsers) -> dict:
    """`simgen preview-layout SCENE_DIR --out FILE.png [--size PX] [--no-path] [--no-walkable]`."""
    p = subparsers.add_parser("preview-layout", help="draw a top-down map of a saved scene (scene.json)")
    p.add_argument("scene_dir", help="a scene directory holding scene.json (and camera.json for the path)")
    p.add_argument("--out", required=True, help="PNG file to write")
    p.add_argument("--size", type=int, default=800, help="longest side in pixels (default 800)")
    p.add_argument("--no-path", action="store_true", help="do not draw the camera path")
    p.add_argument("--no-walkable", action="store_true", help="do not shade the walkable space")
    return {"preview-layout": run}


def run(args) -> int:
    from PIL import Image

    from simgen.core.errors import ConfigError

    d = Path(args.scene_dir)
    sj = d / "scene.json" if d.is_dir() else d
    if not sj.is_file():
        raise ConfigError(f"no scene.json in {args.scene_dir!r}")
    if not (64 <= args.size <= 8192):
        raise ConfigError(f"--size must be in 64..8192, got {args.size}")
    try:
        scene = json.loads(sj.read_text())
    except json.JSONDecodeError as e:
        raise ConfigError(f"{sj}: invalid JSON: {e}") from None
    path = None if args.no_path else _camera_path(sj.parent)
    Image.fromarray(draw_topdown(scene, camera_path_xy=path, size_px=args.size,
                                 walkable=not args.no_walkable)).save(args.out)
    return 0
