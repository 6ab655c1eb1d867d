"""Physics settle and validation with pybullet (DIRECT, no GUI).

Floor and surface objects are dropped from 2 mm above their rest pose and simulated for `settle_s`
seconds; their settled poses replace the placed ones. Objects that moved more than the allowed
shift or tipped more than 5° are reported as unstable and removed with everything they support.
Penetrations deeper than 1 cm after settling reject the scene.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import os
import sys
import numpy as np

from simgen.core.errors import RejectedScene
from simgen.scenes.model import PlacedObject, Room

SIM_HZ = 240
MAX_TILT_RAD = np.deg2rad(5.0)
MAX_PENETRATION_M = 0.01


def _quat_xyzw(R: np.ndarray) -> list[float]:
    from scipy.spatial.transform import Rotation

    return [float(v) for v in Rotation.from_matrix(R).as_quat()]


def _rot(q) -> np.ndarray:
    from scipy.spatial.transform import Rotation

    return Rotation.from_quat(q).as_matrix()


def _com(pieces) -> np.ndarray:
    vols = np.array([max(abs(float(p.volume)), 1e-9) for p in pieces])
    cents = np.array([p.center_mass if p.is_volume else p.bounds.mean(axis=0) for p in pieces])
    return (vols[:, None] * cents).sum(axis=0) / vols.sum()


@contextlib.contextmanager
def _native_output_silenced():
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
        with _native_output_silenced():
            import pybullet as pb

            self.cid = pb.connect(pb.DIRECT)
        self.pb = pb
        pb.resetSimulation(physicsClientId=self.cid)
        pb.setGravity(0, 0, -9.81, physicsClientId=self.cid)
        pb.setPhysicsEngineParameter(fixedTimeStep=1.0 / SIM_HZ, numSolverIterations=50,
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


def settle(objects: list[PlacedObject], rooms: list[Room], wall_thickness_m: float, settle_s: float,
           max_shift_m: float, drop_m: float = 0.002) -> tuple[list[PlacedObject], dict]:
    """Simulate the placed objects to rest. Returns (settled objects, physics report)."""
    w = _World()
    pb = w.pb
    try:
        floor = pb.createCollisionShape(pb.GEOM_PLANE, physicsClientId=w.cid)
        pb.createMultiBody(0, floor, physicsClientId=w.cid)
        for room in rooms:                       # thin static slabs just outside every room edge
            poly = np.asarray(room.polygon)
            for a, b in zip(poly, np.roll(poly, -1, axis=0)):
                d = b - a
                length = float(np.linalg.norm(d))
                n = np.array([d[1], -d[0]]) / length     # outward normal of a CCW polygon
                c = (a + b) / 2 + n * wall_thickness_m / 2
                w.static_box([c[0], c[1], room.height_m / 2], [length / 2 + wall_thickness_m,
                             wall_thickness_m / 2, room.height_m / 2], yaw=float(np.arctan2(d[1], d[0])))
        bodies = {}
        for o in objects:
            pieces = list(o.asset.collision)
            com = _com(pieces)
            pose = o.pose.copy()
            dynamic = o.placement in ("floor", "surface")
            if dynamic:
                pose[2, 3] += drop_m
            bodies[o.id] = (w.body(pieces, o.asset.mass_kg if dynamic else 0.0, pose, com), com)
        steps = int(round(settle_s * SIM_HZ))
        for _ in range(steps):
            pb.stepSimulation(physicsClientId=w.cid)

        settled, unstable = {}, []
        for o in objects:
            bid, com = bodies[o.id]
            pos, q = pb.getBasePositionAndOrientation(bid, physicsClientId=w.cid)
            R = _rot(q)
            pose = np.eye(4)
            pose[:3, :3] = R
            pose[:3, 3] = np.asarray(pos) - R @ com
            shift = float(np.linalg.norm(pose[:3, 3] - o.pose[:3, 3]))
            tilt = float(np.arccos(np.clip(R[2, 2], -1.0, 1.0)))
            if o.placement in ("floor", "surface") and (shift > max_shift_m or tilt > MAX_TILT_RAD):
                unstable.append({"id": o.id, "name": o.name, "shift_m": shift, "tilt_rad": tilt})
            settled[o.id] = (pose, shift)

        removed = {u["id"] for u in unstable}
        changed = True
        while changed:                           # remove what rested on a removed object
            changed = False
            for o in objects:
                if o.id not in removed and o.support in removed:
                    removed.add(o.id)
                    changed = True
        for oid in removed:
            pb.removeBody(bodies[oid][0], physicsClientId=w.cid)
        out = [dataclasses.replace(o, pose=settled[o.id][0]) if o.placement in ("floor", "surface") else o
               for o in objects if o.id not in removed]

        # final validation at the settled poses
        id_of = {bodies[o.id][0]: o.id for o in out}
        pb.performCollisionDetection(physicsClientId=w.cid)
        worst, pairs = 0.0, []
        for c in pb.getContactPoints(physicsClientId=w.cid):
            a, b, dist = c[1], c[2], c[8]
            if a in id_of and b in id_of and dist < -MAX_PENETRATION_M:
                pairs.append((id_of[a], id_of[b], float(-dist)))
            if a in id_of and b in id_of:
                worst = max(worst, float(-dist))
        shifts = [settled[o.id][1] for o in out if o.placement in ("floor", "surface")]
        report = {
            "engine": "pybullet", "sim_hz": SIM_HZ, "settle_s": settle_s,
            "n_simulated": len(shifts), "unstable_removed": unstable,
            "removed_ids": sorted(int(i) for i in removed),
            "max_shift_m": max(shifts) if shifts else 0.0,
            "max_penetration_m": max(worst, 0.0),
            "penetrating_pairs": len(pairs),
        }
        if pairs:
            a, b, d = pairs[0]
            raise RejectedScene("physics", f"{len(pairs)} object pairs interpenetrate by more than 1 cm "
                                           f"(e.g. ids {a} and {b}: {d * 100:.1f} cm)")
        return out, report
    finally:
        w.close()
