"""Case goods: bookshelf, cabinet, wardrobe, dresser, nightstand, tv_stand, kitchen_counter, shelf.

Built from boards (each board its own convex collision piece), so the cases are hollow like the real
ones and their mass comes out right. Fronts face +X.
"""

from __future__ import annotations

import numpy as np

from simgen.assets import primitives as pr
from simgen.assets.generators._common import carcass, front_panel, handle, main_mat, plinth
from simgen.assets.materials import material
from simgen.assets.registry import generator

BOOK_COLORS = ("red", "blue", "green", "yellow", "black", "white", "orange", "purple", "brown", "beige")


def _books(b, x_back: float, x_front_max: float, y0: float, y1: float, z: float, clear: float, fill: float):
    """Upright books from y0 towards y1 on a board at z; returns the y where the books end."""
    y = y0 + 0.01
    y_end = y0 + (y1 - y0) * fill
    rng = b.rng
    by_color: dict[str, list] = {}
    lean_done = False
    while y < y_end:
        t = float(rng.uniform(0.018, 0.05))
        if y + t > y_end:
            break
        hb = float(min(clear - 0.02, rng.uniform(0.17, 0.32)))
        db = float(min(x_front_max - x_back - 0.01, rng.uniform(0.13, 0.24)))
        if hb < 0.08:
            break
        c = BOOK_COLORS[int(rng.integers(len(BOOK_COLORS)))]
        by_color.setdefault(c, []).append(pr.box_between([x_back + 0.005, y, z], [x_back + 0.005 + db, y + t, z + hb]))
        y += t + float(rng.uniform(0.0, 0.004))
        if not lean_done and rng.random() < 0.15:
            lean_done = True
            y += 0.02
    for c, ms in by_color.items():
        b.add(f"books_{c}", ms, material("paper", c, density_kg_m3=650.0))
    return y


@generator("bookshelf", version=1)
def make_bookshelf(p, b):
    """Free-standing open bookcase with 2-6 boards, partly filled with books."""
    m = main_mat(p)
    d, w, h, t = p.depth_m, p.width_m, p.height_m, p.board_m
    hx, hy = d / 2, w / 2
    base = p.base_height_m
    carcass(b, "case", d, w, 0.0, h, t, m, back=p.back_panel)
    if base > t:
        b.add("kick", pr.box_between([hx - 0.03, -hy + t, t], [hx - 0.01, hy - t, base - t]), m)
        b.add("bottom_board", pr.box_between([-hx + (t if p.back_panel else 0.0), -hy + t, base - t], [hx - 0.005, hy - t, base]), m)
    n = p.n_shelves
    levels = np.linspace(max(base, t), h - t, n + 1)  # board tops (z of each usable level)
    bx0 = -hx + (t if p.back_panel else 0.0)
    boards = [pr.box_between([bx0, -hy + t, z - t], [hx - 0.005, hy - t, z]) for z in levels[1:-1]]
    if boards:
        b.add("shelves", boards, m)
    if p.columns == 2 and w > 0.7:
        b.add("divider", pr.box_between([bx0, -t / 2, levels[0]], [hx - 0.005, t / 2, h - t]), m)
    for i in range(n):
        z = float(levels[i]) if i > 0 else float(max(base, t))
        clear = float(levels[i + 1] - t - z)
        y0, y1 = -hy + t, hy - t
        if p.columns == 2 and w > 0.7:
            y1 = -t / 2
        y_end = y0
        if p.books and clear > 0.12:
            y_end = _books(b, bx0, hx, y0, y1, z, clear, float(b.rng.uniform(0.35, 0.8)))
        if y1 - y_end > 0.12:
            b.surface(f"shelf_{i}", z, b.rect(bx0 + 0.02, hx - 0.03, y_end + 0.02, y1 - 0.02), clearance_m=clear,
                      capacity=int(max(1, min(4, (y1 - y_end) / 0.12))))
        if p.columns == 2 and w > 0.7:
            b.surface(f"shelf_{i}_b", z, b.rect(bx0 + 0.02, hx - 0.03, t / 2 + 0.02, hy - t - 0.02), clearance_m=clear,
                      capacity=int(max(1, min(4, (hy - t) / 0.15))))
    if h < 1.3:
        b.surface("top", h, b.rect(-hx + 0.02, hx - 0.02, -hy + 0.02, hy - 0.02))


def _front_mat(m):
    """Fronts a little darker than the case, so doors and drawers read at a distance."""
    from dataclasses import replace

    return replace(m, base_color=tuple(c * 0.82 for c in m.base_color))


