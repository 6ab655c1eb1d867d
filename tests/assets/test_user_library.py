"""User mesh libraries: conversion to the asset frame, and every way a file can be bad."""

import logging
import os

import pytest
import trimesh

from simgen.assets import load_user_library
from simgen.assets.user_library import MAX_FACES, UserLibrary, load_library
from simgen.core.errors import ConfigError


def _write(dir_, files: dict, manifest: str):
    for name, data in files.items():
        p = dir_ / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, trimesh.Trimesh):
            data.export(p)
        else:
            p.write_bytes(data)
    (dir_ / "assets.toml").write_text(manifest)


def test_box_in_centimetres_y_up_is_converted(tmp_path):
    # 100 x 50 x 20 cm box, y-up, front along +z in the file, offset from the origin
    box = trimesh.creation.box([100.0, 20.0, 50.0])
    box.apply_translation([300.0, 10.0, -40.0])
    _write(tmp_path, {"b.obj": box}, """
[defaults]
scale = 0.01
[[asset]]
file = "b.obj"
category = "crate"
up = "+y"
front = "+z"
material = "plastic"
color = "red"
""")
    (a,) = load_user_library(tmp_path)
    assert a.category == "crate" and a.generator == "user" and a.color == "red"
    # file z (50 cm, the front axis) -> asset x; file x (100 cm) -> asset y; file y (20 cm, up) -> asset z
    assert a.extents_m == pytest.approx((0.5, 1.0, 0.2), abs=1e-6)
    v = a.mesh().vertices
    assert v[:, 2].min() == pytest.approx(0.0, abs=1e-9)
    assert (v.min(axis=0)[:2] + v.max(axis=0)[:2]) == pytest.approx([0.0, 0.0], abs=1e-9)
    assert a.mass_kg == pytest.approx(0.5 * 1.0 * 0.2 * 950.0, rel=1e-6)  # plastic 950 kg/m3
    assert len(a.params["sha256"]) == 64


def test_bad_files_are_skipped_with_reasons(tmp_path, caplog):
    outside = tmp_path / "outside"
    outside.mkdir()
    trimesh.creation.box([1, 1, 1]).export(outside / "secret.obj")
    lib = tmp_path / "lib"
    lib.mkdir()
    os.symlink(outside / "secret.obj", lib / "link.obj")
    huge = trimesh.creation.icosphere(subdivisions=7)  # 327,680 faces
    huge = trimesh.util.concatenate([huge, huge.copy().apply_translation([3, 0, 0])])
    assert len(huge.faces) > MAX_FACES
    _write(lib, {"ok.ply": trimesh.creation.box([0.4, 0.4, 0.4]), "garbage.obj": b"\x00\xff garbage \x13" * 50,
                 "empty.obj": b"# nothing here\n", "huge.ply": huge, "giant.obj": trimesh.creation.box([100.0, 1, 1])}, """
[[asset]]
file = "ok.ply"
category = "box"
[[asset]]
file = "garbage.obj"
category = "box"
[[asset]]
file = "empty.obj"
category = "box"
[[asset]]
file = "huge.ply"
category = "box"
[[asset]]
file = "giant.obj"
category = "box"
[[asset]]
file = "../outside/secret.obj"
category = "box"
[[asset]]
file = "%s"
category = "box"
[[asset]]
file = "link.obj"
category = "box"
[[asset]]
file = "missing.glb"
category = "box"
""" % (outside / "secret.obj").as_posix())
    with caplog.at_level(logging.WARNING):
        lib_obj = load_library(lib)
    assert [a.extents_m for a in lib_obj.assets["box"]] == [pytest.approx((0.4, 0.4, 0.4))]
    reasons = dict(lib_obj.skipped)
    assert set(reasons) == {"garbage.obj", "empty.obj", "huge.ply", "giant.obj", "../outside/secret.obj",
                            (outside / "secret.obj").as_posix(), "link.obj", "missing.glb"}
    assert "faces" in reasons["huge.ply"] and "over" in reasons["giant.obj"]
    for k in ("../outside/secret.obj", (outside / "secret.obj").as_posix(), "link.obj"):
        assert "outside the library folder" in reasons[k]
    for name in reasons:  # never silent: each skip is logged with the file name
        assert any(name in r.getMessage() for r in caplog.records)


def test_manifest_errors_and_mixing(tmp_path, rng):
    _write(tmp_path, {"a.obj": trimesh.creation.box([0.5, 0.5, 0.9])}, '[[asset]]\nfile = "a.obj"\ncategory = "chair"\nsize = 3\n')
    with pytest.raises(ConfigError, match="unknown key 'size'"):
        load_library(tmp_path)
    (tmp_path / "assets.toml").write_text('[[asset]]\nfile = "a.obj"\ncategory = "chair"\n')
    lib = load_library(tmp_path, mode="replace")
    assert isinstance(lib, UserLibrary)
    assert all(lib.make("chair", rng).generator == "user" for _ in range(5))
    assert lib.make("sofa", rng).generator == "sofa"  # no user sofa: falls back to procedural
    mixed = load_library(tmp_path, mode="mix", user_fraction=0.5)
    kinds = {mixed.make("chair", rng).generator for _ in range(40)}
    assert kinds == {"user", "chair"}


def test_own_texture_wins_over_the_procedural_one(tmp_path):
    # a GLB with its own base-colour image keeps it: material "wood" gives no wood_grain on top of it
    import numpy as np
    from PIL import Image

    box = trimesh.creation.box([0.4, 0.4, 0.4])
    uv = (box.vertices[:, :2] + 0.2) / 0.4
    img = Image.fromarray(np.full((8, 8, 3), (10, 200, 30), dtype=np.uint8))
    box.visual = trimesh.visual.TextureVisuals(uv=uv, image=img)
    plain = trimesh.creation.box([0.4, 0.4, 0.4])
    _write(tmp_path, {"tex.glb": box, "plain.glb": plain}, """
[[asset]]
file = "tex.glb"
category = "crate"
material = "wood"
[[asset]]
file = "plain.glb"
category = "crate"
material = "wood"
color = "brown"
""")
    tex, flat = load_user_library(tmp_path)
    part = tex.parts[0]
    assert part.material.texture is None and part.render_mesh() is part.mesh
    assert np.asarray(part.mesh.visual.material.baseColorTexture).reshape(-1, 3)[0].tolist() == [10, 200, 30]
    # a file without an image gets the procedural wood grain, mapped in metres
    fp = flat.parts[0]
    assert fp.material.texture == "wood_grain" and fp.render_mesh().visual.kind == "texture"
