"""Optical flow from depth and camera poses (forward flow, float32 pixels), and its file format.

For a pixel (u, v) of frame i with z-depth d, the 3D point X = cam_to_world_i · (d K⁻¹ [u+½, v+½, 1])
projects into frame j at (u', v'); flow = (u' − u, v' − v). Pixels without depth (0) or whose point
lies behind camera j get NaN. Objects that move between the frames are handled when their rigid
motion is given (`object_motion`, with the instance map); everything else is taken as static.

Files (`flow/%06d.png`, KITTI optical-flow convention): frame t's forward flow t -> t+1 as a 16-bit
3-channel PNG, channel 0 = u·64 + 2¹⁵, channel 1 = v·64 + 2¹⁵, channel 2 = 1 where the flow is valid
(0 elsewhere). Decoding: flow = (png[..., :2] − 32768) / 64, valid = png[..., 2] > 0. Resolution
1/64 px, range ±511.98 px (larger flows are marked invalid). The last frame has no file. Any PNG
reader with 16-bit RGB support reads it (OpenCV's imread(..., IMREAD_UNCHANGED) returns BGR order);
`read_flow_png` here decodes the files written by `write_flow_png`.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

FLOW_SCALE = 64.0
FLOW_OFFSET = 2 ** 15
FLOW_MAX_PX = (65535 - FLOW_OFFSET) / FLOW_SCALE


def flow_from_depth(depth_m: np.ndarray, K: np.ndarray, cam_to_world_i: np.ndarray,
                    cam_to_world_j: np.ndarray, instance: np.ndarray | None = None,
                    object_motion: dict[int, np.ndarray] | None = None) -> np.ndarray:
    """(H, W, 2) float32 forward flow i -> j in pixels from frame i's z-depth (H, W) metres (0 = none),
    intrinsics K (3, 3) and both OpenCV cam_to_world (4, 4) poses. `object_motion` maps an instance id
    to the (4, 4) world transform that carries its points from frame i to frame j (pose_j · pose_i⁻¹);
    its pixels are found in `instance` (H, W) ids of frame i."""
    depth = np.asarray(depth_m, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64)
    h, w = depth.shape
    u, v = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    x = (u - K[0, 2]) / K[0, 0] * depth
    y = (v - K[1, 2]) / K[1, 1] * depth
    pc = np.stack([x, y, depth], axis=-1).reshape(-1, 3)
    Ti, Tj = np.asarray(cam_to_world_i, dtype=np.float64), np.asarray(cam_to_world_j, dtype=np.float64)
    pw = pc @ Ti[:3, :3].T + Ti[:3, 3]
    if object_motion:
        if instance is None:
            raise ValueError("object_motion needs the instance map of frame i")
        ids = np.asarray(instance).reshape(-1)
        for oid, M in object_motion.items():
            m = ids == int(oid)
            M = np.asarray(M, dtype=np.float64)
            pw[m] = pw[m] @ M[:3, :3].T + M[:3, 3]
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


# ---------------------------------------------------------------- file format (KITTI 16-bit PNG)
def encode_flow(flow: np.ndarray) -> np.ndarray:
    """(H, W, 2) float flow (NaN = none) -> (H, W, 3) uint16 KITTI channels (u, v, valid)."""
    f = np.asarray(flow, dtype=np.float64)
    valid = np.isfinite(f).all(axis=-1) & (np.abs(np.nan_to_num(f)) <= FLOW_MAX_PX).all(axis=-1)
    out = np.zeros(f.shape[:2] + (3,), dtype=np.uint16)
    q = np.round(np.where(valid[..., None], f, 0.0) * FLOW_SCALE + FLOW_OFFSET)
    out[..., :2] = np.clip(q, 0, 65535).astype(np.uint16)
    out[..., 2] = valid
    return out


def decode_flow(png: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint16 KITTI channels -> (H, W, 2) float32 flow with NaN where not valid."""
    png = np.asarray(png)
    f = (png[..., :2].astype(np.float32) - FLOW_OFFSET) / FLOW_SCALE
    f[png[..., 2] == 0] = np.nan
    return f


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_flow_png(path: Path, flow: np.ndarray) -> None:
    """Write (H, W, 2) float flow as a KITTI 16-bit RGB PNG (deterministic bytes; rows use PNG filter 1,
    "Sub", which halves the size of smooth flow)."""
    px = encode_flow(flow)
    h, w, _ = px.shape
    raw = px.astype(">u2").view(np.uint8).reshape(h, w * 6)
    sub = raw.copy()
    sub[:, 6:] = raw[:, 6:] - raw[:, :-6]                 # uint8 arithmetic wraps mod 256, as PNG wants
    rows = np.concatenate([np.ones((h, 1), dtype=np.uint8), sub], axis=1)
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)  # 16-bit truecolour, no interlace
    data = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) \
        + _chunk(b"IEND", b"")
    Path(path).write_bytes(data)


