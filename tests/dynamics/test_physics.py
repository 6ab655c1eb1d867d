"""Known-answer physics of the dynamics stage (no rendering): a ball pushed with a known impulse
rolls to where an independent pybullet run puts it; stopping distance grows as v^2; a box knocked
off a table gives one fall event with the table's height as drop and a support change; the
simulation is deterministic; the entrance-door leaf turns about its hinge."""

from __future__ import annotations

import numpy as np
import pytest

from simgen.dynamics.config import DynamicsConfig
from simgen.dynamics.motion import Action
from simgen.dynamics.plan import knock_off_params
from simgen.dynamics.proxies import add_proxy, ball_asset
from simgen.dynamics.records import local_centers
from simgen.dynamics.simulate import simulate
from simgen.dynamics.world import FRICTION, FLOOR_RESTITUTION

from tests.dynamics.conftest import box_asset, place

R, M = 0.1, 0.45


def _roll(scene, impulse_x: float, cfg: DynamicsConfig, seconds: float = 6.0):
    scene, ball = add_proxy(scene, ball_asset(R, M, "red"), (1.0, 2.0), 0.0, "room_0", "ball_0")
    v = impulse_x / M
    act = Action("roll_ball", ball.id, 0.5, {"velocity_mps": [v, 0.0, 0.0], "impulse_ns": [impulse_x, 0.0, 0.0],
                                             "radius_m": R})
    return scene, ball, simulate(scene, [act], cfg, seconds, 0.12)


def _reference_rest(v: float, cfg: DynamicsConfig, seconds: float, start_s: float) -> np.ndarray:
    """The same ball on a bare plane, set up directly with pybullet (no simgen code)."""
    import pybullet as pb

    cid = pb.connect(pb.DIRECT)
    try:
        pb.setGravity(0, 0, -9.81, physicsClientId=cid)
        pb.setPhysicsEngineParameter(fixedTimeStep=1.0 / cfg.sim_hz, numSolverIterations=30,
                                     deterministicOverlappingPairs=1, physicsClientId=cid)
        plane = pb.createMultiBody(0, pb.createCollisionShape(pb.GEOM_PLANE, physicsClientId=cid), physicsClientId=cid)
        pb.changeDynamics(plane, -1, lateralFriction=FRICTION, restitution=FLOOR_RESTITUTION, physicsClientId=cid)
        ball = pb.createMultiBody(M, pb.createCollisionShape(pb.GEOM_SPHERE, radius=R, physicsClientId=cid),
                                  basePosition=[1.0, 2.0, R], physicsClientId=cid)
        pb.changeDynamics(ball, -1, lateralFriction=FRICTION, rollingFriction=cfg.ball_rolling_friction,
                          spinningFriction=0.001, restitution=cfg.ball_restitution, linearDamping=0.0,
                          angularDamping=0.0, physicsClientId=cid)
        n = int(round(seconds * cfg.sim_hz))
        k0 = int(round(start_s * cfg.sim_hz))
        for k in range(n + 1):
            if k == k0:
                pb.resetBaseVelocity(ball, [v, 0, 0], [0, v / R, 0], physicsClientId=cid)
            if k > 0:
                pb.stepSimulation(physicsClientId=cid)
        return np.asarray(pb.getBasePositionAndOrientation(ball, physicsClientId=cid)[0])
    finally:
        pb.disconnect(cid)


def test_ball_known_impulse_rests_where_pybullet_says(empty_room):
    cfg = DynamicsConfig()
    J = 0.675                                             # N s -> 1.5 m/s for a 0.45 kg ball
    scene, ball, motion = _roll(empty_room, J, cfg)
    centers = local_centers(scene, motion)
    c_end = motion.pose_at(ball.id, 6.0)[:3, :3] @ centers[ball.id] + motion.pose_at(ball.id, 6.0)[:3, 3]
    ref = _reference_rest(J / M, cfg, 6.0, 0.5)
    assert np.abs(c_end - ref).max() < 1e-3               # same rest point as bare pybullet (1 mm)
    assert c_end[0] - 1.0 > 0.5 and abs(c_end[1] - 2.0) < 1e-3 and abs(c_end[2] - R) < 1e-3
    # the impulse: speed right after the push is J / m
    c_v = np.linalg.norm((motion.pose_at(ball.id, 0.55) @ np.r_[centers[ball.id], 1])[:3]
                         - (motion.pose_at(ball.id, 0.5) @ np.r_[centers[ball.id], 1])[:3]) / 0.05
    assert c_v == pytest.approx(J / M, rel=0.02)
    kinds = [e["type"] for e in motion.events if e.get("object") == ball.id]
    assert kinds == ["motion_start", "motion_stop"]
    start = next(e for e in motion.events if e["type"] == "motion_start")
    assert start["t_s"] == pytest.approx(0.5, abs=1.5 / cfg.sim_hz)


