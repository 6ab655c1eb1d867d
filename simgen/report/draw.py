"""Drawing helpers shared by previews, the report and the README gallery (Pillow + numpy only).

Images are (H, W, 3) uint8 RGB arrays or PIL images; every helper says which it takes and returns.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

BG = (255, 255, 255)
INK = (25, 25, 25)
MUTED = (110, 110, 110)


@lru_cache(maxsize=16)
def font(size_px: int = 12):
    """A PIL font of about `size_px` pixels (Pillow's bundled scalable font; a bitmap font on Pillow < 10.1)."""
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size_px)
    except TypeError:        # Pillow < 10.1: no size argument
        return ImageFont.load_default()


def depth_colours(depth_mm: np.ndarray) -> np.ndarray:
    """(H, W) uint16 mm -> (H, W, 3) uint8: near blue -> far red over the 1st..99th percentile, black = none."""
    depth = np.asarray(depth_mm, dtype=np.float64)
    valid = depth > 0
    d = np.zeros_like(depth)
    if valid.any():
        lo, hi = np.percentile(depth[valid], [1, 99])
        d = (depth - lo) / max(hi - lo, 1.0)
    out = turbo_like(d)
    out[~valid] = 0
    return out


def turbo_like(x: np.ndarray) -> np.ndarray:
    """(...) values in [0, 1] -> (..., 3) uint8 on a perceptually ordered blue-green-yellow-red map."""
    stops = np.array([[48, 18, 59], [40, 120, 240], [30, 200, 160], [160, 230, 60], [250, 170, 40],
                      [200, 40, 20]], dtype=np.float64)
    t = np.clip(np.asarray(x, dtype=np.float64), 0, 1) * (len(stops) - 1)
    i = np.minimum(t.astype(int), len(stops) - 2)
    f = (t - i)[..., None]
    return (stops[i] * (1 - f) + stops[i + 1] * f).astype(np.uint8)


def _hash_rgb(ids: np.ndarray) -> np.ndarray:
    x = np.asarray(ids).astype(np.uint64)
    h = (x * np.uint64(2654435761)) & np.uint64(0xFFFFFF)
    return np.stack([(h >> np.uint64(16)) & np.uint64(255), (h >> np.uint64(8)) & np.uint64(255),
                     h & np.uint64(255)], axis=-1).astype(np.uint8)


def id_colours(ids: np.ndarray) -> np.ndarray:
    """(H, W) uint16 ids -> (H, W, 3) uint8, a fixed pseudo-random colour per id, black for 0."""
    rgb = (_hash_rgb(ids) // 2 + 96).astype(np.uint8)
    rgb[np.asarray(ids) == 0] = 0
    return rgb


def box_colour(obj_id: int) -> tuple[int, int, int]:
    """A saturated colour for object `obj_id`'s box and label (stable across frames and files)."""
    import colorsys

    h = int(_hash_rgb(np.array([obj_id]))[0].astype(np.uint32) @ np.array([1, 256, 65536], np.uint32))
    r, g, b = colorsys.hsv_to_rgb((h % 360) / 360.0, 0.85, 0.95)
    return int(r * 255), int(g * 255), int(b * 255)


def resize(rgb: np.ndarray, width_px: int, nearest: bool = False):
    """(H, W, 3) uint8 -> PIL image `width_px` wide (aspect kept)."""
    from PIL import Image

    im = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8))
    h = max(1, round(im.height * width_px / im.width))
    if (im.width, im.height) == (width_px, h):
        return im
    return im.resize((width_px, h), Image.NEAREST if nearest else Image.BILINEAR)


