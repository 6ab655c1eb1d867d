"""The typed run configuration: scene and camera presets, and the run options.

Everything the output depends on is here, so that `dataset.json` can record it fully resolved.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from simgen.core.config import (
    IntRange,
    Uniform,
    apply_override,
    from_dict,
    parse_override,
    read_toml,
    to_dict,
)
from simgen.core.errors import ConfigError
from simgen.core.presets import resolve_preset

ROOM_TYPES = ("bedroom", "living_room", "kitchen", "bathroom", "office", "dining_room", "hallway")
RoomType = Literal["bedroom", "living_room", "kitchen", "bathroom", "office", "dining_room", "hallway"]


@dataclass(frozen=True)
class SceneConfig:
    """A scene recipe (`scenes/*.toml`). Ranges are drawn once per scene from its layout stream."""

    name: str = "custom"
    description: str = ""
    schema: int = 1
    rooms: IntRange = IntRange(1, 1)
    room_types: tuple[RoomType, ...] = ("bedroom", "living_room", "office", "dining_room", "kitchen")
    room_area_m2: Uniform = Uniform(12.0, 20.0)
    room_aspect: Uniform = Uniform(1.0, 1.6)
    ceiling_height_m: Uniform = Uniform(2.4, 3.0)
    wall_thickness_m: float = 0.12
    door_width_m: float = 0.9
    objects_per_room: IntRange = IntRange(5, 12)
    small_object_fraction: Uniform = Uniform(0.0, 0.2)
    wall_object_fraction: Uniform = Uniform(0.0, 0.15)
    max_duplicates: int = 1
    walkway_m: float = 0.6
    placement_attempts: int = 60
    settle_s: float = 1.0
    max_settle_shift_m: float = 0.02
    categories: tuple[str, ...] = ()
    exclude_categories: tuple[str, ...] = ()
    # ---- layout optimizer knobs (issue #4; owned by simgen/scenes, documented in docs/layout.md) ----
    l_shape_prob: float = 0.3                  # chance that a room is an L (rectangle + wing)
    extra_door_prob: float = 0.3               # chance of an extra door between further adjacent rooms
    windows_per_room: IntRange = IntRange(1, 2)  # on exterior walls (bathrooms and hallways get at most 1)
    agent_radius_m: float = 0.25               # walkable free space: max(this, camera clearance, walkway/2)
    groups: tuple[str, ...] = ("bed", "dining", "desk", "lounge", "kitchen_run", "bath")  # group templates used
    duplicates: IntRange = IntRange(0, 1)      # extra same-category instances of one counting category per room
    floor_occupancy: Uniform = Uniform(0.05, 0.15)  # footprint budget of the floor program (x room area)
    support_capacity_scale: float = 1.0        # x each support surface's catalogue capacity (geometry still rules)
    pocket_fill: bool = False                  # fill floor pockets the walkway cannot use, up to floor_occupancy
    sightlines: bool = True                    # move small objects off the sightlines of objects no view covers
    sightline_rounds: int = 2                  # check-and-move rounds of the sightline stage (each re-checked)
    layout_evals_per_room: int = 4000          # deterministic optimizer budget (cost evaluations per room)
    layout_time_cap_s: float = 60.0            # wall-clock safety cap per room; hitting it is recorded
    w_against_wall: float = 1.0                # soft-constraint weights
    w_faces: float = 1.0
    w_distance: float = 1.0
    w_parallel: float = 0.3
    w_clearance: float = 2.0
    w_centred: float = 0.5
    w_counter_perspective: float = 0.0         # stress: > 0 puts tall items near the entrance, short ones far
    # ---- end of layout optimizer knobs ----

    def __post_init__(self):
        if self.rooms.low < 1:
            raise ConfigError(f"rooms must be >= 1, got {self.rooms.low}")
        if self.objects_per_room.low < 0:
            raise ConfigError(f"objects_per_room must be >= 0, got {self.objects_per_room.low}")
        if self.room_area_m2.low <= 2.0:
            raise ConfigError(f"room_area_m2 must be > 2, got {self.room_area_m2.low}")
        if not self.room_types:
            raise ConfigError("room_types must name at least one room type")


@dataclass(frozen=True)
class CameraConfig:
    """A camera and walk recipe (`cameras/*.toml`)."""

    name: str = "custom"
    description: str = ""
    schema: int = 1
    width: int = 640
    height: int = 480
    fps: float = 30.0
    frames: int = 0                 # 0 = auto: the whole walk at `fps`
    max_duration_s: float = 90.0
    # coverage modes: the cap grows to this many seconds per object in the scene when that is longer
    # (0 = the fixed cap only); dense scenes otherwise lose planned objects to a cap sized for fewer
    max_s_per_object: float = 0.0
    hfov_deg: float = 70.0
    eye_height_m: Uniform = Uniform(1.55, 1.65)
    pitch_down_deg: Uniform = Uniform(10.0, 20.0)
    speed_mps: float = 0.5
    max_speed_mps: float = 0.8
    max_yaw_rate_deg_s: float = 45.0
    clearance_m: float = 0.3
    view_distance_m: Uniform = Uniform(1.2, 2.8)
    # coverage: an object is covered if one frame shows it with vis_fraction >= cover_vis, at least
    # cover_min_px visible pixels (given at 640x480, scaled with the image area), >= cover_corners_inside
    # of its projected box corners inside the image, and its centre <= cover_max_distance_m away.
    cover_vis: float = 0.7
    cover_min_px: int = 300
    cover_corners_inside: float = 0.9
    cover_max_distance_m: float = 4.0
    # --- trajectory planner (issue #5; owned by simgen/cameras, see docs/trajectory.md) ---------------
    mode: Literal["egocentric", "elevated", "orbit", "random_walk", "revisit", "scripted"] = "egocentric"
    max_yaw_accel_deg_s2: float = 90.0     # cap of the yaw acceleration
    max_pitch_rate_deg_s: float = 15.0     # cap of the pitch rate (per-view pitch moves, simgen.cameras.pitch)
    min_pitch_down_deg: float = 5.0        # a viewpoint may look down between these (issue: 5-25 deg);
    max_pitch_down_deg: float = 25.0       # elsewhere the camera keeps the scene's pitch_down_deg
    heading_lead_m: float = 0.5            # walking heading looks this far ahead along the path
    hold_s: float = 0.3                    # pause at a viewpoint where the walk stops (look-around), facing it
    max_accel_mps2: float = 1.0            # cap of the walking (linear) acceleration (people: ~1 m/s^2)
    pass_through_deg: float = 45.0         # a viewpoint is passed without stopping if its look heading is
                                           # within this of the walking direction there
    close_depth_m: float = 0.4             # a frame may have at most close_fraction_max of its pixels
    close_fraction_max: float = 0.6        # closer than close_depth_m
    candidate_spacing_m: float = 0.35      # viewpoint candidates: grid spacing and number of headings
    candidate_headings: int = 16
    script: str = ""                       # mode "scripted": JSON/TOML file with [[waypoints]] xy, yaw_deg, hold_s
    # --- end of trajectory planner fields ----------------------------------------------------------

    def __post_init__(self):
        if self.width <= 0 or self.height <= 0 or self.width > 8192 or self.height > 8192:
            raise ConfigError(f"resolution must be WxH with 1..8192 each, got {self.width}x{self.height}")
        if not (0 < self.fps <= 240):
            raise ConfigError(f"fps must be in (0, 240], got {self.fps}")
        if self.frames < 0 or self.frames > 100_000:
            raise ConfigError(f"frames must be 0 (auto) or in 1..100000, got {self.frames}")
        if self.max_duration_s <= 0:
            raise ConfigError(f"max_duration_s must be > 0, got {self.max_duration_s}")
        if not (0.0 <= self.max_s_per_object <= 60.0):
            raise ConfigError(f"max_s_per_object must be in [0, 60], got {self.max_s_per_object}")
        if not (10.0 <= self.hfov_deg <= 150.0):
            raise ConfigError(f"hfov_deg must be in [10, 150], got {self.hfov_deg}")
        if self.speed_mps <= 0:
            raise ConfigError(f"speed_mps must be > 0, got {self.speed_mps}")


BACKENDS = ("pyrender", "ai2thor")


@dataclass(frozen=True)
class RunConfig:
    """Everything one `simgen render` run depends on (the scene seed is derived from `seed`)."""

    scene: SceneConfig = field(default_factory=SceneConfig)
    camera: CameraConfig = field(default_factory=CameraConfig)
    seed: int = 0
    n: int = 1
    retries: int = 2
    scene_preset: str = "custom"
    camera_preset: str = "custom"
    degrade: str = "clean"          # --degrade spec: effects and presets (simgen.degradations)
    keep_clean: bool = False        # also write rgb_clean.mp4 when degraded
    # --dynamics PRESET: simgen.dynamics.DynamicsConfig, or None (off: static scenes, the default)
    dynamics: Any = None
    flow: bool = False              # --flow: also write forward optical flow flow/%06d.png
    house: str | None = None        # --house: a ProcTHOR house file or folder; scene i renders house i
    backend: str = "pyrender"       # --backend: pyrender (default) or ai2thor (needs AI2-THOR's Unity build)

    def __post_init__(self):
        if self.n < 1:
            raise ConfigError(f"--n must be a positive integer, got {self.n}")
        if self.seed < 0 or self.seed >= 2**63:
            raise ConfigError(f"--seed must be an integer in [0, 2^63), got {self.seed}")
        if self.retries < 0:
            raise ConfigError(f"retries must be >= 0, got {self.retries}")
        if self.backend not in BACKENDS:
            raise ConfigError(f"--backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")

    def to_dict(self) -> dict[str, Any]:
        out = to_dict(self)
        # options left at their defaults are not written, so dataset.json of plain runs stays as it was
        for key, default in (("dynamics", None), ("flow", False), ("house", None), ("backend", "pyrender")):
            if out.get(key) == default:
                out.pop(key)
        return out


def load_preset(kind: str, name_or_path: str, cls, overrides: list[tuple[list[str], Any]] = ()):
    """Load a scene or camera preset (name or file) into `cls`, applying `--set` overrides."""
    path = resolve_preset(kind, name_or_path)
    data = read_toml(path, f"{kind[:-1]} preset")
    for parts, value in overrides:
        data = apply_override(data, parts, value, kind[:-1])
    return from_dict(cls, data, where=f"{kind[:-1]} preset {Path(path).name}")


def build_run_config(*, scene: str, camera: str, seed: int, n: int, sets: list[str] = (),
                     camera_overrides: dict[str, Any] | None = None, retries: int = 2,
                     degrade: str = "clean", keep_clean: bool = False, dynamics: str | None = None,
                     flow: bool = False, house: str | None = None, backend: str = "pyrender") -> RunConfig:
    """Resolve presets, `--set scene.x=..`/`camera.x=..`/`dynamics.x=..` overrides and direct CLI camera
    options. `dynamics`: a dynamics preset name (scenes/dynamics/NAME.toml) or file, None = off."""
    scene_over, camera_over, dynamics_over = [], [], []
    for text in sets:
        parts, value = parse_override(text)
        target = {"scene": scene_over, "camera": camera_over, "dynamics": dynamics_over}.get(parts[0])
        if target is None or len(parts) < 2:
            raise ConfigError(f"--set key must start with scene., camera. or dynamics., got {text.split('=', 1)[0]!r}")
        target.append((parts[1:], value))
    if dynamics_over and dynamics is None:
        raise ConfigError("--set dynamics.* needs --dynamics PRESET")
    for k, v in (camera_overrides or {}).items():
        camera_over.append(([k], v))
    scene_cfg = load_preset("scenes", scene, SceneConfig, scene_over)
    camera_cfg = load_preset("cameras", camera, CameraConfig, camera_over)
    from simgen.degradations import parse_degrade

    spec = parse_degrade(degrade)   # a bad spec is a one-line ConfigError before anything runs
    if flow and {"lens_distortion", "fisheye"} & set(spec.names()):
        raise ConfigError("--flow cannot be combined with lens distortion (flow is computed for a pinhole camera)")
    dynamics_cfg = None
    if dynamics is not None:
        from simgen.dynamics.config import load_dynamics

        dynamics_cfg = load_dynamics(dynamics, dynamics_over)
    return RunConfig(scene=scene_cfg, camera=camera_cfg, seed=seed, n=n, retries=retries,
                     scene_preset=scene, camera_preset=camera, degrade=degrade, keep_clean=keep_clean,
                     dynamics=dynamics_cfg, flow=bool(flow), house=house, backend=backend)


def replace(cfg, **changes):
    return dataclasses.replace(cfg, **changes)


def usable_cores() -> int:
    """CPU cores this process may run on: its affinity set (taskset, SLURM and container CPU sets
    restrict it), else the machine's count. `--workers auto` and llvmpipe's thread share use it."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):   # no affinity API (macOS)
        return max(1, os.cpu_count() or 1)
