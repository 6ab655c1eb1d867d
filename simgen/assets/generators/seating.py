"""Seating: chair, armchair, office_chair, stool, bench, sofa. Front (the sitter's view) along +X."""

from __future__ import annotations

import numpy as np

from simgen.assets import primitives as pr
from simgen.assets.generators._common import four_legs, leg, main_mat
from simgen.assets.materials import material
from simgen.assets.registry import generator


def _cushion_supports(b, name, x0, x1, y0, y1, z, inset=0.3):
    dx, dy = (x1 - x0) * inset / 2, (y1 - y0) * inset / 2
    b.surface(name, z, b.rect(x0 + dx, x1 - dx, y0 + dy, y1 - dy), capacity=1)


@generator("chair", version=1)
def make_chair(p, b):
    """Dining/kitchen chair: four_leg (slat back), spindle, ladder, panel (upholstered), sled (tube + shell), tulip."""
    d, w, h, sh = p.depth_m, p.width_m, p.height_m, p.seat_height_m
    m = main_mat(p)
    t = p.seat_thickness_m
    hx, hy = d / 2, w / 2
    r = 0.018 if p.style != "spindle" else 0.016
    cushion = material("fabric", p.cushion_color)
    if p.style in ("sled", "tulip"):
        shell = m
        metal = material("metal_tube", "gray" if p.color != "gray" else "black")
        if p.style == "sled":
            for s in (-1, 1):
                y = s * (hy - 0.04)
                ms = [pr.rod([-hx + 0.04, y, 0.008], [hx - 0.02, y, 0.008], 0.008, 8),
                      pr.rod([hx - 0.04, y, 0.0], [hx - 0.06, y, sh - t], 0.008, 8),
                      pr.rod([-hx + 0.06, y, 0.0], [-hx + 0.08, y, sh - t], 0.008, 8)]
                b.add("frame", ms, metal)
        else:
            b.add("base", pr.frustum(0.26 * w, 0.2 * w, 0.0, 0.025, 28), metal)
            b.add("column", pr.frustum(0.035, 0.05, 0.025, sh - t, 16), metal)
        b.add("seat", pr.superellipsoid([d, w, t], [0, 0, sh - t / 2], 0.3), shell)
        b.add("back", pr.superellipsoid([0.03, w * 0.96, h - sh + 0.02], [-hx + 0.03, 0, (h + sh) / 2 - 0.01], 0.3), shell)
        return
    b.add("seat", pr.box_between([-hx, -hy, sh - t], [hx, hy, sh]), m if p.style != "panel" else m)
    if p.upholstered_seat or p.style == "panel":
        b.add("cushion", pr.superellipsoid([d - 0.04, w - 0.04, 0.04], [0.01, 0, sh + 0.0], 0.3), cushion)
        _cushion_supports(b, "seat", -hx + 0.03, hx - 0.01, -hy + 0.02, hy - 0.02, sh + 0.02)
    style = p.leg_style if p.style not in ("spindle",) else "tapered"
    # front legs to the seat, rear legs run up as back posts
    for k, s in enumerate((-1, 1)):
        leg(b, f"leg_front_{k}", hx - r - 0.01, s * (hy - r - 0.01), 0.0, sh - t, r, m, style, 0.7)
        leg(b, f"leg_back_{k}", -hx + r, s * (hy - r - 0.01), 0.0, h, r, m, "square" if style == "square" else "round")
    bx = -hx + r
    top_rail_h = 0.06 if p.style != "ladder" else 0.04
    if p.style == "four_leg":
        b.add("back_rail", pr.box_between([bx - 0.012, -hy + 0.01, h - 0.09], [bx + 0.012, hy - 0.01, h]), m)
        n = 3
        ys = np.linspace(-hy * 0.55, hy * 0.55, n)
        b.add("back_slats", [pr.box_between([bx - 0.009, y - 0.025, sh + 0.05], [bx + 0.009, y + 0.025, h - 0.09]) for y in ys], m)
    elif p.style == "spindle":
        b.add("back_rail", pr.box_between([bx - 0.016, -hy + 0.005, h - top_rail_h], [bx + 0.016, hy - 0.005, h]), m)
        ys = np.linspace(-hy * 0.65, hy * 0.65, 5)
        b.add("spindles", [pr.cylinder(0.008, sh, h - top_rail_h, 10, (bx, y)) for y in ys], m)
    elif p.style == "ladder":
        zs = np.linspace(sh + 0.12, h - 0.02, 4)
        b.add("back_rails", [pr.box_between([bx - 0.01, -hy + 0.01, z - 0.045], [bx + 0.01, hy - 0.01, z]) for z in zs], m)
    else:  # panel: upholstered back
        b.add("back_panel", pr.box_between([bx - 0.012, -hy + 0.01, sh + 0.04], [bx + 0.03, hy - 0.01, h - 0.01]), cushion,
              collision="hull")
    if p.stretchers:
        zst = 0.12
        b.add("stretchers", [pr.box_between([-hx + 0.03, s * (hy - 0.03) - 0.008, zst - 0.01], [hx - 0.03, s * (hy - 0.03) + 0.008, zst + 0.01])
                             for s in (-1, 1)], m)


