"""Tableware: mug, cup, bottle, vase, bowl, plate. Solids of revolution about +Z; handles on +Y."""

from __future__ import annotations

import numpy as np

from simgen.assets import primitives as pr
from simgen.assets.generators._common import main_mat
from simgen.assets.materials import material
from simgen.assets.registry import generator

SECTIONS = 32


def vessel_profile(outer, wall: float, floor: float):
    """Closed lathe profile of a hollow vessel from its outer (r, z) points (bottom to rim).

    The inner wall runs `wall` inside the outer one (never below radius 0) down to z = floor.
    """
    outer = [(float(r), float(z)) for r, z in outer]
    rs = np.array([r for r, _ in outer])
    zs = np.array([z for _, z in outer])
    inner = [(max(r - wall, 0.002), z) for r, z in reversed(outer) if z > floor]
    r_floor = float(np.interp(floor, zs, rs))
    inner.append((max(r_floor - wall, 0.002), floor))  # flat inner bottom at z = floor
    return [(0.0, outer[0][1])] + outer + inner + [(0.0, floor)]


def arc_rods(center, radius: float, a0: float, a1: float, tube: float, n: int = 8, plane: str = "yz"):
    """Rod segments along a circular arc (angles in the given plane, about `center`); convex pieces."""
    c = np.asarray(center, dtype=np.float64)
    a = np.linspace(a0, a1, n + 1)
    if plane == "yz":
        pts = [c + [0.0, radius * np.cos(t), radius * np.sin(t)] for t in a]
    else:
        pts = [c + [radius * np.cos(t), 0.0, radius * np.sin(t)] for t in a]
    return [pr.rod(p0, p1, tube, 8) for p0, p1 in zip(pts[:-1], pts[1:])]


def _vessel(b, name, outer, wall, floor, mat, sections=SECTIONS):
    prof = vessel_profile(outer, wall, floor)
    b.add(name, pr.lathe(prof, sections), mat, collision=pr.lathe_hulls(prof, sections))


@generator("mug", version=1)
def make_mug(p, b):
    """Mug: straight, tapered or barrel body with a loop handle on +Y."""
    m = main_mat(p)
    r, h = p.diameter_m / 2, p.height_m
    if p.shape == "straight":
        outer = [(r * 0.92, 0.0), (r, 0.006), (r, h)]
    elif p.shape == "tapered":
        outer = [(r * 0.72, 0.0), (r * 0.78, 0.006), (r, h)]
    else:
        outer = [(r * 0.8, 0.0), (r * 0.88, 0.006), (r, h * 0.5), (r * 0.9, h)]
    _vessel(b, "body", outer, 0.005, 0.008, m)
    hr = h * 0.3
    r_at = r * (0.9 if p.shape != "tapered" else 0.9)
    b.add("handle", arc_rods([0.0, r_at, h * 0.52], hr, -np.pi / 2, np.pi / 2, 0.006, 8), m)
    if p.coffee:
        zc = h - 0.015
        rc = float(np.interp(zc - 0.004, [z for _, z in outer], [r_ for r_, _ in outer])) - 0.0055
        b.add("coffee", pr.cylinder(rc, zc - 0.004, zc, SECTIONS), material("plastic", "brown", shade=0.4), collision=None)


@generator("cup", version=2)
def make_cup(p, b):
    """Cup: a drinking glass / tumbler, a take-away paper coffee cup, or a teacup with a small handle on
    a saucer. The paper cup has what makes it read as one from metres away: a domed plastic lid with a
    raised rim and a sip spout, and a brown corrugated-card sleeve around the middle."""
    m = main_mat(p)
    r, h = p.diameter_m / 2, p.height_m
    if p.style == "teacup":
        sr = r * 1.7
        b.add("saucer", pr.lathe([(0, 0), (sr * 0.55, 0), (sr, 0.012), (sr * 0.95, 0.016), (sr * 0.5, 0.008), (0, 0.008)], SECTIONS), m,
              collision=[pr.frustum(sr * 0.55, sr, 0.0, 0.012, SECTIONS), pr.frustum(sr, sr, 0.012, 0.016, SECTIONS)])
        hc = min(h, 0.075)
        outer = [(r * 0.45, 0.008), (r * 0.55, 0.012), (r * 0.9, hc * 0.6 + 0.008), (r, hc + 0.008)]
        _vessel(b, "body", outer, 0.003, 0.015, m)
        b.add("handle", arc_rods([0.0, r * 0.85, 0.008 + hc * 0.6], hc * 0.22, -np.pi / 2, np.pi / 2, 0.004, 6), m)
    elif p.style == "paper":
        hb = max(h - 0.014, 0.095)           # body height (12-16 oz cups are 11-14 cm); the lid adds ~14 mm
        rb = r * 0.7
        paper = material("paper", p.color)
        _vessel(b, "body", [(rb, 0.0), (r, hb)], 0.002, 0.004, paper)
        # sleeve: a band of corrugated card from 30 % to 68 % of the body height, 2.5 mm proud
        z0, z1 = 0.3 * hb, 0.68 * hb
        r0, r1 = rb + (r - rb) * 0.3 + 0.0025, rb + (r - rb) * 0.68 + 0.0025
        b.add("sleeve", pr.frustum(r0, r1, z0, z1, SECTIONS), material("cardboard", "brown"))
        lid = material("plastic", p.lid_color)
        b.add("lid", [pr.frustum(r + 0.003, r + 0.003, hb - 0.004, hb + 0.006, SECTIONS),      # snap rim
                      pr.frustum(r * 0.9, r * 0.8, hb + 0.006, hb + 0.012, SECTIONS)], lid)   # raised dome
        b.add("spout", pr.box_between([r * 0.45, -r * 0.22, hb + 0.010], [r * 0.8, r * 0.22, hb + 0.016]), lid)
    else:  # a drinking glass: the part below the fill line shows the drink's colour, clear glass above
        clear = material("glass", "white", shade=0.6)
        r = min(r, 0.036)
        rb = r * 0.88
        zf = 0.014 + (h - 0.014) * float(p.fill)
        rf = rb + (r - rb) * zf / h
        b.add("glass_drink", pr.frustum(rb, rf, 0.0, zf, SECTIONS), material("glass", p.drink_color),
              collision=[pr.frustum(rb, r, 0.0, h, SECTIONS)])
        b.add("glass_rim", _tube(rf, r, 0.0025, zf, h, SECTIONS), clear, collision=None)


