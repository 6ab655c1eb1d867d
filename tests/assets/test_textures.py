import numpy as np
import pytest

from simgen.assets.textures import TEXTURE_KINDS, texture
from simgen.core.errors import ConfigError


@pytest.mark.parametrize("kind", TEXTURE_KINDS)
def test_texture_shape_dtype_determinism(kind):
    a = texture(kind, np.random.default_rng(1), 64)
    b = texture(kind, np.random.default_rng(1), 64)
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert a.std() > 0.5  # a pattern, not a flat colour


def test_texture_colour_and_tiles_have_grout():
    img = texture("tiles", np.random.default_rng(0), 128, color="white").astype(float)
    # grout lines are darker than tile faces
    assert img.min() < img.mean() - 20
    red = texture("painted_wall", np.random.default_rng(0), 32, color="red").mean(axis=(0, 1))
    assert red[0] > 2 * red[2]
    with pytest.raises(ConfigError, match="unknown texture kind"):
        texture("plaid", np.random.default_rng(0), 32)