def read_flow_png(path: Path) -> np.ndarray:
    """Read a flow PNG written by write_flow_png -> (H, W, 2) float32 flow, NaN where not valid.
    Decodes non-interlaced 16-bit RGB PNGs whose rows use filters 0 (None) or 1 (Sub)."""
    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG file")
    pos, idat, w = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
            if (depth, ctype, interlace) != (16, 2, 0):
                raise ValueError(f"{path}: not a non-interlaced 16-bit RGB PNG")
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    if w is None:
        raise ValueError(f"{path}: PNG without IHDR")
    rows = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8).reshape(h, 1 + w * 6)
    filt, raw = rows[:, 0], rows[:, 1:].copy()
    if not np.isin(filt, (0, 1)).all():
        raise ValueError(f"{path}: PNG row filters other than None/Sub are not supported by this reader")
    sub = filt == 1
    if sub.any():   # Sub: each byte adds the byte one pixel (6 bytes) to its left, mod 256
        r = raw[sub].reshape(-1, w, 6).astype(np.uint64)
        raw[sub] = (np.cumsum(r, axis=1) % 256).astype(np.uint8).reshape(-1, w * 6)
    px = raw.view(">u2").reshape(h, w, 3).astype(np.uint16)
    return decode_flow(px)


class FlowWriter:
    """Streams forward flow to out_dir/flow/: `add(t, depth_m, cam_to_world)` for t = 0, 1, ... writes
    flow/%06d.png of t-1 (flow t-1 -> t) as soon as frame t arrives; one frame is kept in memory.
    For moving objects give `instance` (H, W) ids and `object_poses` {id: (4, 4) world pose at t}; an
    object's pixels then follow its rigid motion between the two frames."""

    def __init__(self, out_dir: Path, K: np.ndarray):
        self.dir = Path(out_dir) / "flow"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.K = np.asarray(K, dtype=np.float64)
        self._prev: tuple | None = None
        self.n_written = 0

    def add(self, t: int, depth_m: np.ndarray, cam_to_world: np.ndarray, instance: np.ndarray | None = None,
            object_poses: dict[int, np.ndarray] | None = None) -> None:
        depth_m, pose = np.asarray(depth_m, dtype=np.float32), np.asarray(cam_to_world, dtype=np.float64)
        poses = {int(k): np.asarray(v, dtype=np.float64) for k, v in (object_poses or {}).items()}
        if self._prev is not None:
            k, d0, p0, inst0, poses0 = self._prev
            motion = {o: poses[o] @ np.linalg.inv(poses0[o]) for o in poses0 if o in poses}
            flow = flow_from_depth(d0, self.K, p0, pose, instance=inst0 if motion else None,
                                   object_motion=motion or None)
            write_flow_png(self.dir / f"{k:06d}.png", flow)
            self.n_written += 1
        self._prev = (int(t), depth_m, pose, None if instance is None else np.array(instance), poses)
