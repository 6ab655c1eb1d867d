"""Optical flow of a dynamic scene: the static flow from depth and camera poses
(simgen.annotate.flow.flow_from_depth), with the pixels of moved objects following their objects.

For a pixel (u, v) of frame i showing entity e with z-depth d, its world point X_i is carried with
the entity, X_j = P_e(t_j) · P_e(t_i)⁻¹ · X_i, and projected into frame j. Pixels of unmoved
entities keep the static flow. NaN where there is no depth or the point is behind camera j.
"""

from __future__ import annotations

import numpy as np

from simgen.annotate.flow import flow_from_depth


def flow_with_motion(depth_m: np.ndarray, instance: np.ndarray, K: np.ndarray, cam_to_world_i: np.ndarray,
                     cam_to_world_j: np.ndarray, poses_i: dict[int, np.ndarray],
                     poses_j: dict[int, np.ndarray]) -> np.ndarray:
    """(H, W, 2) float32 forward flow i -> j in pixels.

    depth_m: (H, W) z-depth of frame i (0 = none); instance: (H, W) uint16 ids of frame i;
    K: (3, 3); cam_to_world_*: (4, 4) OpenCV; poses_i / poses_j: {id: (4, 4) world pose of each
    moved entity at the times of frames i and j}."""
    flow = flow_from_depth(depth_m, K, cam_to_world_i, cam_to_world_j).astype(np.float64)
    depth = np.asarray(depth_m, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64)
    Ti, Tj = np.asarray(cam_to_world_i, dtype=np.float64), np.asarray(cam_to_world_j, dtype=np.float64)
    for e, Pi in poses_i.items():
        if e not in poses_j:
            continue
        mask = (instance == e) & (depth > 0)
        if not mask.any():
            continue
        v, u = np.nonzero(mask)
        uc, vc = u + 0.5, v + 0.5
        d = depth[v, u]
        pc = np.stack([(uc - K[0, 2]) / K[0, 0] * d, (vc - K[1, 2]) / K[1, 1] * d, d], axis=1)
        pw = pc @ Ti[:3, :3].T + Ti[:3, 3]
        M = np.asarray(poses_j[e], dtype=np.float64) @ np.linalg.inv(np.asarray(Pi, dtype=np.float64))
        pw = pw @ M[:3, :3].T + M[:3, 3]
        pj = (pw - Tj[:3, 3]) @ Tj[:3, :3]
        z = pj[:, 2]
        ok = z > 1e-6
        fu = np.full(len(z), np.nan)
        fv = np.full(len(z), np.nan)
        fu[ok] = pj[ok, 0] / z[ok] * K[0, 0] + K[0, 2] - uc[ok]
        fv[ok] = pj[ok, 1] / z[ok] * K[1, 1] + K[1, 2] - vc[ok]
        flow[v, u, 0], flow[v, u, 1] = fu, fv
    return flow.astype(np.float32)
