"""What a dynamic clip adds to the output: the `moving_objects` of each frames.jsonl line, the
`dynamics` block of scene.json and the lines of events.jsonl (see docs/dynamics.md).

Times are clip times in seconds (camera.json timestamps); an event's `frame` is the first delivered
frame at or after it (null if the clip ends first)."""

from __future__ import annotations

import bisect

import numpy as np
from shapely.geometry import Point, Polygon

from simgen.dynamics.motion import Motion


def local_centers(scene, motion: Motion) -> dict[int, np.ndarray]:
    """{entity: (3,) centre of its bounds in its own frame} (structures: world centre at t = 0)."""
    out = {}
    objs = {o.id: o for o in scene.objects}
    structs = {s.id: s for s in scene.structures}
    for e in motion.tracks:
        if e in objs:
            b = objs[e].asset.mesh().bounds
        else:
            b = structs[e].mesh.bounds
        out[e] = (b[0] + b[1]) / 2
    return out


def center_at(motion: Motion, centers: dict, entity: int, t_s: float) -> np.ndarray:
    P = motion.pose_at(entity, t_s)
    return P[:3, :3] @ centers[entity] + P[:3, 3]


def moving_objects(motion: Motion, centers: dict, t_s: float, speed_mps: float) -> list[dict]:
    """frames.jsonl `moving_objects`: every entity the simulation moved, at this frame's time."""
    out = []
    h = 1.0 / motion.sim_hz
    for e in motion.moving_ids:
        P = motion.pose_at(e, t_s)
        c = P[:3, :3] @ centers[e] + P[:3, 3]
        v = (center_at(motion, centers, e, t_s + h) - center_at(motion, centers, e, t_s - h)) / (2 * h)
        out.append({"id": int(e), "world_from_object": [[float(x) for x in row] for row in P],
                    "center": [float(x) for x in c], "velocity_mps": [float(x) for x in v],
                    "moving": bool(np.linalg.norm(v) > speed_mps)})
    return out


def frame_of(t_s: float, times: list[float]) -> int | None:
    """First delivered frame whose timestamp is >= t_s (1 µs tolerance); None after the last one."""
    k = bisect.bisect_left(times, float(t_s) - 1e-6)
    return k if k < len(times) else None


def room_at(scene, xy) -> str | None:
    p = Point(float(xy[0]), float(xy[1]))
    for r in scene.rooms:
        if Polygon(r.polygon).covers(p):
            return r.id
    return None


def event_lines(motion: Motion, scene, times: list[float]) -> list[dict]:
    """events.jsonl rows: the actions (type "action") and the detected physics events, time-sorted."""
    names = motion.names
    floors = {s.id for s in scene.structures if s.kind == "floor"}
    rows = []
    for a in motion.actions:
        rows.append({"type": "action", "t_s": a.start_s, "kind": a.kind, "object": a.target,
                     "object_name": names.get(a.target), "params": a.params})
    for e in motion.events:
        r = dict(e)
        for k in ("object", "a", "b"):
            if k in r:
                r[f"{k}_name"] = names.get(r[k])
        for k in ("support", "support_before", "support_after"):
            if k in r:
                s = r[k]
                r[k] = None if (s is None or s in floors) else int(s)
                r[f"{k}_name"] = "floor" if (s is not None and s in floors) else (names.get(s) if s is not None else None)
        rows.append(r)
    rows.sort(key=lambda r: (r["t_s"], r["type"] != "action", r["type"], r.get("object", r.get("a", 0)),
                             r.get("b", 0)))
    for r in rows:
        r["frame"] = frame_of(r["t_s"], times)
        if "t_end_s" in r:
            r["frame_end"] = frame_of(r["t_end_s"], times)
    return rows


def dynamics_block(motion: Motion, scene, cfg, staging: dict, events: list[dict], centers: dict,
                   times: list[float]) -> dict:
    """scene.json `dynamics`: preset, simulator, actions, per moved entity its start and end state
    (centre, room, support, path length over the clip), and the events (as in events.jsonl)."""
    moved = []
    end_t = float(times[-1]) if times else motion.duration_s
    for e in motion.moving_ids:
        c0 = center_at(motion, centers, e, 0.0)
        c1 = center_at(motion, centers, e, end_t)
        steps = np.arange(0.0, end_t + 1e-9, 1.0 / 30.0)
        path = np.array([center_at(motion, centers, e, float(t)) for t in steps] + [c1])
        stops = [ev for ev in events if ev["type"] == "motion_stop" and ev.get("object") == e]
        starts = [ev for ev in events if ev["type"] == "motion_start" and ev.get("object") == e]
        moving_at_end = bool(starts and (not stops or stops[-1]["t_s"] < starts[-1]["t_s"]))
        last = stops[-1] if stops and not moving_at_end else None
        moved.append({
            "id": int(e), "name": motion.names.get(e), "kind": motion.tracks[e].kind,
            "center_start": c0, "center_end": c1, "room_start": room_at(scene, c0[:2]),
            "room_end": room_at(scene, c1[:2]),
            "support_end": None if last is None else last.get("support"),
            "support_end_name": None if last is None else last.get("support_name"),
            "at_rest_end": not moving_at_end, "rest_t_s": None if last is None else last["t_s"],
            "path_length_m": float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum()),
            "world_from_object_end": motion.pose_at(e, end_t)})
    return {"preset": cfg.name, "engine": "pybullet", "sim_hz": motion.sim_hz, "duration_s": motion.duration_s,
            "actions": [a.to_json() for a in motion.actions], "skipped": list(staging.get("skipped", [])),
            "moved": moved, "events": events, "report": {k: v for k, v in motion.report.items() if k != "sim_time_s"}}
