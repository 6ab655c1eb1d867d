"""Exact geometry read from scene.json: convex parts of objects, closest-point distances between
meshes (GJK on convex parts), oriented boxes, projections into a camera.

Every function takes plain scene.json / camera.json content, so a question's answer can be
re-derived from the saved files alone. World frame: +Z up, metres. Camera frame: OpenCV.
"""

from __future__ import annotations

import itertools

import numpy as np

HULL_DECIMALS = 4   # convex part vertices are stored to 0.1 mm


# --------------------------------------------------------------------------- building (from a Scene)
def _local_convex_parts(asset, max_vertices: int) -> list[np.ndarray]:
    """Convex pieces of an asset in its own frame (see convex_parts_world); cached on the asset.

    Components are sets of vertices joined by faces (scipy connected components over the face edges),
    hulls come from qhull directly with their vertices kept in input order: the same pieces trimesh's
    split + convex_hull gave, at about a sixth of the cost (scene.json of a high scene spent over a
    minute there)."""
    cache = asset.__dict__.setdefault("_convex_parts_local", {})
    if max_vertices in cache:
        return cache[max_vertices]
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import ConvexHull, QhullError

    out = []
    for p in asset.parts:
        V = np.asarray(p.mesh.vertices, dtype=float)
        F = np.asarray(p.mesh.faces, dtype=np.int64).reshape(-1, 3)
        if len(V) == 0:
            continue
        if len(F):
            used = np.unique(F)
            a = np.concatenate([F[:, 0], F[:, 1]])
            b = np.concatenate([F[:, 1], F[:, 2]])
            graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(V), len(V)))
            label = connected_components(graph, directed=False)[1]
            comps = [used[label[used] == c] for c in np.unique(label[used])]
        else:
            comps = [np.arange(len(V))]
        for idx in comps:
            v = V[idx]
            try:
                v = v[np.sort(ConvexHull(v).vertices)]
            except (QhullError, ValueError):   # degenerate (flat) component: keep its vertices
                pass
            if len(v) > max_vertices:
                v = v[np.linspace(0, len(v) - 1, max_vertices).round().astype(int)]
            out.append(v)
    cache[max_vertices] = out
    return out


def convex_parts_world(asset, pose: np.ndarray, max_vertices: int = 96) -> list[np.ndarray]:
    """Convex pieces of an asset in world coordinates: the hull of each connected component of each
    part, as (n, 3) float arrays. Procedural parts are boxes, cylinders and frusta, so the hulls are
    the meshes themselves (bowls, cups and vases are the exceptions: their hull closes the opening).
    Hulls with more than `max_vertices` vertices keep an evenly strided subset (round parts)."""
    R, t = np.asarray(pose)[:3, :3], np.asarray(pose)[:3, 3]
    return [np.round(v @ R.T + t, HULL_DECIMALS) for v in _local_convex_parts(asset, max_vertices)]


