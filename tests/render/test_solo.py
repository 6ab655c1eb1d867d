"""The raw-GL solo counter gives exactly the pixels of the instance pass with the object alone."""

import numpy as np
import pytest
import trimesh

from simgen.core.transforms import intrinsics_from_hfov, look_at_cv
from simgen.core.types import Material
from simgen.render import Renderer, RenderItem, SoloCounter


def _items():
    rng = np.random.default_rng(3)
    items = []
    shapes = [trimesh.creation.box(extents=(0.6, 0.4, 0.8)), trimesh.creation.icosphere(subdivisions=2, radius=0.3),
              trimesh.creation.cylinder(radius=0.2, height=0.9, sections=24),
              trimesh.creation.annulus(r_min=0.1, r_max=0.25, height=0.1)]
    iid = 1
    for k, mesh in enumerate(shapes):
        for part in range(2):   # two parts per object, different local frames, same instance id
            pose = np.eye(4)
            pose[:3, :3] = trimesh.transformations.rotation_matrix(rng.uniform(-np.pi, np.pi), (0, 0, 1))[:3, :3]
            pose[:3, 3] = (k * 0.9 - 1.2 + part * 0.25, rng.uniform(-0.3, 0.3), 0.5 + part * 0.3)
            items.append(RenderItem(instance_id=iid, name=f"o{iid}/{part}", mesh=mesh,
                                    material=Material(name="paint", color_name="grey", base_color=(0.5, 0.5, 0.5)), pose=pose, static=False))
        iid += 1
    return items


@pytest.mark.parametrize("eye", [(0.0, -3.0, 1.6), (2.5, -1.5, 2.2), (-0.4, -0.9, 0.9)])
def test_counts_equal_instance_pass_alone(eye):
    W, H = 320, 240
    K = intrinsics_from_hfov(W, H, 70.0)
    pose = look_at_cv(np.array(eye), np.array([0.0, 0.0, 0.6]))
    items = _items()
    ids = sorted({it.instance_id for it in items})
    with Renderer(W, H) as r:
        r.load(items, [])
        expect = {}
        for iid in ids:
            fb = r.render(K, pose, outputs=("instance",), only_ids=[iid])
            expect[iid] = int(np.count_nonzero(fb.instance == iid))
    with SoloCounter(W, H) as s:
        s.load(items)
        got = s.counts(K, pose, ids + [999])
    assert got[999] == 0
    assert sum(expect.values()) > 2000
    assert {i: got[i] for i in ids} == expect


def test_set_pose_moves_the_object():
    W, H = 160, 120
    K = intrinsics_from_hfov(W, H, 70.0)
    pose = look_at_cv(np.array([0.0, -3.0, 1.0]), np.array([0.0, 0.0, 0.5]))
    box = trimesh.creation.box(extents=(0.5, 0.5, 0.5))
    item = RenderItem(instance_id=7, name="b", mesh=box, material=Material(name="paint", color_name="white", base_color=(1.0, 1.0, 1.0)),
                      pose=np.eye(4), static=False)
    with SoloCounter(W, H) as s:
        s.load([item])
        near = s.counts(K, pose, [7])[7]
        far_pose = np.eye(4)
        far_pose[1, 3] = 3.0   # twice as far: about a quarter of the pixels
        s.set_pose(7, far_pose)
        far = s.counts(K, pose, [7])[7]
    assert near > 0 and 0.15 < far / near < 0.35


def test_counts_many_overlapping_objects_match_one_at_a_time():
    """More objects than stencil marks (255) in one call, all overlapping on screen: each count is the
    object's own, as if counted alone (guards the mark-per-object stencil that skips per-object clears)."""
    W, H = 80, 60
    K = intrinsics_from_hfov(W, H, 70.0)
    pose = look_at_cv(np.array([0.0, -3.0, 0.6]), np.array([0.0, 0.0, 0.5]))
    rng = np.random.default_rng(11)
    mat = Material(name="paint", color_name="grey", base_color=(0.5, 0.5, 0.5))
    items = []
    for iid in range(1, 301):
        p = np.eye(4)
        p[:3, 3] = (rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4), rng.uniform(0.2, 0.8))
        items.append(RenderItem(instance_id=iid, name=f"b{iid}", mesh=trimesh.creation.box(rng.uniform(0.1, 0.5, 3)),
                                material=mat, pose=p, static=False))
    ids = list(range(1, 301))
    with SoloCounter(W, H) as s:
        s.load(items)
        together = s.counts(K, pose, ids)
        alone = {i: s.counts(K, pose, [i])[i] for i in ids}
    assert min(alone.values()) > 0
    assert together == alone
