"""Texture mapping: box-projected uv in metres (known spans), unmirrored winding, render copies that keep
the surface, deterministic images, textures that keep the palette colour, and a textured render that
differs from an untextured one while depth and instance ids stay identical."""

import dataclasses

import numpy as np
import pytest
import trimesh

from simgen.assets import make
from simgen.assets import primitives as pr
from simgen.assets.materials import material
from simgen.assets.registry import clear_cache
from simgen.assets.textures import TEXTURE_KINDS, texture
from simgen.assets.texturing import (TEXTURE_SCALE_M, TEXTURE_VARIANTS, texture_image, textured_mesh, uv_box_project,
                                     with_texture_variant)
from simgen.core.color import palette_linear, srgb_to_linear
from simgen.core.errors import ConfigError


def _face_groups(mesh):
    """Per face: (axis, sign) of its dominant normal component."""
    n = mesh.face_normals
    axis = np.argmax(np.abs(n), axis=1)
    return axis, np.sign(n[np.arange(len(n)), axis])


def test_box_faces_span_their_size_in_metres_over_scale():
    # a 2.0 x 1.0 x 0.5 m box, texture tile 0.25 m: every face spans (its side lengths) / 0.25 in uv
    box = pr.box([2.0, 1.0, 0.5])
    split, uv = uv_box_project(box, 0.25)
    assert uv.shape == (len(split.vertices), 2)
    np.testing.assert_allclose(split.vertices[split.faces], box.vertices[box.faces])  # same surface
    axis, _ = _face_groups(split)
    expected = {0: (1.0, 0.5), 1: (2.0, 0.5), 2: (2.0, 1.0)}  # in-plane sizes per normal axis
    for a, (su, sv) in expected.items():
        # each of the two faces along this axis: collect its 2 triangles (consecutive in _BOX_F)
        idx = np.where(axis == a)[0]
        for k in range(0, len(idx), 2):
            corners = split.faces[idx[k:k + 2]].ravel()
            span = uv[corners].max(axis=0) - uv[corners].min(axis=0)
            np.testing.assert_allclose(span, [su / 0.25, sv / 0.25], atol=1e-12)


def test_one_metre_is_one_over_scale_everywhere():
    # uv distance along a face equals metres / scale_m: 1 m on the floor with 1.2 m tiles = 0.8333 repeats
    slab = pr.box_between([0.0, 0.0, -0.1], [3.0, 2.0, 0.0])
    split, uv = uv_box_project(slab, TEXTURE_SCALE_M["tiles"])
    top = np.where(split.face_normals[:, 2] > 0.9)[0]
    v = split.vertices[split.faces[top]].reshape(-1, 3)
    t = uv[split.faces[top]].reshape(-1, 2)
    np.testing.assert_allclose(t, v[:, :2] / 1.2, atol=1e-12)  # seen from above: u = x, v = y
    assert (t[:, 0].max() - t[:, 0].min()) == pytest.approx(3.0 / 1.2)


def test_projection_is_not_mirrored():
    # seen from outside, uv triangles wind counter-clockwise like the faces do (no mirrored textures)
    for mesh in (pr.box([0.4, 0.7, 0.3]), pr.cylinder(0.2, 0.0, 0.5, 24), pr.sphere(0.3, n_lat=8, n_lon=12),
                 pr.superellipsoid([0.6, 0.4, 0.2])):
        split, uv = uv_box_project(mesh, 0.5)
        t = uv[split.faces]
        area2 = (t[:, 1, 0] - t[:, 0, 0]) * (t[:, 2, 1] - t[:, 0, 1]) - (t[:, 2, 0] - t[:, 0, 0]) * (t[:, 1, 1] - t[:, 0, 1])
        big = np.abs(area2) > 1e-9   # faces seen edge-on in their projection have ~0 uv area
        assert big.mean() > 0.5
        assert (area2[big] > 0).all()


