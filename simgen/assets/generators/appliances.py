"""Kitchen and laundry appliances: refrigerator, stove, oven, microwave, washing_machine. Fronts face +X.

Bodies are modelled as solid boxes with an effective "appliance" density (hollow enamelled steel).
"""

from __future__ import annotations

import numpy as np

from simgen.assets import primitives as pr
from simgen.assets.generators._common import front_panel, main_mat
from simgen.assets.materials import material
from simgen.assets.registry import generator


def _body(p, **kw):
    return material("appliance", p.color, metallic=0.6 if p.color == "gray" else 0.1, **kw)


def _bar(b, name, x, y0, y1, z0, z1, mat):
    """A stand-off bar handle from (y0, z0) to (y1, z1) on a front at x."""
    a, c = np.array([x, y0, z0]), np.array([x, y1, z1])
    b.add(name, [pr.rod(a, a + [0.035, 0, 0], 0.007, 8), pr.rod(c, c + [0.035, 0, 0], 0.007, 8),
                 pr.rod(a + [0.035, 0, 0], c + [0.035, 0, 0], 0.011, 10)], mat)


def _knobs(b, x, ys, z, r, mat, name="knobs"):
    b.add(name, [pr.rod([x, y, z], [x + 0.022, y, z], r, 12) for y in ys], mat)


@generator("refrigerator", version=1)
def make_refrigerator(p, b):
    """Fridge-freezer: top freezer, bottom freezer, side-by-side or French door, with long bar handles."""
    m = _body(p)
    d, w, h = p.depth_m, p.width_m, p.height_m
    hx = d / 2
    door_t = 0.05
    xb = hx - door_t
    b.add("body", pr.box_between([-hx, -w / 2, 0.03], [xb, w / 2, h]), m)
    b.add("feet", pr.box_between([-hx + 0.02, -w / 2 + 0.02, 0.0], [xb - 0.05, w / 2 - 0.02, 0.03]), material("plastic", "black"), collision="hull")
    hm = material("metal", "gray" if p.color != "gray" else "black")
    fm = _body(p, shade=0.94)
    g = 0.006
    style = p.layout
    if style == "side_by_side" and w < 0.8:
        style = "bottom_freezer"
    if style in ("top_freezer", "bottom_freezer"):
        split = h - (h - 0.03) * 0.3 if style == "top_freezer" else 0.03 + (h - 0.03) * 0.32
        zs = (0.03, split, h)
        for i in range(2):
            b.add(f"door_{i}", pr.box_between([xb, -w / 2 + g, zs[i] + g], [hx, w / 2 - g, zs[i + 1] - g]), fm)
            L = min(0.5, (zs[i + 1] - zs[i]) * 0.55)
            if i == 0 and style == "bottom_freezer":  # freezer drawer: horizontal bar near its top
                _bar(b, "handle_0", hx, -w / 2 + 0.06, w / 2 - 0.06, split - 0.08, split - 0.08, hm)
            elif i == 0:  # fridge below the freezer: vertical bar near its top
                _bar(b, "handle_0", hx, w / 2 - 0.06, w / 2 - 0.06, split - 0.08 - L, split - 0.08, hm)
            else:  # upper door: vertical bar near its bottom
                _bar(b, "handle_1", hx, w / 2 - 0.06, w / 2 - 0.06, split + 0.06, split + 0.06 + L, hm)
    else:
        ys = (-w / 2, 0.0, w / 2)
        zsplit = 0.03 if style == "side_by_side" else 0.03 + (h - 0.03) * 0.3
        for i in range(2):
            b.add(f"door_{i}", pr.box_between([xb, ys[i] + g, zsplit + g], [hx, ys[i + 1] - g, h - g]), fm)
            yh = -0.05 if i == 0 else 0.05
            L = min(0.7, (h - zsplit) * 0.5)
            _bar(b, f"handle_{i}", hx, yh, yh, zsplit + (h - zsplit) * 0.25, zsplit + (h - zsplit) * 0.25 + L, hm)
        if style == "french_door":
            b.add("drawer", pr.box_between([xb, -w / 2 + g, 0.03 + g], [hx, w / 2 - g, zsplit - g]), fm)
            _bar(b, "drawer_handle", hx, -w / 2 + 0.1, w / 2 - 0.1, zsplit - 0.07, zsplit - 0.07, hm)
        if p.dispenser:
            b.add("dispenser", pr.box_between([hx - 0.003, -w / 4 - 0.09, h * 0.55], [hx + 0.004, -w / 4 + 0.09, h * 0.55 + 0.25]),
                  material("plastic", "black"), collision=None)
    b.surface("top", h, b.rect(-hx + 0.03, xb - 0.03, -w / 2 + 0.03, w / 2 - 0.03), capacity=2)


