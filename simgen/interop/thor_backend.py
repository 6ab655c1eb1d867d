"""An AI2-THOR render backend with simgen.render.Renderer's interface (`load`, `render` -> FrameBuffers).

It drives an ai2thor Controller on the scene's ProcTHOR house (simgen.interop.procthor_export) and
teleports the default agent pose by pose: simgen's OpenCV camera-to-world becomes THOR's camera
position, agent yaw (rotation.y) and camera horizon (pitch, positive down); the agent body is put where
its camera lands on the planned eye point (the camera offset is measured on the first event). Roll
cannot be expressed by the agent (simgen's walks have none; a rolled pose is rendered without it and
logged). THOR's camera is a centred pinhole with square pixels: `fieldOfView` is the VERTICAL field of
view 2 atan(H / 2 fy).

Frames are converted to simgen's contract: `event.frame` (H, W, 3) uint8 sRGB -> linear float32;
`event.depth_frame` (H, W) float32 metres (Unity's linear eye depth, i.e. z-depth) with the far plane
mapped to 0 = no surface; `event.instance_segmentation_frame` (H, W, 3) uint8 colours + the event's
`color_to_object_id` -> uint16 simgen ids through the house's id table (objects by their house id,
walls/door frames -> the "walls" structure, the entrance door, windows, and floors/ceilings by the
room under each pixel, found from depth). Colours with no simgen entity become 0.

The live backend is NOT exercised in CI: AI2-THOR downloads a Unity build at start, which this project's
machines cannot do. The pure conversion functions below are unit-tested on fake events with the exact
attribute names, shapes and dtypes of `ai2thor.server.Event`.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Callable

import numpy as np

from simgen.core.color import srgb_to_linear
from simgen.core.errors import RenderError
from simgen.interop.thor_types import THOR_FROM_SIM, sim_to_thor_point, thor_to_sim_point

log = logging.getLogger(__name__)
FALLBACK = "use --backend pyrender"
DEFAULT_FAR_M = 50.0


# -- camera conversion ------------------------------------------------------------------------------
def vertical_fov_deg(K: np.ndarray, width: int, height: int) -> float:
    """THOR's fieldOfView (vertical, degrees) for K (3, 3). RenderError unless K is a centred pinhole
    with square pixels (THOR cannot shift the principal point or stretch pixels)."""
    K = np.asarray(K, dtype=np.float64)
    fx, fy, cx, cy = K[0, 0], K[1, 1], K[0, 2], K[1, 2]
    if abs(fx - fy) > 1e-3 * fx or abs(cx - width / 2) > 0.5 or abs(cy - height / 2) > 0.5:
        raise RenderError(f"AI2-THOR renders only centred square-pixel cameras, got fx={fx:.2f} fy={fy:.2f} "
                          f"cx={cx:.2f} cy={cy:.2f} for {width}x{height}; {FALLBACK}")
    return math.degrees(2.0 * math.atan(height / (2.0 * fy)))


def thor_camera_from_cv(cam_to_world_cv: np.ndarray) -> dict:
    """simgen OpenCV cam_to_world (4, 4) -> {"position": THOR {x,y,z} of the camera, "yaw_deg": rotation.y
    in [0, 360), "horizon_deg": pitch (positive looks down), "roll_deg": roll THOR cannot render}."""
    T = np.asarray(cam_to_world_cv, dtype=np.float64)
    fwd = THOR_FROM_SIM @ T[:3, 2]
    right = THOR_FROM_SIM @ T[:3, 0]
    fwd = fwd / np.linalg.norm(fwd)
    yaw = math.atan2(fwd[0], fwd[2])
    horizon = math.degrees(math.asin(max(-1.0, min(1.0, -fwd[1]))))
    r0 = np.array([math.cos(yaw), 0.0, -math.sin(yaw)])        # the agent's right with no roll
    roll = math.degrees(math.atan2(float(np.dot(np.cross(r0, right), fwd)), float(np.dot(r0, right))))
    return {"position": sim_to_thor_point(T[:3, 3]), "yaw_deg": math.degrees(yaw) % 360.0,
            "horizon_deg": horizon, "roll_deg": roll}


def cv_pose_from_thor_camera(position: dict, yaw_deg: float, horizon_deg: float) -> np.ndarray:
    """Inverse of thor_camera_from_cv for roll 0: THOR camera position/yaw/horizon -> OpenCV cam_to_world."""
    y, h = math.radians(yaw_deg), math.radians(horizon_deg)
    fwd_t = np.array([math.sin(y) * math.cos(h), -math.sin(h), math.cos(y) * math.cos(h)])
    right_t = np.array([math.cos(y), 0.0, -math.sin(y)])
    fwd, right = THOR_FROM_SIM @ fwd_t, THOR_FROM_SIM @ right_t
    down = np.cross(fwd, right)                                 # OpenCV: x right, y down, z forward
    T = np.eye(4)
    T[:3, :3] = np.stack([right, down, fwd], axis=1)
    T[:3, 3] = thor_to_sim_point(position)
    return T


def agent_teleport(camera: dict, offset_local: np.ndarray) -> dict:
    """TeleportFull arguments that put the agent's camera on `camera` (from thor_camera_from_cv).
    offset_local: (3,) camera position minus agent position in the agent's yaw frame (THOR axes)."""
    y = math.radians(camera["yaw_deg"])
    Ry = np.array([[math.cos(y), 0.0, math.sin(y)], [0.0, 1.0, 0.0], [-math.sin(y), 0.0, math.cos(y)]])
    p = np.array([camera["position"][k] for k in ("x", "y", "z")]) - Ry @ np.asarray(offset_local, dtype=np.float64)
    return {"action": "TeleportFull", "x": float(p[0]), "y": float(p[1]), "z": float(p[2]),
            "rotation": {"x": 0.0, "y": float(camera["yaw_deg"]), "z": 0.0},
            "horizon": float(camera["horizon_deg"]), "standing": True, "forceAction": True}


