"""Free-space grid: a passage narrower than a grid cell still connects the grid (planner reachability)."""

import numpy as np
from shapely.geometry import Point, box
from shapely.ops import unary_union

from simgen.cameras.freespace import build_grid, grid_path, segment_free


def _two_pieces(neck: bool):
    """Two 1 m squares 0.2 m apart; with `neck`, joined by a 0.08 m strip that holds no cell centre
    (cells sit at y = 0.55 and 0.65; the strip spans y 0.56-0.64)."""
    parts = [box(0.0, 0.0, 1.0, 1.0), box(1.2, 0.0, 2.2, 1.0)]
    if neck:
        parts.append(box(0.95, 0.56, 1.25, 0.64))
    return unary_union(parts)


def test_neck_narrower_than_a_cell_connects_the_grid():
    free = _two_pieces(neck=True)
    assert free.geom_type == "Polygon"                 # one piece of free space
    g = build_grid(free)
    assert not any(free.contains(Point(x, y))
                   for x in (1.05, 1.15) for y in (0.55, 0.65))      # no cell centre in the gap
    a, b = g.nearest((0.5, 0.5)), g.nearest((1.7, 0.5))
    assert g.component_of(a)[b]
    dist, pred = g.shortest([a])
    path = grid_path(pred[0], a, b)
    pts = g.xy[path]
    # every step of the path stays in free space, and its length is the sum of its steps
    assert all(segment_free(free, p, q, step_m=0.01) for p, q in zip(pts[:-1], pts[1:]))
    assert np.isclose(dist[0, b], np.linalg.norm(np.diff(pts, axis=0), axis=1).sum())


def test_separate_pieces_stay_separate():
    free = _two_pieces(neck=False)
    g = build_grid(free)
    a, b = g.nearest((0.5, 0.5)), g.nearest((1.7, 0.5))
    assert not g.component_of(a)[b]