@generator("stove", version=1)
def make_stove(p, b):
    """Free-standing range: cooktop with 4-5 burners (gas grates or glass rings), knobs, oven door window."""
    m = _body(p)
    d, w, h = p.depth_m, p.width_m, p.height_m
    hx = d / 2
    top = h - (p.backguard_m if p.backguard else 0.0)
    b.add("body", pr.box_between([-hx, -w / 2, 0.0], [hx - 0.03, w / 2, top - 0.02]), m)
    black = material("plastic", "black")
    glass = material("glass", "black", roughness=0.05)
    if p.cooktop == "glass":
        b.add("cooktop", pr.box_between([-hx, -w / 2, top - 0.02], [hx, w / 2, top]), glass)
        rings = material("plastic", "gray", shade=0.6)
        burners = [(-d * 0.18, -w * 0.22, 0.1), (-d * 0.18, w * 0.22, 0.08), (d * 0.18, -w * 0.22, 0.08), (d * 0.18, w * 0.22, 0.1)]
        b.add("burners", [pr.cylinder(r, top, top + 0.001, 24, (x, y)) for x, y, r in burners], rings, collision=None)
    else:
        b.add("cooktop", pr.box_between([-hx, -w / 2, top - 0.02], [hx, w / 2, top]), m)
        burners = [(-d * 0.18, -w * 0.22, 0.05), (-d * 0.18, w * 0.22, 0.045), (d * 0.18, -w * 0.22, 0.045), (d * 0.18, w * 0.22, 0.05)]
        b.add("burners", [pr.cylinder(r, top, top + 0.02, 20, (x, y)) for x, y, r in burners], black)
        grate = []
        for s in (-1, 1):
            y = s * w * 0.22
            grate += [pr.box_between([-d * 0.38, y - 0.005, top + 0.02], [d * 0.38, y + 0.005, top + 0.03]),
                      pr.box_between([-d * 0.18 - 0.005, y - w * 0.2, top + 0.02], [-d * 0.18 + 0.005, y + w * 0.2, top + 0.03]),
                      pr.box_between([d * 0.18 - 0.005, y - w * 0.2, top + 0.02], [d * 0.18 + 0.005, y + w * 0.2, top + 0.03])]
        b.add("grates", grate, black)
    if p.backguard:
        b.add("backguard", pr.box_between([-hx, -w / 2, top], [-hx + 0.06, w / 2, h]), m)
    xf = hx - 0.03
    b.add("control_panel", pr.box_between([xf, -w / 2, top - 0.14], [hx, w / 2, top - 0.02]), m)
    _knobs(b, hx, np.linspace(-w * 0.38, w * 0.38, 5), top - 0.08, 0.018, black)
    z_door = 0.12
    b.add("oven_door", pr.box_between([xf, -w / 2 + 0.01, z_door], [hx, w / 2 - 0.01, top - 0.16]), _body(p, shade=0.95))
    b.add("oven_window", pr.box_between([hx, -w * 0.33, z_door + 0.12], [hx + 0.003, w * 0.33, top - 0.3]), glass, collision=None)
    _bar(b, "oven_handle", hx, -w * 0.4, w * 0.4, top - 0.2, top - 0.2, material("metal", "gray"))
    b.add("drawer", pr.box_between([xf, -w / 2 + 0.01, 0.01], [hx, w / 2 - 0.01, z_door - 0.01]), _body(p, shade=0.9))


