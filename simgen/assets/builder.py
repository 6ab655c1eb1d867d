"""Builder: what a generator body uses to compose parts, collision pieces and support surfaces.

A generator body `fn(p, b)` reads params `p` (attribute access to the params dict) and calls
`b.add(part_name, meshes, material)` and `b.surface(...)`. `b.rng` is a generator seeded from
`p.detail_seed`, so small details vary per variant while the params still fully determine the mesh.
`b.finish()` recentres the bounds (base at z = 0, footprint centred on x = y = 0), computes
extents, mass and the dominant colour/material, and returns the frozen Asset.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import replace

import numpy as np
import trimesh

from simgen.assets.model import Asset, Part, SupportSurface
from simgen.assets.primitives import _signed_volume, concat, hull
from simgen.assets.specs import CategorySpec
from simgen.core.errors import SimgenError
from simgen.core.types import Material


class P(dict):
    """Params dict with attribute access (`p.seat_height_m`)."""

    def __getattr__(self, k):
        try:
            return self[k]
        except KeyError:
            raise AttributeError(f"asset params have no {k!r}; have: {', '.join(sorted(self))}") from None


def _area(m: trimesh.Trimesh) -> float:
    v, f = m.vertices, m.faces
    return float(0.5 * np.linalg.norm(np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]]), axis=1).sum())


def _texture_variants(materials: dict[str, Material], detail_seed: int) -> dict[str, Material]:
    """Give every textured material its texture image variant, one per (texture, colour) in this asset
    (all wooden parts of one table share one grain image), drawn from a stream of the params'
    detail_seed that no generator body reads (so geometry does not change with texturing)."""
    from simgen.assets.texturing import TEXTURE_VARIANTS

    keys = sorted({(m.texture, m.color_name) for m in materials.values() if m.texture is not None})
    if not keys:
        return materials
    rng = np.random.default_rng(np.random.SeedSequence(detail_seed, spawn_key=(zlib.crc32(b"texture"),)))
    variant = {k: int(rng.integers(TEXTURE_VARIANTS)) for k in keys}
    out = {}
    for name, m in materials.items():
        if m.texture is not None and "variant" not in m.texture_params:
            m = replace(m, texture_params={**m.texture_params, "variant": variant[(m.texture, m.color_name)]})
        out[name] = m
    return out


class Builder:
    """Collects parts for one asset. See the module docstring."""

    def __init__(self, sp: CategorySpec, generator: str, version: int, params: dict):
        self.spec = sp
        self.generator = generator
        self.version = version
        self.params = params
        self.p = P(params)
        self.rng = np.random.default_rng(int(params.get("detail_seed", 0)))
        self._meshes: dict[str, list[trimesh.Trimesh]] = defaultdict(list)
        self._materials: dict[str, Material] = {}
        self._collision: list[trimesh.Trimesh] = []
        self._volume: dict[str, float] = defaultdict(float)
        self._supports: list[tuple] = []

    def add(self, name: str, meshes, mat: Material, collision="self") -> None:
        """Add closed meshes to part `name` (created on first use; one material per part).

        collision: "self" (each mesh is convex and is its own piece), "hull" (one hull of all the
        meshes), a list of convex meshes, or None (no collision: only for details within 1 cm of
        other pieces).
        """
        if isinstance(meshes, trimesh.Trimesh):
            meshes = [meshes]
        meshes = list(meshes)
        if name in self._materials and self._materials[name] != mat:
            raise SimgenError(f"{self.generator}: part {name!r} added twice with different materials")
        self._materials[name] = mat
        self._meshes[name].extend(meshes)
        for m in meshes:
            self._volume[name] += abs(_signed_volume(m.vertices, m.faces))
        if collision == "self":
            self._collision.extend(meshes)
        elif collision == "hull":
            self._collision.append(hull(np.vstack([m.vertices for m in meshes])))
        elif collision is not None:
            self._collision.extend(collision)

    def surface(self, name: str, height_m: float, polygon, clearance_m: float = float("inf"),
                capacity: int | None = None) -> None:
        """Declare a support surface at z = height_m over `polygon` (n, 2) (before recentring)."""
        self._supports.append((name, float(height_m), np.asarray(polygon, dtype=np.float64), float(clearance_m), capacity))

    def rect(self, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
        """CCW rectangle polygon (4, 2)."""
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)

    def _capacity(self, area_m2: float) -> int:
        per = float(self.spec.supports.get("capacity_per_m2", 10.0))
        cap = int(self.spec.supports.get("max_capacity", 12))
        return int(max(1, min(cap, np.floor(area_m2 * per))))

    def finish(self) -> Asset:
        names = list(self._meshes)
        if not names:
            raise SimgenError(f"{self.generator}: no parts")
        self._materials = _texture_variants(self._materials, int(self.params.get("detail_seed", 0)))
        merged = {n: concat(self._meshes[n]) for n in names}
        allv = np.vstack([m.vertices for m in merged.values()])
        lo, hi = allv.min(axis=0), allv.max(axis=0)
        shift = np.array([-(lo[0] + hi[0]) / 2.0, -(lo[1] + hi[1]) / 2.0, -lo[2]])
        parts = []
        for n in names:
            m = merged[n]
            parts.append(Part(n, trimesh.Trimesh(m.vertices + shift, m.faces, process=False), self._materials[n]))
        coll = tuple(trimesh.Trimesh(c.vertices + shift, c.faces, process=False) for c in self._collision)
        supports = []
        for name, h, poly, clr, cap in self._supports:
            poly = poly + shift[:2]
            x, y = poly[:, 0], poly[:, 1]
            area = 0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
            if area < 0:
                poly, area = poly[::-1], -area
            supports.append(SupportSurface(
                name=name, height_m=round(h + shift[2], 6),
                polygon=tuple((round(float(a), 6), round(float(b), 6)) for a, b in poly),
                clearance_m=clr if np.isinf(clr) else round(clr, 6),
                capacity=int(cap) if cap is not None else self._capacity(area)))
        # dominant colour / material: largest visible area
        area_by_color: dict[str, float] = defaultdict(float)
        area_by_mat: dict[str, float] = defaultdict(float)
        for part in parts:
            a = _area(part.mesh)
            area_by_color[part.material.color_name] += a
            area_by_mat[part.material.name] += a
        mass = sum(self._volume[n] * self._materials[n].density_kg_m3 for n in names)
        ext = hi - lo
        return Asset(
            category=self.spec.category, generator=self.generator, version=self.version, params=self.params,
            parts=tuple(parts), collision=coll, placement=self.spec.placement, supports=tuple(supports),
            color=max(area_by_color, key=area_by_color.get), material=max(area_by_mat, key=area_by_mat.get),
            mass_kg=round(float(mass), 4), extents_m=(round(float(ext[0]), 6), round(float(ext[1]), 6), round(float(ext[2]), 6)),
            watertight=self.spec.watertight)
