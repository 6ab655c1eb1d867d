"""Dynamics presets: every shipped preset loads; typos are errors naming the allowed keys;
`--set dynamics.FIELD=VALUE` overrides go through the same checks."""

import pytest

from simgen.core.errors import ConfigError
from simgen.core.presets import preset_dir
from simgen.core.settings import build_run_config
from simgen.dynamics.config import DynamicsConfig, load_dynamics


def test_shipped_presets_load():
    names = sorted(p.stem for p in (preset_dir("scenes") / "dynamics").glob("*.toml"))
    assert {"default", "ball", "all"} <= set(names)
    for n in names:
        assert isinstance(load_dynamics(n), DynamicsConfig)


def test_unknown_key_and_bad_values(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('name = "x"\nball_speed = 3\n')
    with pytest.raises(ConfigError, match="unknown key 'ball_speed'.*ball_speed_mps"):
        load_dynamics(str(p))
    with pytest.raises(ConfigError, match="unknown dynamics preset 'nope'"):
        load_dynamics("nope")
    with pytest.raises(ConfigError, match="actions"):
        load_dynamics("ball", [(["actions"], ["fly"])])


def test_run_config_overrides():
    run = build_run_config(scene="low", camera="egocentric", seed=0, n=1, dynamics="ball",
                           sets=["dynamics.ball_mass_kg=0.6", "dynamics.n_actions=0"])
    assert run.dynamics.ball_mass_kg == 0.6 and run.dynamics.n_actions.low == 0
    assert run.to_dict()["dynamics"]["name"] == "ball"
    with pytest.raises(ConfigError, match="needs --dynamics"):
        build_run_config(scene="low", camera="egocentric", seed=0, n=1, sets=["dynamics.ball_mass_kg=1"])
