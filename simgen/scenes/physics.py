"""Physics settle, repair and validation with pybullet (DIRECT, no GUI, deterministic).

Floor and surface objects are dropped from 2 mm above their rest pose and simulated for up to
`settle_s` seconds (stopping early once every body is at rest, checked every 0.1 s); their settled
poses replace the placed ones. Objects that moved more than the allowed shift or tipped more than 5°
are *repaired*: put back at their placed pose and simulated again with everything else frozen at its
settled pose (an object knocked by a neighbour usually rests fine alone). Those still unstable are
removed with everything they support. Pairs still interpenetrating by more than 1 cm lose their
lighter object (recorded). `scene.json` "physics" records all of it.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import os
import sys
import numpy as np

from simgen.scenes.model import PlacedObject, Room

SIM_HZ = 240
MAX_TILT_RAD = np.deg2rad(5.0)
MAX_PENETRATION_M = 0.01
MAX_REST_GAP_M = 0.01     # a settled floor / surface object's lowest box corner within this of its plane


def _quat_xyzw(R: np.ndarray) -> list[float]:
    from scipy.spatial.transform import Rotation

    return [float(v) for v in Rotation.from_matrix(R).as_quat()]


def _rot(q) -> np.ndarray:
    from scipy.spatial.transform import Rotation

    return Rotation.from_quat(q).as_matrix()


def center_of_mass(pieces) -> np.ndarray:
    """Volume-weighted centre of convex pieces (asset frame); flat pieces count by their box centre."""
    vols = np.array([max(abs(float(p.volume)), 1e-9) for p in pieces])
    cents = np.array([p.center_mass if p.is_volume else p.bounds.mean(axis=0) for p in pieces])
    return (vols[:, None] * cents).sum(axis=0) / vols.sum()


@contextlib.contextmanager
def native_output_silenced():
    """Keep pybullet's C-level banners ("pybullet build time: ...") off stdout and stderr."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            os.dup2(devnull.fileno(), 2)
            try:
                yield
            finally:
                ctypes.CDLL(None).fflush(None)   # flush C's buffers while they still point at devnull
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


class _World:
    def __init__(self):
        with native_output_silenced():
            import pybullet as pb

            self.cid = pb.connect(pb.DIRECT)
        self.pb = pb
        pb.resetSimulation(physicsClientId=self.cid)
        pb.setGravity(0, 0, -9.81, physicsClientId=self.cid)
        pb.setPhysicsEngineParameter(fixedTimeStep=1.0 / SIM_HZ, numSolverIterations=30,
                                     deterministicOverlappingPairs=1, physicsClientId=self.cid)

    def close(self):
        self.pb.disconnect(self.cid)

    def static_box(self, center, half_extents, yaw=0.0):
        pb = self.pb
        col = pb.createCollisionShape(pb.GEOM_BOX, halfExtents=list(map(float, half_extents)),
                                      physicsClientId=self.cid)
        q = pb.getQuaternionFromEuler([0, 0, yaw])
        return pb.createMultiBody(0, col, basePosition=list(map(float, center)), baseOrientation=q,
                                  physicsClientId=self.cid)

    def body(self, pieces, mass_kg: float, pose: np.ndarray, com: np.ndarray) -> int:
        """A rigid body made of convex pieces (asset frame). The body frame is the asset frame moved to
        `com`; extra pieces are links on fixed joints with masses split by volume, all inertial
        frames at the body origin so the centre of mass is `com`."""
        pb = self.pb
        shapes = [pb.createCollisionShape(pb.GEOM_MESH, vertices=(np.asarray(p.vertices) - com).tolist(),
                                          physicsClientId=self.cid) for p in pieces]
        vols = np.array([max(abs(float(p.volume)), 1e-9) for p in pieces])
        masses = (mass_kg * vols / vols.sum()).tolist() if mass_kg > 0 else [0.0] * len(pieces)
        world_com = pose[:3, :3] @ com + pose[:3, 3]
        n = len(shapes) - 1
        bid = pb.createMultiBody(
            masses[0], shapes[0], basePosition=world_com.tolist(), baseOrientation=_quat_xyzw(pose[:3, :3]),
            linkMasses=masses[1:], linkCollisionShapeIndices=shapes[1:], linkVisualShapeIndices=[-1] * n,
            linkPositions=[[0, 0, 0]] * n, linkOrientations=[[0, 0, 0, 1]] * n,
            linkInertialFramePositions=[[0, 0, 0]] * n, linkInertialFrameOrientations=[[0, 0, 0, 1]] * n,
            linkParentIndices=[0] * n, linkJointTypes=[pb.JOINT_FIXED] * n, linkJointAxis=[[0, 0, 1]] * n,
            physicsClientId=self.cid)
        for link in range(-1, n):
            pb.changeDynamics(bid, link, lateralFriction=0.9, rollingFriction=0.001, spinningFriction=0.001,
                              physicsClientId=self.cid)
        pb.changeDynamics(bid, -1, linearDamping=0.2, angularDamping=0.2, physicsClientId=self.cid)
        return bid