def camera_offset_local(metadata: dict) -> np.ndarray:
    """(3,) camera position minus agent position, in the agent's yaw frame, from an event's metadata."""
    cam = np.array([metadata["cameraPosition"][k] for k in ("x", "y", "z")], dtype=np.float64)
    agent = metadata["agent"]
    pos = np.array([agent["position"][k] for k in ("x", "y", "z")], dtype=np.float64)
    y = math.radians(float(agent["rotation"]["y"]))
    Ry = np.array([[math.cos(y), 0.0, math.sin(y)], [0.0, 1.0, 0.0], [-math.sin(y), 0.0, math.cos(y)]])
    return Ry.T @ (cam - pos)


# -- ids --------------------------------------------------------------------------------------------
def thor_id_table(house: dict) -> dict:
    """What THOR object ids mean in simgen: {"objects": {thor id: simgen id}, "walls": id, "doors":
    {thor door id: id}, "windows": {thor window id: id}, "floors": {simgen room: id}, "ceilings": {...},
    "rooms": [(simgen room id, polygon)]} from the house's metadata.simgen (houses written by simgen)."""
    meta = (house.get("metadata") or {}).get("simgen")
    if not meta:
        raise RenderError("the AI2-THOR backend renders houses written by simgen (metadata.simgen missing); "
                          f"{FALLBACK}")
    st = meta.get("structures", [])
    by_name = {s["name"]: s["id"] for s in st}
    walls = next((s["id"] for s in st if s["kind"] == "wall"), 0)
    entrance = next((s["id"] for s in st if s["kind"] == "door"), walls)
    doors = {}
    for tid, d in meta.get("doors", {}).items():
        doors[tid] = entrance if d.get("entrance") else walls      # interior doors are open frames
    windows = {tid: by_name[w["id"]] for tid, w in meta.get("windows", {}).items() if w["id"] in by_name}
    return {"objects": {tid: int(m["id"]) for tid, m in meta.get("objects", {}).items()}, "walls": walls,
            "doors": doors, "windows": windows,
            "floors": {s["room"]: s["id"] for s in st if s["kind"] == "floor"},
            "ceilings": {s["room"]: s["id"] for s in st if s["kind"] == "ceiling"},
            "rooms": [(r["id"], r["polygon"]) for r in meta.get("rooms", {}).values()]}


def resolve_thor_id(name: str, table: dict) -> int | str:
    """simgen id of a THOR object id, or "floor"/"ceiling" (resolved per pixel by room), or 0."""
    if name in table["objects"]:
        return table["objects"][name]
    if name in table["doors"]:
        return table["doors"][name]
    base = name.split("|")[0].lower()
    if name in table["windows"]:
        return table["windows"][name]
    if base in ("wall", "doorframe") or name.startswith(("Doorframe", "wall")):
        return table["walls"]
    if base in ("room", "floor") or name.lower().startswith("floor"):
        return "floor"
    if name.lower().startswith("ceiling"):
        return "ceiling"
    return 0


