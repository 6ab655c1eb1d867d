"""Bed: frame, mattress, duvet, pillows, headboard (+ optional footboard). Headboard at -X, foot end +X."""

from __future__ import annotations

import numpy as np

from simgen.assets import primitives as pr
from simgen.assets.generators._common import four_legs, main_mat
from simgen.assets.materials import material
from simgen.assets.registry import generator


@generator("bed", version=1)
def make_bed(p, b):
    """Single to king bed: platform or legged frame, panel / slatted / upholstered headboard."""
    m = main_mat(p)
    L, w = p.length_m, p.width_m
    hx, hy = L / 2, w / 2
    frame_top = p.frame_height_m
    mat_t = p.mattress_m
    hb_t = 0.05 if p.headboard_style != "upholstered" else 0.1
    x0 = -hx + hb_t  # inner start of the sleeping area
    if p.base_style == "platform":
        b.add("frame", [pr.box_between([x0, -hy, 0.02], [hx, -hy + 0.03, frame_top]), pr.box_between([x0, hy - 0.03, 0.02], [hx, hy, frame_top]),
                        pr.box_between([hx - 0.03, -hy + 0.03, 0.02], [hx, hy - 0.03, frame_top]),
                        pr.box_between([x0, -hy + 0.03, frame_top - 0.04], [hx - 0.03, hy - 0.03, frame_top - 0.02])], m)
        b.add("frame_base", pr.box_between([x0 + 0.05, -hy + 0.05, 0.0], [hx - 0.05, hy - 0.05, 0.02]), material("board", "black"))
    else:
        rail_h = 0.14
        legm = m
        four_legs(b, hx - 0.04, hy - 0.04, 0.0, frame_top - rail_h, 0.03, legm, "square")
        b.add("rails", [pr.box_between([x0, -hy, frame_top - rail_h], [hx, -hy + 0.04, frame_top]),
                        pr.box_between([x0, hy - 0.04, frame_top - rail_h], [hx, hy, frame_top]),
                        pr.box_between([hx - 0.04, -hy + 0.04, frame_top - rail_h], [hx, hy - 0.04, frame_top]),
                        pr.box_between([x0, -hy + 0.04, frame_top - 0.04], [hx - 0.04, hy - 0.04, frame_top - 0.02])], m)
    mt = material("mattress", "white")
    z_m0 = frame_top - (0.02 if p.base_style == "platform" else 0.04)
    b.add("mattress", pr.superellipsoid([L - hb_t - 0.04, w - 0.04, mat_t], [(x0 + hx) / 2, 0, z_m0 + mat_t / 2], 0.2), mt)
    top = z_m0 + mat_t
    duvet = material("fabric", p.bedding_color)
    dx0 = x0 + 0.35
    b.add("duvet", pr.superellipsoid([hx - dx0 + 0.01, w + 0.0, 0.06 + 0.1], [(dx0 + hx + 0.01) / 2, 0, top - 0.05], 0.2), duvet)
    duvet_top = top + 0.03
    n_p = 1 if w < 1.2 else 2
    pil = material("fabric", p.pillow_color)
    ys = np.linspace(-hy, hy, n_p + 1)
    for i in range(n_p):
        b.add(f"pillow_{i}", pr.superellipsoid([0.38, ys[i + 1] - ys[i] - 0.1, 0.13], [x0 + 0.24, (ys[i] + ys[i + 1]) / 2, top + 0.05], 0.45), pil)
    b.surface("bed", duvet_top, b.rect(dx0 + 0.25, hx - 0.25, -hy + 0.22, hy - 0.22), capacity=2)
    hb_top = p.headboard_height_m
    if p.headboard_style == "slats":
        b.add("headboard_posts", [pr.box_between([-hx, s * hy - (0.06 if s > 0 else 0), 0.0], [-hx + hb_t, s * hy + (0.06 if s < 0 else 0), hb_top]) for s in (-1, 1)], m)
        b.add("headboard_rails", [pr.box_between([-hx, -hy + 0.06, z - 0.06], [-hx + hb_t * 0.8, hy - 0.06, z]) for z in (hb_top, top + 0.1)], m)
        ys = np.linspace(-hy + 0.15, hy - 0.15, max(4, int(w / 0.16)))
        b.add("headboard_slats", [pr.box_between([-hx + 0.01, y - 0.025, top + 0.1], [-hx + hb_t * 0.8 - 0.005, y + 0.025, hb_top - 0.06]) for y in ys], m)
    elif p.headboard_style == "upholstered":
        fab = material("fabric", p.headboard_color)
        b.add("headboard_legs", [pr.box_between([-hx, s * (hy - 0.1) - 0.03, 0.0], [-hx + 0.05, s * (hy - 0.1) + 0.03, frame_top]) for s in (-1, 1)], m)
        b.add("headboard", pr.superellipsoid([hb_t, w, hb_top - frame_top + 0.1], [-hx + hb_t / 2, 0, (hb_top + frame_top - 0.1) / 2], 0.2), fab)
    else:
        b.add("headboard", pr.box_between([-hx, -hy, 0.0], [-hx + hb_t, hy, hb_top]), m)
    if p.footboard:
        ft = frame_top + 0.12 if p.base_style == "platform" else frame_top + 0.2
        b.add("footboard", pr.box_between([hx - 0.04, -hy, 0.0 if p.base_style != "platform" else 0.02], [hx, hy, ft]), m)