@generator("oven", version=2)
def make_oven(p, b):
    """Tall oven housing: a built-in oven (and optionally a second oven or a compact microwave) in a
    cabinet column, optionally over a steel warming drawer; cabinet doors flat or shaker-framed."""
    cab = main_mat(p)
    d, w, h = p.depth_m, p.width_m, p.height_m
    hx = d / 2
    xf = hx - 0.02
    b.add("housing", [pr.box_between([-hx, -w / 2, 0.1], [xf, w / 2, h])], cab)
    b.add("plinth", pr.box_between([-hx, -w / 2 + 0.01, 0.0], [xf - 0.05, w / 2 - 0.01, 0.1]), material("board", "black"))
    steel = material("metal", p.appliance_color)
    glass = material("glass", "black", roughness=0.05)
    hm = material("metal", "gray")
    z_oven = p.oven_height_m
    units = [("oven", z_oven, z_oven + 0.6)]
    if p.second_unit == "oven":
        units.append(("oven_2", z_oven + 0.6, z_oven + 1.2))
    elif p.second_unit == "microwave":
        units.append(("microwave", z_oven + 0.6, z_oven + 1.05))
    for name, z0, z1 in units:
        if z1 > h - 0.1:
            break
        b.add(f"{name}_front", pr.box_between([xf, -w / 2 + 0.02, z0], [hx, w / 2 - 0.02, z1]), steel)
        b.add(f"{name}_panel", pr.box_between([hx, -w / 2 + 0.04, z1 - 0.1], [hx + 0.004, w / 2 - 0.04, z1 - 0.02]), glass, collision=None)
        b.add(f"{name}_window", pr.box_between([hx, -w / 2 + 0.08, z0 + 0.06], [hx + 0.004, w / 2 - 0.08, z1 - 0.18]), glass, collision=None)
        _bar(b, f"{name}_handle", hx + 0.004, -w / 2 + 0.08, w / 2 - 0.08, z1 - 0.14, z1 - 0.14, hm)
    z_low = z_oven
    if p.warming_drawer and z_oven - 0.14 > 0.25:  # a 14 cm steel warming drawer under the oven
        z_low = z_oven - 0.14
        b.add("drawer_front", pr.box_between([xf, -w / 2 + 0.02, z_low + 0.004], [hx, w / 2 - 0.02, z_oven - 0.004]), steel)
        _bar(b, "drawer_handle", hx, -w / 2 + 0.1, w / 2 - 0.1, z_oven - 0.05, z_oven - 0.05, hm)
    # cabinet doors above and below
    door_m = material(p.material, p.color, shade=0.85)
    shaker = p.door_style == "shaker"
    ztop = units[-1][2] if units[-1][2] <= h - 0.1 else units[0][2]
    if h - ztop > 0.15:
        front_panel(b, "door_top", xf, -w / 2, w / 2, ztop, h, door_m, gap=0.004, t=0.02, inset_style=shaker)
        _bar(b, "door_top_handle", hx + (0.008 if shaker else 0.0), -w / 2 + 0.1, w / 2 - 0.1, ztop + 0.06, ztop + 0.06, hm)
    if z_low - 0.1 > 0.15:
        front_panel(b, "door_bottom", xf, -w / 2, w / 2, 0.1, z_low, door_m, gap=0.004, t=0.02, inset_style=shaker)
        _bar(b, "door_bottom_handle", hx + (0.008 if shaker else 0.0), -w / 2 + 0.1, w / 2 - 0.1, z_low - 0.06, z_low - 0.06, hm)


