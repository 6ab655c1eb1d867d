"""Effect names, severity levels in physical units, presets and the `--degrade` spec parser.

A spec is `NAME[:LEVEL][,NAME[:LEVEL]...]`; NAME is an effect (`fog`, `jpeg`, ...) or a preset file in
`degradations/` (`clean`, `phone_low_light`, `spacedg`, ...). LEVEL is 1..5 (default 3 for an effect;
for a preset it overrides the level of every effect in it). Presets are TOML:

```toml
schema = 1
description = "..."
mode = "all"                  # "all": apply every effect; "one_of": draw one effect per clip
[effects.low_light]
level = 4                     # 1..5 (the level table below)
gain_up = true                # any parameter of the effect, overriding the level's value
[effects.jpeg.by_level]       # optional: replace the level table (five values per parameter)
quality = [25, 18, 15, 10, 7]
```
A parameter may be a range `{low = .., high = ..}`: it is drawn once per clip from the degradation rng.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from simgen.core.config import Uniform, read_toml
from simgen.core.errors import ConfigError
from simgen.core.presets import preset_dir, preset_names

# Physical order of application (scene/optics -> sensor -> ISP -> digital -> codec).
EFFECTS: tuple[str, ...] = (
    "motion_blur", "rolling_shutter", "fog", "defocus", "lens_distortion", "vignetting", "droplets",
    "low_resolution", "overexposure", "low_light", "sensor_noise", "jpeg", "compression", "frame_drop",
)
SUBFRAME_EFFECTS = ("motion_blur", "rolling_shutter")
SENSOR_EFFECTS = ("low_light", "overexposure", "sensor_noise")
DEFAULT_LEVEL = 3

# Parameter schema per effect: name -> (kind, default, unit / meaning). kind: "float", "int", "bool",
# or a tuple of allowed strings. Level tables give the value of the severity parameter(s) at 1..5.
PARAMS: dict[str, dict[str, tuple[Any, Any, str]]] = {
    "motion_blur": {
        "shutter_ms": ("float", 16.0, "exposure time (box shutter centred on the frame timestamp), ms"),
        "max_subframes": ("int", 64, "cap on sub-frame renders per frame"),
        "px_per_subframe": ("float", 1.0, "target streak length between sub-frames, px"),
    },
    "rolling_shutter": {
        "readout_ms": ("float", 20.0, "top-to-bottom row readout time, ms (row r at t + (r+0.5-H/2)*readout/H)"),
        "max_bands": ("int", 48, "cap on row bands rendered at distinct times"),
    },
    "fog": {
        "visibility_m": ("float", 10.0, "meteorological visibility V = ln(50)/beta (2 % contrast), m"),
        "airlight": ("float", 0.5, "airlight radiance, relative to the metered exposure (0.18 = mid grey)"),
    },
    "defocus": {
        "aperture_mm": ("float", 4.4, "entrance-pupil diameter A = f/N, mm"),
        "focus_m": ("float", 0.3, "focus distance (plane at this z), m"),
        "max_layers": ("int", 24, "cap on depth layers of the occlusion-aware layered blur"),
    },
    "lens_distortion": {
        "model": (("brown_conrady", "kannala_brandt"), "brown_conrady", "distortion model"),
        "k1": ("float", -0.2, "radial coefficient 1"),
        "k2": ("float", 0.0, "radial coefficient 2"),
        "k3": ("float", 0.0, "radial coefficient 3"),
        "k4": ("float", 0.0, "radial coefficient 4 (kannala_brandt only)"),
        "p1": ("float", 0.0, "tangential coefficient 1 (brown_conrady only)"),
        "p2": ("float", 0.0, "tangential coefficient 2 (brown_conrady only)"),
    },
    "vignetting": {
        "corner_ratio": ("float", 0.65, "natural (cos^4, exit-pupil) falloff at the image corner, I/I0"),
        "poly_a2": ("float", 0.0, "mechanical falloff polynomial 1 + a2 r^2 + a4 r^4 (r = 1 at corner)"),
        "poly_a4": ("float", 0.0, "see poly_a2"),
    },
    "droplets": {
        "coverage": ("float", 0.10, "fraction of the image covered by drops"),
        "radius_px": ("float", Uniform(8.0, 28.0), "drop radius at 640 px width, px (drawn per drop)"),
        "magnification": ("float", -0.35, "drop lens magnification (negative: inverted view)"),
        "blur_px": ("float", 2.5, "Gaussian sigma of the out-of-focus drop image, px at 640 px width"),
        "dirt": ("float", 0.0, "fraction of drops that are opaque dirt instead of water"),
    },
    "low_resolution": {
        "scale": ("float", 0.25, "sensor resolution / delivered resolution (area integration in linear light)"),
        "upsample": (("bilinear", "nearest"), "bilinear", "resampling back to the delivered size"),
    },
    "overexposure": {
        "ev": ("float", 2.0, "exposure offset, stops (clips at full well)"),
    },
    "low_light": {
        "ev": ("float", -5.0, "light reduction, stops (fewer photoelectrons)"),
        "gain_up": ("bool", True, "auto-exposure raises gain to restore brightness"),
        "max_analog_gain": ("float", 16.0, "analog gain cap; the rest is digital gain"),
    },
    "sensor_noise": {
        "iso_gain": ("float", 8.0, "ISO gain relative to base at fixed output brightness (shorter exposure)"),
    },
    "jpeg": {
        "quality": ("int", 15, "libjpeg quality factor (PIL), 4:2:0"),
    },
    "compression": {
        "codec": (("libx264", "libx265"), "libx264", "video encoder"),
        "crf": ("int", 37, "constant rate factor (0..51)"),
        "preset": (("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"), "medium",
                   "encoder preset"),
    },
    "frame_drop": {
        "keep_ratio": ("float", 0.4, "delivered / rendered frame rate (temporal subsampling)"),
        "fps": ("float", 0.0, "delivered frame rate, Hz; overrides keep_ratio when > 0"),
    },
}

LEVELS: dict[str, dict[str, tuple]] = {
    "motion_blur": {"shutter_ms": (4.0, 8.0, 16.0, 25.0, 33.0)},
    "rolling_shutter": {"readout_ms": (5.0, 10.0, 20.0, 33.0, 50.0)},
    "fog": {"visibility_m": (40.0, 20.0, 10.0, 5.0, 2.5)},
    "defocus": {"aperture_mm": (1.1, 2.2, 4.4, 7.3, 11.7)},
    "lens_distortion": {"k1": (-0.05, -0.12, -0.2, -0.28, -0.35)},
    "vignetting": {"corner_ratio": (0.9, 0.8, 0.65, 0.5, 0.35)},
    "droplets": {"coverage": (0.02, 0.05, 0.10, 0.20, 0.35)},
    "low_resolution": {"scale": (1 / 2, 1 / 3, 1 / 4, 1 / 6, 1 / 8)},
    "overexposure": {"ev": (1.0, 1.5, 2.0, 2.5, 3.3)},
    "low_light": {"ev": (-2.0, -3.5, -5.0, -6.5, -8.0)},
    "sensor_noise": {"iso_gain": (2.0, 4.0, 8.0, 16.0, 32.0)},
    "jpeg": {"quality": (25, 18, 15, 10, 7)},
    "compression": {"crf": (23, 30, 37, 44, 51)},
    "frame_drop": {"keep_ratio": (2 / 3, 8 / 15, 0.4, 0.3, 0.2)},     # 20/16/12/9/6 fps from 30 fps
}
# Level tables that depend on a model choice.
MODEL_LEVELS = {
    ("lens_distortion", "kannala_brandt"): {"k1": (-0.05, -0.1, -0.15, -0.2, -0.24)},
    ("compression", "libx265"): {"crf": (27, 33, 39, 45, 51)},
}


@dataclass(frozen=True)
class EffectSpec:
    """One effect: name, level 1..5 (None = parameters only), explicit parameter overrides and an
    optional replacement level table (`by_level`: param -> five values)."""

    name: str
    level: int | None = DEFAULT_LEVEL
    params: dict = field(default_factory=dict)
    by_level: dict = field(default_factory=dict)

    def resolve(self, rng) -> dict:
        """Concrete parameters (ranges drawn from `rng`), plus `level`."""
        schema = PARAMS[self.name]
        out = {k: v[1] for k, v in schema.items()}
        out.update({k: v for k, v in self.params.items() if k == "model" or k == "codec"})
        if self.level is not None:
            table = dict(LEVELS[self.name])
            model = out.get("model", out.get("codec"))
            table.update(MODEL_LEVELS.get((self.name, model), {}))
            table.update(self.by_level)
            for k, vals in table.items():
                out[k] = vals[self.level - 1]
        out.update(self.params)
        for k, v in list(out.items()):
            if isinstance(v, Uniform) and not (self.name == "droplets" and k == "radius_px"):
                out[k] = v.sample(rng)
        out["level"] = self.level
        return out


@dataclass(frozen=True)
class DegradationSpec:
    """What to apply. `effects` are always applied; from each group in `one_of`, one effect is drawn
    per clip. `source` is the text it was parsed from."""

    effects: tuple[EffectSpec, ...] = ()
    one_of: tuple[tuple[EffectSpec, ...], ...] = ()
    source: str = "clean"

    @property
    def is_clean(self) -> bool:
        return not self.effects and not self.one_of

    def names(self) -> list[str]:
        return [e.name for e in self.effects] + [e.name for g in self.one_of for e in g]


def _check_value(effect: str, key: str, value: Any, where: str) -> Any:
    kind = PARAMS[effect][key][0]
    if isinstance(value, dict) or (isinstance(value, list) and len(value) == 2 and kind in ("float", "int")):
        lo, hi = (value.get("low"), value.get("high")) if isinstance(value, dict) else value
        if isinstance(value, dict) and set(value) - {"low", "high"}:
            raise ConfigError(f"{where}: a range takes low and high only, got {sorted(value)}")
        return Uniform(float(_check_value(effect, key, lo, where)), float(_check_value(effect, key, hi, where)))
    if isinstance(kind, tuple):
        if value not in kind:
            raise ConfigError(f"{where}: {value!r} is not allowed; allowed: {', '.join(kind)}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if kind == "int":
        if float(value) != int(value):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return int(value)
    return float(value)


def _check_level(level: Any, where: str) -> int:
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
        raise ConfigError(f"{where}: level must be an integer 1..5, got {level!r}")
    return level


def effect_from_table(name: str, table: dict, where: str, level_override: int | None = None) -> EffectSpec:
    """One `[effects.NAME]` table of a preset -> EffectSpec (unknown keys are errors naming the allowed)."""
    if name not in PARAMS:
        raise ConfigError(f"{where}: unknown effect {name!r}; allowed: {', '.join(EFFECTS)}")
    allowed = ["level", "by_level", *PARAMS[name]]
    level: int | None = DEFAULT_LEVEL
    params, by_level = {}, {}
    for key, value in table.items():
        if key not in allowed:
            raise ConfigError(f"{where}.{key}: unknown key {key!r}; allowed: {', '.join(allowed)}")
        if key == "level":
            level = None if value == 0 else _check_level(value, f"{where}.level")
        elif key == "by_level":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}.by_level: expected a table of five-value lists")
            for k, vals in value.items():
                if k not in PARAMS[name]:
                    raise ConfigError(f"{where}.by_level.{k}: unknown key {k!r}; allowed: {', '.join(PARAMS[name])}")
                if not isinstance(vals, list) or len(vals) != 5:
                    raise ConfigError(f"{where}.by_level.{k}: expected a list of 5 values (levels 1..5), got {vals!r}")
                by_level[k] = tuple(_check_value(name, k, v, f"{where}.by_level.{k}") for v in vals)
        else:
            params[key] = _check_value(name, key, value, f"{where}.{key}")
    if level_override is not None:
        level = level_override
    return EffectSpec(name=name, level=level, params=params, by_level=by_level)


PRESET_KEYS = ("schema", "name", "description", "mode", "effects")


def load_preset(name: str, level_override: int | None = None) -> DegradationSpec:
    """Load `degradations/<name>.toml` (or a path to a .toml file) into a DegradationSpec."""
    from pathlib import Path

    path = Path(name) if name.endswith(".toml") else preset_dir("degradations") / f"{name}.toml"
    data = read_toml(path, "degradation preset")
    where = f"degradation preset {path.name}"
    for key in data:
        if key not in PRESET_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r}; allowed: {', '.join(PRESET_KEYS)}")
    if data.get("schema", 1) != 1:
        raise ConfigError(f"{where}: schema must be 1, got {data.get('schema')!r}")
    mode = data.get("mode", "all")
    if mode not in ("all", "one_of"):
        raise ConfigError(f"{where}.mode: {mode!r} is not allowed; allowed: 'all', 'one_of'")
    tables = data.get("effects", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{where}.effects: expected tables [effects.NAME]")
    effects = tuple(effect_from_table(k, v, f"{where}.effects.{k}", level_override) for k, v in tables.items())
    if mode == "one_of" and effects:
        return DegradationSpec(effects=(), one_of=(effects,), source=name)
    return DegradationSpec(effects=effects, source=name)


def parse_degrade(spec: str) -> DegradationSpec:
    """`--degrade NAME[:LEVEL][,NAME[:LEVEL]...]` -> DegradationSpec. ConfigError names what is wrong."""
    if spec is None or not str(spec).strip():
        raise ConfigError("--degrade is empty; give NAME[:LEVEL][,NAME[:LEVEL]...] or 'clean'")
    presets = preset_names("degradations")
    effects: list[EffectSpec] = []
    groups: list[tuple[EffectSpec, ...]] = []
    for item in str(spec).split(","):
        item = item.strip()
        name, _, lvl = item.partition(":")
        name = name.strip()
        level = None
        if lvl:
            try:
                level = int(lvl)
            except ValueError:
                level = lvl
            level = _check_level(level, f"--degrade {item!r}")
        if name in PARAMS:
            effects.append(EffectSpec(name=name, level=DEFAULT_LEVEL if level is None else level))
        elif name in presets or name.endswith(".toml"):
            sub = load_preset(name, level)
            effects.extend(sub.effects)
            groups.extend(sub.one_of)
        else:
            allowed = ", ".join(list(EFFECTS) + presets)
            raise ConfigError(f"--degrade: unknown effect or preset {name!r}; allowed: {allowed}")
    seen = [e.name for e in effects]
    dup = sorted({n for n in seen if seen.count(n) > 1})
    if dup:
        raise ConfigError(f"--degrade: effect {dup[0]!r} is given more than once in {spec!r}")
    return DegradationSpec(effects=tuple(effects), one_of=tuple(groups), source=str(spec).strip())


def replace_level(e: EffectSpec, level: int) -> EffectSpec:
    return dataclasses.replace(e, level=level)
