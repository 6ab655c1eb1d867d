"""Asset gallery: every category, several variants each, rendered through simgen's renderer into one
labelled grid image (`simgen assets gallery --out docs/assets.png`).

Parts are drawn with their render meshes (procedural textures mapped in metres). The sheet is saved
as an adaptive-palette PNG (median cut, no dithering) with as many colours, from 64 down to 24, as
keep the file under `--max-kb` (default 190 KB, so the README picture stays small), or as 24-bit RGB
with `--rgb`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def _cell_view(extents, cell_px: int):
    """K and OpenCV cam_to_world framing an asset of `extents` (x, y, z) from its front-right, 25 deg up."""
    from simgen.core.transforms import intrinsics_from_hfov, look_at_cv

    ext = np.asarray(extents, dtype=np.float64)
    center = np.array([0.0, 0.0, ext[2] / 2.0])
    radius = float(np.linalg.norm(ext)) / 2.0 + 1e-3
    hfov_deg = 40.0
    dist = radius / np.sin(np.deg2rad(hfov_deg) / 2.0) * 1.02
    yaw, el = np.deg2rad(35.0), np.deg2rad(22.0)
    eye = center + dist * np.array([np.cos(el) * np.cos(yaw), np.cos(el) * np.sin(yaw), np.sin(el)])
    return intrinsics_from_hfov(cell_px, cell_px, hfov_deg), look_at_cv(eye, center), eye


def render_asset_rgb(renderer, asset, cell_px: int) -> np.ndarray:
    """(cell_px, cell_px, 3) uint8 sRGB image of one asset on a light background."""
    from simgen.core.color import linear_to_srgb8
    from simgen.render import Light, RenderItem

    items = [RenderItem(instance_id=1 + i, name=p.name, mesh=p.render_mesh(), material=p.material, pose=np.eye(4))
             for i, p in enumerate(asset.parts)]
    K, cam, eye = _cell_view(asset.extents_m, cell_px)
    key_dir = -(eye - np.array([0.0, 0.0, asset.extents_m[2] / 2])) + np.array([0.0, -0.3, 0.0]) * np.linalg.norm(eye)
    lights = [Light("directional", direction=tuple(key_dir), intensity=3.0),
              Light("directional", direction=(0.4, 0.8, -0.5), intensity=1.2),
              Light("directional", direction=(-1.0, -0.2, -0.3), intensity=0.8)]
    renderer.load(items, lights)
    fb = renderer.render(K, cam, outputs=("rgb", "instance"))
    rgb = linear_to_srgb8(fb.rgb_linear)
    bg = fb.instance == 0
    rgb[bg] = (232, 232, 236)
    return rgb


def render_gallery(out_path, variants: int = 5, cell_px: int = 128, categories: list[str] | None = None,
                   seed: int = 0, palette: bool = True, max_kb: float = 190.0) -> Path:
    """Render `variants` seeds of every category (rows) into a labelled grid PNG at out_path.

    palette: save as an adaptive-palette PNG (see the module docstring) with the most colours (<= 64)
    that fit in max_kb kilobytes (0 = 64 colours whatever the size); False saves 24-bit RGB."""
    from PIL import Image, ImageDraw

    from simgen.assets import categories as all_categories
    from simgen.assets import make
    from simgen.render import Renderer

    cats = categories or all_categories()
    label_h = 14
    cols = int(variants)
    # several categories per row band to keep the sheet from getting very tall
    per_row = 3 if len(cats) > 30 else (2 if len(cats) > 12 else 1)
    rows = (len(cats) + per_row - 1) // per_row
    W = per_row * cols * cell_px + (per_row - 1) * 8
    H = rows * (cell_px + label_h)
    sheet = Image.new("RGB", (W, H), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    with Renderer(cell_px, cell_px, ambient=(0.25, 0.25, 0.25)) as r:
        for k, cat in enumerate(cats):
            row, band = divmod(k, per_row)
            x0 = band * (cols * cell_px + 8)
            y0 = row * (cell_px + label_h)
            draw.text((x0 + 3, y0 + 1), cat, fill=(0, 0, 0))
            for j in range(cols):
                a = make(cat, np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k, j))))
                img = render_asset_rgb(r, a, cell_px)
                sheet.paste(Image.fromarray(img), (x0 + j * cell_px, y0 + label_h))
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = encode_png(sheet, palette, max_kb)
    out.write_bytes(data)
    log.info("wrote asset gallery %s (%d categories x %d variants, %.0f KB)", out, len(cats), cols, len(data) / 1024)
    return out


def encode_png(image, palette: bool, max_kb: float) -> bytes:
    """PNG bytes of a PIL RGB image: RGB, or a median-cut palette of 64, 56, ... 24 colours, the first
    (most colours) whose file fits in max_kb (the 24-colour one if none does; max_kb <= 0: 64 colours)."""
    import io

    from PIL import Image

    def enc(im) -> bytes:
        buf = io.BytesIO()
        im.save(buf, format="PNG", optimize=True)
        return buf.getvalue()

    if not palette:
        return enc(image)
    data = b""
    for colors in range(64, 23, -8):
        data = enc(image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE))
        if max_kb <= 0 or len(data) <= max_kb * 1024:
            break
    return data


def add_cli(subparsers) -> dict:
    """Register `assets gallery --out PATH [--variants N] [--cell-px N] [--category C] [--rgb] [--max-kb K]`;
    returns {command: handler}."""
    p = subparsers.add_parser("assets", help="asset library tools")
    sub = p.add_subparsers(dest="assets_cmd", required=True)
    g = sub.add_parser("gallery", help="render every asset category into a labelled grid image")
    g.add_argument("--out", required=True, type=Path, help="output PNG path")
    g.add_argument("--variants", type=int, default=5, help="variants (seeds) per category (default 5)")
    g.add_argument("--cell-px", type=int, default=128, help="size of one cell in pixels (default 128)")
    g.add_argument("--category", action="append", default=None, help="only this category (repeatable)")
    g.add_argument("--rgb", action="store_true", help="save 24-bit RGB instead of a palette PNG")
    g.add_argument("--max-kb", type=float, default=190.0,
                   help="palette PNG: use the most colours (64 down to 24) that fit in this size (default 190; 0 = 64)")
    return {"assets": run}


def run(args: argparse.Namespace) -> int:
    """Run the `assets` subcommand; returns the exit code. Bad values raise ConfigError."""
    from simgen.core.errors import ConfigError

    if getattr(args, "assets_cmd", None) != "gallery":
        raise ConfigError(f"unknown assets command {getattr(args, 'assets_cmd', None)!r}; allowed: gallery")
    if not (1 <= args.variants <= 50):
        raise ConfigError(f"--variants must be in 1..50, got {args.variants}")
    if not (32 <= args.cell_px <= 1024):
        raise ConfigError(f"--cell-px must be in 32..1024, got {args.cell_px}")
    if args.category:
        from simgen.assets import categories

        bad = [c for c in args.category if c not in categories()]
        if bad:
            raise ConfigError(f"unknown asset category {bad[0]!r}; allowed: {', '.join(categories())}")
    max_kb = float(getattr(args, "max_kb", 190.0))
    if not (max_kb >= 0.0):
        raise ConfigError(f"--max-kb must be >= 0, got {max_kb}")
    render_gallery(args.out, variants=args.variants, cell_px=args.cell_px, categories=args.category,
                   palette=not getattr(args, "rgb", False), max_kb=max_kb)
    return 0
