"""COCO (read back by pycocotools: masks decode to the instance PNGs) and BOP exports."""

import json

import numpy as np
import pytest
from PIL import Image

from simgen.io.export import ExportOptions, export
from simgen.io.export.vision import rle_encode
from simgen.io.jsonio import read_jsonl
from simgen.io.media import read_png16


def test_rle_matches_pycocotools():
    mask_util = pytest.importorskip("pycocotools.mask")
    rng = np.random.default_rng(3)
    for shape in [(7, 5), (72, 96), (1, 1)]:
        m = rng.random(shape) > 0.6
        m[0, 0] = True    # a run of ones first (a leading zero-length run)
        ours = rle_encode(m)
        ref = mask_util.encode(np.asfortranarray(m.astype(np.uint8)))
        assert ours["counts"] == ref["counts"].decode() and ours["size"] == list(shape)
        assert np.array_equal(mask_util.decode({"size": ours["size"], "counts": ours["counts"].encode()}), m)


def test_coco_masks_decode_to_instance_pngs(out, tmp_path):
    pytest.importorskip("pycocotools")
    from pycocotools.coco import COCO

    export(out, ["coco"], tmp_path, ExportOptions(progress=False))
    root = tmp_path / "coco"
    coco = COCO(str(root / "annotations.json"))
    data = json.loads((root / "annotations.json").read_text())
    n_frames = sum(len(read_jsonl(d / "frames.jsonl")) for d in (out / "scenes").iterdir())
    assert len(coco.getImgIds()) == n_frames
    n_checked = 0
    for img in coco.loadImgs(coco.getImgIds()):
        scene = img["file_name"].split("/")[0]
        inst = read_png16(out / "scenes" / scene / "instance" / f"{img['frame_id']:06d}.png")
        assert (root / "images" / img["file_name"]).is_file()
        frame = read_jsonl(out / "scenes" / scene / "frames.jsonl")[img["frame_id"]]
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img["id"]))
        assert sorted(a["instance_id"] for a in anns) == [o["id"] for o in frame["objects"]]
        for a in anns:
            m = coco.annToMask(a).astype(bool)
            assert np.array_equal(m, inst == a["instance_id"])
            assert a["area"] == int(m.sum()) == next(o["visible_px"] for o in frame["objects"] if o["id"] == a["instance_id"])
            x0, y0, x1, y1 = next(o["bbox_visible_xyxy"] for o in frame["objects"] if o["id"] == a["instance_id"])
            assert a["bbox"] == [x0, y0, x1 - x0, y1 - y0]
            n_checked += 1
    assert n_checked == len(data["annotations"]) > 0
    scene0 = json.loads((out / "scenes" / "000000" / "scene.json").read_text())
    cat_names = {c["id"]: c["name"] for c in data["categories"]}
    a = data["annotations"][0]
    obj = next(o for o in scene0["objects"] if o["id"] == a["instance_id"])
    assert cat_names[a["category_id"]] == obj["category"]
    tracks = {t["id"]: t for t in data["tracks"]}
    assert all(tracks[x["track_id"]]["instance_id"] == x["instance_id"] for x in data["annotations"])


def test_bop_poses_and_models_reproduce_scene_boxes(out, tmp_path):
    trimesh = pytest.importorskip("trimesh")
    export(out, ["bop"], tmp_path, ExportOptions(progress=False))
    root = tmp_path / "bop"
    objects = json.loads((root / "objects.json").read_text())
    sdir = root / "train" / "000000"
    gt = json.loads((sdir / "scene_gt.json").read_text())
    cams = json.loads((sdir / "scene_camera.json").read_text())
    info = json.loads((sdir / "scene_gt_info.json").read_text())
    scene = json.loads((out / "scenes" / "000000" / "scene.json").read_text())
    frames = read_jsonl(out / "scenes" / "000000" / "frames.jsonl")
    by_id = {o["id"]: o for o in scene["objects"]}
    n = 0
    for f, gts in gt.items():
        c = cams[f]
        R_w2c = np.array(c["cam_R_w2c"]).reshape(3, 3)
        t_w2c = np.array(c["cam_t_w2c"]) / 1000.0
        assert [objects[str(g["obj_id"])]["instance_id"] for g in gts] == [o["id"] for o in frames[int(f)]["objects"]]
        assert all(objects[str(g["obj_id"])]["scene_id"] == "000000" for g in gts)
        for k, g in enumerate(gts):
            model = trimesh.load(root / "models" / f"obj_{g['obj_id']:06d}.ply")
            v_cam = (np.array(g["cam_R_m2c"]).reshape(3, 3) @ (model.vertices / 1000.0).T).T + np.array(g["cam_t_m2c"]) / 1000.0
            v_world = (R_w2c.T @ (v_cam - t_w2c).T).T
            o = by_id[objects[str(g["obj_id"])]["instance_id"]]
            assert np.allclose(v_world.min(0), o["aabb"]["min"], atol=2e-3)
            assert np.allclose(v_world.max(0), o["aabb"]["max"], atol=2e-3)
            m = np.asarray(Image.open(sdir / "mask_visib" / f"{int(f):06d}_{k:06d}.png")) > 0
            assert int(m.sum()) == info[f][k]["px_count_visib"] == frames[int(f)]["objects"][k]["visible_px"]
            n += 1
    assert n > 0
    depth_src = read_png16(out / "scenes" / "000000" / "depth" / "000003.png")
    assert np.array_equal(read_png16(sdir / "depth" / "000003.png"), depth_src)
