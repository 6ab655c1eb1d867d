"""Small objects and decor: book, book_stack, potted_plant, clock, picture_frame, pillow, backpack, box,
trash_can, rug."""

from __future__ import annotations

import numpy as np

from simgen.assets import primitives as pr
from simgen.assets.generators._common import main_mat
from simgen.assets.generators.tableware import vessel_profile
from simgen.assets.materials import material
from simgen.assets.registry import generator


def _book(b, name, lx, ly, t, z0, yaw, cover, spine_at_minus_x=True, center=(0.0, 0.0)):
    """One closed book lying flat: cover boards + page block (page edges white on three sides)."""
    rot = pr.rot_z(yaw)
    c = np.array([center[0], center[1], 0.0])
    bt = min(0.003, t * 0.15)
    pages = material("paper", "white", shade=0.95)
    cov = [pr.box_between([-lx / 2, -ly / 2, z0], [lx / 2, ly / 2, z0 + bt]),
           pr.box_between([-lx / 2, -ly / 2, z0 + t - bt], [lx / 2, ly / 2, z0 + t]),
           pr.box_between([-lx / 2, -ly / 2, z0], [-lx / 2 + bt, ly / 2, z0 + t])]
    blk = pr.box_between([-lx / 2 + bt, -ly / 2 + 0.003, z0 + bt], [lx / 2 - 0.003, ly / 2 - 0.003, z0 + t - bt])
    b.add(f"{name}_cover", [pr.transform(m, rot, c) for m in cov], cover)
    b.add(f"{name}_pages", pr.transform(blk, rot, c), pages)


@generator("book", version=1)
def make_book(p, b):
    """A single closed book lying flat (hardcover or paperback, varied format and thickness)."""
    _book(b, "book", p.depth_m, p.width_m, p.thickness_m, 0.0, 0.0, main_mat(p))
    b.surface("top", p.thickness_m, b.rect(-p.depth_m / 2 + 0.02, p.depth_m / 2 - 0.02, -p.width_m / 2 + 0.02, p.width_m / 2 - 0.02), capacity=1)


@generator("book_stack", version=1)
def make_book_stack(p, b):
    """2-7 books stacked flat, largest at the bottom, each slightly turned."""
    n = p.n_books
    z = 0.0
    cols = ("red", "blue", "green", "yellow", "black", "white", "orange", "purple", "brown", "beige", "gray")
    base_lx, base_ly = p.depth_m, p.width_m
    for i in range(n):
        s = 1.0 - 0.12 * i / max(1, n - 1) * float(b.rng.uniform(0.3, 1.0))
        lx, ly = base_lx * s, base_ly * s
        t = float(b.rng.uniform(0.015, 0.05))
        yaw = float(b.rng.uniform(-0.12, 0.12)) if i else 0.0
        c = p.color if i == 0 else cols[int(b.rng.integers(len(cols)))]
        _book(b, f"book_{i}", lx, ly, t, z, yaw, material(p.material, c))
        z += t
    b.surface("top", z, b.rect(-0.03, 0.03, -0.03, 0.03), capacity=1)


