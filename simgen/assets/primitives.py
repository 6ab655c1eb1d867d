"""Closed, outward-wound primitive meshes built directly with numpy (no trimesh processing).

Every function returns a `trimesh.Trimesh` in metres, built with `process=False` so it is cheap.
Convex primitives (box, cylinder, frustum, hull, superellipsoid) are watertight and convex, so each
one can serve as its own pybullet collision piece. `lathe` builds a closed solid of revolution whose
profile starts and ends on the axis (watertight, not necessarily convex); `lathe_hulls` gives its
convex decomposition into frustum-like ring slices.
"""

from __future__ import annotations

import numpy as np
import trimesh

# Box corners in (-1, +1)^3 and outward-wound faces.
_BOX_V = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float64)
_BOX_F = np.array([
    [0, 1, 3], [0, 3, 2],  # -x
    [4, 6, 7], [4, 7, 5],  # +x
    [0, 4, 5], [0, 5, 1],  # -y
    [2, 3, 7], [2, 7, 6],  # +y
    [0, 2, 6], [0, 6, 4],  # -z
    [1, 5, 7], [1, 7, 3],  # +z
], dtype=np.int64)


def _mesh(vertices: np.ndarray, faces: np.ndarray) -> trimesh.Trimesh:
    return trimesh.Trimesh(vertices=np.asarray(vertices, dtype=np.float64),
                           faces=np.asarray(faces, dtype=np.int64), process=False)


def box(size, center=(0.0, 0.0, 0.0)) -> trimesh.Trimesh:
    """Axis-aligned box with full side lengths `size` (3,) centred at `center` (3,)."""
    v = _BOX_V * (np.asarray(size, dtype=np.float64) / 2.0) + np.asarray(center, dtype=np.float64)
    return _mesh(v, _BOX_F)


