"""Vision exports: COCO instance segmentation (with video/track ids) and BOP scenes.

Frames come from rgb.mp4 (decoded; H.264 CRF 18 is lossy) and are written as PNG or JPEG.
COCO (`coco/`):  annotations.json, images/<scene_id>/<frame:06d>.png; `file_name` is relative to images/.
  Masks are compressed RLE of the instance PNGs (objects only, not structure); `bbox` is the tight box
  of the mask [x, y, w, h]; images carry `video_id`/`frame_id`, annotations `video_id`/`track_id`
  (one track per object instance of a scene), `instance_id` (simgen id) and `vis_fraction`.
BOP (`bop/`):  camera.json, models/obj_<id>.ply (mm, the object's own frame), models_info.json,
  objects.json (obj_id -> scene_id, instance id, category), train/<scene:06d>/{rgb,depth,mask_visib}/,
  scene_camera.json, scene_gt.json, scene_gt_info.json. Depth is copied unchanged (mm, depth_scale 1).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from simgen.io.export.base import ExportOptions, progress
from simgen.io.export.store import SceneView, copy_file, save_image


def rle_encode(mask: np.ndarray) -> dict:
    """(H, W) bool -> COCO compressed RLE {"size": [H, W], "counts": str} (column-major runs, zeros first)."""
    m = np.asarray(mask, dtype=bool)
    h, w = m.shape
    flat = m.reshape(-1, order="F").astype(np.int8)
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    runs = np.diff(bounds).tolist()
    if flat.size and flat[0] == 1:
        runs = [0] + runs
    chars = []
    for i, x in enumerate(runs):
        if i > 2:
            x -= runs[i - 2]
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            chars.append(chr(c + 48))
    return {"size": [int(h), int(w)], "counts": "".join(chars)}


def _mask_bbox(mask: np.ndarray) -> list[int]:
    ys, xs = np.nonzero(mask)
    return [int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)]


def _frame_name(i: int, opts: ExportOptions) -> str:
    return f"{i:06d}.{opts.image_format}"


def extract_frames(sv: SceneView, folder: Path, opts: ExportOptions) -> list[str]:
    """Decode the chosen video into folder/<frame:06d>.<png|jpg>; returns the file names."""
    names = []
    for i, rgb in enumerate(sv.rgb_frames(opts.variant)):
        names.append(_frame_name(i, opts))
        save_image(folder / names[-1], rgb)
    return names


def categories_of(scenes: list[SceneView]) -> dict[str, int]:
    """Object categories of all scenes, sorted by name, numbered from 1."""
    cats = sorted({o["category"] for sv in scenes for o in sv.objects()})
    return {c: k + 1 for k, c in enumerate(cats)}


def export_coco(scenes: list[SceneView], root: Path, opts: ExportOptions) -> dict:
    cats = categories_of(scenes)
    images, anns, videos, tracks = [], [], [], []
    for vid, sv in enumerate(progress(scenes, opts, "coco"), start=1):
        w, h = sv.size_wh
        names = extract_frames(sv, root / "images" / sv.scene_id, opts)
        videos.append({"id": vid, "name": sv.scene_id, "width": w, "height": h, "length": len(names)})
        objs = {o["id"]: o for o in sv.objects()}
        track_of = {}
        for oid in sorted(objs):
            track_of[oid] = len(tracks) + 1
            tracks.append({"id": track_of[oid], "video_id": vid, "category_id": cats[objs[oid]["category"]],
                           "instance_id": oid, "name": objs[oid]["name"]})
        for i, name in enumerate(names):
            image_id = len(images) + 1
            images.append({"id": image_id, "file_name": f"{sv.scene_id}/{name}", "width": w, "height": h,
                           "video_id": vid, "frame_id": i, "scene_id": sv.scene_id})
            inst = sv.instance(i)
            row = {o["id"]: o for o in sv.frames[i]["objects"]} if i < len(sv.frames) else {}
            for oid in np.unique(inst):
                oid = int(oid)
                if oid not in objs:
                    continue
                mask = inst == oid
                fr = row.get(oid, {})
                amodal = fr.get("bbox_amodal_xyxy")
                anns.append({
                    "id": len(anns) + 1, "image_id": image_id, "category_id": cats[objs[oid]["category"]],
                    "segmentation": rle_encode(mask), "area": int(mask.sum()), "bbox": _mask_bbox(mask),
                    "iscrowd": 0, "video_id": vid, "track_id": track_of[oid], "instance_id": oid,
                    "vis_fraction": fr.get("vis_fraction"),
                    "bbox_amodal": None if amodal is None else
                    [amodal[0], amodal[1], amodal[2] - amodal[0], amodal[3] - amodal[1]]})
    coco = {"info": {"description": f"{opts.dataset_name}: simgen instance segmentation",
                     "video_variant": opts.variant},
            "licenses": [], "categories": [{"id": k, "name": c, "supercategory": "object"} for c, k in cats.items()],
            "videos": videos, "images": images, "annotations": anns, "tracks": tracks}
    (root / "annotations.json").write_text(json.dumps(coco, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"images": len(images), "annotations": len(anns), "categories": len(cats)}


def _object_models(sv: SceneView) -> dict[int, "object"]:
    """{instance id: trimesh.Trimesh in the object's own frame, millimetres} from scene.glb."""
    import trimesh

    ts = trimesh.load(sv.root / "scene.glb", force="scene")
    objs = {o["id"]: o for o in sv.objects()}
    parts: dict[int, list] = {}
    for node in ts.graph.nodes_geometry:
        head = node.split(".", 1)[0]
        try:
            oid = int(head.split("_", 1)[0])
        except ValueError:
            continue
        if oid not in objs or "." not in node:
            continue
        world_from_node, geom = ts.graph.get(node)
        m = ts.geometry[geom].copy()
        asset_from_world = np.linalg.inv(np.asarray(objs[oid]["pose"], dtype=np.float64))
        m.apply_transform(asset_from_world @ world_from_node)
        parts.setdefault(oid, []).append(m)
    out = {}
    for oid, ms in parts.items():
        m = trimesh.util.concatenate(ms)
        m.apply_scale(1000.0)
        out[oid] = m
    return out


def export_bop(scenes: list[SceneView], root: Path, opts: ExportOptions) -> dict:
    from PIL import Image
    from scipy.spatial.distance import pdist

    first = scenes[0]
    w, h = first.size_wh
    K = first.K
    (root / "camera.json").write_text(json.dumps({
        "cx": K[0, 2], "cy": K[1, 2], "fx": K[0, 0], "fy": K[1, 1], "width": w, "height": h,
        "depth_scale": 1.0}, indent=1) + "\n", encoding="utf-8")
    (root / "models").mkdir()
    models_info, objects, n_gt = {}, {}, 0
    for si, sv in enumerate(progress(scenes, opts, "bop")):
        sdir = root / "train" / f"{si:06d}"
        names = extract_frames(sv, sdir / "rgb", opts)
        obj_id = {}
        for oid, mesh in sorted(_object_models(sv).items()):
            gid = len(objects) + 1
            obj_id[oid] = gid
            o = next(x for x in sv.objects() if x["id"] == oid)
            objects[str(gid)] = {"scene_id": sv.scene_id, "bop_scene_id": si, "instance_id": oid,
                                 "category": o["category"], "name": o["name"]}
            mesh.export(root / "models" / f"obj_{gid:06d}.ply")
            lo, hi = mesh.bounds
            v = np.asarray(mesh.convex_hull.vertices)
            models_info[str(gid)] = {"diameter": float(pdist(v).max()) if len(v) > 1 else 0.0,
                                     "min_x": lo[0], "min_y": lo[1], "min_z": lo[2],
                                     "size_x": hi[0] - lo[0], "size_y": hi[1] - lo[1], "size_z": hi[2] - lo[2]}
        poses = {o["id"]: np.asarray(o["pose"], dtype=np.float64) for o in sv.objects()}
        c2w = sv.cam_to_world()
        Ks = sv.K
        scene_camera, scene_gt, scene_gt_info = {}, {}, {}
        for i, _name in enumerate(names):
            w2c = np.linalg.inv(c2w[i])
            scene_camera[str(i)] = {"cam_K": Ks.reshape(-1).tolist(), "depth_scale": 1.0,
                                    "cam_R_w2c": w2c[:3, :3].reshape(-1).tolist(),
                                    "cam_t_w2c": (w2c[:3, 3] * 1000.0).tolist()}
            copy_file(sv.root / "depth" / f"{i:06d}.png", sdir / "depth" / f"{i:06d}.png")
            inst = sv.instance(i)
            depth = sv.depth_mm(i)
            gts, infos = [], []
            for fo in sv.frames[i]["objects"]:
                oid = fo["id"]
                if oid not in obj_id:
                    continue
                m2c = w2c @ poses[oid]
                mask = inst == oid
                (sdir / "mask_visib").mkdir(exist_ok=True)
                Image.fromarray((mask * 255).astype(np.uint8)).save(
                    sdir / "mask_visib" / f"{i:06d}_{len(gts):06d}.png")
                a = fo["bbox_amodal_xyxy"]
                vis = max(float(fo["vis_fraction"]), 1e-9)
                gts.append({"cam_R_m2c": m2c[:3, :3].reshape(-1).tolist(),
                            "cam_t_m2c": (m2c[:3, 3] * 1000.0).tolist(), "obj_id": obj_id[oid]})
                infos.append({"bbox_obj": [a[0], a[1], a[2] - a[0], a[3] - a[1]],
                              "bbox_visib": _mask_bbox(mask) if mask.any() else [-1, -1, -1, -1],
                              "px_count_all": int(round(int(mask.sum()) / vis)),
                              "px_count_valid": int((mask & (depth > 0)).sum()),
                              "px_count_visib": int(mask.sum()), "visib_fract": float(fo["vis_fraction"])})
            scene_gt[str(i)] = gts
            scene_gt_info[str(i)] = infos
            n_gt += len(gts)
        for fname, obj in (("scene_camera.json", scene_camera), ("scene_gt.json", scene_gt),
                           ("scene_gt_info.json", scene_gt_info)):
            (sdir / fname).write_text(json.dumps(obj, indent=1) + "\n", encoding="utf-8")
    (root / "models" / "models_info.json").write_text(json.dumps(models_info, indent=1) + "\n", encoding="utf-8")
    (root / "objects.json").write_text(json.dumps(objects, indent=1) + "\n", encoding="utf-8")
    return {"scenes": len(scenes), "models": len(objects), "gt": n_gt}