@generator("potted_plant", version=1)
def make_potted_plant(p, b):
    """Plant in a pot: leafy bush (leaf blobs), tall snake plant (upright blades), palm (fronds), cactus."""
    pot = main_mat(p)
    h = p.height_m
    pr_ = p.pot_diameter_m / 2
    ph = min(p.pot_height_m, h * 0.45)
    outer = [(pr_ * 0.75, 0.0), (pr_ * 0.8, 0.01), (pr_, ph * 0.92), (pr_ * 1.04, ph * 0.92), (pr_ * 1.04, ph)]
    prof = vessel_profile(outer, 0.008, 0.02)
    b.add("pot", pr.lathe(prof, 28), pot, collision=pr.lathe_hulls(prof, 28))
    b.add("soil", pr.cylinder(pr_ - 0.01, ph * 0.6, ph * 0.85, 24), material("soil", "brown", shade=0.5), collision=None)
    green = material("foliage", "green", shade=float(p.leaf_shade))
    top = h - ph * 0.85
    z0 = ph * 0.8
    rng = b.rng
    if p.kind == "bush":
        n = 9
        for k in range(n):
            a = 2 * np.pi * k / n + rng.uniform(-0.3, 0.3)
            s = min(top * rng.uniform(0.25, 0.4), 0.22)
            rr = rng.uniform(0.0, 1.0) * min(pr_ * 1.3, 0.25)
            zc = z0 + top * rng.uniform(0.35, 0.7)
            b.add("leaves", pr.sphere(s, [rr * np.cos(a), rr * np.sin(a), min(zc, h - s)], 6, 10, scale=(1.0, 1.0, 0.8)), green)
        b.add("leaves", pr.sphere(min(top * 0.3, 0.25), [0, 0, h - min(top * 0.3, 0.25) * 0.8], 6, 10, scale=(1.0, 1.0, 0.8)), green)
        b.add("stem", pr.cylinder(0.01, z0, z0 + top * 0.4, 8), material("foliage", "brown"))
    elif p.kind == "snake":
        n = 8
        for k in range(n):
            a = 2 * np.pi * k / n + rng.uniform(-0.3, 0.3)
            rr = pr_ * rng.uniform(0.1, 0.6)
            bh = top * rng.uniform(0.6, 1.0)
            tilt = rng.uniform(0.0, 0.25)
            base = np.array([rr * np.cos(a), rr * np.sin(a), z0])
            tip = base + np.array([np.cos(a) * tilt * bh, np.sin(a) * tilt * bh, bh])
            wdir = np.array([-np.sin(a), np.cos(a), 0.0]) * 0.022
            b.add("blades", pr.hull(np.array([base - wdir, base + wdir, base - wdir * 0.3 + [0.006, 0, 0], base + wdir * 0.3 - [0.006, 0, 0],
                                              (base + tip) / 2 - wdir * 1.2, (base + tip) / 2 + wdir * 1.2, tip])), green)
    elif p.kind == "palm":
        b.add("trunk", pr.frustum(0.02, 0.012, z0, z0 + top * 0.55, 10), material("foliage", "brown"))
        zt = z0 + top * 0.55
        n = 7
        for k in range(n):
            a = 2 * np.pi * k / n + rng.uniform(-0.2, 0.2)
            L = min(top * 0.55, 0.45)
            d = np.array([np.cos(a), np.sin(a), 0.0])
            side = np.array([-np.sin(a), np.cos(a), 0.0])
            tip = np.array([0, 0, zt]) + d * L * 0.95 + [0, 0, top * 0.45 - rng.uniform(0.0, 0.25) * top]
            mid = np.array([0, 0, zt]) + d * L * 0.5 + [0, 0, top * 0.42]
            b.add("fronds", [pr.hull(np.array([[0, 0, zt], [0, 0, zt + 0.01], mid + side * L * 0.12, mid - side * L * 0.12, mid + [0, 0, 0.008]])),
                             pr.hull(np.array([mid + side * L * 0.12, mid - side * L * 0.12, mid + [0, 0, 0.008], tip, tip + [0, 0, 0.006]]))], green)
    else:  # cactus
        rc = min(pr_ * 0.55, top * 0.18)
        b.add("cactus", [pr.cylinder(rc, z0, h - rc, 12), pr.sphere(rc, [0, 0, h - rc], 6, 12)], green)
        for s in (-1, 1):
            za = z0 + top * rng.uniform(0.3, 0.5)
            ra = rc * 0.6
            xa = s * (rc + ra * 1.6)
            b.add("cactus", [pr.rod([0, 0, za], [xa, 0, za], ra, 10), pr.cylinder(ra, za, za + top * 0.3, 10, (xa, 0)),
                             pr.sphere(ra, [xa, 0, za + top * 0.3], 5, 10)], green)


