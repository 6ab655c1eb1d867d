"""Turning RenderItems into vertex arrays and merging static ones by material. Pure numpy, no GL.

CPU rasterisers (llvmpipe) pay mostly per draw call and per light, so static geometry sharing a
material is transformed to world coordinates once and concatenated into one vertex array per
material; the instance pass draws the same world-space geometry with the instance id as a per-vertex
attribute, so ids stay exact although items are merged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh

from simgen.render.types import RenderItem

SMOOTH_ANGLE_RAD = np.radians(30.0)


@dataclass(frozen=True)
class LocalGeometry:
    """Render-ready arrays of one mesh in its local frame.

    positions (n, 3) float32, normals (n, 3) float32 unit, uv (n, 2) float32 or None,
    faces (m, 3) uint32 (CCW outward), image: PIL image (sRGB base colour) or None.
    """

    positions: np.ndarray
    normals: np.ndarray
    uv: np.ndarray | None
    faces: np.ndarray
    image: object | None


@dataclass(frozen=True)
class WorldBatch:
    """Concatenated world-space geometry: as LocalGeometry plus instance_ids (n,) float32 per vertex."""

    positions: np.ndarray
    normals: np.ndarray
    uv: np.ndarray | None
    faces: np.ndarray
    instance_ids: np.ndarray


def texture_image(mesh: trimesh.Trimesh):
    """The base-colour PIL image of a textured mesh with uv, else None."""
    visual = mesh.visual
    if getattr(visual, "kind", None) != "texture" or getattr(visual, "uv", None) is None or len(visual.uv) == 0:
        return None
    mat = visual.material
    image = getattr(mat, "baseColorTexture", None)
    if image is None:
        image = getattr(mat, "image", None)
    return image


def local_geometry(mesh: trimesh.Trimesh) -> LocalGeometry:
    """Split vertices at sharp edges (> 30 deg) so that smooth vertex normals shade boxes flat and
    cylinders round. Textured meshes keep their own vertices (their uv seams already split them)."""
    # cached in trimesh's own cache, which it clears when vertices or faces change (set textures first)
    cached = mesh._cache["simgen_local_geometry"]
    if cached is not None:
        return cached
    geom = _local_geometry(mesh)
    mesh._cache["simgen_local_geometry"] = geom
    return geom


def _local_geometry(mesh: trimesh.Trimesh) -> LocalGeometry:
    image = texture_image(mesh)
    if image is not None:
        m = mesh
        uv = np.asarray(m.visual.uv, dtype=np.float32)[:, :2]
    else:
        m = trimesh.graph.smooth_shade(mesh, angle=SMOOTH_ANGLE_RAD, facet_minarea=None) if len(mesh.faces) else mesh
        uv = None
    return LocalGeometry(
        positions=np.asarray(m.vertices, dtype=np.float32),
        normals=np.asarray(m.vertex_normals, dtype=np.float32),
        uv=uv,
        faces=np.asarray(m.faces, dtype=np.uint32),
        image=image,
    )


def material_key(item: RenderItem, geom: LocalGeometry) -> tuple:
    """Items with equal keys can share one pyrender material (and one merged mesh)."""
    mat = item.material
    color = tuple(round(float(c), 6) for c in mat.base_color)
    return (color, round(float(mat.roughness), 6), round(float(mat.metallic), 6), id(geom.image) if geom.image is not None else None)


def to_world(geom: LocalGeometry, pose: np.ndarray, instance_id: int) -> WorldBatch:
    """Transform local arrays by pose (4, 4) world_from_local; mirrored poses get their winding flipped."""
    pose = np.asarray(pose, dtype=np.float64)
    R, t = pose[:3, :3], pose[:3, 3]
    positions = (geom.positions.astype(np.float64) @ R.T + t).astype(np.float32)
    normal_m = np.linalg.inv(R).T  # correct for non-uniform scale
    normals = geom.normals.astype(np.float64) @ normal_m.T
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    faces = geom.faces if np.linalg.det(R) > 0 else geom.faces[:, ::-1].copy()
    ids = np.full(len(positions), float(instance_id), dtype=np.float32)
    return WorldBatch(positions, normals.astype(np.float32), geom.uv, faces, ids)


def merge(batches: list[WorldBatch]) -> WorldBatch:
    """Concatenate world batches (uv kept only if every batch has uv)."""
    offsets = np.cumsum([0] + [len(b.positions) for b in batches[:-1]])
    has_uv = all(b.uv is not None for b in batches)
    return WorldBatch(
        positions=np.concatenate([b.positions for b in batches]),
        normals=np.concatenate([b.normals for b in batches]),
        uv=np.concatenate([b.uv for b in batches]) if has_uv else None,
        faces=np.concatenate([b.faces + np.uint32(o) for b, o in zip(batches, offsets)]),
        instance_ids=np.concatenate([b.instance_ids for b in batches]),
    )
