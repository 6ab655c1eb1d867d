"""Assembles scene.json from the stages' parts, and writes scene.glb."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from simgen import __version__


def scene_json(scene, traj, cov: dict[int, dict], n_frames: int) -> dict:
    """scene.json: the layout (scenes/), the objects and relations (annotate/), the walk (cameras/)."""
    from simgen.annotate.scene_gt import objects_json, relations_json
    from simgen.scenes.export import layout_json

    lay = layout_json(scene)
    covered = [c["covered"] for c in cov.values()]
    stats = lay.pop("stats")
    stats["coverage"] = float(np.mean(covered)) if covered else 1.0
    stats["n_covered"] = int(sum(covered))
    out = {"scene_id": scene.scene_id, "seed": scene.seed, "simgen_version": __version__,
           "units": "m", "up_axis": "+z", "n_frames": n_frames}
    out.update(lay)
    out["objects"] = objects_json(scene, cov)
    out["relations"] = relations_json(scene)
    out["stats"] = stats
    out["trajectory"] = traj.report
    return out


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