@generator("clock", version=1)
def make_clock(p, b):
    """Wall clock: round or square case, white dial, hour marks and hands; back flush at x = -d/2."""
    m = main_mat(p)
    r, d = p.diameter_m / 2, p.depth_m
    n = 40 if p.shape == "round" else 4
    ph = 0.0 if p.shape == "round" else np.pi / 4
    sc = 1.0 if p.shape == "round" else np.sqrt(2)
    ry = pr.rot_y(np.pi / 2)  # lathe axis +Z -> +X

    def disc(rad, x0, x1):
        return pr.transform(pr.frustum(rad * sc, rad * sc, x0, x1, n, phase_rad=ph), ry, [0, 0, r])

    b.add("case", disc(r, -d / 2, d / 2 - 0.004), m)
    b.add("dial", disc(r * 0.86, d / 2 - 0.004, d / 2), material("paper", "white"))
    black = material("plastic", "black")
    marks = []
    for k in range(12):
        a = 2 * np.pi * k / 12
        c = np.array([d / 2, r * 0.75 * np.cos(a), r + r * 0.75 * np.sin(a)])
        marks.append(pr.box(np.array([0.003, 0.012, 0.012]) * (1.6 if k % 3 == 0 else 1.0), c + [0.0015, 0, 0]))
    b.add("marks", marks, black, collision=None)
    for name, L, ang, wd in (("hour_hand", 0.45, p.hour_angle_rad, 0.014), ("minute_hand", 0.68, p.minute_angle_rad, 0.008)):
        tip = np.array([d / 2 + 0.004, r * L * np.sin(ang), r + r * L * np.cos(ang)])
        b.add(name, pr.hull(np.array([[d / 2, 0, r], [d / 2 + 0.004, 0, r], tip + [0, wd * np.cos(ang), -wd * np.sin(ang)],
                                      tip - [0, wd * np.cos(ang), -wd * np.sin(ang)], tip + [-0.004, 0, 0]])), black, collision=None)


@generator("picture_frame", version=1)
def make_picture_frame(p, b):
    """Framed picture on a wall: frame moulding, mat, and a simple abstract/landscape picture."""
    m = main_mat(p)
    w, h, d = p.width_m, p.height_m, p.depth_m
    fw = p.frame_width_m
    x0, x1 = -d / 2, d / 2
    b.add("frame", [pr.box_between([x0, -w / 2, 0.0], [x1, -w / 2 + fw, h]), pr.box_between([x0, w / 2 - fw, 0.0], [x1, w / 2, h]),
                    pr.box_between([x0, -w / 2 + fw, 0.0], [x1, w / 2 - fw, fw]), pr.box_between([x0, -w / 2 + fw, h - fw], [x1, w / 2 - fw, h])], m)
    mat_w = fw * 0.8 if p.mat else 0.0
    b.add("backing", pr.box_between([x0, -w / 2 + fw, fw], [x1 - 0.008, w / 2 - fw, h - fw]), material("paper", "white"))
    y0, y1, z0, z1 = -w / 2 + fw + mat_w, w / 2 - fw - mat_w, fw + mat_w, h - fw - mat_w
    xp = x1 - 0.008
    cols = p.palette
    if p.subject == "landscape":
        zh = z0 + (z1 - z0) * 0.45
        b.add("picture_sky", pr.box_between([xp, y0, zh], [xp + 0.002, y1, z1]), material("paper", "blue", shade=1.4), collision=None)
        b.add("picture_land", pr.box_between([xp, y0, z0], [xp + 0.002, y1, zh]), material("paper", "green"), collision=None)
        b.add("picture_sun", pr.box_between([xp + 0.002, y0 + (y1 - y0) * 0.65, z0 + (z1 - z0) * 0.7], [xp + 0.003, y0 + (y1 - y0) * 0.8, z0 + (z1 - z0) * 0.85]),
              material("paper", "yellow"), collision=None)
    else:
        b.add("picture_bg", pr.box_between([xp, y0, z0], [xp + 0.002, y1, z1]), material("paper", cols[0]), collision=None)
        for k in range(3):
            c = cols[(k + 1) % len(cols)]
            cy, cz = b.rng.uniform(0.2, 0.8), b.rng.uniform(0.2, 0.8)
            sy, sz = b.rng.uniform(0.15, 0.35), b.rng.uniform(0.15, 0.35)
            ya, yb = y0 + (y1 - y0) * max(0.02, cy - sy / 2), y0 + (y1 - y0) * min(0.98, cy + sy / 2)
            za, zb = z0 + (z1 - z0) * max(0.02, cz - sz / 2), z0 + (z1 - z0) * min(0.98, cz + sz / 2)
            b.add(f"picture_{k}", pr.box_between([xp + 0.002 + 0.0005 * k, ya, za], [xp + 0.003 + 0.0005 * k, yb, zb]), material("paper", c), collision=None)


