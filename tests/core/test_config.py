import pytest

from simgen.core.config import IntRange, Uniform, from_dict, parse_override
from simgen.core.errors import ConfigError
from simgen.core.presets import preset_names
from simgen.core.settings import CameraConfig, SceneConfig, build_run_config


def test_all_shipped_presets_load():
    for name in preset_names("scenes"):
        run = build_run_config(scene=name, camera="egocentric", seed=0, n=1)
        assert run.scene.name == name
    for name in preset_names("cameras"):
        build_run_config(scene="low", camera=name, seed=0, n=1)
    assert {"low", "medium", "high", "extreme"} <= set(preset_names("scenes"))


def test_unknown_key_names_key_and_allowed():
    with pytest.raises(ConfigError) as e:
        from_dict(SceneConfig, {"objects_per_rom": 3})
    msg = str(e.value)
    assert "objects_per_rom" in msg and "objects_per_room" in msg and "\n" not in msg


def test_typed_values_checked():
    with pytest.raises(ConfigError, match="expected an integer"):
        from_dict(CameraConfig, {"width": "wide"})
    with pytest.raises(ConfigError, match="not allowed"):
        from_dict(SceneConfig, {"room_types": ["garage"]})
    with pytest.raises(ConfigError, match="low <= high"):
        from_dict(SceneConfig, {"room_area_m2": {"low": 20, "high": 10}})


def test_distributions_accept_scalar_and_table():
    c = from_dict(SceneConfig, {"rooms": 2, "room_area_m2": {"low": 10, "high": 12}})
    assert c.rooms == IntRange(2, 2)
    assert c.room_area_m2 == Uniform(10.0, 12.0)


def test_set_overrides_reach_fields():
    run = build_run_config(scene="low", camera="egocentric", seed=1, n=1,
                           sets=["scene.objects_per_room.high=7", "camera.hfov_deg=90",
                                 "scene.room_types=['office']"])
    assert run.scene.objects_per_room.high == 7
    assert run.camera.hfov_deg == 90.0
    assert run.scene.room_types == ("office",)


def test_set_unknown_key_and_bad_syntax():
    with pytest.raises(ConfigError, match="unknown key 'bogus'"):
        build_run_config(scene="low", camera="egocentric", seed=1, n=1, sets=["scene.bogus=1"])
    with pytest.raises(ConfigError, match="key.path=value"):
        parse_override("scene.rooms")
    with pytest.raises(ConfigError, match="scene., camera. or dynamics."):
        build_run_config(scene="low", camera="egocentric", seed=1, n=1, sets=["rooms=1"])


def test_unknown_preset_lists_allowed():
    with pytest.raises(ConfigError, match="allowed: .*low"):
        build_run_config(scene="nonexistent", camera="egocentric", seed=0, n=1)


def test_malformed_and_missing_preset_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("rooms = [1,\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        build_run_config(scene=str(bad), camera="egocentric", seed=0, n=1)
    with pytest.raises(ConfigError, match="not found"):
        build_run_config(scene=str(tmp_path / "missing.toml"), camera="egocentric", seed=0, n=1)


def test_frozen():
    c = SceneConfig()
    with pytest.raises(Exception):
        c.rooms = IntRange(3, 3)
