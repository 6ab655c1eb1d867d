"""Free space for the camera carrier: rooms and door passages minus obstacle footprints, eroded by
the carrier radius, sampled on a grid graph for shortest paths."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import Polygon
from shapely.ops import unary_union

from simgen.scenes.placement import footprint


def free_space(scene, clearance_m: float, wall_thickness_m: float = 0.12):
    """Shapely geometry of positions where the camera centre keeps `clearance_m` from all geometry."""
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
    region = unary_union(parts)
    obstacles = [footprint(o.asset.extents_m, *_center_xy(o), o.yaw)
                 for o in scene.objects if o.placement in ("floor", "wall")]
    # a wall-mounted object only blocks if it reaches down below the camera's head
    free = region.buffer(-clearance_m, join_style="mitre")
    if obstacles:
        free = free.difference(unary_union(obstacles).buffer(clearance_m))
    return free


def _center_xy(o) -> tuple[float, float]:
    b = o.asset.mesh().bounds
    c_local = np.array([(b[0, 0] + b[1, 0]) / 2, (b[0, 1] + b[1, 1]) / 2, 0.0])
    c = o.pose[:3, :3] @ c_local + o.pose[:3, 3]
    return float(c[0]), float(c[1])


def object_center(o) -> np.ndarray:
    """(3,) world centre of an object's bounding box."""
    b = o.asset.mesh().bounds
    return o.pose[:3, :3] @ ((b[0] + b[1]) / 2) + o.pose[:3, 3]


@dataclass
class Grid:
    """Free grid nodes (n, 2) world xy and their 8-connected graph (edge weights in metres)."""

    xy: np.ndarray
    graph: object
    cell_m: float

    def nearest(self, p) -> int:
        return int(np.argmin(np.sum((self.xy - np.asarray(p)[:2]) ** 2, axis=1)))

    def shortest(self, sources: list[int]):
        """Distances (len(sources), n) and predecessors from each source node."""
        return dijkstra(self.graph, directed=False, indices=sources, return_predecessors=True)


def build_grid(free, cell_m: float = 0.1) -> Grid:
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
    g = coo_matrix((np.concatenate(w), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)).tocsr()
    return Grid(xy, g, cell_m)