@generator("armchair", version=1)
def make_armchair(p, b):
    """Upholstered armchair: boxy, club (rounded arms) or wingback, on legs or a plinth."""
    d, w, h, sh = p.depth_m, p.width_m, p.height_m, p.seat_height_m
    fab = main_mat(p)
    wood = material("wood", p.leg_color)
    hx, hy = d / 2, w / 2
    aw = p.arm_width_m
    legh = p.leg_height_m if p.base_style == "legs" else 0.0
    if p.base_style == "legs":
        four_legs(b, hx - 0.05, hy - 0.05, 0.0, legh, 0.018, wood, "tapered", 0.6)
    base_top = sh - 0.13
    b.add("base", pr.box_between([-hx, -hy + aw, legh], [hx - 0.01, hy - aw, base_top]), fab)
    arm_top = sh + p.arm_rise_m
    for k, s in enumerate((-1, 1)):
        y0, y1 = sorted((s * hy, s * (hy - aw)))
        if p.style == "club":
            b.add(f"arm_{k}", pr.superellipsoid([d, aw, arm_top - legh], [0, (y0 + y1) / 2, (arm_top + legh) / 2], 0.35), fab)
        else:
            b.add(f"arm_{k}", pr.box_between([-hx, y0, legh], [hx, y1, arm_top]), fab)
    back_t = p.back_thickness_m
    b.add("back", pr.superellipsoid([back_t, w - 2 * aw + 0.02, h - legh], [-hx + back_t / 2, 0, (h + legh) / 2], 0.25), fab)
    if p.style == "wingback":
        for k, s in enumerate((-1, 1)):
            y = s * (hy - aw / 2)
            b.add(f"wing_{k}", pr.hull(np.array([[-hx, y - s * aw / 2, arm_top], [-hx, y + s * aw / 2, arm_top],
                                                  [-hx + 0.35 * d, y - s * aw / 2, arm_top], [-hx + 0.35 * d, y + s * aw / 2, arm_top],
                                                  [-hx, y - s * aw / 2, h - 0.03], [-hx, y + s * aw / 2, h - 0.03],
                                                  [-hx + 0.12, y - s * aw / 2, h - 0.03], [-hx + 0.12, y + s * aw / 2, h - 0.03]])), fab)
    b.add("seat_cushion", pr.superellipsoid([d - back_t - 0.02, w - 2 * aw - 0.01, sh - base_top + 0.01],
                                            [(back_t + 0.01) / 2, 0, (sh + base_top) / 2], 0.25), fab)
    _cushion_supports(b, "seat", -hx + back_t + 0.02, hx - 0.02, -hy + aw, hy - aw, sh + 0.005 - 0.005, 0.4)


