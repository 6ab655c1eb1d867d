"""Geometric predicates of the requested layout relations, evaluated on the final (settled) objects,
and the achieved statistics of a scene (the complexity knobs made measurable).

Every predicate reads world poses and asset extents only; tolerances are named constants.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from shapely.geometry import Polygon
from shapely.ops import unary_union

from simgen.scenes.geometry import footprint

FACES_TOL_RAD = np.deg2rad(30.0)
FACES_RAY_MAX_RAD = np.deg2rad(60.0)
AGAINST_WALL_M = 0.10
PARALLEL_TOL_RAD = np.deg2rad(5.0)
SUPPORT_GAP_M = 0.01
ALIGNED_ROW_TOL_M = 0.05
AROUND_NEAR_M = 0.5          # chairs around a table: each faces it, footprints <= this apart


def _c(o) -> np.ndarray:
    return o.pose[:3, 3] + o.pose[:3, :3] @ np.array([0.0, 0.0, o.asset.extents_m[2] / 2])


def _fp(o) -> Polygon:
    return footprint(o.asset.extents_m, o.pose[0, 3], o.pose[1, 3], o.yaw)


def _local(o, p) -> np.ndarray:
    """World xy point p in o's frame (xy)."""
    d = np.asarray(p[:2]) - o.pose[:2, 3]
    c, s = np.cos(o.yaw), np.sin(o.yaw)
    return np.array([c * d[0] + s * d[1], -s * d[0] + c * d[1]])


def _faces(a, b) -> bool:
    """a's front (+x) points at b: b's centre within FACES_TOL_RAD of a's heading, or a's forward ray
    from its centre crosses b's footprint (a chair at the end of a long table's side faces the table,
    not its centre) within FACES_RAY_MAX_RAD of the heading to b's centre."""
    v = _c(b)[:2] - _c(a)[:2]
    ang = abs(((np.arctan2(v[1], v[0]) - a.yaw) + np.pi) % (2 * np.pi) - np.pi)
    if ang <= FACES_TOL_RAD:
        return True
    if ang > FACES_RAY_MAX_RAD:
        return False
    from shapely.geometry import LineString

    p = _c(a)[:2]
    ray = LineString([p, p + 20.0 * np.array([np.cos(a.yaw), np.sin(a.yaw)])])
    return bool(ray.intersects(_fp(b)))


def _against_wall(o, room_poly: Polygon) -> bool:
    back = o.pose[:2, 3] - np.array([np.cos(o.yaw), np.sin(o.yaw)]) * o.asset.extents_m[0] / 2
    from shapely.geometry import Point

    return room_poly.exterior.distance(Point(*back)) <= AGAINST_WALL_M


def _support_gap(o, sup) -> float:
    best = np.inf
    z = o.pose[2, 3]
    for s in sup.asset.supports:
        sz = sup.pose[2, 3] + s.height_m
        best = min(best, abs(z - sz))
    return float(best)


def evaluate(r: dict, objs: dict[int, object], rooms: dict) -> tuple[bool, str]:
    t, a, b, prm = r["type"], r["subject"], r["object"], r.get("params", {})
    if t == "count":
        return None, ""   # handled by the caller
    ids = [a] + (b if isinstance(b, list) else ([b] if b is not None else []))
    if isinstance(prm.get("about"), int):
        ids.append(prm["about"])
    if any(i not in objs for i in ids):
        return False, "missing"
    A = objs[a]
    B = objs[b] if isinstance(b, int) else None
    if t == "on":
        return A.support == B.id and _support_gap(A, B) <= SUPPORT_GAP_M, ""
    if t == "against_wall":
        return _against_wall(A, Polygon(rooms[A.room].polygon)), ""
    if t == "near":
        return _fp(A).distance(_fp(B)) <= prm.get("max_m", 0.5) + 0.01, ""
    if t == "faces":
        return _faces(A, B), ""
    if t == "distance_range":
        d = float(np.linalg.norm(_c(A)[:2] - _c(B)[:2]))
        return prm["min_m"] - 0.01 <= d <= prm["max_m"] + 0.01, f"{d:.2f} m"
    if t == "in_front_of":
        return bool(_local(B, _c(A))[0] > 0.0), ""
    if t == "around":
        return all(_faces(objs[k], A) and _fp(objs[k]).distance(_fp(A)) <= AROUND_NEAR_M for k in b), ""
    if t == "symmetric_pair":
        C = objs[prm["about"]]
        pa, pb = _local(C, _c(A)), _local(C, _c(B))
        return abs(pa[0] - pb[0]) <= 0.1 and abs(pa[1] + pb[1]) <= 0.1 + abs(
            A.asset.extents_m[1] - B.asset.extents_m[1]) / 2, ""
    if t == "aligned_row":
        # one row: parallel, backs on one line (the wall the row stands against); the fronts differ by
        # the members' depths (a fridge stands out of a counter run)
        rows = [A] + [objs[k] for k in b]
        backs = [_local(A, r.pose[:2, 3] - np.array([np.cos(r.yaw), np.sin(r.yaw)]) * r.asset.extents_m[0] / 2)[0]
                 for r in rows]
        yaws = [abs(((r.yaw - A.yaw) + np.pi) % (2 * np.pi) - np.pi) for r in rows]
        spread = max(backs) - min(backs)
        return spread <= ALIGNED_ROW_TOL_M and max(yaws) <= PARALLEL_TOL_RAD, f"backs {spread:.3f} m apart"
    if t == "centred_on_support":
        cs = []
        for s in B.asset.supports:
            p = np.asarray(s.polygon)
            cs.append(((p.min(0) + p.max(0)) / 2))
        loc = _local(B, _c(A))
        return min(abs(loc[1] - c[1]) for c in cs) <= prm.get("tol_m", 0.1), ""
    if t == "front_clearance":
        d = prm["depth_m"]
        c = A.pose[:2, 3] + np.array([np.cos(A.yaw), np.sin(A.yaw)]) * (A.asset.extents_m[0] / 2 + d / 2)
        zone = footprint((d, A.asset.extents_m[1], 0.0), c[0], c[1], A.yaw)
        others = [o for o in objs.values() if o.room == A.room and o.placement == "floor" and o.id != A.id
                  and o.support is None]
        blocked = sum(zone.intersection(_fp(o)).area for o in others)
        return blocked <= 0.02, f"{blocked:.3f} m2 blocked"
    if t == "parallel_to_wall":
        y = A.yaw % (np.pi / 2)
        return min(y, np.pi / 2 - y) <= PARALLEL_TOL_RAD, ""
    return False, f"unknown relation {t}"


