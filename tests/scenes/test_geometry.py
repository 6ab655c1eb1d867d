"""Known answers of the layout geometry: SAT depth, point depth, walkable-space grid."""

from types import SimpleNamespace

import numpy as np
from shapely.geometry import box

from simgen.scenes.geometry import NavGrid, point_depth, sat_depth


def test_sat_depth_axis_aligned_known_answers():
    a = np.array([[0.0, 0.0, 0.5, 0.5, 0.0]])
    b = np.array([[0.8, 0.0, 0.5, 0.5, 0.0], [1.3, 0.0, 0.5, 0.5, 0.0], [0.0, 0.9, 0.5, 0.5, np.pi / 2]])
    d = sat_depth(a, b)[0]
    assert np.allclose(d, [0.2, -0.3, 0.1])


def test_sat_depth_rotated_square_touches_at_corner():
    # a unit square rotated 45° has half-diagonal 0.7071: centred 1.2071 away it just touches
    a = np.array([[0.0, 0.0, 0.5, 0.5, 0.0]])
    b = np.array([[0.5 + np.sqrt(0.5), 0.0, 0.5, 0.5, np.pi / 4]])
    assert abs(sat_depth(a, b)[0, 0]) < 1e-9


def test_point_depth():
    r = np.array([[1.0, 1.0, 0.5, 0.25, 0.0]])
    d = point_depth(np.array([[1.0, 1.0], [1.4, 1.0], [2.0, 1.0]]), r)[:, 0]
    assert np.allclose(d, [0.25, 0.1, -0.5])


def _room_grid():
    poly = box(0, 0, 6, 4)
    doors = [np.array([0.6, 2.0]), np.array([5.4, 2.0])]
    return NavGrid(poly, doors, np.zeros((0, 5)), radius_m=0.3)


def test_nav_open_room_connects_doors():
    ok, rep = _room_grid().check(np.array([[3.0, 0.5, 0.4, 0.3, 0.0]]), np.array([7]))
    assert ok and rep["unreachable_doors"] == 0 and rep["unviewable"] == []


def test_nav_blocking_wall_of_furniture_splits_room():
    # a 0.4 m thick barrier across the whole room (x = 3) separates the two doors
    ok, rep = _room_grid().check(np.array([[3.0, 2.0, 0.2, 2.0, 0.0]]), np.array([1]))
    assert not ok and rep["split_doors"] + rep["unreachable_doors"] >= 1


def test_nav_gap_narrower_than_agent_blocks():
    # two blocks leave a 0.5 m gap: an agent of radius 0.3 needs 0.6 m (+ grid margin)
    rects = np.array([[3.0, 0.875, 0.2, 0.875, 0.0], [3.0, 3.125, 0.2, 0.875, 0.0]])
    ok, _ = _room_grid().check(rects, np.array([1, 2]))
    assert not ok
    rects = np.array([[3.0, 0.5, 0.2, 0.5, 0.0], [3.0, 3.5, 0.2, 0.5, 0.0]])   # 2 m gap
    ok, _ = _room_grid().check(rects, np.array([1, 2]))
    assert ok


def test_nav_fixed_features_narrow_the_walkway():
    """A 0.9 m wide, 0.1 m deep radiator on the wall under a 1.2 m gap (the gap's y 0-1.2 m, a block
    above it) leaves 1.1 m: enough for radius 0.3. The same radiator as a fixed feature, against a block
    that leaves 0.75 m, closes it (0.75 - 0.1 < 0.6 + grid margin), as the camera's free space would."""
    block = np.array([[3.0, 2.8, 0.2, 1.6, 0.0]])                      # y 1.2 .. 4.4: gap y 0 .. 1.2
    rad = np.array([[3.0, 0.05, 0.45, 0.05, 0.0]])                     # y 0 .. 0.1
    ok, _ = _room_grid().check(block, np.array([1]))
    assert ok
    g = NavGrid(box(0, 0, 6, 4), [np.array([0.6, 2.0]), np.array([5.4, 2.0])], np.zeros((0, 5)), radius_m=0.3,
                fixed_rects=rad)
    assert g.check(block, np.array([1]))[0]
    narrow = np.array([[3.0, 2.375, 0.2, 1.625, 0.0]])                 # gap y 0 .. 0.75
    assert _room_grid().check(narrow, np.array([1]))[0]
    assert not g.check(narrow, np.array([1]))[0]


