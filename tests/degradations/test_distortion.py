"""Lens distortion: point round trips, image/annotation consistency."""

import numpy as np
import pytest

from simgen.core.transforms import intrinsics_from_hfov
from simgen.degradations.distortion import DistortionWarp, LensDistortion
from simgen.degradations.spec import LEVELS, MODEL_LEVELS

W, H = 320, 240
K = intrinsics_from_hfov(W, H, 70.0)

LENSES = ([LensDistortion("brown_conrady", k1=k) for k in LEVELS["lens_distortion"]["k1"]]
          + [LensDistortion("kannala_brandt", k1=k) for k in MODEL_LEVELS[("lens_distortion", "kannala_brandt")]["k1"]]
          + [LensDistortion("brown_conrady", k1=-0.15, k2=0.03, p1=0.002, p2=-0.001)])


@pytest.mark.parametrize("lens", LENSES, ids=lambda l: f"{l.model}{l.k[0]}")
def test_keypoints_round_trip(lens):
    warp = DistortionWarp(lens, K, W, H)
    u, v = np.meshgrid(np.linspace(0, W, 33), np.linspace(0, H, 25))
    pts = np.stack([u.ravel(), v.ravel()], axis=1)
    back = warp.undistort_points(warp.distort_points(pts))
    assert np.abs(back - pts).max() <= 0.05
    fwd = warp.distort_points(warp.undistort_points(pts))
    assert np.abs(fwd - pts).max() <= 0.05
    # every delivered pixel sees the rendered image (no holes) and the zoom is tight
    src = warp.undistort_points(np.array([[0.0, 0.0], [W, H], [0.0, H / 2], [W / 2, 0.0]]))
    assert np.all(src >= -1e-3) and np.all(src[:, 0] <= W + 1e-3) and np.all(src[:, 1] <= H + 1e-3)


def _blocks():
    inst = ((np.arange(H)[:, None] // 30) * 20 + (np.arange(W)[None, :] // 25) + 1).astype(np.uint16)
    rgb = np.stack([inst % 7, inst % 11, inst % 13], axis=-1).astype(np.float32)
    return inst, rgb


def test_instance_masks_stay_aligned_with_rgb():
    warp = DistortionWarp(LensDistortion("brown_conrady", k1=-0.3), K, W, H)
    inst, rgb = _blocks()
    wi = warp.warp_nearest(inst)
    wr = warp.warp_image(rgb)
    colour_of_id = np.stack([wi % 7, wi % 11, wi % 13], axis=-1).astype(np.float32)
    agree = np.all(np.abs(wr - colour_of_id) < 1e-4, axis=-1)
    assert agree.mean() > 0.9   # disagreement only on block borders (bilinear vs nearest)
    # every pixel whose rgb is a pure block colour carries that block's id
    pure = np.all(np.abs(wr - np.round(wr)) < 1e-4, axis=-1)
    assert np.all(agree[pure & (np.abs(np.diff(wr, axis=1, prepend=wr[:, :1])).sum(-1) == 0)])


def test_boxes_and_dot_follow_the_map():
    warp = DistortionWarp(LensDistortion("kannala_brandt", k1=-0.24), K, W, H)
    inst, _ = _blocks()
    wi = warp.warp_nearest(inst)
    for iid in (1, 5, 70, 93, 153):
        ys, xs = np.nonzero(inst == iid)
        box = np.array([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], float)
        mapped = warp.map_boxes(box)[0]
        ys2, xs2 = np.nonzero(wi == iid)
        if xs2.size == 0:
            continue
        measured = np.array([xs2.min(), ys2.min(), xs2.max() + 1, ys2.max() + 1], float)
        assert np.abs(mapped - measured).max() <= 1.5
    # a smooth dot lands where distort_points says
    y, x = np.mgrid[0:H, 0:W] + 0.5
    p = np.array([40.0, 50.0])
    dot = np.exp(-((x - p[0]) ** 2 + (y - p[1]) ** 2) / (2 * 2.0 ** 2)).astype(np.float32)[..., None]
    out = warp.warp_image(dot)[..., 0]
    c = np.array([(out * x).sum() / out.sum(), (out * y).sum() / out.sum()])
    assert np.abs(c - warp.distort_points(p[None])[0]).max() < 0.5
