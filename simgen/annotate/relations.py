"""Typed spatial facts evaluated geometrically on scene.json objects (metres, world +Z up).

Facts (each a dict with `type`, `subject`, and `object` or `room`):
- on / supports: the layout's support (A rests on B) and its inverse;
- on_floor / on_wall / hangs_from_ceiling: placement;
- in_room: the room whose polygon holds the object's centre;
- near: closest-point distance between the meshes <= NEAR_M (with `distance_m`);
- above / below: footprints overlap and A's bottom is at or over B's top (`gap_m`);
- under: A below B with B not resting on A (a rug under a table, a box under a desk);
- left_of / right_of / in_front_of / behind, `"frame": "object"`: where the subject lies in the
  object's own frame (its front is +x of its asset); only for centres within OBJECT_FRAME_M and
  at least 15 degrees from a quadrant boundary;
- camera-frame facts for one frame come from `camera_relations` (not stored in scene.json).
"""

from __future__ import annotations

import itertools

import numpy as np

from simgen.annotate import geometry as geo

NEAR_M = 0.5
OBJECT_FRAME_M = 2.0
BOUNDARY_MARGIN_DEG = 15.0


def _footprint_overlap(a: dict, b: dict) -> float:
    """Area of overlap of the floor footprints of two objects (m²)."""
    from shapely.geometry import Polygon

    return float(Polygon(geo.footprint_xy(a)).intersection(Polygon(geo.footprint_xy(b))).area)


def _aabb_gap(a: dict, b: dict) -> float:
    lo = np.maximum(np.asarray(a["aabb"]["min"]) - b["aabb"]["max"], np.asarray(b["aabb"]["min"]) - a["aabb"]["max"])
    return float(np.linalg.norm(np.maximum(lo, 0)))


class _Solid:
    """What the pairwise facts read of one object, derived once per object instead of once per pair
    (the same values the per-pair helpers above compute)."""

    def __init__(self, o: dict):
        from shapely.geometry import Polygon

        self.o = o
        self.id = o["id"]
        self.lo = np.asarray(o["aabb"]["min"], dtype=float)
        self.hi = np.asarray(o["aabb"]["max"], dtype=float)
        self.footprint = Polygon(geo.footprint_xy(o))
        self.center_xy = geo.center(o)[:2]
        self.fwd = np.asarray(o["obb"]["rotation"])[:2, 0]
        self.fwd_ok = not np.linalg.norm(self.fwd) < 0.5
        self._parts = None

    def parts(self):
        """(convex parts, their part_boxes), on first use (only objects in a near pair need them)."""
        if self._parts is None:
            parts = geo.object_parts(self.o)
            self._parts = (parts, geo.part_boxes(parts))
        return self._parts


def object_relations(scene: dict) -> list[dict]:
    """All facts between the objects of a scene.json dict (structure entries are ignored)."""
    objs = sorted((o for o in scene["objects"] if o.get("kind") == "object"), key=lambda o: o["id"])
    out = []
    for o in objs:
        if o.get("support") is not None:
            out.append({"type": "on", "subject": o["id"], "object": o["support"]})
            out.append({"type": "supports", "subject": o["support"], "object": o["id"]})
        elif o.get("placement") == "floor":
            out.append({"type": "on_floor", "subject": o["id"], "room": o.get("room")})
        elif o.get("placement") == "wall":
            out.append({"type": "on_wall", "subject": o["id"], "room": o.get("room")})
        elif o.get("placement") == "ceiling":
            out.append({"type": "hangs_from_ceiling", "subject": o["id"], "room": o.get("room")})
        room = geo.room_of_point(scene, geo.center(o)[:2])
        if room is not None:
            out.append({"type": "in_room", "subject": o["id"], "room": room})
    solids = [_Solid(o) for o in objs]
    for a, b in itertools.combinations(solids, 2):
        # _aabb_gap(a, b) <= NEAR_M, then closest_distance(a, b), on the per-object values
        lo = np.maximum(a.lo - b.hi, b.lo - a.hi)
        if float(np.linalg.norm(np.maximum(lo, 0))) <= NEAR_M:
            d = geo.closest_parts_distance(*a.parts(), *b.parts())
            if d <= NEAR_M:
                out.append({"type": "near", "subject": a.id, "object": b.id, "distance_m": round(d, 4)})
        for s, t in ((a, b), (b, a)):
            gap = s.o["aabb"]["min"][2] - t.o["aabb"]["max"][2]
            if gap >= -0.01 and float(s.footprint.intersection(t.footprint).area) > 0.01:   # _footprint_overlap
                out.append({"type": "above", "subject": s.id, "object": t.id, "gap_m": round(max(gap, 0.0), 4)})
                out.append({"type": "below", "subject": t.id, "object": s.id, "gap_m": round(max(gap, 0.0), 4)})
                if s.o.get("support") != t.id:
                    out.append({"type": "under", "subject": t.id, "object": s.id})
        for s, t in ((a, b), (b, a)):   # where s lies in t's own frame
            if not t.fwd_ok:
                continue
            rel = s.center_xy - t.center_xy
            dist = np.linalg.norm(rel)
            if dist > OBJECT_FRAME_M or dist < 1e-6:
                continue
            th = geo.signed_angle_deg(t.fwd, rel)
            if min(abs(abs(th) - 45), abs(abs(th) - 135)) < BOUNDARY_MARGIN_DEG:
                continue
            kind = ("in_front_of" if abs(th) < 45 else "behind" if abs(th) > 135
                    else "left_of" if th > 0 else "right_of")
            out.append({"type": kind, "subject": s.id, "object": t.id, "frame": "object"})
    return out


def camera_relations(scene: dict, camera: dict, frame: int, ids: list[int]) -> list[dict]:
    """left_of / right_of (image x of box centres), in_front_of / behind (camera depth of box
    centres) between the given objects at one frame, with `"frame": <index>` and the gap."""
    objs = {o["id"]: o for o in scene["objects"] if o.get("id") in set(ids)}
    pc = {i: geo.to_camera(camera, frame, geo.center(objs[i]))[0] for i in sorted(objs)}
    out = []
    for a, b in itertools.permutations(sorted(objs), 2):
        if pc[a][2] <= 0 or pc[b][2] <= 0:
            continue
        dx = pc[a][0] / pc[a][2] - pc[b][0] / pc[b][2]
        out.append({"type": "left_of" if dx < 0 else "right_of", "subject": a, "object": b, "frame": frame,
                    "gap": round(abs(float(dx)), 4)})
        dz = pc[a][2] - pc[b][2]
        out.append({"type": "in_front_of" if dz < 0 else "behind", "subject": a, "object": b, "frame": frame,
                    "gap_m": round(abs(float(dz)), 4)})
    return out