# --------------------------------------------------------------------------- GJK distance
def _closest_on_simplex(W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Point of conv(W) closest to the origin and the minimal sub-simplex holding it.
    W: (k, 3), k <= 4. Brute force over the 2^k - 1 faces (Johnson's sub-algorithm)."""
    best, best_set = None, None
    k = len(W)
    for r in range(1, k + 1):
        for idx in itertools.combinations(range(k), r):
            P = W[list(idx)]
            if r == 1:
                x, lam = P[0], np.ones(1)
            else:
                D = (P[1:] - P[0]).T                      # (3, r-1)
                sol, *_ = np.linalg.lstsq(D, -P[0], rcond=None)
                lam = np.concatenate([[1 - sol.sum()], sol])
                if np.any(lam < -1e-12):
                    continue
                x = P[0] + D @ sol
            d = float(x @ x)
            if best is None or d < best[0] - 1e-15:
                best, best_set = (d, x), P
    return best[1], best_set


def convex_distance(A: np.ndarray, B: np.ndarray, tol: float = 1e-7, max_iter: int = 64) -> float:
    """Euclidean distance between the convex hulls of point sets A (n, 3) and B (m, 3); 0 if they
    intersect. Gilbert-Johnson-Keerthi on the Minkowski difference A - B."""
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    v = A[0] - B[0]
    W = np.zeros((0, 3))
    for _ in range(max_iter):
        vv = float(v @ v)
        if vv < 1e-18:
            return 0.0
        w = A[np.argmin(A @ v)] - B[np.argmax(B @ v)]
        # w repeats a simplex vertex: np.allclose(w, x) for some row x of W, in one test (finite values)
        if vv - float(v @ w) <= tol * max(vv, 1e-12) or np.all(np.abs(w - W) <= 1e-8 + 1e-5 * np.abs(W), axis=1).any():
            break
        W = np.vstack([W, w])
        v, W = _closest_on_simplex(W)
        if len(W) == 4:
            # the origin is inside the tetrahedron only when the closest point is the origin
            if float(v @ v) < 1e-18:
                return 0.0
    return float(np.sqrt(max(float(v @ v), 0.0)))


def object_parts(obj: dict) -> list[np.ndarray]:
    """Convex parts of a scene.json object (its `convex_parts`, or its 3D box when absent)."""
    parts = obj.get("convex_parts")
    if parts:
        return [np.asarray(p, dtype=float) for p in parts]
    return [obb_corners(obj["obb"])]


def row_norms(v: np.ndarray) -> np.ndarray:
    """Euclidean norms of the rows of v (n, 3) float, bit-identical to np.linalg.norm of each row: both
    are the square root of a BLAS dot product (a stack of (1, 3) @ (3, 1) products is one ddot each;
    einsum or a sum of squares can round differently)."""
    v = np.ascontiguousarray(v, dtype=np.float64)
    return np.sqrt((v[:, None, :] @ v[:, :, None]).reshape(len(v)))


def part_boxes(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(lo (n, 3), hi (n, 3)): the axis-aligned box of each convex part."""
    if not parts:
        return np.zeros((0, 3)), np.zeros((0, 3))
    return np.stack([p.min(0) for p in parts]), np.stack([p.max(0) for p in parts])


def closest_distance(a: dict, b: dict) -> float:
    """Closest-point distance between two scene.json objects' meshes (metres); boxes pre-filter."""
    pa, pb = object_parts(a), object_parts(b)
    return closest_parts_distance(pa, part_boxes(pa), pb, part_boxes(pb))


def closest_parts_distance(pa: list[np.ndarray], boxes_a, pb: list[np.ndarray], boxes_b) -> float:
    """closest_distance over convex parts pa, pb with their part_boxes (callers that meet an object
    in many pairs compute its parts and boxes once)."""
    (la, ha), (lb, hb) = boxes_a, boxes_b
    # order part pairs by their box gap so that the first ones usually give the minimum
    gap = np.maximum(0, np.maximum(la[:, None] - hb[None], lb[None] - ha[:, None]))   # (na, nb, 3)
    gaps = row_norms(gap.reshape(-1, 3)).tolist()
    nb = len(pb)
    best = np.inf
    for gap_m, i, j in sorted((g, k // nb, k % nb) for k, g in enumerate(gaps)):
        if gap_m >= best:
            break
        best = min(best, convex_distance(pa[i], pb[j]))
        if best == 0.0:
            break
    return float(best)


def point_distance(p: np.ndarray, obj: dict) -> float:
    """Distance from a world point (3,) to the object's mesh (its convex parts)."""
    p = np.asarray(p, dtype=float)[None]
    return min(convex_distance(part, p) for part in object_parts(obj))


# --------------------------------------------------------------------------- boxes and cameras
def obb_corners(obb: dict) -> np.ndarray:
    """(8, 3) world corners of a scene.json `obb` (centre, full extents, rotation columns = axes)."""
    e = np.asarray(obb["extents"], dtype=float) / 2
    signs = np.array(list(itertools.product((-1, 1), repeat=3)), dtype=float)
    return (signs * e) @ np.asarray(obb["rotation"], dtype=float).T + np.asarray(obb["center"], dtype=float)


def center(obj: dict) -> np.ndarray:
    return np.asarray(obj["obb"]["center"], dtype=float)


def footprint_xy(obj: dict) -> np.ndarray:
    """(4, 2) floor-plane corners of the object's box (xy of the bottom face)."""
    return _hull2d(obb_corners(obj["obb"])[:, :2])


def _hull2d(pts: np.ndarray) -> np.ndarray:
    """Convex hull (CCW) of 2D points (n, 2) (monotone chain)."""
    P = sorted(set(map(tuple, np.round(pts, 9))))
    if len(P) <= 2:
        return np.asarray(P)

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in P:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(P):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.asarray(lower[:-1] + upper[:-1])


def max_floor_extent(obj: dict) -> float:
    """Largest horizontal side of the object's axis-aligned box (metres)."""
    lo, hi = np.asarray(obj["aabb"]["min"]), np.asarray(obj["aabb"]["max"])
    return float(max(hi[0] - lo[0], hi[1] - lo[1]))


def to_camera(camera: dict, frame: int, pts_world: np.ndarray) -> np.ndarray:
    """World points (n, 3) -> OpenCV camera coordinates (n, 3) at frame `frame`."""
    T = np.asarray(camera["frames"][frame]["cam_to_world"], dtype=float)
    return (np.atleast_2d(pts_world) - T[:3, 3]) @ T[:3, :3]


def project(camera: dict, frame: int, pts_world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(uv (n, 2) pixel-edge coordinates, z (n,) metres) of world points at frame `frame`."""
    pc = to_camera(camera, frame, pts_world)
    K = np.asarray(camera["K"], dtype=float)
    z = pc[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = (pc[:, :2] / z[:, None]) * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
    return uv, z


def camera_position(camera: dict, frame: int) -> np.ndarray:
    return np.asarray(camera["frames"][frame]["cam_to_world"], dtype=float)[:3, 3]


def camera_heading(camera: dict, frame: int) -> np.ndarray:
    """Unit floor-plane (xy) direction of the optical axis at `frame`."""
    f = np.asarray(camera["frames"][frame]["cam_to_world"], dtype=float)[:3, 2][:2]
    return f / max(np.linalg.norm(f), 1e-12)


def signed_angle_deg(forward_xy: np.ndarray, to_xy: np.ndarray) -> float:
    """Angle (degrees, (-180, 180]) from `forward_xy` to `to_xy` in the floor plane, counter-clockwise
    positive (seen from above, +Z up): positive = to the LEFT."""
    a = np.arctan2(forward_xy[0] * to_xy[1] - forward_xy[1] * to_xy[0], forward_xy @ to_xy)
    return float(np.degrees(a))


def room_of_point(scene: dict, xy) -> str | None:
    """Id of the room whose polygon contains the floor point `xy`, or None."""
    from shapely.geometry import Point, Polygon

    p = Point(float(xy[0]), float(xy[1]))
    for r in scene["rooms"]:
        if Polygon(r["polygon"]).covers(p):
            return r["id"]
    return None
