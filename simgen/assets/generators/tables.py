"""Tables: dining_table, coffee_table, desk, side_table. Front along +X (the sitter faces -X)."""

from __future__ import annotations

import numpy as np

from simgen.assets import primitives as pr
from simgen.assets.generators._common import four_legs, front_panel, handle, main_mat
from simgen.assets.materials import material
from simgen.assets.registry import generator


def _ellipse(rx: float, ry: float, n: int = 32) -> np.ndarray:
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([rx * np.cos(a), ry * np.sin(a)])


def _top(b, p, d, w, h, t, mat, shape, name="top"):
    """Table top (rect / round / oval) with its top face at h; declares the support surface."""
    hx, hy = d / 2, w / 2
    if shape == "rect":
        b.add(name, pr.box_between([-hx, -hy, h - t], [hx, hy, h]), mat)
        b.surface(name, h, b.rect(-hx + 0.02, hx - 0.02, -hy + 0.02, hy - 0.02))
    else:
        sx, sy = (1.0, 1.0) if shape == "round" else (1.0, hy / hx)
        r = hx
        b.add(name, pr.frustum(r, r, h - t, h, 48, scale_xy=(sx, sy)), mat)
        b.surface(name, h, _ellipse(r * sx - 0.02, r * sy - 0.02, 24))


def _base(b, p, d, w, z1, mat, style, shape, leg_r=0.025):
    hx, hy = d / 2, w / 2
    if style == "trestle" and shape != "rect":
        style = "pedestal"
    if style == "pedestal":
        rb = min(hx, hy) * 0.55
        offs = [0.0] if (shape == "round" or w < 1.3 * d) else [-hy * 0.4, hy * 0.4]
        for k, off in enumerate(offs):
            b.add(f"pedestal_{k}", [pr.frustum(rb, rb * 0.9, 0.0, 0.04, 32, (0, off)),
                                    pr.frustum(0.06, 0.05, 0.04, z1, 20, (0, off))], mat)
        return
    if style == "trestle":
        for k, s in enumerate((-1, 1)):
            y = s * (hy - 0.15)
            b.add(f"trestle_{k}", [pr.box_between([-hx + 0.08, y - 0.04, 0.0], [hx - 0.08, y + 0.04, 0.05]),
                                   pr.box_between([-0.04, y - 0.035, 0.05], [0.04, y + 0.035, z1 - 0.04]),
                                   pr.box_between([-hx + 0.1, y - 0.04, z1 - 0.04], [hx - 0.1, y + 0.04, z1])], mat)
        b.add("stretcher", pr.box_between([-0.025, -hy + 0.15, z1 * 0.35], [0.025, hy - 0.15, z1 * 0.35 + 0.06]), mat)
        return
    if shape == "rect":
        inset = 0.05
        lx, ly = hx - inset - leg_r, hy - inset - leg_r
    else:
        lx, ly = hx * 0.62, hy * 0.62
    if style == "hairpin":
        metal = material("metal_tube", "black")
        for k, (sx, sy) in enumerate(((-1, -1), (-1, 1), (1, -1), (1, 1))):
            top_a = np.array([sx * lx, sy * (ly - 0.06), z1])
            top_b = np.array([sx * lx, sy * (ly + 0.02), z1])
            foot = np.array([sx * lx, sy * (ly - 0.02), 0.006])
            b.add(f"leg_{k}", [pr.rod(top_a, foot, 0.006, 6), pr.rod(top_b, foot, 0.006, 6)], metal)
        return
    four_legs(b, lx, ly, 0.0, z1, leg_r, mat, "round" if style == "round_legs" else ("tapered" if style == "tapered" else "square"), 0.6)
    if p.get("apron", False) and shape == "rect":
        ah = 0.08
        ms = [pr.box_between([-lx, s * ly - 0.01, z1 - ah], [lx, s * ly + 0.01, z1]) for s in (-1, 1)]
        ms += [pr.box_between([s * lx - 0.01, -ly, z1 - ah], [s * lx + 0.01, ly, z1]) for s in (-1, 1)]
        b.add("apron", ms, mat)


