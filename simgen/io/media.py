"""Image and video writers: 16-bit PNG (depth in mm, instance ids) and H.264 MP4 via imageio-ffmpeg."""

from __future__ import annotations

from pathlib import Path

import numpy as np

DEPTH_MAX_MM = 65535


def depth_to_mm(depth_m: np.ndarray) -> np.ndarray:
    """(H, W) float z-depth in metres (0 = no surface) -> uint16 millimetres, rounded; beyond 65.535 m -> 0."""
    mm = np.round(np.asarray(depth_m, dtype=np.float64) * 1000.0)
    mm[(mm > DEPTH_MAX_MM) | ~np.isfinite(mm) | (mm < 0)] = 0
    return mm.astype(np.uint16)


def write_png16(path: Path, image_u16: np.ndarray) -> None:
    """(H, W) uint16 -> 16-bit greyscale PNG (deterministic bytes for the same array)."""
    from PIL import Image

    arr = np.ascontiguousarray(image_u16, dtype=np.uint16)
    Image.fromarray(arr).save(path, format="PNG", optimize=False, compress_level=3)


def read_png16(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im, dtype=np.uint16)


class VideoWriter:
    """Streams uint8 RGB frames into an H.264 MP4 with a fixed encoder configuration.

    The thread count is fixed so that x264's output is bit-identical across runs on the same binary.
    Odd sizes are padded to even (yuv420p needs even dimensions); the pad is recorded by the caller.
    """

    def __init__(self, path: Path, width: int, height: int, fps: float, *, crf: int = 18,
                 codec: str = "libx264", preset: str = "medium", threads: int = 1):
        import imageio_ffmpeg

        self.path = Path(path)
        self.size = (int(width), int(height))
        params = ["-crf", str(crf), "-preset", preset, "-threads", str(threads)]
        if codec == "libx264":
            params += ["-x264-params", f"threads={threads}:lookahead-threads=1"]
        params += ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-fflags", "+bitexact", "-map_metadata", "-1"]
        self._gen = imageio_ffmpeg.write_frames(
            str(self.path), self.size, fps=fps, codec=codec, pix_fmt_out="yuv420p",
            macro_block_size=1, quality=None, output_params=params, ffmpeg_log_level="error")
        self._gen.send(None)
        self.n_frames = 0

    def write(self, rgb8: np.ndarray) -> None:
        """(H, W, 3) uint8 sRGB frame."""
        h, w = rgb8.shape[:2]
        if (w, h) != self.size:
            raise ValueError(f"frame is {w}x{h}, video is {self.size[0]}x{self.size[1]}")
        self._gen.send(np.ascontiguousarray(rgb8, dtype=np.uint8))
        self.n_frames += 1

    def close(self) -> None:
        if self._gen is not None:
            self._gen.close()
            self._gen = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_video(path: Path) -> np.ndarray:
    """(T, H, W, 3) uint8 frames of a video (for tests and previews)."""
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    w, h = meta["size"]
    frames = [np.frombuffer(f, dtype=np.uint8).reshape(h, w, 3) for f in reader]
    return np.stack(frames) if frames else np.zeros((0, h, w, 3), np.uint8)
