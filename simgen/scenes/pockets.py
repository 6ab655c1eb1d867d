"""Pocket fill: floor items tucked into floor that the walkway does not need.

`geometry.NavGrid.check` passes when the walkable cells (centres farther than the carrier's radius r,
plus half a cell diagonal, from every obstacle) connect every door and come within reach of every
object. Only some of those cells are needed for that: a shortest-path tree over them from the first door
to the other doors and to each object's nearest walkable cell (`kept_walkway`). Floor farther than
r + half a cell diagonal from every kept cell is a **pocket**: the corner behind an armchair, the gap
between a wardrobe and a dresser, open floor off the route. An obstacle there leaves every kept cell
walkable, so the doors stay connected and every object keeps its viewing spot.

A preset with `pocket_fill = true` (off in the shipped presets: `--set scene.pocket_fill=true`) uses this
to approach its floor-occupancy draw after every requested item is placed: small and wall-side floor
items of the room's categories are drawn, larger first, and put in pockets (wall-side ones with their back
on a wall), snuggest pose first, until the room's footprints reach its `floor_occupancy` draw or nothing
more fits; each placement is confirmed by the full check. They are fill: best effort, reported apart
from the requested items. The report also gives the floor the kept walkway takes with its band
(`walkway_m2`): no layout that keeps this walkway can cover more than the rest of the floor.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from simgen.scenes.geometry import corners

# categories that may be tucked into a pocket (the room's own categories only); the big pieces that
# anchor a room's layout (beds, sofas, tables, counters, appliances) are never fill
POCKET_CATEGORIES = ("armchair", "backpack", "bench", "bookshelf", "box", "cabinet", "chair", "dresser",
                     "floor_lamp", "potted_plant", "side_table", "stool", "trash_can")
POCKET_MARGIN_M = 1e-6        # numerical slack: pocket cells are exactly those NavGrid.check leaves walkable
MAX_ATTEMPTS = 80             # item draws per room
NAV_TRIES = 4                 # walkable-space checks per drawn item (snuggest poses first)


def kept_walkway(nav, rects: np.ndarray, owners, afar=(), shared_spurs: bool = False) -> np.ndarray:
    """(ny, nx) bool: the walkable cells that must stay walkable for NavGrid.check to keep passing.

    A shortest-path tree (4-connected, as the check labels components) over the walkable component of
    the first door, from that door to every other door and to a viewing spot of every obstacle rect (its
    owner not in `afar`). Every cell of that component in the 9 x 9 windows round the door cells (where
    the check reads which component a door opens on) is a target too, so a door's window cannot come to
    hold more of another component.

    The viewing spot: with shared_spurs=False the walkable cell nearest to the rect, each reached by its
    own branch. With shared_spurs=True any cell of the component within the check's reach of the rect
    (view_reach_m + the radius from one of its cells) will do: objects the tree already passes within
    reach of need no branch, and the others are joined greedily, the one nearest to the tree first, at
    their spot nearest to it (a greedy Steiner tree over the spot sets)."""
    return _kept(nav, *nav.walkable(rects)[::2], owners, afar, shared_spurs)


def _kept(nav, lab: np.ndarray, free: np.ndarray, owners, afar, shared_spurs: bool = False) -> np.ndarray:
    """kept_walkway from the grid's label raster and walkable cells (NavGrid.walkable)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    if not nav.door_cells:
        return free
    comp, _ = ndimage.label(free)
    first = nav.door_label(comp, *nav.door_cells[0])
    if not first:
        return free
    main = comp == first
    # graph over the main component's cells
    idx = -np.ones(free.shape, dtype=np.int64)
    cells = np.flatnonzero(main.ravel())
    idx.ravel()[cells] = np.arange(len(cells))
    a, b = [], []
    for di, dj in ((0, 1), (1, 0)):
        A = idx[: idx.shape[0] - di, : idx.shape[1] - dj]
        B = idx[di:, dj:]
        m = (A >= 0) & (B >= 0)
        a.append(A[m])
        b.append(B[m])
    a, b = np.concatenate(a), np.concatenate(b)
    g = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(cells), len(cells))).tocsr()
    d_main, near = ndimage.distance_transform_edt(~main, return_indices=True)   # nearest main cell of each cell
    src = idx[tuple(near[:, nav.door_cells[0][0], nav.door_cells[0][1]])]
    _, pred = dijkstra(g, directed=False, indices=int(src), return_predecessors=True, unweighted=True)
    targets = set()
    for i, j in nav.door_cells:            # a door's window stays on one component: all of its main cells
        targets.add(int(idx[tuple(near[:, i, j])]))
        w = nav.door_window(idx, i, j)
        targets.update(int(t) for t in w[w >= 0])
    afar = set(int(o) for o in afar)
    keep = np.zeros(free.shape, bool)
    flat = keep.ravel()

    def add_path(t, pred_):
        while t >= 0 and not flat[cells[t]]:
            flat[cells[t]] = True
            t = int(pred_[t])

    if not shared_spurs:
        for k, o in enumerate(np.asarray(owners).reshape(-1)):
            if int(o) in afar:
                continue
            ii, jj = np.nonzero(lab == k + 1)
            if len(ii) == 0:
                continue
            t = int(np.argmin(d_main[ii, jj]))
            targets.add(int(idx[near[0, ii[t], jj[t]], near[1, ii[t], jj[t]]]))
        for t in targets:
            add_path(t, pred)
        return keep
    for t in targets:
        add_path(t, pred)
    # every owner's viewing spots: the main cells within the check's reach of one of its cells
    reach = nav.reach + nav.r
    spots = []
    for k, o in enumerate(np.asarray(owners).reshape(-1)):
        if int(o) in afar:
            continue
        cells_k = lab == k + 1
        if not cells_k.any():
            continue
        d = ndimage.distance_transform_edt(~cells_k) * nav.cell
        sp = idx[(d <= reach) & main]
        sp = sp[sp >= 0]
        if len(sp):
            spots.append(sp)
    while spots:
        tree = np.flatnonzero(flat[cells])
        spots = [sp for sp in spots if not flat[cells[sp]].any()]
        if not spots:
            break
        dist, pred_t = dijkstra(g, directed=False, indices=tree, return_predecessors=True, unweighted=True,
                                min_only=True)[:2]
        best = min(range(len(spots)), key=lambda i: (float(dist[spots[i]].min()), i))
        sp = spots[best]
        t = int(sp[np.argmin(dist[sp])])
        if not np.isfinite(dist[t]):
            spots.pop(best)
            continue
        add_path(t, pred_t)
    return keep


