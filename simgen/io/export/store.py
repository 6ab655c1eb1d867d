"""Read-only access to a simgen output directory (the output contract, docs/format.md) for exporters.

Exporters never import the scene/camera/render stages: they read OUT through `Store` and `SceneView`,
and write everything through `staged_dir`, which builds a format's directory under a temporary name
and renames it into place when complete (a crash leaves no half-written export).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from simgen.core.errors import ConfigError
from simgen.io.jsonio import read_jsonl

VARIANTS = ("delivered", "clean", "degraded")
FRAME_BUDGETS = ("16", "32", "64", "all")


def missing_extra(package: str, err: Exception) -> ConfigError:
    """The error raised when an optional heavy dependency is absent."""
    return ConfigError(f"this export needs the Python package {package!r} ({err}); "
                       'install it with: pip install "simgen[export]"')


@dataclass(frozen=True)
class SceneView:
    """One finished scene directory OUT/scenes/<scene_id>; files are read lazily and cached."""

    root: Path

    @property
    def scene_id(self) -> str:
        return self.root.name

    @cached_property
    def scene(self) -> dict:
        return json.loads((self.root / "scene.json").read_text(encoding="utf-8"))

    @cached_property
    def camera(self) -> dict:
        return json.loads((self.root / "camera.json").read_text(encoding="utf-8"))

    @cached_property
    def frames(self) -> list[dict]:
        return read_jsonl(self.root / "frames.jsonl")

    @cached_property
    def qa(self) -> list[dict]:
        return read_jsonl(self.root / "qa.jsonl")

    @cached_property
    def degradation(self) -> dict | None:
        p = self.root / "degradation.json"
        return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else None

    @property
    def n_frames(self) -> int:
        return len(self.camera["frames"])

    @property
    def size_wh(self) -> tuple[int, int]:
        return int(self.camera["width"]), int(self.camera["height"])

    @property
    def K(self) -> np.ndarray:
        """(3, 3) float64 intrinsics; pixel-corner origin (centre of pixel (u, v) at (u + .5, v + .5))."""
        return np.asarray(self.camera["K"], dtype=np.float64)

    def cam_to_world(self) -> np.ndarray:
        """(T, 4, 4) float64 OpenCV camera -> world (+Z up) per frame."""
        return np.asarray([f["cam_to_world"] for f in self.camera["frames"]], dtype=np.float64)

    @property
    def is_degraded(self) -> bool:
        d = self.degradation
        return d is not None and not d.get("clean", False)

    def objects(self) -> list[dict]:
        """scene.json entries with kind == "object" (not structure)."""
        return [o for o in self.scene["objects"] if o.get("kind") == "object"]

    def video(self, variant: str) -> Path:
        """The video file for `variant`: delivered (rgb.mp4), clean or degraded. ConfigError if absent."""
        if variant == "delivered":
            return self.root / "rgb.mp4"
        if variant == "degraded":
            if not self.is_degraded:
                raise ConfigError(f"--variant degraded: scene {self.scene_id} has no degradation "
                                  "(render with --degrade); use --variant clean or delivered")
            return self.root / "rgb.mp4"
        if variant == "clean":
            if not self.is_degraded:
                return self.root / "rgb.mp4"
            p = self.root / "rgb_clean.mp4"
            if not p.is_file():
                raise ConfigError(f"--variant clean: scene {self.scene_id} is degraded and has no rgb_clean.mp4 "
                                  "(render with --keep-clean); use --variant degraded or delivered")
            return p
        raise ConfigError(f"unknown --variant {variant!r}; allowed: {', '.join(VARIANTS)}")

    def rgb_frames(self, variant: str) -> np.ndarray:
        """(T, H, W, 3) uint8 decoded frames (H.264 CRF 18: lossy), cropped to the camera size."""
        from simgen.io.media import read_video

        w, h = self.size_wh
        return read_video(self.video(variant))[:, :h, :w]

    def depth_mm(self, index: int) -> np.ndarray:
        """(H, W) uint16 z-depth in millimetres, 0 = no surface."""
        from simgen.io.media import read_png16

        return read_png16(self.root / "depth" / f"{index:06d}.png")

    def instance(self, index: int) -> np.ndarray:
        """(H, W) uint16 instance ids, 0 = nothing."""
        from simgen.io.media import read_png16

        return read_png16(self.root / "instance" / f"{index:06d}.png")


class Store:
    """An output directory OUT of `simgen render`."""

    def __init__(self, root: Path):
        self.root = Path(root)
        if not (self.root / "scenes").is_dir():
            raise ConfigError(f"{self.root} is not a simgen output directory (no scenes/ folder); "
                              "give the --out directory of `simgen render`")

    @cached_property
    def dataset(self) -> dict:
        p = self.root / "dataset.json"
        return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}

    @cached_property
    def manifest(self) -> list[dict]:
        return read_jsonl(self.root / "manifest.jsonl")

    def scene_ids(self) -> list[str]:
        """Finished scenes: directories listed in the manifest (or, without a manifest, every complete one)."""
        listed = [r["scene_id"] for r in self.manifest if "scene_id" in r]
        if listed:
            return sorted(s for s in dict.fromkeys(listed) if (self.root / "scenes" / s).is_dir())
        return sorted(d.name for d in (self.root / "scenes").iterdir()
                      if d.is_dir() and not d.name.startswith(".") and (d / "scene.json").is_file())

    def scenes(self) -> list[SceneView]:
        ids = self.scene_ids()
        if not ids:
            raise ConfigError(f"{self.root} holds no finished scene")
        return [SceneView(self.root / "scenes" / s) for s in ids]


def check_frames_budget(frames: str) -> str:
    if str(frames) not in FRAME_BUDGETS:
        raise ConfigError(f"--frames must be one of {', '.join(FRAME_BUDGETS)}, got {frames!r}")
    return str(frames)


def answerable(item: dict, frames: str) -> bool:
    """Whether a QA item can be answered from `frames` uniformly sampled frames (qa.jsonl `answerable`)."""
    return bool((item.get("answerable") or {}).get(str(frames), False))


@contextlib.contextmanager
def staged_dir(final: Path, overwrite: bool):
    """Yield a temporary directory beside `final`; on success it replaces `final` atomically-ish.

    `final` existing is an error unless `overwrite`. On an exception the temporary directory is removed.
    """
    final = Path(final)
    if final.exists() and not overwrite:
        raise ConfigError(f"{final} exists; use --overwrite to replace it or choose another --dest")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".tmp-{final.name}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if final.exists():
        old = final.parent / f".old-{final.name}-{os.getpid()}"
        os.rename(final, old)
        os.rename(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, final)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a file under a temporary name, fsync, then rename over `path`."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def copy_file(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def save_image(path: Path, rgb8: np.ndarray) -> None:
    """(H, W, 3) uint8 -> PNG or JPEG (quality 95) by the file suffix."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        Image.fromarray(rgb8).save(path, format="JPEG", quality=95)
    else:
        Image.fromarray(rgb8).save(path, format="PNG", compress_level=3)
