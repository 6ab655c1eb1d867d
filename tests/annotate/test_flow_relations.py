"""Optical flow from depth and poses (known answers), and geometric relation facts."""

import numpy as np
import pytest

from simgen.annotate.flow import flow_from_depth
from simgen.annotate.relations import object_relations

from .fixtures import box_object


def test_flow_of_sideways_translation_is_f_tx_over_z():
    K = np.array([[100.0, 0, 32], [0, 100.0, 24], [0, 0, 1]])
    depth = np.full((48, 64), 2.0)
    Ti = np.eye(4)
    Tj = np.eye(4)
    Tj[0, 3] = 0.1                     # camera moves 0.1 m right: the scene moves left by f*0.1/2 = 5 px
    f = flow_from_depth(depth, K, Ti, Tj)
    assert f.dtype == np.float32 and f.shape == (48, 64, 2)
    assert np.allclose(f[..., 0], -5.0, atol=1e-4) and np.allclose(f[..., 1], 0.0, atol=1e-4)
    depth[0, 0] = 0
    assert np.isnan(flow_from_depth(depth, K, Ti, Tj)[0, 0]).all()


def test_relations_on_near_above_and_object_frame():
    table = box_object(1, "table", [0, 0, 0.4], [1, 1, 0.8])
    cup = box_object(2, "cup", [0, 0, 0.85], [0.1, 0.1, 0.1], placement="surface", support=1)
    rug = box_object(3, "rug", [0, 0, 0.005], [2, 2, 0.01])
    chair = box_object(4, "chair", [0, 1.0, 0.5], [0.4, 0.4, 1.0])      # left of the table's +x front
    scene = {"rooms": [{"id": "room_0", "polygon": [[-3, -3], [3, -3], [3, 3], [-3, 3]]}],
             "objects": [table, cup, rug, chair]}
    facts = object_relations(scene)

    def has(t, s, o):
        return any(f["type"] == t and f["subject"] == s and f.get("object") == o for f in facts)

    assert has("on", 2, 1) and has("supports", 1, 2)
    assert has("above", 2, 1) and has("below", 1, 2)
    assert has("under", 3, 1) and not has("under", 1, 2)      # the cup rests on the table: not "under"
    near = [f for f in facts if f["type"] == "near" and {f["subject"], f["object"]} == {1, 4}]
    assert near and near[0]["distance_m"] == pytest.approx(0.3)
    assert has("left_of", 4, 1)
    assert all(any(f["type"] == "in_room" and f["subject"] == o for f in facts) for o in (1, 2, 3, 4))


def test_flow_of_forward_motion_and_rotation_match_analytic():
    K = np.array([[80.0, 0, 40], [0, 80.0, 30], [0, 0, 1]])
    depth = np.full((60, 80), 4.0)                       # a fronto-parallel wall 4 m away
    Ti = np.eye(4)
    Tj = np.eye(4)
    Tj[2, 3] = 1.0                                       # 1 m forward: x' = f X / (Z - 1), so (u - cx) * 4/3
    f = flow_from_depth(depth, K, Ti, Tj)
    u = np.arange(80) + 0.5
    assert np.allclose(f[10, :, 0], (u - 40) * (4 / 3 - 1), atol=1e-3)
    # pure yaw by a: every pixel moves like a rotation-only homography, independent of depth
    a = np.radians(5.0)
    Tr = np.eye(4)
    Tr[:3, :3] = [[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]]
    f1 = flow_from_depth(depth, K, Ti, Tr)
    f2 = flow_from_depth(depth * 3, K, Ti, Tr)
    assert np.allclose(f1, f2, atol=1e-3)
    assert abs(f1[30, 40, 0] - (-80 * np.tan(a))) < 0.05   # the centre pixel slides by f tan(a) to the left


def test_flow_of_a_moving_object_uses_its_motion():
    K = np.array([[100.0, 0, 32], [0, 100.0, 24], [0, 0, 1]])
    depth = np.full((48, 64), 2.0)
    inst = np.zeros((48, 64), dtype=np.uint16)
    inst[10:20, 10:20] = 7
    M = np.eye(4)
    M[0, 3] = 0.2                                        # the object moves 0.2 m to the right, camera still
    f = flow_from_depth(depth, K, np.eye(4), np.eye(4), instance=inst, object_motion={7: M})
    assert np.allclose(f[10:20, 10:20, 0], 10.0, atol=1e-4)   # f * 0.2 / 2 = 10 px
    assert np.allclose(np.delete(f.reshape(-1, 2), np.flatnonzero(inst.reshape(-1) == 7), axis=0), 0, atol=1e-4)


def test_flow_png_round_trip_and_writer(tmp_path):
    from PIL import Image

    from simgen.annotate.flow import FlowWriter, encode_flow, read_flow_png, write_flow_png

    rng = np.random.default_rng(0)
    flow = rng.uniform(-300, 300, size=(30, 40, 2)).astype(np.float32)
    flow[3, 4] = np.nan
    flow[5, 6, 0] = 600.0                               # beyond the format's range: invalid
    write_flow_png(tmp_path / "f.png", flow)
    got = read_flow_png(tmp_path / "f.png")
    ok = np.isfinite(got).all(-1)
    assert not ok[3, 4] and not ok[5, 6] and ok.sum() == 30 * 40 - 2
    assert np.abs(got[ok] - flow[ok]).max() <= 0.5 / 64 + 1e-6
    with Image.open(tmp_path / "f.png") as im:           # an independent decoder (PIL keeps the high bytes)
        assert im.size == (40, 30)
        assert np.array_equal(np.asarray(im), (encode_flow(flow) >> 8).astype(np.uint8))
    a = (tmp_path / "f.png").read_bytes()
    write_flow_png(tmp_path / "g.png", flow)
    assert (tmp_path / "g.png").read_bytes() == a        # deterministic bytes
    K = np.array([[100.0, 0, 32], [0, 100.0, 24], [0, 0, 1]])
    w = FlowWriter(tmp_path, K)
    for t in range(3):
        T = np.eye(4)
        T[0, 3] = 0.1 * t
        w.add(t, np.full((48, 64), 2.0), T)
    assert w.n_written == 2 and sorted(p.name for p in (tmp_path / "flow").iterdir()) == ["000000.png", "000001.png"]
    assert np.allclose(read_flow_png(tmp_path / "flow" / "000001.png")[..., 0], -5.0, atol=1 / 64)


def test_flow_writer_follows_moving_objects(tmp_path):
    from simgen.annotate.flow import FlowWriter, read_flow_png

    K = np.array([[100.0, 0, 32], [0, 100.0, 24], [0, 0, 1]])
    inst = np.zeros((48, 64), dtype=np.uint16)
    inst[10:20, 10:20] = 3
    w = FlowWriter(tmp_path, K)
    for t in range(2):
        P = np.eye(4)
        P[1, 3] = 0.1 * t                               # object 3 moves 0.1 m down (+y) per frame
        w.add(t, np.full((48, 64), 2.0), np.eye(4), instance=inst, object_poses={3: P})
    f = read_flow_png(tmp_path / "flow" / "000000.png")
    assert np.allclose(f[10:20, 10:20, 1], 5.0, atol=1 / 64) and np.allclose(f[30:, :, :], 0.0, atol=1 / 64)