def _doors(b, p, m, x_front, y0, y1, z0, z1, n, style, hmat, kind, glass=False, prefix="door"):
    m = _front_mat(m)
    ys = np.linspace(y0, y1, n + 1)
    for i in range(n):
        name = f"{prefix}_{i}"
        if glass:
            gm = material("glass", "gray", shade=0.45)
            fw = 0.05
            b.add(name, [pr.box_between([x_front, ys[i] + 0.003, z0 + 0.003], [x_front + 0.02, ys[i] + fw, z1 - 0.003]),
                         pr.box_between([x_front, ys[i + 1] - fw, z0 + 0.003], [x_front + 0.02, ys[i + 1] - 0.003, z1 - 0.003]),
                         pr.box_between([x_front, ys[i] + fw, z0 + 0.003], [x_front + 0.02, ys[i + 1] - fw, z0 + fw]),
                         pr.box_between([x_front, ys[i] + fw, z1 - fw], [x_front + 0.02, ys[i + 1] - fw, z1 - 0.003])], m)
            b.add(name + "_glass", pr.box_between([x_front + 0.006, ys[i] + fw, z0 + fw], [x_front + 0.012, ys[i + 1] - fw, z1 - fw]), gm)
        else:
            front_panel(b, name, x_front, ys[i], ys[i + 1], z0, z1, m, inset_style=(style == "shaker"))
        hy_ = ys[i + 1] - 0.05 if (i % 2 == 0 and n > 1) or (n == 1) else ys[i] + 0.05
        hz = z0 + 0.5 * (z1 - z0) if z1 - z0 < 1.0 else z0 + 0.45 * (z1 - z0)
        handle(b, f"{name}_handle", x_front + 0.018 + (0.008 if style == "shaker" else 0.0), hy_, hz, hmat, kind,
               min(0.3, 0.25 * (z1 - z0)) if kind == "bar" else 0.1, vertical=True)


def _drawers(b, m, x_front, y0, y1, z0, z1, n, hmat, kind, style, cols=1, prefix="drawer"):
    m = _front_mat(m)
    zs = np.linspace(z0, z1, n + 1)
    ys = np.linspace(y0, y1, cols + 1)
    for c in range(cols):
        for i in range(n):
            name = f"{prefix}_{c}_{i}"
            front_panel(b, name, x_front, ys[c], ys[c + 1], zs[i], zs[i + 1], m, inset_style=(style == "shaker"))
            handle(b, name + "_handle", x_front + 0.018 + (0.008 if style == "shaker" else 0.0), (ys[c] + ys[c + 1]) / 2,
                   (zs[i] + zs[i + 1]) / 2, hmat, kind, min(0.16, 0.4 * (ys[c + 1] - ys[c])))


def _handle_mat(p):
    return material("metal", p.handle_color)


def _case_with_base(b, p, m, d, w, h, t):
    """Carcass on legs or a plinth; returns the z of the case bottom."""
    hx, hy = d / 2, w / 2
    if p.base_style == "legs":
        lh = p.leg_height_m
        from simgen.assets.generators._common import four_legs
        four_legs(b, hx - 0.04, hy - 0.04, 0.0, lh, 0.016, m if p.material != "board" else material("wood", "brown"), "tapered", 0.6)
        z0 = lh
    else:
        z0 = 0.08
        plinth(b, "plinth", d - 0.02, w, z0, 0.05, m)
    carcass(b, "case", d - 0.02, w, z0, h, t, m)
    return z0


@generator("cabinet", version=1)
def make_cabinet(p, b):
    """Storage cabinet / sideboard with 1-4 doors (solid, shaker or glass), optional drawer row."""
    m = main_mat(p)
    d, w, h, t = p.depth_m, p.width_m, p.height_m, 0.018
    z0 = _case_with_base(b, p, m, d, w, h, t)
    xf = (d - 0.02) / 2 - 0.01
    hm = _handle_mat(p)
    n = max(1, min(4, int(round(w / 0.45))))
    zd = h
    if p.drawer_row and h - z0 > 0.6:
        zd = h - 0.16
        _drawers(b, m, xf, -w / 2, w / 2, zd, h, 1, hm, p.handle_kind, p.door_style, cols=n)
    _doors(b, p, m, xf, -w / 2, w / 2, z0, zd, n, p.door_style, hm, p.handle_kind, glass=(p.door_style == "glass"))
    b.surface("top", h, b.rect(-d / 2 + 0.03, d / 2 - 0.03, -w / 2 + 0.03, w / 2 - 0.03))