def pocket_mask(nav, rects: np.ndarray, owners=None, afar=(), shared_spurs: bool = False
                ) -> tuple[np.ndarray, np.ndarray]:
    """(safe, to_kept) on nav's grid for the obstacle rects (n, 5) of `owners`: safe = open floor cells
    farther from every kept walkway cell (`kept_walkway`) than NavGrid.band_m (the radius plus half a
    cell diagonal), so that marking them leaves every kept cell walkable: the doors stay connected and
    every object keeps its viewing spot. to_kept = distance (m) of each cell to the kept walkway (a new
    object needs a viewing spot on it). shared_spurs: see kept_walkway."""
    owners = np.arange(len(rects)) if owners is None else owners
    lab, open_, free = nav.walkable(rects)
    kept = _kept(nav, lab, free, owners, afar, shared_spurs)
    if not kept.any():
        return np.zeros(kept.shape, bool), np.full(kept.shape, np.inf)
    d_kept = ndimage.distance_transform_edt(~kept) * nav.cell
    safe = open_ & (d_kept > nav.band_m + POCKET_MARGIN_M)
    return safe, d_kept


def in_mask(nav, mask: np.ndarray, rects: np.ndarray) -> np.ndarray:
    """(N,) whether every grid cell whose centre lies in a rect (N, 5) (the cells `nav.raster` would
    mark) is True in `mask`; cells off the grid count as False."""
    n = len(rects)
    if n == 0:
        return np.zeros(0, bool)
    half = np.hypot(rects[:, 2], rects[:, 3])
    k = int(np.ceil(2 * half.max() / nav.cell)) + 2
    j0 = np.floor((rects[:, 0] - half - nav.x0) / nav.cell).astype(int)
    i0 = np.floor((rects[:, 1] - half - nav.y0) / nav.cell).astype(int)
    dj, di = np.meshgrid(np.arange(k), np.arange(k))
    J = j0[:, None] + dj.ravel()[None, :]                    # (N, k*k) window cells
    I = i0[:, None] + di.ravel()[None, :]
    x = nav.x0 + (J + 0.5) * nav.cell - rects[:, 0:1]
    y = nav.y0 + (I + 0.5) * nav.cell - rects[:, 1:2]
    c, s = np.cos(rects[:, 4:5]), np.sin(rects[:, 4:5])
    covered = (np.abs(x * c + y * s) <= rects[:, 2:3]) & (np.abs(-x * s + y * c) <= rects[:, 3:4])
    on = (I >= 0) & (I < mask.shape[0]) & (J >= 0) & (J < mask.shape[1])
    good = np.zeros(I.shape, bool)
    good[on] = mask[I[on], J[on]]
    return ~(covered & ~good).any(axis=1)


