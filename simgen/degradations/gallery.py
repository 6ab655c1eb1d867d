"""Picture grids of every effect at levels 1, 3 and 5 (for docs/degradations.md).

`python -m simgen.degradations.gallery docs/img/degradations [--boxroom]` writes one PNG per effect
(<out>/<effect>.png: clean | level 1 | level 3 | level 5) and the quality table (PSNR / SSIM per effect
and level on the same frame) as Markdown on stdout. The frame is a real simgen frame: a `medium`
scene (run seed 0) rendered at 256x192 and 30 fps through the pipeline's renderer, the frame of the
walk with the most objects in view, with the sub-frame effects rendering the real walk (pose_at,
render_linear). `--boxroom`
uses the renderer-free synthetic room instead (no GL), camera turning at 90 deg/s. PNGs are palette
images (256 colours, median cut, no dithering; fewer if needed to stay under 150 KB).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from simgen.core.transforms import intrinsics_from_hfov

log = logging.getLogger(__name__)

LEVELS_SHOWN = (1, 3, 5)                # in the pictures
LEVELS_TABLE = (1, 2, 3, 4, 5)          # in the quality table
CLIP = 12                             # frames up to the shown one (the codec clip, frame-drop playback)
YAW_RATE = np.deg2rad(90.0)


def _label(img: np.ndarray, text: str) -> np.ndarray:
    from PIL import Image, ImageDraw

    im = Image.fromarray(img)
    d = ImageDraw.Draw(im)
    d.rectangle([0, 0, 8 + 6 * len(text), 14], fill=(0, 0, 0))
    d.text((3, 2), text, fill=(255, 255, 255))
    return np.asarray(im)


@dataclass
class FrameSource:
    """One frame to degrade and what the sub-frame effects and the codec clip need around it."""

    K: np.ndarray
    width: int
    height: int
    fps: float
    t_s: float
    frame: tuple                      # (rgb_linear (H, W, 3) f32, depth_m (H, W) f32, instance (H, W) u16)
    pose_at: Callable                 # t_s -> (4, 4) cam_to_world (OpenCV)
    render_linear: Callable           # pose -> (H, W, 3) f32
    clip: list                        # [(t_s, rgb_linear, depth_m, instance)], CLIP frames ending at t_s
    label: str


def boxroom_source(width: int = 256, height: int = 192) -> FrameSource:
    """The synthetic BoxRoom, camera turning at 90 deg/s, frame at t = 0.25 s."""
    from simgen.degradations.synthetic import BoxRoom

    K = intrinsics_from_hfov(width, height, 70.0)
    room = BoxRoom(K, width, height)

    def pose_at(t):
        return room.default_pose(t, YAW_RATE)

    t = 0.25
    clip = [(t + (i - CLIP + 1) / 30.0, *room.render(pose_at(t + (i - CLIP + 1) / 30.0))) for i in range(CLIP)]
    return FrameSource(K, width, height, 30.0, t, room.render(pose_at(t)), pose_at,
                       lambda pose: room.render(pose)[0], clip, "BoxRoom (synthetic), turning at 90 deg/s")


@contextlib.contextmanager
def simgen_source(width: int = 256, height: int = 192, seed: int = 0, complexity: str = "medium"):
    """A real simgen frame (renderer open while the context lasts): scene `complexity`, run seed `seed`,
    scene 0, rendered at width x height and 30 fps; among every 9th frame of the middle 80 % of the walk,
    the one with the most objects in view (turn rate breaks ties)."""
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    from simgen.cameras.trajectory import plan_trajectory
    from simgen.core.rng import scene_seed, stage_rng
    from simgen.core.settings import build_run_config
    from simgen.pipeline import Renderers, make_scene, render_items, render_lights

    run = build_run_config(scene=complexity, camera="egocentric", seed=seed, n=1,   # 30 fps: the level tables'
                           camera_overrides={"width": width, "height": height, "fps": 30.0})  # reference rate
    s = scene_seed(run.seed, 0, 0)
    scene = make_scene(run, "000000", s)
    wall_m = scene.params.get("wall_thickness_m", run.scene.wall_thickness_m)
    with Renderers(width, height) as gl:
        traj = plan_trajectory(scene, run.camera, stage_rng(s, "camera"), wall_m, planner_gl=gl.planner)
        gl.main.load(render_items(scene, stage_rng(s, "textures")), render_lights(scene))
        times = np.asarray(traj.frame_times_s, float)
        n = len(times)
        lo, hi = int(0.1 * n), max(int(0.9 * n), int(0.1 * n) + 7)
        dt = 1e-3

        def turn_rate(t):
            a, b = traj.pose_at(t - dt)[:3, :3], traj.pose_at(t + dt)[:3, :3]
            c = np.clip((np.trace(a.T @ b) - 1.0) / 2.0, -1.0, 1.0)
            return float(np.arccos(c) / (2 * dt))

        # the frame with the most objects in view (>= 0.5 % of the image each), ties to the faster turn
        def score(i):
            inst = gl.main.render(traj.K, traj.pose_at(float(times[i])), outputs=("instance",)).instance
            ids, counts = np.unique(inst, return_counts=True)
            objects = {o.id for o in scene.objects}
            n_obj = sum(1 for j, c in zip(ids, counts) if int(j) in objects and c >= 0.005 * inst.size)
            return n_obj + min(turn_rate(float(times[i])), 2.0) / 2.0

        k = max(range(max(lo, CLIP - 1), min(hi, n), 9), key=score)

        def render_linear(pose):
            return gl.main.render(traj.K, pose, outputs=("rgb",)).rgb_linear

        def render_all(t):
            fb = gl.main.render(traj.K, traj.pose_at(t), outputs=("rgb", "depth", "instance"))
            return fb.rgb_linear, fb.depth_m, fb.instance

        clip = [(float(times[i]), *render_all(float(times[i]))) for i in range(k - CLIP + 1, k + 1)]
        rate = np.rad2deg(turn_rate(float(times[k])))
        log.info("gallery frame: scene seed %d, frame %d of %d, turning at %.0f deg/s", s, k, n, rate)
        yield FrameSource(np.asarray(traj.K, float), width, height, float(run.camera.fps), float(times[k]),
                          clip[-1][1:], traj.pose_at, render_linear, clip,
                          f"simgen `{complexity}` scene (run seed {seed}), frame {k}, turning at {rate:.0f} deg/s")


def effect_frames(name: str, src: FrameSource, seed: int = 0,
                  levels=LEVELS_SHOWN) -> list[tuple[str, np.ndarray, dict]]:
    """[(label, uint8 frame, quality)] for clean and `levels` of one effect on the source frame
    (quality: {"psnr_db", "ssim"} against the clean develop; compression: of the decoded last frame;
    frame_drop: mean over the clip played back)."""
    from simgen.degradations import Degrader, parse_degrade
    from simgen.degradations.metrics import frame_quality, luma8, psnr, ssim

    W, H = src.width, src.height
    rgb, depth, inst = src.frame
    out = []
    for level in levels:
        dg = Degrader(parse_degrade(f"{name}:{level}"), src.K, W, H, src.fps, np.random.default_rng(seed),
                      pose_at=src.pose_at, render_linear=src.render_linear, ssim_every=1)
        if name == "compression":
            from simgen.degradations.codec import iter_video

            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "c.mp4"
                with dg.open_video(path, measure=False) as enc:
                    for i, (t, r, d, s) in enumerate(src.clip):
                        f = dg.process(i, t, r, d, s)
                        enc.write(f.rgb8)
                img = list(iter_video(path))[-1][:H, :W].copy()
            clean = f.clean_rgb8
            q = frame_quality(img, clean)
        elif name == "frame_drop":
            # played back: each clip time shows the last delivered frame; quality over the clip (PSNR of
            # the mean squared error, mean SSIM), picture = what the player shows at the last time
            from simgen.degradations.camera import develop_clean

            held, shown, clean_y = None, [], []
            for i, (t, r, d, s) in enumerate(src.clip):
                f = dg.process(i, t, r, d, s)
                held = f.rgb8 if f is not None else held
                if held is not None:       # the clip starts mid-video: its first frames may be dropped
                    shown.append(luma8(held))
                    clean_y.append(luma8(develop_clean(r, dg.exposure)))
            img, clean = held, develop_clean(src.clip[-1][1], dg.exposure)
            q = {"psnr_db": psnr(np.stack(shown), np.stack(clean_y)),          # of the clip's mean MSE
                 "ssim": float(np.mean([ssim(a, b) for a, b in zip(shown, clean_y)]))}
        else:
            f = dg.process(0, src.t_s, rgb, depth, inst)
            img, clean, q = f.rgb8, f.clean_rgb8, f.quality
        if not out:
            out.append(("clean", clean, {}))
        out.append((f"{name} {level}", img, q))
    return out


def save_small_png(img: np.ndarray, path: Path, max_bytes: int = 150_000) -> int:
    """Write an (H, W, 3) uint8 image as a palette PNG (median cut, no dithering) of 256 colours, or
    fewer (128, 64) when needed to stay under max_bytes; returns the file size in bytes."""
    from PIL import Image

    for colours in (256, 128, 64):
        im = Image.fromarray(img).quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        im.save(path, optimize=True)
        size = Path(path).stat().st_size
        if size < max_bytes:
            break
    return size


def make_gallery(out_dir: Path, src: FrameSource, effects=None) -> tuple[list[Path], dict]:
    """Write <out_dir>/<effect>.png (clean | level 1 | level 3 | level 5) for every effect; returns the
    paths and {effect: {level: quality}} for levels 1..5."""
    from simgen.degradations.spec import EFFECTS

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths, table = [], {}
    for name in effects or EFFECTS:
        log.info("gallery: %s", name)
        cells = effect_frames(name, src, levels=LEVELS_TABLE)
        table[name] = {int(lab.split()[-1]): q for lab, _, q in cells[1:]}
        shown = [c for c in cells if c[0] == "clean" or int(c[0].split()[-1]) in LEVELS_SHOWN]
        row = np.concatenate([np.pad(_label(img, lab), ((2, 2), (2, 2), (0, 0)), constant_values=255)
                              for lab, img, _ in shown], 1)
        p = out_dir / f"{name}.png"
        size = save_small_png(row, p)
        log.info("  %s: %d KB", p, size // 1024)
        paths.append(p)
    return paths, table


def quality_table(table: dict) -> str:
    """Markdown: PSNR dB / SSIM per effect (rows) and level (columns)."""
    levels = sorted(next(iter(table.values())))
    lines = ["| effect | " + " | ".join(f"level {lv}" for lv in levels) + " |", "|---" * (len(levels) + 1) + "|"]
    for name, per in table.items():
        cells = [f"{per[lv]['psnr_db']:.1f} / {per[lv]['ssim']:.3f}" if "ssim" in per[lv]
                 else f"{per[lv]['psnr_db']:.1f}" for lv in levels]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", nargs="?", default="docs/img/degradations")
    ap.add_argument("--boxroom", action="store_true", help="the synthetic room instead of a simgen frame")
    ap.add_argument("--effects", default=None, help="comma-separated subset")
    a = ap.parse_args(argv)
    effects = a.effects.split(",") if a.effects else None
    if a.boxroom:
        src_cm = contextlib.nullcontext(boxroom_source())
    else:
        src_cm = simgen_source()
    with src_cm as src:
        _, table = make_gallery(Path(a.out_dir), src, effects)
    sys.stdout.write(f"frame: {src.label}\n\n" + quality_table(table) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover - documentation tool
    logging.basicConfig(level=logging.INFO)
    raise SystemExit(main())
