"""PBR material presets per material kind, coloured from the QA palette.

`material(kind, color_name)` returns a `simgen.core.types.Material` whose base colour is the palette's
linear RGB, slightly shaded per kind (wood darker and warmer, metal brighter), with roughness,
metallic, a density and the name of a procedural texture (`simgen.assets.textures.texture`).

Densities are effective densities of the part as modelled (kg/m^3): solid wood and particle board
for boards, foam plus fabric for upholstered volumes, and hollow-body values for appliance shells
that are modelled as solid boxes (a 0.6 x 0.65 x 0.85 m washing machine box weighs ~70 kg, so its
"appliance" density is ~200 kg/m^3). Sources: wood and board densities from the Wood Handbook
(USDA FPL-GTR-190, ch. 5); steel 7850, aluminium 2700, glass 2500, ceramic/porcelain 2300-2400,
polypropylene 900-950 from common engineering tables; upholstery foam 25-50 kg/m^3 (CertiPUR-US).
"""

from __future__ import annotations

from simgen.core.color import PALETTE_NAMES, palette_linear
from simgen.core.errors import ConfigError
from simgen.core.types import Material

# kind -> (roughness, metallic, density_kg_m3, texture kind or None, brightness factor)
MATERIAL_KINDS: dict[str, tuple[float, float, float, str | None, float]] = {
    "wood": (0.55, 0.0, 650.0, "wood_grain", 1.0),
    "board": (0.5, 0.0, 700.0, None, 1.0),            # painted MDF / particle board
    "fabric": (0.9, 0.0, 60.0, "fabric", 1.0),        # upholstered (foam + fabric)
    "leather": (0.45, 0.0, 90.0, None, 0.9),
    "metal": (0.35, 1.0, 7850.0, None, 1.0),
    "metal_tube": (0.35, 1.0, 1200.0, None, 1.0),     # hollow steel tube modelled solid
    "aluminium": (0.3, 1.0, 2700.0, None, 1.0),
    "plastic": (0.45, 0.0, 950.0, None, 1.0),
    "ceramic": (0.15, 0.0, 2300.0, None, 1.0),
    "glass": (0.05, 0.0, 2500.0, None, 1.0),
    "stone": (0.3, 0.0, 2600.0, "marble", 1.0),
    "paper": (0.8, 0.0, 700.0, None, 1.0),
    "cardboard": (0.85, 0.0, 120.0, None, 1.0),      # closed box modelled solid
    "appliance": (0.3, 0.2, 200.0, None, 1.0),       # enamelled steel shell, hollow
    "rubber": (0.8, 0.0, 1100.0, None, 1.0),
    "soil": (0.95, 0.0, 1200.0, None, 1.0),
    "foliage": (0.7, 0.0, 300.0, None, 1.0),
    "mattress": (0.85, 0.0, 120.0, "fabric", 1.0),
    "carpet": (0.95, 0.0, 400.0, "carpet", 1.0),
    "screen": (0.08, 0.0, 500.0, None, 1.0),         # display panel (hollow)
    "porcelain": (0.12, 0.0, 600.0, None, 1.0),      # hollow sanitary ware modelled solid
}


def material(kind: str, color_name: str, density_kg_m3: float | None = None, roughness: float | None = None,
             metallic: float | None = None, shade: float = 1.0) -> Material:
    """A Material of `kind` in palette colour `color_name`. `shade` scales the base colour (<1 darker)."""
    if kind not in MATERIAL_KINDS:
        raise ConfigError(f"unknown material {kind!r}; allowed: {', '.join(MATERIAL_KINDS)}")
    if color_name not in PALETTE_NAMES:
        raise ConfigError(f"unknown colour {color_name!r}; allowed: {', '.join(PALETTE_NAMES)}")
    r, m, d, tex, bright = MATERIAL_KINDS[kind]
    base = tuple(float(min(1.0, c * bright * shade)) for c in palette_linear(color_name))
    return Material(
        name=kind if kind not in ("metal_tube", "board", "appliance", "mattress", "porcelain", "screen") else
        {"metal_tube": "metal", "board": "wood", "appliance": "metal", "mattress": "fabric",
         "porcelain": "ceramic", "screen": "glass"}[kind],
        color_name=color_name,
        base_color=base,  # type: ignore[arg-type]
        roughness=float(r if roughness is None else roughness),
        metallic=float(m if metallic is None else metallic),
        density_kg_m3=float(d if density_kg_m3 is None else density_kg_m3),
        texture=tex,
    )


def material_name(kind: str) -> str:
    """The user-facing material word of a kind ("board" -> "wood", "appliance" -> "metal")."""
    return material(kind, "gray").name
