"""Pictures of a finished scene: a frame panel (RGB | depth | instance ids) for quick checks.

`simgen preview SCENE_DIR --frame N --out FILE.png`
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from simgen.core.errors import ConfigError


def _turbo_like(x: np.ndarray) -> np.ndarray:
    """(H, W) values in [0, 1] -> (H, W, 3) uint8 with a perceptually ordered blue-green-yellow-red map."""
    stops = np.array([[48, 18, 59], [40, 120, 240], [30, 200, 160], [160, 230, 60], [250, 170, 40],
                      [200, 40, 20]], dtype=np.float64)
    t = np.clip(x, 0, 1) * (len(stops) - 1)
    i = np.minimum(t.astype(int), len(stops) - 2)
    f = (t - i)[..., None]
    return (stops[i] * (1 - f) + stops[i + 1] * f).astype(np.uint8)


def id_colours(ids: np.ndarray) -> np.ndarray:
    """(H, W) uint16 ids -> (H, W, 3) uint8, a fixed pseudo-random colour per id, black for 0."""
    x = ids.astype(np.uint64)
    h = (x * np.uint64(2654435761)) & np.uint64(0xFFFFFF)
    rgb = np.stack([(h >> np.uint64(16)) & np.uint64(255), (h >> np.uint64(8)) & np.uint64(255),
                    h & np.uint64(255)], axis=-1).astype(np.uint8)
    rgb = (rgb // 2 + 96).astype(np.uint8)
    rgb[ids == 0] = 0
    return rgb


def frame_panel(scene_dir: Path, index: int) -> np.ndarray:
    """(H, 3W, 3) uint8: the delivered RGB frame, depth (near blue -> far red, black = none), instance ids."""
    from simgen.io.media import read_png16, read_video

    scene_dir = Path(scene_dir)
    if not (scene_dir / "camera.json").is_file():
        raise ConfigError(f"{scene_dir} is not a simgen scene directory (no camera.json)")
    cam = json.loads((scene_dir / "camera.json").read_text())
    n = len(cam["frames"])
    if not 0 <= index < n:
        raise ConfigError(f"--frame must be in 0..{n - 1}, got {index}")
    rgb = read_video(scene_dir / "rgb.mp4")[index][: cam["height"], : cam["width"]]
    depth_mm = read_png16(scene_dir / "depth" / f"{index:06d}.png").astype(np.float64)
    valid = depth_mm > 0
    d = np.zeros_like(depth_mm)
    if valid.any():
        lo, hi = np.percentile(depth_mm[valid], [1, 99])
        d = (depth_mm - lo) / max(hi - lo, 1.0)
    depth_rgb = _turbo_like(d)
    depth_rgb[~valid] = 0
    inst = id_colours(read_png16(scene_dir / "instance" / f"{index:06d}.png"))
    return np.concatenate([rgb, depth_rgb, inst], axis=1)


def add_cli(sub) -> dict:
    p = sub.add_parser("preview", help="a picture of one frame of a finished scene: RGB | depth | instance ids")
    p.add_argument("scene_dir", type=Path)
    p.add_argument("--frame", type=int, default=0, help="frame index (default: 0)")
    p.add_argument("--out", type=Path, default=None, help="PNG to write (default: SCENE_DIR/preview.png is NOT used; "
                   "give a path)")
    return {"preview": run}


def run(args) -> int:
    from PIL import Image

    if args.out is None:
        raise ConfigError("--out FILE.png is required (previews are never written into scene directories)")
    Image.fromarray(frame_panel(args.scene_dir, args.frame)).save(args.out)
    return 0
