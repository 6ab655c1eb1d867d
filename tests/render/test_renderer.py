"""Known-answer tests of the EGL renderer: depth, projection, instance ids, linear radiance."""

from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh
from PIL import Image

from simgen.core.color import srgb_to_linear
from simgen.core.errors import RenderError
from simgen.core.transforms import (
    intrinsics_from_hfov,
    look_at_cv,
    make_pose,
    opencv_to_opengl,
    opengl_to_opencv,
    project_points,
    rot_z,
)
from simgen.core.types import Material
from simgen.render import FrameBuffers, Light, Renderer, RenderItem, check_egl

W, H = 320, 240
GRAY = Material("paint", "gray", (0.5, 0.5, 0.5), roughness=1.0, metallic=0.0)


@pytest.fixture(scope="module")
def renderer():
    with Renderer(W, H, ambient=(0.0, 0.0, 0.0)) as r:
        yield r


def cube_item(iid, center, size=1.0, yaw=0.0, static=True, material=GRAY, name="cube"):
    return RenderItem(iid, f"{name}_{iid}", trimesh.creation.box((size, size, size)), material,
                      make_pose(rot_z(yaw), center), static=static)


def plane_item(iid, albedo, center=(0.0, 0.0, 0.0), size=(4.0, 4.0)):
    """A thin slab whose top face (normal +z) lies at center[2]."""
    mesh = trimesh.creation.box((size[0], size[1], 0.01))
    mat = Material("paint", "gray", (albedo, albedo, albedo), roughness=1.0, metallic=0.0)
    return RenderItem(iid, "plane", mesh, mat, make_pose(np.eye(3), (center[0], center[1], center[2] - 0.005)))


