"""Synthetic scenes for the dynamics tests: one empty 6 x 4 m room, and helpers to add box objects."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import trimesh

from simgen.assets.model import Asset, Part
from simgen.core.types import Material
from simgen.scenes.model import PlacedObject, Room, Scene, Structure

MAT = Material(name="wood", color_name="brown", base_color=(0.3, 0.2, 0.1))


def box_asset(category: str, size, mass_kg: float) -> Asset:
    m = trimesh.creation.box(size)
    m.apply_translation([0.0, 0.0, size[2] / 2])
    return Asset(category=category, generator="test.box", version=1, params={}, parts=(Part("body", m, MAT),),
                 collision=(m,), placement="floor", supports=(), color="brown", material="wood",
                 mass_kg=float(mass_kg), extents_m=tuple(float(x) for x in size))


def place(scene: Scene, oid: int, name: str, asset: Asset, xyz, placement="floor", support=None) -> Scene:
    pose = np.eye(4)
    pose[:3, 3] = xyz
    o = PlacedObject(id=oid, name=name, asset=asset, pose=pose, room="room_0", placement=placement, support=support)
    return dataclasses.replace(scene, objects=tuple(scene.objects) + (o,))


@pytest.fixture
def empty_room() -> Scene:
    room = Room("room_0", "living_room", ((0.0, 0.0), (6.0, 0.0), (6.0, 4.0), (0.0, 4.0)), 2.6)
    floor = trimesh.creation.box([6.0, 4.0, 0.05])
    floor.apply_translation([3.0, 2.0, -0.025])
    walls = trimesh.creation.box([0.1, 0.1, 0.1])
    return Scene("test", 0, (room,), (), (Structure(1, "floor_room_0", "floor", floor, MAT, "room_0"),
                                         Structure(2, "walls", "wall", walls, MAT)), (), ())
