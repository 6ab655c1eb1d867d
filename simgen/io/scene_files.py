"""Builders of the per-scene contract files: scene.json, camera.json and scene.glb."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from simgen import __version__
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


def relations(scene) -> list[dict]:
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


def scene_json(scene, traj, cov: dict[int, dict], n_frames: int) -> dict:
    covered = [c["covered"] for c in cov.values()]
    stats = dict(scene.reports.get("stats", {}))
    stats["coverage"] = float(np.mean(covered)) if covered else 1.0
    stats["n_covered"] = int(sum(covered))
    return {
        "scene_id": scene.scene_id, "seed": scene.seed, "simgen_version": __version__,
        "units": "m", "up_axis": "+z", "n_frames": n_frames, "params": scene.params,
        "rooms": [{"id": r.id, "type": r.type, "polygon": [list(p) for p in r.polygon],
                   "area_m2": r.area_m2, "height_m": r.height_m} for r in scene.rooms],
        "doors": [{"id": d.id, "rooms": list(d.rooms), "center": list(d.center), "normal": list(d.normal),
                   "width_m": d.width_m, "height_m": d.height_m, "entrance": d.entrance} for d in scene.doors],
        "windows": [],
        "lights": [{"kind": li.kind, "position": li.position, "color": li.color, "intensity": li.intensity,
                    "room": li.room} for li in scene.lights],
        "objects": [object_record(o, cov.get(o.id)) for o in scene.objects]
                   + [structure_record(s) for s in scene.structures],
        "relations": relations(scene),
        "stats": stats,
        "physics": scene.reports.get("physics", {}),
        "trajectory": traj.report,
    }


def camera_json(traj, poses: np.ndarray) -> dict:
    K = traj.K
    return {
        "width": traj.width, "height": traj.height, "fps": traj.fps, "convention": "opencv",
        "intrinsics": {"fx": K[0, 0], "fy": K[1, 1], "cx": K[0, 2], "cy": K[1, 2]},
        "K": K, "distortion": None, "depth_units": "mm", "depth_kind": "z",
        "frame_interval_s": traj.report.get("frame_interval_s"),
        "frames": [{"index": i, "timestamp_s": float(traj.frame_times_s[i]), "cam_to_world": poses[i]}
                   for i in range(len(poses))],
    }


def write_glb(path: Path, scene) -> None:
    """scene.glb: every object and structure in world coordinates, one node per entity `<id>_<name>`."""
    import trimesh
    from trimesh.visual.material import PBRMaterial

    def _material(m):
        c = np.clip(np.asarray(m.base_color), 0, 1)
        srgb = np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)
        return PBRMaterial(name=m.name, baseColorFactor=[*(np.round(srgb * 255).astype(int)), 255],
                           roughnessFactor=float(m.roughness), metallicFactor=float(m.metallic))

    ts = trimesh.Scene()
    for s in scene.structures:
        m = s.mesh.copy()
        m.visual = trimesh.visual.TextureVisuals(material=_material(s.material))
        ts.add_geometry(m, node_name=f"{s.id}_{s.name}", geom_name=f"{s.id}_{s.name}")
    for o in scene.objects:
        parts = []
        for p in o.asset.parts:
            m = trimesh.Trimesh(vertices=p.mesh.vertices, faces=p.mesh.faces, process=False)
            m.visual = trimesh.visual.TextureVisuals(material=_material(p.material))
            parts.append(m)
        node = f"{o.id}_{o.name}"
        ts.graph.update(frame_to=node, frame_from=ts.graph.base_frame, matrix=o.pose)
        for k, m in enumerate(parts):
            name = f"{node}.{k}_{o.asset.parts[k].name}"
            ts.add_geometry(m, node_name=name, geom_name=name, parent_node_name=node)
    Path(path).write_bytes(ts.export(file_type="glb"))
