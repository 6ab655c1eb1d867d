"""Top-down map of a scene directory for previews: simgen.scenes.topdown.draw_topdown (rooms, doors,
windows, labelled object footprints, covered = green outline / uncovered = red outline, camera path
blue -> red in time) plus numbered frame markers, a camera marker with its heading, and a legend."""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np

from simgen.report.draw import INK, MUTED, font, stack, text_block

log = logging.getLogger(__name__)


def map_transform(scene_json: dict, size_px: int):
    """The world-xy -> pixel mapping draw_topdown uses for `size_px`: returns (to_px, (W, H)).

    to_px: (n, 2) float world xy -> (n, 2) float pixel xy (origin top-left, y down)."""
    pts = np.concatenate([np.asarray(r["polygon"], float) for r in scene_json["rooms"]])
    lo, hi = pts.min(0) - 0.6, pts.max(0) + 0.6
    span = hi - lo
    scale = (size_px - 20) / max(span)
    W, H = int(span[0] * scale) + 20, int(span[1] * scale) + 20

    def to_px(xy):
        xy = np.asarray(xy, float).reshape(-1, 2)
        return np.stack([10 + (xy[:, 0] - lo[0]) * scale, H - 10 - (xy[:, 1] - lo[1]) * scale], axis=1)

    return to_px, (W, H)


def time_colour(f: float) -> tuple[int, int, int]:
    """The camera-path colour at time fraction f in [0, 1] (draw_topdown's blue -> red)."""
    f = float(np.clip(f, 0, 1))
    return int(255 * f), int(60 + 120 * (1 - abs(2 * f - 1))), int(255 * (1 - f))


def scene_map(sd, size_px: int = 440, marks: list[int] | None = None, current: int | None = None,
              path_until: int | None = None, labels: bool = True):
    """PIL image of the map of SceneDir `sd`.

    marks: frame indices drawn as numbered dots on the path (the frames shown beside the map);
    current: a frame whose camera is drawn as a filled marker with a heading arrow (for animations);
    path_until: draw the path only up to this frame (None: the whole path).
    """
    from PIL import Image, ImageDraw

    from simgen.scenes.topdown import draw_topdown

    path = sd.camera_path_xy()
    shown = path if path_until is None else path[: path_until + 1]
    img = Image.fromarray(draw_topdown(sd.scene, camera_path_xy=shown if len(shown) > 1 else None,
                                       size_px=size_px, labels=labels))
    to_px, wh = map_transform(sd.scene, size_px)
    if wh != img.size:       # draw_topdown changed its framing: skip the markers rather than misplace them
        log.debug("map framing differs from draw_topdown (%s vs %s): no frame markers", wh, img.size)
        return img
    d = ImageDraw.Draw(img)
    n = max(1, len(path) - 1)
    f = font(11)
    for k, i in enumerate(marks or []):
        x, y = to_px(path[i])[0]
        d.ellipse([x - 8, y - 8, x + 8, y + 8], fill=(255, 255, 255), outline=time_colour(i / n), width=2)
        d.text((x, y), str(k + 1), fill=INK, font=f, anchor="mm")
    if current is not None and len(path):
        x, y = to_px(path[current])[0]
        fwd = sd.camera_forward_xy()[current]
        if np.linalg.norm(fwd) > 1e-9:
            tip = to_px(path[current] + 0.6 * fwd / np.linalg.norm(fwd))[0]
            d.line([(x, y), tuple(tip)], fill=(0, 0, 0), width=3)
        d.ellipse([x - 6, y - 6, x + 6, y + 6], fill=time_colour(current / n), outline=(0, 0, 0), width=2)
    return img


def map_legend(sd, width_px: int, duration_s: float | None = None, max_listed: int = 10):
    """PIL image: colour key of the map, uncovered objects counted by reason, the first `max_listed` named."""
    from PIL import Image, ImageDraw

    f = font(11)
    narrow = width_px < 260                    # entrance key on its own line
    dy = 16 if narrow else 0
    key = Image.new("RGB", (width_px, 40 + dy), (255, 255, 255))
    d = ImageDraw.Draw(key)
    d.rectangle([4, 4, 18, 14], outline=(30, 160, 60), width=2)
    d.text((22, 3), "covered", fill=INK, font=f)
    d.rectangle([84, 4, 98, 14], outline=(230, 30, 30), width=2)
    d.text((102, 3), "uncovered", fill=INK, font=f)
    ex, ey = (4, 9 + dy) if narrow else (180, 9)
    d.line([(ex, ey), (ex + 14, ey)], fill=(220, 40, 40), width=5)
    d.text((ex + 18, ey - 6), "entrance", fill=INK, font=f)
    x0, x1 = 4, max(60, min(width_px - 110, 260))
    for x in range(x0, x1):
        d.line([(x, 24 + dy), (x, 34 + dy)], fill=time_colour((x - x0) / max(1, x1 - x0 - 1)))
    t = f"{duration_s:.1f} s" if duration_s is not None else "end"
    d.text((x1 + 4, 23 + dy), f"camera 0 -> {t}", fill=INK, font=f)
    objs = sd.objects()
    unc = [o for o in objs.values() if o.get("covered") is False]
    cov = sum(1 for o in objs.values() if o.get("covered"))
    lines = [f"{cov}/{len(objs)} objects covered"]
    if unc:
        reasons = Counter(o.get("uncovered_reason") or "?" for o in unc)
        lines[0] += "; uncovered: " + ", ".join(f"{r} {n}" for r, n in reasons.most_common())
        unc = sorted(unc, key=lambda o: o["id"])
        shown = ", ".join(f'{o["id"]} {o["name"]} ({o.get("uncovered_reason") or "?"})' for o in unc[:max_listed])
        lines.append(shown + (f", ... {len(unc) - max_listed} more" if len(unc) > max_listed else ""))
    return stack([key, text_block(lines, width_px, 11, colour=MUTED)], axis=0, gap=0)
