"""The typed dynamics preset (`scenes/dynamics/<name>.toml`): which objects the simulator sets in
motion during the walk, when, and how hard. Unknown keys are errors naming the allowed ones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from simgen.core.config import IntRange, Uniform, apply_override, from_dict, read_toml
from simgen.core.errors import ConfigError

ActionKind = Literal["roll_ball", "push_object", "knock_off", "swing_door", "walk_person"]
ACTION_KINDS = ("roll_ball", "push_object", "knock_off", "swing_door", "walk_person")


@dataclass(frozen=True)
class DynamicsConfig:
    """One dynamics recipe. Ranges are drawn per scene from the scene's "dynamics" stream.

    actions: the action kinds that may happen; n_actions of them (distinct kinds, at most one each)
    are drawn per scene, those impossible in a scene (no door leaf, no surface object...) skipped.
    start_fraction: when an action starts, as a fraction of the clip's duration (a time at which the
    target is in view is preferred).
    """

    name: str = "custom"
    description: str = ""
    schema: int = 1
    actions: tuple[ActionKind, ...] = ACTION_KINDS
    n_actions: IntRange = IntRange(2, 4)
    sim_hz: int = 240
    start_fraction: Uniform = Uniform(0.1, 0.5)
    # ball (a proxy object added to the scene: category "ball")
    ball_radius_m: Uniform = Uniform(0.09, 0.12)
    ball_mass_kg: float = 0.45
    ball_speed_mps: Uniform = Uniform(1.2, 2.5)        # speed right after the impulse (J = m v)
    ball_rolling_friction: float = 0.01     # pybullet rolling friction: ~0.63 m/s^2 deceleration
    ball_restitution: float = 0.6
    # push: a floor object is carried along at push_speed_mps (a hand pushing) until it has moved
    # push_distance_m (or push_max_s passed), then released to slide and stop under friction
    push_categories: tuple[str, ...] = ("chair", "office_chair", "stool", "box", "trash_can", "side_table",
                                        "backpack", "potted_plant", "floor_lamp")
    push_max_mass_kg: float = 40.0
    push_distance_m: Uniform = Uniform(0.5, 1.0)
    push_speed_mps: Uniform = Uniform(0.5, 0.9)
    push_max_s: float = 3.0
    # knock off: a small object on a support is pushed over the nearest edge
    knock_speed_mps: Uniform = Uniform(0.6, 1.0)        # horizontal speed it is pushed at until it leaves the top
    knock_max_s: float = 2.0
    # door: the entrance door leaf swings open about its hinge
    door_open_deg: Uniform = Uniform(60.0, 85.0)
    door_swing_s: Uniform = Uniform(1.2, 2.5)
    # person: a capsule proxy (category "person") walks a straight path over free floor
    person_height_m: Uniform = Uniform(1.6, 1.85)
    person_radius_m: float = 0.2
    person_speed_mps: Uniform = Uniform(0.8, 1.2)
    person_min_walk_m: float = 1.5
    person_camera_clearance_m: float = 0.35            # camera centre to the capsule's surface, whole clip
    # motion detection (events)
    moving_speed_mps: float = 0.03                      # linear speed above which a body counts as moving
    moving_spin_rad_s: float = 0.3
    rest_hold_s: float = 0.25                           # below both for this long = at rest
    fall_min_drop_m: float = 0.1                        # a vertical drop larger than this is a fall

    def __post_init__(self):
        if not self.actions:
            raise ConfigError("dynamics actions must name at least one of " + ", ".join(ACTION_KINDS))
        if not 60 <= self.sim_hz <= 2000:
            raise ConfigError(f"dynamics sim_hz must be in [60, 2000], got {self.sim_hz}")
        if self.start_fraction.low < 0 or self.start_fraction.high > 1:
            raise ConfigError(f"dynamics start_fraction must lie in [0, 1], got {self.start_fraction}")
        if self.ball_radius_m.low <= 0.01 or self.ball_mass_kg <= 0:
            raise ConfigError("dynamics ball_radius_m must be > 0.01 and ball_mass_kg > 0")
        if self.n_actions.low < 0:
            raise ConfigError(f"dynamics n_actions must be >= 0, got {self.n_actions.low}")


def preset_path(name_or_path: str) -> Path:
    """`ball` -> scenes/dynamics/ball.toml (checkout or wheel copy); a path is returned as is."""
    from simgen.core.presets import preset_dir

    p = Path(name_or_path)
    if p.suffix == ".toml" or "/" in name_or_path or "\\" in name_or_path:
        if not p.is_file():
            raise ConfigError(f"dynamics preset file {name_or_path!r} does not exist")
        return p
    d = preset_dir("scenes") / "dynamics"
    cand = d / f"{name_or_path}.toml"
    if cand.is_file():
        return cand
    names = ", ".join(sorted(q.stem for q in d.glob("*.toml"))) or "(none found)"
    raise ConfigError(f"unknown dynamics preset {name_or_path!r}; allowed: {names}, or a path to a .toml file")


def load_dynamics(name_or_path: str, overrides: list[tuple[list[str], Any]] = ()) -> DynamicsConfig:
    """Load a dynamics preset by name or path, applying `--set dynamics.FIELD=VALUE` overrides."""
    path = preset_path(name_or_path)
    data = read_toml(path, "dynamics preset")
    for parts, value in overrides:
        data = apply_override(data, parts, value, "dynamics")
    return from_dict(DynamicsConfig, data, where=f"dynamics preset {path.name}")