@generator("microwave", version=1)
def make_microwave(p, b):
    """Countertop microwave: box body, door with a dark window on the left, control panel on the right."""
    m = _body(p)
    d, w, h = p.depth_m, p.width_m, p.height_m
    hx = d / 2
    b.add("body", pr.box_between([-hx, -w / 2, 0.01], [hx - 0.02, w / 2, h]), m)
    b.add("feet", [pr.cylinder(0.012, 0.0, 0.01, 10, (sx * (hx - 0.05), sy * (w / 2 - 0.05))) for sx in (-1, 1) for sy in (-1, 1)], material("rubber", "black"))
    panel_w = w * 0.25
    door_m = material("appliance", p.door_color)
    b.add("door", pr.box_between([hx - 0.02, -w / 2 + 0.005, 0.015], [hx, w / 2 - panel_w, h - 0.005]), door_m)
    b.add("window", pr.box_between([hx, -w / 2 + 0.04, 0.05], [hx + 0.002, w / 2 - panel_w - 0.06, h - 0.04]), material("glass", "black", roughness=0.05), collision=None)
    b.add("panel", pr.box_between([hx - 0.02, w / 2 - panel_w + 0.005, 0.015], [hx, w / 2 - 0.005, h - 0.005]), material("plastic", "black" if p.door_color != "black" else "gray"))
    b.add("display", pr.box_between([hx, w / 2 - panel_w * 0.8, h - 0.07], [hx + 0.002, w / 2 - panel_w * 0.2, h - 0.04]), material("plastic", "green", shade=0.5), collision=None)
    _knobs(b, hx, [w / 2 - panel_w / 2], h * 0.35, 0.018, material("plastic", "gray"))
    b.surface("top", h, b.rect(-hx + 0.03, hx - 0.05, -w / 2 + 0.03, w / 2 - 0.03), capacity=1)


@generator("washing_machine", version=1)
def make_washing_machine(p, b):
    """Washing machine: front loader (round porthole, detergent drawer, knob) or top loader (lid, back panel)."""
    m = _body(p)
    d, w, h = p.depth_m, p.width_m, p.height_m
    hx = d / 2
    b.add("body", pr.box_between([-hx, -w / 2, 0.0], [hx, w / 2, h]), m)
    black = material("plastic", "black")
    gray = material("plastic", "gray")
    ry = pr.rot_y(np.pi / 2)
    if p.loader == "front":
        zc = h * 0.45
        rr = min(w, h) * 0.27
        ring = pr.transform(pr.frustum(rr, rr * 0.95, 0.0, 0.03, 32), ry, [hx, 0.0, zc])
        b.add("door_ring", ring, material("plastic", p.ring_color))
        glass = pr.transform(pr.frustum(rr * 0.75, rr * 0.6, 0.03, 0.045, 32), ry, [hx, 0.0, zc])
        b.add("door_glass", glass, material("glass", "black", roughness=0.05))
        b.add("drawer", pr.box_between([hx, -w / 2 + 0.03, h - 0.14], [hx + 0.006, -w / 2 + 0.03 + w * 0.35, h - 0.04]), gray, collision=None)
        b.add("display", pr.box_between([hx, w * 0.05, h - 0.12], [hx + 0.003, w * 0.25, h - 0.06]), black, collision=None)
        _knobs(b, hx, [w / 2 - 0.09], h - 0.09, 0.028, gray)
        b.surface("top", h, b.rect(-hx + 0.03, hx - 0.03, -w / 2 + 0.03, w / 2 - 0.03), capacity=2)
    else:
        b.add("lid", pr.box_between([-hx + 0.15, -w / 2 + 0.04, h], [hx - 0.04, w / 2 - 0.04, h + 0.012]), material("appliance", p.color, shade=0.9))
        b.add("lid_window", pr.box_between([-hx + 0.22, -w / 2 + 0.1, h + 0.012], [hx - 0.1, w / 2 - 0.1, h + 0.015]), material("glass", "black"), collision=None)
        b.add("console", pr.hull(np.array([[-hx, y, z] for y in (-w / 2, w / 2) for z in (h, h + 0.14)] +
                                          [[-hx + 0.12, y, h] for y in (-w / 2, w / 2)] + [[-hx + 0.06, y, h + 0.14] for y in (-w / 2, w / 2)])), m)
        _knobs(b, -hx + 0.09, [-w * 0.3, w * 0.3], h + 0.07, 0.022, gray)
