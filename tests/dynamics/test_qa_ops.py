"""Known answers of the dynamic QA programs on a hand-made scene view: a ball rolls 2 m along +x
while a camera at the origin looks along +y (so +x is to its right), and touches a box."""

import numpy as np
import pytest

from simgen.annotate.context import SceneView
from simgen.dynamics import qa_ops as ops
from simgen.dynamics.qa import check_item, run_program


def _obj(oid, cat, center, ext=(0.2, 0.2, 0.2), color="red"):
    return {"id": oid, "kind": "object", "name": f"{cat}_0", "category": cat, "color": color, "room": "room_0",
            "placement": "floor", "obb": {"center": list(center), "extents": list(ext),
                                          "rotation": np.eye(3).tolist()}}


def _view():
    # OpenCV camera at (0, 0, 1.5) looking along +y: x_cam = +x world, z_cam = +y world, y_cam = -z world
    R = np.array([[1.0, 0, 0], [0, 0, 1], [0, -1, 0]])
    T = np.eye(4)
    T[:3, :3] = R
    T[:3, 3] = [0, 0, 1.5]
    n = 5
    ball_x = [0.0, 0.5, 1.0, 1.5, 2.0]
    scene = {"scene_id": "t", "rooms": [{"id": "room_0", "polygon": [[-5, -5], [5, -5], [5, 5], [-5, 5]]}],
             "objects": [_obj(10, "ball", (0, 3, 0.1)), _obj(11, "box", (2.25, 3, 0.1), color="blue"),
                         _obj(12, "sofa", (-2, 3, 0.4), (2, 1, 0.8), "gray")],
             "dynamics": {"moved": [{"id": 10, "at_rest_end": True, "rest_t_s": 1.0, "support_end": None,
                                     "support_end_name": "floor"}],
                          "events": [{"type": "contact_begin", "t_s": 0.9, "a": 10, "b": 11, "frame": 4}]}}
    camera = {"width": 640, "height": 480, "frames": [{"index": k, "timestamp_s": 0.25 * k,
                                                       "cam_to_world": T.tolist()} for k in range(n)]}
    frames = []
    for k in range(n):
        P = np.eye(4)
        P[0, 3] = ball_x[k]
        frames.append({"index": k, "objects": [], "moving_objects": [{
            "id": 10, "world_from_object": P.tolist(), "center": [ball_x[k], 3.0, 0.1],
            "velocity_mps": [2.0 if k < n - 1 else 0.0, 0, 0], "moving": k < n - 1}]})
    return SceneView(scene, camera, frames)


def test_dynamic_programs_known_answers():
    v = _view()
    assert ops.path_m(v, 10) == pytest.approx(2.0)
    assert ops.path_m(v, 11) == 0.0
    assert ops.dyn_direction(v, 10, 0, 4) == ("right", pytest.approx(45.0))
    assert ops.dyn_hit(v, 10, 11)[0] == "yes"
    ans, gap = ops.dyn_hit(v, 10, 12)
    assert ans == "no" and gap == pytest.approx(1.0 - np.sqrt(3 * 0.04) / 2, abs=1e-6)   # sofa edge at x = -1
    assert ops.dyn_which_moved(v, [10, 11, 12]) == ("ball", pytest.approx(2.0))
    assert ops.dyn_farther(v, 10, 11, 1, 3) == ("ball", pytest.approx(1.0))
    assert ops.dyn_rest_on(v, 10) == ("floor", 1.0)
    assert ops.dyn_where_now(v, 10, 4, [11, 12])[0] == "box"
    assert ops.dyn_count_moved(v) == (1, pytest.approx(0.1))
    assert run_program('dyn_faster(a=10, b=11, frame=2)', v) == ("ball", pytest.approx(2.0))


def test_check_item_catches_a_wrong_answer():
    v = _view()
    item = {"id": "t-0", "program": 'dyn_direction(a=10, i=0, j=4)', "options": ["A. left", "B. right"],
            "answer": "B", "answer_value": "right", "margin": 15.0}
    assert check_item(item, v)[0]
    assert not check_item(dict(item, answer="A"), v)[0]
