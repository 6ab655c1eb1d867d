"""Options shared by all exporters and the walk over QA items they share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from simgen.core.errors import ConfigError
from simgen.io.export.qa_text import check_answer_mode, render_item
from simgen.io.export.store import VARIANTS, SceneView, answerable, check_frames_budget, copy_file

IMAGE_FORMATS = ("png", "jpg")


@dataclass(frozen=True)
class ExportOptions:
    """What every exporter may use. `frames` keeps QA items answerable from that many uniformly sampled
    frames; `variant` picks the video (delivered rgb.mp4, clean, degraded)."""

    variant: str = "delivered"
    frames: str = "all"
    answer_mode: str = "mc_direct"
    media_token: str | None = None      # None: the format's own default
    shard_size_mb: float = 256.0        # webdataset / hf parquet shards
    image_format: str = "png"           # frames extracted from rgb.mp4 for image-based formats
    points_per_frame: int = 2000        # COLMAP points3D seeded from each frame's depth
    dataset_name: str = "simgen"
    overwrite: bool = False
    progress: bool = True

    def checked(self) -> "ExportOptions":
        if self.variant not in VARIANTS:
            raise ConfigError(f"unknown --variant {self.variant!r}; allowed: {', '.join(VARIANTS)}")
        check_frames_budget(self.frames)
        check_answer_mode(self.answer_mode)
        if self.image_format not in IMAGE_FORMATS:
            raise ConfigError(f"unknown --image-format {self.image_format!r}; allowed: {', '.join(IMAGE_FORMATS)}")
        if not self.shard_size_mb > 0:
            raise ConfigError(f"--shard-size-mb must be > 0, got {self.shard_size_mb}")
        if self.points_per_frame < 1:
            raise ConfigError(f"--points-per-frame must be >= 1, got {self.points_per_frame}")
        if not self.dataset_name or "/" in self.dataset_name:
            raise ConfigError(f"--name must be a non-empty name without '/', got {self.dataset_name!r}")
        return self


def progress(it, opts: ExportOptions, desc: str, total: int | None = None):
    return tqdm(it, desc=desc, total=total, disable=not opts.progress, unit="scene", leave=False)


def qa_rows(scenes: list[SceneView], opts: ExportOptions):
    """Yield (scene, item, rendered) for every QA item answerable under `opts.frames`, in scene then id order."""
    for sv in scenes:
        for item in sv.qa:
            if answerable(item, opts.frames) and renderable(item, opts.answer_mode):
                yield sv, item, render_item(item, opts.answer_mode)


def renderable(item: dict, mode: str) -> bool:
    """`mc` turns numeric answers into four options; items with neither options nor a numeric answer
    (grounding boxes, cognitive maps, free text) have no multiple-choice form and are left out of it."""
    if mode != "mc" or item.get("options"):
        return True
    v = item.get("answer_value")
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def copy_videos(scenes: list[SceneView], root: Path, rel_dir: str, opts: ExportOptions) -> dict[str, str]:
    """Copy each scene's chosen video to root/rel_dir/<scene_id>.mp4; returns {scene_id: relative path}."""
    out = {}
    for sv in progress(scenes, opts, "videos"):
        rel = f"{rel_dir}/{sv.scene_id}.mp4" if rel_dir else f"{sv.scene_id}.mp4"
        copy_file(sv.video(opts.variant), root / rel)
        out[sv.scene_id] = rel
    return out
