"""Run the clip's physics: build the world, apply the actions at their times, step at sim_hz,
record the bodies that move and detect events. Deterministic: pybullet DIRECT with fixed inputs and
a fixed order of body creation and of every call."""

from __future__ import annotations

import logging
import time

import numpy as np
from shapely.geometry import Point, Polygon

from simgen.dynamics.config import DynamicsConfig
from simgen.dynamics.events import EventTracker
from simgen.dynamics.motion import Action, Motion, Track
from simgen.dynamics.world import World, pose_matrix, quat_xyzw

log = logging.getLogger(__name__)
MOVED_SHIFT_M = 0.005          # an entity whose pose changes more than this (or MOVED_TILT_RAD) moved
MOVED_TILT_RAD = np.deg2rad(2.0)
PUSH_ACCEL_MPS2 = 1.5          # a pushed object speeds up and slows down at most this fast
TRACK_EPS_M = 5e-4             # a body is recorded from the first step it leaves its start by this


def _rotz(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    R = np.eye(4)
    R[:2, :2] = [[c, -s], [s, c]]
    return R


def _smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


def door_body_pose(body0: np.ndarray, hinge_xy, angle_rad: float) -> np.ndarray:
    """Body pose of a door leaf rotated by angle_rad (CCW seen from above) about the vertical hinge."""
    T = np.eye(4)
    T[:2, 3] = hinge_xy
    Ti = np.eye(4)
    Ti[:2, 3] = -np.asarray(hinge_xy, dtype=np.float64)
    return T @ _rotz(angle_rad) @ Ti @ body0


def person_body_pose(p: dict, t_s: float, start_s: float) -> np.ndarray:
    a, b = np.asarray(p["start_xy"]), np.asarray(p["end_xy"])
    length = float(np.linalg.norm(b - a))
    s = min(max((t_s - start_s) * p["speed_mps"], 0.0), length)
    xy = a + (b - a) / max(length, 1e-9) * s
    T = _rotz(float(np.arctan2(b[1] - a[1], b[0] - a[0])))
    T[:3, 3] = [xy[0], xy[1], p["height_m"] / 2]
    return T


def simulate(scene, actions: list[Action], cfg: DynamicsConfig, duration_s: float,
             wall_thickness_m: float) -> Motion:
    """Simulate `duration_s` seconds of the scene (objects at their scene poses at t = 0) under the
    actions. Floor and surface objects are dynamic, wall and ceiling objects fixed; the ball and the
    person proxies (categories "ball", "person") get a sphere and a capsule; the door leaf of a
    swing_door action is driven about its hinge. Returns the Motion (tracks of moved entities)."""
    t_wall = time.perf_counter()
    hz = int(cfg.sim_hz)
    n_steps = int(np.ceil(duration_s * hz - 1e-9)) + 1
    floors = {s.room: s.id for s in scene.structures if s.kind == "floor"}
    wall_id = next((s.id for s in scene.structures if s.kind == "wall"), 0)
    polys = [(r.id, Polygon(r.polygon)) for r in scene.rooms]
    first_floor = floors.get(scene.rooms[0].id, 0) if scene.rooms else 0

    def floor_of(xy) -> int:
        p = Point(float(xy[0]), float(xy[1]))
        for rid, poly in polys:
            if poly.buffer(0.05).covers(p):
                return floors.get(rid, first_floor)
        return first_floor

    names = {o.id: o.name for o in scene.objects}
    names.update({s.id: s.name for s in scene.structures})
    by_target = {a.target: a for a in actions}
    with World(hz) as w:
        w.add_floor_and_walls(scene.rooms, wall_thickness_m, first_floor, wall_id)
        body_of: dict[int, object] = {}
        for o in scene.objects:
            cat = o.asset.category
            if cat == "ball" and o.asset.generator == "dynamics.ball":
                b = w.add_ball(o, o.asset.params["radius_m"], o.asset.mass_kg, cfg.ball_rolling_friction,
                               cfg.ball_restitution)
            elif cat == "person" and o.asset.generator == "dynamics.person":
                b = w.add_driven_capsule(o, o.asset.params["radius_m"], o.asset.params["height_m"])
            else:
                b = w.add_object(o, dynamic=o.placement in ("floor", "surface"))
            body_of[o.id] = b
        for a in actions:
            if a.kind == "swing_door":
                p = a.params
                body0 = pose_matrix(p["leaf_center"], quat_xyzw(_rotz(p["leaf_yaw_rad"])[:3, :3]))
                body_of[a.target] = w.add_driven_box(a.target, "door", np.asarray(p["leaf_size_m"]) / 2, body0, 25.0)
        dyn = [b for b in w.bodies.values() if b.kind not in ("floor", "wall") and
               (b.mass_kg > 0 or b.constraint is not None)]
        tracker = EventTracker(w, hz, cfg.moving_speed_mps, cfg.moving_spin_rad_s, cfg.rest_hold_s,
                               cfg.fall_min_drop_m, floor_of)
        start = {b.bid: (tuple(float(x) for x in b.body0[:3, 3]), quat_xyzw(b.body0[:3, :3])) for b in dyn}
        rec: dict[int, tuple[int, list, list]] = {}       # bid -> (first step, [pos], [quat])
        carry: dict[int, dict] = {}                       # push / knock: carried until released
        started = set()
        quiet_after = max([_action_end(a) for a in actions], default=0.0) + cfg.rest_hold_s
        stopped_at = n_steps - 1
        for step in range(n_steps):
            t = step / hz
            for a in actions:                             # actions, in their fixed order
                b = body_of.get(a.target)
                if b is None:
                    continue
                if a.kind == "swing_door":
                    x = _smoothstep((t - a.start_s) / a.params["swing_s"])
                    w.drive(b, door_body_pose(b.body0, a.params["hinge_xy"], a.params["sign"] * a.params["open_rad"] * x))
                elif a.kind == "walk_person":
                    w.drive(b, person_body_pose(a.params, t, a.start_s))
                elif t + 1e-9 >= a.start_s and a.target not in started:
                    started.add(a.target)
                    if a.kind == "roll_ball":
                        v = np.asarray(a.params["velocity_mps"], dtype=np.float64)
                        r = a.params["radius_m"]
                        w.set_velocity(b.bid, v, np.cross([0.0, 0.0, 1.0], v) / r)   # rolling: no slip at the floor
                    else:
                        carry[a.target] = {"t0": t, "start": np.asarray(w.state(b.bid)[0])}
                if a.target in carry and a.kind in ("push_object", "knock_off"):
                    c = carry[a.target]
                    pos, _q, v, w_ang = (np.asarray(x) for x in w.state(b.bid))
                    d = np.asarray(a.params["direction_xy"], dtype=np.float64)
                    done = t - c["t0"] > a.params["max_s"]
                    speed = a.params["speed_mps"]
                    if a.kind == "push_object":   # ease in and out (PUSH_ACCEL_MPS2) so that it slides, not tips
                        left = a.params["distance_m"] - float(np.dot(pos[:2] - c["start"][:2], d))
                        speed = min(speed, PUSH_ACCEL_MPS2 * (t - c["t0"]) + 0.05,
                                    float(np.sqrt(2 * PUSH_ACCEL_MPS2 * max(left, 0.0))))
                        done |= left <= 0.0 or speed < 0.02
                    else:
                        done |= _off_support(pos, a.params)
                    if done:
                        carry.pop(a.target)
                        w.set_velocity(b.bid, [0.0, 0.0, v[2]] if a.kind == "push_object" else v, w_ang)
                    else:
                        # carried upright (a hand holds it), so it slides rather than tips
                        w.set_velocity(b.bid, [d[0] * speed, d[1] * speed, v[2]], [0.0, 0.0, 0.0])
            if step > 0:
                w.step()
            else:                                         # contacts of the start poses (the baseline)
                w.pb.performCollisionDetection(physicsClientId=w.cid)
            contacts = w.contacts()
            states = {b.bid: w.state(b.bid) for b in dyn}
            tracker.update(step, contacts, states)
            for b in dyn:
                pos, q = states[b.bid][0], states[b.bid][1]
                if b.bid not in rec:
                    p0, qr = start[b.bid]
                    if (pos[0] - p0[0]) ** 2 + (pos[1] - p0[1]) ** 2 + (pos[2] - p0[2]) ** 2 < TRACK_EPS_M ** 2 and \
                            abs(abs(q[0] * qr[0] + q[1] * qr[1] + q[2] * qr[2] + q[3] * qr[3]) - 1.0) < 1e-7:
                        continue
                    rec[b.bid] = (step, [], [])
                rec[b.bid][1].append(pos)
                rec[b.bid][2].append(q)
            if t >= quiet_after and not carry and tracker.all_at_rest():
                stopped_at = step                          # nothing can move again: hold the last states
                break
        for first, ps, qs in rec.values():                 # pad to the clip's end with the last state
            ps.extend([ps[-1]] * (n_steps - first - len(ps)))
            qs.extend([qs[-1]] * (n_steps - first - len(qs)))
        tracks = {}
        for b in dyn:
            if b.bid not in rec:
                continue
            first, ps, qs = rec[b.bid]
            pos = np.empty((n_steps, 3))
            quat = np.empty((n_steps, 4))
            pos[:first] = b.body0[:3, 3]
            quat[:first] = quat_xyzw(b.body0[:3, :3])
            pos[first:] = np.asarray(ps)
            quat[first:] = np.asarray(qs)
            shift = np.linalg.norm(pos - pos[0], axis=1).max()
            tilt = max(_angle(quat[0], qk) for qk in quat[:: max(1, hz // 30)]) if len(quat) else 0.0
            if shift > MOVED_SHIFT_M or tilt > MOVED_TILT_RAD or b.entity in by_target:
                tracks[b.entity] = Track(b.entity, b.kind, pos, quat, np.linalg.inv(b.body0) @ b.pose0)
        moved = set(tracks)
        events = [_finish(e) for e in tracker.events
                  if e["type"] in ("contact_begin", "contact_end") or e["object"] in moved]
        events.sort(key=lambda e: (e["t_s"], e["type"], e.get("object", e.get("a")), e.get("b", 0)))
    report = {"engine": "pybullet", "sim_hz": hz, "steps": n_steps, "steps_simulated": stopped_at + 1,
              "duration_s": float(duration_s),
              "n_bodies": len(dyn), "n_moved": len(tracks), "n_events": len(events),
              "sim_time_s": round(time.perf_counter() - t_wall, 3)}
    log.debug("dynamics: %s", report)
    return Motion(sim_hz=hz, duration_s=float(duration_s), actions=list(actions), tracks=tracks, events=events,
                  names=names, report=report)


def _action_end(a: Action) -> float:
    """Clip time after which the action no longer drives its target (push/knock: their time cap)."""
    p = a.params
    if a.kind == "swing_door":
        return a.start_s + p["swing_s"]
    if a.kind == "walk_person":
        return a.start_s + float(np.linalg.norm(np.subtract(p["end_xy"], p["start_xy"]))) / p["speed_mps"]
    return a.start_s + (p.get("max_s", 0.0) if a.kind in ("push_object", "knock_off") else 0.0)


def _angle(q0, q1) -> float:
    return float(2 * np.arccos(min(1.0, abs(float(np.dot(q0, q1))))))


def _off_support(pos: np.ndarray, p: dict) -> bool:
    """Whether a body's centre of mass has left its support's top (an oriented rectangle, world xy)."""
    c, axes, half = np.asarray(p["support_center_xy"]), np.asarray(p["support_axes"]), np.asarray(p["support_half_m"])
    local = axes @ (pos[:2] - c)
    return bool(np.any(np.abs(local) > half))


def _finish(e: dict) -> dict:
    out = {}
    for k, v in e.items():
        if isinstance(v, np.ndarray):
            v = [float(x) for x in v]
        elif isinstance(v, (np.floating, float)):
            v = float(v)
        out[k] = v
    return out