@generator("office_chair", version=1)
def make_office_chair(p, b):
    """Swivel office chair: five-star base on casters, gas lift, seat, back, optional arms and headrest."""
    d, w, h, sh = p.depth_m, p.width_m, p.height_m, p.seat_height_m
    shell = main_mat(p)
    base_mat = material("plastic" if p.base_finish == "plastic" else "aluminium", "black" if p.base_finish == "plastic" else "gray")
    black = material("plastic", "black")
    rb = min(d, w) / 2 - 0.03
    caster_r = 0.025
    for k in range(5):
        a = 2 * np.pi * k / 5
        c, s = np.cos(a), np.sin(a)
        b.add("star", pr.rod([0.03 * c, 0.03 * s, 0.085], [rb * c, rb * s, 0.07], 0.018, 8), base_mat)
        b.add("casters", pr.sphere(caster_r, [rb * c, rb * s, caster_r], 6, 10), black)
        b.add("casters", pr.cylinder(0.008, caster_r, 0.07, 8, (rb * c, rb * s)), black)
    b.add("hub", pr.cylinder(0.04, 0.06, 0.11, 16), base_mat)
    b.add("gas_lift", pr.cylinder(0.022, 0.11, sh - 0.09, 14), black)
    b.add("mechanism", pr.box_between([-0.1, -0.1, sh - 0.09], [0.1, 0.1, sh - 0.06]), black)
    sd, sw = min(d - 0.08, 0.52), min(w - 0.08, 0.52)
    b.add("seat", pr.superellipsoid([sd, sw, 0.07], [0.02, 0, sh - 0.035], 0.3), shell)
    _cushion_supports(b, "seat", 0.02 - sd / 2, 0.02 + sd / 2, -sw / 2, sw / 2, sh, 0.4)
    back_top = h - (0.12 if p.headrest else 0.0)
    bx = -sd / 2 + 0.02 - 0.03
    b.add("back_spine", pr.box_between([bx - 0.05, -0.03, sh - 0.08], [bx - 0.02, 0.03, sh + 0.12]), black)
    b.add("back", pr.superellipsoid([0.06, sw * 0.92, back_top - sh - 0.08], [bx - 0.02, 0, (back_top + sh + 0.08) / 2], 0.35),
          material("fabric", p.color) if p.back_style == "mesh" else shell)
    if p.headrest:
        b.add("headrest", pr.superellipsoid([0.06, sw * 0.5, 0.1], [bx - 0.03, 0, h - 0.05], 0.35), shell)
        b.add("back_spine", pr.box_between([bx - 0.05, -0.02, back_top - 0.04], [bx - 0.03, 0.02, h - 0.08]), black)
    if p.arms:
        for k, s in enumerate((-1, 1)):
            y = s * (sw / 2 + 0.02)
            b.add(f"arm_{k}", [pr.box_between([-0.02, y - 0.012, sh - 0.06], [0.02, y + 0.012, sh + 0.2]),
                               pr.box_between([-0.12, y - 0.035, sh + 0.2], [0.14, y + 0.035, sh + 0.23])], black)


@generator("stool", version=1)
def make_stool(p, b):
    """Stool: round or square seat on 3-4 splayed legs with a footrest ring, or a bar stool on a pedestal."""
    d = p.diameter_m
    h = p.height_m
    m = main_mat(p)
    t = 0.035
    r = d / 2
    if p.seat_shape == "round":
        b.add("seat", pr.cylinder(r, h - t, h, 32), m)
        b.surface("seat", h, [(r * 0.8 * np.cos(a), r * 0.8 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 16, endpoint=False)], capacity=1)
    else:
        b.add("seat", pr.box_between([-r, -r, h - t], [r, r, h]), m)
        b.surface("seat", h, b.rect(-r * 0.85, r * 0.85, -r * 0.85, r * 0.85), capacity=1)
    legm = main_mat(p) if p.leg_finish == "same" else material("metal_tube", "black")
    if p.base_style == "pedestal":
        b.add("base", pr.frustum(r, r * 0.95, 0.0, 0.02, 28), legm)
        b.add("column", pr.cylinder(0.03, 0.02, h - t, 14), legm)
        b.add("footrest", [pr.rod([r * 0.7 * np.cos(a0), r * 0.7 * np.sin(a0), h * 0.35], [r * 0.7 * np.cos(a1), r * 0.7 * np.sin(a1), h * 0.35], 0.008, 6)
                           for a0, a1 in zip(np.linspace(0, 2 * np.pi, 13)[:-1], np.linspace(0, 2 * np.pi, 13)[1:])], legm)
        b.add("footrest", [pr.rod([0, 0, h * 0.35], [r * 0.7 * np.cos(a), r * 0.7 * np.sin(a), h * 0.35], 0.006, 6) for a in (0.3, 2.4, 4.5)], legm)
        return
    n = p.n_legs
    spread = r * 0.95
    top = r * 0.65
    angles = np.arange(n) * 2 * np.pi / n + np.pi / n
    for k, a in enumerate(angles):
        c, s = np.cos(a), np.sin(a)
        b.add(f"leg_{k}", pr.rod([spread * c, spread * s, 0.0], [top * c, top * s, h - t], 0.016, 10), legm)
    zr = h * (0.3 if h > 0.55 else 0.35)
    rr = top + (spread - top) * (1 - zr / (h - t))
    pts = [(rr * np.cos(a), rr * np.sin(a), zr) for a in angles]
    b.add("rungs", [pr.rod(pts[i], pts[(i + 1) % n], 0.009, 8) for i in range(n)], legm)


