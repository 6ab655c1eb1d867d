"""Top-down picture of a planned walk: the map (simgen.scenes.topdown), the path coloured by time (blue ->
red), the viewpoints (black dot + look-heading tick = the walk stops there to look around; hollow ring =
passed through without stopping) and covered / uncovered objects (green / red outlines).

    img = draw_plan(scene, traj, cov)           # (H, W, 3) uint8; cov from simgen.annotate.coverage
"""

from __future__ import annotations

import numpy as np


def draw_plan(scene, traj, cov: dict[int, dict], size_px: int = 900) -> np.ndarray:
    from PIL import Image, ImageDraw

    from simgen.io.jsonio import plain
    from simgen.io.scene_files import scene_json
    from simgen.scenes.topdown import draw_topdown

    sj = plain(scene_json(scene, traj, cov, traj.n_frames))
    ts = np.arange(0.0, traj.duration_s, 0.1)
    xy, _ = traj.states(ts)
    img = Image.fromarray(draw_topdown(sj, camera_path_xy=xy, covered={i: c["covered"] for i, c in cov.items()},
                                       size_px=size_px, labels=False))
    pts = np.concatenate([np.asarray(r.polygon, float) for r in scene.rooms])
    lo, hi = pts.min(0) - 0.6, pts.max(0) + 0.6
    scale = (size_px - 20) / max(hi - lo)
    H = img.size[1]

    def px(p):
        return float(10 + (p[0] - lo[0]) * scale), float(H - 10 - (p[1] - lo[1]) * scale)

    d = ImageDraw.Draw(img)
    for st, t in zip(traj.stops, traj.stop_times_s):
        if st.tag not in ("view", "revisit") or st.yaw_rad is None:
            continue
        x, y = px(st.xy)
        speed = np.linalg.norm(traj.velocities(float(t))[0])
        if speed > 0.05:
            d.ellipse([x - 5, y - 5, x + 5, y + 5], outline=(0, 0, 0), width=2)
        else:
            d.ellipse([x - 4, y - 4, x + 4, y + 4], fill=(0, 0, 0))
        e = px(np.asarray(st.xy) + 0.4 * np.array([np.cos(st.yaw_rad), np.sin(st.yaw_rad)]))
        d.line([(x, y), e], fill=(0, 0, 0), width=2)
    return np.asarray(img, dtype=np.uint8)
