"""Fast 2D geometry for the layout optimizer: oriented rectangles, SAT penetration depth, and the
walkable-space grid (agent radius, door reachability, a viewing spot per object).

Rectangles are (n, 5) float arrays of (cx, cy, hx, hy, yaw_rad) in world xy metres; corners are
(n, 4, 2). `sat_depth` > 0 is the penetration depth along the best separating axis (metres); <= 0
means the rectangles are apart by at least -depth along some axis.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from shapely import affinity
from shapely.geometry import Polygon, box


def footprint(extents_m, x: float, y: float, yaw_rad: float) -> Polygon:
    """Oriented rectangle (shapely) of an asset's xy extents centred at (x, y), rotated by yaw."""
    ex, ey = float(extents_m[0]), float(extents_m[1])
    rect = box(-ex / 2, -ey / 2, ex / 2, ey / 2)
    return affinity.translate(affinity.rotate(rect, yaw_rad, origin=(0, 0), use_radians=True), x, y)


def corners(rects: np.ndarray) -> np.ndarray:
    """(n, 5) rects -> (n, 4, 2) corners, counter-clockwise."""
    r = np.asarray(rects, dtype=np.float64).reshape(-1, 5)
    c, s = np.cos(r[:, 4]), np.sin(r[:, 4])
    loc = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=np.float64)
    lx = loc[None, :, 0] * r[:, None, 2]
    ly = loc[None, :, 1] * r[:, None, 3]
    x = r[:, None, 0] + c[:, None] * lx - s[:, None] * ly
    y = r[:, None, 1] + s[:, None] * lx + c[:, None] * ly
    return np.stack([x, y], axis=-1)


def sat_depth(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Penetration depth (n, m) between rect sets a (n, 5) and b (m, 5): the smallest overlap of their
    projections over the 4 face axes (separating axis theorem for oriented boxes)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 5)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 5)
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    dx = b[None, :, 0] - a[:, None, 0]
    dy = b[None, :, 1] - a[:, None, 1]
    ca, sa = np.cos(a[:, 4])[:, None], np.sin(a[:, 4])[:, None]
    cb, sb = np.cos(b[:, 4])[None, :], np.sin(b[:, 4])[None, :]
    dyaw = b[None, :, 4] - a[:, None, 4]
    c, s = np.abs(np.cos(dyaw)), np.abs(np.sin(dyaw))
    hxa, hya = a[:, None, 2], a[:, None, 3]
    hxb, hyb = b[None, :, 2], b[None, :, 3]
    o1 = hxa + hxb * c + hyb * s - np.abs(dx * ca + dy * sa)
    o2 = hya + hxb * s + hyb * c - np.abs(-dx * sa + dy * ca)
    o3 = hxb + hxa * c + hya * s - np.abs(dx * cb + dy * sb)
    o4 = hyb + hxa * s + hya * c - np.abs(-dx * sb + dy * cb)
    return np.minimum(np.minimum(o1, o2), np.minimum(o3, o4))


