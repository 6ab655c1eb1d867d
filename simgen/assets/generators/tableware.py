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


@generator("cup", version=1)
def make_cup(p, b):
    """Cup: a drinking glass / tumbler, a paper cup, or a teacup with a small handle on a saucer."""
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
        outer = [(r * 0.68, 0.0), (r, h)]
        _vessel(b, "body", outer, 0.002, 0.004, m)
        b.add("lid", pr.frustum(r + 0.003, r * 0.95, h - 0.004, h + 0.012, SECTIONS), material("plastic", "white"))
    else:
        mg = material("glass", "white", shade=0.8)
        outer = [(r * 0.85, 0.0), (r, h)]
        _vessel(b, "body", outer, 0.003, 0.012, mg)


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


@generator("vase", version=1)
def make_vase(p, b):
    """Vase: cylinder, bulb with a narrow neck, amphora-like, or flared trumpet; optionally flowers."""
    m = main_mat(p)
    r, h = p.diameter_m / 2, p.height_m
    if p.shape == "cylinder":
        outer = [(r * 0.95, 0), (r, 0.01), (r, h)]
    elif p.shape == "bulb":
        outer = [(r * 0.6, 0), (r * 0.9, h * 0.15), (r, h * 0.35), (r * 0.8, h * 0.6), (r * 0.35, h * 0.8), (r * 0.3, h * 0.92), (r * 0.45, h)]
    elif p.shape == "amphora":
        outer = [(r * 0.45, 0), (r * 0.5, h * 0.08), (r * 0.85, h * 0.35), (r, h * 0.55), (r * 0.7, h * 0.8), (r * 0.5, h * 0.9), (r * 0.65, h)]
    else:
        outer = [(r * 0.55, 0), (r * 0.45, h * 0.3), (r * 0.42, h * 0.55), (r * 0.65, h * 0.85), (r, h)]
    _vessel(b, "body", outer, 0.005, 0.015, m)


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