def instance_from_event(seg_rgb: np.ndarray, color_to_object_id: dict, table: dict, depth_m: np.ndarray | None,
                        K: np.ndarray, cam_to_world_cv: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 segmentation colours -> (H, W) uint16 simgen ids. Floor/ceiling pixels get the id
    of the floor/ceiling of the room under them (unprojected with depth_m and the pose); 0 elsewhere."""
    import shapely
    from shapely.geometry import Polygon

    seg = np.asarray(seg_rgb, dtype=np.uint8)
    key = (seg[..., 0].astype(np.int64) << 16) | (seg[..., 1].astype(np.int64) << 8) | seg[..., 2]
    uniq, inv = np.unique(key.ravel(), return_inverse=True)
    lut_colour = {(int(c[0]) << 16) | (int(c[1]) << 8) | int(c[2]): str(n) for c, n in color_to_object_id.items()}
    out_u = np.zeros(len(uniq), dtype=np.int64)
    special = {}
    for i, k in enumerate(uniq):
        r = resolve_thor_id(lut_colour.get(int(k), ""), table) if int(k) in lut_colour else 0
        if isinstance(r, str):
            special[i] = r
        else:
            out_u[i] = r
    out = out_u[inv].reshape(key.shape)
    if special:
        if depth_m is None:
            raise ValueError("floor/ceiling pixels need depth_m to find their room")
        h, w = key.shape
        v, u = np.mgrid[0:h, 0:w]
        K = np.asarray(K, dtype=np.float64)
        z = np.asarray(depth_m, dtype=np.float64)
        pc = np.stack([(u + 0.5 - K[0, 2]) / K[0, 0] * z, (v + 0.5 - K[1, 2]) / K[1, 1] * z, z], axis=-1)
        T = np.asarray(cam_to_world_cv, dtype=np.float64)
        pw = pc @ T[:3, :3].T + T[:3, 3]
        inv2 = inv.reshape(key.shape)
        polys = [Polygon(poly) for _room, poly in table["rooms"]]
        for i, kind in special.items():
            mask = inv2 == i
            if not polys or not mask.any():
                continue
            pts = shapely.points(pw[mask][:, 0], pw[mask][:, 1])
            dist = np.stack([shapely.distance(poly, pts) for poly in polys])       # 0 inside a room
            nearest = np.argmin(dist, axis=0)
            ids = table["floors"] if kind == "floor" else table["ceilings"]
            room_ids = np.array([ids.get(room, 0) for room, _p in table["rooms"]], dtype=np.int64)
            vals = np.where(dist.min(axis=0) <= 1.0, room_ids[nearest], 0)    # under walls: the nearest room
            out[mask] = vals
    return out.astype(np.uint16)


def rgb_linear_from_event(frame: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 sRGB -> (H, W, 3) float32 linear in [0, 1]."""
    f = np.asarray(frame)
    if f.dtype != np.uint8 or f.ndim != 3 or f.shape[2] < 3:
        raise RenderError(f"AI2-THOR frame must be (H, W, 3) uint8, got {f.shape} {f.dtype}")
    return srgb_to_linear(f[..., :3] / 255.0).astype(np.float32)


def depth_from_event(depth_frame: np.ndarray, far_m: float = DEFAULT_FAR_M) -> np.ndarray:
    """(H, W) float32 metres, far plane (no surface: sky through a window) -> 0."""
    d = np.asarray(depth_frame, dtype=np.float32).copy()
    d[~np.isfinite(d) | (d >= 0.999 * far_m) | (d < 0)] = 0.0
    return d


# -- the renderer -----------------------------------------------------------------------------------
def _default_factory(**kwargs):
    from ai2thor.controller import Controller

    return Controller(**kwargs)


class ThorRenderer:
    """Renderer-compatible AI2-THOR backend. `with ThorRenderer(640, 480) as r: r.load(items, lights,
    house=house); fb = r.render(K, cam_to_world_cv)`. `items`/`lights` are accepted for interface parity
    (THOR draws the house's own assets and lights); `house` is required.

    controller_kwargs: extra ai2thor Controller arguments (e.g. platform=CloudRendering,
    local_executable_path=...). controller_factory: builds the controller (tests inject a fake).
    """

    def __init__(self, width: int, height: int, *, far_m: float = DEFAULT_FAR_M, controller_kwargs: dict | None = None,
                 controller_factory: Callable | None = None):
        self.width, self.height = int(width), int(height)
        self.far_m = float(far_m)
        self.controller_kwargs = dict(controller_kwargs or {})
        self._factory = controller_factory
        self._controller = None
        self._house = None
        self._table = None
        self._fov = None
        self._offset = None
        self._warned_roll = False

    def __enter__(self) -> "ThorRenderer":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        """Check that AI2-THOR can start here; RenderError (one line, pointing to pyrender) if not."""
        if self._factory is not None:
            return
        try:
            import ai2thor  # noqa: F401
        except ImportError:
            raise RenderError('--backend ai2thor needs the Python package ai2thor (pip install "simgen[ai2thor]"); '
                              f"{FALLBACK}") from None
        if not self.controller_kwargs.get("local_executable_path") and not _local_builds():
            raise RenderError("AI2-THOR has no Unity build in ~/.ai2thor/releases and downloads one at start, which "
                              f"needs internet; {FALLBACK}")
        self._factory = _default_factory

    def close(self) -> None:
        if self._controller is not None:
            try:
                self._controller.stop()
            except Exception:  # noqa: BLE001 - closing must not raise
                pass
        self._controller = None

    def load(self, items=(), lights=(), *, house: dict | None = None) -> None:
        """Use `house` (a ProcTHOR house written by simgen) for the next renders."""
        if house is None:
            raise RenderError("ThorRenderer.load needs house= (simgen.interop.house_from_scene of the scene)")
        if self._factory is None:
            raise RenderError("ThorRenderer is not open; use `with ThorRenderer(w, h) as r:`")
        self._table = thor_id_table(house)
        self._house = house
        if self._controller is not None and self._fov is not None:
            self._reset(self._fov)

    def _reset(self, fov_deg: float) -> None:
        args = dict(renderDepthImage=True, renderInstanceSegmentation=True, fieldOfView=fov_deg)
        try:
            if self._controller is None:
                self._controller = self._factory(**{**self.controller_kwargs, "scene": self._house,
                                                    "width": self.width, "height": self.height, **args})
                event = self._controller.last_event
            else:
                event = self._controller.reset(scene=self._house, **args)
        except RenderError:
            raise
        except Exception as e:  # noqa: BLE001 - ai2thor raises plain Exceptions (downloads, Unity start)
            first = str(e).splitlines()[0] if str(e) else ""
            raise RenderError(f"AI2-THOR could not start ({type(e).__name__}: {first}); {FALLBACK}") from None
        self._fov = fov_deg
        self._offset = camera_offset_local(event.metadata)

    def render(self, K: np.ndarray, cam_to_world_cv: np.ndarray, outputs=("rgb", "depth", "instance"), only_ids=None):
        """One view -> simgen.render.FrameBuffers (see simgen.render.types). only_ids is not supported."""
        from simgen.render.types import FrameBuffers

        if only_ids is not None:
            raise RenderError("the AI2-THOR backend cannot render objects alone (only_ids)")
        if self._house is None:
            raise RenderError("ThorRenderer.render before load(house=...)")
        fov = vertical_fov_deg(K, self.width, self.height)
        if self._controller is None or abs(fov - (self._fov or -1.0)) > 1e-4:
            self._reset(fov)
        cam = thor_camera_from_cv(cam_to_world_cv)
        if abs(cam["roll_deg"]) > 0.5 and not self._warned_roll:
            log.warning("AI2-THOR's agent camera cannot roll; rendering %.1f deg of roll as 0", cam["roll_deg"])
            self._warned_roll = True
        event = self._controller.step(**agent_teleport(cam, self._offset))
        if not event.metadata.get("lastActionSuccess", False):
            raise RenderError(f"AI2-THOR TeleportFull failed: {event.metadata.get('errorMessage', '')}")
        need_depth = "depth" in outputs or "instance" in outputs      # floors/ceilings are found from depth
        depth = depth_from_event(event.depth_frame, self.far_m) if need_depth else None
        rgb = rgb_linear_from_event(event.frame) if "rgb" in outputs else None
        inst = None
        if "instance" in outputs:
            inst = instance_from_event(event.instance_segmentation_frame, event.color_to_object_id, self._table,
                                       depth, K, cam_to_world_cv)
        return FrameBuffers(rgb_linear=rgb, depth_m=depth if "depth" in outputs else None, instance=inst)


def _local_builds() -> list[Path]:
    """Unity builds already on this machine (~/.ai2thor/releases/*)."""
    rel = Path(os.path.expanduser("~")) / ".ai2thor" / "releases"
    return sorted(p for p in rel.iterdir() if p.is_dir()) if rel.is_dir() else []