@generator("pillow", version=1)
def make_pillow(p, b):
    """Throw / bed pillow: a soft rounded slab lying flat (square, rectangular or round bolster-free)."""
    m = main_mat(p)
    if p.shape == "round":
        b.add("pillow", pr.sphere(p.width_m / 2, [0, 0, p.thickness_m / 2], 8, 24, scale=(1.0, 1.0, p.thickness_m / p.width_m)), m)
    else:
        ly = p.width_m if p.shape == "square" else p.width_m * 1.45
        lx = p.width_m
        b.add("pillow", pr.superellipsoid([lx, min(ly, 0.75), p.thickness_m], [0, 0, p.thickness_m / 2], 0.5, 12, 24), m)


@generator("backpack", version=1)
def make_backpack(p, b):
    """Backpack standing upright: rounded body, front pocket, top handle, shoulder straps on the back (-X)."""
    m = main_mat(p)
    d, w, h = p.depth_m, p.width_m, p.height_m
    b.add("body", pr.superellipsoid([d * 0.75, w, h * 0.95], [-d * 0.125, 0, h * 0.475], 0.45, 12, 24), m)
    acc = material("fabric", p.accent_color)
    b.add("pocket", pr.superellipsoid([d * 0.35, w * 0.75, h * 0.4], [d * 0.28, 0, h * 0.25], 0.45, 10, 20), acc)
    b.add("handle", pr.hull(np.array([[-0.015 - d * 0.125, s * 0.04, h * 0.93 + dz] for s in (-1, 1) for dz in (0.0, h * 0.05)] +
                                     [[0.015 - d * 0.125, s * 0.04, h * 0.93 + dz] for s in (-1, 1) for dz in (0.0, h * 0.05)])), acc)
    for s in (-1, 1):
        y = s * w * 0.25
        b.add("straps", pr.box_between([-d / 2, y - 0.03, h * 0.15], [-d / 2 + 0.03, y + 0.03, h * 0.85]), acc)


@generator("box", version=1)
def make_box(p, b):
    """Cardboard shipping box (tape strip, flaps seam) or a lidded storage box."""
    m = main_mat(p)
    d, w, h = p.depth_m, p.width_m, p.height_m
    if p.material != "cardboard":  # a lidded plastic storage box
        b.add("box", pr.box_between([-d / 2 + 0.008, -w / 2 + 0.008, 0.0], [d / 2 - 0.008, w / 2 - 0.008, h - 0.03]), m)
        b.add("lid", pr.box_between([-d / 2, -w / 2, h - 0.035], [d / 2, w / 2, h]), material(p.material, p.lid_color))
        b.add("label", pr.box_between([d / 2 - 0.008, -0.06, h * 0.45], [d / 2 - 0.004, 0.06, h * 0.6]), material("paper", "white"), collision=None)
    else:
        b.add("box", pr.box_between([-d / 2, -w / 2, 0.0], [d / 2, w / 2, h]), m)
        tape = material("plastic", "beige", shade=1.1)
        b.add("tape", [pr.box_between([-0.025, -w / 2 - 0.001, h - 0.0005], [0.025, w / 2 + 0.001, h + 0.001]),
                       pr.box_between([-0.025, -w / 2 - 0.001, h * 0.75], [0.025, -w / 2 + 0.0005, h]),
                       pr.box_between([-0.025, w / 2 - 0.0005, h * 0.75], [0.025, w / 2 + 0.001, h])], tape, collision=None)
        b.add("seam", pr.box_between([-0.0015, -w / 2, h], [0.0015, w / 2, h + 0.0015]), material("cardboard", "brown", shade=0.5), collision=None)
    b.surface("top", h, b.rect(-d / 2 + 0.02, d / 2 - 0.02, -w / 2 + 0.02, w / 2 - 0.02), capacity=2)


