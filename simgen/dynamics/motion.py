"""Plain data of a simulated clip: the actions, the sampled trajectories of the entities that moved,
and the physics events. `Motion.pose_at(id, t_s)` interpolates the simulator's states (linear in
position, spherical-linear in rotation) between its steps, for frame times and sub-frame times."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simgen.dynamics.world import pose_matrix


@dataclass(frozen=True)
class Action:
    """What the simulator does to one entity. kind: roll_ball | push_object | knock_off | swing_door |
    walk_person; target: object id (structure id for the door); start_s: clip time; params: plain
    JSON-ready values (velocities m/s, directions unit xy, distances m, angles rad)."""

    kind: str
    target: int
    start_s: float
    params: dict

    def to_json(self) -> dict:
        return {"kind": self.kind, "target": int(self.target), "start_s": float(self.start_s), **self.params}


@dataclass
class Track:
    """Sampled body states of one moved entity at steps 0..n-1 (time = step / sim_hz).

    pos: (n, 3) float64 body position (world, m); quat: (n, 4) float64 xyzw; offset: (4, 4)
    body_from_entity = B(0)^-1 P(0), so entity pose = B(t) @ offset."""

    entity: int
    kind: str
    pos: np.ndarray
    quat: np.ndarray
    offset: np.ndarray


@dataclass
class Motion:
    sim_hz: int
    duration_s: float
    actions: list[Action]
    tracks: dict[int, Track]                       # entity id -> track (only entities that moved)
    events: list[dict]                             # t_s-sorted, without frame numbers
    names: dict[int, str] = field(default_factory=dict)
    report: dict = field(default_factory=dict)

    @property
    def moving_ids(self) -> list[int]:
        return sorted(self.tracks)

    def pose_at(self, entity: int, t_s: float) -> np.ndarray:
        """(4, 4) world pose of a moved entity at clip time t_s (clamped to the simulated span)."""
        tr = self.tracks[entity]
        n = len(tr.pos)
        f = float(np.clip(t_s * self.sim_hz, 0.0, n - 1))
        i = int(np.floor(f))
        j = min(i + 1, n - 1)
        a = f - i
        if a < 1e-9 or i == j:
            B = pose_matrix(tr.pos[i], tr.quat[i])
        else:
            p = (1 - a) * tr.pos[i] + a * tr.pos[j]
            B = pose_matrix(p, _slerp(tr.quat[i], tr.quat[j], a))
        return B @ tr.offset

    def poses_at(self, t_s: float) -> dict[int, np.ndarray]:
        return {e: self.pose_at(e, t_s) for e in self.tracks}

    def velocity_at(self, entity: int, t_s: float) -> np.ndarray:
        """(3,) velocity (m/s) of the entity's origin, central difference over one step."""
        h = 1.0 / self.sim_hz
        return (self.pose_at(entity, t_s + h)[:3, 3] - self.pose_at(entity, t_s - h)[:3, 3]) / (2 * h)


def _slerp(q0: np.ndarray, q1: np.ndarray, a: float) -> np.ndarray:
    q0, q1 = np.asarray(q0, dtype=np.float64), np.asarray(q1, dtype=np.float64)
    d = float(np.dot(q0, q1))
    if d < 0:
        q1, d = -q1, -d
    if d > 0.9995:
        q = q0 + a * (q1 - q0)
        return q / np.linalg.norm(q)
    th = np.arccos(d)
    return (np.sin((1 - a) * th) * q0 + np.sin(a * th) * q1) / np.sin(th)