def rect_reach(nav, to_kept: np.ndarray, rects: np.ndarray) -> np.ndarray:
    """(N,) distance (m) from the walkable component to the nearest corner or centre of each rect:
    a rect farther than the viewing reach has no viewing spot (NavGrid.check decides exactly)."""
    pts = np.concatenate([corners(rects), rects[:, None, :2]], axis=1)      # (N, 5, 2)
    j = np.clip(((pts[..., 0] - nav.x0) / nav.cell).astype(int), 0, to_kept.shape[1] - 1)
    i = np.clip(((pts[..., 1] - nav.y0) / nav.cell).astype(int), 0, to_kept.shape[0] - 1)
    return to_kept[i, j].min(axis=1)


def pocket_poses(nav, room: np.ndarray, ext, yaw0: float = 0.0) -> np.ndarray:
    """(N, 3) poses (x, y, yaw) for an item of extents `ext` in the pockets: every pocket cell with room
    for the item's narrow side (`room`: each pocket cell's distance to the nearest non-pocket cell, m; a
    necessary condition: the cells within min(half extents) of the centre lie in the rect), on a half-cell
    lattice, at yaw0 and its 3 right-angle turns."""
    ii, jj = np.nonzero(room >= min(ext[0], ext[1]) / 2 - 0.71 * nav.cell)
    xs = nav.x0 + (jj + 0.5) * nav.cell
    ys = nav.y0 + (ii + 0.5) * nav.cell
    h = nav.cell / 2
    xy = np.concatenate([np.column_stack([xs + dx, ys + dy]) for dx, dy in ((0, 0), (h, 0), (0, h), (h, h))])
    return np.column_stack([np.repeat(xy, 4, axis=0), np.tile(yaw0 + np.arange(4) * np.pi / 2, len(xy))])


