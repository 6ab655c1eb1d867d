"""Shared building blocks: legs, carcasses, doors, drawers, handles. Asset frame, metres, front +X."""

from __future__ import annotations

import numpy as np

from simgen.assets import primitives as pr
from simgen.assets.materials import material

ACCENT_METALS = ("black", "gray", "white")


def main_mat(p, **kw):
    """The dominant material of a variant: the params' material kind in the params' colour."""
    return material(p.material, p.color, **kw)


def leg(b, name: str, x: float, y: float, z0: float, z1: float, r: float, mat, style: str = "square",
        taper: float = 1.0) -> None:
    """A vertical leg at (x, y) from z0 to z1. style: square | round | tapered (round, thinner at the foot)."""
    if style == "square":
        b.add(name, pr.box([2 * r, 2 * r, z1 - z0], [x, y, (z0 + z1) / 2]), mat)
    elif style == "tapered":
        b.add(name, pr.frustum(r * taper, r, z0, z1, 12, (x, y)), mat)
    else:
        b.add(name, pr.cylinder(r, z0, z1, 14, (x, y)), mat)


def four_legs(b, dx: float, dy: float, z0: float, z1: float, r: float, mat, style: str = "square",
              taper: float = 1.0, prefix: str = "leg") -> None:
    """Legs at (+-dx, +-dy)."""
    k = 0
    for sx in (-1, 1):
        for sy in (-1, 1):
            leg(b, f"{prefix}_{k}", sx * dx, sy * dy, z0, z1, r, mat, style, taper)
            k += 1


def handle(b, name: str, x: float, y: float, z: float, mat, kind: str = "bar", length: float = 0.12,
           vertical: bool = False) -> None:
    """A handle on a +X-facing front whose surface is at x. kind: bar | knob | recessed (a dark slot)."""
    if kind == "knob":
        b.add(name, pr.rod([x, y, z], [x + 0.025, y, z], 0.012, 10), mat)
        return
    if kind == "recessed":
        b.add(name, pr.box([0.006, length, 0.02] if not vertical else [0.006, 0.02, length], [x + 0.001, y, z]), mat)
        return
    d = np.array([0.0, 0.0, length / 2]) if vertical else np.array([0.0, length / 2, 0.0])
    c = np.array([x, y, z])
    ms = [pr.rod(c + d + [0, 0, 0], c + d + [0.03, 0, 0], 0.005, 8),
          pr.rod(c - d, c - d + [0.03, 0, 0], 0.005, 8),
          pr.rod(c - d * 1.15 + [0.03, 0, 0], c + d * 1.15 + [0.03, 0, 0], 0.007, 10)]
    b.add(name, ms, mat)


def carcass(b, name: str, depth: float, width: float, z0: float, z1: float, t: float, mat,
            back: bool = True, top: bool = True, bottom: bool = True) -> None:
    """An open-front box of boards: sides, top, bottom, back. Outer bounds x in [-d/2, d/2], y in [-w/2, w/2]."""
    hx, hy = depth / 2, width / 2
    ms = [pr.box_between([-hx, -hy, z0], [hx, -hy + t, z1]), pr.box_between([-hx, hy - t, z0], [hx, hy, z1])]
    if top:
        ms.append(pr.box_between([-hx, -hy + t, z1 - t], [hx, hy - t, z1]))
    if bottom:
        ms.append(pr.box_between([-hx, -hy + t, z0], [hx, hy - t, z0 + t]))
    if back:
        ms.append(pr.box_between([-hx, -hy + t, z0 + (t if bottom else 0)], [-hx + t, hy - t, z1 - (t if top else 0)]))
    b.add(name, ms, mat)


def front_panel(b, name: str, x: float, y0: float, y1: float, z0: float, z1: float, mat, gap: float = 0.005,
                t: float = 0.018, inset_style: bool = False, frame_mat=None) -> None:
    """A door or drawer front whose back face is at x (it occupies x..x+t), with a small gap all round.

    inset_style adds a raised frame (shaker look) in frame_mat or the same material.
    """
    b.add(name, pr.box_between([x, y0 + gap, z0 + gap], [x + t, y1 - gap, z1 - gap]), mat)
    if inset_style and (y1 - y0) > 0.15 and (z1 - z0) > 0.12:
        w = min(0.06, 0.18 * (y1 - y0))
        fm = frame_mat or mat
        ms = [pr.box_between([x + t, y0 + gap, z0 + gap], [x + t + 0.008, y0 + gap + w, z1 - gap]),
              pr.box_between([x + t, y1 - gap - w, z0 + gap], [x + t + 0.008, y1 - gap, z1 - gap]),
              pr.box_between([x + t, y0 + gap + w, z0 + gap], [x + t + 0.008, y1 - gap - w, z0 + gap + w]),
              pr.box_between([x + t, y0 + gap + w, z1 - gap - w], [x + t + 0.008, y1 - gap - w, z1 - gap])]
        b.add(name + "_frame", ms, fm)


def plinth(b, name: str, depth: float, width: float, h: float, recess: float, mat) -> None:
    """A recessed toe-kick base box under a cabinet."""
    b.add(name, pr.box_between([-depth / 2 + 0.01, -width / 2 + 0.01, 0.0], [depth / 2 - recess, width / 2 - 0.01, h]), mat)


def grid_split(total: float, n: int) -> list[tuple[float, float]]:
    """n equal (start, end) intervals of [0, total]."""
    e = np.linspace(0.0, total, n + 1)
    return [(float(e[i]), float(e[i + 1])) for i in range(n)]