@generator("dining_table", version=1)
def make_dining_table(p, b):
    """Dining table: rectangular / round / oval top on four legs, a pedestal or trestles."""
    m = main_mat(p)
    shape = p.top_shape
    w = p.width_m
    d = p.depth_m if shape != "round" else p.depth_m
    if shape == "round":
        w = d = p.diameter_m
    elif shape == "oval":
        w = max(w, d * 1.25)
    t = p.top_thickness_m
    _top(b, p, d, w, p.height_m, t, m, shape)
    _base(b, p, d, w, p.height_m - t, material(p.material, p.base_color) if p.two_tone else m, p.base_style, shape)


@generator("coffee_table", version=2)
def make_coffee_table(p, b):
    """Low living-room table; optional lower shelf (a second support surface).

    Round tops always stand on three or four splayed legs joined by a round lower tier (the classic
    two-tier round coffee table), so that seen from a few metres they read as low coffee tables, not
    as drums or as small dining tables.
    """
    m = main_mat(p)
    shape = p.top_shape
    d, w = p.depth_m, p.width_m
    if shape == "round":
        w = d = p.diameter_m
    h, t = p.height_m, p.top_thickness_m
    glass = p.glass_top and shape == "rect"
    top_m = material("glass", "white") if glass else m
    _top(b, p, d, w, h, t, top_m, shape)
    if shape == "round":
        _round_two_tier_base(b, p, d / 2, h - t, m)
        return
    if p.base_style == "block":
        hx, hy = d / 2 * 0.8, w / 2 * 0.8
        if shape == "rect":
            b.add("base", [pr.box_between([-hx, -hy, 0.0], [hx, -hy + 0.05, h - t]), pr.box_between([-hx, hy - 0.05, 0.0], [hx, hy, h - t])], m)
        else:
            b.add("base", pr.frustum(d / 2 * 0.7, d / 2 * 0.7, 0.0, h - t, 32, scale_xy=(1.0, w / d)), m)
        return
    legm = m if not glass else material("metal", "gray")
    _base(b, p, d, w, h - t, legm, p.base_style, shape, 0.02)
    if p.shelf and shape == "rect" and p.base_style not in ("hairpin",):
        hx, hy = d / 2 - 0.05, w / 2 - 0.05
        zs = 0.12
        b.add("shelf", pr.box_between([-hx, -hy, zs - 0.018], [hx, hy, zs]), m)
        b.surface("shelf", zs, b.rect(-hx + 0.07, hx - 0.07, -hy + 0.07, hy - 0.07), clearance_m=h - t - zs)


def _round_two_tier_base(b, p, r: float, z1: float, m) -> None:
    """3-4 legs splayed outwards from under a round top of radius r (underside at z1) to the floor,
    with a round lower shelf at 30 % of the height (a support surface)."""
    n = 3 if p.base_style in ("hairpin", "block") else 4
    legr = 0.018
    a0 = np.pi / 4 if n == 4 else np.pi / 2
    angles = a0 + 2 * np.pi * np.arange(n) / n
    top_rad, foot_rad = r * 0.62, r * 0.86
    zs = round(0.3 * z1, 6)
    shelf_r = r * 0.62 + (foot_rad - top_rad) * (1 - zs / z1) - legr * 0.5
    legs = []
    for a in angles:
        c, s = np.cos(a), np.sin(a)
        ring = legr * np.column_stack([np.cos(np.arange(10) * np.pi / 5), np.sin(np.arange(10) * np.pi / 5)])
        legs.append(pr.hull(np.vstack([np.column_stack([ring + [top_rad * c, top_rad * s], np.full(10, z1)]),
                                       np.column_stack([ring + [foot_rad * c, foot_rad * s], np.zeros(10)])])))
    b.add("legs", legs, m)
    b.add("shelf", pr.frustum(shelf_r, shelf_r, zs - 0.018, zs, 40), m)
    b.surface("shelf", zs, _ellipse(shelf_r * 0.8, shelf_r * 0.8, 24), clearance_m=z1 - zs)