def test_stopping_distance_grows_with_speed_squared(empty_room):
    """Rolling resistance decelerates the ball at a constant rate: distance ~ v^2."""
    cfg = DynamicsConfig()
    d = []
    for J in (0.36, 0.72):                                # 0.8 and 1.6 m/s
        scene, ball, motion = _roll(empty_room, J, cfg)
        c = local_centers(scene, motion)[ball.id]
        d.append(float((motion.pose_at(ball.id, 6.0) @ np.r_[c, 1])[0] - (motion.pose_at(ball.id, 0.0) @ np.r_[c, 1])[0]))
    assert d[1] / d[0] == pytest.approx(4.0, rel=0.05)
    assert 0.3 < d[0] < 0.8                               # ~0.63 m/s^2 of rolling resistance at 0.8 m/s


def test_box_knocked_off_table_falls_once(empty_room):
    cfg = DynamicsConfig()
    scene = place(empty_room, 10, "table_0", box_asset("table", (1.0, 0.6, 0.7), 20.0), (3.0, 2.0, 0.0))
    scene = place(scene, 11, "box_0", box_asset("box", (0.15, 0.15, 0.15), 0.5), (3.3, 2.0, 0.7),
                  placement="surface", support=10)
    box, table = scene.objects[1], scene.objects[0]
    act = Action("knock_off", 11, 0.2, knock_off_params(box, table, 0.8, 2.0))
    assert act.params["direction_xy"] == pytest.approx([1.0, 0.0])     # the nearest edge is at +x
    motion = simulate(scene, [act], cfg, 3.0, 0.12)
    falls = [e for e in motion.events if e["type"] == "fall"]
    assert len(falls) == 1
    f = falls[0]
    assert f["object"] == 11 and f["support_before"] == 10 and f["support_after"] == 1   # floor_room_0
    assert f["drop_m"] == pytest.approx(0.7, abs=0.03)   # the table's height
    assert motion.moving_ids == [11]                     # the table stays where it was
    c = motion.pose_at(11, 3.0) @ np.r_[local_centers(scene, motion)[11], 1]
    assert c[0] > 3.5 and 0.07 < c[2] < 0.11                # beyond the table's +x edge, lying on the floor
    stops = [e for e in motion.events if e["type"] == "motion_stop" and e["object"] == 11]
    assert len(stops) == 1 and stops[0]["support"] == 1
    assert stops[0]["t_s"] < 3.0


def test_simulation_is_deterministic(empty_room):
    cfg = DynamicsConfig()
    runs = [_roll(empty_room, 0.9, cfg, 3.0)[2] for _ in range(2)]
    a, b = (m.tracks[max(m.tracks)] for m in runs)
    assert a.pos.tobytes() == b.pos.tobytes() and a.quat.tobytes() == b.quat.tobytes()
    assert runs[0].events == runs[1].events


def test_pushed_box_slides_its_distance(empty_room):
    cfg = DynamicsConfig()
    scene = place(empty_room, 10, "box_0", box_asset("box", (0.4, 0.4, 0.4), 5.0), (2.0, 2.0, 0.0))
    act = Action("push_object", 10, 0.2, {"direction_xy": [0.0, 1.0], "speed_mps": 0.7, "distance_m": 0.8,
                                          "max_s": 3.0})
    motion = simulate(scene, [act], cfg, 4.0, 0.12)
    end = motion.pose_at(10, 4.0)
    assert end[1, 3] - 2.0 == pytest.approx(0.8, abs=0.03)   # carried 0.8 m, eased to a stop
    assert abs(end[0, 3] - 2.0) < 0.01 and end[2, 2] > 0.999  # straight, upright
    assert not [e for e in motion.events if e["type"] == "fall"]
