"""Free space for the camera carrier (a person of radius `clearance_m` carrying the camera).

The walkable region is the union of the room floor polygons and the door passages between rooms;
obstacles are the xy hulls of every object that reaches below the camera's head (the carrier's
body spans the floor up to eye height + clearance). Free space = region eroded by the carrier
radius minus obstacles dilated by it, so every point of it keeps `clearance_m` from walls and
furniture (in xy; above the head nothing is in the way by construction).

Also here: the 8-connected grid graph over free space (shortest paths in metres), a line-of-sight
shortcut of grid paths ("string pulling"), and an air bitmap of the walls for ray tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely.geometry import MultiPoint, Polygon
from shapely.ops import unary_union


def walk_region(scene, wall_thickness_m: float = 0.12):
    """Shapely geometry of the floor the carrier may stand on: rooms plus inner door passages."""
    parts = [Polygon(r.polygon) for r in scene.rooms]
    for d in scene.doors:
        if d.entrance:
            continue
        nx, ny = d.normal
        tx, ty = -ny, nx
        cx, cy = d.center
        hw, hd = d.width_m / 2, wall_thickness_m / 2 + 0.05
        parts.append(Polygon([(cx + tx * a + nx * b, cy + ty * a + ny * b)
                              for a, b in ((-hw, -hd), (hw, -hd), (hw, hd), (-hw, hd))]))
    return unary_union(parts)


def obstacle_footprints(scene, head_z_m: float) -> list:
    """xy hulls (shapely) of the objects whose lowest point is below `head_z_m`."""
    out = []
    for o in scene.objects:
        c = o.box_corners()
        if c[:, 2].min() < head_z_m:
            out.append(MultiPoint([tuple(p) for p in c[:, :2]]).convex_hull)
    return out


def free_space(scene, clearance_m: float, wall_thickness_m: float = 0.12, eye_height_m: float = 1.6):
    """Shapely geometry of positions where the camera centre keeps `clearance_m` from all geometry."""
    region = walk_region(scene, wall_thickness_m)
    free = region.buffer(-clearance_m, join_style="mitre")
    obstacles = obstacle_footprints(scene, eye_height_m + clearance_m)
    if obstacles:
        free = free.difference(unary_union(obstacles).buffer(clearance_m, quad_segs=4))
    shapely.prepare(free)
    return free


@dataclass
class Grid:
    """Free grid nodes `xy` (n, 2) float world metres and their 8-connected graph (edge weights in m)."""

    xy: np.ndarray
    graph: object
    cell_m: float

    def nearest(self, p) -> int:
        return int(np.argmin(np.sum((self.xy - np.asarray(p, dtype=float)[:2]) ** 2, axis=1)))

    def shortest(self, sources: list[int]):
        """(distances (len(sources), n) in m, predecessors) from each source node."""
        return dijkstra(self.graph, directed=False, indices=sources, return_predecessors=True)

    def component_of(self, node: int) -> np.ndarray:
        """(n,) bool: nodes connected to `node`."""
        _, lab = connected_components(self.graph, directed=False)
        return lab == lab[node]


def build_grid(free, cell_m: float = 0.1) -> Grid:
    """Grid over `free` (cells whose centre lies inside it)."""
    if free.is_empty:
        return Grid(np.zeros((0, 2)), coo_matrix((0, 0)).tocsr(), cell_m)
    minx, miny, maxx, maxy = free.bounds
    xs = np.arange(minx + cell_m / 2, maxx, cell_m)
    ys = np.arange(miny + cell_m / 2, maxy, cell_m)
    gx, gy = np.meshgrid(xs, ys)
    inside = shapely.contains_xy(free, gx, gy)
    idx = -np.ones(inside.shape, dtype=np.int64)
    idx[inside] = np.arange(int(inside.sum()))
    xy = np.stack([gx[inside], gy[inside]], axis=1)
    rows, cols, w = [], [], []
    H, W = idx.shape
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        j0, j1 = max(0, -dx), W - max(0, dx)
        a = idx[0:H - dy, j0:j1]
        b = idx[dy:H, j0 + dx:j1 + dx]
        ok = (a >= 0) & (b >= 0)
        rows.append(a[ok])
        cols.append(b[ok])
        w.append(np.full(int(ok.sum()), cell_m * np.hypot(dx, dy)))
    n = len(xy)
    rows, cols, w = np.concatenate(rows), np.concatenate(cols), np.concatenate(w)
    g = coo_matrix((w, (rows, cols)), shape=(n, n)).tocsr()
    extra = _neck_edges(xy, g, free)
    if len(extra):
        rows, cols = np.concatenate([rows, extra[:, 0]]), np.concatenate([cols, extra[:, 1]])
        w = np.concatenate([w, np.linalg.norm(xy[extra[:, 0]] - xy[extra[:, 1]], axis=1)])
        g = coo_matrix((w, (rows, cols)), shape=(n, n)).tocsr()
    return Grid(xy, g, cell_m)


def _neck_edges(xy: np.ndarray, graph, free, reach_m: float = 0.6) -> np.ndarray:
    """(m, 2) node pairs joining grid components that `free` itself connects.

    A passage of free space narrower than a grid cell (a diagonal neck between two pieces of furniture)
    may hold no cell centre, which splits the 8-connected grid although the carrier can walk through
    it: a whole corner of a room then looked unreachable to the planner. Here, cells of different
    components within `reach_m` are tried nearest first; a pair whose straight segment lies inside
    `free` becomes an edge, once per pair of components (union-find)."""
    from scipy.spatial import cKDTree

    n_comp, lab = connected_components(graph, directed=False)
    if n_comp <= 1:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = cKDTree(xy).query_pairs(reach_m, output_type="ndarray")
    pairs = pairs[lab[pairs[:, 0]] != lab[pairs[:, 1]]]
    if len(pairs) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    d = np.linalg.norm(xy[pairs[:, 0]] - xy[pairs[:, 1]], axis=1)
    order = np.lexsort((pairs[:, 1], pairs[:, 0], d))
    parent = list(range(n_comp))

    def find(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    out, tries = [], {}
    for a, b in pairs[order]:
        ca, cb = find(int(lab[a])), find(int(lab[b]))
        key = (min(ca, cb), max(ca, cb))
        if ca == cb or tries.get(key, 0) >= 64:      # the nearest 64 pairs settle whether a neck exists
            continue
        tries[key] = tries.get(key, 0) + 1
        if segment_free(free, xy[a], xy[b], step_m=0.02):
            parent[ca] = cb
            out.append((int(a), int(b)))
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def grid_path(pred_row: np.ndarray, src: int, dst: int) -> list[int]:
    """Node list src..dst from one row of Dijkstra predecessors (empty if unreachable)."""
    out = [dst]
    n = dst
    while n != src:
        n = int(pred_row[n])
        if n < 0:
            return []
        out.append(n)
    return out[::-1]


def segment_free(free, a, b, step_m: float = 0.04) -> bool:
    """True if the straight segment a-b (xy) lies inside `free` (checked every `step_m`)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    n = max(2, int(np.ceil(np.linalg.norm(b - a) / step_m)) + 1)
    u = np.linspace(0.0, 1.0, n)[:, None]
    p = a + u * (b - a)
    return bool(np.all(shapely.contains_xy(free, p[:, 0], p[:, 1])))