def _tube(r0: float, r1: float, wall: float, z0: float, z1: float, sections: int):
    """Closed open-ended tube (a thick-walled frustum shell, genus 1): outer radius r0 at z0 to r1 at z1,
    walls `wall` thick. Watertight, outward-wound, not convex."""
    import trimesh

    a = np.linspace(0.0, 2 * np.pi, sections, endpoint=False)
    c, s_ = np.cos(a), np.sin(a)
    rings = [(r0, z0), (r1, z1), (r1 - wall, z1), (r0 - wall, z0)]   # outer bottom, outer top, inner top, inner bottom
    v = np.vstack([np.column_stack([rr * c, rr * s_, np.full(sections, zz)]) for rr, zz in rings])
    j = np.arange(sections)
    jn = (j + 1) % sections
    faces = []
    for k in range(4):
        a0, a1 = k * sections, ((k + 1) % 4) * sections
        faces.append(np.column_stack([a0 + j, a0 + jn, a1 + jn]))
        faces.append(np.column_stack([a0 + j, a1 + jn, a1 + j]))
    f = np.vstack(faces)
    m = trimesh.Trimesh(v, f, process=False)
    if m.volume < 0:
        m = trimesh.Trimesh(v, f[:, ::-1], process=False)
    return m


@generator("bottle", version=1)
def make_bottle(p, b):
    """Bottle: wine (long neck, shoulders), water (PET, short neck) or flask-like sauce bottle, with a cap."""
    m = main_mat(p)
    r, h = p.diameter_m / 2, p.height_m
    rn = min(0.014, r * 0.4)
    if p.shape == "wine":
        prof = [(0, 0), (r, 0), (r, h * 0.6), (r * 0.7, h * 0.7), (rn, h * 0.8), (rn, h * 0.97), (0, h * 0.97)]
    elif p.shape == "water":
        prof = [(0, 0), (r * 0.9, 0), (r, 0.01), (r, h * 0.7), (r * 0.6, h * 0.86), (rn, h * 0.92), (rn, h * 0.96), (0, h * 0.96)]
    else:
        prof = [(0, 0), (r * 0.85, 0), (r, h * 0.15), (r, h * 0.55), (r * 0.8, h * 0.72), (rn * 1.2, h * 0.85), (rn * 1.2, h * 0.96), (0, h * 0.96)]
    b.add("body", pr.lathe(prof, 24), m, collision=pr.lathe_hulls(prof, 24))
    cap_r = prof[-2][0] + 0.002
    b.add("cap", pr.cylinder(cap_r, h * 0.93, h, 16), material("plastic" if p.shape != "wine" else "metal", p.cap_color))
    if p.label:
        zl0, zl1 = h * 0.2, h * (0.5 if p.shape != "water" else 0.6)
        b.add("label", pr.cylinder(r + 0.001, zl0, zl1, 24), material("paper", p.label_color))


