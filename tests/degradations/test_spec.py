import numpy as np
import pytest

from simgen.core.errors import ConfigError
from simgen.degradations import Degrader
from simgen.degradations.spec import EFFECTS, LEVELS, PARAMS, load_preset, parse_degrade


def test_effect_names_match_issue():
    assert set(EFFECTS) == {"motion_blur", "rolling_shutter", "defocus", "fog", "low_light", "overexposure",
                            "sensor_noise", "lens_distortion", "vignetting", "droplets", "low_resolution",
                            "jpeg", "compression", "frame_drop"}
    for name in EFFECTS:
        assert name in LEVELS and name in PARAMS
        for key, vals in LEVELS[name].items():
            assert len(vals) == 5 and key in PARAMS[name]


def test_parse_levels_and_defaults(rng):
    spec = parse_degrade("fog:2, jpeg")
    assert [(e.name, e.level) for e in spec.effects] == [("fog", 2), ("jpeg", 3)]
    assert spec.effects[0].resolve(rng)["visibility_m"] == 20.0
    assert spec.effects[1].resolve(rng)["quality"] == 15


def test_clean_is_clean():
    assert parse_degrade("clean").is_clean


@pytest.mark.parametrize("bad, words", [
    ("fgo", ["fgo", "allowed", "fog"]),
    ("fog:6", ["level", "1..5", "6"]),
    ("fog:x", ["level", "'x'"]),
    ("fog,fog:2", ["more than once", "fog"]),
    ("", ["empty"]),
])
def test_bad_specs_are_one_line_config_errors(bad, words):
    with pytest.raises(ConfigError) as e:
        parse_degrade(bad)
    msg = str(e.value)
    assert "\n" not in msg
    for w in words:
        assert w in msg


def test_presets_load_and_override_level():
    for name in ("clean", "phone_low_light", "handheld_fast", "spacedg", "imagenet_c"):
        load_preset(name)
    sd = parse_degrade("spacedg:2")
    assert len(sd.one_of) == 1 and len(sd.one_of[0]) == 9
    assert all(e.level == 2 for e in sd.one_of[0])
    kb = [e for e in sd.one_of[0] if e.name == "lens_distortion"][0]
    assert kb.resolve(None)["model"] == "kannala_brandt" and kb.resolve(None)["k1"] == -0.1


def test_imagenet_c_tables(rng):
    spec = parse_degrade("imagenet_c:1")
    by = {e.name: e.resolve(rng) for e in spec.one_of[0]}
    assert by["jpeg"]["quality"] == 25
    assert by["low_resolution"]["scale"] == 0.6 and by["low_resolution"]["upsample"] == "nearest"


def test_unknown_toml_keys_name_key_and_allowed(tmp_path):
    p = tmp_path / "mine.toml"
    p.write_text("schema = 1\n[effects.fog]\nlevel = 2\nvisibilty_m = 3\n")
    with pytest.raises(ConfigError) as e:
        parse_degrade(str(p))
    assert "visibilty_m" in str(e.value) and "visibility_m" in str(e.value)
    p.write_text("schema = 1\nmood = 'x'\n")
    with pytest.raises(ConfigError) as e:
        parse_degrade(str(p))
    assert "mood" in str(e.value) and "effects" in str(e.value)


def test_ranges_are_drawn_per_clip(tmp_path):
    import numpy as np

    p = tmp_path / "r.toml"
    p.write_text("schema = 1\n[effects.fog]\nvisibility_m = {low = 3.0, high = 9.0}\n")
    spec = parse_degrade(str(p))
    a = spec.effects[0].resolve(np.random.default_rng(1))["visibility_m"]
    b = spec.effects[0].resolve(np.random.default_rng(1))["visibility_m"]
    c = spec.effects[0].resolve(np.random.default_rng(2))["visibility_m"]
    assert a == b and a != c and 3.0 <= a <= 9.0


def test_spacedg_preset_carries_the_documented_values(room_small):
    """Level 5 of the SpaceDG preset = the values recorded in the background notes: 80 sub-poses,
    Kannala-Brandt k1 = -0.235, over-exposure +2.8..+3.3 EV, low resolution 0.02..0.05."""
    group = {e.name: e for e in parse_degrade("spacedg").one_of[0]}
    assert len(group) == 9
    mb = group["motion_blur"].resolve(np.random.default_rng(0))
    assert mb["max_subframes"] == 80 and mb["px_per_subframe"] < 0.01
    ld = group["lens_distortion"].resolve(np.random.default_rng(0))
    assert ld["model"] == "kannala_brandt" and ld["k1"] == -0.235
    evs = [group["overexposure"].resolve(np.random.default_rng(s))["ev"] for s in range(50)]
    scales = [group["low_resolution"].resolve(np.random.default_rng(s))["scale"] for s in range(50)]
    assert 2.8 <= min(evs) < 2.9 and 3.2 < max(evs) <= 3.3
    assert 0.02 <= min(scales) < 0.025 and 0.045 < max(scales) <= 0.05
    # spacedg:2 uses simgen's level-2 values, not SpaceDG's
    mild = {e.name: e for e in parse_degrade("spacedg:2").one_of[0]}
    assert mild["overexposure"].resolve(np.random.default_rng(0))["ev"] == 1.5
    # a 0.02 sensor still works end to end (320 px -> 6 px wide)
    K, rgb, depth, inst = room_small
    spec = parse_degrade("low_resolution:3")
    spec = type(spec)(effects=(type(spec.effects[0])("low_resolution", None, {"scale": 0.02}),), source="x")
    dg = Degrader(spec, K, rgb.shape[1], rgb.shape[0], 30.0, np.random.default_rng(0))
    f = dg.process(0, 0.0, rgb, depth, inst)
    assert dg.derived["low_resolution"]["sensor_width"] == 6 and f.rgb8.shape == rgb.shape