def string_pull(pts: np.ndarray, free) -> np.ndarray:
    """Shortcut a polyline (n, 2) to the fewest vertices with free straight lines between them."""
    if len(pts) <= 2:
        return pts
    out = [pts[0]]
    i = 0
    while i < len(pts) - 1:
        j = len(pts) - 1
        while j > i + 1 and not segment_free(free, pts[i], pts[j]):
            j = (i + j) // 2 if j - i > 8 else j - 1
        out.append(pts[j])
        i = j
    return np.array(out)


@dataclass
class AirMap:
    """Bitmap of the walk region at eye level (True = air, False = wall or outside), for ray tests."""

    mask: np.ndarray          # (ny, nx) bool
    origin: np.ndarray        # (2,) world xy of cell (0, 0)'s corner
    cell_m: float

    def air(self, xy: np.ndarray) -> np.ndarray:
        """(...,) bool for world points (..., 2): inside the region (out-of-map counts as wall)."""
        ij = np.floor((xy - self.origin) / self.cell_m).astype(np.int64)
        ny, nx = self.mask.shape
        ok = (ij[..., 0] >= 0) & (ij[..., 0] < nx) & (ij[..., 1] >= 0) & (ij[..., 1] < ny)
        out = np.zeros(xy.shape[:-1], dtype=bool)
        out[ok] = self.mask[ij[..., 1][ok], ij[..., 0][ok]]
        return out


def air_map(region, cell_m: float = 0.03) -> AirMap:
    minx, miny, maxx, maxy = region.bounds
    xs = np.arange(minx, maxx + cell_m, cell_m) + cell_m / 2
    ys = np.arange(miny, maxy + cell_m, cell_m) + cell_m / 2
    gx, gy = np.meshgrid(xs, ys)
    return AirMap(shapely.contains_xy(region, gx, gy), np.array([minx, miny]), cell_m)