@generator("bench", version=2)
def make_bench(p, b):
    """Bench: slatted, solid board or cushioned top on legs, panel ends or a tube frame; optional
    backrest with armrests (park/hall bench). Metal benches are always slatted steel on a tube frame
    with visible gaps between the slats, so they read as benches and not as low tables or boxes."""
    d, w, sh = p.depth_m, p.width_m, p.seat_height_m
    metal = p.material == "metal"
    m = main_mat(p) if not metal else material("metal_tube", p.color)  # pressed-steel slats, hollow
    hx, hy = d / 2, w / 2
    t = 0.04
    top_style = "slats" if metal else p.top_style
    leg_style = "metal_frame" if metal else p.leg_style
    if top_style == "slats":
        n = max(3, int(d / (0.055 if metal else 0.07)))
        gap = 0.012 if metal else 0.008
        xs = np.linspace(-hx, hx, n + 1)
        ts = 0.025 if metal else t
        b.add("slats", [pr.box_between([x0 + gap / 2, -hy, sh - ts], [x1 - gap / 2, hy, sh]) for x0, x1 in zip(xs[:-1], xs[1:])], m)
        if metal:  # two cross bearers under the slats, inside the end frames
            b.add("bearers", [pr.box_between([-hx + 0.02, s * (hy - 0.06) - 0.015, sh - ts - 0.03], [hx - 0.02, s * (hy - 0.06) + 0.015, sh - ts])
                              for s in (-1, 1)], material("metal_tube", "black"))
        t = ts + (0.03 if metal else 0.0)
    else:
        if top_style == "cushion":  # a padded seat: rounded fabric pad on a board
            t = 0.08
            b.add("top", pr.box_between([-hx, -hy, sh - t], [hx, hy, sh - 0.05]), m)
            b.add("cushion", pr.superellipsoid([d - 0.02, w - 0.02, 0.06], [0.0, 0.0, sh - 0.03], 0.3, 8, 24),
                  material("fabric", p.cushion_color))
            b.surface("top", sh, b.rect(-hx + 0.1, hx - 0.1, -hy + 0.1, hy - 0.1), capacity=2)
        else:
            b.add("top", pr.box_between([-hx, -hy, sh - t], [hx, hy, sh]), m)
            b.surface("top", sh, b.rect(-hx + (0.07 if p.backrest else 0.02), hx - 0.02, -hy + 0.02, hy - 0.02))
    legm = material("metal_tube", "black") if (leg_style == "metal_frame" and not metal) else (m if not metal else material("metal_tube", p.color))
    inset = 0.06
    if leg_style == "panel":
        b.add("side_panels", [pr.box_between([-hx + 0.02, s * (hy - inset) - 0.02, 0.0], [hx - 0.02, s * (hy - inset) + 0.02, sh - t])
                              for s in (-1, 1)], legm)
    elif leg_style == "metal_frame":
        for s in (-1, 1):  # a closed rectangular loop of square tube at each end
            y = s * (hy - inset)
            b.add("frame", [pr.rod([-hx + 0.03, y, 0.012], [hx - 0.03, y, 0.012], 0.012, 4),
                            pr.rod([-hx + 0.03, y, sh - t - 0.012], [hx - 0.03, y, sh - t - 0.012], 0.012, 4),
                            pr.rod([-hx + 0.03, y, 0.0], [-hx + 0.03, y, sh - t], 0.012, 4),
                            pr.rod([hx - 0.03, y, 0.0], [hx - 0.03, y, sh - t], 0.012, 4)], legm)
    else:
        four_legs(b, hx - 0.04, hy - inset, 0.0, sh - t, 0.022, legm, "square")
        b.add("stretcher", pr.box_between([-0.015, -hy + inset, 0.12], [0.015, hy - inset, 0.16]), legm)
    if p.backrest or metal:
        bh = p.height_m
        postm = legm
        for s in (-1, 1):
            y = s * (hy - inset)
            b.add("back_posts", pr.box_between([-hx, y - 0.02, sh - t], [-hx + 0.04, y + 0.02, bh]), postm)
            # armrest: from the back post forward to a front post
            b.add("arms", [pr.box_between([-hx, y - 0.025, sh + 0.2], [hx - 0.01, y + 0.025, sh + 0.23]),
                           pr.box_between([hx - 0.05, y - 0.015, sh - t], [hx - 0.02, y + 0.015, sh + 0.2])], postm)
        zs = np.linspace(sh + 0.12, bh - 0.01, 3)
        b.add("back_rails", [pr.box_between([-hx + 0.005, -hy, z - 0.07], [-hx + 0.035, hy, z]) for z in zs], m)