def point_depth(points: np.ndarray, rects: np.ndarray) -> np.ndarray:
    """(p, m) how deep each point lies inside each rect (<= 0: outside)."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    r = np.asarray(rects, dtype=np.float64).reshape(-1, 5)
    d = p[:, None, :] - r[None, :, :2]
    c, s = np.cos(r[:, 4]), np.sin(r[:, 4])
    lx = d[..., 0] * c + d[..., 1] * s
    ly = -d[..., 0] * s + d[..., 1] * c
    return np.minimum(r[:, 2] - np.abs(lx), r[:, 3] - np.abs(ly))


def compose(unit_pose: tuple[float, float, float], local: np.ndarray) -> np.ndarray:
    """Member rects (k, 5) in a unit frame -> world rects under unit pose (x, y, yaw)."""
    x, y, yaw = unit_pose
    c, s = np.cos(yaw), np.sin(yaw)
    out = np.array(local, dtype=np.float64).reshape(-1, 5).copy()
    out[:, 0] = x + c * local[:, 0] - s * local[:, 1]
    out[:, 1] = y + s * local[:, 0] + c * local[:, 1]
    out[:, 4] = local[:, 4] + yaw
    return out


class NavGrid:
    """Walkable-space check for one room on a `cell_m` grid.

    free = inside the room polygon, at least `radius_m` from its boundary (except through door
    openings), from the `fixed_rects` (features placed before the furniture: radiators) and from every
    obstacle rect. `check(rects, owners)` returns (ok, report): every door's
    approach point lies in one connected free component, and every owner has a cell of that component
    within `view_reach_m` of its footprint.
    """

    def __init__(self, room_poly: Polygon, door_points: list[np.ndarray], door_rects: np.ndarray,
                 radius_m: float, cell_m: float = 0.08, view_reach_m: float = 1.2,
                 fixed_rects: np.ndarray | None = None):
        import shapely

        self.cell = cell_m
        self.r = radius_m
        self.reach = view_reach_m
        x0, y0, x1, y1 = room_poly.bounds
        self.x0, self.y0 = x0 - 0.3, y0 - 0.3
        nx = int(np.ceil((x1 - x0 + 0.6) / cell_m))
        ny = int(np.ceil((y1 - y0 + 0.6) / cell_m))
        xs = self.x0 + (np.arange(nx) + 0.5) * cell_m
        ys = self.y0 + (np.arange(ny) + 0.5) * cell_m
        self.gx, self.gy = np.meshgrid(xs, ys)                   # (ny, nx)
        inside = shapely.contains_xy(room_poly, self.gx, self.gy)
        if len(door_rects):                                      # door passages count as room
            pts = np.stack([self.gx.ravel(), self.gy.ravel()], -1)
            inside |= (point_depth(pts, door_rects) > 0).any(1).reshape(inside.shape)
        if fixed_rects is not None and len(fixed_rects):
            pts = np.stack([self.gx.ravel(), self.gy.ravel()], -1)
            inside &= ~(point_depth(pts, np.asarray(fixed_rects).reshape(-1, 5)) >= 0).any(1).reshape(inside.shape)
        self.inside = inside
        self.door_cells = []
        for p in door_points:
            i = int(np.clip((p[1] - self.y0) / cell_m, 0, ny - 1))
            j = int(np.clip((p[0] - self.x0) / cell_m, 0, nx - 1))
            self.door_cells.append((i, j))

    def raster(self, rects: np.ndarray) -> np.ndarray:
        """(n, 5) rects -> (ny, nx) int32 label image (index + 1, 0 = none)."""
        lab = np.zeros(self.gx.shape, dtype=np.int32)
        cs = corners(rects)
        for k, (r, c) in enumerate(zip(np.asarray(rects).reshape(-1, 5), cs)):
            j0 = max(0, int((c[:, 0].min() - self.x0) / self.cell))
            j1 = min(lab.shape[1], int((c[:, 0].max() - self.x0) / self.cell) + 2)
            i0 = max(0, int((c[:, 1].min() - self.y0) / self.cell))
            i1 = min(lab.shape[0], int((c[:, 1].max() - self.y0) / self.cell) + 2)
            if j1 <= j0 or i1 <= i0:
                continue
            px, py = self.gx[i0:i1, j0:j1], self.gy[i0:i1, j0:j1]
            dx, dy = px - r[0], py - r[1]
            cc, ss = np.cos(r[4]), np.sin(r[4])
            m = (np.abs(dx * cc + dy * ss) <= r[2]) & (np.abs(-dx * ss + dy * cc) <= r[3])
            lab[i0:i1, j0:j1][m] = k + 1
        return lab

    @property
    def band_m(self) -> float:
        """A cell is walkable when no obstacle cell centre lies within this distance of its centre: the
        radius plus half a cell diagonal (conservative: cell centres, not exact boundaries)."""
        return self.r + 0.71 * self.cell

    def walkable(self, rects: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lab, open_, free) for obstacle rects (n, 5): their label raster (`raster`), the open floor
        and the cells where the agent's centre can stand."""
        lab = self.raster(rects) if len(rects) else np.zeros(self.gx.shape, dtype=np.int32)
        open_ = self.inside & (lab == 0)
        free = ndimage.distance_transform_edt(open_) * self.cell > self.band_m
        return lab, open_, free

    def door_window(self, a: np.ndarray, i: int, j: int) -> np.ndarray:
        """The 9 x 9 window of grid array `a` round door cell (i, j), where a door's component is read."""
        return a[max(0, i - 4):i + 5, max(0, j - 4):j + 5]

    def door_label(self, comp: np.ndarray, i: int, j: int) -> int:
        """The component label (of `ndimage.label(free)`) door cell (i, j) opens on: the most common
        one in its window, 0 for none."""
        win = self.door_window(comp, i, j)
        vals = win[win > 0]
        return int(np.bincount(vals).argmax()) if len(vals) else 0

    def check(self, rects: np.ndarray, owners: np.ndarray, seen_from_afar=()) -> tuple[bool, dict]:
        """rects (n, 5) obstacles; owners (n,) int ids of the objects they belong to. Owners in
        `seen_from_afar` (wall items at head height, seen over the furniture under them) narrow the
        walkway like any obstacle but need no viewing spot within reach."""
        lab, _, free = self.walkable(rects)
        comp, _ = ndimage.label(free)
        door_labels = [self.door_label(comp, i, j) for i, j in self.door_cells]
        rep = {"unreachable_doors": sum(v == 0 for v in door_labels), "split_doors": 0, "unviewable": []}
        main = door_labels[0] if door_labels else (int(np.bincount(comp[comp > 0]).argmax()) if comp.max() else 0)
        if main == 0:
            rep["unviewable"] = sorted(set(int(o) for o in owners))
            return False, rep
        rep["split_doors"] = sum(v != main for v in door_labels if v)
        mask = comp == main
        to_main = ndimage.distance_transform_edt(~mask) * self.cell
        bad = set()
        afar = set(int(o) for o in seen_from_afar)
        for k, o in enumerate(owners):
            if int(o) in afar:
                continue
            cells = lab == k + 1
            if not cells.any() or to_main[cells].min() > self.reach + self.r:
                bad.add(int(o))
        rep["unviewable"] = sorted(bad)
        ok = rep["unreachable_doors"] == 0 and rep["split_doors"] == 0 and not bad
        rep["free_area_m2"] = float(mask.sum() * self.cell ** 2)
        return ok, rep
