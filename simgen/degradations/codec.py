"""Digital degradations after the ISP: JPEG round trip and real H.264 / H.265 encoding.

Video goes through the ffmpeg binary bundled with imageio-ffmpeg (libx264 / libx265), yuv420p, with a
fixed thread count so that the output is bit-identical across runs on the same binary. Quality of the
encoded video is measured after the fact by decoding it next to a lossless reference of the clean
frames (libx264rgb, qp 0) written alongside, frame by frame: nothing is held in memory.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from simgen.degradations.metrics import QualityAccumulator, frame_quality

log = logging.getLogger(__name__)


def jpeg_roundtrip(rgb8: np.ndarray, quality: int) -> np.ndarray:
    """(H, W, 3) uint8 -> the same image after JPEG encode/decode at `quality` (PIL/libjpeg, 4:2:0)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb8)).save(buf, format="JPEG", quality=int(quality), subsampling=2)
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def ffmpeg_version() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_version())


def encoder_params(codec: str, crf: int, preset: str, threads: int = 1) -> list[str]:
    """ffmpeg output options for a deterministic encode (fixed threads, no metadata, bitexact)."""
    if codec not in ("libx264", "libx265", "libx264rgb"):
        raise ValueError(f"codec must be libx264, libx265 or libx264rgb, got {codec!r}")
    p = ["-preset", preset, "-threads", str(threads)]
    p += ["-qp", "0"] if codec == "libx264rgb" else ["-crf", str(int(crf))]
    if codec in ("libx264", "libx264rgb"):
        p += ["-x264-params", f"threads={threads}:lookahead-threads=1"]
    else:
        p += ["-x265-params", f"pools={threads}:frame-threads={threads}:log-level=error"]
    p += ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1"]
    return p


class _Pipe:
    """One ffmpeg encode process fed frame by frame."""

    def __init__(self, path: Path, width: int, height: int, fps: float, codec: str, crf: int, preset: str,
                 threads: int):
        import imageio_ffmpeg

        params = encoder_params(codec, crf, preset, threads)
        pix = "rgb24" if codec == "libx264rgb" else "yuv420p"
        if pix == "yuv420p":
            params += ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"]
        self._gen = imageio_ffmpeg.write_frames(
            str(path), (int(width), int(height)), fps=float(fps), codec=codec, pix_fmt_out=pix,
            macro_block_size=1, quality=None, output_params=params, ffmpeg_log_level="error")
        self._gen.send(None)

    def write(self, rgb8: np.ndarray) -> None:
        self._gen.send(np.ascontiguousarray(rgb8, dtype=np.uint8))

    def close(self) -> None:
        if self._gen is not None:
            self._gen.close()
            self._gen = None


def iter_video(path: Path):
    """Yield (H, W, 3) uint8 frames of a video file, one at a time."""
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    w, h = meta["size"]
    for f in reader:
        yield np.frombuffer(f, dtype=np.uint8).reshape(h, w, 3)


class VideoEncoder:
    """Streams delivered uint8 frames into an MP4 with libx264/libx265 at a CRF, optionally measuring
    PSNR/SSIM of the decoded result against clean frames given alongside.

    Use as a context manager; `write(rgb8, clean_rgb8=None)`; `close()` returns a report dict with the
    encoder settings, file size and (when clean frames were given) the quality summary of the decoded
    video against them."""

    def __init__(self, path: Path, width: int, height: int, fps: float, *, codec: str = "libx264",
                 crf: int = 23, preset: str = "medium", threads: int = 1, measure: bool = True):
        self.path = Path(path)
        self.size = (int(width), int(height))
        self.settings = {"codec": codec, "crf": int(crf), "preset": preset, "threads": int(threads),
                         "pix_fmt": "yuv420p", "fps": float(fps), "ffmpeg": ffmpeg_version()}
        self._main = _Pipe(self.path, width, height, fps, codec, crf, preset, threads)
        self._ref = None
        self._ref_path = None
        self._measure = measure
        self.n_frames = 0
        self.report: dict | None = None

    def write(self, rgb8: np.ndarray, clean_rgb8: np.ndarray | None = None) -> None:
        h, w = rgb8.shape[:2]
        if (w, h) != self.size:
            raise ValueError(f"frame is {w}x{h}, video is {self.size[0]}x{self.size[1]}")
        self._main.write(rgb8)
        if self._measure and clean_rgb8 is not None:
            if self._ref is None:
                fd, name = tempfile.mkstemp(suffix=".mkv", prefix="simgen_ref_", dir=self.path.parent)
                os.close(fd)
                self._ref_path = Path(name)
                self._ref = _Pipe(self._ref_path, w, h, self.settings["fps"], "libx264rgb", 0, "ultrafast", 1)
            self._ref.write(clean_rgb8)
        self.n_frames += 1

    def close(self) -> dict:
        if self.report is not None:
            return self.report
        self._main.close()
        rep = dict(self.settings, n_frames=self.n_frames, bytes=self.path.stat().st_size)
        if self._ref is not None:
            self._ref.close()
            try:
                acc = QualityAccumulator()
                w, h = self.size
                for dec, ref in zip(iter_video(self.path), iter_video(self._ref_path)):
                    acc.add(frame_quality(dec[:h, :w], ref))
                rep["quality_vs_clean"] = acc.summary()
            finally:
                self._ref_path.unlink(missing_ok=True)
        self.report = rep
        return rep

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def encode_video(frames, path: Path, fps: float, *, codec: str = "libx264", crf: int = 23,
                 preset: str = "medium", threads: int = 1, clean_frames=None) -> dict:
    """Encode an iterable of (H, W, 3) uint8 frames (streamed) to `path`. `clean_frames`, if given, is
    an iterable of the matching clean frames for the quality report. Returns VideoEncoder's report."""
    it = iter(frames)
    first = next(it)
    h, w = first.shape[:2]
    clean_it = iter(clean_frames) if clean_frames is not None else None
    with VideoEncoder(path, w, h, fps, codec=codec, crf=crf, preset=preset, threads=threads) as enc:
        enc.write(first, next(clean_it) if clean_it else None)
        for f in it:
            enc.write(f, next(clean_it) if clean_it else None)
    return enc.report
