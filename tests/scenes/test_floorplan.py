"""Floorplan invariants over many seeds: disjoint rooms, connected door graph, entrance, windows."""

import numpy as np
import pytest
from shapely.geometry import Point, Polygon

from simgen.scenes.floorplan import make_floorplan

TYPES = ["living_room", "bedroom", "kitchen", "bathroom", "office", "hallway"]


@pytest.mark.parametrize("seed", range(12))
def test_floorplan_invariants(seed):
    n = 1 + seed % 6
    rng = np.random.default_rng(seed)
    rooms, doors, windows, structures, _, rep = make_floorplan(
        TYPES[:n], [18.0] * n, 1.3, 2.7, 0.12, 0.9, 0.5, 0.3, (1, 2), rng)
    polys = [Polygon(r.polygon) for r in rooms]
    assert len(rooms) == n and all(p.is_valid and p.exterior.is_ccw for p in polys)
    for i in range(n):
        for j in range(i + 1, n):
            assert polys[i].intersection(polys[j]).area < 1e-9
            assert polys[i].distance(polys[j]) >= 0.12 - 1e-6          # a wall between them
    # door graph connected; every door centre lies on the wall between its rooms
    adj = {r.id: set() for r in rooms}
    for d in doors:
        if len(d.rooms) == 2:
            adj[d.rooms[0]].add(d.rooms[1])
            adj[d.rooms[1]].add(d.rooms[0])
        for rid in d.rooms:
            p = polys[int(rid.split("_")[1])]
            assert p.exterior.distance(Point(d.center)) == pytest.approx(0.06, abs=1e-6)
            n_in = np.array(d.normal) if rid == d.rooms[0] else -np.array(d.normal)
            assert p.contains(Point(*(np.array(d.center) + 0.3 * n_in)))
    seen, todo = set(), ["room_0"]
    while todo:
        r = todo.pop()
        if r not in seen:
            seen.add(r)
            todo += list(adj[r])
    assert len(seen) == n
    assert sum(d.entrance for d in doors) == 1
    for w in windows:                      # windows on exterior walls: outside of the wall is outdoors
        out = np.array(w.center) - np.array(w.normal) * 0.3
        assert not any(p.contains(Point(*out)) for p in polys)
        assert 0.7 <= w.sill_m <= 1.5 and w.sill_m + w.height_m < 2.7
    assert {s.kind for s in structures} >= {"wall", "floor", "ceiling", "door"}


def test_floorplan_deterministic():
    a = make_floorplan(TYPES[:4], [18.0] * 4, 1.2, 2.6, 0.12, 0.9, 0.5, 0.3, (1, 2), np.random.default_rng(5))
    b = make_floorplan(TYPES[:4], [18.0] * 4, 1.2, 2.6, 0.12, 0.9, 0.5, 0.3, (1, 2), np.random.default_rng(5))
    assert a[0] == b[0] and a[1] == b[1] and a[2] == b[2]
