"""User mesh libraries: a folder of OBJ / GLB / GLTF / PLY files plus an `assets.toml` manifest.

    # DIR/assets.toml
    [defaults]                      # optional; any per-asset key may be given here
    scale = 1.0                     # file units -> metres (0.01 for centimetres)
    up = "+z"                       # the file's up axis: +x -x +y -y +z -z
    front = "+x"                    # the file's front axis (perpendicular to up)
    placement = "floor"             # floor | wall | surface | ceiling
    [[asset]]
    file = "chairs/red_chair.glb"   # relative to DIR; never outside it
    category = "chair"
    color = "red"                   # optional palette name (else the nearest to the mesh's colour)
    material = "wood"               # optional material kind (simgen.assets.materials)

Each mesh is converted into the asset frame (+Z up, front +X, base at z = 0, bounds centred on
x = y = 0) and wrapped as an `Asset` (generator "user", params = file, scale, axes, sha256).
A broken, empty or huge mesh is skipped with a logged warning naming the file and the reason, and
the skip is also returned in `UserLibrary.skipped`. A path outside DIR (absolute, `..`, or a symlink
that resolves outside) is never opened.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import trimesh

from simgen.assets.materials import MATERIAL_KINDS, material
from simgen.assets.model import PLACEMENTS, Asset, Part
from simgen.core.color import PALETTE_NAMES, palette_linear, srgb_to_linear
from simgen.core.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

log = logging.getLogger(__name__)

MESH_SUFFIXES = (".obj", ".glb", ".gltf", ".ply")
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_FACES = 500_000
MAX_EXTENT_M = 20.0
_ENTRY_KEYS = ("file", "category", "scale", "up", "front", "placement", "color", "material")
_AXES = {"+x": (1, 0, 0), "-x": (-1, 0, 0), "+y": (0, 1, 0), "-y": (0, -1, 0), "+z": (0, 0, 1), "-z": (0, 0, -1)}


@dataclass
class UserLibrary:
    """Loaded user assets by category. mode "mix": make() picks a user asset with probability
    user_fraction (else a procedural one); "replace": always a user asset when the category has one."""

    assets: dict[str, list[Asset]]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    mode: str = "mix"
    user_fraction: float = 0.5

    def categories(self) -> list[str]:
        return sorted(self.assets)

    def make(self, category: str, rng: np.random.Generator, params: dict | None = None) -> Asset:
        """`simgen.assets.make`-compatible: a user asset of `category`, or a procedural one."""
        from simgen.assets.registry import make as make_procedural

        pool = self.assets.get(category, [])
        if pool and params is None and (self.mode == "replace" or rng.random() < self.user_fraction):
            return pool[int(rng.integers(len(pool)))]
        return make_procedural(category, rng, params)


def _inside(root: Path, rel: str) -> Path | None:
    """root / rel if it stays inside root after resolving symlinks and '..', else None."""
    if not rel or Path(rel).is_absolute() or rel.startswith(("/", "\\")) or ":" in rel.split("/")[0]:
        return None
    if ".." in Path(rel).parts:
        return None
    p = (root / rel)
    try:
        rp = p.resolve(strict=False)
    except (OSError, RuntimeError):
        return None
    try:
        rp.relative_to(root)
    except ValueError:
        return None
    return rp


def _axis_rotation(up: str, front: str) -> np.ndarray:
    """(3, 3) rotation taking the file's `front` axis to +X and `up` axis to +Z."""
    if up not in _AXES or front not in _AXES:
        raise ConfigError(f"axes must be one of {', '.join(_AXES)}, got up={up!r} front={front!r}")
    u, f = np.array(_AXES[up], float), np.array(_AXES[front], float)
    if abs(np.dot(u, f)) > 0.5:
        raise ConfigError(f"up {up!r} and front {front!r} must be perpendicular")
    left = np.cross(u, f)
    src = np.stack([f, left, u])  # rows: file axes that become x, y, z
    return src


