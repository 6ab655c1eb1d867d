"""Electronics: television, monitor, laptop, keyboard. Screens face +X."""

from __future__ import annotations

import numpy as np

from simgen.assets import primitives as pr
from simgen.assets.generators._common import main_mat
from simgen.assets.materials import material
from simgen.assets.registry import generator


def _screen(b, x_front, w, z0, z1, bezel, depth, body_mat):
    """A flat panel: body box (depth along X, back at x_front - depth) and a dark glass screen on +X."""
    b.add("panel", pr.box_between([x_front - depth, -w / 2, z0], [x_front, w / 2, z1]), body_mat)
    b.add("screen", pr.box_between([x_front, -w / 2 + bezel, z0 + bezel], [x_front + 0.002, w / 2 - bezel, z1 - bezel]),
          material("screen", "black", roughness=0.08), collision=None)


@generator("television", version=2)
def make_television(p, b):
    """Flat-screen TV (16:9, 32-65 in) on a centre pedestal or two feet, standing on a surface; or, with
    params stand = "wall" (never drawn from the spec, asked for by a layout that wall-mounts it), on a
    flat wall bracket behind the panel, the bracket's back at x = -extents_x / 2 against the wall."""
    body = main_mat(p)
    diag = p.diagonal_in * 0.0254
    w = diag * 16 / np.hypot(16, 9)
    hs = diag * 9 / np.hypot(16, 9)
    bez = 0.012
    w, hs = w + 2 * bez, hs + 2 * bez
    depth = p.panel_depth_m
    lift = p.stand_height_m
    foot_d = p.foot_depth_m
    if p.stand == "wall":
        bracket_d = 0.03
        b.add("bracket", [pr.box_between([-bracket_d, -w * 0.2, hs * 0.3], [0.0, w * 0.2, hs * 0.7])], material("metal", "black"))
        _screen(b, depth, w, 0.0, hs, bez, depth, body)
        return
    if p.stand == "pedestal":
        b.add("stand", [pr.box_between([-foot_d / 2, -w * 0.15, 0.0], [foot_d / 2, w * 0.15, 0.015]),
                        pr.box_between([-0.03, -0.04, 0.015], [0.0, 0.04, lift + 0.1])], body)
    else:
        for k, s in enumerate((-1, 1)):
            y = s * w * 0.4
            b.add(f"foot_{k}", pr.hull(np.array([[-foot_d / 2, y - 0.015, 0.0], [foot_d / 2, y - 0.015, 0.0], [-foot_d / 2, y + 0.015, 0.0],
                                                  [foot_d / 2, y + 0.015, 0.0], [-0.01, y - 0.015, lift + 0.05], [0.01, y + 0.015, lift + 0.05],
                                                  [-0.01, y + 0.015, lift + 0.05], [0.01, y - 0.015, lift + 0.05]])), body)
    _screen(b, depth / 2, w, lift, lift + hs, bez, depth, body)


@generator("monitor", version=1)
def make_monitor(p, b):
    """Computer monitor (16:9 or 21:9, 22-34 in) on a stand: a plate or V-shaped foot and a neck at the back."""
    body = main_mat(p)
    diag = p.diagonal_in * 0.0254
    ar = (16, 9) if p.aspect == "16:9" else (21, 9)
    w = diag * ar[0] / np.hypot(*ar) + 0.02
    hs = diag * ar[1] / np.hypot(*ar) + 0.02
    lift = p.lift_m
    depth = 0.05
    fd = p.base_depth_m
    if p.base == "plate":
        b.add("base", pr.box_between([-fd / 2, -0.12, 0.0], [fd / 2, 0.12, 0.012]), body)
    else:
        b.add("base", [pr.hull(np.array([[-fd / 2, -0.02, 0], [-fd / 2, 0.02, 0], [fd / 2, -0.16, 0], [fd / 2, 0.16, 0],
                                          [-fd / 2, -0.02, 0.012], [-fd / 2, 0.02, 0.012], [fd / 2, -0.16, 0.012], [fd / 2, 0.16, 0.012]]))], body)
    b.add("neck", pr.box_between([-fd / 2 + 0.01, -0.025, 0.012], [-fd / 2 + 0.035, 0.025, lift + hs * 0.5]), body)
    _screen(b, -fd / 2 + 0.035 + depth, w, lift, lift + hs, 0.01, depth, body)