def draw_boxes(rgb: np.ndarray, objects: list[dict], names: dict[int, str], width_px: int,
               max_labels: int = 12, min_px: int = 0, highlight: set[int] | None = None):
    """Frame with 2D boxes: `objects` are frames.jsonl entries (bbox_visible_xyxy in the frame's pixels).

    The frame is scaled to `width_px` first so labels stay legible. Every box with visible_px >= min_px
    is drawn; the `max_labels` largest get an "id name" label. With `highlight`, those ids are drawn
    thick and labelled first and the others thin and grey. Returns a PIL image.
    """
    from PIL import ImageDraw

    im = resize(rgb, width_px)
    s = im.width / rgb.shape[1]
    d = ImageDraw.Draw(im)
    f = font(max(10, min(14, width_px // 22)))
    objs = [o for o in objects if o.get("visible_px", 0) >= min_px and o.get("bbox_visible_xyxy")]
    hl = highlight or set()
    order = sorted(objs, key=lambda o: (o["id"] not in hl, -o.get("visible_px", 0)))
    labelled = {o["id"] for o in order[:max_labels]} if not hl else {o["id"] for o in objs if o["id"] in hl}
    for o in sorted(objs, key=lambda o: -o.get("visible_px", 0)):   # large first, small on top
        x0, y0, x1, y1 = (float(v) * s for v in o["bbox_visible_xyxy"])
        grey = bool(hl) and o["id"] not in hl
        col = (170, 170, 170) if grey else box_colour(o["id"])
        d.rectangle([x0, y0, max(x0, x1 - 1), max(y0, y1 - 1)], outline=col, width=1 if grey else 2)
    for o in order:
        if o["id"] not in labelled:
            continue
        x0, y0 = (float(v) * s for v in o["bbox_visible_xyxy"][:2])
        text = f'{o["id"]} {names.get(o["id"], "?")}'
        tb = d.textbbox((0, 0), text, font=f)
        tw, th = tb[2] - tb[0] + 4, tb[3] - tb[1] + 4
        x = min(max(0.0, x0), im.width - tw)
        y = y0 - th if y0 - th >= 0 else y0
        d.rectangle([x, y, x + tw, y + th], fill=box_colour(o["id"]))
        d.text((x + 2, y + 2 - tb[1]), text, fill=(0, 0, 0), font=f)
    return im


def caption(im, text: str, size_px: int = 12, align: str = "left", pad: int = 3):
    """PIL image with a line (or lines) of text above it on white. Returns a new PIL image."""
    from PIL import Image, ImageDraw

    f = font(size_px)
    lines = text.split("\n")
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    lh = max(probe.textbbox((0, 0), "Ag", font=f)[3], size_px) + 2
    w = max(im.width, max(probe.textlength(s, font=f) for s in lines) + 2 * pad)
    out = Image.new("RGB", (int(w), im.height + lh * len(lines) + pad), BG)
    d = ImageDraw.Draw(out)
    for k, s in enumerate(lines):
        x = pad if align == "left" else (out.width - probe.textlength(s, font=f)) / 2
        d.text((x, pad // 2 + k * lh), s, fill=INK, font=f)
    out.paste(im, (0, lh * len(lines) + pad))
    return out


def text_block(lines: list[str], width_px: int, size_px: int = 12, colour=INK):
    """PIL image `width_px` wide holding `lines`, each wrapped at the width."""
    from PIL import Image, ImageDraw

    f = font(size_px)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    wrapped: list[str] = []
    for line in lines:
        words, cur = line.split(" "), ""
        for w in words:
            trial = f"{cur} {w}".strip()
            if probe.textlength(trial, font=f) <= width_px - 8 or not cur:
                cur = trial
            else:
                wrapped.append(cur)
                cur = w
        wrapped.append(cur)
    lh = size_px + 4
    out = Image.new("RGB", (width_px, lh * len(wrapped) + 6), BG)
    d = ImageDraw.Draw(out)
    for k, s in enumerate(wrapped):
        d.text((4, 3 + k * lh), s, fill=colour, font=f)
    return out


def stack(images: list, axis: int, gap: int = 4, bg=BG, align: str = "start"):
    """Concatenate PIL images left-to-right (axis=1) or top-to-bottom (axis=0) with `gap` px between."""
    from PIL import Image

    images = [im for im in images if im is not None]
    if not images:
        return Image.new("RGB", (1, 1), bg)
    if axis == 1:
        W = sum(im.width for im in images) + gap * (len(images) - 1)
        H = max(im.height for im in images)
    else:
        W = max(im.width for im in images)
        H = sum(im.height for im in images) + gap * (len(images) - 1)
    out = Image.new("RGB", (W, H), bg)
    pos = 0
    for im in images:
        off = 0
        if align == "center":
            off = ((H - im.height) if axis == 1 else (W - im.width)) // 2
        out.paste(im, (pos, off) if axis == 1 else (off, pos))
        pos += (im.width if axis == 1 else im.height) + gap
    return out


def pad(im, px: int, bg=BG):
    from PIL import Image

    out = Image.new("RGB", (im.width + 2 * px, im.height + 2 * px), bg)
    out.paste(im, (px, px))
    return out


def png_small(im, path, colours: int = 256) -> int:
    """Save a PIL image as an optimised palette PNG (Floyd-Steinberg dithered); returns bytes written."""
    from PIL import Image

    q = im.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG)
    q.save(path, format="PNG", optimize=True)
    from pathlib import Path

    return Path(path).stat().st_size
