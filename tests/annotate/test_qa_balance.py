"""Answer balancing (slot draws over the answer universe, counting singletons, no repeated subject),
option-letter stratification, multi-view correspondence items, and the qa-stats figures."""

import argparse
import json
from collections import Counter

import numpy as np

from simgen.annotate import derive
from simgen.annotate.context import SceneView
from simgen.annotate.geometry import project
from simgen.annotate.programs import check_item, format_program
from simgen.annotate.qa import build_qa
from simgen.annotate.qa_items import balance, base_choices, shuffle_options, stratify_letters
from simgen.annotate.qa_stats import add_cli, blind_baseline

from .fixtures import look_pose, three_object_scene

MOVES = ["forward", "backward", "left", "right"]


def choice_item(answer, n, objects=(), frame=0, options=MOVES):
    it = {"task": "camera_move_direction", "answer_value": answer, "objects": list(objects),
          "program": format_program("camera_move_direction", i=frame, j=frame + n + 1)}
    shuffle_options(it, [answer] + [o for o in options if o != answer], 7)
    return it


def test_common_answer_gets_no_more_slots_than_a_rare_one():
    """Scenes offer 8 'forward' candidates and 2 'left' ones: kept answers are balanced across scenes."""
    kept = Counter()
    for s in range(400):
        cand = [choice_item("forward", k) for k in range(8)] + [choice_item("left", 8 + k) for k in range(2)]
        got, dropped = balance(cand, np.random.default_rng(s), 2)
        assert len(got) + dropped == len(cand) and len(got) <= 2
        kept.update(it["answer_value"] for it in got)
    assert set(kept) == {"forward", "left"}
    assert abs(kept["forward"] - kept["left"]) < 0.15 * sum(kept.values())
    # before: a round-robin over the classes present kept forward and left 1:1 too, but a scene that
    # only had 'forward' kept two of them; now it keeps one per slot that draws 'forward' (p = 1/4)
    only = [len(balance([choice_item("forward", k) for k in range(8)], np.random.default_rng(s), 2)[0])
            for s in range(400)]
    assert 0.35 < np.mean(only) < 0.65          # 2 slots x 1/4


def test_counting_asks_one_no_more_often_than_several():
    def count_item(cat, n):
        return {"task": "object_counting", "answer_value": n, "options": None, "objects": [ord(cat) - ord("a") + 1],
                "program": format_program("count", category=cat, covered=True)}

    cand = [count_item(c, 1) for c in "abcdef"] + [count_item("g", 2)]
    for s in range(50):
        got, _ = balance(cand, np.random.default_rng(s), 8, singletons_follow_multiples=True)
        assert sum(it["answer_value"] == 1 for it in got) <= sum(it["answer_value"] >= 2 for it in got)
    got, _ = balance(cand[:6], np.random.default_rng(0), 8, singletons_follow_multiples=True)
    assert got == []


def test_mirrored_questions_are_not_both_kept():
    def lr(a, b, ans):
        it = {"task": "image_left_right", "answer_value": ans, "objects": sorted([a, b]),
              "program": format_program("image_left_right", a=a, b=b, frame=3)}
        shuffle_options(it, [ans, "right" if ans == "left" else "left"], 1)
        return it

    for s in range(50):
        got, _ = balance([lr(1, 2, "left"), lr(2, 1, "right")], np.random.default_rng(s), 3)
        assert len(got) <= 1


def test_letters_are_stratified_within_a_task():
    items = [choice_item("forward", k) for k in range(8)]
    assert base_choices(items[0]) == ["forward", "backward", "left", "right"]
    stratify_letters(items, np.random.default_rng(3))
    assert Counter(it["answer"] for it in items) == {"A": 2, "B": 2, "C": 2, "D": 2}
    for it in items:       # the stored seed reproduces the stored order
        perm = np.random.default_rng(it["option_seed"]).permutation(4)
        choices = ["forward"] + [o for o in MOVES if o != "forward"]
        assert [o[3:] for o in it["options"]] == [choices[k] for k in perm]
        assert it["options"]["ABCD".index(it["answer"])][3:] == "forward"


def test_mark_points_known():
    v = SceneView(*three_object_scene())
    assert np.allclose(derive.mark_point(v, 1), [1, 1, 0.8])             # the table's top centre
    assert np.allclose(derive.mark_point(v, 1, 1), [0.7, 0.7, 0.8])      # (0.5, 0.5) corner, 40 % inset
    assert np.allclose(derive.mark_point(v, 1, 4), [1.3, 1.3, 0.8])


def test_multiview_correspondence_items_on_a_two_view_scene():
    scene, camera, frames = three_object_scene()
    poses = [look_pose([2.2, 1.9, 1.6], [1, 1, 0.4]), look_pose([1.6, 2.4, 1.7], [1, 1, 0.4])]
    camera["frames"] = [{"index": i, "cam_to_world": p.tolist()} for i, p in enumerate(poses)]
    frames = [{"index": i, "objects": [{"id": 1, "visible_px": 3000, "vis_fraction": 1.0,
                                        "bbox_visible_xyxy": [20, 20, 140, 100], "bbox_amodal_xyxy": [20, 20, 140, 100],
                                        "truncated": False, "corners_inside": 1.0, "distance_m": 2.0}]}
              for i in range(2)]
    items = [it for it in build_qa(scene, camera, frames, np.random.default_rng(1))
             if it["task"] == "multiview_correspondence"]
    assert items
    for it in items:
        assert check_item(it, scene, camera, frames)[0]
        j = int(it["program"].split("j=")[1].split(",")[0])
        uv, _ = project(camera, j, np.array([[1, 1, 0.8]]))
        assert it["answer_value"] == f"({round(uv[0, 0])}, {round(uv[0, 1])})"
        pts = [tuple(map(int, o[3:].strip("()").split(", "))) for o in it["options"]]
        d = [np.hypot(p[0] - q[0], p[1] - q[1]) for k, p in enumerate(pts) for q in pts[k + 1:]]
        assert len(pts) == 4 and min(d) >= 0.08 * camera["width"]


def test_blind_baseline_and_cli(tmp_path, capsys):
    items = [dict(choice_item(a, k), metric="exact", _fold=k % 2) for k, a in enumerate(["left"] * 6 + ["right"] * 2)]
    base = blind_baseline(items)
    assert base["metric"] == "acc" and base["chance"] == 0.25 and base["in_sample"] >= 0.75
    nums = [{"options": None, "metric": "mra", "answer_value": v, "_fold": k % 2} for k, v in enumerate([2.0] * 9)]
    assert blind_baseline(nums)["in_sample"] == 1.0      # a constant answer is perfect on constant answers
    p = argparse.ArgumentParser()
    handlers = add_cli(p.add_subparsers(dest="cmd"))
    (tmp_path / "scenes" / "000000").mkdir(parents=True)
    scene, camera, frames = three_object_scene()
    d = tmp_path / "scenes" / "000000"
    (d / "scene.json").write_text(json.dumps(dict(scene, seed=5)))
    (d / "camera.json").write_text(json.dumps(camera))
    (d / "frames.jsonl").write_text("".join(json.dumps(f) + "\n" for f in frames))
    args = p.parse_args(["qa-stats", str(tmp_path), "--json", str(tmp_path / "s.json")])
    assert handlers["qa-stats"](args) == 0
    summ = json.loads((tmp_path / "s.json").read_text())
    assert summ["n_scenes"] == 1 and summ["n_failed_programs"] == 0
    assert "object_abs_distance" in capsys.readouterr().out
