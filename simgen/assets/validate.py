"""Geometric checks of an Asset (used by the tests, usable on user meshes): collision fidelity and
support surfaces. Pure numpy (no rtree / embree needed)."""

from __future__ import annotations

import numpy as np
import trimesh

from simgen.assets.model import Asset


def sample_surface(mesh: trimesh.Trimesh, n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 3) points drawn uniformly by area on the mesh surface."""
    tri = mesh.triangles
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    idx = rng.choice(len(tri), size=n, p=area / area.sum())
    r1, r2 = rng.random(n), rng.random(n)
    s = np.sqrt(r1)
    a, b, c = 1 - s, s * (1 - r2), s * r2
    t = tri[idx]
    return a[:, None] * t[:, 0] + b[:, None] * t[:, 1] + c[:, None] * t[:, 2]


def _plane_violation(points: np.ndarray, piece: trimesh.Trimesh) -> np.ndarray:
    """Max over the piece's face planes of the signed distance (<= 0 inside); a lower bound of the distance."""
    n = piece.face_normals
    d = np.einsum("ij,ij->i", n, piece.triangles[:, 0])
    return (points @ n.T - d).max(axis=1)


def _exact_distance(points: np.ndarray, piece: trimesh.Trimesh) -> np.ndarray:
    """Euclidean distance from each point to the surface of `piece` (brute force over its triangles)."""
    tri = piece.triangles
    out = np.empty(len(points))
    for i, p in enumerate(points):
        cp = trimesh.triangles.closest_point(tri, np.repeat(p[None], len(tri), axis=0))
        out[i] = np.sqrt(((cp - p) ** 2).sum(axis=1).min())
    return out


def collision_deviation_m(asset: Asset, n_points: int, rng: np.random.Generator) -> np.ndarray:
    """(n_points,) distance from points on the visual surface to the union of the collision pieces (0 inside)."""
    pts = sample_surface(asset.mesh(), n_points, rng)
    viol = np.stack([_plane_violation(pts, c) for c in asset.collision], axis=1)  # (n, pieces)
    lb = viol.min(axis=1)
    dist = np.maximum(lb, 0.0)
    todo = np.where(lb > 1e-5)[0]
    if len(todo):
        best = np.full(len(todo), np.inf)
        for j, c in enumerate(asset.collision):
            near = viol[todo, j] < 0.05
            if near.any():
                best[near] = np.minimum(best[near], _exact_distance(pts[todo][near], c))
        dist[todo] = np.minimum(np.maximum(best, lb[todo]), np.inf)
    return dist


def drop_heights(mesh: trimesh.Trimesh, xy: np.ndarray, z_from: float) -> np.ndarray:
    """(m,) z of the first surface hit by a ray cast straight down from (x, y, z_from); nan if none."""
    tri = mesh.triangles
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    v0, v1 = (b - a)[:, :2], (c - a)[:, :2]
    den = v0[:, 0] * v1[:, 1] - v1[:, 0] * v0[:, 1]
    ok = np.abs(den) > 1e-14
    den = np.where(ok, den, 1.0)
    out = np.full(len(xy), np.nan)
    for i, (x, y) in enumerate(xy):
        w = np.array([x, y]) - a[:, :2]
        u = (w[:, 0] * v1[:, 1] - v1[:, 0] * w[:, 1]) / den
        v = (v0[:, 0] * w[:, 1] - w[:, 0] * v0[:, 1]) / den
        inside = ok & (u >= -1e-9) & (v >= -1e-9) & (u + v <= 1 + 1e-9)
        z = a[inside, 2] + u[inside] * (b[inside, 2] - a[inside, 2]) + v[inside] * (c[inside, 2] - a[inside, 2])
        z = z[z <= z_from]
        if len(z):
            out[i] = z.max()
    return out


def support_samples(polygon, n_grid: int = 4) -> np.ndarray:
    """Points inside a support polygon: its vertices pulled 2 % toward the centroid, plus a grid inside it."""
    from shapely.geometry import Point, Polygon

    poly = np.asarray(polygon, dtype=np.float64)
    cen = poly.mean(axis=0)
    pts = [cen + (v - cen) * 0.98 for v in poly] + [cen]
    sh = Polygon(poly)
    lo, hi = poly.min(axis=0), poly.max(axis=0)
    for x in np.linspace(lo[0], hi[0], n_grid + 2)[1:-1]:
        for y in np.linspace(lo[1], hi[1], n_grid + 2)[1:-1]:
            if sh.contains(Point(x, y)):
                pts.append(np.array([x, y]))
    return np.array(pts)


def support_errors_m(asset: Asset) -> dict[str, float]:
    """Per support surface: the largest |hit z - height_m| over sample points (ray cast down onto the mesh)."""
    mesh = asset.mesh()
    out = {}
    for s in asset.supports:
        z_from = s.height_m + (0.5 if np.isinf(s.clearance_m) else 0.5 * s.clearance_m)
        hits = drop_heights(mesh, support_samples(s.polygon), z_from)
        out[s.name] = float(np.nanmax(np.abs(hits - s.height_m))) if not np.isnan(hits).any() else float("inf")
    return out
