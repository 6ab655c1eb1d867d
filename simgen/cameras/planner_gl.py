"""The planner's persistent low-resolution renderer: instance ids, depth and exact solo pixel counts.

Open it once per worker and pass it to plan_trajectory(..., planner_gl=...):

    with PlannerGL(160, 120) as pgl:
        traj = plan_trajectory(scene, cam, rng, wall_thickness_m, planner_gl=pgl)

plan_trajectory loads each scene into it itself. The aspect ratio should match the camera's; the
planner uses the same horizontal field of view at this size.
"""

from __future__ import annotations

import numpy as np


class PlannerGL:
    """`with PlannerGL(w, h) as p: p.load_scene(scene); p.instance(K, pose); p.depth(K, pose); p.solo_counts(K, pose, ids)`."""

    def __init__(self, width: int = 160, height: int = 120):
        from simgen.render import Renderer, SoloCounter

        self.size = (int(width), int(height))
        self._main = Renderer(width, height)
        self._solo = SoloCounter(width, height)

    def __enter__(self) -> "PlannerGL":
        self._main.__enter__()
        try:
            self._solo.__enter__()
        except BaseException:
            self._main.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._solo.__exit__(*exc)
        finally:
            self._main.__exit__(*exc)

    def load_scene(self, scene) -> None:
        from simgen.pipeline import render_items

        items = render_items(scene)
        obj_ids = {o.id for o in scene.objects}
        self._main.load(items, [])
        self._solo.load([it for it in items if it.instance_id in obj_ids])

    def instance(self, K: np.ndarray, cam_to_world_cv: np.ndarray) -> np.ndarray:
        """(h, w) uint16 instance ids of a pose (OpenCV cam_to_world)."""
        return self._main.render(K, cam_to_world_cv, outputs=("instance",)).instance

    def depth(self, K: np.ndarray, cam_to_world_cv: np.ndarray) -> np.ndarray:
        """(h, w) float32 z-depth in metres (0 = nothing)."""
        return self._main.render(K, cam_to_world_cv, outputs=("depth", "instance")).depth_m

    def solo_counts(self, K: np.ndarray, cam_to_world_cv: np.ndarray, ids) -> dict[int, int]:
        return self._solo.counts(K, cam_to_world_cv, list(ids))
