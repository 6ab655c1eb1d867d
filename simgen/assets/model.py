"""The asset data model: Part, SupportSurface, Asset (frozen; meshes in the asset frame, metres).

Asset frame: +Z up, base at z = 0, axis-aligned bounds centred on x = y = 0, canonical front along +X.
Meshes held here are shared through the generation cache: treat them as read-only (copy before
transforming).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import trimesh

from simgen.core.types import Material

PLACEMENTS = ("floor", "wall", "surface", "ceiling")


@dataclass(frozen=True)
class Part:
    """One named, single-material piece. mesh: asset frame, metres (watertight geometry, shared vertices:
    physics, annotations, hashing). `render_mesh()` is what the renderer should draw."""

    name: str
    mesh: trimesh.Trimesh
    material: Material
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def render_mesh(self) -> trimesh.Trimesh:
        """The mesh to render: for a textured material (material.texture set) a cached copy with
        box-projected uv in metres and the texture image (simgen.assets.texturing.textured_mesh),
        else `mesh` itself. Same asset frame and surface as `mesh`."""
        if "render" not in self._cache:
            from simgen.assets.texturing import textured_mesh

            self._cache["render"] = textured_mesh(self.mesh, self.material)
        return self._cache["render"]


@dataclass(frozen=True)
class SupportSurface:
    """A horizontal surface small objects may stand on.

    height_m: z of the surface in the asset frame; polygon: CCW (n, 2) xy vertices in the asset frame;
    clearance_m: free height above it (inf for an open top); capacity: how many small objects fit.
    """

    name: str
    height_m: float
    polygon: tuple[tuple[float, float], ...]
    clearance_m: float
    capacity: int

    @property
    def area_m2(self) -> float:
        p = np.asarray(self.polygon)
        x, y = p[:, 0], p[:, 1]
        return float(0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))

    def to_json(self) -> dict:
        return {"name": self.name, "height_m": self.height_m, "polygon": [list(p) for p in self.polygon],
                "clearance_m": None if np.isinf(self.clearance_m) else self.clearance_m, "capacity": self.capacity}


@dataclass(frozen=True)
class Asset:
    """A generated (or user-supplied) object in its own frame.

    params: JSON-serializable dict (floats rounded to 1e-6) that fully determines the meshes.
    collision: convex pieces (asset frame) for pybullet, within 1 cm of the visual surface.
    extents_m: (x, y, z) full sizes of the axis-aligned bounds; mass_kg: sum over parts of volume x density.
    watertight: whether every part mesh is closed (each primitive of a part is a closed shell).
    """

    category: str
    generator: str
    version: int
    params: dict
    parts: tuple[Part, ...]
    collision: tuple[trimesh.Trimesh, ...]
    placement: str
    supports: tuple[SupportSurface, ...]
    color: str
    material: str
    mass_kg: float
    extents_m: tuple[float, float, float]
    watertight: bool = True
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def mesh(self) -> trimesh.Trimesh:
        """All parts concatenated into one Trimesh (cached; read-only by convention)."""
        if "mesh" not in self._cache:
            from simgen.assets.primitives import concat

            self._cache["mesh"] = concat(p.mesh for p in self.parts)
        return self._cache["mesh"]

    def mesh_hash(self) -> str:
        """sha256 of the rounded vertices and faces of every part (determinism checks)."""
        h = hashlib.sha256()
        for p in self.parts:
            h.update(p.name.encode())
            h.update(np.round(np.asarray(p.mesh.vertices), 7).astype(np.float64).tobytes())
            h.update(np.asarray(p.mesh.faces, dtype=np.int64).tobytes())
        return h.hexdigest()

    def metadata(self) -> dict:
        """JSON-ready description (the `asset` block of scene.json plus sizes)."""
        return {"category": self.category, "generator": self.generator, "version": self.version,
                "params": self.params, "placement": self.placement, "color": self.color,
                "material": self.material, "mass_kg": self.mass_kg, "extents_m": list(self.extents_m),
                "supports": [s.to_json() for s in self.supports]}
