"""Pocket fill: an obstacle in a pocket never breaks the walkable-space check, and the rect test marks
exactly the cells NavGrid.raster marks."""

import numpy as np
import pytest
from shapely.geometry import box

from simgen.scenes.geometry import NavGrid
from simgen.scenes.pockets import in_mask, kept_walkway, pocket_mask, rect_reach


def _random_room(rng):
    # a large room with its doors at one end: objects at the far end need viewing branches of their own
    w, h = rng.uniform(7.0, 9.0), rng.uniform(5.0, 6.5)
    doors = [np.array([0.6, h / 2]), np.array([0.6, rng.uniform(0.8, h - 0.8)]), np.array([rng.uniform(1.0, 2.5), 0.6])]
    nav = NavGrid(box(0, 0, w, h), doors, np.zeros((0, 5)), radius_m=0.35)
    rects = []
    for _ in range(200):                       # furniture along the walls and in the middle, kept walkable
        if len(rects) >= 20:
            break
        r = np.array([rng.uniform(0.3, w - 0.3), rng.uniform(0.3, h - 0.3), rng.uniform(0.15, 0.6),
                      rng.uniform(0.15, 0.6), rng.choice([0.0, np.pi / 2, rng.uniform(0, np.pi)])])
        cand = np.array(rects + [r])
        if nav.check(cand, np.arange(len(cand)))[0]:
            rects.append(r)
    return nav, np.array(rects).reshape(-1, 5), (w, h)


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_obstacles_in_pockets_keep_the_room_walkable(seed, shared):
    """Random walkable rooms (7-9 x 5-6.5 m, three doors at one end, up to 20 obstacles); every rect the pocket mask admits is
    placed in turn (mask recomputed after each), half of the tries round the doors, and the full check
    must pass after every one (a kept tree without the objects' viewing spots fails here)."""
    rng = np.random.default_rng(seed)
    nav, rects, (w, h) = _random_room(rng)
    assert nav.check(rects, np.arange(len(rects)))[0]
    placed = 0
    for _ in range(40):                        # fill the pockets: every admitted pose is a candidate
        owners = np.arange(len(rects))
        safe, to_kept = pocket_mask(nav, rects, owners, shared_spurs=shared)
        ii, jj = np.nonzero(safe)
        if not len(ii):
            break
        hx, hy = rng.uniform(0.05, 0.3, 2)
        P = np.column_stack([nav.gx[ii, jj], nav.gy[ii, jj], np.full(len(ii), hx), np.full(len(ii), hy),
                             rng.choice([0.0, np.pi / 2, rng.uniform(0, np.pi)], len(ii))])
        ok = in_mask(nav, safe, P)
        ok[ok] &= rect_reach(nav, to_kept, P[ok]) <= nav.reach + nav.r - nav.cell
        if not ok.any():
            continue
        r = P[rng.choice(np.flatnonzero(ok))][None]
        rects = np.concatenate([rects, r])
        good, rep = nav.check(rects, np.arange(len(rects)))
        assert good, rep
        placed += 1
    assert placed >= 3                         # the test exercised the rule


def test_shared_spurs_keep_less_floor():
    """With shared spurs (any cell within viewing reach is an object's spot) the kept walkway of the random
    rooms above is smaller than with a branch to each object's nearest cell, and never larger than it
    plus a few cells; its pockets hold more floor."""
    kept_n, kept_s, safe_n, safe_s = [], [], [], []
    for seed in range(6):
        nav, rects, _ = _random_room(np.random.default_rng(seed))
        owners = np.arange(len(rects))
        kept_n.append(kept_walkway(nav, rects, owners).sum())
        kept_s.append(kept_walkway(nav, rects, owners, shared_spurs=True).sum())
        safe_n.append(pocket_mask(nav, rects, owners)[0].sum())
        safe_s.append(pocket_mask(nav, rects, owners, shared_spurs=True)[0].sum())
    assert sum(kept_s) < 0.9 * sum(kept_n) and sum(safe_s) > sum(safe_n)
    assert all(s <= n + 5 for s, n in zip(kept_s, kept_n))


def test_pockets_are_floor_the_walkway_does_not_need():
    """A 6 x 4 room, doors mid-left and mid-right, nothing else: the kept walkway is a line from door to
    door, and floor farther than r + half a cell diagonal from it (the strips along the long walls) is
    pocket; the middle band is not."""
    nav = NavGrid(box(0, 0, 6, 4), [np.array([0.6, 2.0]), np.array([5.4, 2.0])], np.zeros((0, 5)), radius_m=0.35)
    kept = kept_walkway(nav, np.zeros((0, 5)), np.zeros(0, int))
    ys = nav.gy[kept]
    assert ys.min() > 1.5 and ys.max() < 2.5          # door windows (+-0.36 m) and the line between them
    safe, _ = pocket_mask(nav, np.zeros((0, 5)), np.zeros(0, int))
    band = nav.r + 0.71 * nav.cell
    assert not safe[(np.abs(nav.gy - 2.0) < band) & (nav.gx > 1.0) & (nav.gx < 5.0)].any()
    assert safe[nav.inside & (nav.gy < 2.0 - band - 0.5) & (nav.gx > 1.5) & (nav.gx < 4.5)].all()


