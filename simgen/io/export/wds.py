"""WebDataset tar shards: one sample per scene, grouped by key (the scene id).

Members of sample `<key>`: `<key>.mp4` (the chosen video), `<key>.scene.json`, `<key>.camera.json`,
`<key>.frames.json` (list of frames.jsonl rows), `<key>.qa.json` (list of qa.jsonl rows answerable
under --frames), `<key>.depth.npy` ((T, H, W) uint16 mm z-depth), `<key>.instance.npy` ((T, H, W)
uint16 ids) and `<key>.degradation.json` when the scene has one. Shards are `<name>-000000.tar`, ...,
started anew before a sample would push a shard past --shard-size-mb (a larger sample gets its own).
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np

from simgen.io.export.base import ExportOptions, progress
from simgen.io.export.store import SceneView, answerable


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def _json_bytes(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def scene_sample(sv: SceneView, opts: ExportOptions) -> list[tuple[str, bytes]]:
    """[(member name, bytes)] of one scene's sample."""
    key = sv.scene_id
    n = sv.n_frames
    depth = np.stack([sv.depth_mm(i) for i in range(n)]) if n else np.zeros((0, 0, 0), np.uint16)
    inst = np.stack([sv.instance(i) for i in range(n)]) if n else np.zeros((0, 0, 0), np.uint16)
    members = [
        (f"{key}.mp4", sv.video(opts.variant).read_bytes()),
        (f"{key}.scene.json", (sv.root / "scene.json").read_bytes()),
        (f"{key}.camera.json", (sv.root / "camera.json").read_bytes()),
        (f"{key}.frames.json", _json_bytes(sv.frames)),
        (f"{key}.qa.json", _json_bytes([q for q in sv.qa if answerable(q, opts.frames)])),
        (f"{key}.depth.npy", _npy_bytes(depth)),
        (f"{key}.instance.npy", _npy_bytes(inst)),
    ]
    if (sv.root / "degradation.json").is_file():
        members.append((f"{key}.degradation.json", (sv.root / "degradation.json").read_bytes()))
    return members


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    info.mode = 0o644
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def export_webdataset(scenes: list[SceneView], root: Path, opts: ExportOptions) -> dict:
    limit = opts.shard_size_mb * 1e6
    shards: list[dict] = []
    tar, size = None, 0
    try:
        for sv in progress(scenes, opts, "webdataset"):
            members = scene_sample(sv, opts)
            nbytes = sum(len(b) + 1024 for _n, b in members)
            if tar is None or (size > 0 and size + nbytes > limit):
                if tar is not None:
                    tar.close()
                name = f"{opts.dataset_name}-{len(shards):06d}.tar"
                tar = tarfile.open(root / name, "w", format=tarfile.GNU_FORMAT)
                shards.append({"file": name, "samples": 0})
                size = 0
            for n, b in members:
                _add(tar, n, b)
            size += nbytes
            shards[-1]["samples"] += 1
    finally:
        if tar is not None:
            tar.close()
    (root / "shards.json").write_text(json.dumps({"shards": shards}, indent=1) + "\n", encoding="utf-8")
    return {"samples": sum(s["samples"] for s in shards), "shards": len(shards)}
