import numpy as np

from simgen.core.rng import scene_seed, stage_rng
from simgen.core.transforms import (
    intrinsics_from_hfov,
    look_at_cv,
    opencv_to_opengl,
    opengl_to_opencv,
    project_points,
)


def test_opencv_opengl_round_trip(rng):
    for _ in range(20):
        from scipy.spatial.transform import Rotation

        T = np.eye(4)
        T[:3, :3] = Rotation.random(random_state=int(rng.integers(1 << 30))).as_matrix()
        T[:3, 3] = rng.normal(size=3)
        gl = opencv_to_opengl(T)
        assert np.allclose(opengl_to_opencv(gl), T)
        # OpenGL looks down its -z, OpenCV down its +z: the same world direction
        assert np.allclose(-gl[:3, 2], T[:3, 2])
        assert np.allclose(gl[:3, 1], -T[:3, 1])


def test_look_at_projects_target_to_principal_point():
    K = intrinsics_from_hfov(640, 480, 70.0)
    assert K[0, 2] == 320.0 and K[1, 2] == 240.0
    T = look_at_cv([1.0, 2.0, 1.6], [3.0, -1.0, 0.5])
    uv, z = project_points(K, T, np.array([[3.0, -1.0, 0.5]]))
    assert np.allclose(uv[0], [320.0, 240.0], atol=1e-9)
    assert z[0] > 0
    # no roll: the camera x axis is horizontal
    assert abs(T[2, 0]) < 1e-12
    # a point above the target projects above it (smaller v)
    uv2, _ = project_points(K, T, np.array([[3.0, -1.0, 0.9]]))
    assert uv2[0, 1] < 240.0


def test_intrinsics_focal_from_hfov():
    K = intrinsics_from_hfov(640, 480, 70.0)
    assert abs(K[0, 0] - 457.0) < 0.2  # DESIGN.md's reference camera: f_px = 457


def test_rng_streams_are_stable_and_independent():
    a = stage_rng(42, "layout").random(4)
    b = stage_rng(42, "layout").random(4)
    c = stage_rng(42, "camera").random(4)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    s = {scene_seed(7, i, k) for i in range(50) for k in range(3)}
    assert len(s) == 150
    assert scene_seed(7, 3) == scene_seed(7, 3, 0)
    # pinned value: a change of the derivation would silently change every dataset
    assert scene_seed(0, 0) == 2348584416494581515
    assert scene_seed(123, 4, 1) == 1632087255121305258
