"""Proxy objects the dynamics stage adds to a scene: a ball (category "ball") and a person-sized
capsule figure (category "person"). They are ordinary simgen Assets (asset frame: +Z up, base at
z = 0, centred on x = y = 0, front +X), so scene.json, scene.glb, the renderer and QA treat them like
any object; the simulator gives them exact primitive collision shapes (sphere, capsule)."""

from __future__ import annotations

import dataclasses

import numpy as np
import trimesh
from shapely.geometry import Point, Polygon
from shapely.ops import unary_union

from simgen.assets.model import Asset, Part
from simgen.core.color import palette_linear
from simgen.core.types import Material
from simgen.scenes.model import PlacedObject

BALL_COLORS = ("red", "blue", "yellow", "orange", "green")
PERSON_COLORS = ("blue", "red", "green", "purple", "gray")


def _volume_mass(mesh: trimesh.Trimesh, density: float) -> float:
    return float(abs(mesh.volume) * density)


def ball_asset(radius_m: float, mass_kg: float, color: str) -> Asset:
    """A rubber ball of `radius_m` and `mass_kg` (solid sphere, I = 2/5 m r^2 in the simulator)."""
    mesh = trimesh.creation.icosphere(subdivisions=3, radius=radius_m)
    mesh.apply_translation([0.0, 0.0, radius_m])
    mat = Material(name="rubber", color_name=color, base_color=palette_linear(color), roughness=0.5,
                   density_kg_m3=mass_kg / max(abs(mesh.volume), 1e-9))
    d = 2 * radius_m
    return Asset(category="ball", generator="dynamics.ball", version=1,
                 params={"radius_m": round(float(radius_m), 6), "mass_kg": round(float(mass_kg), 6)},
                 parts=(Part("ball", mesh, mat),), collision=(mesh,), placement="floor", supports=(),
                 color=color, material="rubber", mass_kg=float(mass_kg), extents_m=(d, d, d))


def person_asset(height_m: float, radius_m: float, color: str) -> Asset:
    """A capsule figure `height_m` tall (body capsule of radius_m, a head sphere on top), 70 kg."""
    head_r = 0.11
    body_h = height_m - 2 * head_r + 0.03                  # the head overlaps the body by 3 cm
    body = trimesh.creation.capsule(height=body_h - 2 * radius_m, radius=radius_m, count=[16, 16])
    body.apply_translation([0.0, 0.0, body_h / 2])
    head = trimesh.creation.icosphere(subdivisions=2, radius=head_r)
    head.apply_translation([0.0, 0.0, height_m - head_r])
    skin = Material(name="skin", color_name="beige", base_color=palette_linear("beige"), roughness=0.6,
                    density_kg_m3=1000.0)
    cloth = Material(name="fabric", color_name=color, base_color=palette_linear(color), roughness=0.9,
                     density_kg_m3=1000.0)
    w = 2 * radius_m
    return Asset(category="person", generator="dynamics.person", version=1,
                 params={"height_m": round(float(height_m), 6), "radius_m": round(float(radius_m), 6)},
                 parts=(Part("body", body, cloth), Part("head", head, skin)), collision=(body, head),
                 placement="floor", supports=(), color=color, material="fabric", mass_kg=70.0,
                 extents_m=(w, w, float(height_m)))


def floor_obstacles(scene, pad_m: float) -> dict[str, object]:
    """{room id: shapely geometry of the floor footprints of its floor objects, grown by pad_m}."""
    out: dict[str, list] = {r.id: [] for r in scene.rooms}
    for o in scene.objects:
        if o.placement != "floor":
            continue
        b = o.asset.mesh().bounds
        c = np.array([[x, y, 0.0] for x in b[:, 0] for y in b[:, 1]])
        w = c @ o.pose[:3, :3].T + o.pose[:3, 3]
        out.setdefault(o.room, []).append(Polygon(w[:, :2]).convex_hull.buffer(pad_m))
    return {rid: unary_union(g) if g else Polygon() for rid, g in out.items()}


def free_floor(scene, room, clearance_m: float):
    """Floor region of `room` whose points are >= clearance_m from walls and floor objects, and
    outside the swing of every door leaf (a disc of the door's width around its centre)."""
    obstacles = floor_obstacles(scene, clearance_m)[room.id]
    doors = [Point(*d.center).buffer(d.width_m + clearance_m) for d in scene.doors]
    return Polygon(room.polygon).buffer(-clearance_m).difference(unary_union([obstacles, *doors]))


def sample_point(region, rng: np.random.Generator, tries: int = 200) -> np.ndarray | None:
    """A uniformly drawn (2,) xy point inside a shapely region, or None."""
    if region.is_empty or region.area < 1e-4:
        return None
    x0, y0, x1, y1 = region.bounds
    for _ in range(tries):
        p = rng.uniform([x0, y0], [x1, y1])
        if region.contains(Point(float(p[0]), float(p[1]))):
            return p
    return None


def next_free_id(scene) -> int:
    ids = [s.id for s in scene.structures] + [o.id for o in scene.objects]
    return max(ids) + 1 if ids else 1


def add_proxy(scene, asset: Asset, xy, yaw_rad: float, room_id: str, name: str):
    """A copy of `scene` with one more floor object standing at xy. Returns (scene, the PlacedObject)."""
    pose = np.eye(4)
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)
    pose[:3, :3] = [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]
    pose[:3, 3] = [float(xy[0]), float(xy[1]), 0.0]
    obj = PlacedObject(id=next_free_id(scene), name=name, asset=asset, pose=pose, room=room_id,
                       placement="floor", support=None)
    return dataclasses.replace(scene, objects=tuple(scene.objects) + (obj,)), obj
