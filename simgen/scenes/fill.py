"""Stages 2 and 3 of the layout optimizer: wall and ceiling items, then small objects on supports.

Every object is tracked as a world box: an oriented xy rect (cx, cy, hx, hy, yaw) and a z interval.
Wall items: back flush on a wall edge at their category's mounting height, clear of door and window
openings, other wall items, furniture below (3D box test) and the ceiling; the walkable-space check
is re-run with them. Ceiling lamps: over a table or bed, else at the room's centre, with a 2.05 m
head clearance over free floor. Small objects: inside a support polygon (so the centre of mass is over
it), under its clearance, 1 cm from neighbours on the same surface, clear of wall and ceiling items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.geometry import Polygon

from simgen.scenes.geometry import corners, point_depth, sat_depth

HEAD_CLEARANCE_M = 2.05
SEATS_FOR = {"pillow"}          # only pillows go on seats and beds


@dataclass
class Box:
    key: int
    category: str
    rect: np.ndarray            # (5,) world
    z0: float
    z1: float


def pose_from(x: float, y: float, z: float, yaw: float) -> np.ndarray:
    c, s = np.cos(yaw), np.sin(yaw)
    T = np.eye(4)
    T[:3, :3] = [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]
    T[:3, 3] = [x, y, z]
    return T


def box_of(key: int, category: str, extents, pose: np.ndarray) -> Box:
    yaw = float(np.arctan2(pose[1, 0], pose[0, 0]))
    return Box(key, category, np.array([pose[0, 3], pose[1, 3], extents[0] / 2, extents[1] / 2, yaw]),
               float(pose[2, 3]), float(pose[2, 3] + extents[2]))


def collides(b: Box, others: list[Box], gap_m: float = 0.01) -> bool:
    if not others:
        return False
    R = np.array([o.rect for o in others])
    z = np.array([[o.z0, o.z1] for o in others])
    d = sat_depth(b.rect[None], R)[0] + gap_m
    zov = (np.minimum(b.z1, z[:, 1]) - np.maximum(b.z0, z[:, 0])) > 0.0
    return bool(np.any((d > 0) & zov))


def place_wall_items(items, room, poly: Polygon, openings: list[Box], boxes: list[Box], nav_check,
                     rng: np.random.Generator, cats, budget, n_candidates: int = 80):
    """Returns ({key: pose}, dropped keys). openings: door/window boxes (wall-crossing) to keep clear."""
    pts = np.asarray(poly.exterior.coords)[:-1]
    edges = []
    for a, b in zip(pts, np.roll(pts, -1, axis=0)):
        d = b - a
        L = float(np.linalg.norm(d))
        if L > 0.5:
            edges.append((a, d / L, L))
    lens = np.array([e[2] for e in edges])
    poses, dropped, wall_boxes = {}, [], []
    big = [b for b in boxes if b.z1 - b.z0 > 0.4 and max(b.rect[2], b.rect[3]) > 0.5]
    for it in items:
        ext = it.asset.extents_m
        lo, hi = cats[it.category].mount_base_z_m
        hi = min(hi, room.height_m - 0.05 - ext[2])
        best = None
        for _ in range(n_candidates):
            if not budget.spend():
                break
            if hi < lo:
                break
            e = int(rng.choice(len(edges), p=lens / lens.sum()))
            a, u, L = edges[e]
            if L < ext[1] + 0.2:
                continue
            s = float(rng.uniform(ext[1] / 2 + 0.1, L - ext[1] / 2 - 0.1))
            inward = np.array([-u[1], u[0]])
            c = a + u * s + inward * (ext[0] / 2 + 0.003)
            z0 = float(rng.uniform(lo, hi))
            b = box_of(it.key, it.category, ext, pose_from(c[0], c[1], z0, float(np.arctan2(inward[1], inward[0]))))
            if collides(b, openings, 0.05) or collides(b, wall_boxes, 0.03) or collides(b, boxes, 0.02):
                continue
            score = 0.0
            if it.category == "radiator":                 # radiators go under windows
                wins = [o for o in openings if o.category == "window_opening"]
                score = min([float(np.hypot(*(o.rect[:2] - b.rect[:2]))) for o in wins], default=1.0)
            elif it.category in ("picture_frame", "clock", "television") and big:     # centred above furniture
                dd = np.array([np.hypot(*(o.rect[:2] - b.rect[:2])) for o in big])
                score = float(dd.min())
            if best is None or score < best[0]:
                best = (score, b)
                if score < 0.3:
                    break
        if best is None:
            dropped.append(it.key)
            continue
        b = best[1]
        if b.z0 < 1.9 and not nav_check(wall_boxes + [b]):
            dropped.append(it.key)
            continue
        wall_boxes.append(b)
        poses[it.key] = pose_from(b.rect[0], b.rect[1], b.z0, b.rect[4])
    return poses, dropped, wall_boxes


def place_ceiling_items(items, room, poly: Polygon, boxes: list[Box], rng: np.random.Generator):
    """Ceiling lamps over tables/beds (or the room centre). Returns ({key: (pose, asset)}, dropped)."""
    from simgen import assets

    targets = [b for b in boxes if b.category in ("dining_table", "bed", "coffee_table", "desk")]
    rp = poly.representative_point()
    spots = [np.array(b.rect[:2]) for b in targets] + [np.array([poly.centroid.x, poly.centroid.y]),
                                                       np.array([rp.x, rp.y])]
    out, dropped, used = {}, [], []
    for it in items:
        asset = it.asset
        ok = False
        for spot in spots:
            if any(np.hypot(*(spot - q)) < 1.2 for q in used):
                continue
            below = [b for b in boxes if point_depth(spot[None], b.rect[None])[0, 0] > -0.3]
            floor_top = max([b.z1 for b in below], default=0.0)
            need = max(floor_top + 0.6, HEAD_CLEARANCE_M if not below else floor_top + 0.6)
            if room.height_m - asset.extents_m[2] < need:
                asset = assets.make("ceiling_lamp", rng, {"style": "flush"})
            z0 = room.height_m - asset.extents_m[2]
            if z0 < need:
                continue
            if not poly.buffer(-0.3).contains(Polygon(corners(np.array([[*spot, *np.array(asset.extents_m[:2]) / 2,
                                                                          0.0]]))[0])):
                continue
            out[it.key] = (pose_from(spot[0], spot[1], z0, 0.0), asset)
            used.append(spot)
            ok = True
            break
        if not ok:
            dropped.append(it.key)
    return out, dropped


@dataclass
class SupportSlot:
    key: int                    # supporting object's key
    category: str
    name: str
    pose: np.ndarray            # world pose of the supporting object
    height_m: float             # surface z in the object frame
    polygon: Polygon            # object frame
    clearance_m: float
    capacity: int
    local: list                 # (5,) rects already on it (object frame)


def support_slots(objs: list[tuple[int, str, object, np.ndarray]], capacity_scale: float) -> list[SupportSlot]:
    """objs: (key, category, asset, pose) of placed floor and wall objects."""
    out = []
    for key, cat, asset, pose in objs:
        for s in asset.supports:
            if s.clearance_m < 0.06:
                continue
            out.append(SupportSlot(key, cat, s.name, pose, float(s.height_m), Polygon(s.polygon),
                                   float(s.clearance_m), max(1, int(np.ceil(s.capacity * capacity_scale))), []))
    return out


def _allowed(item_cat: str, slot: SupportSlot) -> bool:
    seat = slot.name.startswith("seat") or slot.category == "bed"
    if item_cat in SEATS_FOR:
        return seat
    if seat:
        return False
    if item_cat == "table_lamp":
        return slot.category in ("nightstand", "side_table", "desk", "dresser") and slot.name == "top"
    return True


def _fits(slot: SupportSlot, it, x: float, y: float, yaw: float, blockers: list[Box]) -> Box | None:
    ext = it.asset.extents_m
    if ext[2] > slot.clearance_m - 0.01 or len(slot.local) >= slot.capacity:
        return None
    r = np.array([x, y, ext[0] / 2, ext[1] / 2, yaw])
    inner = slot.polygon.buffer(-0.005)
    if not inner.contains(Polygon(corners(r[None])[0])):
        return None
    if slot.local and (sat_depth(r[None], np.array(slot.local))[0] + 0.01 > 0).any():
        return None
    T = slot.pose @ pose_from(x, y, slot.height_m, yaw)
    b = box_of(it.key, it.category, ext, T)
    if collides(b, [o for o in blockers if o.key != slot.key], 0.01):
        return None
    return b


def place_surface_items(items, slots: list[SupportSlot], blockers: list[Box], rng: np.random.Generator,
                        budget, n_candidates: int = 30):
    """Returns ({key: (pose, support_key)}, dropped keys). Anchored items first (monitor, TV, lamps)."""
    out, dropped = {}, []
    order = sorted(items, key=lambda it: (it.support_key is None, it.key))
    for it in order:
        ext = it.asset.extents_m
        got = None
        if it.support_key is not None:
            for slot in (s for s in slots if s.key == it.support_key and s.name == "top" or
                         s.key == it.support_key and s.name.startswith("board")):
                x0, y0, x1, y1 = slot.polygon.bounds
                cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
                x = {"centre": cx, "back": x0 + ext[0] / 2 + 0.03, "front": x1 - ext[0] / 2 - 0.05}[it.anchor or "centre"]
                got = _fits(slot, it, x, cy, 0.0, blockers)
                if got is not None:
                    got = (got, slot)
                    break
        if got is None:
            ok_slots = [s for s in slots if _allowed(it.category, s) and len(s.local) < s.capacity
                        and ext[2] <= s.clearance_m - 0.01]
            if it.support_key is not None:
                ok_slots = [s for s in ok_slots if s.key == it.support_key] or ok_slots
            if ok_slots:
                w = np.array([max(s.polygon.area - 0.02 * len(s.local), 0.005) for s in ok_slots])
                against = it.category in ("microwave", "television", "monitor")
                for _ in range(n_candidates):
                    if not budget.spend():
                        break
                    slot = ok_slots[int(rng.choice(len(ok_slots), p=w / w.sum()))]
                    x0, y0, x1, y1 = slot.polygon.bounds
                    yaw = 0.0 if against else float(rng.integers(4)) * np.pi / 2 + float(rng.normal(0, 0.2))
                    x = x0 + ext[0] / 2 + 0.02 if against else float(rng.uniform(x0, x1))
                    b = _fits(slot, it, x, float(rng.uniform(y0, y1)), yaw, blockers)
                    if b is not None:
                        got = (b, slot)
                        break
        if got is None:
            dropped.append(it.key)
            continue
        b, slot = got
        inv = np.linalg.inv(slot.pose)
        lx, ly = (inv @ np.array([b.rect[0], b.rect[1], 0.0, 1.0]))[:2]
        lyaw = b.rect[4] - float(np.arctan2(slot.pose[1, 0], slot.pose[0, 0]))
        slot.local.append(np.array([lx, ly, b.rect[2], b.rect[3], lyaw]))
        out[it.key] = (pose_from(b.rect[0], b.rect[1], b.z0, b.rect[4]), slot.key)
    return out, dropped
