import numpy as np
import pytest

from simgen.core.transforms import intrinsics_from_hfov


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def room_small():
    """A 320x240 frame of the synthetic box room: (K, rgb_linear, depth_m, instance)."""
    from simgen.degradations.synthetic import BoxRoom

    K = intrinsics_from_hfov(320, 240, 70.0)
    room = BoxRoom(K, 320, 240)
    rgb, depth, inst = room.render(room.default_pose())
    return K, rgb, depth, inst
