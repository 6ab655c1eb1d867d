"""Wall fixtures: door (leaf in a cased frame) and window (frame, sashes, glass, sill).

Both are wall objects: back face at x = -extents_x/2, front +X, base at z = 0 (the door threshold; the
window's lowest point, i.e. the sill). The layout cuts the wall opening and places them.
"""

from __future__ import annotations

import numpy as np

from simgen.assets import primitives as pr
from simgen.assets.generators._common import main_mat
from simgen.assets.materials import material
from simgen.assets.registry import generator


@generator("door", version=1)
def make_door(p, b):
    """Interior door, closed: casing (architrave) frame, leaf (flat, 2/4/6 raised panels or a glass panel), lever or knob."""
    m = main_mat(p)
    w, h = p.width_m, p.height_m
    t = p.leaf_thickness_m
    cw = p.casing_width_m
    depth = t + 0.03
    x0 = -depth / 2
    frame_m = material(p.material, p.frame_color)
    # casing around the opening on the front face, and the jamb lining
    b.add("casing", [pr.box_between([x0, -w / 2 - cw, 0.0], [x0 + depth, -w / 2, h + cw]),
                     pr.box_between([x0, w / 2, 0.0], [x0 + depth, w / 2 + cw, h + cw]),
                     pr.box_between([x0, -w / 2, h], [x0 + depth, w / 2, h + cw])], frame_m)
    lx0 = x0 + 0.005
    b.add("leaf", pr.box_between([lx0, -w / 2 + 0.003, 0.008], [lx0 + t, w / 2 - 0.003, h - 0.003]), m)
    xf = lx0 + t
    if p.panels == "glass":
        b.add("glass", pr.box_between([xf, -w / 2 + 0.12, h * 0.45], [xf + 0.004, w / 2 - 0.12, h - 0.15]), material("glass", "gray", shade=0.6), collision=None)
    elif p.panels != "flat":
        n_rows = {"two": 2, "four": 2, "six": 3}[p.panels]
        n_cols = 1 if p.panels == "two" else 2
        pm = material(p.material, p.color, shade=0.88)
        mx, mz = 0.1, 0.1
        ys = np.linspace(-w / 2 + mx, w / 2 - mx, n_cols + 1)
        zs = np.linspace(0.12, h - mz, n_rows + 1)
        panels = []
        for i in range(n_cols):
            for j in range(n_rows):
                panels.append(pr.box_between([xf, ys[i] + 0.03, zs[j] + 0.04], [xf + 0.008, ys[i + 1] - 0.03, zs[j + 1] - 0.04]))
        b.add("panels", panels, pm, collision=None)
    hm = material("metal", p.handle_color)
    hy = w / 2 - 0.07
    zh = 1.0
    if p.handle == "lever":
        b.add("handle", [pr.rod([xf, hy, zh], [xf + 0.05, hy, zh], 0.008, 10),
                         pr.rod([xf + 0.05, hy + 0.005, zh], [xf + 0.05, hy - 0.12, zh], 0.009, 10),
                         pr.box_between([xf, hy - 0.02, zh - 0.09], [xf + 0.008, hy + 0.02, zh + 0.03])], hm)
    else:
        b.add("handle", [pr.rod([xf, hy, zh], [xf + 0.045, hy, zh], 0.009, 10), pr.sphere(0.027, [xf + 0.05, hy, zh], 6, 12)], hm)
    b.add("hinges", [pr.box_between([xf - t - 0.004, -w / 2 - 0.006, z], [xf - t + 0.004 + 0.0, -w / 2 + 0.004, z + 0.1]) for z in (0.2, h - 0.3)], hm, collision=None)


@generator("window", version=1)
def make_window(p, b):
    """Window: frame with 1-3 casements (optional transom and muntin grid), glass, and an interior sill."""
    fm = main_mat(p)
    w, h = p.width_m, p.height_m
    d = p.frame_depth_m
    f = p.frame_width_m
    x0 = -d / 2
    sill_d = p.sill_depth_m
    glass = material("glass", "blue", shade=0.5, roughness=0.03)
    # sill: a board along the bottom, sticking out in front (+X)
    b.add("sill", pr.box_between([x0, -w / 2 - 0.04, 0.0], [x0 + d + sill_d, w / 2 + 0.04, 0.025]), material("stone" if p.sill == "stone" else "board", "white"))
    z0 = 0.025
    b.add("frame", [pr.box_between([x0, -w / 2, z0], [x0 + d, -w / 2 + f, z0 + h]), pr.box_between([x0, w / 2 - f, z0], [x0 + d, w / 2, z0 + h]),
                    pr.box_between([x0, -w / 2 + f, z0], [x0 + d, w / 2 - f, z0 + f]), pr.box_between([x0, -w / 2 + f, z0 + h - f], [x0 + d, w / 2 - f, z0 + h])], fm)
    n = p.n_casements
    ys = np.linspace(-w / 2 + f, w / 2 - f, n + 1)
    zt = z0 + h - f
    bars = []
    if p.transom and h > 1.0:
        zt = z0 + h - f - 0.3
        bars.append(pr.box_between([x0, -w / 2 + f, zt], [x0 + d, w / 2 - f, zt + f * 0.8]))
    for y in ys[1:-1]:
        bars.append(pr.box_between([x0, y - f * 0.6, z0 + f], [x0 + d, y + f * 0.6, zt]))
    if p.muntins:
        for i in range(n):
            yc = (ys[i] + ys[i + 1]) / 2
            bars.append(pr.box_between([x0 + d * 0.3, yc - 0.012, z0 + f], [x0 + d * 0.7, yc + 0.012, zt]))
            for zz in np.linspace(z0 + f, zt, 4)[1:-1]:
                bars.append(pr.box_between([x0 + d * 0.3, ys[i], zz - 0.012], [x0 + d * 0.7, ys[i + 1], zz + 0.012]))
    if bars:
        b.add("mullions", bars, fm)
    b.add("glass", pr.box_between([x0 + d * 0.45, -w / 2 + f, z0 + f], [x0 + d * 0.55, w / 2 - f, z0 + h - f]), glass)
    hm = material("metal", "gray")
    for i in range(n):
        if n > 1 and i % 2 == 1:
            continue
        yh = ys[i + 1] - f * 1.2 if n > 1 else ys[i + 1] - 0.01
        b.add("handles", [pr.rod([x0 + d, yh, z0 + h * 0.5], [x0 + d + 0.03, yh, z0 + h * 0.5], 0.007, 8),
                          pr.rod([x0 + d + 0.03, yh, z0 + h * 0.5], [x0 + d + 0.03, yh, z0 + h * 0.5 - 0.1], 0.008, 8)], hm)