def room_edge_slabs(rooms, wall_thickness_m: float):
    """Thin wall slabs just outside every room edge (door openings closed): yields
    (centre (x, y, z), half extents (x, y, z), yaw_rad) of each box, in room and edge order."""
    for room in rooms:
        poly = np.asarray(room.polygon, dtype=np.float64)
        for a, b in zip(poly, np.roll(poly, -1, axis=0)):
            d = b - a
            length = float(np.linalg.norm(d))
            if length < 1e-6:
                continue
            n = np.array([d[1], -d[0]]) / length     # outward normal of a CCW polygon
            c = (a + b) / 2 + n * wall_thickness_m / 2
            yield ([float(c[0]), float(c[1]), room.height_m / 2],
                   [length / 2, wall_thickness_m / 2, room.height_m / 2], float(np.arctan2(d[1], d[0])))


def _static_walls(w, rooms, wall_thickness_m: float) -> None:
    pb = w.pb
    floor = pb.createCollisionShape(pb.GEOM_PLANE, physicsClientId=w.cid)
    pb.createMultiBody(0, floor, physicsClientId=w.cid)
    for centre, half, yaw in room_edge_slabs(rooms, wall_thickness_m):
        w.static_box(centre, half, yaw=yaw)


def _simulate(objects, poses: dict, dynamic: set, rooms, wall_thickness_m: float, seconds: float,
              drop_m: float):
    """Run one world. Returns ({id: final pose}, [(id_a, id_b, depth_m)] penetrations > 1 cm, steps)."""
    w = _World()
    pb = w.pb
    try:
        _static_walls(w, rooms, wall_thickness_m)
        bodies = {}
        for o in objects:
            pieces = list(o.asset.collision)
            com = center_of_mass(pieces)
            pose = poses[o.id].copy()
            dyn = o.id in dynamic
            if dyn:
                pose[2, 3] += drop_m
            bodies[o.id] = (w.body(pieces, o.asset.mass_kg if dyn else 0.0, pose, com), com)
        steps, max_steps, chunk = 0, int(round(seconds * SIM_HZ)), SIM_HZ // 10
        while steps < max_steps:
            for _ in range(min(chunk, max_steps - steps)):
                pb.stepSimulation(physicsClientId=w.cid)
            steps += min(chunk, max_steps - steps)
            if steps >= SIM_HZ // 4 and all(
                    np.linalg.norm(np.concatenate(pb.getBaseVelocity(bodies[i][0], physicsClientId=w.cid))) < 1e-3
                    for i in dynamic):
                break
        out = {}
        for o in objects:
            bid, com = bodies[o.id]
            pos, q = pb.getBasePositionAndOrientation(bid, physicsClientId=w.cid)
            R = _rot(q)
            pose = np.eye(4)
            pose[:3, :3] = R
            pose[:3, 3] = np.asarray(pos) - R @ com
            out[o.id] = pose if o.id in dynamic else poses[o.id]
        id_of = {bodies[o.id][0]: o.id for o in objects}
        pb.performCollisionDetection(physicsClientId=w.cid)
        pairs = {}
        for c in pb.getContactPoints(physicsClientId=w.cid):
            a, b, dist = c[1], c[2], c[8]
            if a in id_of and b in id_of and dist < -MAX_PENETRATION_M:
                key = tuple(sorted((id_of[a], id_of[b])))
                pairs[key] = max(pairs.get(key, 0.0), float(-dist))
        return out, [(a, b, d) for (a, b), d in sorted(pairs.items())], steps
    finally:
        w.close()


def _rest_gap(o, poses: dict, by_id: dict) -> float:
    """|lowest corner of o's box - the plane it rests on| at `poses` (floor: z = 0; surface: the nearest
    support plane of its support object, at the support's pose there). The layout's resting rule, as
    simgen.scenes.bench.check_scene measures it; 0 for other placements."""
    if o.placement not in ("floor", "surface"):
        return 0.0
    z = float(o.box_corners(poses.get(o.id, o.pose))[:, 2].min())
    if o.placement == "floor":
        return abs(z)
    sup = by_id.get(o.support)
    if sup is None:
        return np.inf
    zs = float(poses.get(sup.id, sup.pose)[2, 3])
    return min((abs(z - (zs + s.height_m)) for s in sup.asset.supports), default=np.inf)


def _motion(o, before: np.ndarray, after: np.ndarray) -> tuple[float, float]:
    shift = float(np.linalg.norm(after[:3, 3] - before[:3, 3]))
    tilt = float(np.arccos(np.clip(after[2, 2], -1.0, 1.0)))
    return shift, tilt


