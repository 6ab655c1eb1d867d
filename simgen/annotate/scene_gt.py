"""Per-object ground truth and relations as they appear in scene.json (read from the simulator)."""

from __future__ import annotations

import numpy as np

from simgen.annotate.frames import obb_of


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
        "asset": {"generator": a.generator, "version": a.version, "params": a.params},
    }
    if cov is not None:
        rec.update({"covered": cov["covered"], "first_frame": cov["first_frame"],
                    "last_frame": cov["last_frame"], "best_frame": cov["best_frame"],
                    "best_vis_fraction": cov["best_vis"], "frames_seen": cov["frames_seen"]})
    return rec


def structure_record(s) -> dict:
    b = s.mesh.bounds
    return {"id": s.id, "name": s.name, "kind": "structure", "category": s.kind, "room": s.room,
            "aabb": {"min": b[0], "max": b[1]}, "color": s.material.color_name, "material": s.material.name}


def relations_json(scene) -> list[dict]:
    """Support facts read from the layout: `on` (A rests on B) and `supports` (B holds A)."""
    out = []
    for o in scene.objects:
        if o.support is not None:
            out.append({"type": "on", "subject": o.id, "object": o.support})
        elif o.placement == "floor":
            out.append({"type": "on_floor", "subject": o.id, "room": o.room})
        elif o.placement == "wall":
            out.append({"type": "on_wall", "subject": o.id, "room": o.room})
        elif o.placement == "ceiling":
            out.append({"type": "hangs_from_ceiling", "subject": o.id, "room": o.room})
    return out


def objects_json(scene, cov: dict[int, dict]) -> list[dict]:
    """scene.json `objects`: every object (with coverage fields) then every structural entity."""
    return [object_record(o, cov.get(o.id)) for o in scene.objects] + [structure_record(s) for s in scene.structures]