def test_in_mask_matches_the_raster():
    """in_mask(mask, rect) is True exactly when every cell NavGrid.raster marks for the rect is True in
    the mask (random masks and rotated rects)."""
    nav = NavGrid(box(0, 0, 5, 4), [np.array([0.6, 2.0])], np.zeros((0, 5)), radius_m=0.3)
    rng = np.random.default_rng(3)
    n_true = 0
    for _ in range(300):
        mask = rng.random(nav.gx.shape) > 0.02
        r = np.array([[rng.uniform(0.5, 4.5), rng.uniform(0.5, 3.5), rng.uniform(0.05, 0.5),
                       rng.uniform(0.05, 0.5), rng.uniform(0, np.pi)]])
        cells = nav.raster(r) > 0
        want = bool(mask[cells].all())
        assert in_mask(nav, mask, r)[0] == want
        n_true += want
    assert 20 < n_true < 280                            # both answers were exercised


@pytest.mark.slow
def test_pocket_fill_raises_occupancy_and_keeps_every_rule():
    """One extreme living room with and without pocket fill: the floor, wall and ceiling stages are the
    same (pocket fill runs after them), so the room with it has the same layout plus the pocket items:
    more floor covered, no footprint overlap, every item on the floor, the walkable-space check passing
    on the final floor objects, and the items reported as fill; fill small objects keep the room's share
    of small objects on supports within 0.05 of the room without pocket fill."""
    import dataclasses

    from shapely.geometry import Polygon

    from simgen.core.config import IntRange
    from simgen.core.settings import SceneConfig, load_preset
    from simgen.scenes.generate import generate_scene
    from simgen.scenes.geometry import footprint
    from simgen.scenes.placement import door_passages, door_points

    cfg = load_preset("scenes", "extreme", SceneConfig)
    cfg = dataclasses.replace(cfg, rooms=IntRange(1, 1), room_types=("living_room",), settle_s=0.5, pocket_fill=True)
    on = generate_scene(cfg, "a", 3, np.random.default_rng(3), 0.35)
    off = generate_scene(dataclasses.replace(cfg, pocket_fill=False), "b", 3, np.random.default_rng(3), 0.35)
    rep = on.reports["layout"]["rooms"][0]
    pf = rep["pocket_fill"]
    assert "pocket_fill" not in off.reports["layout"]["rooms"][0]
    assert pf["placed"] >= 3 and pf["nav_rejects"] == 0          # the pocket rule predicted every check
    assert 0 < pf["walkway_m2"] < on.rooms[0].area_m2
    occ = lambda s: s.reports["stats"]["rooms"][s.rooms[0].id]["floor_occupancy"]  # noqa: E731
    assert occ(on) > occ(off) + 0.01
    assert rep["fill"]["placed"] >= pf["placed"]
    # fill small objects for the pocket items: the room's share of small objects on supports is kept
    share = lambda s: s.reports["stats"]["rooms"][s.rooms[0].id]["small_on_supports_fraction"]  # noqa: E731
    n_small = lambda s: sum(o.placement == "surface" for o in s.objects)  # noqa: E731
    assert pf["small_fill_tried"] > 0 and n_small(on) > n_small(off)
    assert share(on) >= share(off) - 0.05          # floor fill alone dilutes it
    # ... and never at the cost of requested ones: they are placed first
    placed_surface = lambda s: s.reports["layout"]["rooms"][0]["placed"]["surface"]  # noqa: E731
    assert placed_surface(on) >= placed_surface(off)
    floor = [o for o in on.objects if o.placement == "floor"]
    fps = [footprint(o.asset.extents_m, o.pose[0, 3], o.pose[1, 3], o.yaw) for o in floor]
    for i in range(len(fps)):
        for j in range(i + 1, len(fps)):
            assert fps[i].intersection(fps[j]).area < 1e-4, (floor[i].name, floor[j].name)
    assert on.reports["physics"]["penetrating_pairs"] == 0
    # the walkable-space check on the final floor and low wall objects (as the layout ran it)
    room = on.rooms[0]
    nav = NavGrid(Polygon(room.polygon), door_points(room, on.doors, cfg.wall_thickness_m, 0.35),
                  door_passages(room, on.doors, cfg.wall_thickness_m), 0.35)
    obs = [o for o in on.objects if o.placement == "floor" or (o.placement == "wall" and o.box_corners()[:, 2].min() < 2.05)]
    rects = np.array([[o.pose[0, 3], o.pose[1, 3], o.asset.extents_m[0] / 2, o.asset.extents_m[1] / 2, o.yaw]
                      for o in obs])
    afar = [o.id for o in obs if o.placement == "wall"]
    ok, nrep = nav.check(rects, np.array([o.id for o in obs]), seen_from_afar=afar)
    assert ok, nrep

