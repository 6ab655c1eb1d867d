"""Programs of the dynamic QA families: one function per operation, (SceneView, **args) -> (value,
margin), re-deriving answers from scene.json (`dynamics` block: moved entities, events) and the
`moving_objects` of frames.jsonl. Same conventions as simgen.annotate.derive (angles in degrees,
counter-clockwise positive = left; object arguments are instance ids; names are view.labels).

The verifier finds these under `OPS` (simgen.annotate.programs consults them for `dyn_*` names).
"""

from __future__ import annotations

import numpy as np

from simgen.annotate import geometry as geo

MOVED_PATH_M = 0.1              # an object "moved" when its centre travelled more than this


def dyn(v) -> dict:
    return v.scene.get("dynamics") or {}


def moving(v) -> dict[int, dict[int, dict]]:
    """{frame: {id: moving_objects record}} (cached on the view)."""
    return v.cache(("dyn_moving",), lambda: {fr["index"]: {m["id"]: m for m in fr.get("moving_objects", [])}
                                             for fr in v.frames})


def center_at(v, oid: int, frame: int) -> np.ndarray:
    m = moving(v).get(frame, {}).get(oid)
    return np.asarray(m["center"] if m is not None else v.objects[oid]["obb"]["center"], dtype=float)


def path_m(v, oid: int, i: int = 0, j: int | None = None) -> float:
    """Distance travelled by the object's box centre from frame i to frame j (sum over frames)."""
    j = v.n_frames - 1 if j is None else j
    if all(oid not in moving(v).get(f, {}) for f in (i, j)) and \
            not any(oid in moving(v).get(f, {}) for f in range(i, j + 1)):
        return 0.0
    c = np.array([center_at(v, oid, f) for f in range(i, j + 1)])
    return float(np.linalg.norm(np.diff(c, axis=0), axis=1).sum()) if len(c) > 1 else 0.0


def _label(v, oid: int) -> str:
    return v.labels[oid]


def _rank(values: dict[int, float], v, largest: bool = True):
    order = sorted(values, key=lambda k: (-values[k] if largest else values[k], k))
    if len(order) < 2:
        return None, None
    return _label(v, order[0]), abs(values[order[0]] - values[order[1]])


# ------------------------------------------------------------------ families
def dyn_which_moved(v, candidates: list):
    """The candidate whose centre travelled farthest over the clip; margin = gap to the runner-up (m)."""
    return _rank({int(c): path_m(v, int(c)) for c in candidates}, v)


def dyn_rest_on(v, a: int):
    """What the object came to rest on ("floor" or its support's label); None if still moving at the end."""
    rec = next((m for m in dyn(v).get("moved", []) if m["id"] == a), None)
    if rec is None or not rec.get("at_rest_end") or rec.get("rest_t_s") is None:
        return None, None
    s = rec.get("support_end")
    if s is None:
        return ("floor", 1.0) if rec.get("support_end_name") == "floor" else (None, None)
    return (_label(v, s), 1.0) if s in v.labels else (None, None)


def _contacts(v, a: int, b: int) -> list[tuple[float, float]]:
    """[(begin s, end s)] contact intervals of a pair (end = clip end when it never ended)."""
    ev = dyn(v).get("events", [])
    end = float(v.camera["frames"][-1]["timestamp_s"])
    out, open_t = [], None
    for e in ev:
        if e["type"] not in ("contact_begin", "contact_end") or {e.get("a"), e.get("b")} != {a, b}:
            continue
        if e["type"] == "contact_begin":
            open_t = e["t_s"]
        elif open_t is not None:
            out.append((open_t, e["t_s"]))
            open_t = None
    if open_t is not None:
        out.append((open_t, end))
    return out


def _half_diag(v, oid: int) -> float:
    return float(np.linalg.norm(v.objects[oid]["obb"]["extents"]) / 2)


def dyn_hit(v, a: int, b: int):
    """"yes" if a contact between a and b began during the clip (margin: its duration in s), else "no"
    (margin: the least clearance between a's centre and b's mesh minus a's half diagonal, m; b must
    not have moved)."""
    iv = _contacts(v, a, b)
    if iv:
        return "yes", float(max(e - s for s, e in iv))
    if path_m(v, b) > 0.0:
        return None, None
    gap = min(geo.point_distance(center_at(v, a, f), v.objects[b]) for f in range(v.n_frames)) - _half_diag(v, a)
    return "no", float(gap)


def dyn_farther(v, a: int, b: int, i: int, j: int):
    """Which of two objects travelled farther between frames i and j; margin in m."""
    return _rank({a: path_m(v, a, i, j), b: path_m(v, b, i, j)}, v)


def dyn_faster(v, a: int, b: int, frame: int):
    """Which of two objects moves faster at `frame` (speed of its box centre); margin in m/s."""
    sp = {}
    for o in (a, b):
        m = moving(v).get(frame, {}).get(o)
        sp[o] = float(np.linalg.norm(m["velocity_mps"])) if m is not None else 0.0
    return _rank(sp, v)


def dyn_direction(v, a: int, i: int, j: int):
    """Direction of a's displacement from frame i to j in the floor plane, relative to the camera's
    heading at frame i: "away from the camera" (within 45° of it), "toward the camera" (within 45° of
    its opposite), "left" or "right". Margin: degrees to the nearest sector boundary; None when the
    displacement is under 0.3 m."""
    d = (center_at(v, a, j) - center_at(v, a, i))[:2]
    if np.linalg.norm(d) < 0.3:
        return None, None
    th = geo.signed_angle_deg(geo.camera_heading(v.camera, i), d)
    if abs(th) <= 45:
        ans = "away from the camera"
    elif abs(th) >= 135:
        ans = "toward the camera"
    else:
        ans = "left" if th > 0 else "right"
    margin = min(abs(abs(th) - 45), abs(abs(th) - 135))
    return ans, float(margin)


def dyn_where_now(v, a: int, frame: int, candidates: list):
    """Which candidate (unmoved objects) a's centre is closest to at `frame`; margin in m."""
    c = center_at(v, a, frame)
    return _rank({int(o): geo.point_distance(c, v.objects[int(o)]) for o in candidates}, v, largest=False)


def dyn_count_moved(v, category: str | None = None):
    """How many objects (of `category`, or any) travelled more than 0.1 m; margin: the least distance
    of any object's path from that threshold (m)."""
    ids = [o for o in v.objects if category is None or v.objects[o]["category"] == category]
    paths = [path_m(v, o) for o in ids]
    n = sum(p > MOVED_PATH_M for p in paths)
    return int(n), float(min(abs(p - MOVED_PATH_M) for p in paths)) if paths else None


OPS = {f.__name__: f for f in (dyn_which_moved, dyn_rest_on, dyn_hit, dyn_farther, dyn_faster, dyn_direction,
                               dyn_where_now, dyn_count_moved)}
