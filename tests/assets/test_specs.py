"""Spec files: parse, reject unknown keys, sample params."""

import pytest

from simgen.assets import categories, make, spec
from simgen.assets.specs import ROOM_TYPES, parse_spec, sample_params, spec_dir
from simgen.core.errors import ConfigError

GOOD = """
category = "thing"
placement = "floor"
room_types = ["bedroom"]
source = "test"
[size]
x_m = [0.1, 0.2]
y_m = [0.1, 0.2]
z_m = [0.1, 0.2]
[materials]
wood = ["brown"]
[params]
height_m = [0.1, 0.2]
n = [1, 3]
style = ["a", "b"]
flag = {choice = [true, false], weights = [1.0, 0.0]}
"""


def test_every_spec_parses_and_cites_a_source():
    for c in categories():
        sp = spec(c)
        assert sp.source and len(sp.source) > 20
        assert set(sp.room_types) <= set(ROOM_TYPES)
    assert (spec_dir() / "chair.toml").is_file()


def test_unknown_key_names_key_and_allowed():
    with pytest.raises(ConfigError, match="'colour'.*allowed keys: category"):
        parse_spec('colour = "red"\n' + GOOD, "t.toml")
    with pytest.raises(ConfigError, match="'w_m'"):
        parse_spec(GOOD.replace("x_m =", "w_m ="), "t.toml")
    with pytest.raises(ConfigError, match="unknown key 'teal'"):
        parse_spec(GOOD.replace('wood = ["brown"]', 'wood = ["teal"]'), "t.toml")


def test_sampling_kinds(rng):
    sp = parse_spec(GOOD, "t.toml")
    for _ in range(50):
        p = sample_params(sp, rng)
        assert 0.1 <= p["height_m"] <= 0.2 and isinstance(p["height_m"], float)
        assert p["n"] in (1, 2, 3) and isinstance(p["n"], int)
        assert p["style"] in ("a", "b") and p["flag"] is True
        assert p["material"] == "wood" and p["color"] == "brown"


def test_unknown_param_and_category_rejected(rng):
    with pytest.raises(ConfigError, match="unknown asset param 'colour'"):
        make("chair", rng, {"colour": "red"})
    with pytest.raises(ConfigError, match="unknown asset category 'chiar'"):
        make("chiar", rng)
