"""The AI2-THOR backend's conversions on fake events with ai2thor.server.Event's attribute names, shapes
and dtypes (frame (H, W, 3) uint8, depth_frame (H, W) float32 metres, instance_segmentation_frame
(H, W, 3) uint8, color_to_object_id {(r, g, b): objectId}, metadata dict), and its failure message when
AI2-THOR cannot start. The live Unity backend is not exercised here (no build, no internet)."""

import math
import sys
import types

import numpy as np
import pytest

from simgen.core.errors import RenderError
from simgen.core.transforms import intrinsics_from_hfov, look_at_cv
from simgen.interop import thor_backend as tb


class FakeEvent:
    """The attributes of ai2thor.server.Event that the backend reads, with the same types."""

    def __init__(self, h, w, metadata, frame=None, depth=None, seg=None, colors=None):
        self.metadata = {"screenWidth": w, "screenHeight": h, "lastActionSuccess": True, "errorMessage": "",
                         **metadata}
        self.screen_width, self.screen_height = w, h
        self.frame = np.zeros((h, w, 3), np.uint8) if frame is None else frame
        self.depth_frame = np.ones((h, w), np.float32) if depth is None else depth
        self.instance_segmentation_frame = np.zeros((h, w, 3), np.uint8) if seg is None else seg
        self.color_to_object_id = dict(colors or {})
        self.object_id_to_color = {v: k for k, v in self.color_to_object_id.items()}


def test_vertical_fov_and_camera_checks():
    K = intrinsics_from_hfov(640, 480, 70.0)
    fov = tb.vertical_fov_deg(K, 640, 480)
    assert fov == pytest.approx(math.degrees(2 * math.atan(math.tan(math.radians(35)) * 480 / 640)))
    bad = K.copy()
    bad[0, 2] += 3.0
    with pytest.raises(RenderError, match="--backend pyrender"):
        tb.vertical_fov_deg(bad, 640, 480)


@pytest.mark.parametrize("target, yaw, horizon", [((3.0, 1.0, 1.6), 90.0, 0.0),     # looking along +x
                                                   ((1.0, 3.0, 1.6), 0.0, 0.0),     # along +y = THOR +z
                                                   ((0.0, 1.0, 0.6), 270.0, 45.0)])  # -x, 45 deg down
def test_camera_pose_to_agent_yaw_and_horizon(target, yaw, horizon):
    T = look_at_cv((1.0, 1.0, 1.6), target)
    cam = tb.thor_camera_from_cv(T)
    assert cam["position"] == pytest.approx({"x": 1.0, "y": 1.6, "z": 1.0})
    assert cam["yaw_deg"] == pytest.approx(yaw, abs=1e-9) and cam["horizon_deg"] == pytest.approx(horizon, abs=1e-9)
    assert abs(cam["roll_deg"]) < 1e-9
    back = tb.cv_pose_from_thor_camera(cam["position"], cam["yaw_deg"], cam["horizon_deg"])
    assert np.abs(back - T).max() < 1e-9


def test_roll_is_reported():
    T = look_at_cv((0, 0, 1.5), (2, 0, 1.5))
    c, s = math.cos(math.radians(10)), math.sin(math.radians(10))
    T[:3, :3] = T[:3, :3] @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])     # roll about the optical axis
    assert abs(tb.thor_camera_from_cv(T)["roll_deg"]) == pytest.approx(10.0)


def test_teleport_puts_the_camera_on_the_planned_eye():
    # agent at (2, 0.9, 3) yawed 90 deg with its camera 0.675 m up and 0.1 m forward (THOR metadata)
    meta = {"agent": {"position": {"x": 2.0, "y": 0.9, "z": 3.0}, "rotation": {"x": 0, "y": 90.0, "z": 0},
                      "cameraHorizon": 0.0}, "cameraPosition": {"x": 2.1, "y": 1.575, "z": 3.0}}
    off = tb.camera_offset_local(meta)
    assert off == pytest.approx([0.0, 0.675, 0.1])
    cam = tb.thor_camera_from_cv(look_at_cv((4.0, 1.0, 1.6), (4.0, 5.0, 1.2)))   # facing THOR +z
    args = tb.agent_teleport(cam, off)
    assert args["action"] == "TeleportFull" and args["standing"] and args["forceAction"]
    assert (args["x"], args["y"], args["z"]) == pytest.approx((4.0, 1.6 - 0.675, 1.0 - 0.1))
    assert args["rotation"]["y"] == pytest.approx(0.0) and args["horizon"] == pytest.approx(math.degrees(math.atan(0.1)))


