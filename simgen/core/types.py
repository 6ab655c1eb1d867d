"""Plain data shared by several stages. No stage logic, no GL, no physics."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Material:
    """A PBR material of one part.

    base_color: linear RGB in [0, 1]; color_name: palette name used by QA; name: material kind
    ("wood", "fabric", "metal", "plastic", "ceramic", "glass", "paint", "stone", "paper", ...).
    texture: optional procedural texture kind ("wood_grain", "fabric", "tiles", ...) or None.
    """

    name: str
    color_name: str
    base_color: tuple[float, float, float]
    roughness: float = 0.6
    metallic: float = 0.0
    density_kg_m3: float = 600.0
    texture: str | None = None
    texture_params: dict = field(default_factory=dict)
