"""nerfstudio transforms.json and COLMAP text model, read back by small independent loaders."""

import json

import numpy as np
import pytest

from simgen.io.export import ExportOptions, export
from simgen.io.jsonio import read_jsonl
from simgen.io.media import read_png16


@pytest.fixture(scope="module")
def exported(out, tmp_path_factory):
    dest = tmp_path_factory.mktemp("recon")
    export(out, ["colmap", "nerfstudio"], dest, ExportOptions(points_per_frame=500, progress=False))
    return dest


def qvec_to_rotmat(q):
    w, x, y, z = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                     [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                     [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])


def read_colmap_text(sparse):
    """A reader written from colmap.github.io/format.html (independent of the exporter)."""
    lines = lambda name: [ln for ln in (sparse / name).read_text().splitlines() if ln and not ln.startswith("#")]
    cams = {}
    for ln in lines("cameras.txt"):
        t = ln.split()
        cams[int(t[0])] = (t[1], int(t[2]), int(t[3]), [float(v) for v in t[4:]])
    images = {}
    raw = (sparse / "images.txt").read_text().splitlines()
    body = [ln for ln in raw if not ln.startswith("#")]
    for head, pts in zip(body[0::2], body[1::2]):
        t = head.split()
        p = pts.split()
        images[int(t[0])] = {"q": np.array([float(v) for v in t[1:5]]), "t": np.array([float(v) for v in t[5:8]]),
                             "camera": int(t[8]), "name": t[9],
                             "points2d": [(float(p[k]), float(p[k + 1]), int(p[k + 2])) for k in range(0, len(p), 3)]}
    points = {}
    for ln in lines("points3D.txt"):
        t = ln.split()
        tr = [int(v) for v in t[8:]]
        points[int(t[0])] = {"xyz": np.array([float(v) for v in t[1:4]]), "rgb": [int(v) for v in t[4:7]],
                             "error": float(t[7]), "track": list(zip(tr[0::2], tr[1::2]))}
    return cams, images, points


def test_colmap_poses_match_camera_json_and_points_reproject(out, exported):
    for sid in ("000000", "000001"):
        cam = json.loads((out / "scenes" / sid / "camera.json").read_text())
        cams, images, points = read_colmap_text(exported / "colmap" / sid / "sparse" / "0")
        model, w, h, params = cams[1]
        assert (model, w, h) == ("PINHOLE", cam["width"], cam["height"])
        fx, fy, cx, cy = params
        assert np.allclose([fx, fy, cx, cy], [cam["K"][0][0], cam["K"][1][1], cam["K"][0][2], cam["K"][1][2]])
        assert len(images) == len(cam["frames"])
        for iid, im in images.items():
            R = qvec_to_rotmat(im["q"])
            c2w = np.array(cam["frames"][iid - 1]["cam_to_world"])
            assert np.allclose(-R.T @ im["t"], c2w[:3, 3], atol=1e-6)      # camera centre
            assert np.allclose(R.T, c2w[:3, :3], atol=1e-6)
            assert (exported / "colmap" / sid / "images" / im["name"]).is_file()
        errs, multi = [], 0
        depths = {i: read_png16(out / "scenes" / sid / "depth" / f"{i - 1:06d}.png") for i in images}
        for pid, p in points.items():
            multi += len(p["track"]) > 1
            for iid, idx in p["track"]:
                u, v, back = images[iid]["points2d"][idx]
                assert back == pid
                Xc = qvec_to_rotmat(images[iid]["q"]) @ p["xyz"] + images[iid]["t"]
                proj = np.array([fx * Xc[0] / Xc[2] + cx, fy * Xc[1] / Xc[2] + cy])
                errs.append(np.hypot(*(proj - (u, v))))
                z_mm = depths[iid][int(v), int(u)]            # the point lies on the surface seen there
                assert abs(Xc[2] * 1000 - z_mm) <= max(20, 10 * Xc[2])   # exporter's max(2 cm, 1 %)
        assert len(points) > 100 and multi > 0
        assert max(errs) < 1.0, max(errs)


def test_nerfstudio_opengl_poses_reproduce_boxes_and_surfaces(out, exported):
    n_box = n_px = 0
    for sid in ("000000", "000001"):
        tf = json.loads((exported / "nerfstudio" / sid / "transforms.json").read_text())
        scene = json.loads((out / "scenes" / sid / "scene.json").read_text())
        frames = read_jsonl(out / "scenes" / sid / "frames.jsonl")
        objs = {o["id"]: o for o in scene["objects"] if o["kind"] == "object"}
        fx, fy, cx, cy, w, h = (tf[k] for k in ("fl_x", "fl_y", "cx", "cy", "w", "h"))
        assert tf["camera_model"] == "OPENCV" and tf["depth_unit_scale_factor"] == 0.001
        for i, fr in enumerate(tf["frames"]):
            c2w = np.array(fr["transform_matrix"])          # OpenGL camera: +y up, looking down -z
            w2c = np.linalg.inv(c2w)
            assert (exported / "nerfstudio" / sid / fr["file_path"]).is_file()
            for o in frames[i]["objects"]:
                P = np.array(objs[o["id"]]["obb_corners"]) @ w2c[:3, :3].T + w2c[:3, 3]
                if not np.all(P[:, 2] < 0):       # a corner behind the camera: the amodal box is not a projection
                    continue
                u = fx * P[:, 0] / -P[:, 2] + cx
                v = -fy * P[:, 1] / -P[:, 2] + cy
                box = np.clip([u.min(), v.min(), u.max(), v.max()], 0, [w, h, w, h])
                assert np.allclose(box, o["bbox_amodal_xyxy"], atol=0.01)
                n_box += 1
            # nerfstudio rays through pixel centres, scaled by z-depth, land inside the object's box
            depth = read_png16(exported / "nerfstudio" / sid / fr["depth_file_path"]) * tf["depth_unit_scale_factor"]
            inst = read_png16(out / "scenes" / sid / "instance" / f"{i:06d}.png")
            vv, uu = np.nonzero(np.isin(inst, list(objs)) & (depth > 0))
            d_cam = np.stack([(uu + 0.5 - cx) / fx, -(vv + 0.5 - cy) / fy, -np.ones(len(uu))], axis=1)
            pts = c2w[:3, 3] + (d_cam @ c2w[:3, :3].T) * depth[vv, uu][:, None]
            for oid in np.unique(inst[vv, uu]):
                o = objs[int(oid)]
                sel = inst[vv, uu] == oid
                local = (pts[sel] - o["obb"]["center"]) @ np.array(o["obb"]["rotation"])
                assert np.all(np.abs(local) <= np.array(o["obb"]["extents"]) / 2 + 0.01)
                n_px += int(sel.sum())
    assert n_box > 0 and n_px > 100
