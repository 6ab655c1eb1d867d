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


def test_wall_and_ceiling_specs_give_mount_heights_with_sources():
    from simgen.assets import mount_height_range_m

    for c in categories():
        sp = spec(c)
        r = mount_height_range_m(c)
        if sp.placement in ("wall", "ceiling"):
            assert r is not None and len(sp.mount_source) > 30, c
        if r is not None:
            assert 0.0 <= r[0] <= r[1] <= 4.0, (c, r)
    assert mount_height_range_m("chair") is None and mount_height_range_m("mug") is None
    # known answers (metres above the floor of the object's bottom)
    assert mount_height_range_m("radiator") == (0.10, 0.15)        # EN 442 floor clearance
    assert mount_height_range_m("window") == (0.80, 1.00)          # sill heights
    assert mount_height_range_m("ceiling_lamp")[0] >= 2.0          # head clearance under a pendant
    # centre-referenced specs convert with the object's height: a 0.5 m picture centred at 1.40-1.60 m
    assert spec("picture_frame").mount_ref == "center"
    assert mount_height_range_m("picture_frame", 0.5) == pytest.approx((1.15, 1.35))
    # a 55 in TV (0.71 m tall incl. bezel) centred at 1.0-1.3 m has its bottom at 0.645-0.945 m
    assert mount_height_range_m("television", 0.71) == pytest.approx((0.645, 0.945))
    # without a height the middle of the spec's z range is used (clock: 0.23-0.42 m -> 0.325 m)
    assert mount_height_range_m("clock") == pytest.approx((1.55 - 0.1625, 1.90 - 0.1625))


def test_mount_height_validation():
    wall = GOOD.replace('placement = "floor"', 'placement = "wall"')
    with pytest.raises(ConfigError, match="needs mount_height_m"):
        parse_spec(wall, "t.toml")
    src = 'mount_source = "a hanging guide, page 3"\n'
    sp = parse_spec('mount_height_m = [1.2, 1.5]\n' + src + wall, "t.toml")
    assert sp.mount_height_m == (1.2, 1.5) and sp.mount_ref == "bottom"
    with pytest.raises(ConfigError, match="mount_height_m must be \\[low, high\\]"):
        parse_spec('mount_height_m = [1.5, 1.2]\n' + src + wall, "t.toml")
    with pytest.raises(ConfigError, match="must lie in \\[0, 5.0\\]"):
        parse_spec('mount_height_m = [1.2, 7.0]\n' + src + wall, "t.toml")
    with pytest.raises(ConfigError, match="needs mount_source"):
        parse_spec('mount_height_m = [1.2, 1.5]\n' + wall, "t.toml")
    with pytest.raises(ConfigError, match="mount_ref must be one of bottom, center"):
        parse_spec('mount_height_m = [1.2, 1.5]\nmount_ref = "top"\n' + src + wall, "t.toml")
    with pytest.raises(ConfigError, match="mount_ref given without mount_height_m"):
        parse_spec('mount_ref = "center"\n' + GOOD, "t.toml")