@generator("vase", version=2)
def make_vase(p, b):
    """Vase: cylinder, bulb with a narrow neck, amphora-like, or flared trumpet, with a flared lip and an
    open mouth; usually holding flowers (green stems fanning out of the mouth, coloured blooms), which
    is what tells a vase from a bottle at a glance."""
    m = main_mat(p)
    r, h = p.diameter_m / 2, p.height_m
    if p.shape == "cylinder":
        r = max(r, 0.17 * h)                 # no pipe: at least 1 : 3 wide
        outer = [(r * 0.95, 0), (r, 0.01), (r, h * 0.93), (r * 1.12, h)]
    elif p.shape == "bulb":
        outer = [(r * 0.6, 0), (r * 0.9, h * 0.15), (r, h * 0.35), (r * 0.8, h * 0.6), (r * 0.38, h * 0.8), (r * 0.34, h * 0.9), (r * 0.55, h)]
    elif p.shape == "amphora":
        outer = [(r * 0.45, 0), (r * 0.5, h * 0.08), (r * 0.85, h * 0.35), (r, h * 0.55), (r * 0.7, h * 0.8), (r * 0.5, h * 0.9), (r * 0.7, h)]
    else:
        outer = [(r * 0.55, 0), (r * 0.45, h * 0.3), (r * 0.42, h * 0.55), (r * 0.65, h * 0.85), (r, h)]
    _vessel(b, "body", outer, 0.005, 0.015, m)
    if p.band:
        zb = 0.5 * h if p.shape != "trumpet" else 0.22 * h
        rb = float(np.interp(zb, [z for _, z in outer], [q for q, _ in outer]))
        b.add("band", pr.frustum(rb + 0.002, rb + 0.002, zb - 0.012, zb + 0.012, SECTIONS), material(p.material, p.band_color))
    if p.flowers:
        _flowers(b, p, outer[-1][0], h)


def _flowers(b, p, rim_r: float, h: float) -> None:
    """n stems from inside the mouth fanning out up to flower_height_m above the rim, each with a bloom."""
    rng = b.rng
    n = int(p.n_flowers)
    stem = material("foliage", "green")
    bloom = material("plastic", p.flower_color, roughness=0.8)
    heart = material("plastic", "yellow" if p.flower_color != "yellow" else "orange", roughness=0.8)
    fh = float(p.flower_height_m)
    spread = min(0.09, 0.35 * fh)
    stems, blooms, hearts = [], [], []
    for k in range(n):
        a = 2 * np.pi * (k / n + 0.15 * rng.random())
        lean = spread * (0.5 + 0.5 * rng.random()) if n > 1 else 0.0
        base = np.array([0.3 * rim_r * np.cos(a), 0.3 * rim_r * np.sin(a), h * 0.6])
        tip = np.array([lean * np.cos(a), lean * np.sin(a), h + fh * (0.75 + 0.25 * rng.random())])
        stems.append(pr.rod(base, tip, 0.003, 6))
        br = 0.022 + 0.012 * rng.random()
        blooms.append(pr.sphere(br, tip + [0, 0, 0.004], 5, 10, scale=(1.0, 1.0, 0.45)))
        hearts.append(pr.sphere(br * 0.4, tip + [0, 0, 0.004 + br * 0.45], 4, 8, scale=(1.0, 1.0, 0.5)))
    b.add("stems", stems, stem)
    b.add("blooms", blooms, bloom)
    b.add("bloom_hearts", hearts, heart)


@generator("bowl", version=1)
def make_bowl(p, b):
    """Bowl: hemispherical, conical serving or footed bowl; optional fruit."""
    m = main_mat(p)
    r, h = p.diameter_m / 2, p.height_m
    if p.shape == "round":
        a = np.linspace(0.0, np.pi / 2, 7)
        outer = [(r * 0.45, 0.0)] + [(r * 0.45 + (r * 0.55) * np.sin(t), h * (1 - np.cos(t)) * 0.98 + 0.004) for t in a[1:]]
    elif p.shape == "conical":
        outer = [(r * 0.4, 0.0), (r * 0.42, 0.008), (r, h)]
    else:
        outer = [(r * 0.35, 0.0), (r * 0.35, h * 0.15), (r * 0.45, h * 0.2), (r * 0.85, h * 0.6), (r, h)]
    _vessel(b, "body", outer, 0.005, outer[1][1] + 0.004 if p.shape != "footed" else h * 0.22, m)
    if p.fruit:
        fr = min(0.04, r * 0.3)
        cols = ("red", "orange", "yellow", "green")
        zf = (outer[1][1] + 0.008 if p.shape != "footed" else h * 0.22 + 0.002) + fr
        for k in range(3):
            a = 2 * np.pi * k / 3
            c = cols[int(b.rng.integers(len(cols)))]
            b.add(f"fruit_{c}", pr.sphere(fr, [r * 0.3 * np.cos(a), r * 0.3 * np.sin(a), zf], 6, 10), material("plastic", c, density_kg_m3=900.0))


@generator("plate", version=1)
def make_plate(p, b):
    """Plate: flat dinner plate with a rim, deep soup plate, or square plate."""
    m = main_mat(p)
    r, h = p.diameter_m / 2, p.height_m
    ring = None
    if p.shape == "square":
        a = np.linspace(0, 2 * np.pi, 4, endpoint=False) + np.pi / 4
        ring = np.stack([np.cos(a), np.sin(a)], axis=1) * np.sqrt(2)
    well = 0.55 if p.shape != "deep" else 0.45
    outer = [(r * well * 0.9, 0.0), (r * well, 0.004), (r * (well + 0.1), h * 0.6), (r, h)]
    prof = vessel_profile(outer, 0.004, 0.006)
    n = SECTIONS if ring is None else 4
    b.add("plate", pr.lathe(prof, n, ring=ring), m, collision=pr.lathe_hulls(prof, n, ring=ring))
