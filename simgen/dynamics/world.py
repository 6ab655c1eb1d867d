"""The pybullet world of a dynamic scene (DIRECT, deterministic): floor plane, wall slabs, every
object as a body, driven bodies (door leaf, person) held by a moving fixed constraint.

Body conventions: a body's frame is the entity's frame moved to its centre of mass; the entity's
world pose at any time is B(t) · B(0)⁻¹ · P(0), where B is the body's world pose and P(0) the entity's
pose in the scene (world_from_asset for objects, the identity for structures, whose meshes are in
world coordinates).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simgen.scenes.physics import center_of_mass, native_output_silenced, room_edge_slabs

FRICTION = 0.9           # objects on floors and on each other (as the settle stage uses)
FLOOR_RESTITUTION = 0.5
DRIVE_FORCE_N = 20000.0  # max force of the constraints that drive the door leaf and the person


def quat_xyzw(R: np.ndarray) -> list[float]:
    """Unit quaternion [x, y, z, w] of a (3, 3) rotation matrix (Shepperd's method; w >= 0)."""
    m = np.asarray(R, dtype=np.float64)
    tr = m[0, 0] + m[1, 1] + m[2, 2]
    if tr > 0:
        s = 2.0 * np.sqrt(tr + 1.0)
        q = [(m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, 0.25 * s]
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = 2.0 * np.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2])
        q = [0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s, (m[2, 1] - m[1, 2]) / s]
    elif m[1, 1] > m[2, 2]:
        s = 2.0 * np.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2])
        q = [(m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s, (m[0, 2] - m[2, 0]) / s]
    else:
        s = 2.0 * np.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1])
        q = [(m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s, (m[1, 0] - m[0, 1]) / s]
    q = np.asarray(q, dtype=np.float64)
    q /= np.linalg.norm(q)
    if q[3] < 0:
        q = -q
    return [float(v) for v in q]


def rot_of(q) -> np.ndarray:
    """(3, 3) rotation matrix of a quaternion [x, y, z, w] (normalised here)."""
    x, y, z, w = np.asarray(q, dtype=np.float64) / np.linalg.norm(q)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def pose_matrix(pos, q) -> np.ndarray:
    T = np.eye(4)
    T[:3, :3] = rot_of(q)
    T[:3, 3] = pos
    return T


@dataclass
class Body:
    """One simulated entity. kind: object | ball | person | door | floor | wall."""

    entity: int                    # scene id (object id or structure id)
    bid: int                       # pybullet body id
    kind: str
    pose0: np.ndarray              # (4, 4) entity pose at t = 0
    body0: np.ndarray              # (4, 4) body pose at t = 0
    mass_kg: float = 0.0
    constraint: int | None = None  # driven bodies
    extra: dict = field(default_factory=dict)


class World:
    """`with World(sim_hz) as w:` one pybullet DIRECT client; closed on exit."""

    def __init__(self, sim_hz: int):
        self.sim_hz = int(sim_hz)
        self.bodies: dict[int, Body] = {}          # pybullet body id -> Body
        self.statics: list[int] = []                # wall slabs and the floor plane (body ids)

    def __enter__(self) -> "World":
        with native_output_silenced():
            import pybullet as pb

            self.cid = pb.connect(pb.DIRECT)
        self.pb = pb
        pb.resetSimulation(physicsClientId=self.cid)
        pb.setGravity(0, 0, -9.81, physicsClientId=self.cid)
        pb.setPhysicsEngineParameter(fixedTimeStep=1.0 / self.sim_hz, numSolverIterations=30,
                                     deterministicOverlappingPairs=1, physicsClientId=self.cid)
        return self

    def __exit__(self, *exc) -> None:
        self.pb.disconnect(self.cid)

    # ---------------------------------------------------------------- static geometry
    def add_floor_and_walls(self, rooms, wall_thickness_m: float, floor_id: int, wall_id: int) -> None:
        """Plane at z = 0 and a slab just outside every room edge (door openings are closed)."""
        pb, c = self.pb, self.cid
        plane = pb.createMultiBody(0, pb.createCollisionShape(pb.GEOM_PLANE, physicsClientId=c), physicsClientId=c)
        pb.changeDynamics(plane, -1, lateralFriction=FRICTION, restitution=FLOOR_RESTITUTION, physicsClientId=c)
        self.bodies[plane] = Body(floor_id, plane, "floor", np.eye(4), np.eye(4))
        self.statics.append(plane)
        for centre, half, yaw in room_edge_slabs(rooms, wall_thickness_m):
            col = pb.createCollisionShape(pb.GEOM_BOX, physicsClientId=c, halfExtents=half)
            w = pb.createMultiBody(0, col, basePosition=centre, baseOrientation=pb.getQuaternionFromEuler([0, 0, yaw]),
                                   physicsClientId=c)
            pb.changeDynamics(w, -1, lateralFriction=0.5, restitution=FLOOR_RESTITUTION, physicsClientId=c)
            self.bodies[w] = Body(wall_id, w, "wall", np.eye(4), np.eye(4))
            self.statics.append(w)

    # ---------------------------------------------------------------- objects
    def add_object(self, obj, dynamic: bool) -> Body:
        """A scene object from its convex collision pieces (asset frame), centre of mass by volume."""
        pb, c = self.pb, self.cid
        pieces = list(obj.asset.collision)
        vols = np.array([max(abs(float(p.volume)), 1e-9) for p in pieces])
        com = center_of_mass(pieces)
        shapes = [pb.createCollisionShape(pb.GEOM_MESH, vertices=(np.asarray(p.vertices) - com).tolist(),
                                          physicsClientId=c) for p in pieces]
        mass = float(obj.asset.mass_kg) if dynamic else 0.0
        masses = (mass * vols / vols.sum()).tolist() if mass > 0 else [0.0] * len(pieces)
        body0 = obj.pose @ _translation(com)
        n = len(shapes) - 1
        bid = pb.createMultiBody(
            masses[0], shapes[0], basePosition=body0[:3, 3].tolist(), baseOrientation=quat_xyzw(body0[:3, :3]),
            linkMasses=masses[1:], linkCollisionShapeIndices=shapes[1:], linkVisualShapeIndices=[-1] * n,
            linkPositions=[[0, 0, 0]] * n, linkOrientations=[[0, 0, 0, 1]] * n,
            linkInertialFramePositions=[[0, 0, 0]] * n, linkInertialFrameOrientations=[[0, 0, 0, 1]] * n,
            linkParentIndices=[0] * n, linkJointTypes=[pb.JOINT_FIXED] * n, linkJointAxis=[[0, 0, 1]] * n,
            physicsClientId=c)
        for link in range(-1, n):
            pb.changeDynamics(bid, link, lateralFriction=FRICTION, rollingFriction=0.001, spinningFriction=0.001,
                              physicsClientId=c)
        # resting bodies may sleep (Bullet wakes them when something active touches them)
        pb.changeDynamics(bid, -1, linearDamping=0.2, angularDamping=0.2,
                          activationState=pb.ACTIVATION_STATE_ENABLE_SLEEPING, physicsClientId=c)
        b = Body(obj.id, bid, "object", obj.pose.copy(), body0, mass)
        self.bodies[bid] = b
        return b

    def add_ball(self, obj, radius_m: float, mass_kg: float, rolling_friction: float, restitution: float) -> Body:
        pb, c = self.pb, self.cid
        col = pb.createCollisionShape(pb.GEOM_SPHERE, radius=float(radius_m), physicsClientId=c)
        body0 = obj.pose @ _translation([0.0, 0.0, radius_m])
        bid = pb.createMultiBody(float(mass_kg), col, basePosition=body0[:3, 3].tolist(),
                                 baseOrientation=quat_xyzw(body0[:3, :3]), physicsClientId=c)
        pb.changeDynamics(bid, -1, lateralFriction=FRICTION, rollingFriction=float(rolling_friction),
                          spinningFriction=0.001, restitution=float(restitution), linearDamping=0.0,
                          angularDamping=0.0, physicsClientId=c)
        b = Body(obj.id, bid, "ball", obj.pose.copy(), body0, float(mass_kg))
        self.bodies[bid] = b
        return b

    def add_driven_capsule(self, obj, radius_m: float, height_m: float) -> Body:
        """The person proxy: a 70 kg capsule held upright at its path by a moving constraint."""
        pb, c = self.pb, self.cid
        col = pb.createCollisionShape(pb.GEOM_CAPSULE, radius=float(radius_m),
                                      height=float(height_m - 2 * radius_m), physicsClientId=c)
        body0 = obj.pose @ _translation([0.0, 0.0, height_m / 2])
        return self._driven(obj.id, "person", col, 70.0, obj.pose.copy(), body0)

    def add_driven_box(self, entity: int, kind: str, half_extents, body0: np.ndarray, mass_kg: float) -> Body:
        """A box (e.g. the door leaf) driven by a moving constraint; entity pose P(0) is the identity."""
        pb, c = self.pb, self.cid
        col = pb.createCollisionShape(pb.GEOM_BOX, halfExtents=[float(h) for h in half_extents], physicsClientId=c)
        b = self._driven(entity, kind, col, mass_kg, np.eye(4), body0)
        for s in self.statics:                    # the leaf stands in the wall opening on the floor
            pb.setCollisionFilterPair(b.bid, s, -1, -1, 0, physicsClientId=c)
        return b

    def _driven(self, entity, kind, col, mass_kg, pose0, body0) -> Body:
        pb, c = self.pb, self.cid
        q = quat_xyzw(body0[:3, :3])
        bid = pb.createMultiBody(float(mass_kg), col, basePosition=body0[:3, 3].tolist(), baseOrientation=q,
                                 physicsClientId=c)
        pb.changeDynamics(bid, -1, lateralFriction=0.0, rollingFriction=0.0, spinningFriction=0.0,
                          linearDamping=0.0, angularDamping=0.0, physicsClientId=c)
        con = pb.createConstraint(bid, -1, -1, -1, pb.JOINT_FIXED, [0, 0, 0], [0, 0, 0],
                                  body0[:3, 3].tolist(), childFrameOrientation=q, physicsClientId=c)
        pb.changeConstraint(con, maxForce=DRIVE_FORCE_N, physicsClientId=c)
        b = Body(entity, bid, kind, pose0, body0, float(mass_kg), constraint=con)
        self.bodies[bid] = b
        return b

    def drive(self, body: Body, target_body_pose: np.ndarray) -> None:
        self.pb.changeConstraint(body.constraint, target_body_pose[:3, 3].tolist(),
                                 jointChildFrameOrientation=quat_xyzw(target_body_pose[:3, :3]),
                                 maxForce=DRIVE_FORCE_N, physicsClientId=self.cid)

    # ---------------------------------------------------------------- state
    def state(self, bid: int) -> tuple[tuple, tuple, tuple, tuple]:
        """(position (3,), quaternion xyzw (4,), linear velocity (3,), angular velocity (3,)) of a body,
        as pybullet's float tuples (this runs for every body at every step: no array conversion)."""
        pb, c = self.pb, self.cid
        pos, q = pb.getBasePositionAndOrientation(bid, physicsClientId=c)
        v, w = pb.getBaseVelocity(bid, physicsClientId=c)
        return pos, q, v, w

    def set_velocity(self, bid: int, linear, angular=None) -> None:
        kw = {} if angular is None else {"angularVelocity": [float(x) for x in angular]}
        self.pb.changeDynamics(bid, -1, activationState=self.pb.ACTIVATION_STATE_WAKE_UP, physicsClientId=self.cid)
        self.pb.resetBaseVelocity(bid, linearVelocity=[float(x) for x in linear], physicsClientId=self.cid, **kw)

    def step(self) -> None:
        self.pb.stepSimulation(physicsClientId=self.cid)

    def contacts(self) -> list[tuple]:
        """[(body a, body b, position on b (3-tuple), normal on b pointing to a (3-tuple), distance m)]."""
        return [(c[1], c[2], c[6], c[7], c[8]) for c in self.pb.getContactPoints(physicsClientId=self.cid)]


def _translation(t) -> np.ndarray:
    T = np.eye(4)
    T[:3, 3] = t
    return T
