"""Glue for the pipeline: stream a clip through a Degrader into the video files, and read a saved scene
back as linear frames to re-degrade it (`simgen degrade SCENE_DIR --degrade ...`).

Nothing here holds more than one frame. This module reads the saved files itself (PIL, imageio-ffmpeg)
so that the degradation stage does not import the writer stage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from simgen.core.errors import ConfigError
from simgen.degradations.camera import srgb8_to_linear
from simgen.degradations.degrader import Degrader, DeliveredFrame

FrameIn = tuple  # (index, timestamp_s, rgb_linear (H,W,3) f32, depth_m (H,W) f32, instance (H,W) u16)


def degrade_stream(degrader: Degrader, frames: Iterable[FrameIn], video_path: Path,
                   clean_video_path: Path | None = None) -> Iterator[DeliveredFrame]:
    """Run `frames` through `degrader`, writing the delivered video (codec and CRF from the spec) and,
    if clean_video_path is given, the clean video (x264 CRF 18) alongside. Yields each delivered frame
    (for the caller to write depth/instance PNGs and annotations). When the generator is exhausted,
    `degrader.last_record` holds the complete record, including the encoder report and the quality of
    the encoded video against the clean frames."""
    from simgen.degradations.codec import VideoEncoder

    enc = degrader.open_video(video_path, measure=True)
    clean = None
    if clean_video_path is not None:
        clean = VideoEncoder(clean_video_path, degrader.width, degrader.height, degrader.delivered_fps(),
                             codec="libx264", crf=18, preset="medium", measure=False)
    try:
        for index, t_s, rgb, depth, inst in frames:
            out = degrader.process(index, t_s, rgb, depth, inst)
            if out is None:
                continue
            enc.write(out.rgb8, out.clean_rgb8)
            if clean is not None:
                clean.write(out.clean_rgb8)
            yield out
    finally:
        report = enc.close()
        if clean is not None:
            clean.close()
    degrader.last_record = degrader.record(codec_report=report)


@dataclass(frozen=True)
class SavedScene:
    """A saved scene read back for re-degradation. frames() yields FrameIn tuples, one at a time."""

    scene_dir: Path
    K: np.ndarray
    width: int
    height: int
    fps: float
    exposure: float
    video: Path
    timestamps_s: tuple[float, ...]

    def frames(self) -> Iterator[FrameIn]:
        from PIL import Image

        from simgen.degradations.codec import iter_video

        for i, rgb8 in enumerate(iter_video(self.video)):
            if i >= len(self.timestamps_s):
                break
            with Image.open(self.scene_dir / "depth" / f"{i:06d}.png") as im:
                depth = np.asarray(im, dtype=np.uint16).astype(np.float32) / 1000.0
            with Image.open(self.scene_dir / "instance" / f"{i:06d}.png") as im:
                inst = np.asarray(im, dtype=np.uint16)
            rgb = srgb8_to_linear(rgb8[: self.height, : self.width]) / np.float32(self.exposure)
            yield i, self.timestamps_s[i], rgb, depth, inst


def open_saved_scene(scene_dir: Path) -> SavedScene:
    """Read camera.json (+ degradation.json if any) of a saved scene. Uses rgb_clean.mp4 if present,
    else rgb.mp4 when that video is clean; ConfigError otherwise. Linear radiance is recovered by
    inverting the clean camera (sRGB decode / exposure): 8-bit and codec losses remain, and highlights
    clipped at white stay clipped (over-exposure of a re-degraded clip has no headroom)."""
    d = Path(scene_dir)
    try:
        cam = json.loads((d / "camera.json").read_text())
    except FileNotFoundError:
        raise ConfigError(f"{d} is not a scene directory: camera.json not found") from None
    rec = {}
    if (d / "degradation.json").is_file():
        rec = json.loads((d / "degradation.json").read_text())
    if (d / "rgb_clean.mp4").is_file():
        video = d / "rgb_clean.mp4"
    elif (d / "rgb.mp4").is_file() and rec.get("clean", True):
        video = d / "rgb.mp4"
    else:
        raise ConfigError(f"{d}: rgb.mp4 is degraded and there is no rgb_clean.mp4; render with --keep-clean")
    if cam.get("distortion"):
        raise ConfigError(f"{d}: the saved frames are distorted; re-degrade from an undistorted render")
    exposure = float(rec.get("camera", {}).get("exposure_scale") or 1.0)
    return SavedScene(d, np.asarray(cam["K"], dtype=np.float64), int(cam["width"]), int(cam["height"]),
                      float(cam["fps"]), exposure, video,
                      tuple(float(f["timestamp_s"]) for f in cam["frames"]))


def degrade_saved_scene(scene_dir: Path, spec, rng: np.random.Generator, video_path: Path,
                        clean_video_path: Path | None = None):
    """`simgen degrade SCENE_DIR --degrade SPEC`: returns (degrader, iterator of DeliveredFrame) that
    writes `video_path` (and the clean video) as it is consumed; `degrader.last_record` afterwards.
    Per-frame effects only (no renderer). Write into a new directory: reading and writing the same
    video is refused."""
    s = open_saved_scene(scene_dir)
    if Path(video_path).resolve() == s.video.resolve() or (
            clean_video_path is not None and Path(clean_video_path).resolve() == s.video.resolve()):
        raise ConfigError(f"cannot write {video_path} while reading it; write the re-degraded scene elsewhere")
    dg = Degrader(spec, s.K, s.width, s.height, s.fps, rng, exposure=s.exposure)
    return dg, degrade_stream(dg, s.frames(), video_path, clean_video_path)