def test_nav_wall_item_over_furniture_is_seen_from_afar():
    """A frame on the wall (y = 4) above a 4 m x 2 m block of furniture is 2 m from the nearest walkable
    cell: as a floor object it would have no viewing spot within reach (1.2 m + radius), but a wall item
    at head height is seen over the furniture, so `seen_from_afar` waives that; a shelf that closes the
    walkway still fails."""
    bed = [3.0, 3.0, 2.0, 1.0, 0.0]                                     # x 1..5, y 2..4
    frame = [3.0, 3.98, 0.4, 0.02, 0.0]                                 # flush on the wall above the bed
    rects, owners = np.array([bed, frame]), np.array([1, 2])
    ok, rep = _room_grid().check(rects, owners)
    assert not ok and rep["unviewable"] == [2]
    ok, rep = _room_grid().check(rects, owners, seen_from_afar=[2])
    assert ok and rep["unviewable"] == []
    block = [3.0, 2.65, 0.2, 1.75, 0.0]                                 # leaves y 0 .. 0.9 open
    assert _room_grid().check(np.array([block]), np.array([1]))[0]
    shelf = [3.0, 0.15, 0.5, 0.15, 0.0]                                 # 0.3 m deep on the wall y = 0
    ok, rep = _room_grid().check(np.array([block, shelf]), np.array([1, 2]), seen_from_afar=[2])
    assert not ok and rep["split_doors"] + rep["unreachable_doors"] >= 1


def test_wall_items_at_head_height_keep_the_walkway():
    """Wall items mounted below the carrier's head room (fill.HEAD_CLEARANCE_M: a shelf at 1.0-1.8 m) are
    placed only where the walkable-space check holds with them: a check that always fails drops the
    shelf, one that holds places it, and the check sees the shelf's own floor rect."""
    from simgen.scenes.fill import HEAD_CLEARANCE_M, place_wall_items

    class _Budget:
        def spend(self, n):
            return None

    item = SimpleNamespace(key=5, category="shelf", placement="wall",
                           asset=SimpleNamespace(extents_m=(0.3, 1.0, 0.25)))     # depth, width, height
    room = SimpleNamespace(id="r", height_m=2.6)
    seen = []

    def check(result):
        def nav_check(wall_boxes):
            seen.append([b.key for b in wall_boxes])
            return result
        return nav_check

    poses, dropped, _ = place_wall_items([item], room, box(0, 0, 6, 4), [], [], check(False),
                                         np.random.default_rng(0), {}, _Budget())
    assert poses == {} and dropped == [5] and seen and all(k == [5] for k in seen)
    poses, dropped, boxes = place_wall_items([item], room, box(0, 0, 6, 4), [], [], check(True),
                                             np.random.default_rng(0), {}, _Budget())
    assert list(poses) == [5] and dropped == [] and boxes[0].z0 < HEAD_CLEARANCE_M


def test_box_corners_known_answer():
    """PlacedObject.box_corners: asset bounds [-0.5,0.5]x[-0.25,0.25]x[0,1] turned 90° about z and moved
    to (2, 3, 0.1) span x 1.75..2.25, y 2.5..3.5, z 0.1..1.1; an explicit pose overrides the object's."""
    import trimesh

    from simgen.scenes.model import PlacedObject

    class _Asset:
        def mesh(self):
            return trimesh.creation.box(bounds=[[-0.5, -0.25, 0.0], [0.5, 0.25, 1.0]])

    P = np.eye(4)
    P[:3, :3] = [[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    P[:3, 3] = [2.0, 3.0, 0.1]
    o = PlacedObject(1, "box_1", _Asset(), P, "room_0", "floor", None)
    c = o.box_corners()
    assert c.shape == (8, 3)
    assert np.allclose(c.min(axis=0), [1.75, 2.5, 0.1]) and np.allclose(c.max(axis=0), [2.25, 3.5, 1.1])
    assert np.allclose(o.box_corners(np.eye(4)).min(axis=0), [-0.5, -0.25, 0.0])
