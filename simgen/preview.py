"""Pictures of a finished scene, to check it in seconds.

    simgen preview SCENE_DIR [--out FILE.png]          # the preview sheet
    simgen preview SCENE_DIR --gif [--out FILE.gif]     # an animation with the same overlays
    simgen preview SCENE_DIR --frame N --out FILE.png   # one frame: RGB | depth | instance ids

The sheet: a header line, the top-down map (rooms, doors, labelled objects, covered / uncovered, the
camera path coloured by time, numbered markers where the shown frames were taken) beside a grid whose
columns are frames spread over the video and whose rows are the delivered RGB with 2D boxes, ids and
labels, the clean RGB (when rgb_clean.mp4 exists), depth and instance ids. Previews are never written
into the scene directory (its files are listed with checksums in the manifest).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from simgen.core.errors import ConfigError
from simgen.report.draw import caption, depth_colours, draw_boxes, id_colours, resize, stack, text_block
from simgen.report.scene_dir import SceneDir, spread_indices

__all__ = ["frame_panel", "id_colours", "preview_sheet", "preview_gif", "frame_column", "sheet_header"]
log = logging.getLogger(__name__)


def frame_panel(scene_dir: Path, index: int) -> np.ndarray:
    """(H, 3W, 3) uint8: the delivered RGB frame, depth (near blue -> far red, black = none), instance ids."""
    sd = SceneDir.open(scene_dir)
    sd.check_index(index)
    rgb = sd.rgb(index)
    return np.concatenate([rgb, depth_colours(sd.depth_mm(index)), id_colours(sd.instance(index))], axis=1)


def _names(sd: SceneDir) -> dict[int, str]:
    return {i: o["name"] for i, o in sd.objects().items()}


def _min_box_px(sd: SceneDir) -> int:
    """Smallest visible_px that gets a box: 0.05 % of the image (150 px at 640x480 ... 10 px at 160x120)."""
    return max(4, int(0.0005 * sd.width * sd.height))


def frame_column(sd: SceneDir, index: int, tile_px: int, rows=("rgb", "clean", "depth", "instance"),
                 highlight: set[int] | None = None):
    """PIL image: frame `index` as a column of tiles `tile_px` wide (rows missing from the scene are skipped)."""
    names = _names(sd)
    tiles = []
    for r in rows:
        if r == "rgb":
            tiles.append(draw_boxes(sd.rgb(index), sd.frame_objects(index), names, tile_px,
                                    min_px=_min_box_px(sd), highlight=highlight))
        elif r == "clean" and sd.has_clean:
            tiles.append(resize(sd.rgb(index, clean=True), tile_px))
        elif r == "depth":
            tiles.append(resize(depth_colours(sd.depth_mm(index)), tile_px, nearest=True))
        elif r == "instance":
            tiles.append(resize(id_colours(sd.instance(index)), tile_px, nearest=True))
    return stack(tiles, axis=0, gap=2)


def _row_labels(sd: SceneDir, tile_h: int, rows) -> "object":
    from PIL import Image, ImageDraw

    from simgen.report.draw import font

    spec = sd.degrade_spec
    text = {"rgb": "RGB + boxes" + ("\ndegraded:\n" + spec.replace(",", ",\n") if spec else ""),
            "clean": "clean RGB\n(rgb_clean.mp4)",
            "depth": "depth\nnear blue,\nfar red", "instance": "instance ids"}
    shown = [r for r in rows if r != "clean" or sd.has_clean]
    im = Image.new("RGB", (96, len(shown) * (tile_h + 2)), (255, 255, 255))
    d = ImageDraw.Draw(im)
    for k, r in enumerate(shown):
        lines = text[r].split("\n")
        wrapped = []
        for ln in lines:   # long lines (effect names) are cut into pieces that fit the column
            wrapped += [ln[i:i + 15] for i in range(0, len(ln), 15)] or [""]
        d.multiline_text((4, k * (tile_h + 2) + 4), "\n".join(wrapped), fill=(40, 40, 40), font=font(11))
    return im


def sheet_header(sd: SceneDir) -> str:
    """One line describing the scene: id, rooms, objects, coverage, frames, degradation."""
    rooms = sd.scene.get("rooms", [])
    objs = sd.objects()
    cov = sum(1 for o in objs.values() if o.get("covered"))
    n_cat = len({o["category"] for o in objs.values()})
    spec = sd.degrade_spec
    return (f"scene {sd.scene_id}  |  {len(rooms)} room(s): {', '.join(r['type'] for r in rooms)}  |  "
            f"{len(objs)} objects, {n_cat} categories, {cov} covered  |  {sd.n_frames} frames "
            f"{sd.width}x{sd.height}  |  {len(sd.qa)} QA items  |  " + (f"degraded: {spec}" if spec else "clean"))


def preview_sheet(scene_dir, n_frames: int = 6, tile_px: int = 220, map_px: int = 440):
    """PIL image: the preview sheet of a scene directory (see the module docstring)."""
    from simgen.report.maps import map_legend, scene_map

    if not (1 <= n_frames <= 32):
        raise ConfigError(f"--frames must be in 1..32, got {n_frames}")
    if not (64 <= tile_px <= 1024):
        raise ConfigError(f"--tile-px must be in 64..1024, got {tile_px}")
    sd = scene_dir if isinstance(scene_dir, SceneDir) else SceneDir.open(scene_dir)
    idx = spread_indices(min(sd.n_frames, len(sd.video())), n_frames)
    if not idx:
        raise ConfigError(f"{sd.path} has no frames")
    rows = ("rgb", "clean", "depth", "instance")
    cols = []
    times = [f.get("timestamp_s", 0.0) for f in sd.camera.get("frames", [])]
    for k, i in enumerate(idx):
        col = frame_column(sd, i, tile_px, rows)
        t = times[i] if i < len(times) else 0.0
        cols.append(caption(col, f"({k + 1}) frame {i}, t = {t:.1f} s", 12))
    tile_h = round(sd.height * tile_px / sd.width)
    labels = _row_labels(sd, tile_h, rows)
    grid = stack([stack([text_block([""], 96, 12), labels], axis=0, gap=0)] + cols, axis=1, gap=4)
    mp = scene_map(sd, map_px, marks=idx)
    legend = map_legend(sd, mp.width, duration_s=times[-1] if times else None)
    left = stack([mp, legend], axis=0, gap=2)
    body = stack([left, grid], axis=1, gap=10)
    head = text_block([sheet_header(sd)], body.width, 14)
    return stack([head, body], axis=0, gap=4)


def preview_gif(scene_dir, out_path, max_frames: int = 48, tile_px: int = 240, map_px: int = 300) -> Path:
    """Write an animated GIF: per frame the map with the camera marker | RGB with boxes | clean | depth | ids.

    At most `max_frames` frames spread over the video; each shown for its real time step."""
    from simgen.report.maps import scene_map

    if not (2 <= max_frames <= 600):
        raise ConfigError(f"--gif-frames must be in 2..600, got {max_frames}")
    sd = scene_dir if isinstance(scene_dir, SceneDir) else SceneDir.open(scene_dir)
    n = min(sd.n_frames, len(sd.video()))
    idx = spread_indices(n, max_frames)
    if not idx:
        raise ConfigError(f"{sd.path} has no frames")
    times = [f.get("timestamp_s", 0.0) for f in sd.camera.get("frames", [])]
    step_s = (times[idx[-1]] - times[idx[0]]) / max(1, len(idx) - 1) if len(idx) > 1 else 0.1
    duration_ms = int(np.clip(round(1000 * step_s), 40, 1000))
    names, images = _names(sd), []
    for i in idx:
        spec = sd.degrade_spec
        tiles = [caption(draw_boxes(sd.rgb(i), sd.frame_objects(i), names, tile_px, min_px=_min_box_px(sd)),
                         f"delivered ({spec})" if spec else "RGB + boxes", 11)]
        if sd.has_clean:
            tiles.append(caption(resize(sd.rgb(i, clean=True), tile_px), "clean", 11))
        tiles += [caption(resize(depth_colours(sd.depth_mm(i)), tile_px, nearest=True), "depth", 11),
                  caption(resize(id_colours(sd.instance(i)), tile_px, nearest=True), "instance ids", 11)]
        mp = scene_map(sd, map_px, current=i, path_until=i, labels=False)
        frame = stack([mp, stack(tiles, axis=1, gap=3)], axis=1, gap=6, align="center")
        images.append(caption(frame, f"scene {sd.scene_id}  frame {i}/{n - 1}  t = {times[i]:.2f} s", 13))
    size = images[0].size
    images = [im if im.size == size else stack([im], 0).resize(size) for im in images]
    out_path = Path(out_path)
    images[0].save(out_path, save_all=True, append_images=images[1:], duration=duration_ms, loop=0,
                   optimize=False, disposal=1)
    return out_path


# ---- CLI ----------------------------------------------------------------------------------------
def add_cli(sub) -> dict:
    p = sub.add_parser("preview", help="a preview sheet (map, frames with boxes, depth, ids) of a finished scene; "
                                       "--gif for an animation, --frame N for one frame")
    p.add_argument("scene_dir", type=Path)
    p.add_argument("--out", type=Path, default=None,
                   help="file to write (default: ./<scene_id>_preview.png, .gif with --gif, _frame<N>.png with "
                        "--frame); never inside SCENE_DIR")
    p.add_argument("--gif", action="store_true", help="an animated GIF with the same overlays")
    p.add_argument("--frame", type=int, default=None,
                   help="only this frame: RGB | depth | instance ids side by side at full size")
    p.add_argument("--frames", type=int, default=6, help="frames on the sheet (default: 6)")
    p.add_argument("--gif-frames", type=int, default=48, help="at most this many frames in the GIF (default: 48)")
    p.add_argument("--tile-px", type=int, default=220, help="width of one frame tile in pixels (default: 220)")
    return {"preview": run}


def _default_out(scene_dir: Path, args) -> Path:
    sid = scene_dir.resolve().name
    if args.frame is not None:
        return Path(f"{sid}_frame{args.frame}.png")
    return Path(f"{sid}_preview.gif" if args.gif else f"{sid}_preview.png")


def run(args) -> int:
    from PIL import Image

    scene_dir = Path(args.scene_dir)
    out = Path(args.out) if args.out is not None else _default_out(scene_dir, args)
    for name in ("scene.json", "camera.json"):
        if not (scene_dir / name).is_file():
            raise ConfigError(f"{scene_dir} is not a simgen scene directory (no {name})")
    if out.resolve().parent.is_relative_to(scene_dir.resolve()):
        raise ConfigError(f"--out {out} is inside the scene directory; previews are never written there")
    if args.frame is not None and args.gif:
        raise ConfigError("--frame and --gif exclude each other")
    if not out.parent.is_dir():
        raise ConfigError(f"--out: directory {out.parent} does not exist")
    if args.frame is not None:
        Image.fromarray(frame_panel(scene_dir, args.frame)).save(out)
    elif args.gif:
        preview_gif(scene_dir, out, max_frames=args.gif_frames, tile_px=args.tile_px)
    else:
        preview_sheet(scene_dir, n_frames=args.frames, tile_px=args.tile_px).save(out)
    log.info("wrote %s", out)
    return 0