def test_textured_mesh_keeps_surface_and_normals():
    m = make("dining_table", np.random.default_rng(0), {"material": "wood", "color": "brown"})
    for part in m.parts:
        rm = part.render_mesh()
        assert part.render_mesh() is rm                         # cached
        assert part.material.texture == "wood_grain"
        assert rm.visual.kind == "texture" and len(rm.visual.uv) == len(rm.vertices)
        assert rm.area == pytest.approx(part.mesh.area, rel=1e-9)
        np.testing.assert_allclose(rm.bounds, part.mesh.bounds, atol=1e-12)
        np.testing.assert_allclose(np.linalg.norm(rm.vertex_normals, axis=1), 1.0, atol=1e-6)
        # every uv edge is its 3-D edge projected onto the face's box plane, over the tile size:
        # never longer than the edge / scale, and exactly that for axis-aligned faces
        tri = rm.vertices[rm.faces]
        t = rm.visual.uv[rm.faces]
        e3 = np.linalg.norm(tri - np.roll(tri, 1, axis=1), axis=2) / TEXTURE_SCALE_M["wood_grain"]
        e2 = np.linalg.norm(t - np.roll(t, 1, axis=1), axis=2)
        assert (e2 <= e3 + 1e-9).all()
        aligned = np.abs(rm.face_normals).max(axis=1) > 1 - 1e-9
        assert aligned.any()
        np.testing.assert_allclose(e2[aligned], e3[aligned], atol=1e-9)
    # the geometric mesh is untouched (watertight, shared vertices) for physics and annotations
    assert all(p.mesh.is_watertight for p in m.parts)
    # every wooden part of one asset shares ONE image (one draw call in the renderer)
    assert len({id(p.render_mesh().visual.material.image) for p in m.parts}) == 1
    # untextured materials render their own mesh
    metal = make("bench", np.random.default_rng(0), {"material": "metal", "color": "black"})
    assert all(p.render_mesh() is p.mesh for p in metal.parts if p.material.texture is None)


def test_same_seed_same_texture_bytes():
    for kind in TEXTURE_KINDS:
        a = texture(kind, np.random.default_rng(7), 64, color="blue")
        assert np.array_equal(a, texture(kind, np.random.default_rng(7), 64, color="blue"))
        assert not np.array_equal(a, texture(kind, np.random.default_rng(8), 64, color="blue")) or kind == "painted_wall"
    m1 = make("sofa", np.random.default_rng(11))
    imgs1 = [np.asarray(p.render_mesh().visual.material.image).tobytes() for p in m1.parts if p.material.texture]
    variants1 = [p.material.texture_params for p in m1.parts]
    clear_cache()
    texture_image.cache_clear()
    m2 = make("sofa", np.random.default_rng(11))
    assert m2 is not m1
    assert [p.material.texture_params for p in m2.parts] == variants1
    assert imgs1 and [np.asarray(p.render_mesh().visual.material.image).tobytes() for p in m2.parts if p.material.texture] == imgs1


def test_variant_comes_from_the_rng():
    mat = material("wood", "brown")
    drawn = {with_texture_variant(mat, np.random.default_rng(s)).texture_params["variant"] for s in range(40)}
    assert drawn == set(range(TEXTURE_VARIANTS))
    assert with_texture_variant(material("metal", "gray"), np.random.default_rng(0)).texture_params == {}
    a = np.asarray(texture_image("wood_grain", "brown", 0))
    b = np.asarray(texture_image("wood_grain", "brown", 1))
    assert a.shape == (256, 256, 3) and not np.array_equal(a, b)


@pytest.mark.parametrize("kind", TEXTURE_KINDS)
def test_texture_mean_is_the_palette_colour(kind):
    # the QA colour name stays right: mean linear colour within 6 % of the palette colour
    for color in ("brown", "blue", "gray", "green"):
        img = texture(kind, np.random.default_rng(3), 128, color=color)
        mean = srgb_to_linear(img / 255.0).reshape(-1, 3).mean(axis=0)
        np.testing.assert_allclose(mean, palette_linear(color), rtol=0.06, atol=0.004)


@pytest.mark.parametrize("kind", TEXTURE_KINDS)
def test_textures_tile_without_seams(kind):
    # the jump across the wrap-around edge is no larger than the jumps between neighbouring columns
    # (rows) inside the image: a repeated texture shows no seam line (a non-integer ring count did)
    img = texture(kind, np.random.default_rng(5), 128, color="beige").astype(float)
    inner = np.abs(np.diff(img, axis=1)).mean(axis=(0, 2))
    assert np.abs(img[:, 0] - img[:, -1]).mean() <= inner.max() + 0.5
    inner_v = np.abs(np.diff(img, axis=0)).mean(axis=(1, 2))
    assert np.abs(img[0] - img[-1]).mean() <= inner_v.max() + 0.5


def test_bad_scale_and_kind():
    with pytest.raises(ConfigError, match="scale_m"):
        uv_box_project(pr.box([1, 1, 1]), 0.0)
    bad = dataclasses.replace(material("wood", "brown"), texture="plaid")
    with pytest.raises(ConfigError, match="unknown texture kind 'plaid'"):
        textured_mesh(pr.box([1, 1, 1]), bad)


