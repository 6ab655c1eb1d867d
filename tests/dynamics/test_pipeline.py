"""A dynamic scene through the whole pipeline (small frames): the rendered instance ids, the boxes
and the per-frame poses follow the simulated ball frame by frame; events.jsonl and the dynamic QA
are written and re-derive; with nothing moving, the output equals the static output."""

from __future__ import annotations

import json
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

from simgen.annotate.frames import amodal_box, obb_corners
from simgen.core.rng import scene_seed
from simgen.core.settings import RunConfig, build_run_config
from simgen.dynamics import DynamicScene
from simgen.annotate.programs import verify_scene_dir

W, H, N = 128, 96, 10


def _run(tmp: Path, dynamics, sets=(), capture=None, monkeypatch=None):
    from simgen.pipeline import Renderers, run_scene

    if capture is not None:
        orig = DynamicScene.simulate

        def spy(self, *a, **k):
            capture.append(self)
            return orig(self, *a, **k)

        monkeypatch.setattr(DynamicScene, "simulate", spy)
    run = build_run_config(scene="low", camera="egocentric", seed=0, n=1, sets=list(sets), dynamics=dynamics,
                           camera_overrides={"frames": N, "width": W, "height": H})
    tmp.mkdir(parents=True)
    with Renderers(W, H) as gl:
        run_scene(run, "000000", scene_seed(0, 0), tmp, gl)
    return tmp


def _lines(p: Path) -> list[dict]:
    return [json.loads(x) for x in p.read_text().splitlines() if x.strip()]


@pytest.fixture(scope="module")
def ball_run(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    cap: list = []
    try:
        d = _run(tmp_path_factory.mktemp("dyn") / "ball", "ball", capture=cap, monkeypatch=mp)
    finally:
        mp.undo()
    return d, cap[0]


def test_annotations_follow_the_ball_frame_by_frame(ball_run):
    d, dyn = ball_run
    scene, cam = json.loads((d / "scene.json").read_text()), json.loads((d / "camera.json").read_text())
    frames = _lines(d / "frames.jsonl")
    ball = next(o for o in scene["objects"] if o.get("category") == "ball")
    moved = {m["id"]: m for m in scene["dynamics"]["moved"]}
    assert ball["id"] in moved and moved[ball["id"]]["path_length_m"] > 0.3
    K = np.asarray(cam["K"])
    checked = 0
    for fr, cf in zip(frames, cam["frames"]):
        rec = {m["id"]: m for m in fr["moving_objects"]}[ball["id"]]
        P = dyn.motion.pose_at(ball["id"], cf["timestamp_s"])
        assert np.abs(np.asarray(rec["world_from_object"]) - P).max() < 1e-5      # the simulator's pose (6 decimals)
        T = np.asarray(cf["cam_to_world"])
        obb = {"center": np.asarray(rec["center"]), "extents": ball["obb"]["extents"], "rotation": P[:3, :3]}
        inst = iio.imread(d / "instance" / f"{fr['index']:06d}.png")
        px = np.argwhere(inst == ball["id"])
        o = next((x for x in fr["objects"] if x["id"] == ball["id"]), None)
        assert (o is None) == (len(px) == 0)
        if o is None:
            continue
        assert o["visible_px"] == len(px)
        box, _, _ = amodal_box(K, T, obb_corners(obb), W, H)
        assert np.allclose(o["bbox_amodal_xyxy"], box, atol=1e-3)                  # box of the moved pose
        assert o["distance_m"] == pytest.approx(float(np.linalg.norm(obb["center"] - T[:3, 3])), abs=1e-4)
        if o["vis_fraction"] > 0.9 and not o["truncated"]:
            # the rendered ball sits where the moved pose projects (pixel centroid vs projected box centre)
            cy, cx = px.mean(axis=0) + 0.5
            assert abs(cx - (box[0] + box[2]) / 2) < 1.5 and abs(cy - (box[1] + box[3]) / 2) < 1.5
            checked += 1
    assert checked >= 1


def test_events_and_dynamic_qa(ball_run):
    d, dyn = ball_run
    ev = _lines(d / "events.jsonl")
    ball_id = dyn.motion.actions[0].target
    kinds = [e["type"] for e in ev if e.get("object") == ball_id]
    assert kinds[:2] == ["action", "motion_start"]
    times = [f["timestamp_s"] for f in json.loads((d / "camera.json").read_text())["frames"]]
    for e in ev:
        if e["frame"] is not None:
            assert times[e["frame"]] >= e["t_s"] - 1e-6 and (e["frame"] == 0 or times[e["frame"] - 1] < e["t_s"])
    rep = verify_scene_dir(d)
    assert rep["n_items"] > 0 and rep["failures"] == []
    qa = _lines(d / "qa.jsonl")
    assert any(it["family"] == "dynamic" for it in qa)
    assert not any(ball_id in it["objects"] for it in qa if it["family"] != "dynamic")


@pytest.mark.slow
def test_nothing_moving_equals_static(tmp_path):
    """The dynamic code path with no action changes nothing but its documented additions."""
    off = _run(tmp_path / "off", None)
    on = _run(tmp_path / "on", "ball", sets=["dynamics.n_actions=0"])
    assert not (off / "events.jsonl").exists() and (on / "events.jsonl").read_text() == ""
    s_off, s_on = (json.loads((p / "scene.json").read_text()) for p in (off, on))
    assert s_on.pop("dynamics")["moved"] == [] and s_on == s_off
    f_off, f_on = _lines(off / "frames.jsonl"), _lines(on / "frames.jsonl")
    assert all("moving_objects" not in f for f in f_off)
    assert all(f.pop("moving_objects") == [] for f in f_on) and f_on == f_off
    assert (on / "qa.jsonl").read_bytes() == (off / "qa.jsonl").read_bytes()
    assert (on / "camera.json").read_bytes() == (off / "camera.json").read_bytes()


def test_static_run_config_is_unchanged():
    assert "dynamics" not in RunConfig().to_dict()


def test_moving_points_for_object_motion_blur(ball_run):
    """The degradations' sub-frame count follows these points: the ball's box corners at time t."""
    d, dyn = ball_run
    frames = _lines(d / "frames.jsonl")
    cam = json.loads((d / "camera.json").read_text())
    ball_id = dyn.motion.actions[0].target
    k = len(frames) // 2
    pts = dyn.moving_points_at(cam["frames"][k]["timestamp_s"])
    assert pts.shape == (8 * len(dyn.moved_ids), 3)
    i = dyn.moved_ids.index(ball_id)
    c = {m["id"]: m for m in frames[k]["moving_objects"]}[ball_id]["center"]
    assert np.allclose(pts[8 * i: 8 * i + 8].mean(axis=0), c, atol=1e-5)