def test_frames_convert_to_the_contract():
    h, w = 4, 6
    frame = np.full((h, w, 3), 255, np.uint8)
    frame[0, 0] = (128, 0, 10)
    rgb = tb.rgb_linear_from_event(frame)
    assert rgb.dtype == np.float32 and rgb.shape == (h, w, 3) and rgb[1, 1, 0] == pytest.approx(1.0)
    assert rgb[0, 0, 0] == pytest.approx(0.21586, abs=1e-4) and rgb[0, 0, 1] == 0.0    # sRGB 128 -> 0.2159
    d = np.full((h, w), 2.5, np.float32)
    d[0, 0] = 50.0                                # far plane: sky through a window
    d[0, 1] = np.nan
    dm = tb.depth_from_event(d, far_m=50.0)
    assert dm.dtype == np.float32 and dm[0, 0] == 0.0 and dm[0, 1] == 0.0 and dm[2, 2] == 2.5
    with pytest.raises(RenderError):
        tb.rgb_linear_from_event(np.zeros((h, w), np.float32))


def _house_meta():
    return {"metadata": {"simgen": {
        "objects": {"Chair|0|9": {"id": 9}, "Mug|0|12": {"id": 12}},
        "doors": {"door|door_0": {"id": "door_0", "entrance": True}, "door|door_1": {"id": "door_1", "entrance": False}},
        "windows": {"window|window_0": {"id": "window_0"}},
        "rooms": {"room|0": {"id": "room_0", "polygon": [[0, 0], [4, 0], [4, 4], [0, 4]]},
                  "room|1": {"id": "room_1", "polygon": [[4.12, 0], [8, 0], [8, 4], [4.12, 4]]}},
        "structures": [{"id": 1, "name": "walls", "kind": "wall", "room": None},
                       {"id": 2, "name": "entrance_door", "kind": "door", "room": "room_0"},
                       {"id": 3, "name": "window_0", "kind": "window", "room": "room_0"},
                       {"id": 4, "name": "window_0_glass", "kind": "window", "room": "room_0"},
                       {"id": 5, "name": "floor_room_0", "kind": "floor", "room": "room_0"},
                       {"id": 6, "name": "ceiling_room_0", "kind": "ceiling", "room": "room_0"},
                       {"id": 7, "name": "floor_room_1", "kind": "floor", "room": "room_1"},
                       {"id": 8, "name": "ceiling_room_1", "kind": "ceiling", "room": "room_1"}]}}}


def test_instance_colours_to_simgen_ids():
    table = tb.thor_id_table(_house_meta())
    colours = {(10, 20, 30): "Chair|0|9", (1, 2, 3): "Mug|0|12", (9, 9, 9): "wall|0|0.00|0.00|4.00|0.00",
               (7, 7, 7): "door|door_0", (8, 8, 8): "door|door_1", (6, 6, 6): "window|window_0",
               (5, 5, 5): "Apple|0|40"}
    seg = np.zeros((2, 4, 3), np.uint8)
    seg[0] = [(10, 20, 30), (1, 2, 3), (9, 9, 9), (7, 7, 7)]
    seg[1] = [(8, 8, 8), (6, 6, 6), (5, 5, 5), (200, 0, 0)]          # last: a colour THOR did not list
    inst = tb.instance_from_event(seg, colours, table, None, np.eye(3), np.eye(4))
    assert inst.dtype == np.uint16
    assert inst.tolist() == [[9, 12, 1, 2], [1, 3, 0, 0]]


def test_floor_and_ceiling_pixels_take_the_room_under_them():
    """A camera 1.6 m above the floor looking straight down at the wall between two rooms: floor pixels
    left of the wall belong to room_0's floor, right of it to room_1's (found by unprojecting depth)."""
    table = tb.thor_id_table(_house_meta())
    w, h = 40, 20
    K = intrinsics_from_hfov(w, h, 90.0)
    T = look_at_cv((4.06, 2.0, 1.6), (4.06, 2.0, 0.0), up=(0.0, 1.0, 0.0))   # image x runs along world +x
    depth = np.full((h, w), 1.6, np.float32)
    seg = np.zeros((h, w, 3), np.uint8)
    seg[...] = (3, 3, 3)
    inst = tb.instance_from_event(seg, {(3, 3, 3): "Floor"}, table, depth, K, T)
    uv_x = (np.arange(w) + 0.5 - K[0, 2]) / K[0, 0] * 1.6
    world_x = 4.06 + uv_x * T[0, 0]
    for col, x in enumerate(world_x):
        want = 5 if x < 4.06 else 7
        assert set(inst[:, col].tolist()) == {want}, (col, x)


