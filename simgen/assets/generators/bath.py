"""Bathroom fixtures: sink, toilet, bathtub, radiator. Backs to the wall (-X), fronts face +X."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from simgen.assets import primitives as pr
from simgen.assets.generators._common import front_panel, handle
from simgen.assets.generators.tableware import vessel_profile
from simgen.assets.materials import material
from simgen.assets.registry import generator


def _basin(b, name, cx, cy, z_top, rx, ry, depth, mat, sections=32):
    """Oval basin whose rim is at z_top: a hollow elliptic vessel (scale_xy via a stretched ring)."""
    a = np.linspace(0, 2 * np.pi, sections, endpoint=False)
    ring = np.stack([np.cos(a) * 1.0, np.sin(a) * ry / rx], axis=1)
    outer = [(rx * 0.55, z_top - depth), (rx * 0.8, z_top - depth * 0.75), (rx * 0.97, z_top - depth * 0.3), (rx, z_top)]
    prof = vessel_profile(outer, 0.012, z_top - depth + 0.012)
    b.add(name, pr.lathe(prof, sections, center_xy=(cx, cy), ring=ring), mat,
          collision=pr.lathe_hulls(prof, sections, center_xy=(cx, cy), ring=ring))


def _faucet(b, x, y, z, reach, mat, name="faucet"):
    b.add(name, [pr.cylinder(0.022, z, z + 0.05, 14, (x, y)), pr.rod([x, y, z + 0.04], [x, y, z + 0.16], 0.012, 10),
                 pr.rod([x, y, z + 0.16], [x + reach, y, z + 0.16], 0.011, 10), pr.rod([x + reach, y, z + 0.16], [x + reach, y, z + 0.12], 0.011, 10)], mat)


@generator("sink", version=1)
def make_sink(p, b):
    """Bathroom washbasin: on a pedestal, on a vanity cabinet, or on a wall-hung console with legs."""
    cer = material("porcelain", "white")
    d, w, hr = p.depth_m, p.width_m, p.rim_height_m
    hx = d / 2
    chrome = material("metal", "gray", roughness=0.15)
    slab_t = 0.16
    deck = 0.09
    b.add("deck", pr.box_between([-hx, -w / 2, hr - 0.04], [-hx + deck + 0.02, w / 2, hr]), cer)
    _basin(b, "basin", deck / 2, 0.0, hr, (d - deck) / 2, w / 2, slab_t, cer)
    _faucet(b, -hx + 0.045, 0.0, hr, 0.1, chrome)
    if p.base == "pedestal":
        b.add("pedestal", pr.frustum(0.1, 0.075, 0.0, hr - slab_t + 0.02, 24, (deck / 2 - 0.02, 0.0), scale_xy=(0.9, 1.1)), cer)
    elif p.base == "vanity":
        m = material(p.material, p.color)
        cab_h = hr - slab_t
        b.add("vanity", pr.box_between([-hx, -w / 2 + 0.01, 0.0], [hx - 0.04, w / 2 - 0.01, cab_h]), m)
        n = 2 if w > 0.6 else 1
        ys = np.linspace(-w / 2 + 0.01, w / 2 - 0.01, n + 1)
        fm = material(p.material, p.color, shade=0.85)
        for i in range(n):
            front_panel(b, f"door_{i}", hx - 0.04, ys[i], ys[i + 1], 0.08, cab_h, fm)
            handle(b, f"door_{i}_handle", hx - 0.022, (ys[i] + ys[i + 1]) / 2 + (0.05 if i == 0 and n == 2 else -0.05 if n == 2 else 0.0),
                   cab_h - 0.1, chrome, "bar", 0.1, vertical=True)
    else:  # console legs
        b.add("legs", [pr.cylinder(0.015, 0.0, hr - slab_t, 12, (hx - 0.06, s * (w / 2 - 0.06))) for s in (-1, 1)], chrome)
        b.add("towel_bar", pr.rod([hx - 0.06, -w / 2 + 0.06, 0.25], [hx - 0.06, w / 2 - 0.06, 0.25], 0.01, 10), chrome)


@generator("toilet", version=1)
def make_toilet(p, b):
    """Close-coupled toilet: bowl, seat and lid, cistern at the back (or a wall-hung pan with a flush plate)."""
    cer = material("porcelain", "white")
    seat_m = material("plastic", p.seat_color)
    d, w = p.depth_m, p.width_m
    hx = d / 2
    sh = p.seat_height_m
    tank_d = 0.18 if p.style == "close_coupled" else 0.0
    bx0 = -hx + tank_d  # bowl from here to the front
    bowl_len = hx - bx0
    bw = min(w, 0.38)
    cx = bx0 + bowl_len / 2
    # bowl: tapered oval pan on a foot
    a = np.linspace(0, 2 * np.pi, 28, endpoint=False)
    ring = np.stack([np.cos(a), np.sin(a) * (bw / bowl_len)], axis=1)
    prof = [(0, 0.0), (bowl_len * 0.28, 0.0), (bowl_len * 0.3, sh * 0.45), (bowl_len * 0.5, sh - 0.03), (0, sh - 0.03)]
    b.add("bowl", pr.lathe(prof, 28, center_xy=(cx, 0.0), ring=ring), cer, collision=pr.lathe_hulls(prof, 28, center_xy=(cx, 0.0), ring=ring))
    seat = pr.lathe([(0, sh - 0.03), (bowl_len * 0.5, sh - 0.03), (bowl_len * 0.5, sh), (0, sh)], 28, center_xy=(cx, 0.0), ring=ring)
    b.add("seat", seat, seat_m)
    if p.lid_up and p.style == "close_coupled":
        b.add("lid", pr.box_between([bx0 + 0.005, -bw * 0.42, sh], [bx0 + 0.025, bw * 0.42, sh + bowl_len * 0.8]), seat_m)
    elif not p.lid_up:
        b.add("lid", pr.lathe([(0, sh), (bowl_len * 0.48, sh), (bowl_len * 0.46, sh + 0.02), (0, sh + 0.02)], 28, center_xy=(cx, 0.0), ring=ring), seat_m)
    if p.style == "close_coupled":
        th = p.height_m
        b.add("tank", pr.superellipsoid([tank_d + 0.02, w, th - sh + 0.12], [-hx + (tank_d + 0.02) / 2, 0.0, (th + sh - 0.12) / 2], 0.15), cer)
        b.add("tank_base", pr.box_between([-hx + 0.02, -0.1, 0.0], [bx0 + 0.04, 0.1, sh - 0.12]), cer)
        b.add("flush_button", pr.cylinder(0.02, th, th + 0.006, 16, (-hx + tank_d / 2 + 0.01, 0.0)), material("metal", "gray"), collision=None)
    else:
        plate_h = p.height_m
        b.add("wall_frame", pr.box_between([-hx, -w / 2, 0.0], [-hx + 0.06, w / 2, plate_h]), material("board", "white", shade=0.95))
        b.add("flush_plate", pr.box_between([-hx + 0.06, -0.11, plate_h - 0.35], [-hx + 0.066, 0.11, plate_h - 0.2]), material("metal", "gray"))


def _squircle(rx: float, ry: float, a: np.ndarray, cy: float = 0.0) -> np.ndarray:
    """(n, 2) points of a rounded rectangle |x/rx|^4 + |y/ry|^4 = 1 at parameter angles a."""
    c, s_ = np.cos(a), np.sin(a)
    return np.column_stack([rx * np.sign(c) * np.abs(c) ** 0.5, cy + ry * np.sign(s_) * np.abs(s_) ** 0.5])


def _basin_walls(hx: float, hy: float, h: float, t: float, floor_z: float, backrest_m: float, n: int = 40):
    """Convex pieces of a rectangular tub block [-hx, hx] x [-hy, hy] x [0, h] hollowed by a rounded basin:
    its rim opening a squircle t inside the outer walls, its floor at floor_z smaller, the -Y end sloping
    by backrest_m (the backrest), the other walls by 6 cm. One hull per angular sector, plus the floor."""
    a = np.linspace(0.0, 2 * np.pi, n + 1)
    top = _squircle(hx - t, hy - t, a)
    fy = (backrest_m - 0.06) / 2
    bot = _squircle(hx - t - 0.06, hy - t - (backrest_m + 0.06) / 2, a, cy=fy)
    corners = np.array([[hx, hy], [-hx, hy], [-hx, -hy], [hx, -hy]])
    corner_ang = np.arctan2(corners[:, 1], corners[:, 0]) % (2 * np.pi)

    def outer(pt):
        dx, dy = pt
        k = min(hx / abs(dx) if abs(dx) > 1e-12 else np.inf, hy / abs(dy) if abs(dy) > 1e-12 else np.inf)
        return np.array([dx * k, dy * k])

    pieces = []
    for i in range(n):
        o = [outer(top[i]), outer(top[i + 1])]
        th0 = np.arctan2(top[i][1], top[i][0]) % (2 * np.pi)
        th1 = np.arctan2(top[i + 1][1], top[i + 1][0]) % (2 * np.pi)
        if th1 <= th0:
            th1 += 2 * np.pi
        for ca, cp in zip(corner_ang, corners):
            if th0 < ca < th1 or th0 < ca + 2 * np.pi < th1:
                o.append(cp)
        pts = [[x, y, z] for x, y in o for z in (0.0, h)]
        pts += [[*top[i], h], [*top[i + 1], h], [*bot[i], floor_z], [*bot[i + 1], floor_z], [*bot[i], 0.0], [*bot[i + 1], 0.0]]
        pieces.append(pr.hull(np.array(pts)))
    pieces.append(pr.prism(bot[:-1], 0.0, floor_z))
    return pieces


@generator("bathtub", version=2)
def make_bathtub(p, b):
    """Bathtub: built-in with an apron panel (plain, tiled or wood) round a rounded, sloped basin with a
    backrest end, or a free-standing oval tub (optionally on feet)."""
    cer = material("porcelain", "white")
    d, w, h = p.depth_m, p.width_m, p.height_m
    hx, hy = d / 2, w / 2
    t = 0.05
    if p.style == "built_in":
        floor_z = 0.12
        # the block is modelled solid under the basin (in reality a shell on a frame behind the apron):
        # an effective density of 200 kg/m3 gives the 60-100 kg of an enamelled steel tub
        b.add("tub", _basin_walls(hx, hy, h, t, floor_z, backrest_m=float(p.backrest_m)),
              material("porcelain", "white", density_kg_m3=200.0))
        if p.apron == "tiled":
            apron = replace(material("ceramic", p.apron_color), texture="tiles", texture_params={"scale_m": 0.6})
        elif p.apron == "wood":
            apron = material("wood", "brown")
        else:
            apron = material("porcelain", "white", shade=0.9)
        b.add("apron", pr.box_between([hx, -hy + 0.02, 0.0], [hx + 0.012, hy - 0.02, h - 0.02]), apron)
        b.surface("rim", h, b.rect(-hx + 0.005, -hx + t - 0.005, -hy + 0.3, hy - 0.3), capacity=2)
        _faucet(b, -hx + 0.025, hy - 0.25, h, 0.12, material("metal", "gray", roughness=0.15))
        b.add("drain", pr.cylinder(0.025, floor_z, floor_z + 0.003, 16, (0.0, hy - 0.25)), material("metal", "gray", roughness=0.15),
              collision=None)
        return
    # free-standing oval: wall as a ring of convex sectors, plus a floor
    n = 28
    a = np.linspace(0, 2 * np.pi, n + 1)
    z0 = p.foot_height_m if p.feet else 0.0
    rx, ry = hx, hy
    sectors = []
    for a0, a1 in zip(a[:-1], a[1:]):
        pts = []
        for aa in (a0, a1):
            c, s = np.cos(aa), np.sin(aa)
            pts += [[rx * 0.9 * c, ry * 0.88 * s, z0], [rx * c, ry * s, h], [(rx - t) * c, (ry - t) * s, h], [(rx - t) * 0.9 * c, (ry - t) * 0.88 * s, z0 + 0.1]]
        sectors.append(pr.hull(np.array(pts)))
    floor = pr.frustum(1.0, 1.0, z0, z0 + 0.1, n, scale_xy=((rx - t) * 0.9 + 0.002, (ry - t) * 0.88 + 0.002))
    b.add("tub", sectors + [floor], cer)
    if p.feet:
        gold = material("metal", p.foot_color)
        b.add("feet", [pr.frustum(0.03, 0.045, 0.0, z0 + 0.01, 12, (sx * rx * 0.6, sy * ry * 0.6)) for sx in (-1, 1) for sy in (-1, 1)], gold)
    else:
        b.add("plinth", pr.frustum(1.0, 1.0, 0.0, 0.02, n, scale_xy=(rx * 0.85, ry * 0.83)), cer)


@generator("radiator", version=1)
def make_radiator(p, b):
    """Wall radiator: steel panel radiator (vertical ribs, top grille) or column radiator; back at x = -d/2."""
    m = material("metal", p.color, roughness=0.4, metallic=0.2, density_kg_m3=1800.0)
    d, w, h = p.depth_m, p.width_m, p.height_m
    hx = d / 2
    if p.style == "panel":
        b.add("panel", pr.box_between([-hx + 0.02, -w / 2, 0.0], [hx, w / 2, h]), m)
        n = max(6, int(w / 0.05))
        ys = np.linspace(-w / 2 + 0.02, w / 2 - 0.02, n)
        b.add("ribs", [pr.box_between([hx, y - 0.008, 0.03], [hx + 0.004, y + 0.008, h - 0.03]) for y in ys], m, collision=None)
        b.add("brackets", [pr.box_between([-hx, s * (w / 2 - 0.1) - 0.02, h * 0.3], [-hx + 0.02, s * (w / 2 - 0.1) + 0.02, h * 0.8]) for s in (-1, 1)], m)
    else:
        n = max(4, int(w / 0.06))
        ys = np.linspace(-w / 2 + 0.025, w / 2 - 0.025, n)
        cols = [pr.box_between([-hx + 0.02, y - 0.022, 0.05], [hx, y + 0.022, h - 0.05]) for y in ys]
        b.add("columns", cols, m)
        b.add("manifolds", [pr.box_between([-hx + 0.02, -w / 2, 0.0], [hx, w / 2, 0.06]), pr.box_between([-hx + 0.02, -w / 2, h - 0.06], [hx, w / 2, h])], m)
        b.add("brackets", [pr.box_between([-hx, s * (w / 2 - 0.1) - 0.02, h * 0.3], [-hx + 0.02, s * (w / 2 - 0.1) + 0.02, h * 0.8]) for s in (-1, 1)], m)
    b.add("valve", [pr.rod([0.0, w / 2, 0.04], [0.0, w / 2 + 0.04, 0.04], 0.012, 10), pr.cylinder(0.018, 0.04, 0.1, 12, (0.0, w / 2 + 0.04))],
          material("plastic", "white"))
