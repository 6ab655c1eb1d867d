"""Plain data the renderer consumes and returns. No GL here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import trimesh

from simgen.core.types import Material

MAX_INSTANCE_ID = 65535
OUTPUT_NAMES = ("rgb", "depth", "instance")


@dataclass(frozen=True, eq=False)
class RenderItem:
    """One renderable entity (object part set or structure element).

    instance_id: 1..65535, written into the instance buffer (several items may share an id, e.g. the
        parts of one object).
    mesh: geometry in the item's local frame, metres. Faces wind counter-clockwise seen from outside
        (back faces are culled in every pass). A `trimesh.visual.TextureVisuals` with uv and a PIL
        image is used as the sRGB-encoded base-colour texture; it then REPLACES material.base_color
        (the texture is taken to carry the colour already).
    material: base_color is linear RGB; roughness and metallic as in glTF.
    pose: (4, 4) float world_from_local, world +Z up.
    static: static items are merged per material at load (fast); set_pose on a static item turns it
        dynamic (one batch rebuild), dynamic items are separate nodes whose pose is cheap to change.
    """

    instance_id: int
    name: str
    mesh: trimesh.Trimesh
    material: Material
    pose: np.ndarray
    static: bool = True

    def __post_init__(self):
        if not (1 <= int(self.instance_id) <= MAX_INSTANCE_ID):
            raise ValueError(f"instance_id must be in 1..{MAX_INSTANCE_ID}, got {self.instance_id} ({self.name})")
        pose = np.asarray(self.pose, dtype=np.float64)
        if pose.shape != (4, 4):
            raise ValueError(f"pose of {self.name!r} must be (4, 4), got {pose.shape}")


@dataclass(frozen=True)
class Light:
    """A light in world coordinates (+Z up). Units follow pyrender's shader:

    - directional: `intensity` is irradiance E on a surface facing the light (lux-like); a Lambertian
      surface of albedo a then has radiance 0.9216 * a * E * cos(theta) / pi in rgb_linear
      (pyrender scales the diffuse colour by 0.96 and by (1 - F) ~ 0.96; a dielectric specular lobe
      with F0 = 0.04, independent of albedo, is added on top). Checked in tests/render.
    - point / spot: `intensity` is radiant intensity I (candela-like): E = I * cos(theta) / d^2.
    - spot: full intensity inside inner_cone_rad, smooth fall-off to zero at outer_cone_rad.
    `color` is linear RGB and multiplies `intensity`. `direction` is where the light travels
    (need not be normalised); `position` is ignored for directional lights.
    """

    kind: Literal["point", "directional", "spot"]
    position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    direction: tuple[float, float, float] = (0.0, 0.0, -1.0)
    color: tuple[float, float, float] = (1.0, 1.0, 1.0)
    intensity: float = 1.0
    inner_cone_rad: float = 0.0
    outer_cone_rad: float = np.pi / 4.0

    def __post_init__(self):
        if self.kind not in ("point", "directional", "spot"):
            raise ValueError(f"Light.kind must be point, directional or spot, got {self.kind!r}")
        if self.kind != "point" and np.linalg.norm(self.direction) < 1e-12:
            raise ValueError(f"{self.kind} light needs a non-zero direction, got {self.direction}")


@dataclass(frozen=True)
class FrameBuffers:
    """What one render returns (None for outputs not requested).

    rgb_linear: (H, W, 3) float32 linear radiance; not gamma encoded, not clamped (values > 1 kept).
    depth_m: (H, W) float32 z-depth along the optical axis in metres, 0 where there is no surface.
    instance: (H, W) uint16 RenderItem.instance_id of the visible surface, 0 where nothing.
    Row 0 is the top of the image (OpenCV), pixel (u, v) covers [u, u+1) x [v, v+1) in K's coordinates.
    """

    rgb_linear: np.ndarray | None
    depth_m: np.ndarray | None
    instance: np.ndarray | None
