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

# Head room of the camera carrier: the top of the camera presets' eye heights (1.65 m, 1.7 m in the
# issue's range) plus its clearance and planning margin (0.35 m). Open floor under anything lower is not
# walkable for it (simgen.cameras.freespace counts every object below eye height + clearance).
HEAD_CLEARANCE_M = 2.05
NAV_CHECK_BELOW_M = 0.9         # low wall items (radiators) are fixed features placed before the furniture
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


def collides_many(rects: np.ndarray, z0: np.ndarray, z1: np.ndarray, others: list[Box], gap_m: float) -> np.ndarray:
    """(N,) whether each box (rects (N, 5), z in [z0, z1]) comes within gap_m of any of `others`."""
    if not others or len(rects) == 0:
        return np.zeros(len(rects), bool)
    R = np.array([o.rect for o in others])
    z = np.array([[o.z0, o.z1] for o in others])
    d = sat_depth(rects, R) + gap_m
    zov = (np.minimum(z1[:, None], z[None, :, 1]) - np.maximum(z0[:, None], z[None, :, 0])) > 0.0
    return ((d > 0) & zov).any(axis=1)


def place_wall_items(items, room, poly: Polygon, openings: list[Box], boxes: list[Box], nav_check,
                     rng: np.random.Generator, cats, budget, fixed: list[Box] = ()):
    """Returns ({key: pose}, dropped keys, new wall boxes). openings: door/window boxes (wall-crossing)
    to keep clear; fixed: wall boxes placed earlier (kept clear, not returned)."""
    pts = np.asarray(poly.exterior.coords)[:-1]
    edges = []
    for a, b in zip(pts, np.roll(pts, -1, axis=0)):
        d = b - a
        L = float(np.linalg.norm(d))
        if L > 0.5:
            edges.append((a, d / L, L))
    poses, dropped, wall_boxes = {}, [], []
    fixed = list(fixed)
    big = [b for b in boxes if b.z1 - b.z0 > 0.4 and max(b.rect[2], b.rect[3]) > 0.5]
    from simgen.scenes.program import mount_range

    wins = [o for o in openings if o.category == "window_opening"]
    for it in items:
        ext = it.asset.extents_m
        lo, hi = mount_range(it.category, float(ext[2]))
        hi = min(hi, room.height_m - 0.05 - ext[2])
        best = None
        if hi >= lo:
            # every wall position (random grid phase, 6 cm) at 3 heights, tested at once
            cand = []
            for e, (a, u, L) in enumerate(edges):
                if L < ext[1] + 0.2:
                    continue
                ss = np.arange(ext[1] / 2 + 0.1 + rng.uniform(0, 0.06), L - ext[1] / 2 - 0.1, 0.06)
                inward = np.array([-u[1], u[0]])
                for sv in ss:
                    c = a + u * sv + inward * (ext[0] / 2 + 0.003)
                    cand.append((c[0], c[1], float(np.arctan2(inward[1], inward[0]))))
            if cand:
                C = np.array(cand)
                zs = np.unique([lo, (lo + hi) / 2, hi])
                C = np.repeat(C, len(zs), axis=0)
                Z0 = np.tile(zs, len(cand))
                rects = np.column_stack([C[:, :2], np.full(len(C), ext[0] / 2), np.full(len(C), ext[1] / 2), C[:, 2]])
                budget.spend(int(np.ceil(len(C) / 32)))
                Z1 = Z0 + ext[2]
                bad = collides_many(rects, Z0, Z1, openings, 0.05) | collides_many(rects, Z0, Z1, fixed + wall_boxes, 0.03) \
                    | collides_many(rects, Z0, Z1, boxes, 0.02)
                idx = np.flatnonzero(~bad)
                if len(idx):
                    score = rng.uniform(0, 0.05, len(idx))
                    if it.category == "radiator" and wins:      # radiators go under windows
                        W = np.array([o.rect[:2] for o in wins])
                        score += np.linalg.norm(rects[idx, None, :2] - W[None], axis=2).min(axis=1)
                    elif it.category in ("picture_frame", "clock", "television") and big:  # centred above furniture
                        B = np.array([o.rect[:2] for o in big])
                        score += np.linalg.norm(rects[idx, None, :2] - B[None], axis=2).min(axis=1)
                    best = [box_of(it.key, it.category, ext, pose_from(rects[j, 0], rects[j, 1], float(Z0[j]), rects[j, 4]))
                            for j in idx[np.argsort(score, kind="stable")[:12]]]
        b = None
        # walkable space re-checked with the wall items below head room (shelves, frames at head height)
        head = [w for w in wall_boxes if w.z0 < HEAD_CLEARANCE_M]
        for cand_box in best or []:
            if cand_box.z0 >= HEAD_CLEARANCE_M or nav_check(head + [cand_box]):
                b = cand_box
                break
        if b is None:
            dropped.append(it.key)
            continue
        wall_boxes.append(b)
        poses[it.key] = pose_from(b.rect[0], b.rect[1], b.z0, b.rect[4])
    return poses, dropped, wall_boxes


