"""MRA against hand-computed values (lmms-eval's VSI-Bench scorer), exact match, 2D and 3D IoU."""

import numpy as np
import pytest

from simgen.annotate.metrics import (MRA_THRESHOLDS, cognitive_map_score, exact_match, iou_2d, iou_3d,
                                     mean_relative_accuracy)


def test_mra_thresholds_are_lmms_evals_ten():
    assert len(MRA_THRESHOLDS) == 10
    assert MRA_THRESHOLDS[0] == 0.5 and abs(MRA_THRESHOLDS[-1] - 0.95) < 1e-12


@pytest.mark.parametrize("pred,target,expected", [
    (10, 10, 1.0),         # exact: all 10 thresholds
    (10.8, 10, 0.9),       # rel 0.08 <= 1 - theta for theta 0.50..0.90 -> 9 of 10
    (12.2, 10, 0.6),       # rel 0.22: theta 0.50..0.75 -> 6
    (6.6, 10, 0.4),        # rel 0.34: theta 0.50..0.65 -> 4
    (14.9, 10, 0.1),       # rel 0.49: only theta 0.50
    (16, 10, 0.0),         # rel 0.60: none
    ("2.9 meters", 2, 0.2),  # rel 0.45 parsed from text -> theta 0.50, 0.55
    ("none", 2, 0.0),      # unparseable scores 0 (lmms-eval WORST_CASE_FOR_METRICS)
])
def test_mra_hand_computed(pred, target, expected):
    assert mean_relative_accuracy(pred, target) == pytest.approx(expected)


def test_mra_boundaries_follow_lmms_eval_float_arithmetic():
    # np.linspace puts the 0.90 threshold at 0.8999999999999999, so a 10 % error still passes it
    assert MRA_THRESHOLDS[8] < 0.9
    assert mean_relative_accuracy(11, 10) == pytest.approx(0.9)
    assert mean_relative_accuracy(15, 10) == pytest.approx(0.1)   # 1 - 0.5 == 0.5 exactly


def test_exact_match_letters_and_text():
    assert exact_match("B", "B") == 1.0
    assert exact_match("B. left", "B") == 1.0
    assert exact_match("(c)", "C") == 1.0
    assert exact_match("A", "B") == 0.0
    assert exact_match("Left.", "left") == 1.0


def test_iou_2d_known():
    assert iou_2d([0, 0, 10, 10], [5, 0, 15, 10]) == pytest.approx(50 / 150)
    assert iou_2d([0, 0, 10, 10], [20, 20, 30, 30]) == 0.0


def test_iou_3d_axis_aligned_and_rotated():
    a = [0, 0, 0, 2, 2, 2, 0, 0, 0]
    assert iou_3d(a, a) == pytest.approx(1.0)
    assert iou_3d(a, [1, 0, 0, 2, 2, 2, 0, 0, 0]) == pytest.approx(4 / 12)
    # a unit square rotated 45 deg about z inside a 2x2 box of the same height: inter = 2 (the
    # rotated square's area 1*... ) -> the rotated box (side 1) is fully inside: IoU = vol1 / vol2
    assert iou_3d([0, 0, 0, 1, 1, 2, 0, 0, np.pi / 4], a) == pytest.approx(2 / 8)
    # two unit cubes, one rotated 45 deg about z: intersection = octagon area 2(sqrt2-1) x height 1
    inter = 2 * (np.sqrt(2) - 1)
    assert iou_3d([0, 0, 0, 1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1, 0, 0, np.pi / 4]) == pytest.approx(
        inter / (2 - inter), rel=1e-6)
    assert iou_3d(a, [5, 5, 5, 1, 1, 1, 0, 0, 0]) == 0.0


def test_cognitive_map_score():
    t = {"chair": [[0, 0], [3, 3]], "table": [[1, 2]]}
    assert cognitive_map_score(t, t) == 1.0
    assert cognitive_map_score({"chair": [[0, 0]], "table": [[1, 2]]}, t) == pytest.approx((0.5 + 1) / 2)
    assert cognitive_map_score("garbage", t) == 0.0
