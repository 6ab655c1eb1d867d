"""Pixels an object covers when rendered alone: the denominator of the visibility fraction.

A second renderer holds every object as its own node (parts merged), no structure and no lights,
and draws one object at a time through the exact instance pass.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import trimesh

from simgen.render.renderer import Renderer
from simgen.render.types import RenderItem


class SoloCounter:
    """`with SoloCounter(w, h) as s: s.load(items); s.counts(K, pose, ids)` -> {id: pixels alone}."""

    def __init__(self, width: int, height: int, *, znear: float = 0.05, zfar: float = 100.0):
        self._r = Renderer(width, height, znear=znear, zfar=zfar)

    def __enter__(self) -> "SoloCounter":
        self._r.open()
        return self

    def __exit__(self, *exc) -> None:
        self._r.close()

    def load(self, items: Sequence[RenderItem]) -> None:
        """Items with the same instance id are merged into one node (in that id's first item's frame)."""
        groups: dict[int, list[RenderItem]] = {}
        for it in items:
            groups.setdefault(int(it.instance_id), []).append(it)
        merged = []
        for iid, its in sorted(groups.items()):
            base = np.asarray(its[0].pose, dtype=np.float64)
            inv = np.linalg.inv(base)
            meshes = []
            for it in its:
                m = trimesh.Trimesh(vertices=np.asarray(it.mesh.vertices), faces=np.asarray(it.mesh.faces),
                                    process=False)
                m.apply_transform(inv @ np.asarray(it.pose, dtype=np.float64))
                meshes.append(m)
            mesh = trimesh.util.concatenate(meshes) if len(meshes) > 1 else meshes[0]
            merged.append(RenderItem(instance_id=iid, name=its[0].name, mesh=mesh, material=its[0].material,
                                     pose=base, static=False))
        self._r.load(merged, [])

    def counts(self, K: np.ndarray, cam_to_world_cv: np.ndarray, ids: Sequence[int]) -> dict[int, int]:
        """{id: number of pixels the object covers with nothing else in the scene}."""
        out = {}
        for iid in ids:
            fb = self._r.render(K, cam_to_world_cv, outputs=("instance",), only_ids=[int(iid)])
            out[int(iid)] = int(np.count_nonzero(fb.instance == int(iid)))
        return out