def _nearest_palette(rgb_lin: np.ndarray) -> str:
    names = list(PALETTE_NAMES)
    pal = np.array([palette_linear(n) for n in names]) ** (1 / 2.2)
    return names[int(np.argmin(((pal - rgb_lin ** (1 / 2.2)) ** 2).sum(axis=1)))]


def _load_mesh(path: Path) -> trimesh.Trimesh:
    """Load and validate one mesh file; raises ValueError with the reason."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"file is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB limit")
    if size == 0:
        raise ValueError("file is empty")
    try:
        loaded = trimesh.load(str(path), force="mesh", process=True)
    except Exception as e:  # trimesh raises many types on garbage input
        raise ValueError(f"cannot parse mesh: {type(e).__name__}: {e}") from None
    if not isinstance(loaded, trimesh.Trimesh):
        raise ValueError(f"no triangle mesh in file (got {type(loaded).__name__})")
    if len(loaded.faces) == 0 or len(loaded.vertices) < 3:
        raise ValueError("mesh has no faces")
    if len(loaded.faces) > MAX_FACES:
        raise ValueError(f"mesh has {len(loaded.faces)} faces, over the {MAX_FACES} limit")
    if not np.all(np.isfinite(loaded.vertices)):
        raise ValueError("mesh has non-finite vertices")
    return loaded


def _grid_hulls(mesh: trimesh.Trimesh, cells: int = 3) -> list[trimesh.Trimesh]:
    """Approximate convex decomposition: hull the triangles grouped by a cells^3 grid over their centroids."""
    c = mesh.triangles_center
    lo, hi = mesh.bounds
    idx = np.clip(((c - lo) / np.maximum(hi - lo, 1e-9) * cells).astype(int), 0, cells - 1)
    key = idx[:, 0] * cells * cells + idx[:, 1] * cells + idx[:, 2]
    pieces = []
    for k in np.unique(key):
        pts = mesh.triangles[key == k].reshape(-1, 3)
        try:
            h = trimesh.convex.convex_hull(pts)
            if h.volume > 1e-9:
                pieces.append(h)
        except Exception:  # degenerate (flat) group: fall through to the global hull
            continue
    return pieces or [mesh.convex_hull]


def _to_asset(entry: dict, path: Path, rel: str) -> Asset:
    mesh = _load_mesh(path)
    rot = _axis_rotation(entry["up"], entry["front"])
    scale = float(entry["scale"])
    if not (scale > 0 and np.isfinite(scale)):
        raise ValueError(f"scale must be a positive number, got {entry['scale']!r}")
    v = (np.asarray(mesh.vertices) * scale) @ rot.T
    lo, hi = v.min(axis=0), v.max(axis=0)
    ext = hi - lo
    if np.any(ext > MAX_EXTENT_M):
        raise ValueError(f"mesh is {ext.round(2).tolist()} m after scaling, over {MAX_EXTENT_M} m (wrong scale?)")
    if np.all(ext < 1e-4):
        raise ValueError("mesh is degenerate (all extents below 0.1 mm)")
    v = v - [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]]
    out = trimesh.Trimesh(v, mesh.faces, process=False)
    try:  # keep the file's texture/colours for the renderer
        out.visual = mesh.visual.copy()
    except Exception:
        pass
    color = entry.get("color")
    if color is None:
        try:
            fc = np.asarray(mesh.visual.to_color().face_colors, dtype=float)[:, :3].mean(axis=0) / 255.0
            color = _nearest_palette(srgb_to_linear(fc))
        except Exception:
            color = "gray"
    kind = entry.get("material", "plastic")
    mat = material(kind, color)
    if _has_own_texture(out):  # the file's own image wins over a procedural texture
        mat = replace(mat, texture=None)
    coll = tuple(_grid_hulls(out))
    vol = out.volume if out.is_watertight else sum(c.volume for c in coll)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    params = {"file": rel, "scale": round(scale, 6), "up": entry["up"], "front": entry["front"], "sha256": sha}
    return Asset(category=entry["category"], generator="user", version=1, params=params,
                 parts=(Part("mesh", out, mat),), collision=coll, placement=entry["placement"], supports=(),
                 color=color, material=mat.name, mass_kg=round(float(abs(vol) * mat.density_kg_m3), 4),
                 extents_m=tuple(round(float(e), 6) for e in ext), watertight=bool(out.is_watertight))


def _has_own_texture(mesh: trimesh.Trimesh) -> bool:
    visual = mesh.visual
    if getattr(visual, "kind", None) != "texture" or getattr(visual, "uv", None) is None or len(visual.uv) == 0:
        return False
    mat = getattr(visual, "material", None)
    return getattr(mat, "baseColorTexture", None) is not None or getattr(mat, "image", None) is not None


def load_library(directory, mode: str = "mix", user_fraction: float = 0.5) -> UserLibrary:
    """Read DIR/assets.toml and every mesh it lists. Manifest errors raise ConfigError; bad meshes are skipped."""
    root = Path(directory).resolve()
    manifest = root / "assets.toml"
    if not manifest.is_file():
        raise ConfigError(f"user asset library {root} has no assets.toml")
    try:
        doc = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{manifest}: invalid TOML: {e}") from None
    bad = [k for k in doc if k not in ("defaults", "asset")]
    if bad:
        raise ConfigError(f"{manifest}: unknown key {bad[0]!r}; allowed keys: defaults, asset")
    defaults = {"scale": 1.0, "up": "+z", "front": "+x", "placement": "floor"}
    defaults.update(doc.get("defaults", {}))
    lib = UserLibrary(assets={}, mode=mode, user_fraction=user_fraction)
    for i, raw in enumerate(doc.get("asset", [])):
        unknown = [k for k in {**defaults, **raw} if k not in _ENTRY_KEYS]
        if unknown:
            raise ConfigError(f"{manifest}: asset #{i}: unknown key {unknown[0]!r}; allowed keys: {', '.join(_ENTRY_KEYS)}")
        entry = {**defaults, **raw}
        for k in ("file", "category"):
            if k not in entry:
                raise ConfigError(f"{manifest}: asset #{i} needs {k!r}")
        if entry["placement"] not in PLACEMENTS:
            raise ConfigError(f"{manifest}: asset #{i}: placement must be one of {', '.join(PLACEMENTS)}, got {entry['placement']!r}")
        if entry.get("color") is not None and entry["color"] not in PALETTE_NAMES:
            raise ConfigError(f"{manifest}: asset #{i}: colour {entry['color']!r} not in {', '.join(PALETTE_NAMES)}")
        if entry.get("material") is not None and entry["material"] not in MATERIAL_KINDS:
            raise ConfigError(f"{manifest}: asset #{i}: material {entry['material']!r} not in {', '.join(MATERIAL_KINDS)}")
        rel = str(entry["file"])
        path = _inside(root, rel)
        reason = None
        if path is None:
            reason = "path is outside the library folder (absolute, '..' or a symlink escaping it); not read"
        elif path.suffix.lower() not in MESH_SUFFIXES:
            reason = f"unsupported file type {path.suffix!r}; allowed: {', '.join(MESH_SUFFIXES)}"
        elif not path.is_file():
            reason = "file not found"
        else:
            try:
                asset = _to_asset(entry, path, rel)
                lib.assets.setdefault(asset.category, []).append(asset)
            except (ValueError, ConfigError) as e:
                reason = str(e)
        if reason:
            log.warning("user asset %s skipped: %s", rel, reason)
            lib.skipped.append((rel, reason))
    return lib


def load_user_library(directory) -> list[Asset]:
    """Every valid asset of the user library in DIR (see load_library for the UserLibrary object)."""
    lib = load_library(directory)
    return [a for c in lib.categories() for a in lib.assets[c]]