def test_known_answer_cube_depth_area_and_ids(renderer):
    # camera at (0,0,1) looking along +x; cube centre 2.5 m ahead -> near face at exactly 2.000 m
    renderer.load([cube_item(7, (2.5, 0.0, 1.0))], [Light("directional", direction=(1, 0, 0), intensity=2.0)])
    K = intrinsics_from_hfov(W, H, 70.0)
    fb = renderer.render(K, look_at_cv((0.0, 0.0, 1.0), (1.0, 0.0, 1.0)))
    assert isinstance(fb, FrameBuffers)
    assert fb.depth_m.dtype == np.float32 and fb.depth_m.shape == (H, W)
    assert fb.instance.dtype == np.uint16 and fb.rgb_linear.dtype == np.float32
    assert abs(fb.depth_m[H // 2, W // 2] - 2.0) < 1e-3
    mask = fb.instance == 7
    assert set(np.unique(fb.instance)) == {0, 7}
    assert np.all(fb.depth_m[~mask] == 0.0) and np.all(fb.depth_m[mask] > 0)
    # only the near face is visible from on-axis: a square of side fx * 1 m / 2 m
    side_px = K[0, 0] * 1.0 / 2.0
    assert abs(mask.sum() / side_px**2 - 1.0) < 0.02
    # the whole visible face is at 2.000 m (z-depth, not ray length)
    assert np.abs(fb.depth_m[mask] - 2.0).max() < 1e-3


def test_projection_agrees_with_mask_extremes(renderer):
    cube = cube_item(3, (3.0, 0.4, 0.8), size=0.8, yaw=0.6)
    renderer.load([cube], [])
    K = np.array([[300.0, 0.0, 161.3], [0.0, 310.0, 118.8], [0.0, 0.0, 1.0]])  # off-centre principal point
    c2w = look_at_cv((0.2, -0.5, 1.6), (3.0, 0.4, 0.8))
    fb = renderer.render(K, c2w, outputs=("instance",))
    corners = trimesh.creation.box((0.8, 0.8, 0.8)).vertices @ rot_z(0.6).T + [3.0, 0.4, 0.8]
    uv, z = project_points(K, c2w, corners)
    assert np.all(z > 0)
    rows, cols = np.nonzero(fb.instance == 3)
    # pixel (u, v) covers [u, u+1): extreme drawn pixel centres lie within 1 px of the extreme corners
    assert abs(cols.min() + 0.5 - uv[:, 0].min()) < 1.0
    assert abs(cols.max() + 0.5 - uv[:, 0].max()) < 1.0
    assert abs(rows.min() + 0.5 - uv[:, 1].min()) < 1.0
    assert abs(rows.max() + 0.5 - uv[:, 1].max()) < 1.0


def test_half_pixel_convention_subpixel_edges(renderer):
    # Guards an off-by-half-pixel mapping of K: with face edges at fractional pixel positions, a pixel
    # is covered iff its centre (c + 0.5) lies inside the projected face.
    renderer.load([cube_item(5, (2.5, 0.0, 1.0))], [])
    K = np.array([[400.0, 0.0, 160.2], [0.0, 400.0, 120.7], [0.0, 0.0, 1.0]])
    fb = renderer.render(K, look_at_cv((0.0, 0.0, 1.0), (1.0, 0.0, 1.0)), outputs=("instance",))
    rows, cols = np.nonzero(fb.instance == 5)
    u0, u1 = K[0, 2] - 100.0, K[0, 2] + 100.0  # face half-size 0.5 m at 2 m, f = 400 px
    v0, v1 = K[1, 2] - 100.0, K[1, 2] + 100.0
    assert (cols.min(), cols.max()) == (math.ceil(u0 - 0.5), math.ceil(u1 - 0.5) - 1)
    assert (rows.min(), rows.max()) == (math.ceil(v0 - 0.5), math.ceil(v1 - 0.5) - 1)


def test_opencv_opengl_round_trip_and_look_at_orientation(renderer):
    c2w = look_at_cv((1.0, -2.0, 1.5), (0.3, 0.7, 0.4))
    np.testing.assert_allclose(opengl_to_opencv(opencv_to_opengl(c2w)), c2w, atol=1e-12)
    gl = opencv_to_opengl(c2w)
    np.testing.assert_allclose(-gl[:3, 2], c2w[:3, 2])  # GL looks down -z, CV down +z
    K = intrinsics_from_hfov(W, H, 60.0)
    uv, _ = project_points(K, c2w, np.array([[0.3, 0.7, 0.4]]))
    np.testing.assert_allclose(uv[0], [W / 2, H / 2], atol=1e-9)

    # rendered: a cube at the target is at the principal point, one above it is higher in the image,
    # one to the camera's right is further right (guards y flips and mirrored images)
    target = np.array([0.3, 0.7, 0.4])
    right = c2w[:3, 0]
    items = [cube_item(1, target, 0.1), cube_item(2, target + [0, 0, 0.5], 0.1), cube_item(3, target + 0.6 * right, 0.1)]
    renderer.load(items, [])
    inst = renderer.render(K, c2w, outputs=("instance",)).instance
    assert inst[H // 2, W // 2] == 1
    r1, c1 = np.argwhere(inst == 1).mean(axis=0)
    r2, c2 = np.argwhere(inst == 2).mean(axis=0)
    r3, c3 = np.argwhere(inst == 3).mean(axis=0)
    assert abs(c1 + 0.5 - W / 2) < 1.0 and abs(r1 + 0.5 - H / 2) < 1.0
    assert r2 < r1 - 10 and c3 > c1 + 10


def _centre_radiance(renderer, albedo, theta_rad, irradiance):
    light = Light("directional", direction=(math.sin(theta_rad), 0.0, -math.cos(theta_rad)), intensity=irradiance)
    renderer.load([plane_item(1, albedo)], [light])
    K = intrinsics_from_hfov(W, H, 40.0)
    fb = renderer.render(K, look_at_cv((0.0, 0.0, 2.0), (0.0, 0.0, 0.0), up=(0.0, 1.0, 0.0)), outputs=("rgb",))
    return fb.rgb_linear[H // 2 - 2:H // 2 + 3, W // 2 - 2:W // 2 + 3].reshape(-1, 3).mean(axis=0)


def test_linear_radiance_lambertian_ratios_and_headroom(renderer):
    # pyrender's BRDF = diffuse (1-F) * 0.96 a / pi + a dielectric specular lobe (F0 = 0.04) that does not
    # depend on albedo; the black-albedo render isolates the lobe, leaving the Lambertian part.
    E = 20.0
    diffuse = {}
    for theta in (0.0, math.radians(60.0)):
        black = _centre_radiance(renderer, 0.0, theta, E)
        for a in (0.2, 0.8):
            diffuse[(a, theta)] = _centre_radiance(renderer, a, theta, E) - black
    t60 = math.radians(60.0)
    base = diffuse[(0.8, 0.0)][0]
    assert abs(diffuse[(0.2, 0.0)][0] / base - 0.25) < 0.01 * 0.25
    assert abs(diffuse[(0.8, t60)][0] / base - 0.5) < 0.01 * 0.5
    assert abs(diffuse[(0.2, t60)][0] / base - 0.125) < 0.01 * 0.125
    # absolute scale documented in Light: 0.96 * 0.96 * a * E * cos(theta) / pi
    assert abs(base / (0.9216 * 0.8 * E / math.pi) - 1.0) < 0.01
    # not clamped, not gamma encoded: a bright light gives values well above 1
    assert _centre_radiance(renderer, 0.8, 0.0, E)[0] > 4.0


def test_texture_is_srgb_decoded(renderer):
    # a quad textured with sRGB 128 must shade like an untextured albedo of srgb_to_linear(128/255)
    quad = trimesh.Trimesh(vertices=[[-2, -2, 0], [2, -2, 0], [2, 2, 0], [-2, 2, 0]], faces=[[0, 1, 2], [0, 2, 3]])
    img = Image.new("RGB", (4, 4), (128, 128, 128))
    quad.visual = trimesh.visual.TextureVisuals(uv=[[0, 0], [1, 0], [1, 1], [0, 1]], image=img)
    light = Light("directional", direction=(0.0, 0.0, -1.0), intensity=10.0)
    K = intrinsics_from_hfov(W, H, 40.0)
    c2w = look_at_cv((0.0, 0.0, 2.0), (0.0, 0.0, 0.0), up=(0.0, 1.0, 0.0))
    renderer.load([RenderItem(1, "quad", quad, GRAY, np.eye(4))], [light])
    textured = renderer.render(K, c2w, outputs=("rgb",)).rgb_linear[H // 2, W // 2]
    a = float(srgb_to_linear(128 / 255))
    flat = _centre_radiance(renderer, a, 0.0, 10.0)
    np.testing.assert_allclose(textured, flat, rtol=0.01)


def test_instance_ids_exact_up_to_65535_static_and_dynamic(renderer):
    ids = [1, 255, 256, 257, 4097, 32768, 65534, 65535]
    items = [cube_item(iid, (3.0, -1.4 + 0.4 * k, 1.0), 0.3, static=(k % 2 == 0)) for k, iid in enumerate(ids)]
    renderer.load(items, [Light("point", position=(0.0, 0.0, 2.0), intensity=5.0)])
    K = intrinsics_from_hfov(W, H, 70.0)
    c2w = look_at_cv((0.0, 0.0, 1.0), (1.0, 0.0, 1.0))
    fb = renderer.render(K, c2w)
    assert set(np.unique(fb.instance)) == {0, *ids}
    for item in items:
        uv, _ = project_points(K, c2w, item.pose[None, :3, 3])
        u, v = np.floor(uv[0]).astype(int)
        assert fb.instance[v, u] == item.instance_id
    # the fast path gives identical depth and ids
    fast = renderer.render(K, c2w, outputs=("depth", "instance"))
    assert fast.rgb_linear is None
    np.testing.assert_array_equal(fast.instance, fb.instance)
    np.testing.assert_array_equal(fast.depth_m, fb.depth_m)


def test_set_pose_moves_static_and_dynamic_items(renderer):
    items = [cube_item(10, (3.0, 0.0, 1.0), 0.4), cube_item(11, (3.0, 1.0, 1.0), 0.4, static=False),
             cube_item(12, (3.0, -1.0, 1.0), 0.4)]
    renderer.load(items, [])
    K = intrinsics_from_hfov(W, H, 70.0)
    c2w = look_at_cv((0.0, 0.0, 1.0), (1.0, 0.0, 1.0))
    for iid, new_center in ((10, (3.0, 0.0, 1.6)), (11, (2.0, 0.5, 0.7))):
        renderer.set_pose(iid, make_pose(np.eye(3), new_center))
        fb = renderer.render(K, c2w, outputs=("depth", "instance"))
        uv, z = project_points(K, c2w, np.array([new_center]))
        u, v = np.floor(uv[0]).astype(int)
        assert fb.instance[v, u] == iid
        assert abs(fb.depth_m[v, u] - (z[0] - 0.2)) < 1e-3  # near face of a 0.4 m cube facing the camera
    assert (renderer.render(K, c2w, outputs=("instance",)).instance == 12).sum() > 100  # untouched item stays


def test_far_depth_precision(renderer):
    renderer.load([cube_item(1, (20.5, 0.0, 1.0), 1.0)], [])
    fb = renderer.render(intrinsics_from_hfov(W, H, 60.0), look_at_cv((0.0, 0.0, 1.0), (1.0, 0.0, 1.0)),
                         outputs=("depth",))
    assert abs(fb.depth_m[H // 2, W // 2] - 20.0) < 1e-3


def test_check_egl_reports_driver():
    info = check_egl()
    assert info["vendor"] and info["renderer"] and info["version"]


def test_check_egl_names_missing_libraries(monkeypatch):
    import ctypes.util

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    with pytest.raises(RenderError) as err:
        check_egl()
    msg = str(err.value)
    assert "libEGL.so.1" in msg and "libGL.so.1" in msg and "apt-get install libegl1 libgl1 libgbm1" in msg


def test_two_renderers_give_identical_bits(renderer):
    # Guards run-to-run drift: pyrender iterates lights and same-origin nodes in set order, which
    # changed the summation order (last bits of rgb) and the winner of coplanar overlaps between runs.
    items = [cube_item(1, (3.0, 0.0, 1.0)), cube_item(2, (3.0, 0.3, 1.0), material=Material("paint", "red", (0.6, 0.1, 0.1))),
             cube_item(3, (2.5, -1.0, 0.8), 0.5, static=False)]
    lights = [Light("point", position=(0.5, 0.5, 2.0), intensity=6.0), Light("point", position=(1.0, -1.0, 2.2), intensity=3.0),
              Light("directional", direction=(1.0, 0.2, -1.0), intensity=1.5),
              Light("spot", position=(0.0, 0.0, 2.0), direction=(1.0, 0.0, -0.3), intensity=9.0)]
    K = intrinsics_from_hfov(W, H, 70.0)
    c2w = look_at_cv((0.0, 0.2, 1.2), (3.0, 0.0, 1.0))
    renderer.load(items, lights)
    a = renderer.render(K, c2w)
    with Renderer(W, H, ambient=(0.0, 0.0, 0.0)) as other:
        other.load(items, lights)
        b = other.render(K, c2w)
    assert a.rgb_linear.max() > 0.05
    np.testing.assert_array_equal(a.rgb_linear, b.rgb_linear)
    np.testing.assert_array_equal(a.instance, b.instance)
    np.testing.assert_array_equal(a.depth_m, b.depth_m)


def test_empty_scene_and_bad_outputs(renderer):
    renderer.load([], [])
    fb = renderer.render(intrinsics_from_hfov(W, H, 60.0), np.eye(4))
    assert fb.instance.max() == 0 and fb.depth_m.max() == 0.0 and fb.rgb_linear.max() == 0.0
    with pytest.raises(ValueError):
        renderer.render(intrinsics_from_hfov(W, H, 60.0), np.eye(4), outputs=("normals",))


@pytest.mark.parametrize("n_lights", [3, 8])   # 8: the most the renderer accepts per kind
def test_light_and_uniform_caching_change_no_pixel(n_lights, monkeypatch):
    """The backend sets each program's light uniforms once per pass and caches uniform locations;
    pyrender's own per-primitive path must give the same bytes."""
    import pyrender
    from pyrender.shader_program import ShaderProgramCache

    from simgen.render import backend

    items = [cube_item(i + 1, (2.0 + 0.7 * i, 0.8 * (-1) ** i, 0.5), size=0.5, static=False,
                       material=Material("paint", "red" if i % 2 else "gray",
                                         (0.8, 0.2 * (i % 3), 0.3), roughness=0.6, metallic=0.0))
             for i in range(6)] + [plane_item(50, 0.6, size=(12.0, 12.0))]
    lights = [Light("point", position=(1.0 + i, (-1) ** i * 1.5, 2.5), intensity=3.0 + i) for i in range(n_lights)]
    lights.append(Light("directional", direction=(1, 0.2, -1), intensity=1.0))
    K = intrinsics_from_hfov(W, H, 70.0)
    pose = look_at_cv((0.0, 0.0, 1.4), (3.0, 0.0, 0.4))

    def frame():
        with Renderer(W, H) as r:
            r.load(items, lights)
            return r.render(K, pose)

    cached = frame()
    monkeypatch.setattr(backend.FloatRenderer, "_bind_lighting", pyrender.Renderer._bind_lighting)
    monkeypatch.setattr(backend, "_LocationCachingProgramCache", ShaderProgramCache)
    plain = frame()
    assert cached.rgb_linear.max() > 0.05
    assert cached.rgb_linear.tobytes() == plain.rgb_linear.tobytes()
    assert np.array_equal(cached.instance, plain.instance) and np.array_equal(cached.depth_m, plain.depth_m)
