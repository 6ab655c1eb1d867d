"""Where presets live: the top-level `scenes/`, `cameras/`, `degradations/`, `assets/` folders of a
source checkout, or their copies shipped inside the wheel at `simgen/_presets/<kind>/`."""

from __future__ import annotations

from pathlib import Path

from simgen.core.errors import ConfigError

PRESET_KINDS = ("scenes", "cameras", "degradations", "assets")
_PKG = Path(__file__).resolve().parent.parent  # .../simgen


def preset_dir(kind: str) -> Path:
    """The folder holding presets of `kind` (a checkout's top-level folder wins over the wheel copy)."""
    if kind not in PRESET_KINDS:
        raise ValueError(f"unknown preset kind {kind!r}")
    checkout = _PKG.parent / kind
    if checkout.is_dir() and (_PKG.parent / "pyproject.toml").is_file():
        return checkout
    return _PKG / "_presets" / kind


def preset_names(kind: str) -> list[str]:
    d = preset_dir(kind)
    return sorted(p.stem for p in d.glob("*.toml")) if d.is_dir() else []


def resolve_preset(kind: str, name_or_path: str) -> Path:
    """A preset name (`high`) or a path to a TOML file -> the file's path, or a ConfigError listing names."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists() or "/" in name_or_path or "\\" in name_or_path:
        return p
    candidate = preset_dir(kind) / f"{name_or_path}.toml"
    if candidate.is_file():
        return candidate
    names = ", ".join(preset_names(kind)) or "(none found)"
    raise ConfigError(f"unknown {kind[:-1]} preset {name_or_path!r}; allowed: {names}, or a path to a .toml file")