@generator("desk", version=1)
def make_desk(p, b):
    """Writing/computer desk: top on legs, panel ends or a drawer pedestal; optional modesty panel."""
    m = main_mat(p)
    d, w, h, t = p.depth_m, p.width_m, p.height_m, p.top_thickness_m
    hx, hy = d / 2, w / 2
    _top(b, p, d, w, h, t, m, "rect")
    legm = m if p.leg_finish == "same" else material("metal", p.leg_finish)
    if p.base_style == "panels":
        b.add("side_panels", [pr.box_between([-hx + 0.01, s * hy - 0.0125 - s * 0.0125, 0.0], [hx - 0.01, s * hy + 0.0125 - s * 0.0125, h - t]) for s in (-1, 1)], legm)
    elif p.base_style == "frame":
        for k, s in enumerate((-1, 1)):
            y = s * (hy - 0.04)
            b.add(f"frame_{k}", [pr.box_between([-hx + 0.04, y - 0.025, 0.0], [hx - 0.04, y + 0.025, 0.03]),
                                 pr.box_between([-0.03, y - 0.025, 0.03], [0.03, y + 0.025, h - t])], legm)
        b.add("beam", pr.box_between([-0.03, -hy + 0.04, h - t - 0.06], [0.03, hy - 0.04, h - t]), legm)
    else:
        four_legs(b, hx - 0.04, hy - 0.04, 0.0, h - t, 0.022, legm, "square")
    if p.pedestal:
        pw = 0.42
        y1 = hy - (0.025 if p.base_style == "panels" else 0.0)
        y0 = y1 - pw
        x0, x1 = -hx + 0.02, hx - 0.04
        cm = material(p.material, p.color, shade=0.9)
        b.add("pedestal", [pr.box_between([x0, y0, 0.0], [x1 - 0.02, y0 + 0.018, h - t]), pr.box_between([x0, y1 - 0.018, 0.0], [x1 - 0.02, y1, h - t]),
                           pr.box_between([x0, y0 + 0.018, 0.0], [x0 + 0.018, y1 - 0.018, h - t]),
                           pr.box_between([x0 + 0.018, y0 + 0.018, 0.0], [x1 - 0.02, y1 - 0.018, 0.03])], cm)
        n = p.n_drawers
        edges = np.linspace(0.03, h - t - 0.01, n + 1)
        hm = material("metal", "gray")
        for i in range(n):
            front_panel(b, f"drawer_{i}", x1 - 0.02, y0, y1, edges[i], edges[i + 1], cm)
            handle(b, f"drawer_handle_{i}", x1 - 0.02 + 0.018, (y0 + y1) / 2, (edges[i] + edges[i + 1]) / 2 + 0.04 * (edges[i + 1] - edges[i] > 0.2), hm, "bar", 0.1)
    if p.modesty_panel:
        b.add("modesty_panel", pr.box_between([-hx + 0.06, -hy + 0.03, h - t - 0.35], [-hx + 0.08, hy - 0.03, h - t]), m)


@generator("side_table", version=1)
def make_side_table(p, b):
    """Small end table beside a sofa or bed: round or square top, legs or a pedestal, optional lower shelf."""
    m = main_mat(p)
    shape = p.top_shape
    d = w = p.size_m
    h, t = p.height_m, 0.025
    _top(b, p, d, w, h, t, m, shape)
    if p.base_style == "pedestal":
        _base(b, p, d, w, h - t, m, "pedestal", "round")
        return
    _base(b, p, d, w, h - t, m, p.base_style, shape, 0.017)
    if p.shelf and shape == "rect":
        hx = d / 2 - 0.04
        zs = h * 0.3
        b.add("shelf", pr.box_between([-hx, -hx, zs - 0.015], [hx, hx, zs]), m)
        b.surface("shelf", zs, b.rect(-hx + 0.05, hx - 0.05, -hx + 0.05, hx - 0.05), clearance_m=h - t - zs)
