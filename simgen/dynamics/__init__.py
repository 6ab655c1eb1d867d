"""Dynamic scenes (opt-in, `--dynamics PRESET`): objects set in motion by pybullet during the walk,
with per-frame poses, physics events and dynamic spatial QA. See docs/dynamics.md.

The pipeline drives one `DynamicScene` per scene:
    dyn = DynamicScene.stage(scene, cfg, stage_rng(seed, "dynamics"))    # before the camera plan
    scene = dyn.scene                                                    # (proxies added)
    dyn.simulate(traj, wall_thickness_m)                                 # after it
    dyn.pose_renderer(renderer, t_s); dyn.obbs_at(t_s, obbs); dyn.frame_fields(t_s)   # per frame
    dyn.scene_block(times), dyn.event_lines(times)                       # scene.json, events.jsonl
Nothing here touches GL except through the renderer's public `set_pose`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from simgen.dynamics.config import ACTION_KINDS, DynamicsConfig, load_dynamics
from simgen.dynamics.motion import Action, Motion

__all__ = ["DynamicScene", "DynamicsConfig", "load_dynamics", "Action", "Motion", "ACTION_KINDS"]


class DynamicScene:
    """The dynamic half of one scene: staging (proxies, kinds), the simulated Motion and the records."""

    def __init__(self, scene, cfg: DynamicsConfig, staging: dict, rng: np.random.Generator):
        self.scene, self.cfg, self.staging, self.rng = scene, cfg, staging, rng
        self.motion: Motion | None = None
        self.centers: dict[int, np.ndarray] = {}
        self._events: list[dict] | None = None

    @classmethod
    def stage(cls, scene, cfg: DynamicsConfig, rng: np.random.Generator) -> "DynamicScene":
        from simgen.dynamics.plan import stage_scene

        scene, staging = stage_scene(scene, cfg, rng)
        return cls(scene, cfg, staging, rng)

    def simulate(self, traj, wall_thickness_m: float, actions: list[Action] | None = None) -> Motion:
        """Schedule the actions against the camera plan (unless given) and run the physics over the
        clip (its last frame time plus one frame period, for sub-frame renders)."""
        from simgen.dynamics.plan import schedule_actions
        from simgen.dynamics.records import local_centers
        from simgen.dynamics.simulate import simulate

        times = np.asarray(traj.frame_times_s, dtype=np.float64)
        duration = float(times[-1]) + 1.0 / float(traj.fps) if len(times) else 0.0
        if actions is None:
            actions = schedule_actions(self.scene, self.staging, self.cfg, traj, self.rng, duration)
        self.motion = simulate(self.scene, actions, self.cfg, duration, wall_thickness_m)
        self.centers = local_centers(self.scene, self.motion)
        return self.motion

    # ------------------------------------------------------------------ per frame
    @property
    def moved_ids(self) -> list[int]:
        return self.motion.moving_ids if self.motion is not None else []

    @property
    def moved_object_ids(self) -> list[int]:
        objs = {o.id for o in self.scene.objects}
        return [e for e in self.moved_ids if e in objs]

    def pose_renderer(self, renderer, t_s: float, objects_only: bool = False) -> None:
        """Move the moved entities of a Renderer / SoloCounter (anything with set_pose) to time t_s."""
        ids = self.moved_object_ids if objects_only else self.moved_ids
        for e in ids:
            renderer.set_pose(e, self.motion.pose_at(e, t_s))

    def obbs_at(self, t_s: float, obbs: dict[int, dict]) -> dict[int, dict]:
        """A copy of {id: oriented box} with the moved objects' boxes at time t_s."""
        from simgen.annotate.frames import obb_of

        out = dict(obbs)
        by_id = {o.id: o for o in self.scene.objects}
        for e in self.moved_object_ids:
            if e in out:
                out[e] = obb_of(dataclasses.replace(by_id[e], pose=self.motion.pose_at(e, t_s)))
        return out

    def moving_points_at(self, t_s: float) -> np.ndarray:
        """(n, 3) world corners of the bounding boxes of the moved entities at time t_s (n = 8 per
        entity; (0, 3) when nothing moved): the degradations' sub-frame count follows their speed."""
        if not self.moved_ids:
            return np.zeros((0, 3))
        objs = {o.id: o for o in self.scene.objects}
        structs = {s.id: s for s in self.scene.structures}
        pts = []
        for e in self.moved_ids:
            b = objs[e].asset.mesh().bounds if e in objs else structs[e].mesh.bounds
            c = np.array([[x, y, z] for x in b[:, 0] for y in b[:, 1] for z in b[:, 2]])
            P = self.motion.pose_at(e, t_s)
            pts.append(c @ P[:3, :3].T + P[:3, 3])
        return np.concatenate(pts)

    def frame_fields(self, t_s: float) -> list[dict]:
        """The frames.jsonl `moving_objects` list at time t_s."""
        from simgen.dynamics.records import moving_objects

        return moving_objects(self.motion, self.centers, t_s, self.cfg.moving_speed_mps)

    # ------------------------------------------------------------------ files
    def event_lines(self, times) -> list[dict]:
        """events.jsonl rows; `times` are the delivered frames' timestamps (camera.json)."""
        from simgen.dynamics.records import event_lines

        return event_lines(self.motion, self.scene, [float(t) for t in times])

    def scene_block(self, times) -> dict:
        """scene.json `dynamics`."""
        from simgen.dynamics.records import dynamics_block

        times = [float(t) for t in times]
        return dynamics_block(self.motion, self.scene, self.cfg, self.staging, self.event_lines(times),
                              self.centers, times)