@generator("wardrobe", version=1)
def make_wardrobe(p, b):
    """Tall wardrobe with 2-3 hinged or 2 sliding doors, long handles, plinth and optional top cornice."""
    m = main_mat(p)
    d, w, h, t = p.depth_m, p.width_m, p.height_m, 0.02
    hx = d / 2
    ctop = h - (0.05 if p.cornice else 0.0)
    plinth(b, "plinth", d - 0.03, w, 0.1, 0.04, m)
    carcass(b, "case", d - 0.03, w - 0.0, 0.1, ctop, t, m)
    if p.cornice:
        b.add("cornice", pr.box_between([-hx, -w / 2, ctop], [hx, w / 2, h]), m)
    xf = hx - 0.03
    hm = _handle_mat(p)
    n = p.n_doors
    if p.door_style == "sliding":
        ys = np.linspace(-w / 2, w / 2, 3)
        for i in range(2):
            xo = xf + (0.0 if i == 0 else -0.025)
            b.add(f"door_{i}", pr.box_between([xo - 0.0, ys[i] - (0.03 if i == 1 else 0), 0.1], [xo + 0.02, ys[i + 1] + (0.03 if i == 0 else 0), ctop - 0.005]),
                  material(p.material, p.color, shade=0.75 if i else 0.88))
            b.add(f"handle_{i}", pr.box_between([xo + 0.02, ys[i] + 0.05 if i == 1 else ys[i + 1] - 0.06, 0.8],
                                                [xo + 0.028, ys[i] + 0.06 if i == 1 else ys[i + 1] - 0.05, 1.3]), hm)
        if p.mirror:
            b.add("mirror", pr.box_between([xf + 0.02, -w / 4 - 0.15, 0.4], [xf + 0.026, -w / 4 + 0.15, ctop - 0.3]),
                  material("glass", "gray", metallic=1.0, roughness=0.02))
    else:
        _doors(b, p, m, xf, -w / 2, w / 2, 0.1, ctop, n, p.door_style, hm, "bar")
        if p.mirror:
            ys = np.linspace(-w / 2, w / 2, n + 1)
            b.add("mirror", pr.box_between([xf + 0.021, ys[0] + 0.07, 0.45], [xf + 0.026, ys[1] - 0.07, ctop - 0.25]),
                  material("glass", "gray", metallic=1.0, roughness=0.02))
    b.surface("top", h, b.rect(-hx + 0.03, hx - 0.03, -w / 2 + 0.03, w / 2 - 0.03), capacity=2)


@generator("dresser", version=1)
def make_dresser(p, b):
    """Chest of drawers: 3-6 rows, 1-3 columns, on legs or a plinth."""
    m = main_mat(p)
    d, w, h, t = p.depth_m, p.width_m, p.height_m, 0.018
    z0 = _case_with_base(b, p, m, d, w, h, t)
    xf = (d - 0.02) / 2 - 0.01
    cols = 1 if w < 0.8 else (2 if w < 1.3 else 3)
    if p.column_style == "single":
        cols = 1
    _drawers(b, m, xf, -w / 2, w / 2, z0, h, p.n_rows, _handle_mat(p), p.handle_kind, p.door_style, cols=cols)
    b.surface("top", h, b.rect(-d / 2 + 0.03, d / 2 - 0.03, -w / 2 + 0.03, w / 2 - 0.03))


@generator("nightstand", version=1)
def make_nightstand(p, b):
    """Bedside table: 1-3 drawers, or a drawer over an open shelf; on legs or a plinth."""
    m = main_mat(p)
    d, w, h, t = p.depth_m, p.width_m, p.height_m, 0.018
    z0 = _case_with_base(b, p, m, d, w, h, t)
    xf = (d - 0.02) / 2 - 0.01
    hm = _handle_mat(p)
    if p.layout == "open_shelf":
        zm = z0 + (h - z0) * 0.5
        _drawers(b, m, xf, -w / 2, w / 2, zm, h, 1, hm, p.handle_kind, p.door_style)
        b.add("divider", pr.box_between([-d / 2 + 0.03, -w / 2 + t, zm - t], [xf, w / 2 - t, zm]), m)
        b.surface("shelf", z0 + t, b.rect(-d / 2 + 0.05, xf - 0.03, -w / 2 + 0.04, w / 2 - 0.04), clearance_m=zm - t - z0 - t, capacity=1)
    else:
        _drawers(b, m, xf, -w / 2, w / 2, z0, h, p.n_drawers, hm, p.handle_kind, p.door_style)
    b.surface("top", h, b.rect(-d / 2 + 0.03, d / 2 - 0.03, -w / 2 + 0.03, w / 2 - 0.03), capacity=3)


