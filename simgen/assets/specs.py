"""Category spec files (`assets/<category>.toml`): where they live, how they parse, how params are drawn.

The folder is the checkout's top-level `assets/` when running from a source tree, else the copy
shipped in the wheel at `simgen/_presets/assets/` (see `simgen.core.presets.preset_dir`).

A spec (all sizes in metres; x = depth front-to-back, y = width left-to-right, z = height):

    category = "chair"                      # must equal the file name
    description = "..."
    placement = "floor"                     # floor | wall | surface | ceiling
    against_wall = false                    # a layout hint: back (-X side) goes to a wall
    front = "+x"                            # canonical front (always +x in simgen)
    room_types = ["dining_room", ...]
    watertight = true                       # every part mesh closed
    source = "..."                          # where the dimensions come from
    [size]      x_m = [lo, hi]  y_m = [..]  z_m = [..]   # bounds of the true extents
    [materials] wood = ["brown", "beige"]   # material kind -> palette colours of the dominant part
    [params]    seat_height_m = [0.43, 0.48]  style = ["a", "b"]   # drawn per variant
    [supports]  surfaces = ["top"]  capacity_per_m2 = 12.0  max_capacity = 8
    mount_height_m = [lo, hi]               # wall / ceiling (required) or wall-mountable floor/surface
    mount_ref = "bottom"                    #   categories: height above the floor of the object's
    mount_source = "..."                    #   bottom (asset z = 0) or centre; where the heights come from

`mount_height_range_m(category)` gives the layout the range of the object's BOTTOM above the floor.

[params] values: [lo, hi] floats -> uniform; [lo, hi] ints -> integer in [lo, hi]; a list of strings
or booleans -> uniform choice; {choice = [...], weights = [...]} -> weighted choice; a scalar -> constant.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from simgen.core.color import PALETTE_NAMES
from simgen.core.errors import ConfigError
from simgen.core.presets import preset_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOM_TYPES = ("bedroom", "living_room", "kitchen", "bathroom", "office", "dining_room", "hallway")
_TOP_KEYS = ("category", "description", "placement", "against_wall", "front", "room_types", "watertight",
             "source", "size", "materials", "params", "supports", "mount_height_m", "mount_ref", "mount_source")
MOUNT_REFS = ("bottom", "center")
MAX_MOUNT_HEIGHT_M = 5.0
_SIZE_KEYS = ("x_m", "y_m", "z_m")
_SUPPORT_KEYS = ("surfaces", "capacity_per_m2", "max_capacity")
_PARAM_TABLE_KEYS = ("choice", "weights")


@dataclass(frozen=True)
class CategorySpec:
    """One parsed `assets/<category>.toml`. size: axis -> (lo, hi) metres of the true extents."""

    category: str
    description: str
    placement: str
    against_wall: bool
    front: str
    room_types: tuple[str, ...]
    watertight: bool
    source: str
    size: dict
    materials: dict
    params: dict
    supports: dict = field(default_factory=dict)
    path: str = ""
    mount_height_m: tuple[float, float] | None = None   # metres above the floor of mount_ref, or None
    mount_ref: str = "bottom"                           # "bottom" (asset z = 0) or "center"
    mount_source: str = ""


def spec_dir() -> Path:
    """The folder holding the category spec TOMLs (checkout `assets/` first, else the wheel copy)."""
    return preset_dir("assets")


def spec_names() -> list[str]:
    d = spec_dir()
    return sorted(p.stem for p in d.glob("*.toml")) if d.is_dir() else []


def _unknown(where: str, keys, allowed) -> None:
    bad = [k for k in keys if k not in allowed]
    if bad:
        raise ConfigError(f"{where}: unknown key {bad[0]!r}; allowed keys: {', '.join(allowed)}")


def _range(where: str, v) -> tuple[float, float]:
    if not (isinstance(v, list) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v) and v[0] <= v[1]):
        raise ConfigError(f"{where} must be [low, high] numbers with low <= high, got {v!r}")
    return float(v[0]), float(v[1])


def parse_spec(text: str, where: str, expect_category: str | None = None) -> CategorySpec:
    """Parse and validate one spec's TOML text. ConfigError names the bad key and the allowed ones."""
    try:
        d = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{where}: invalid TOML: {e}") from None
    _unknown(where, d, _TOP_KEYS)
    for k in ("category", "placement", "size", "materials", "source", "room_types"):
        if k not in d:
            raise ConfigError(f"{where}: missing required key {k!r}")
    cat = d["category"]
    if expect_category is not None and cat != expect_category:
        raise ConfigError(f"{where}: category {cat!r} does not match the file name {expect_category!r}")
    if d["placement"] not in ("floor", "wall", "surface", "ceiling"):
        raise ConfigError(f"{where}: placement must be floor|wall|surface|ceiling, got {d['placement']!r}")
    if d.get("front", "+x") != "+x":
        raise ConfigError(f"{where}: front must be '+x' (the canonical front), got {d['front']!r}")
    _unknown(f"{where} [size]", d["size"], _SIZE_KEYS)
    size = {k: _range(f"{where} size.{k}", d["size"].get(k)) for k in _SIZE_KEYS}
    rooms = tuple(d["room_types"])
    _unknown(f"{where} room_types", rooms, ROOM_TYPES)
    mats = {}
    from simgen.assets.materials import MATERIAL_KINDS

    _unknown(f"{where} [materials]", d["materials"], tuple(MATERIAL_KINDS))
    for kind, colors in d["materials"].items():
        _unknown(f"{where} materials.{kind}", colors, PALETTE_NAMES)
        if not colors:
            raise ConfigError(f"{where}: materials.{kind} lists no colours")
        mats[kind] = tuple(colors)
    if not mats:
        raise ConfigError(f"{where}: [materials] is empty")
    params = dict(d.get("params", {}))
    for k, v in params.items():
        if isinstance(v, dict):
            _unknown(f"{where} params.{k}", v, _PARAM_TABLE_KEYS)
            if "choice" not in v or not v["choice"]:
                raise ConfigError(f"{where}: params.{k} needs a non-empty 'choice' list")
            if "weights" in v and len(v["weights"]) != len(v["choice"]):
                raise ConfigError(f"{where}: params.{k} weights and choice differ in length")
        elif isinstance(v, list) and not v:
            raise ConfigError(f"{where}: params.{k} is an empty list")
    sup = dict(d.get("supports", {}))
    _unknown(f"{where} [supports]", sup, _SUPPORT_KEYS)
    mount, ref, msrc = _mount(where, d)
    return CategorySpec(category=cat, description=d.get("description", ""), placement=d["placement"],
                        against_wall=bool(d.get("against_wall", False)), front="+x", room_types=rooms,
                        watertight=bool(d.get("watertight", True)), source=d["source"], size=size,
                        materials=mats, params=params, supports=sup, path=where,
                        mount_height_m=mount, mount_ref=ref, mount_source=msrc)