def evaluate_relations(relations: list[dict], key_to_id: dict[int, int], objects, rooms) -> list[dict]:
    """Map item keys to object ids and evaluate every requested relation on the final objects."""
    objs = {o.id: o for o in objects}
    room_by_id = {r.id: r for r in rooms}
    out = []
    for r in relations:
        def m(v):
            if isinstance(v, list):
                return [key_to_id.get(x, -1 - x) for x in v]
            return key_to_id.get(v, -1 - v) if isinstance(v, int) else v
        rr = {"type": r["type"], "room": r["room"], "subject": m(r["subject"]), "object": m(r["object"]),
              "params": {k: (m(v) if k == "about" else v) for k, v in r.get("params", {}).items()}}
        if r["type"] == "count":
            n = sum(1 for o in objects if o.room == r["room"] and o.asset.category == r["subject"])
            rr["satisfied"] = n >= r["params"]["min"]
            rr["achieved"] = n
        else:
            ok, note = evaluate(rr, objs, room_by_id)
            rr["satisfied"] = bool(ok)
            if note:
                rr["note"] = note
        out.append(rr)
    return out


def scene_stats(rooms, objects, relations: list[dict]) -> dict:
    """What the scene achieved, per room and overall."""
    per_room = {}
    for r in rooms:
        objs = [o for o in objects if o.room == r.id]
        floor = [o for o in objs if o.placement == "floor"]
        area = Polygon(r.polygon).area
        cats = Counter(o.asset.category for o in objs)
        rel = [x for x in relations if x["room"] == r.id and x["type"] != "count"]
        per_room[r.id] = {
            "type": r.type,
            "n_objects": len(objs),
            "n_categories": len(cats),
            "floor_occupancy": float(unary_union([_fp(o) for o in floor]).area / area) if floor else 0.0,
            "small_on_supports_fraction": (sum(o.placement == "surface" for o in objs) / len(objs)) if objs else 0.0,
            "max_same_category": max(cats.values()) if cats else 0,
            "duplicates": {k: v for k, v in sorted(cats.items()) if v >= 2},
            "relations_requested": len(rel), "relations_satisfied": sum(x["satisfied"] for x in rel),
        }
    cats = Counter(o.asset.category for o in objects)
    rel = [x for x in relations if x["type"] != "count"]
    cnt = [x for x in relations if x["type"] == "count"]
    by_type: dict = {}
    for x in rel:
        d = by_type.setdefault(x["type"], [0, 0])
        d[0] += 1
        d[1] += int(x["satisfied"])
    n_req_items = sum(x["params"]["min"] for x in cnt)
    n_got_items = sum(min(x["achieved"], x["params"]["min"]) for x in cnt)
    return {"n_objects": len(objects), "n_categories": len(cats), "categories": dict(sorted(cats.items())),
            "n_rooms": len(rooms),
            "clutter_fraction": (sum(o.placement == "surface" for o in objects) / len(objects)) if objects else 0.0,
            "max_same_category": max(cats.values()) if cats else 0,
            "relations_requested": len(rel), "relations_satisfied": sum(x["satisfied"] for x in rel),
            "relations_by_type": {k: {"requested": v[0], "satisfied": v[1]} for k, v in sorted(by_type.items())},
            "items_requested": n_req_items, "items_placed": n_got_items,
            "item_fidelity": (n_got_items / n_req_items) if n_req_items else 1.0,
            "relation_fidelity": (sum(x["satisfied"] for x in rel) / len(rel)) if rel else 1.0,
            "rooms": per_room}