def settle(objects: list[PlacedObject], rooms: list[Room], wall_thickness_m: float, settle_s: float,
           max_shift_m: float, drop_m: float = 0.002) -> tuple[list[PlacedObject], dict]:
    """Simulate the placed objects to rest, repair or remove unstable ones. Returns (objects, report).

    Unstable: moved more than max_shift_m, tilted more than MAX_TILT_RAD, or no longer resting on its
    plane (lowest box corner more than MAX_REST_GAP_M off it: a vase that slid against a bench's back and
    leaned 4 degrees sank 1.1 cm into the seat). Repair: settle again from the placed pose alone; what
    still breaks a rule is removed."""
    placed = {o.id: o.pose for o in objects}
    dyn = {o.id for o in objects if o.placement in ("floor", "surface")}
    poses, pairs, steps = _simulate(objects, placed, dyn, rooms, wall_thickness_m, settle_s, drop_m)
    unstable = []
    by_id = {o.id: o for o in objects}
    for o in objects:
        if o.id in dyn:
            sh, ti = _motion(o, placed[o.id], poses[o.id])
            gap = _rest_gap(o, poses, by_id)
            if sh > max_shift_m or ti > MAX_TILT_RAD or gap > MAX_REST_GAP_M:
                unstable.append({"id": o.id, "name": o.name, "shift_m": sh, "tilt_rad": ti, "rest_gap_m": float(gap)})
    repaired, removed = [], set()
    if unstable:
        bad = {u["id"] for u in unstable}
        trial = {i: (placed[i] if i in bad else poses[i]) for i in placed}
        poses2, _, steps2 = _simulate(objects, trial, bad, rooms, wall_thickness_m, settle_s, drop_m)
        steps += steps2
        after = {**poses, **poses2}
        for o in objects:
            if o.id in bad:
                sh, ti = _motion(o, placed[o.id], poses2[o.id])
                if sh <= max_shift_m and ti <= MAX_TILT_RAD and _rest_gap(o, after, by_id) <= MAX_REST_GAP_M:
                    poses[o.id] = poses2[o.id]
                    repaired.append(o.id)
                else:
                    removed.add(o.id)
    kept = [o for o in objects if o.id not in removed]
    # penetrations at the final poses: the lighter object of each pair goes
    _, pairs, _ = _simulate(kept, poses, set(), rooms, wall_thickness_m, 0.0, 0.0)
    pen_removed = []
    for a, b, d in pairs:
        if a in removed or b in removed:
            continue
        loser = a if by_id[a].asset.mass_kg <= by_id[b].asset.mass_kg else b
        removed.add(loser)
        pen_removed.append({"id": loser, "other": b if loser == a else a, "depth_m": d})
    changed = True
    while changed:                           # remove what rested on a removed object
        changed = False
        for o in objects:
            if o.id not in removed and o.support in removed:
                removed.add(o.id)
                changed = True
    out = [dataclasses.replace(o, pose=poses[o.id]) if o.id in dyn else o for o in objects if o.id not in removed]
    shifts = [_motion(o, placed[o.id], poses[o.id])[0] for o in out if o.id in dyn]
    report = {
        "engine": "pybullet", "sim_hz": SIM_HZ, "settle_s": settle_s, "steps": steps,
        "n_simulated": len(dyn), "unstable": unstable, "repaired_ids": sorted(repaired),
        "penetration_removed": pen_removed,
        "unstable_removed": [u for u in unstable if u["id"] in removed],
        "removed_ids": sorted(int(i) for i in removed),
        "max_shift_m": max(shifts) if shifts else 0.0,
        "penetrating_pairs_before_repair": len(pairs), "penetrating_pairs": 0,
    }
    return out, report


def stability_check(objects: list[PlacedObject], rooms: list[Room], wall_thickness_m: float, seconds: float = 2.0,
                    max_shift_m: float = 0.02) -> dict:
    """Simulate a finished scene for `seconds` from its poses (no drop): how many objects stay put."""
    dyn = {o.id for o in objects if o.placement in ("floor", "surface")}
    poses, pairs, _ = _simulate(objects, {o.id: o.pose for o in objects}, dyn, rooms, wall_thickness_m, seconds, 0.0)
    moved = [o.id for o in objects if o.id in dyn and (lambda m: m[0] > max_shift_m or m[1] > MAX_TILT_RAD)(
        _motion(o, o.pose, poses[o.id]))]
    return {"n_objects": len(objects), "n_dynamic": len(dyn), "n_unstable": len(moved), "unstable_ids": moved,
            "stable_fraction": 1.0 - len(moved) / max(1, len(objects)), "penetrating_pairs": len(pairs)}


def stands_alone(asset, seconds: float = 0.75, max_shift_m: float = 0.02) -> bool:
    """Whether `asset` rests on a bare floor by itself (dropped from 2 mm, simulated `seconds`): used
    by the room program for categories whose variants may tip over (floor lamps, backpacks)."""
    from simgen.scenes.fill import pose_from

    o = PlacedObject(1, "probe", asset, pose_from(0.0, 0.0, 0.0, 0.0), "probe", "floor", None)
    room = Room("probe", "office", ((-3.0, -3.0), (3.0, -3.0), (3.0, 3.0), (-3.0, 3.0)), 3.0)
    poses, _, _ = _simulate([o], {1: o.pose}, {1}, [room], 0.1, seconds, 0.002)
    sh, ti = _motion(o, o.pose, poses[1])
    return sh <= max_shift_m and ti <= MAX_TILT_RAD
