"""Lamps: ceiling_lamp (top at z = extents_z, hung from the ceiling), floor_lamp, table_lamp.

Lamp shades are thin-walled open frusta (hollow lathe shells); their collision piece is the filled hull.
"""

from __future__ import annotations

import numpy as np

from simgen.assets import primitives as pr
from simgen.assets.generators._common import main_mat
from simgen.assets.materials import material
from simgen.assets.registry import generator


def _shade(b, name, r_bot, r_top, z0, z1, mat, style="drum", wall=0.004):
    """Open lamp shade: a thin hollow frustum shell (closed lathe: outer wall, rim, inner wall, bottom rim)."""
    if style == "dome":
        zs = np.linspace(0.0, 1.0, 7)
        outer = [(r_bot * (1.0 - 0.85 * t ** 2) + 0.01, z0 + (z1 - z0) * t) for t in zs]
    else:
        outer = [(r_bot, z0), (r_top, z1)]
    # a shell open at the bottom: profile from the axis at the top down the outside, back up the inside
    rs = [r for r, _ in outer]
    zs_ = [z for _, z in outer]
    inner = [(max(r - wall, 0.002), z) for r, z in outer]
    prof = [(0.0, zs_[-1] + wall)] + [(rs[-1], zs_[-1] + wall)] + list(reversed(outer))[1:] + inner[:-1] + [(max(rs[-1] - wall, 0.002), zs_[-1]), (0.0, zs_[-1])]
    b.add(name, pr.lathe(prof, 32), mat, collision=pr.lathe_hulls(prof, 32))


def _bulb(b, z, r=0.03):
    b.add("bulb", pr.sphere(r, [0, 0, z], 6, 12), material("glass", "white", shade=1.2), collision=None)


@generator("table_lamp", version=1)
def make_table_lamp(p, b):
    """Table lamp: round / ginger-jar / square base, thin stem, drum / cone / dome shade."""
    shade_m = material("fabric", p.shade_color)
    m = main_mat(p)
    h = p.height_m
    rs = p.shade_diameter_m / 2
    sh_h = min(p.shade_height_m, h * 0.45)
    z_shade = h - sh_h
    if p.base_style == "jar":
        prof = [(0, 0), (0.05, 0), (0.08, 0.05), (0.085, z_shade * 0.35), (0.05, z_shade * 0.55), (0.015, z_shade * 0.6), (0, z_shade * 0.6)]
        b.add("base", pr.lathe(prof, 24), m, collision=pr.lathe_hulls(prof, 24))
        b.add("stem", pr.cylinder(0.008, z_shade * 0.6, z_shade + 0.05, 10), material("metal", "gray"))
    elif p.base_style == "square":
        b.add("base", pr.box_between([-0.06, -0.06, 0.0], [0.06, 0.06, 0.03]), m)
        b.add("stem", pr.box_between([-0.012, -0.012, 0.03], [0.012, 0.012, z_shade + 0.05]), m)
    else:
        b.add("base", pr.frustum(0.08, 0.07, 0.0, 0.025, 24), m)
        b.add("stem", pr.cylinder(0.01, 0.025, z_shade + 0.05, 10), m)
    _shade(b, "shade", rs, rs * (0.6 if p.shade_style == "cone" else 1.0), z_shade, h, shade_m, "dome" if p.shade_style == "dome" else "drum")
    _bulb(b, z_shade + sh_h * 0.4, 0.025)


