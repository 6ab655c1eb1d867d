"""Per-frame records and pair distances: the batched code gives the values of the per-object code
it replaced, bit for bit (frames.jsonl and scene.json bytes depend on it)."""

import itertools

import numpy as np

from simgen.annotate import geometry as geo
from simgen.annotate.frames import amodal_box, amodal_boxes, frame_record, obb_corners
from simgen.core.transforms import intrinsics_from_hfov, look_at_cv, project_points


def _amodal_box_reference(K, cam_to_world, corners, width, height):
    """The per-object amodal box as frames.py computed it before it was batched."""
    uv, z = project_points(K, cam_to_world, corners)
    front = z > 1e-6
    inside = front & (uv[:, 0] >= 0) & (uv[:, 0] <= width) & (uv[:, 1] >= 0) & (uv[:, 1] <= height)
    frac_inside = float(inside.mean())
    if not front.any():
        return None, frac_inside, True
    p = uv[front]
    x0, y0 = np.clip(p.min(axis=0), 0, [width, height])
    x1, y1 = np.clip(p.max(axis=0), 0, [width, height])
    box = None if (x1 <= x0 or y1 <= y0) else [float(x0), float(y0), float(x1), float(y1)]
    return box, frac_inside, bool((~front).any())


def _random_obbs(rng, n):
    obbs = {}
    for i in range(1, n + 1):
        yaw = rng.uniform(-np.pi, np.pi)
        R = np.array([[np.cos(yaw), -np.sin(yaw), 0], [np.sin(yaw), np.cos(yaw), 0], [0, 0, 1]])
        obbs[i] = {"center": rng.uniform([-4, -4, 0], [4, 4, 2]), "extents": rng.uniform(0.05, 1.5, 3),
                   "rotation": R}
    return obbs


def test_amodal_boxes_equal_one_object_at_a_time(rng):
    W, H = 640, 480
    K = intrinsics_from_hfov(W, H, 70.0)
    obbs = _random_obbs(rng, 60)   # around the camera: boxes inside, truncated, partly and wholly behind
    corners = np.stack([obb_corners(o) for o in obbs.values()])
    for eye in rng.uniform([-3, -3, 1.4], [3, 3, 1.7], (20, 3)):
        pose = look_at_cv(eye, eye + np.append(rng.normal(size=2), -0.3))
        boxes, fracs, behind = amodal_boxes(K, pose, corners, W, H)
        for k, c in enumerate(corners):
            ref = _amodal_box_reference(K, pose, c, W, H)
            assert (boxes[k], float(fracs[k]), bool(behind[k])) == ref
            assert amodal_box(K, pose, c, W, H) == ref
    assert any(b is None for b in boxes) and any(b is not None for b in boxes)


def test_frame_record_with_scene_corners_is_the_same_record(rng):
    W, H = 64, 48
    K = intrinsics_from_hfov(W, H, 70.0)
    obbs = _random_obbs(rng, 8)
    inst = rng.integers(0, 12, (H, W)).astype(np.uint16)   # ids 9..11: structures (not in obbs)
    pose = look_at_cv(np.array([0.0, -5.0, 1.6]), np.array([0.0, 0.0, 0.8]))
    solo = {i: 400 for i in obbs}
    corners = {i: obb_corners(o) for i, o in obbs.items()}
    a = frame_record(3, inst, solo, K, pose, obbs)
    b = frame_record(3, inst, solo, K, pose, obbs, corners=corners)
    assert repr(a) == repr(b)
    assert [o["id"] for o in a["objects"]] == list(range(1, 9))


def test_row_norms_bit_identical_to_linalg_norm(rng):
    v = np.maximum(rng.normal(size=(5000, 3)) * rng.choice([1e-3, 1.0, 30.0], (5000, 1)), 0)
    assert np.array_equal(geo.row_norms(v), np.array([np.linalg.norm(x) for x in v]))


def _closest_distance_reference(a, b):
    """closest_distance as it was before the part-pair gaps were batched."""
    pa, pb = geo.object_parts(a), geo.object_parts(b)
    best = np.inf
    boxes_a = [(p.min(0), p.max(0)) for p in pa]
    boxes_b = [(p.min(0), p.max(0)) for p in pb]
    pairs = []
    for i, (la, ha) in enumerate(boxes_a):
        for j, (lb, hb) in enumerate(boxes_b):
            pairs.append((float(np.linalg.norm(np.maximum(0, np.maximum(la - hb, lb - ha)))), i, j))
    for gap, i, j in sorted(pairs):
        if gap >= best:
            break
        best = min(best, geo.convex_distance(pa[i], pb[j]))
        if best == 0.0:
            break
    return float(best)


def test_closest_distance_equals_reference_on_multi_part_objects(rng):
    objs = []
    for _ in range(8):
        base = rng.uniform(-1, 1, 3)
        parts = [(base + rng.uniform(-0.4, 0.4, 3) + rng.uniform(-0.15, 0.15, (int(rng.integers(4, 12)), 3))).tolist()
                 for _ in range(int(rng.integers(1, 5)))]
        objs.append({"convex_parts": parts})
    for a, b in itertools.combinations(objs, 2):
        assert geo.closest_distance(a, b) == _closest_distance_reference(a, b)