@generator("trash_can", version=1)
def make_trash_can(p, b):
    """Waste bin: open tapered basket, pedal bin with lid and pedal, or swing-top bin."""
    m = main_mat(p)
    r, h = p.diameter_m / 2, p.height_m
    if p.style == "open":
        outer = [(r * 0.8, 0.0), (r * 0.82, 0.01), (r, h)]
        prof = vessel_profile(outer, 0.004, 0.012)
        b.add("bin", pr.lathe(prof, 32), m, collision=pr.lathe_hulls(prof, 32))
        b.add("bag_rim", pr.frustum(r + 0.004, r + 0.004, h - 0.03, h, 32), material("plastic", "black"))
        return
    b.add("bin", pr.cylinder(r, 0.0, h - 0.03, 32), m)
    lid = material("plastic" if p.material != "plastic" else "metal", p.lid_color)
    if p.style == "pedal":
        lp = [(0, h - 0.03), (r + 0.003, h - 0.03), (r, h - 0.01), (r * 0.7, h), (0, h)]
        b.add("lid", pr.lathe(lp, 32), lid, collision=pr.lathe_hulls(lp, 32))
        b.add("pedal", pr.box_between([r - 0.02, -0.04, 0.01], [r + 0.04, 0.04, 0.04]), lid)
    else:
        b.add("lid", pr.lathe([(0, h - 0.03), (r, h - 0.03), (r * 0.9, h - 0.01), (0, h)], 32), lid,
              collision=[pr.frustum(r, r * 0.9, h - 0.03, h - 0.01, 32), pr.frustum(r * 0.9, 0.0, h - 0.01, h, 32)])
        b.add("flap", pr.box_between([r * 0.5, -r * 0.45, h - 0.028], [r * 0.82, r * 0.45, h - 0.012]), material("plastic", "black"), collision=None)


@generator("rug", version=1)
def make_rug(p, b):
    """Floor rug: rectangular or round field with a border, optional stripes. A thin slab, z = thickness."""
    m = main_mat(p)
    d, w, t = p.depth_m, p.width_m, p.thickness_m
    bm = material("carpet", p.border_color)
    if p.shape == "round":
        r = d / 2
        b.add("field", pr.cylinder(r * 0.86, t * 0.5, t + 0.0005, 48), m, collision=None)
        b.add("border", pr.cylinder(r, 0.0, t, 48), bm)
        return
    bw = min(d, w) * 0.08
    b.add("border", pr.box_between([-d / 2, -w / 2, 0.0], [d / 2, w / 2, t]), bm)
    b.add("field", pr.box_between([-d / 2 + bw, -w / 2 + bw, t * 0.5], [d / 2 - bw, w / 2 - bw, t + 0.0005]), m, collision=None)
    if p.stripes:
        sm = material("carpet", p.border_color)
        n = 3
        xs = np.linspace(-d / 2 + bw, d / 2 - bw, 2 * n + 2)[1:-1]
        b.add("stripes", [pr.box_between([xs[2 * k], -w / 2 + bw, t], [xs[2 * k + 1], w / 2 - bw, t + 0.001]) for k in range(n)], sm, collision=None)