@generator("floor_lamp", version=1)
def make_floor_lamp(p, b):
    """Floor lamp: straight pole with a shade, tripod with a drum shade, or an arc lamp with a dome."""
    m = main_mat(p)
    shade_m = material("fabric" if p.style != "arc" else "metal", p.shade_color)
    h = p.height_m
    rs = p.shade_diameter_m / 2
    if p.style == "tripod":
        z_top = h - 0.3
        for k in range(3):
            a = 2 * np.pi * k / 3
            b.add("legs", pr.rod([0.3 * np.cos(a) * 0.9, 0.3 * np.sin(a) * 0.9, 0.0], [0.0, 0.0, z_top], 0.012, 8), m)
        _shade(b, "shade", rs, rs, h - 0.32, h, shade_m)
        _bulb(b, h - 0.18)
    elif p.style == "arc":
        b.add("base", pr.box_between([-0.15, -0.15, 0.0], [0.15, 0.15, 0.05]), material("stone", "white"))
        reach = p.arc_reach_m
        a = np.linspace(0.0, np.pi / 2, 9)
        pts = [np.array([reach * (1 - np.cos(t)), 0.0, 0.05 + (h - 0.25 - 0.05) * np.sin(t)]) for t in a]
        b.add("arc", [pr.rod(p0, p1, 0.012, 8) for p0, p1 in zip(pts[:-1], pts[1:])], m)
        tip = pts[-1]
        b.add("arc", pr.rod(tip, tip - [0, 0, 0.05], 0.012, 8), m)
        dz = 0.2
        r_top = 0.04
        prof_outer = [(rs, tip[2] - 0.05 - dz), (rs * 0.8, tip[2] - 0.05 - dz * 0.4), (r_top, tip[2] - 0.05)]
        wall = 0.004
        prof = [(0.0, prof_outer[-1][1] + wall), (r_top, prof_outer[-1][1] + wall)] + list(reversed(prof_outer))[1:] + \
               [(r - wall, z) for r, z in prof_outer][:-1] + [(r_top - wall, prof_outer[-1][1]), (0.0, prof_outer[-1][1])]
        sh = pr.lathe(prof, 32, center_xy=(tip[0], 0.0))
        b.add("shade", sh, shade_m, collision=pr.lathe_hulls(prof, 32, center_xy=(tip[0], 0.0)))
    else:
        b.add("base", pr.frustum(0.15, 0.13, 0.0, 0.03, 28), m)
        b.add("pole", pr.cylinder(0.012, 0.03, h - 0.2, 10), m)
        _shade(b, "shade", rs, rs * (0.7 if p.shade_style == "cone" else 1.0), h - 0.34, h, shade_m)
        _bulb(b, h - 0.2)


@generator("ceiling_lamp", version=1)
def make_ceiling_lamp(p, b):
    """Ceiling light: pendant (cord + shade), flush dome, or a multi-arm chandelier. Top (canopy) at z = extents_z."""
    m = main_mat(p)
    drop = p.drop_m
    rs = p.diameter_m / 2
    canopy_r = 0.06
    if p.style == "flush":
        h = 0.12
        prof = [(0.0, 0.0)] + [(rs * np.sin(t), h * 0.85 * (1 - np.cos(t))) for t in np.linspace(0.15, np.pi / 2, 6)] + [(rs * 1.02, h * 0.85), (rs * 1.02, h), (0.0, h)]
        b.add("diffuser", pr.lathe(prof, 32), material("glass", "white", shade=1.1), collision=pr.lathe_hulls(prof, 32))
        b.add("rim", pr.cylinder(rs * 1.04, h * 0.85, h, 32), m)
        return
    top = drop + 0.3
    b.add("canopy", pr.frustum(canopy_r * 0.8, canopy_r, top - 0.03, top, 20), m)
    if p.style == "chandelier":
        zc = top - drop
        b.add("rod", pr.cylinder(0.008, zc, top - 0.03, 8), m)
        b.add("hub", pr.sphere(0.04, [0, 0, zc], 6, 12), m)
        n = p.n_arms
        shade_m = material("fabric", p.shade_color)
        for k in range(n):
            a = 2 * np.pi * k / n
            c, s = np.cos(a), np.sin(a)
            end = np.array([rs * 0.8 * c, rs * 0.8 * s, zc])
            b.add("arms", [pr.rod([0, 0, zc], end, 0.007, 6), pr.rod(end, end + [0, 0, 0.08], 0.007, 6)], m)
            zb = zc + 0.02
            b.add("shades", pr.frustum(0.06, 0.04, zb, zb + 0.1, 16, (end[0], end[1])), shade_m, collision="self")
        return
    shade_m = material(p.material, p.color)
    zb = top - drop - 0.3 + 0.0
    b.add("cord", pr.cylinder(0.004, zb + 0.25, top - 0.03, 8), material("plastic", "black"))
    _shade(b, "shade", rs, rs * (0.25 if p.shade_style == "dome" else 0.5 if p.shade_style == "cone" else 1.0), zb, zb + 0.25, shade_m,
           "dome" if p.shade_style == "dome" else "drum")
    _bulb(b, zb + 0.08)
