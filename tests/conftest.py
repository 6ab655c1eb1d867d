import os

import numpy as np
import pytest

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
