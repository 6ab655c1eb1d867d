"""Optical flow of a static scene from depth and camera poses (forward flow, float32 pixels).

For a pixel (u, v) of frame i with z-depth d, the 3D point X = cam_to_world_i · (d K⁻¹ [u+½, v+½, 1])
projects into frame j at (u', v'); flow = (u' − u, v' − v). Pixels without depth (0) or whose point
lies behind camera j get NaN. Moving objects are not modelled (simgen scenes are static while filmed).
"""

from __future__ import annotations

import numpy as np


def flow_from_depth(depth_m: np.ndarray, K: np.ndarray, cam_to_world_i: np.ndarray,
                    cam_to_world_j: np.ndarray) -> np.ndarray:
    """(H, W, 2) float32 forward flow i -> j in pixels from frame i's z-depth (H, W) metres (0 = none),
    intrinsics K (3, 3) and both OpenCV cam_to_world (4, 4) poses."""
    depth = np.asarray(depth_m, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64)
    h, w = depth.shape
    u, v = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    x = (u - K[0, 2]) / K[0, 0] * depth
    y = (v - K[1, 2]) / K[1, 1] * depth
    pc = np.stack([x, y, depth], axis=-1).reshape(-1, 3)
    Ti, Tj = np.asarray(cam_to_world_i, dtype=np.float64), np.asarray(cam_to_world_j, dtype=np.float64)
    pw = pc @ Ti[:3, :3].T + Ti[:3, 3]
    pj = (pw - Tj[:3, 3]) @ Tj[:3, :3]
    z = pj[:, 2]
    ok = (depth.reshape(-1) > 0) & (z > 1e-6)
    uj = np.full(len(z), np.nan)
    vj = np.full(len(z), np.nan)
    uj[ok] = pj[ok, 0] / z[ok] * K[0, 0] + K[0, 2]
    vj[ok] = pj[ok, 1] / z[ok] * K[1, 1] + K[1, 2]
    flow = np.stack([uj.reshape(h, w) - u, vj.reshape(h, w) - v], axis=-1)
    return flow.astype(np.float32)


def flow_sequence(depths_m, K: np.ndarray, cam_to_world: np.ndarray):
    """Yield forward flow t -> t+1 for t = 0 .. n-2 (same arrays as flow_from_depth)."""
    for t in range(len(cam_to_world) - 1):
        yield flow_from_depth(depths_m[t], K, cam_to_world[t], cam_to_world[t + 1])