def _mount(where: str, d: dict) -> tuple[tuple[float, float] | None, str, str]:
    """Validate mount_height_m / mount_ref / mount_source: required for wall and ceiling placements."""
    ref = d.get("mount_ref", "bottom")
    if ref not in MOUNT_REFS:
        raise ConfigError(f"{where}: mount_ref must be one of {', '.join(MOUNT_REFS)}, got {ref!r}")
    if "mount_height_m" not in d:
        if d["placement"] in ("wall", "ceiling"):
            raise ConfigError(f"{where}: placement {d['placement']!r} needs mount_height_m = [low, high] (metres above the floor)")
        for k in ("mount_ref", "mount_source"):
            if k in d:
                raise ConfigError(f"{where}: {k} given without mount_height_m")
        return None, "bottom", ""
    lo, hi = _range(f"{where} mount_height_m", d["mount_height_m"])
    if not (0.0 <= lo and hi <= MAX_MOUNT_HEIGHT_M):
        raise ConfigError(f"{where}: mount_height_m must lie in [0, {MAX_MOUNT_HEIGHT_M}] m, got {[lo, hi]}")
    src = d.get("mount_source", "")
    if not (isinstance(src, str) and src.strip()):
        raise ConfigError(f"{where}: mount_height_m needs mount_source naming where the heights come from")
    return (lo, hi), ref, src