def box_between(lo, hi) -> trimesh.Trimesh:
    """Axis-aligned box spanning corner `lo` (3,) to corner `hi` (3,)."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    return box(np.abs(hi - lo), (lo + hi) / 2.0)


def frustum(r0: float, r1: float, z0: float, z1: float, sections: int = 24,
            center_xy=(0.0, 0.0), scale_xy=(1.0, 1.0), phase_rad: float = 0.0) -> trimesh.Trimesh:
    """Truncated cone along +Z from radius r0 at z0 to radius r1 at z1 (either radius may be 0).

    scale_xy stretches it into an elliptic frustum; sections=4 with phase pi/4 gives a square one.
    """
    a = phase_rad + np.linspace(0.0, 2.0 * np.pi, sections, endpoint=False)
    ring = np.stack([np.cos(a) * scale_xy[0], np.sin(a) * scale_xy[1]], axis=1)
    return lathe([(0.0, z0), (max(r0, 0.0), z0), (max(r1, 0.0), z1), (0.0, z1)], sections,
                 center_xy=center_xy, ring=ring)


def cylinder(radius: float, z0: float, z1: float, sections: int = 24, center_xy=(0.0, 0.0)) -> trimesh.Trimesh:
    """Cylinder along +Z from z0 to z1 centred on center_xy."""
    return frustum(radius, radius, z0, z1, sections, center_xy)


def _rotation_from_z(direction: np.ndarray) -> np.ndarray:
    """(3, 3) rotation taking +Z onto the unit vector `direction`."""
    d = direction / np.linalg.norm(direction)
    z = np.array([0.0, 0.0, 1.0])
    v = np.cross(z, d)
    c = float(np.dot(z, d))
    if np.linalg.norm(v) < 1e-12:
        return np.eye(3) if c > 0 else np.diag([1.0, -1.0, -1.0])
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx * (1.0 / (1.0 + c))


def rod(p0, p1, radius: float, sections: int = 12, square: bool = False) -> trimesh.Trimesh:
    """Cylinder (or square bar when `square`) of `radius` (half side) from point p0 to point p1 (3,)."""
    p0, p1 = np.asarray(p0, dtype=np.float64), np.asarray(p1, dtype=np.float64)
    length = float(np.linalg.norm(p1 - p0))
    if square:
        m = frustum(radius * np.sqrt(2), radius * np.sqrt(2), 0.0, length, 4, phase_rad=np.pi / 4)
    else:
        m = cylinder(radius, 0.0, length, sections)
    rot = _rotation_from_z(p1 - p0)
    return _mesh(m.vertices @ rot.T + p0, m.faces)


def lathe(profile, sections: int = 24, center_xy=(0.0, 0.0), ring: np.ndarray | None = None) -> trimesh.Trimesh:
    """Closed solid of revolution about the vertical axis through center_xy.

    profile: sequence of (r, z) points, first and last with r == 0 (poles), traced so that the solid
    lies to the RIGHT when walking the profile in the (r, z) half-plane (i.e. bottom pole -> outside
    -> top pole, or for a hollow vessel: bottom pole -> outer wall up -> rim -> inner wall down ->
    inner bottom pole). ring: optional (sections, 2) unit ring (default a circle).
    """
    prof = np.asarray(profile, dtype=np.float64)
    if ring is None:
        ring = _circle(sections)
    n = len(ring)
    inner = prof[1:-1]  # rings
    m = len(inner)
    verts = [np.array([[center_xy[0], center_xy[1], prof[0, 1]]])]
    for r, z in inner:
        verts.append(np.column_stack([ring[:, 0] * r + center_xy[0], ring[:, 1] * r + center_xy[1], np.full(n, z)]))
    verts.append(np.array([[center_xy[0], center_xy[1], prof[-1, 1]]]))
    v = np.vstack(verts)
    top = len(v) - 1
    j = np.arange(n)
    jn = (j + 1) % n
    faces = [np.column_stack([np.zeros(n, dtype=np.int64), 1 + jn, 1 + j])]  # bottom fan (outward = down)
    for k in range(m - 1):
        a0, a1 = 1 + k * n, 1 + (k + 1) * n
        faces.append(np.column_stack([a0 + j, a0 + jn, a1 + jn]))
        faces.append(np.column_stack([a0 + j, a1 + jn, a1 + j]))
    b = 1 + (m - 1) * n
    faces.append(np.column_stack([np.full(n, top), b + j, b + jn]))
    f = np.vstack(faces)
    # Orientation depends on the profile direction; make the signed volume positive.
    mesh = _mesh(v, f)
    if _signed_volume(v, f) < 0:
        mesh = _mesh(v, f[:, ::-1])
    return mesh


def lathe_hulls(profile, sections: int = 24, center_xy=(0.0, 0.0), ring: np.ndarray | None = None) -> list[trimesh.Trimesh]:
    """Convex pieces covering a lathe solid: one hull per pair of consecutive outer rings.

    Uses the running maximum radius envelope (the solid is filled), which contains the visual lathe and
    matches its outer surface exactly between profile points.
    """
    prof = np.asarray(profile, dtype=np.float64)
    pts = prof[1:-1]
    # outer envelope: for each distinct z keep the max radius, sorted by z
    zs = np.unique(np.round(pts[:, 1], 9))
    env = [(max(r for r, z in pts if abs(z - zz) < 1e-9), zz) for zz in zs]
    pieces = []
    for (r0, z0), (r1, z1) in zip(env[:-1], env[1:]):
        if z1 - z0 < 1e-6:
            continue
        pieces.append(_ring_frustum(r0, r1, z0, z1, _circle(sections) if ring is None else ring, center_xy))
    return pieces


def _circle(sections: int) -> np.ndarray:
    a = np.linspace(0.0, 2.0 * np.pi, sections, endpoint=False)
    return np.stack([np.cos(a), np.sin(a)], axis=1)


def _ring_frustum(r0, r1, z0, z1, ring, center_xy):
    return lathe([(0.0, z0), (r0, z0), (r1, z1), (0.0, z1)], len(ring), center_xy, ring=ring)


def hull(points) -> trimesh.Trimesh:
    """Convex hull of (n, 3) points (qhull), outward-wound and watertight (duplicate points removed first)."""
    from scipy.spatial import ConvexHull

    pts = np.unique(np.round(np.asarray(points, dtype=np.float64), 9), axis=0)
    h = ConvexHull(pts, qhull_options="Qt")
    used = np.unique(h.simplices)
    remap = np.full(len(pts), -1)
    remap[used] = np.arange(len(used))
    v = pts[used]
    f = remap[h.simplices]
    c = v.mean(axis=0)
    n = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    flip = np.einsum("ij,ij->i", n, v[f[:, 0]] - c) < 0
    f[flip] = f[flip][:, ::-1]
    return _mesh(v, f)


def superellipsoid(size, center=(0.0, 0.0, 0.0), exponent: float = 0.25, n_lat: int = 10, n_lon: int = 20) -> trimesh.Trimesh:
    """Convex rounded box ("cushion") with full extents `size` (3,); exponent 1 = ellipsoid, ->0 = box."""
    e = float(exponent)
    u = np.linspace(-np.pi / 2, np.pi / 2, n_lat)
    w = np.linspace(-np.pi, np.pi, n_lon, endpoint=False)
    uu, ww = np.meshgrid(u, w, indexing="ij")

    def sp(x, p):
        return np.sign(x) * np.abs(x) ** p

    x = sp(np.cos(uu), e) * sp(np.cos(ww), e)
    y = sp(np.cos(uu), e) * sp(np.sin(ww), e)
    z = sp(np.sin(uu), e)
    p = np.column_stack([x.ravel(), y.ravel(), z.ravel()]) * (np.asarray(size) / 2.0) + np.asarray(center)
    return hull(p)


def sphere(radius: float, center=(0.0, 0.0, 0.0), n_lat: int = 10, n_lon: int = 16, scale=(1.0, 1.0, 1.0)) -> trimesh.Trimesh:
    """UV sphere (ellipsoid when `scale` != 1), convex and watertight."""
    a = np.linspace(-np.pi / 2, np.pi / 2, n_lat + 1)
    prof = [(radius * np.cos(t), radius * np.sin(t)) for t in a]
    prof[0] = (0.0, -radius)
    prof[-1] = (0.0, radius)
    m = lathe(prof, n_lon)
    v = m.vertices * np.asarray(scale) + np.asarray(center)
    return _mesh(v, m.faces)


def prism(polygon_xy, z0: float, z1: float) -> trimesh.Trimesh:
    """Vertical prism over a CONVEX polygon (n, 2) from z0 to z1."""
    p = np.asarray(polygon_xy, dtype=np.float64)
    pts = np.vstack([np.column_stack([p, np.full(len(p), z0)]), np.column_stack([p, np.full(len(p), z1)])])
    return hull(pts)


def transform(mesh: trimesh.Trimesh, rotation=None, translation=(0.0, 0.0, 0.0)) -> trimesh.Trimesh:
    """A copy of `mesh` with vertices mapped by v -> R v + t (R (3, 3) proper rotation)."""
    v = mesh.vertices
    if rotation is not None:
        v = v @ np.asarray(rotation, dtype=np.float64).T
    return _mesh(v + np.asarray(translation, dtype=np.float64), mesh.faces)


def rot_x(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]], dtype=np.float64)


def rot_y(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]], dtype=np.float64)


def rot_z(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], dtype=np.float64)


def _signed_volume(v: np.ndarray, f: np.ndarray) -> float:
    a, b, c = v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)


def concat(meshes) -> trimesh.Trimesh:
    """Concatenate meshes without processing (faces re-indexed)."""
    meshes = list(meshes)
    vs, fs, off = [], [], 0
    for m in meshes:
        vs.append(m.vertices)
        fs.append(m.faces + off)
        off += len(m.vertices)
    if not vs:
        return _mesh(np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64))
    return _mesh(np.vstack(vs), np.vstack(fs))