LAMP_SPACING_M = 1.2        # a room's ceiling lamps hang at least this far apart
CEILING_WALL_M = 0.3        # ... with their footprints this far inside the walls


def ceiling_need_z(spot: np.ndarray, floor_boxes: list[Box]) -> float:
    """The lowest point a ceiling item may reach at `spot` (x, y): 0.6 m above the floor objects within
    0.3 m of it, head clearance over open floor."""
    below = [b for b in floor_boxes if point_depth(spot[None], b.rect[None])[0, 0] > -0.3]
    return max(b.z1 for b in below) + 0.6 if below else HEAD_CLEARANCE_M


def place_ceiling_items(items, room, poly: Polygon, boxes: list[Box], rng: np.random.Generator):
    """Ceiling lamps over tables/beds (or the room centre). Returns ({key: (pose, asset)}, dropped)."""
    from simgen import assets

    targets = [b for b in boxes if b.category in ("dining_table", "bed", "coffee_table", "desk")]
    rp = poly.representative_point()
    spots = [np.array(b.rect[:2]) for b in targets] + [np.array([poly.centroid.x, poly.centroid.y]),
                                                       np.array([rp.x, rp.y])]
    x0, y0, x1, y1 = poly.bounds                   # then a 0.4 m grid, nearest the centre first
    g = np.array([(x, y) for x in np.arange(x0 + 0.4, x1 - 0.3, 0.4) for y in np.arange(y0 + 0.4, y1 - 0.3, 0.4)])
    if len(g):
        g = g[np.argsort(np.hypot(g[:, 0] - poly.centroid.x, g[:, 1] - poly.centroid.y) + rng.uniform(0, 0.1, len(g)),
                         kind="stable")]
        spots += list(g)
    out, dropped, used = {}, [], []
    inner = poly.buffer(-CEILING_WALL_M)
    for it in items:
        asset = it.asset
        ok = False
        for spot in spots:
            if any(np.hypot(*(spot - q)) < LAMP_SPACING_M for q in used):
                continue
            need = ceiling_need_z(spot, boxes)
            if room.height_m - asset.extents_m[2] < need:
                asset = assets.make("ceiling_lamp", rng, {"style": "flush"})
            z0 = room.height_m - asset.extents_m[2]
            if z0 < need:
                continue
            if not inner.contains(Polygon(corners(np.array([[*spot, *np.array(asset.extents_m[:2]) / 2,
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


def open_slots(slots: list[SupportSlot], category: str, ext) -> tuple[list[SupportSlot], dict[int, float]]:
    """The slots an item of `category` and extents `ext` may go on (allowed, count capacity left, under the
    clearance) and {id(slot): free area (surface area minus the rects on it)}."""
    ok = [s for s in slots if _allowed(category, s) and len(s.local) < s.capacity and ext[2] <= s.clearance_m - 0.01]
    return ok, {id(s): s.polygon.area - sum(4 * r[2] * r[3] for r in s.local) for s in ok}


def local_rect(slot: SupportSlot, x: float, y: float, yaw: float, hx: float, hy: float) -> np.ndarray:
    """(5,) rect in the slot's object frame of a world rect at (x, y, yaw) with half extents (hx, hy)."""
    lx, ly = (np.linalg.inv(slot.pose) @ np.array([x, y, 0.0, 1.0]))[:2]
    return np.array([lx, ly, hx, hy, yaw - float(np.arctan2(slot.pose[1, 0], slot.pose[0, 0]))])


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


SNUG_JITTER_M = 0.10      # random slack added to a surface pose's snugness (packed, but not in a grid)


def _scan_slot(slot: SupportSlot, it, blockers: list[Box], rng: np.random.Generator, budget,
               away_from=None) -> Box | None:
    """Every position of `it` on a 3 cm grid of the slot (random phase) at 2 right-angle yaws, each both
    exact and with a small random twist (or backed against the rear edge for microwaves, TVs, monitors).
    Free poses are tried snuggest first (distance to the surface's edge or the nearest item on it, plus
    up to SNUG_JITTER_M of random slack), so that items pack instead of scattering and a later, larger
    item still finds room. away_from: a world (x, y); free poses are then tried farthest from it first."""
    import shapely

    ext = it.asset.extents_m
    if ext[2] > slot.clearance_m - 0.01 or len(slot.local) >= slot.capacity:
        return None
    x0, y0, x1, y1 = slot.polygon.bounds
    step = 0.03
    against = it.category in ("microwave", "television", "monitor")
    xs = np.array([x0 + ext[0] / 2 + 0.02]) if against else np.arange(x0 + rng.uniform(0, step), x1, step)
    ys = np.arange(y0 + rng.uniform(0, step), y1, step)
    gx, gy = np.meshgrid(xs, ys)
    n = gx.size
    if n == 0:
        return None
    if against:
        base = np.zeros((n, 1))
    else:
        twist = rng.normal(0, 0.15, (n, 2))
        base = np.concatenate([np.array([[0.0, np.pi / 2]]) + twist, np.array([[0.0, np.pi / 2]]).repeat(n, 0)], 1)
    k = base.shape[1]
    rects = np.column_stack([np.repeat(gx.ravel(), k), np.repeat(gy.ravel(), k), np.full(n * k, ext[0] / 2),
                             np.full(n * k, ext[1] / 2), base.ravel()])
    budget.spend(int(np.ceil(len(rects) / 64)))
    inner = slot.polygon.buffer(-0.005)
    c = corners(rects)
    ok = shapely.contains_xy(inner, c[..., 0], c[..., 1]).all(axis=1)
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        return None
    cc = c[idx]
    snug = np.minimum.reduce([cc[..., 0] - x0, x1 - cc[..., 0], cc[..., 1] - y0, y1 - cc[..., 1]]).min(axis=1)
    if slot.local:
        d = sat_depth(rects[idx], np.array(slot.local))        # > 0 overlap, < 0 separation
        free = ~((d + 0.01) > 0).any(axis=1)
        snug = np.minimum(snug, -d.max(axis=1))
        idx, snug = idx[free], snug[free]
    others = [o for o in blockers if o.key != slot.key]
    score = snug + rng.uniform(0, SNUG_JITTER_M, len(idx))
    if away_from is not None:         # farthest first: the far poses are often the ones under a chair back
        P = slot.pose
        wx = P[0, 0] * rects[idx, 0] + P[0, 1] * rects[idx, 1] + P[0, 3]
        wy = P[1, 0] * rects[idx, 0] + P[1, 1] * rects[idx, 1] + P[1, 3]
        score = -np.hypot(wx - away_from[0], wy - away_from[1]) + 0.1 * score
        z0 = float((P @ np.array([0.0, 0.0, slot.height_m, 1.0]))[2])
        W = np.column_stack([wx, wy, rects[idx, 2:4], rects[idx, 4] + np.arctan2(P[1, 0], P[0, 0])])
        free3d = ~collides_many(W, np.full(len(idx), z0), np.full(len(idx), z0 + ext[2]), others, 0.01)
        idx, score = idx[free3d], score[free3d]
    for j in idx[np.argsort(score, kind="stable")][:60]:
        b = box_of(it.key, it.category, ext, slot.pose @ pose_from(rects[j, 0], rects[j, 1], slot.height_m, rects[j, 4]))
        if not collides(b, others, 0.01):
            return b
    return None


def place_surface_items(items, slots: list[SupportSlot], blockers: list[Box], rng: np.random.Generator,
                        budget) -> tuple[dict, list]:
    """Returns ({key: (pose, support_key)}, dropped keys). Anchored items first (monitor, TV, lamps),
    then each item on its planned surface (Item.plan), else on the allowed surface with most room."""
    out, dropped = {}, []
    # anchored items first, then requested before fill items (pocket fill's small objects), each the largest
    # footprints first (small items fill the gaps they leave)
    order = sorted(items, key=lambda it: (it.support_key is None, bool(getattr(it, "fill", False)),
                                          -round(float(it.asset.extents_m[0] * it.asset.extents_m[1]), 4), it.key))
    for it in order:
        ext = it.asset.extents_m
        got = None
        if it.support_key is not None and it.anchor:
            for slot in (s for s in slots if s.key == it.support_key and (s.name == "top" or s.name.startswith("board"))):
                x0, y0, x1, y1 = slot.polygon.bounds
                cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
                x = {"centre": cx, "back": x0 + ext[0] / 2 + 0.03, "front": x1 - ext[0] / 2 - 0.05}[it.anchor]
                b = _fits(slot, it, x, cy, 0.0, blockers)
                if b is not None:
                    got = (b, slot)
                    break
        if got is None:
            plan = getattr(it, "plan", None)
            ok_slots, free = open_slots(slots, it.category, ext)
            ok_slots.sort(key=lambda s: (not (plan and (s.key, s.name) == tuple(plan)),
                                         it.support_key is not None and s.key != it.support_key, -free[id(s)]))
            for slot in ok_slots[:8]:
                b = _scan_slot(slot, it, blockers, rng, budget)
                if b is not None:
                    got = (b, slot)
                    break
        if got is None:
            dropped.append(it.key)
            continue
        b, slot = got
        slot.local.append(local_rect(slot, b.rect[0], b.rect[1], b.rect[4], b.rect[2], b.rect[3]))
        out[it.key] = (pose_from(b.rect[0], b.rect[1], b.z0, b.rect[4]), slot.key)
    return out, dropped
