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