@generator("sofa", version=1)
def make_sofa(p, b):
    """Sofa with 2-4 seat cushions, back cushions, arms (track, rolled, slope) on legs or a plinth."""
    d, w, h, sh = p.depth_m, p.width_m, p.height_m, p.seat_height_m
    fab = main_mat(p)
    hx, hy = d / 2, w / 2
    aw = p.arm_width_m
    legh = p.leg_height_m if p.base_style == "legs" else 0.0
    if p.base_style == "legs":
        legm = material("wood", "brown") if p.leg_finish == "wood" else material("metal", "black")
        four_legs(b, hx - 0.06, hy - 0.06, 0.0, legh, 0.02, legm, "tapered", 0.65)
        b.add("legs_mid", [pr.frustum(0.013, 0.02, 0.0, legh, 10, (x, 0.0)) for x in (-hx + 0.06, hx - 0.06)], legm)
    ct = p.cushion_thickness_m
    base_top = sh - ct
    b.add("base", pr.box_between([-hx, -hy + aw, legh], [hx - 0.01, hy - aw, base_top]), fab)
    arm_top = sh + p.arm_rise_m
    for k, s in enumerate((-1, 1)):
        y0, y1 = sorted((s * hy, s * (hy - aw)))
        if p.arm_style == "rolled":
            rr = aw / 2
            b.add(f"arm_{k}", pr.box_between([-hx, y0 + aw * 0.08, legh], [hx, y1 - aw * 0.08, arm_top - rr]), fab)
            b.add(f"arm_{k}", pr.rod([-hx, (y0 + y1) / 2, arm_top - rr], [hx, (y0 + y1) / 2, arm_top - rr], rr, 16), fab)
        elif p.arm_style == "slope":
            b.add(f"arm_{k}", pr.hull(np.array([[x, y, z] for x in (-hx, hx) for y in (y0, y1) for z in (legh,)] +
                                               [[-hx, y0, arm_top], [-hx, y1, arm_top], [hx - 0.12, y0, arm_top], [hx - 0.12, y1, arm_top],
                                                [hx, y0, arm_top - 0.12], [hx, y1, arm_top - 0.12]])), fab)
        else:
            b.add(f"arm_{k}", pr.superellipsoid([d, aw, arm_top - legh], [0, (y0 + y1) / 2, (arm_top + legh) / 2], 0.15), fab)
    back_t = p.back_thickness_m
    b.add("back", pr.superellipsoid([back_t * 0.6, w - 2 * aw + 0.04, h - legh], [-hx + back_t * 0.3, 0, (h + legh) / 2], 0.15), fab)
    n = p.n_seats
    inner = w - 2 * aw
    cush = material(p.material, p.cushion_color)
    for i in range(n):
        y0 = -inner / 2 + inner * i / n
        y1 = y0 + inner / n
        cx0 = -hx + back_t * 0.6
        b.add(f"seat_cushion_{i}", pr.superellipsoid([hx - cx0, y1 - y0 - 0.005, ct + 0.005], [(cx0 + hx) / 2, (y0 + y1) / 2, sh - ct / 2], 0.22), cush)
        _cushion_supports(b, f"seat_{i}", cx0 + 0.12, hx - 0.04, y0, y1, sh, 0.35)
        if p.back_cushions:
            bt = back_t * 0.45
            b.add(f"back_cushion_{i}", pr.superellipsoid([bt, y1 - y0 - 0.01, h - sh - 0.06], [cx0 + bt / 2, (y0 + y1) / 2, (h - 0.06 + sh) / 2 + 0.0], 0.3), cush)