def fill_pockets(prob, nav, pool: list[str], size_of, counts: dict, max_duplicates: int, draw, obstacles: dict,
                 target_m2: float, used_m2: float, rng: np.random.Generator, gap_m: float,
                 wall_side: set) -> tuple[list[tuple], dict]:
    """Place fill items in the room's pockets until the floor footprints reach target_m2.

    pool: candidate categories; size_of(cat) -> mid-range footprint (m^2), larger categories are tried
    first; counts: {category: instances in the room so far} (max_duplicates + 1 each at most);
    draw(cat) -> asset or None (a variant that stands alone); obstacles: "nav" (n, 5) rects and
    "owners" (n,) of the walkable-space check with "afar" (owners that need no viewing spot), "hard"
    (m, 5) floor rects and clearances kept free, "boxes" (simgen.scenes.fill.Box list, 3-D tests
    against wall, ceiling and small items); wall_side: categories placed with their back on a wall.
    Returns ([(category, asset, x, y, yaw)], report)."""
    from simgen.scenes.fill import collides_many
    from simgen.scenes.scan import _world_rects, candidate_states, feasible
    from simgen.scenes.solver import Unit

    nav_R = np.asarray(obstacles["nav"], float).reshape(-1, 5)
    owners = list(np.asarray(obstacles["owners"], int))
    afar = list(obstacles.get("afar", ()))
    hard = np.asarray(obstacles["hard"], float).reshape(-1, 5)
    boxes = list(obstacles.get("boxes", ()))
    safe, to_kept = pocket_mask(nav, nav_R, owners, afar, shared_spurs=True)
    room = ndimage.distance_transform_edt(safe) * nav.cell      # free room round each pocket cell
    rep = {"pocket_m2": round(float(safe.sum() * nav.cell ** 2), 3), "target_m2": round(float(target_m2), 3),
           "draws": 0, "nav_checks": 0, "nav_rejects": 0, "placed": 0}
    out: list[tuple] = []
    failed: dict = {}
    counts = dict(counts)
    reach = nav.reach + nav.r
    while used_m2 < target_m2 and rep["draws"] < MAX_ATTEMPTS and safe.any():
        opts = [c for c in pool if counts.get(c, 0) <= max_duplicates and failed.get(c, 0) < 2]
        if not opts:
            break
        opts = sorted(opts, key=lambda c: (-size_of(c), c))[:3]
        cat = opts[int(rng.integers(len(opts)))]
        rep["draws"] += 1
        asset = draw(cat)
        if asset is None:
            failed[cat] = 2
            continue
        ext = np.asarray(asset.extents_m, float)
        u = Unit(idx=-1, keys=[-1], local=np.array([[0.0, 0.0, ext[0] / 2, ext[1] / 2, 0.0]]),
                 heights=np.array([ext[2]]), wall=cat in wall_side, clear=np.zeros((0, 5)), categories=[cat])
        if u.wall:
            _, P = candidate_states(prob, u, rng)
        else:
            P = pocket_poses(nav, room, ext)
        placed_ok = False
        if len(P):
            W = _world_rects(u, P)[:, 0, :]
            keep = in_mask(nav, safe, W)
            keep[keep] &= rect_reach(nav, to_kept, W[keep]) <= reach - nav.cell
            idx, snug = np.flatnonzero(keep), np.zeros(0)
            if len(idx):
                ok, snug = feasible(prob, u, P[idx], hard, gap_m)
                idx, snug = idx[ok], snug[ok]
            if len(idx) and boxes:
                hit = collides_many(W[idx], np.zeros(len(idx)), np.full(len(idx), ext[2]), boxes, gap_m)
                idx, snug = idx[~hit], snug[~hit]
            order = idx[np.argsort(snug + rng.uniform(0, 0.02, len(idx)), kind="stable")]
            for j in order[:NAV_TRIES]:
                rep["nav_checks"] += 1
                R = np.concatenate([nav_R, W[j][None]])
                own = owners + [-1 - len(out)]
                if nav.check(R, np.array(own), seen_from_afar=afar)[0]:
                    nav_R, owners = R, own
                    hard = np.concatenate([hard, W[j][None]])
                    out.append((cat, asset, float(P[j, 0]), float(P[j, 1]), float(P[j, 2])))
                    used_m2 += float(ext[0] * ext[1])
                    counts[cat] = counts.get(cat, 0) + 1
                    safe, to_kept = pocket_mask(nav, nav_R, owners, afar, shared_spurs=True)
                    room = ndimage.distance_transform_edt(safe) * nav.cell
                    placed_ok = True
                    break
                rep["nav_rejects"] += 1
        if not placed_ok:
            failed[cat] = failed.get(cat, 0) + 1
    kept = kept_walkway(nav, nav_R, owners, afar, shared_spurs=True)
    band = nav.inside & (ndimage.distance_transform_edt(~kept) * nav.cell <= nav.band_m) if kept.any() else nav.inside
    rep["walkway_m2"] = round(float(band.sum() * nav.cell ** 2), 3)
    rep["placed"] = len(out)
    rep["achieved_m2"] = round(float(used_m2), 3)
    rep["given_up"] = sorted(c for c, n in failed.items() if n >= 2)
    rep["stopped"] = ("target" if used_m2 >= target_m2 else "no pocket" if not safe.any() else
                      "draws" if rep["draws"] >= MAX_ATTEMPTS else "categories")
    return out, rep
