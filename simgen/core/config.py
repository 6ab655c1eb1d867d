"""Typed configuration: presets (TOML) loaded into frozen dataclasses.

Unknown keys are rejected with a message naming the key and the allowed ones; values are checked
against the field's type (bool, int, float, str, Literal, tuple[...], nested dataclasses, and the
typed distributions `Uniform` and `IntRange`). `--set key.path=value` overrides go through the same
checks. TOML is parsed with tomllib: no eval, no pickle.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from simgen.core.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class Uniform:
    """A continuous uniform distribution on [low, high]. A scalar in a preset means low = high."""

    low: float
    high: float

    def __post_init__(self):
        if self.high < self.low:
            raise ConfigError(f"Uniform needs low <= high, got low={self.low}, high={self.high}")

    def sample(self, rng) -> float:
        return float(self.low) if self.low == self.high else float(rng.uniform(self.low, self.high))


@dataclasses.dataclass(frozen=True)
class IntRange:
    """Integers uniformly drawn from [low, high] inclusive. A scalar in a preset means low = high."""

    low: int
    high: int

    def __post_init__(self):
        if self.high < self.low:
            raise ConfigError(f"IntRange needs low <= high, got low={self.low}, high={self.high}")

    def sample(self, rng) -> int:
        return int(rng.integers(self.low, self.high + 1))


def _type_name(tp) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin in (tuple, list):
        return f"a list of {_type_name(get_args(tp)[0])}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(tp))
    if tp is type(None):
        return "nothing"
    if dataclasses.is_dataclass(tp):
        if tp in (Uniform, IntRange):
            return "a number or {low = .., high = ..}"
        return "a table"
    return getattr(tp, "__name__", str(tp))


def _convert(value: Any, tp, where: str) -> Any:
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin is Literal:
        if value not in get_args(tp):
            allowed = ", ".join(repr(a) for a in get_args(tp))
            raise ConfigError(f"{where}: {value!r} is not allowed; allowed: {allowed}")
        return value
    if origin in (typing.Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _convert(value, a, where)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(f"{where}: expected {_type_name(tp)}, got {value!r}")
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected {_type_name(tp)}, got {value!r}")
        (item_tp, *_rest) = get_args(tp)
        return tuple(_convert(v, item_tp, f"{where}[{i}]") for i, v in enumerate(value))
    if tp in (Uniform, IntRange):
        num = int if tp is IntRange else float
        if isinstance(value, bool):
            raise ConfigError(f"{where}: expected {_type_name(tp)}, got {value!r}")
        if isinstance(value, (int, float)):
            value = {"low": value, "high": value}
        if isinstance(value, (list, tuple)) and len(value) == 2:
            value = {"low": value[0], "high": value[1]}
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected {_type_name(tp)}, got {value!r}")
        return from_dict(tp, {k: v for k, v in value.items()}, where,
                         _coerce={"low": num, "high": num})
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return from_dict(tp, value, where)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    if tp is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return value
    raise ConfigError(f"{where}: unsupported type {tp!r}")  # pragma: no cover - programming error


def from_dict(cls, data: dict, where: str = "config", _coerce: dict | None = None):
    """Build the frozen dataclass `cls` from a plain dict, checking every key and value."""
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = [k for k in data if k not in names]
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(names)}")
    kwargs = {}
    for f in dataclasses.fields(cls):
        key = f"{where}.{f.name}"
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{where}: missing key {f.name!r}")
            continue
        tp = (_coerce or {}).get(f.name, hints[f.name])
        kwargs[f.name] = _convert(data[f.name], tp, key)
    try:
        return cls(**kwargs)
    except ConfigError as e:
        raise ConfigError(f"{where}: {e}") from None


def to_dict(obj) -> Any:
    """A config dataclass -> plain JSON-serializable dict (tuples become lists)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


def read_toml(path: Path, what: str) -> dict:
    """Read a TOML file into a dict; every failure is a one-line ConfigError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what} file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read {what} file {path}: {e.__class__.__name__}: {e}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{what} file {path} is not valid TOML: {e}") from None


def parse_override(text: str) -> tuple[list[str], Any]:
    """`key.path=value` -> (["key", "path"], value). The value is read as a TOML value
    (numbers, booleans, strings, arrays, inline tables); anything else is taken as a bare string."""
    if "=" not in text:
        raise ConfigError(f"--set expects key.path=value, got {text!r}")
    key, raw = text.split("=", 1)
    parts = [p.strip() for p in key.strip().split(".")]
    if not all(parts):
        raise ConfigError(f"--set expects key.path=value, got {text!r}")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return parts, value


def apply_override(data: dict, parts: list[str], value: Any, where: str) -> dict:
    """Return a copy of the nested dict `data` with data[parts...] = value (tables created as needed)."""
    out = dict(data)
    head = parts[0]
    if len(parts) == 1:
        out[head] = value
        return out
    sub = out.get(head, {})
    if not isinstance(sub, dict):
        if isinstance(sub, (int, float)) and parts[1] in ("low", "high"):
            sub = {"low": sub, "high": sub}
        else:
            raise ConfigError(f"--set {where}.{'.'.join(parts)}: {where}.{head} is not a table")
    out[head] = apply_override(sub, parts[1:], value, f"{where}.{head}")
    return out
