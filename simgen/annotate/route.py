"""Route planning on a free-space map built from scene.json alone (room polygons, doors, object
footprints), so the route questions can be re-derived from the saved files.

Map: 0.1 m cells; free = (room interiors shrunk by the robot radius) + door passages, minus the
footprints (grown by the radius) of objects that block walking (bottom below 0.5 m, taller than
5 cm). Path: 8-connected Dijkstra, shortened by line-of-sight string pulling, turns merged.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from simgen.annotate import geometry as geo

CELL_M = 0.1
RADIUS_M = 0.25
TURN_MIN_DEG = 30.0        # a heading change below this is "keep going", not a turn
MIN_SEGMENT_M = 0.4        # shorter legs are merged into their neighbours when the shortcut is free


@dataclass(frozen=True)
class FreeMap:
    free: np.ndarray          # (ny, nx) bool, True = the robot centre may be here
    origin_xy: np.ndarray     # (2,) world xy of cell (0, 0)'s corner

    def cell(self, xy) -> tuple[int, int]:
        ij = np.floor((np.asarray(xy, dtype=float) - self.origin_xy) / CELL_M).astype(int)
        return int(ij[1]), int(ij[0])

    def xy(self, rc) -> np.ndarray:
        return self.origin_xy + (np.array([rc[1], rc[0]], dtype=float) + 0.5) * CELL_M


def blocks_walking(o: dict) -> bool:
    lo, hi = o["aabb"]["min"], o["aabb"]["max"]
    return lo[2] < 0.5 and hi[2] - lo[2] > 0.05


def free_map(scene: dict) -> FreeMap:
    """The free-space map of a scene.json (deterministic, about 1e4 cells per room)."""
    import shapely
    from shapely.geometry import Polygon
    from shapely.ops import unary_union

    rooms = unary_union([Polygon(r["polygon"]).buffer(-RADIUS_M, join_style=2) for r in scene["rooms"]])
    passages = []
    for d in scene.get("doors", []):
        c, n = np.asarray(d["center"], dtype=float), np.asarray(d["normal"], dtype=float)
        t = np.array([-n[1], n[0]])
        half_w = max(d["width_m"] / 2 - RADIUS_M, CELL_M)
        pts = [c + s * half_w * t + u * 0.6 * n for s, u in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
        passages.append(Polygon(pts))
    outline = unary_union([Polygon(r["polygon"]) for r in scene["rooms"]])
    space = unary_union([rooms, *[p.intersection(outline.buffer(0.3)) for p in passages]])
    obstacles = [Polygon(geo.footprint_xy(o)).buffer(RADIUS_M, join_style=2)
                 for o in scene["objects"] if o.get("kind") == "object" and blocks_walking(o)]
    if obstacles:
        space = space.difference(unary_union(obstacles))
    x0, y0, x1, y1 = outline.bounds
    origin = np.array([np.floor(x0 / CELL_M) * CELL_M, np.floor(y0 / CELL_M) * CELL_M])
    nx = int(np.ceil((x1 - origin[0]) / CELL_M)) + 1
    ny = int(np.ceil((y1 - origin[1]) / CELL_M)) + 1
    xs = origin[0] + (np.arange(nx) + 0.5) * CELL_M
    ys = origin[1] + (np.arange(ny) + 0.5) * CELL_M
    X, Y = np.meshgrid(xs, ys)
    free = shapely.contains_xy(space, X, Y) if not space.is_empty else np.zeros_like(X, bool)
    return FreeMap(free=np.asarray(free, dtype=bool), origin_xy=origin)


def main_component(fm: FreeMap) -> np.ndarray:
    """(ny, nx) bool: the largest 8-connected free region (routes start and end there)."""
    from scipy import ndimage

    lab, n = ndimage.label(fm.free, structure=np.ones((3, 3), dtype=int))
    if n == 0:
        return fm.free
    sizes = np.bincount(lab.ravel())[1:]
    return lab == (int(np.argmax(sizes)) + 1)


def nearest_free(fm: FreeMap, xy, max_m: float = 1.5) -> tuple[int, int] | None:
    """The cell of the main free region nearest to a world point (ties: row-major order), within max_m."""
    rr, cc = np.nonzero(main_component(fm))
    if len(rr) == 0:
        return None
    p = (np.asarray(xy, dtype=float) - fm.origin_xy) / CELL_M - 0.5
    d = (cc - p[0]) ** 2 + (rr - p[1]) ** 2
    k = int(np.argmin(d))
    return (int(rr[k]), int(cc[k])) if np.sqrt(d[k]) * CELL_M <= max_m else None


def shortest_path(fm: FreeMap, start, goal) -> list[tuple[int, int]] | None:
    """8-connected Dijkstra (no corner cutting) from cell `start` to cell `goal`; None if unreachable."""
    ny, nx = fm.free.shape
    dist = {start: 0.0}
    prev = {}
    heap = [(0.0, start)]
    steps = [(-1, 0, 1.0), (1, 0, 1.0), (0, -1, 1.0), (0, 1, 1.0),
             (-1, -1, 1.4142135623730951), (-1, 1, 1.4142135623730951),
             (1, -1, 1.4142135623730951), (1, 1, 1.4142135623730951)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == goal:
            break
        if d > dist[u]:
            continue
        for dr, dc, w in steps:
            r, c = u[0] + dr, u[1] + dc
            if not (0 <= r < ny and 0 <= c < nx and fm.free[r, c]):
                continue
            if dr and dc and not (fm.free[u[0] + dr, u[1]] and fm.free[u[0], u[1] + dc]):
                continue
            nd = d + w
            if nd < dist.get((r, c), np.inf) - 1e-12:
                dist[(r, c)] = nd
                prev[(r, c)] = u
                heapq.heappush(heap, (nd, (r, c)))
    if goal not in dist:
        return None
    path = [goal]
    while path[-1] != start:
        path.append(prev[path[-1]])
    return path[::-1]


def _line_free(fm: FreeMap, a, b) -> bool:
    n = int(np.ceil(max(abs(b[0] - a[0]), abs(b[1] - a[1])) * 2)) + 1
    for t in np.linspace(0, 1, n + 1):
        r, c = int(round(a[0] + t * (b[0] - a[0]))), int(round(a[1] + t * (b[1] - a[1])))
        if not fm.free[r, c]:
            return False
    return True


def polyline(fm: FreeMap, path: list[tuple[int, int]]) -> np.ndarray:
    """String-pulled path as world xy vertices (k, 2), nearly collinear vertices merged."""
    pts = [path[0]]
    i = 0
    while i < len(path) - 1:
        j = len(path) - 1
        while j > i + 1 and not _line_free(fm, path[i], path[j]):
            j -= 1
        pts.append(path[j])
        i = j
    xy = [fm.xy(p) for p in pts]
    changed = True
    while changed and len(xy) > 2:
        changed = False
        for k in range(1, len(xy) - 1):
            a = geo.signed_angle_deg(xy[k] - xy[k - 1], xy[k + 1] - xy[k])
            short = min(np.linalg.norm(xy[k] - xy[k - 1]), np.linalg.norm(xy[k + 1] - xy[k])) < MIN_SEGMENT_M
            if abs(a) < TURN_MIN_DEG / 2 or (short and _line_free(fm, fm.cell(xy[k - 1]), fm.cell(xy[k + 1]))):
                del xy[k]
                changed = True
                break
    return np.asarray(xy)


def turn_name(angle_deg: float) -> str:
    """Heading change (deg, + = counter-clockwise) -> 'Turn Left' | 'Turn Right' | 'Turn Back'."""
    if abs(angle_deg) >= 135:
        return "Turn Back"
    return "Turn Left" if angle_deg > 0 else "Turn Right"


def turn_margin(angle_deg: float) -> float:
    """Degrees from the nearest boundary (30° = turn vs straight, 135° = side vs back)."""
    a = abs(angle_deg)
    return min(abs(a - TURN_MIN_DEG), abs(a - 135.0))