def mount_height_range_m(category: str, height_m: float | None = None) -> tuple[float, float] | None:
    """Range (low, high) in metres of the height above the floor of the object's BOTTOM (asset z = 0)
    when wall-mounted or hung, from assets/<category>.toml `mount_height_m`; None if the category
    has none (it stands on the floor or a surface).

    Specs whose mount_ref is "center" give the height of the object's centre; it is converted to the
    bottom with the object's height: `height_m` (its extents_m[2]) when given, else the middle of the
    spec's size.z_m range. The low end is clipped at 0. The caller still keeps the top under the
    ceiling (a range above room_height - height_m cannot be met in that room).
    """
    sp = load_spec(category)
    if sp.mount_height_m is None:
        return None
    lo, hi = sp.mount_height_m
    if sp.mount_ref == "center":
        h = float(height_m) if height_m is not None else 0.5 * (sp.size["z_m"][0] + sp.size["z_m"][1])
        if not (h >= 0.0 and math.isfinite(h)):
            raise ConfigError(f"mount_height_range_m: height_m must be a finite number >= 0, got {height_m!r}")
        lo, hi = lo - h / 2.0, hi - h / 2.0
    return round(max(0.0, lo), 6), round(max(0.0, hi), 6)


@lru_cache(maxsize=None)
def load_spec(category: str) -> CategorySpec:
    """The spec of `category` from the spec folder. ConfigError lists the known categories."""
    path = spec_dir() / f"{category}.toml"
    if not path.is_file():
        raise ConfigError(f"unknown asset category {category!r}; allowed: {', '.join(spec_names())}")
    return parse_spec(path.read_text(encoding="utf-8"), str(path), expect_category=category)


def _draw(v, rng: np.random.Generator):
    if isinstance(v, dict):
        choice = v["choice"]
        w = np.asarray(v.get("weights", [1.0] * len(choice)), dtype=np.float64)
        return choice[int(rng.choice(len(choice), p=w / w.sum()))]
    if isinstance(v, list):
        if len(v) == 2 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            if all(isinstance(x, int) for x in v):
                return int(rng.integers(v[0], v[1] + 1))
            return float(rng.uniform(v[0], v[1]))
        return v[int(rng.integers(len(v)))]
    return v


def sample_params(sp: CategorySpec, rng: np.random.Generator) -> dict:
    """Draw one variant's params: material, color, every [params] entry (file order), detail_seed."""
    kinds = list(sp.materials)
    kind = kinds[int(rng.integers(len(kinds)))]
    colors = sp.materials[kind]
    out = {"material": kind, "color": colors[int(rng.integers(len(colors)))]}
    for k, v in sp.params.items():
        out[k] = _draw(v, rng)
    out["detail_seed"] = int(rng.integers(0, 2**31 - 1))
    return out


def canonical_params(params: dict) -> dict:
    """Params made JSON-canonical: floats rounded to 1e-6, numpy scalars to Python, keys sorted."""
    def fix(v):
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if isinstance(v, (int, np.integer)):
            return int(v)
        if isinstance(v, (float, np.floating)):
            f = round(float(v), 6)
            if not math.isfinite(f):
                raise ConfigError(f"asset params must be finite, got {v!r}")
            return f + 0.0
        if isinstance(v, (list, tuple)):
            return [fix(x) for x in v]
        if isinstance(v, dict):
            return {str(k): fix(v[k]) for k in sorted(v)}
        if isinstance(v, str) or v is None:
            return v
        raise ConfigError(f"asset params must be JSON values, got {type(v).__name__}: {v!r}")
    return fix(dict(params))