def test_missing_ai2thor_or_build_is_one_clear_line(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ai2thor", None)               # import ai2thor -> ImportError
    with pytest.raises(RenderError) as e:
        tb.ThorRenderer(64, 48).open()
    msg = str(e.value)
    assert "\n" not in msg and "--backend pyrender" in msg and "ai2thor" in msg
    # ai2thor importable but no Unity build on this machine (HOME has no ~/.ai2thor/releases)
    monkeypatch.setitem(sys.modules, "ai2thor", types.ModuleType("ai2thor"))
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(RenderError) as e:
        with tb.ThorRenderer(64, 48):
            pass
    msg = str(e.value)
    assert "\n" not in msg and "--backend pyrender" in msg and "Unity build" in msg


def test_controller_failure_becomes_render_error():
    def factory(**kw):
        raise Exception("Unable to download build from https://s3-us-west-2.amazonaws.com/...\nmore")

    with tb.ThorRenderer(64, 48, controller_factory=factory) as r:
        r.load([], [], house=_house_meta())
        with pytest.raises(RenderError) as e:
            r.render(intrinsics_from_hfov(64, 48, 60.0), look_at_cv((1, 1, 1.6), (2, 1, 1.6)))
    assert "\n" not in str(e.value) and "--backend pyrender" in str(e.value)


class FakeController:
    """Stands in for ai2thor.controller.Controller: records steps, answers with FakeEvents."""

    def __init__(self, scene, width, height, **kw):
        self.house, self.w, self.h, self.init = scene, width, height, kw
        self.steps, self.stopped = [], False
        self.last_event = FakeEvent(height, width, {
            "agent": {"position": {"x": 0.0, "y": 0.9, "z": 0.0}, "rotation": {"x": 0, "y": 0.0, "z": 0},
                      "cameraHorizon": 0.0}, "cameraPosition": {"x": 0.0, "y": 1.575, "z": 0.0}})

    def step(self, **action):
        self.steps.append(action)
        seg = np.zeros((self.h, self.w, 3), np.uint8)
        seg[:, : self.w // 2] = (10, 20, 30)
        frame = np.full((self.h, self.w, 3), 128, np.uint8)
        return FakeEvent(self.h, self.w, {}, frame=frame, depth=np.full((self.h, self.w), 3.0, np.float32),
                         seg=seg, colors={(10, 20, 30): "Chair|0|9"})

    def reset(self, scene=None, **kw):
        self.init.update(kw)
        return self.last_event

    def stop(self):
        self.stopped = True


def test_renderer_drives_the_controller_pose_by_pose():
    made = []

    def factory(**kw):
        made.append(FakeController(**kw))
        return made[-1]

    K = intrinsics_from_hfov(32, 24, 70.0)
    with tb.ThorRenderer(32, 24, controller_factory=factory) as r:
        r.load([], [], house=_house_meta())
        fb = r.render(K, look_at_cv((1.0, 2.0, 1.6), (1.0, 5.0, 1.6)))
        r.render(K, look_at_cv((1.5, 2.0, 1.6), (5.0, 2.0, 1.6)))
    (c,) = made
    assert c.stopped and c.init["renderDepthImage"] and c.init["renderInstanceSegmentation"]
    assert c.init["fieldOfView"] == pytest.approx(tb.vertical_fov_deg(K, 32, 24))
    s0, s1 = c.steps
    assert (s0["x"], s0["y"], s0["z"]) == pytest.approx((1.0, 1.6 - 0.675, 2.0))
    assert s0["rotation"]["y"] == pytest.approx(0.0) and s1["rotation"]["y"] == pytest.approx(90.0)
    assert fb.rgb_linear.dtype == np.float32 and fb.rgb_linear.shape == (24, 32, 3)
    assert fb.depth_m.dtype == np.float32 and float(fb.depth_m.max()) == 3.0
    assert fb.instance.dtype == np.uint16 and set(np.unique(fb.instance)) == {0, 9}
    assert (fb.instance[:, :16] == 9).all()


def test_backend_needs_a_simgen_house():
    with pytest.raises(RenderError, match="metadata.simgen"):
        tb.thor_id_table({"rooms": []})
