"""Per-object ground truth and relations as they appear in scene.json (read from the simulator).

`convex_parts` (added for the QA engine): the object's mesh as convex pieces in world coordinates
(hull of each connected component of each part, <= 96 vertices each, 0.1 mm), so closest-point
distances between meshes can be re-derived from scene.json alone (simgen.annotate.geometry)."""

from __future__ import annotations

import numpy as np

from simgen.annotate.frames import obb_of
from simgen.annotate.geometry import convex_parts_world


def object_record(o, cov: dict | None) -> dict:
    a = o.asset
    obb = obb_of(o)
    corners = np.asarray(a.mesh().bounds)
    pts = np.array([[x, y, z] for x in corners[:, 0] for y in corners[:, 1] for z in corners[:, 2]])
    w = pts @ o.pose[:3, :3].T + o.pose[:3, 3]
    mesh_w = a.mesh().vertices @ o.pose[:3, :3].T + o.pose[:3, 3]
    rec = {
        "id": o.id, "name": o.name, "kind": "object", "category": a.category, "room": o.room,
        "placement": o.placement, "support": o.support, "yaw": o.yaw,
        "size_m": list(a.extents_m),
        "obb": {"center": obb["center"], "extents": obb["extents"], "rotation": obb["rotation"]},
        "aabb": {"min": mesh_w.min(axis=0), "max": mesh_w.max(axis=0)},
        "obb_corners": w,
        "color": a.color, "material": a.material, "mass_kg": a.mass_kg,
        "pose": o.pose,
        "convex_parts": convex_parts_world(a, o.pose),
        "asset": {"generator": a.generator, "version": a.version, "params": a.params},
    }
    if cov is not None:
        rec.update({"covered": cov["covered"], "first_frame": cov["first_frame"],
                    "last_frame": cov["last_frame"], "best_frame": cov["best_frame"],
                    "best_vis_fraction": cov["best_vis"], "frames_seen": cov["frames_seen"],
                    "best_visible_px": cov.get("best_px"), "uncovered_reason": cov.get("reason")})
    return rec


def structure_record(s) -> dict:
    b = s.mesh.bounds
    return {"id": s.id, "name": s.name, "kind": "structure", "category": s.kind, "room": s.room,
            "aabb": {"min": b[0], "max": b[1]}, "color": s.material.color_name, "material": s.material.name}


def relations_json(scene) -> list[dict]:
    """Typed facts evaluated geometrically (see simgen.annotate.relations): support (on, supports),
    placement, in_room, near (closest-point distance), above/below/under, object-frame directions."""
    from simgen.annotate.relations import object_relations

    rooms = [{"id": r.id, "polygon": [list(p) for p in r.polygon]} for r in scene.rooms]
    return object_relations({"rooms": rooms, "objects": [object_record(o, None) for o in scene.objects]})


def objects_json(scene, cov: dict[int, dict]) -> list[dict]:
    """scene.json `objects`: every object (with coverage fields) then every structural entity."""
    return [object_record(o, cov.get(o.id)) for o in scene.objects] + [structure_record(s) for s in scene.structures]