def test_structure_slab_gets_parquet():
    # the call the pipeline makes for floors: a world-space slab with a textured Material
    from simgen.core.types import Material

    floor = Material(name="wood", color_name="brown", base_color=palette_linear("brown"), texture="parquet")
    floor = with_texture_variant(floor, np.random.default_rng(0))
    slab = trimesh.creation.box([4.0, 3.0, 0.1])
    tm = textured_mesh(slab, floor)
    top = tm.face_normals[:, 2] > 0.9
    uv = tm.visual.uv[tm.faces[top]].reshape(-1, 2)
    np.testing.assert_allclose(uv.max(axis=0) - uv.min(axis=0), [4.0 / 1.0, 3.0 / 1.0], atol=1e-9)


@pytest.mark.slow
def test_textured_render_differs_but_depth_and_ids_do_not():
    pytest.importorskip("pyrender")
    from simgen.core.transforms import intrinsics_from_hfov, look_at_cv
    from simgen.render import Light, Renderer, RenderItem

    wood = material("wood", "brown")
    box = pr.box([1.0, 1.0, 1.0], [0.0, 0.0, 0.5])
    K = intrinsics_from_hfov(96, 96, 50.0)
    cam = look_at_cv((2.2, 1.6, 1.8), (0.0, 0.0, 0.5))
    lights = [Light("directional", direction=(-1.0, -0.5, -1.0), intensity=3.0)]
    out = {}
    with Renderer(96, 96, ambient=(0.2, 0.2, 0.2)) as r:
        for name, mesh in (("flat", box), ("textured", textured_mesh(box, wood))):
            r.load([RenderItem(5, "box", mesh, wood, np.eye(4))], lights)
            out[name] = r.render(K, cam)
    flat, tex = out["flat"], out["textured"]
    assert np.array_equal(flat.instance, tex.instance)
    assert np.array_equal(flat.depth_m, tex.depth_m)
    on = flat.instance == 5
    assert on.mean() > 0.2
    level = flat.rgb_linear[on].mean()
    diff = np.abs(flat.rgb_linear[on] - tex.rgb_linear[on]).mean()
    assert diff > 0.02 * level          # measured 4 % for brown wood at 96 px (1 cm per pixel)
    # the grain varies across one face where the flat material is uniform (measured 3 % vs 0.05 %)
    face = on & (np.abs(flat.rgb_linear[..., 0] - np.median(flat.rgb_linear[on][:, 0])) < 1e-4)
    red = tex.rgb_linear[face][:, 0]
    assert face.sum() > 50 and red.std() > 0.015 * red.mean() > 10 * flat.rgb_linear[face][:, 0].std()
    # and the mean colour stays close to the untextured one (same palette name)
    assert tex.rgb_linear[on].mean(axis=0) == pytest.approx(flat.rgb_linear[on].mean(axis=0), rel=0.2)


def test_grain_follows_the_long_side_of_each_patch():
    # a 2.0 m (y) x 0.3 m (x) x 0.05 m board: wood fibres run along image v, so on every face the uv
    # extent along v covers the face's longer side (2.0 m on top, front and back; 0.3 m on the ends)
    board = pr.box([0.3, 2.0, 0.05])
    tm = textured_mesh(board, material("wood", "brown"))
    s = TEXTURE_SCALE_M["wood_grain"]
    for normal, long_m in (((0, 0, 1), 2.0), ((1, 0, 0), 2.0), ((0, 1, 0), 0.3)):
        faces = np.where(np.abs(tm.face_normals @ np.array(normal, float)) > 0.99)[0]
        uv = tm.visual.uv[tm.faces[faces].ravel()]
        span = uv.max(axis=0) - uv.min(axis=0)
        assert span[1] == pytest.approx(long_m / s) and span[1] >= span[0]
    # parquet planks run along image u: on a 5 x 3 m floor they follow the 5 m side, whichever axis it is
    floor = pr.box([3.0, 5.0, 0.1])
    pq = with_texture_variant(dataclasses.replace(material("wood", "brown"), texture="parquet"), np.random.default_rng(0))
    tf = textured_mesh(floor, pq)
    top = np.where(tf.face_normals[:, 2] > 0.99)[0]
    span = np.ptp(tf.visual.uv[tf.faces[top].ravel()], axis=0)
    np.testing.assert_allclose(span, [5.0 / TEXTURE_SCALE_M["parquet"], 3.0 / TEXTURE_SCALE_M["parquet"]])
