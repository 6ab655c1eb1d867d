"""Scores for QA answers, usable as RL rewards: exact match, VSI-Bench Mean Relative Accuracy, 2D IoU,
3D IoU of oriented boxes, and a cognitive-map score.

MRA follows lmms-eval's VSI-Bench scorer (`lmms_eval/tasks/vsibench/utils.py`):
thresholds = np.linspace(0.50, 0.95, 10); accuracy at θ is 1[|ŷ − y| / y <= 1 − θ]; MRA = mean;
an unparseable prediction scores 0.
"""

from __future__ import annotations

import re

import numpy as np

MRA_THRESHOLDS = np.linspace(0.5, 0.95, int((0.95 - 0.5) / 0.05 + 2))
_LETTER = re.compile(r"^\s*\(?([A-Za-z])[\).:,\s]|^\s*\(?([A-Za-z])\)?\s*$")


def to_float(x) -> float | None:
    """A number from a model's answer ("3", "2.5 m", " 4."), or None."""
    if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool):
        return float(x)
    m = re.search(r"[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?", str(x))
    return float(m.group()) if m else None


def mean_relative_accuracy(pred, target: float) -> float:
    """VSI-Bench MRA of a numeric prediction against a positive target (0 if unparseable)."""
    p = to_float(pred)
    if p is None or not np.isfinite(p):
        return 0.0
    t = float(target)
    if t == 0:
        return float(p == 0)
    rel = abs(p - t) / abs(t)
    return float(np.mean(rel <= 1 - MRA_THRESHOLDS))


def exact_match(pred, target) -> float:
    """1.0 when the prediction matches the target: for option letters, the first letter of the
    prediction ("B", "B.", "(B) left") against the target letter; otherwise case-insensitive text."""
    t = str(target).strip()
    p = str(pred).strip()
    if len(t) == 1 and t.isalpha():
        m = _LETTER.match(p)
        letter = (m.group(1) or m.group(2)) if m else p[:1]
        return float(letter.upper() == t.upper())
    return float(p.lower().rstrip(".") == t.lower().rstrip("."))


def iou_2d(a, b) -> float:
    """IoU of two [x0, y0, x1, y1] boxes (pixel-edge coordinates)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def rotation_from_euler_xyz(roll: float, pitch: float, yaw: float) -> np.ndarray:
    """R = Rz(yaw) @ Ry(pitch) @ Rx(roll) (radians; the 9-DoF box convention of our grounding answers)."""
    cr, sr, cp, sp, cy, sy = np.cos(roll), np.sin(roll), np.cos(pitch), np.sin(pitch), np.cos(yaw), np.sin(yaw)
    Rx = np.array([[1, 0, 0], [0, cr, -sr], [0, sr, cr]])
    Ry = np.array([[cp, 0, sp], [0, 1, 0], [-sp, 0, cp]])
    Rz = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])
    return Rz @ Ry @ Rx


def euler_xyz_from_rotation(R: np.ndarray) -> tuple[float, float, float]:
    """Inverse of rotation_from_euler_xyz: (roll, pitch, yaw) radians."""
    R = np.asarray(R, dtype=float)
    pitch = float(np.arcsin(np.clip(-R[2, 0], -1, 1)))
    roll = float(np.arctan2(R[2, 1], R[2, 2]))
    yaw = float(np.arctan2(R[1, 0], R[0, 0]))
    return roll, pitch, yaw


def box9_to_obb(box) -> dict:
    """[cx, cy, cz, lx, ly, lz, roll, pitch, yaw] -> {"center", "extents", "rotation"}."""
    b = np.asarray(box, dtype=float)
    return {"center": b[:3], "extents": b[3:6], "rotation": rotation_from_euler_xyz(*b[6:9])}


def _halfspaces(obb: dict) -> np.ndarray:
    """(6, 4) rows [n, -d] with n·x - d <= 0 inside the box (scipy HalfspaceIntersection form)."""
    c = np.asarray(obb["center"], dtype=float)
    R = np.asarray(obb["rotation"], dtype=float)
    h = np.asarray(obb["extents"], dtype=float) / 2
    rows = []
    for k in range(3):
        n = R[:, k]
        rows.append([*n, -(n @ c + h[k])])
        rows.append([*(-n), (n @ c - h[k])])
    return np.asarray(rows)


def iou_3d(a, b) -> float:
    """Exact IoU of two oriented 3D boxes, each a scene.json-style dict or a 9-DoF list
    [cx, cy, cz, lx, ly, lz, roll, pitch, yaw]. The intersection is the convex polytope of the 12
    half-spaces (scipy), its interior point the Chebyshev centre (a linear programme)."""
    from scipy.optimize import linprog
    from scipy.spatial import ConvexHull, HalfspaceIntersection

    a = a if isinstance(a, dict) else box9_to_obb(a)
    b = b if isinstance(b, dict) else box9_to_obb(b)
    va = float(np.prod(a["extents"]))
    vb = float(np.prod(b["extents"]))
    if va <= 0 or vb <= 0:
        return 0.0
    H = np.vstack([_halfspaces(a), _halfspaces(b)])
    norms = np.linalg.norm(H[:, :3], axis=1)
    res = linprog(c=[0, 0, 0, -1], A_ub=np.hstack([H[:, :3], norms[:, None]]), b_ub=-H[:, 3],
                  bounds=[(None, None)] * 3 + [(0, None)], method="highs")
    if not res.success or res.x[3] < 1e-9:
        return 0.0
    try:
        pts = HalfspaceIntersection(H, res.x[:3]).intersections
        inter = float(ConvexHull(pts).volume)
    except Exception:  # numerically flat intersection
        return 0.0
    return inter / (va + vb - inter)


def cognitive_map_score(pred: dict, target: dict) -> float:
    """Score a top-down map {category: [[col, row], ...]} against the target on the same grid:
    per category, instances are matched greedily by grid distance; a match within 1 cell scores 1,
    within 2 cells 0.5; the score is matched credit / max(n_pred, n_target) summed over categories,
    divided by the number of categories in either map. 1.0 means identical maps."""
    if not isinstance(pred, dict):
        return 0.0
    cats = set(pred) | set(target)
    if not cats:
        return 1.0
    total = 0.0
    for c in cats:
        P = [np.asarray(p, dtype=float) for p in pred.get(c, []) if len(p) == 2]
        T = [np.asarray(t, dtype=float) for t in target.get(c, [])]
        n = max(len(P), len(T))
        if n == 0:
            continue
        pairs = sorted((float(np.max(np.abs(p - t))), i, j) for i, p in enumerate(P) for j, t in enumerate(T))
        used_p, used_t, credit = set(), set(), 0.0
        for d, i, j in pairs:
            if i in used_p or j in used_t:
                continue
            used_p.add(i)
            used_t.add(j)
            credit += 1.0 if d <= 1 else (0.5 if d <= 2 else 0.0)
        total += credit / n
    return total / len(cats)


def score(item: dict, pred) -> float:
    """Score a prediction for a qa.jsonl item with the item's own metric."""
    m = item["metric"]
    if m == "mra":
        return mean_relative_accuracy(pred, item["answer_value"])
    if m == "exact":
        return exact_match(pred, item["answer"])
    if m == "iou":
        return iou_2d(pred, item["answer_value"])
    if m == "iou3d":
        return iou_3d(pred, item["answer_value"])
    if m == "map":
        return cognitive_map_score(pred, item["answer_value"])
    raise ValueError(f"unknown metric {m!r}")
