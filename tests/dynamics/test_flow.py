"""Flow of a moving object (known answer): a fronto-parallel patch 2 m ahead moving 0.1 m to the
right under a still camera moves 0.1 * f / 2 px; the background keeps zero flow."""

import numpy as np
import pytest

from simgen.dynamics.flow import flow_with_motion


def test_moving_patch_flow_known_answer():
    W, H, f = 64, 48, 50.0
    K = np.array([[f, 0, W / 2], [0, f, H / 2], [0, 0, 1.0]])
    cam = np.eye(4)                                   # OpenCV camera at the origin looking along +z
    depth = np.full((H, W), 5.0)
    inst = np.zeros((H, W), np.uint16)
    depth[10:20, 10:20] = 2.0
    inst[10:20, 10:20] = 7
    P0 = np.eye(4)
    P1 = np.eye(4)
    P1[0, 3] = 0.1
    fl = flow_with_motion(depth, inst, K, cam, cam, {7: P0}, {7: P1})
    assert np.allclose(fl[10:20, 10:20, 0], 0.1 * f / 2.0, atol=1e-4)
    assert np.allclose(fl[10:20, 10:20, 1], 0.0, atol=1e-4)
    assert np.abs(fl[30:, 30:]).max() == pytest.approx(0.0, abs=1e-4)
