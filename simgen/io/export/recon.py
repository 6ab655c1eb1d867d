"""3D reconstruction exports, one folder per scene: nerfstudio `transforms.json` and a COLMAP text model.

nerfstudio (`nerfstudio/<scene_id>/`): transforms.json with `transform_matrix` = camera-to-world in the
  OpenGL/Blender camera convention (x right, y up, looking down -z; world +Z up), intrinsics `fl_x, fl_y,
  cx, cy, w, h` (same pixel-corner origin as simgen), `camera_model` OPENCV (zero coefficients when the
  camera has no distortion) or OPENCV_FISHEYE, `depth_file_path` per frame (uint16 mm, with
  `depth_unit_scale_factor` 0.001), and `ply_file_path` -> sparse_pc.ply (points seeded from depth).
COLMAP (`colmap/<scene_id>/`): images/, sparse/0/{cameras,images,points3D}.txt. Poses are world->camera
  in the OpenCV convention; points3D are exact surface samples unprojected from each frame's depth on a
  regular pixel grid (about --points-per-frame per frame), observed in every other frame where the
  depth there agrees (within max(2 cm, 1 %)); a 2-D observation is the centre of the pixel it lands in.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from simgen.io.export.base import ExportOptions, progress
from simgen.io.export.store import SceneView, copy_file
from simgen.io.export.vision import extract_frames

CV_TO_GL = np.diag([1.0, -1.0, -1.0, 1.0])


def rotmat_to_qvec(R: np.ndarray) -> np.ndarray:
    """(3, 3) rotation -> (4,) unit quaternion (w, x, y, z) with w >= 0 (COLMAP's order)."""
    R = np.asarray(R, dtype=np.float64)
    tr = np.trace(R)
    if tr > 0:
        s = 2.0 * np.sqrt(tr + 1.0)
        q = [0.25 * s, (R[2, 1] - R[1, 2]) / s, (R[0, 2] - R[2, 0]) / s, (R[1, 0] - R[0, 1]) / s]
    else:
        i = int(np.argmax(np.diag(R)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(1.0 + R[i, i] - R[j, j] - R[k, k])
        q = [0.0] * 4
        q[0] = (R[k, j] - R[j, k]) / s
        q[1 + i] = 0.25 * s
        q[1 + j] = (R[j, i] + R[i, j]) / s
        q[1 + k] = (R[k, i] + R[i, k]) / s
    q = np.asarray(q)
    q /= np.linalg.norm(q)
    return -q if q[0] < 0 else q


def _distort(x: np.ndarray, y: np.ndarray, dist: dict | None) -> tuple[np.ndarray, np.ndarray]:
    """Normalised pinhole coordinates -> distorted normalised coordinates (OpenCV models)."""
    if not dist:
        return x, y
    c = dist["coefficients"]
    if dist["model"] == "brown_conrady":
        r2 = x * x + y * y
        rad = 1 + c.get("k1", 0) * r2 + c.get("k2", 0) * r2 ** 2 + c.get("k3", 0) * r2 ** 3
        p1, p2 = c.get("p1", 0), c.get("p2", 0)
        return (x * rad + 2 * p1 * x * y + p2 * (r2 + 2 * x * x),
                y * rad + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y)
    r = np.hypot(x, y)
    th = np.arctan(r)
    th_d = th * (1 + c["k1"] * th ** 2 + c["k2"] * th ** 4 + c["k3"] * th ** 6 + c["k4"] * th ** 8)
    s = np.where(r > 1e-12, th_d / np.maximum(r, 1e-12), 1.0)
    return x * s, y * s


def _undistort(xd: np.ndarray, yd: np.ndarray, dist: dict | None) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of _distort by fixed-point iteration (converges for the mild lenses simgen simulates)."""
    if not dist:
        return xd, yd
    x, y = xd.copy(), yd.copy()
    for _ in range(50):
        fx, fy = _distort(x, y, dist)
        x, y = x + (xd - fx), y + (yd - fy)
    return x, y


def project(K: np.ndarray, dist: dict | None, X_cam: np.ndarray) -> np.ndarray:
    """(n, 3) OpenCV camera points (z > 0) -> (n, 2) pixel coordinates (pixel-corner origin)."""
    x, y = _distort(X_cam[:, 0] / X_cam[:, 2], X_cam[:, 1] / X_cam[:, 2], dist)
    return np.stack([K[0, 0] * x + K[0, 2], K[1, 1] * y + K[1, 2]], axis=1)


def depth_points(sv: SceneView, i: int, depth_mm: np.ndarray, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Grid pixels (v, u) with depth in frame i -> ((n, 2) int pixel (u, v), (n, 3) world points, metres)."""
    K, dist = sv.K, sv.camera.get("distortion")
    h, w = depth_mm.shape
    vv, uu = np.mgrid[stride // 2:h:stride, stride // 2:w:stride]
    uu, vv = uu.ravel(), vv.ravel()
    z = depth_mm[vv, uu].astype(np.float64) / 1000.0
    keep = z > 0
    uu, vv, z = uu[keep], vv[keep], z[keep]
    xd = (uu + 0.5 - K[0, 2]) / K[0, 0]
    yd = (vv + 0.5 - K[1, 2]) / K[1, 1]
    x, y = _undistort(xd, yd, dist)
    Xc = np.stack([x * z, y * z, z, np.ones_like(z)], axis=1)
    Xw = (sv.cam_to_world()[i] @ Xc.T).T[:, :3]
    return np.stack([uu, vv], axis=1), Xw


def scene_points(sv: SceneView, rgb: np.ndarray, opts: ExportOptions, with_tracks: bool = True):
    """Depth-seeded points with colours and observations.

    Returns (xyz (n, 3) float64 world metres, colours (n, 3) uint8, observations (m, 4) float64 rows
    (point index, frame, u_px, v_px) sorted by point then frame; the first observation of each point is
    the pixel centre it was unprojected from)."""
    w, h = sv.size_wh
    stride = max(1, int(np.ceil(np.sqrt(w * h / opts.points_per_frame))))
    depths = [sv.depth_mm(i) for i in range(sv.n_frames)]
    w2c = np.linalg.inv(sv.cam_to_world())
    K, dist = sv.K, sv.camera.get("distortion")
    xyz, cols, obs = [], [], []
    n = 0
    for i in range(sv.n_frames):
        uv, Xw = depth_points(sv, i, depths[i], stride)
        if not len(Xw):
            continue
        idx = np.arange(n, n + len(Xw), dtype=np.float64)
        obs.append(np.c_[idx, np.full(len(Xw), i), uv + 0.5])
        xyz.append(Xw)
        cols.append(rgb[i][uv[:, 1], uv[:, 0]])
        n += len(Xw)
        for j in range(sv.n_frames) if with_tracks else ():
            if j == i:
                continue
            Xc = Xw @ w2c[j][:3, :3].T + w2c[j][:3, 3]
            front = Xc[:, 2] > 0.05
            q = np.full((len(Xw), 2), -1.0)
            q[front] = project(K, dist, Xc[front])
            pu, pv = np.floor(q[:, 0]).astype(int), np.floor(q[:, 1]).astype(int)
            ok = front & (pu >= 0) & (pu < w) & (pv >= 0) & (pv < h)
            dj = np.zeros(len(Xw))
            dj[ok] = depths[j][pv[ok], pu[ok]] / 1000.0
            ok &= (dj > 0) & (np.abs(dj - Xc[:, 2]) < np.maximum(0.02, 0.01 * Xc[:, 2]))
            obs.append(np.c_[idx[ok], np.full(ok.sum(), j), pu[ok] + 0.5, pv[ok] + 0.5])
    if not xyz:
        return np.zeros((0, 3)), np.zeros((0, 3), np.uint8), np.zeros((0, 4))
    obs = np.concatenate(obs)
    obs = obs[np.lexsort((obs[:, 1], obs[:, 0]))]
    return np.concatenate(xyz), np.concatenate(cols), obs


def _colmap_camera(sv: SceneView) -> tuple[str, list[float]]:
    K, dist = sv.K, sv.camera.get("distortion")
    base = [K[0, 0], K[1, 1], K[0, 2], K[1, 2]]
    if not dist:
        return "PINHOLE", base
    c = dist["coefficients"]
    if dist["model"] == "brown_conrady":
        return "FULL_OPENCV", base + [c["k1"], c["k2"], c["p1"], c["p2"], c["k3"], 0.0, 0.0, 0.0]
    return "OPENCV_FISHEYE", base + [c["k1"], c["k2"], c["k3"], c["k4"]]


def _write_colmap(sv: SceneView, sparse: Path, names: list[str], xyz, cols, obs) -> None:
    w, h = sv.size_wh
    model, params = _colmap_camera(sv)
    sparse.mkdir(parents=True)
    (sparse / "cameras.txt").write_text(
        "# Camera list with one line of data per camera:\n#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]\n"
        f"1 {model} {w} {h} " + " ".join(f"{p:.10g}" for p in params) + "\n", encoding="utf-8")
    w2c = np.linalg.inv(sv.cam_to_world())
    K, dist = sv.K, sv.camera.get("distortion")
    pt, fr = obs[:, 0].astype(int), obs[:, 1].astype(int)
    err = np.zeros(len(obs))
    p2d_idx = np.zeros(len(obs), dtype=int)
    per_image: list[str] = []
    for f in range(len(names)):
        sel = np.flatnonzero(fr == f)
        if len(sel):
            Xc = xyz[pt[sel]] @ w2c[f][:3, :3].T + w2c[f][:3, 3]
            err[sel] = np.linalg.norm(project(K, dist, Xc) - obs[sel, 2:4], axis=1)
            p2d_idx[sel] = np.arange(len(sel))
        per_image.append(" ".join(f"{u:.2f} {v:.2f} {p + 1}" for u, v, p in zip(obs[sel, 2], obs[sel, 3], pt[sel])))
    lines = ["# Image list with two lines of data per image:",
             "#   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME",
             "#   POINTS2D[] as (X, Y, POINT3D_ID)"]
    for i, name in enumerate(names):
        q, t = rotmat_to_qvec(w2c[i][:3, :3]), w2c[i][:3, 3]
        lines.append(f"{i + 1} " + " ".join(f"{x + 0.0:.12g}" for x in (*q, *t)) + f" 1 {name}")
        lines.append(per_image[i])
    (sparse / "images.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bounds = np.searchsorted(pt, np.arange(len(xyz) + 1))
    rows = []
    for p in range(len(xyz)):
        a, b = bounds[p], bounds[p + 1]
        X, c = xyz[p], cols[p]
        track = " ".join(f"{f + 1} {k}" for f, k in zip(fr[a:b], p2d_idx[a:b]))
        rows.append(f"{p + 1} {X[0]:.6f} {X[1]:.6f} {X[2]:.6f} {c[0]} {c[1]} {c[2]} {err[a:b].mean():.6f} {track}\n")
    (sparse / "points3D.txt").write_text(
        "# 3D point list with one line of data per point:\n"
        "#   POINT3D_ID, X, Y, Z, R, G, B, ERROR, TRACK[] as (IMAGE_ID, POINT2D_IDX)\n" + "".join(rows),
        encoding="utf-8")


def export_colmap(scenes: list[SceneView], root: Path, opts: ExportOptions) -> dict:
    n_pts = 0
    for sv in progress(scenes, opts, "colmap"):
        d = root / sv.scene_id
        names = extract_frames(sv, d / "images", opts)
        rgb = sv.rgb_frames(opts.variant)
        xyz, cols, obs = scene_points(sv, rgb, opts)
        _write_colmap(sv, d / "sparse" / "0", names, xyz, cols, obs)
        n_pts += len(xyz)
    return {"scenes": len(scenes), "points3D": n_pts}


def export_nerfstudio(scenes: list[SceneView], root: Path, opts: ExportOptions) -> dict:
    import trimesh

    for sv in progress(scenes, opts, "nerfstudio"):
        d = root / sv.scene_id
        names = extract_frames(sv, d / "images", opts)
        K, dist = sv.K, sv.camera.get("distortion")
        w, h = sv.size_wh
        tf = {"camera_model": "OPENCV", "fl_x": K[0, 0], "fl_y": K[1, 1], "cx": K[0, 2], "cy": K[1, 2],
              "w": w, "h": h, "k1": 0.0, "k2": 0.0, "p1": 0.0, "p2": 0.0}
        if dist:
            c = dist["coefficients"]
            if dist["model"] == "brown_conrady":
                tf.update(k1=c["k1"], k2=c["k2"], k3=c["k3"], p1=c["p1"], p2=c["p2"])
            else:
                tf = {k: v for k, v in tf.items() if k not in ("p1", "p2")}
                tf.update(camera_model="OPENCV_FISHEYE", k1=c["k1"], k2=c["k2"], k3=c["k3"], k4=c["k4"])
        tf["depth_unit_scale_factor"] = 0.001
        c2w = sv.cam_to_world()
        frames = []
        for i, name in enumerate(names):
            copy_file(sv.root / "depth" / f"{i:06d}.png", d / "depth" / f"{i:06d}.png")
            frames.append({"file_path": f"images/{name}", "transform_matrix": (c2w[i] @ CV_TO_GL).tolist(),
                           "depth_file_path": f"depth/{i:06d}.png", "timestamp_s": sv.camera["frames"][i]["timestamp_s"]})
        xyz, cols, _obs = scene_points(sv, sv.rgb_frames(opts.variant), opts, with_tracks=False)
        if len(xyz):
            trimesh.PointCloud(xyz, colors=np.c_[cols, np.full(len(cols), 255)]).export(d / "sparse_pc.ply")
            tf["ply_file_path"] = "sparse_pc.ply"
        tf["frames"] = frames
        (d / "transforms.json").write_text(json.dumps(tf, indent=1) + "\n", encoding="utf-8")
    return {"scenes": len(scenes)}