@generator("laptop", version=1)
def make_laptop(p, b):
    """Open laptop: base with keyboard and touchpad, lid hinged at the back (-X), screen facing +X."""
    body = main_mat(p)
    d, w = p.depth_m, p.width_m
    t = p.base_thickness_m
    hx = d / 2
    b.add("base", pr.box_between([-hx, -w / 2, 0.0], [hx, w / 2, t]), body)
    keys = material("plastic", "black")
    b.add("keyboard", pr.box_between([-hx + 0.025, -w / 2 + 0.03, t], [hx - d * 0.42, w / 2 - 0.03, t + 0.0015]), keys, collision=None)
    b.add("touchpad", pr.box_between([hx - d * 0.36, -w * 0.15, t], [hx - 0.02, w * 0.15, t + 0.001]), material("plastic", p.color, shade=0.8), collision=None)
    ang = np.deg2rad(p.lid_angle_deg)
    lt = 0.006
    L = d * 0.98
    hinge = np.array([-hx, 0.0, t])
    # the lid opens about the hinge line (parallel to Y at the back edge) by `ang` from closed
    c, s = np.cos(np.pi - ang), np.sin(np.pi - ang)
    # direction from the hinge up the lid: (-cos(pi - ang), 0, sin(pi - ang)); normal of the screen side points +X-ish
    u = np.array([-c, 0.0, s])
    nrm = np.array([s, 0.0, c])
    corners = []
    for a_ in (0.0, L):
        for y in (-w / 2, w / 2):
            for n_ in (0.0, -lt):
                corners.append(hinge + u * a_ + np.array([0.0, y, 0.0]) + nrm * n_)
    b.add("lid", pr.hull(np.array(corners)), body)
    sc = []
    for a_ in (0.012, L - 0.012):
        for y in (-w / 2 + 0.012, w / 2 - 0.012):
            for n_ in (0.0, 0.0015):
                sc.append(hinge + u * a_ + np.array([0.0, y, 0.0]) + nrm * n_)
    b.add("screen", pr.hull(np.array(sc)), material("screen", "black", roughness=0.08), collision=None)


@generator("keyboard", version=1)
def make_keyboard(p, b):
    """Computer keyboard: low wedge case with a grid of keys (full size with numpad, or compact)."""
    body = main_mat(p)
    d, w, t = p.depth_m, p.width_m, p.height_m
    hx = d / 2
    b.add("case", pr.hull(np.array([[x, y, 0.0] for x in (-hx, hx) for y in (-w / 2, w / 2)] +
                                   [[-hx, y, t * 0.6] for y in (-w / 2, w / 2)] + [[hx, y, t * 0.35] for y in (-w / 2, w / 2)])), body)
    key_m = material("plastic", p.key_color)
    rows = 5
    cols = int(w / 0.019)
    keys = []
    for r in range(rows):
        x = hx - 0.015 - (r + 0.5) * (d - 0.03) / rows
        ztop = t * 0.35 + (t * 0.25) * (hx - x) / d
        for c in range(cols):
            y = -w / 2 + 0.012 + (c + 0.5) * (w - 0.024) / cols
            if r == 0 and abs(c - cols * 0.42) < cols * 0.22:
                continue
            keys.append(pr.box([0.015, 0.015, 0.008], [x, y, ztop + 0.002]))
        if r == 0:
            keys.append(pr.box([0.015, (w - 0.024) * 0.42, 0.008], [x, -w / 2 + 0.012 + (cols * 0.42) * (w - 0.024) / cols, ztop + 0.002]))
    b.add("keys", keys, key_m, collision=None)
