"""Picture grids of every effect at levels 1, 3 and 5 (for docs/degradations.md).

`python -m simgen.degradations.gallery docs/img/degradations` writes one PNG per effect group. The
scene is the renderer-free `BoxRoom` (so the grid needs no GL), seen by a camera turning at 90 deg/s
(for motion blur, rolling shutter and the codec clip). Each row: clean | level 1 | level 3 | level 5.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

import numpy as np

from simgen.core.transforms import intrinsics_from_hfov

log = logging.getLogger(__name__)

GROUPS = {
    "optics": ("motion_blur", "rolling_shutter", "defocus", "fog", "lens_distortion", "vignetting", "droplets"),
    "sensor": ("low_light", "overexposure", "sensor_noise"),
    "digital": ("low_resolution", "jpeg", "compression"),
}
LEVELS_SHOWN = (1, 3, 5)
YAW_RATE = np.deg2rad(90.0)


def _label(img: np.ndarray, text: str) -> np.ndarray:
    from PIL import Image, ImageDraw

    im = Image.fromarray(img)
    d = ImageDraw.Draw(im)
    d.rectangle([0, 0, 8 + 6 * len(text), 14], fill=(0, 0, 0))
    d.text((3, 2), text, fill=(255, 255, 255))
    return np.asarray(im)


def effect_frames(name: str, width: int = 256, height: int = 192, seed: int = 0) -> list[tuple[str, np.ndarray]]:
    """[(label, uint8 frame)] for clean and levels 1, 3, 5 of one effect on the BoxRoom."""
    from simgen.degradations import Degrader, parse_degrade
    from simgen.degradations.synthetic import BoxRoom

    K = intrinsics_from_hfov(width, height, 70.0)
    room = BoxRoom(K, width, height)

    def pose_at(t):
        return room.default_pose(t, YAW_RATE)

    def render_linear(pose):
        return room.render(pose)[0]

    t = 0.25
    rgb, depth, inst = room.render(pose_at(t))
    out = []
    for level in LEVELS_SHOWN:
        dg = Degrader(parse_degrade(f"{name}:{level}"), K, width, height, 30.0, np.random.default_rng(seed),
                      pose_at=pose_at, render_linear=render_linear, ssim_every=1)
        if name == "compression":
            from simgen.degradations.codec import iter_video

            frames = [room.render(pose_at(t + (i - 5) / 30.0)) for i in range(6)]
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "c.mp4"
                with dg.open_video(path, measure=False) as enc:
                    for i, (r, d, s) in enumerate(frames):
                        f = dg.process(i, t + (i - 5) / 30.0, r, d, s)
                        enc.write(f.rgb8)
                img = list(iter_video(path))[-1][:height, :width].copy()
            clean = f.clean_rgb8
        else:
            f = dg.process(0, t, rgb, depth, inst)
            img, clean = f.rgb8, f.clean_rgb8
        if not out:
            out.append(("clean", clean))
        out.append((f"{name}:{level}", img))
    return out


def make_gallery(out_dir: Path, width: int = 256, height: int = 192) -> list[Path]:
    """Write <out_dir>/<group>.png for each group of GROUPS; returns the paths."""
    from PIL import Image

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for group, names in GROUPS.items():
        rows = []
        for name in names:
            log.info("gallery: %s", name)
            cells = [_label(img, lab) for lab, img in effect_frames(name, width, height)]
            rows.append(np.concatenate([np.pad(c, ((2, 2), (2, 2), (0, 0)), constant_values=255) for c in cells], 1))
        grid = np.concatenate(rows, 0)
        p = out_dir / f"{group}.png"
        Image.fromarray(grid).save(p, optimize=True)
        paths.append(p)
    return paths


if __name__ == "__main__":  # pragma: no cover - documentation tool
    logging.basicConfig(level=logging.INFO)
    make_gallery(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img/degradations"))