@generator("tv_stand", version=1)
def make_tv_stand(p, b):
    """Low, wide media unit: open compartments with doors or drawers at the sides."""
    m = main_mat(p)
    d, w, h, t = p.depth_m, p.width_m, p.height_m, 0.02
    z0 = _case_with_base(b, p, m, d, w, h, t)
    xf = (d - 0.02) / 2 - 0.01
    hm = _handle_mat(p)
    side = min(0.5, w * 0.3)
    b.add("dividers", [pr.box_between([-d / 2 + 0.03, s * (w / 2 - side) - t / 2, z0 + t], [xf, s * (w / 2 - side) + t / 2, h - t]) for s in (-1, 1)], m)
    if p.side_fronts == "doors":
        _doors(b, p, m, xf, -w / 2, -w / 2 + side, z0, h, 1, p.door_style, hm, p.handle_kind, prefix="door_l")
        _doors(b, p, m, xf, w / 2 - side, w / 2, z0, h, 1, p.door_style, hm, p.handle_kind, prefix="door_r")
    else:
        _drawers(b, m, xf, -w / 2, -w / 2 + side, z0, h, 2, hm, p.handle_kind, p.door_style, prefix="drawer_l")
        _drawers(b, m, xf, w / 2 - side, w / 2, z0, h, 2, hm, p.handle_kind, p.door_style, prefix="drawer_r")
    zm = (z0 + h) / 2
    b.add("mid_shelf", pr.box_between([-d / 2 + 0.03, -w / 2 + side + t / 2, zm - t / 2], [xf - 0.02, w / 2 - side - t / 2, zm + t / 2]), m)
    b.surface("top", h, b.rect(-d / 2 + 0.03, d / 2 - 0.03, -w / 2 + 0.03, w / 2 - 0.03))


@generator("kitchen_counter", version=1)
def make_kitchen_counter(p, b):
    """A run of base cabinets (0.6 m modules) under a worktop: doors, a drawer column, toe kick."""
    m = main_mat(p)
    top_m = material(p.top_material, p.top_color)
    d, w, h = p.depth_m, p.width_m, p.height_m
    tt = p.top_thickness_m
    hx = d / 2
    zc = h - tt
    kick = 0.1
    b.add("toe_kick", pr.box_between([-hx, -w / 2 + 0.01, 0.0], [hx - 0.08, w / 2 - 0.01, kick]), material("board", "black"))
    carcass(b, "case", d - 0.04, w, kick, zc, 0.018, m)
    b.add("worktop", pr.box_between([-hx, -w / 2, zc], [hx, w / 2, h]), top_m)
    xf = (d - 0.04) / 2
    hm = _handle_mat(p)
    n = max(1, int(round(w / 0.6)))
    ys = np.linspace(-w / 2, w / 2, n + 1)
    k = int(b.rng.integers(n)) if p.drawer_column else -1
    for i in range(n):
        if i == k:
            _drawers(b, m, xf, ys[i], ys[i + 1], kick, zc, 3, hm, p.handle_kind, p.door_style, prefix=f"drawer_{i}")
        else:
            zd = zc - 0.16
            _drawers(b, m, xf, ys[i], ys[i + 1], zd, zc, 1, hm, p.handle_kind, p.door_style, prefix=f"top_drawer_{i}")
            _doors(b, p, m, xf, ys[i], ys[i + 1], kick, zd, 1 if ys[i + 1] - ys[i] < 0.7 else 2, p.door_style, hm, p.handle_kind,
                   prefix=f"door_{i}")
    b.surface("top", h, b.rect(-hx + 0.03, hx - 0.03, -w / 2 + 0.03, w / 2 - 0.03))


@generator("shelf", version=1)
def make_shelf(p, b):
    """Wall-mounted shelf: one board on brackets, or a 2-3 tier wall rack. Back face flush at x = -d/2."""
    m = main_mat(p)
    d, w = p.depth_m, p.width_m
    t = p.board_m
    n = p.n_boards
    gap = p.tier_gap_m
    hm = material("metal", p.bracket_color)
    zs = [i * gap for i in range(n)]
    for i, z in enumerate(zs):
        zb = z + 0.06 if p.style == "brackets" else z
        b.add("boards", pr.box_between([-d / 2, -w / 2, zb], [d / 2, w / 2, zb + t]), m)
        clr = gap - t if i < n - 1 else float("inf")
        b.surface(f"board_{i}", zb + t, b.rect(-d / 2 + 0.02, d / 2 - 0.02, -w / 2 + 0.03, w / 2 - 0.03), clearance_m=clr)
    if p.style == "brackets":
        for s in (-1, 1):
            y = s * (w / 2 - 0.08)
            for z in zs:
                b.add("brackets", [pr.box_between([-d / 2, y - 0.01, z], [-d / 2 + 0.012, y + 0.01, z + 0.06]),
                                   pr.box_between([-d / 2, y - 0.01, z + 0.05], [d / 2 - 0.03, y + 0.01, z + 0.06])], hm)
    elif n > 1:
        b.add("sides", [pr.box_between([-d / 2, s * w / 2 - (t if s > 0 else 0), 0.0], [d / 2, s * w / 2 + (t if s < 0 else 0), zs[-1] + t])
                        for s in (-1, 1)], m)
