"""Mapping procedural textures onto meshes: box (triplanar) UV projection in metres, textured render meshes.

Texture coordinates are physical: a point's uv is its coordinates in metres divided by the texture's
tile size `scale_m`, taken in the plane of the axis its face looks along (box projection). A 1 m face
therefore spans 1 / scale_m texture repeats whatever the object's size, so planks, tiles and weave
keep their real-world size on a stool and on a wardrobe alike.

    mesh_uv, uv = uv_box_project(mesh, scale_m=0.8)          # split mesh + (n, 2) float64 uv
    tm = textured_mesh(mesh, material)                       # TextureVisuals mesh for simgen.render
    mat = with_texture_variant(material, rng)                 # pick the texture image from rng

Which image a material gets: `material.texture` names the kind (simgen.assets.textures), the palette
colour is `material.color_name`, and `material.texture_params` may hold "variant" (int, which of
TEXTURE_VARIANTS images; drawn from the caller's rng by `with_texture_variant`) and "scale_m" (tile
size; default TEXTURE_SCALE_M[kind]). Images are cached per (kind, colour, variant, size) so objects
that share one are merged into one draw call by the renderer.

The geometric mesh (Part.mesh, Structure.mesh) stays as it is: watertight, shared vertices, used by
physics and annotations. The textured mesh is a separate render copy whose vertices are split where
the projection axis or a sharp edge (> 30 deg) changes, with smooth normals inside each patch (the
same shading the renderer gives untextured meshes).
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np
import trimesh

from simgen.core.errors import ConfigError
from simgen.core.types import Material

# metres of surface covered by one texture tile, per texture kind (simgen.assets.textures.TEXTURE_KINDS)
TEXTURE_SCALE_M: dict[str, float] = {
    "wood_grain": 0.8,     # 6-12 growth-ring streaks per tile: 7-13 cm apart
    "fabric": 0.12,        # 32 threads per tile: ~4 mm weave
    "tiles": 1.2,          # 4-8 tiles per tile image: 15-30 cm ceramic tiles
    "marble": 1.0,
    "carpet": 0.5,
    "painted_wall": 2.0,
    "parquet": 1.0,        # 5-8 plank rows per tile: 12-20 cm wide, 0.5 m long planks
}
# directional patterns: the image axis the pattern runs along (wood fibres along v, parquet planks along
# u); textured_mesh turns each flat patch's uv by 90 degrees where needed so that this axis follows the
# patch's longer side (grain along a table top's length, planks along a room's length)
PATTERN_AXIS: dict[str, int] = {"wood_grain": 1, "parquet": 0}
TEXTURE_VARIANTS = 8       # distinct images per (kind, colour); the caller's rng picks one
TEXTURE_SIZE_PX = 256
SMOOTH_ANGLE_RAD = np.radians(30.0)   # as simgen.render.batching: sharper edges are shaded flat


def uv_box_project(mesh: trimesh.Trimesh, scale_m: float) -> tuple[trimesh.Trimesh, np.ndarray]:
    """Box-project texture coordinates in metres.

    mesh: (n, 3) vertices in metres (any frame: asset or world), CCW outward faces.
    scale_m: metres per texture repeat (> 0).
    Returns (split, uv): `split` has the same faces but vertices duplicated wherever a vertex is shared
    by faces projected along different axes (each face is projected along the axis its normal is
    closest to); uv is (len(split.vertices), 2) float64 = (in-plane coordinates in metres) / scale_m,
    oriented so the texture is not mirrored when the face is seen from outside (u to the viewer's
    right, v up; on horizontal faces u = +x, v = +y seen from above).
    """
    if not scale_m > 0:
        raise ConfigError(f"uv_box_project: scale_m must be > 0, got {scale_m}")
    v = np.asarray(mesh.vertices, dtype=np.float64)
    f = np.asarray(mesh.faces, dtype=np.int64)
    if len(f) == 0:
        return trimesh.Trimesh(v, f, process=False), np.zeros((len(v), 2))
    n = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    axis = np.argmax(np.abs(n), axis=1)                        # (m,) 0 = x, 1 = y, 2 = z
    sign = np.where(n[np.arange(len(f)), axis] >= 0, 1, -1)    # (m,)
    group = axis * 2 + (sign > 0)                              # (m,) six projection planes
    new_v, new_f, src, grp = _split_by_group(v, f, group)
    uv = _project(new_v, grp) / float(scale_m)
    return trimesh.Trimesh(new_v, new_f, process=False), uv


def _split_by_group(v: np.ndarray, f: np.ndarray, group: np.ndarray):
    """Duplicate vertices per (vertex, face group). Returns vertices, faces, source index, group per vertex."""
    key = f * 6 + group[:, None]                              # (m, 3)
    uniq, inverse = np.unique(key.ravel(), return_inverse=True)
    src = uniq // 6
    return v[src], inverse.reshape(f.shape).astype(np.int64), src, uniq % 6


def _project(v: np.ndarray, grp: np.ndarray) -> np.ndarray:
    """(n, 3) points and (n,) group (axis * 2 + positive) -> (n, 2) in-plane metres, unmirrored."""
    x, y, z = v[:, 0], v[:, 1], v[:, 2]
    u = np.select([grp == 1, grp == 0, grp == 3, grp == 2, grp == 5, grp == 4], [y, -y, -x, x, x, -x])
    w = np.select([grp < 4, grp == 5, grp == 4], [z, y, y])
    return np.column_stack([u, w])


def _orient_patches(split: trimesh.Trimesh, uv: np.ndarray, axis: int) -> np.ndarray:
    """Rotate uv by 90 degrees ((u, v) -> (-v, u), no mirroring) on every connected patch of `split`
    (patches share no vertices: one smooth surface piece in one projection plane) whose uv extent along
    `axis` is shorter than across it. Returns a new (n, 2) array."""
    faces = np.asarray(split.faces)
    labels = trimesh.graph.connected_component_labels(split.face_adjacency, node_count=len(faces))
    vlab = np.full(len(uv), -1, dtype=np.int64)
    vlab[faces.ravel()] = np.repeat(labels, 3)
    out = uv.copy()
    n_lab = int(labels.max()) + 1 if len(labels) else 0
    lo = np.full((n_lab, 2), np.inf)
    hi = np.full((n_lab, 2), -np.inf)
    used = vlab >= 0
    np.minimum.at(lo, vlab[used], uv[used])
    np.maximum.at(hi, vlab[used], uv[used])
    span = hi - lo
    turn = span[:, axis] < span[:, 1 - axis] - 1e-9
    sel = used & turn[np.maximum(vlab, 0)]
    out[sel] = np.column_stack([-uv[sel, 1], uv[sel, 0]])
    return out


@lru_cache(maxsize=256)
def texture_image(kind: str, color: str, variant: int, size_px: int = TEXTURE_SIZE_PX):
    """The cached PIL RGB image of (kind, palette colour, variant); deterministic. Do not modify it."""
    import zlib

    from PIL import Image

    from simgen.assets.textures import texture

    seq = np.random.SeedSequence([int(variant), zlib.crc32(kind.encode()), zlib.crc32(color.encode())])
    return Image.fromarray(texture(kind, np.random.default_rng(seq), int(size_px), color=color), mode="RGB")


def with_texture_variant(material: Material, rng: np.random.Generator) -> Material:
    """A copy of `material` whose texture_params["variant"] is drawn from rng (unchanged if untextured)."""
    if material.texture is None:
        return material
    params = dict(material.texture_params)
    params["variant"] = int(rng.integers(TEXTURE_VARIANTS))
    return dataclasses.replace(material, texture_params=params)


def texture_scale_m(material: Material) -> float:
    """Metres per texture repeat of a textured material."""
    return float(material.texture_params.get("scale_m", TEXTURE_SCALE_M[material.texture]))


def textured_mesh(mesh: trimesh.Trimesh, material: Material, size_px: int = TEXTURE_SIZE_PX) -> trimesh.Trimesh:
    """Render copy of `mesh` carrying box-projected uv and the material's texture image.

    Returns `mesh` itself when material.texture is None. Otherwise a new Trimesh (same frame, same
    surface; faces may be reordered) with vertices split at projection seams and sharp edges, smooth vertex
    normals per patch, and `visual = TextureVisuals(uv, image)`, which simgen.render uses as the sRGB
    base-colour texture in place of material.base_color (the image is tinted with the same palette
    colour, with mean linear reflectance ~ base_color).
    """
    if material.texture is None or len(mesh.faces) == 0:
        return mesh
    if material.texture not in TEXTURE_SCALE_M:
        raise ConfigError(f"unknown texture kind {material.texture!r}; allowed: {', '.join(TEXTURE_SCALE_M)}")
    variant = int(material.texture_params.get("variant", 0))
    image = texture_image(material.texture, material.color_name, variant % TEXTURE_VARIANTS, int(size_px))
    smooth = trimesh.graph.smooth_shade(mesh, angle=SMOOTH_ANGLE_RAD, facet_minarea=None)
    normals = np.asarray(smooth.vertex_normals, dtype=np.float64)
    v = np.asarray(smooth.vertices, dtype=np.float64)
    f = np.asarray(smooth.faces, dtype=np.int64)
    split, uv = uv_box_project(smooth, texture_scale_m(material))
    if material.texture in PATTERN_AXIS:
        uv = _orient_patches(split, uv, PATTERN_AXIS[material.texture])
    # source vertex of every split vertex: faces are unchanged in order, so corners map one to one
    src = np.empty(len(split.vertices), dtype=np.int64)
    src[np.asarray(split.faces).ravel()] = f.ravel()
    out = trimesh.Trimesh(vertices=v[src], faces=np.asarray(split.faces), vertex_normals=normals[src], process=False)
    out.visual = trimesh.visual.TextureVisuals(uv=uv, image=image)
    return out
