"""The headless renderer: linear float RGB, metric z-depth and exact uint16 instance ids.

Built on pyrender (scikit-robot-pyrender) under EGL, with three changes that matter for ground truth:

1. Linear colour with headroom. pyrender's mesh.frag gamma-encodes (pow 1/2.2) and clamps to [0, 1],
   and its offscreen FBO is 8-bit. We compile a copy of its shaders whose final statement writes linear
   radiance (simgen.render.shaders), into a GL_RGBA32F framebuffer read back as float32
   (simgen.render.backend). sRGB encoding belongs to the camera model, later.
2. Exact instance ids. The instance pass uses pyrender's SEG traversal with our own instance shaders
   writing the id as a float (exact up to 2^24) into the same float FBO, without MSAA, blending or
   filtering; ids are rounded back to uint16.
3. Speed on CPU rasterisers. Static items are merged per material into one mesh (one draw call per
   material in the colour pass) and all static geometry into one mesh for the instance pass (ids as
   a per-vertex attribute). Dynamic items (static=False, or moved with set_pose) are separate nodes.

Depth always comes from the instance pass (single-sample), converted from a 32-bit float depth buffer
to z-depth in float64. That pass also serves as a depth pre-pass: the colour pass then draws with depth
writes off and GL_LEQUAL, so each pixel is shaded once (the colour pass is fragment-bound on llvmpipe:
its cost scales with pixels x lights). Draw order and light order are fixed by node names, so output
is bit-identical between runs. Shadows are off (they cost 60-80 % on llvmpipe).
Camera: K in pixels with the pixel-corner origin maps to pyrender.IntrinsicsCamera unchanged (its
projection matrix already uses that convention; tests/render check it to 0.5 px); cam_to_world in
OpenCV convention is converted once with simgen.core.transforms.opencv_to_opengl.
"""

from __future__ import annotations

import logging
import shutil
from collections import defaultdict
from typing import Sequence

import numpy as np

from simgen.core.errors import RenderError
from simgen.core.transforms import opencv_to_opengl
from simgen.render import batching
from simgen.render.egl import make_platform, release_platform
from simgen.render.types import OUTPUT_NAMES, FrameBuffers, Light, RenderItem

log = logging.getLogger(__name__)


def _light_pose(direction, position) -> np.ndarray:
    """(4, 4) node pose whose -z axis is `direction` (pyrender lights shine along their local -z)."""
    d = np.asarray(direction, dtype=np.float64)
    z = -d / np.linalg.norm(d)
    helper = np.array([0.0, 0.0, 1.0]) if abs(z[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    x = np.cross(helper, z)
    x /= np.linalg.norm(x)
    pose = np.eye(4)
    pose[:3, :3] = np.stack([x, np.cross(z, x), z], axis=1)
    pose[:3, 3] = position
    return pose


class Renderer:
    """Offscreen renderer owning one OpenGL context. Use as `with Renderer(640, 480) as r: ...`.

    ambient: linear RGB ambient irradiance added as base_color * ambient (pyrender's ambient term).
    znear, zfar: clip planes in metres. msaa: 4x multisampling of the colour pass only (depth and
    instance stay single-sample and exact). depth_prepass: draw the colour pass over the instance
    pass's depth buffer (depth writes off, GL_LEQUAL) so every pixel is shaded once; ignored with msaa.
    """

    def __init__(self, width: int, height: int, *, ambient=(0.03, 0.03, 0.03), znear: float = 0.05,
                 zfar: float = 100.0, msaa: bool = False,
                 depth_prepass: bool = True):
        if width <= 0 or height <= 0:
            raise ValueError(f"image size must be positive, got {width}x{height}")
        if not 0 < znear < zfar:
            raise ValueError(f"need 0 < znear < zfar, got znear={znear}, zfar={zfar}")
        self.width, self.height = int(width), int(height)
        self.ambient = tuple(float(a) for a in ambient)
        self.znear, self.zfar = float(znear), float(zfar)
        self.msaa = bool(msaa)
        self.depth_prepass = bool(depth_prepass)
        self._platform = None
        self._gl = None
        self._shader_dir = None
        self._scene = None

    # -- lifetime -------------------------------------------------------------------------------------
    def __enter__(self) -> "Renderer":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        """Create the context (done by `with`)."""
        if self._platform is not None:
            return
        self._platform = make_platform(self.width, self.height)
        try:
            import pyrender

            from simgen.render import backend
            from simgen.render.shaders import write_shader_dir

            self._pyrender = pyrender
            self._backend = backend
            self._shader_dir = write_shader_dir()
            self._gl = backend.FloatRenderer(self.width, self.height, str(self._shader_dir), samples=4 if self.msaa else 0)
            self._new_scene()
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        """Free GL resources and the context (done by `with`). Safe to call twice."""
        if self._platform is not None:
            try:
                self._platform.make_current()
                if self._gl is not None:
                    self._gl.delete()
            finally:
                release_platform(self._platform)
        if self._shader_dir is not None:
            shutil.rmtree(self._shader_dir, ignore_errors=True)
        self._platform = self._gl = self._shader_dir = self._scene = None

    def _require_open(self):
        if self._platform is None:
            raise RenderError("Renderer is not open; use `with Renderer(w, h) as r:`")
        self._platform.make_current()

    # -- scene ----------------------------------------------------------------------------------------
    def _new_scene(self):
        pr = self._pyrender
        self._scene = self._backend.OrderedScene(bg_color=(0.0, 0.0, 0.0, 0.0), ambient_light=self.ambient)
        self._camera = pr.IntrinsicsCamera(fx=1.0, fy=1.0, cx=0.0, cy=0.0, znear=self.znear, zfar=self.zfar)
        self._cam_node = self._scene.add(self._camera, pose=np.eye(4))
        self._items: dict[int, list[RenderItem]] = defaultdict(list)  # id -> items
        self._geom_cache: dict[int, batching.LocalGeometry] = {}
        self._materials: dict[tuple, object] = {}
        self._static: dict[tuple, list[RenderItem]] = defaultdict(list)  # material key -> static items
        self._static_nodes: dict[tuple, object] = {}  # material key -> colour node
        self._seg_static_node = None
        self._dynamic_nodes: dict[int, list[tuple]] = defaultdict(list)  # id -> [(item, colour, seg node)]
        self._batch_counter = 0

    def _geometry(self, item: RenderItem) -> batching.LocalGeometry:
        key = id(item.mesh)
        if key not in self._geom_cache:
            self._geom_cache[key] = batching.local_geometry(item.mesh)
        return self._geom_cache[key]

    def _material(self, key: tuple, item: RenderItem, geom: batching.LocalGeometry):
        if key not in self._materials:
            base = (1.0, 1.0, 1.0) if geom.image is not None else tuple(item.material.base_color)
            tex = None
            if geom.image is not None:
                tex = self._pyrender.Texture(source=geom.image.convert("RGB"), source_channels="RGB")
            self._materials[key] = self._pyrender.MetallicRoughnessMaterial(
                baseColorFactor=(*base, 1.0), metallicFactor=float(item.material.metallic),
                roughnessFactor=float(item.material.roughness), alphaMode="OPAQUE", doubleSided=False,
                baseColorTexture=tex)
        return self._materials[key]

    def _colour_mesh(self, batch, material):
        prim = self._pyrender.Primitive(positions=batch.positions, normals=batch.normals, texcoord_0=batch.uv,
                                        indices=batch.faces, material=material, mode=4)
        return self._pyrender.Mesh(primitives=[prim])

    def _seg_mesh(self, batch, per_vertex: bool):
        colours = None
        if per_vertex:
            colours = np.zeros((len(batch.positions), 4), dtype=np.float32)
            colours[:, 0] = batch.instance_ids
            colours[:, 3] = 1.0
        prim = self._pyrender.Primitive(positions=batch.positions, color_0=colours, indices=batch.faces, mode=4)
        mesh = self._pyrender.Mesh(primitives=[prim])
        mesh.is_visible = False
        return mesh

    def load(self, items: Sequence[RenderItem], lights: Sequence[Light]) -> None:
        """(Re)build the scene from items and lights, replacing whatever was loaded before."""
        self._require_open()
        self._new_scene()
        counts = {"point": 0, "directional": 0, "spot": 0}
        for light in lights:
            counts[light.kind] += 1
        limit = self._backend.MAX_LIGHTS_PER_KIND
        too_many = {k: n for k, n in counts.items() if n > limit}
        if too_many:
            raise RenderError(f"at most {limit} lights per kind are supported, got {too_many}")
        for k, light in enumerate(lights):
            self._add_light(light, name=f"light_{k:03d}")
        for item in items:
            self._items[int(item.instance_id)].append(item)
            if item.static:
                geom = self._geometry(item)
                self._static[batching.material_key(item, geom)].append(item)
            else:
                self._add_dynamic(item)
        self._rebuild_static(list(self._static))
        log.debug("loaded %d items (%d static batches), %d lights", len(items), len(self._static), len(lights))

    def _add_light(self, light: Light, name: str) -> None:
        pr = self._pyrender
        colour, intensity = np.asarray(light.color, dtype=np.float64), float(light.intensity)
        if light.kind == "directional":
            node_light = pr.DirectionalLight(color=colour, intensity=intensity)
        elif light.kind == "point":
            node_light = pr.PointLight(color=colour, intensity=intensity)
        else:
            node_light = pr.SpotLight(color=colour, intensity=intensity, innerConeAngle=light.inner_cone_rad,
                                      outerConeAngle=light.outer_cone_rad)
        direction = light.direction if light.kind != "point" else (0.0, 0.0, -1.0)
        self._scene.add(node_light, name=name, pose=_light_pose(direction, light.position))

    def _add_dynamic(self, item: RenderItem) -> None:
        geom = self._geometry(item)
        key = batching.material_key(item, geom)
        local = batching.to_world(geom, np.eye(4), item.instance_id)
        pose = np.asarray(item.pose, dtype=np.float64)
        entries = self._dynamic_nodes[int(item.instance_id)]
        name = f"d{int(item.instance_id):05d}_{len(entries):04d}"  # names fix the draw order (backend)
        colour = self._scene.add(self._colour_mesh(local, self._material(key, item, geom)), name=name, pose=pose)
        seg = self._scene.add(self._seg_mesh(local, per_vertex=False), name=name + "_id", pose=pose)
        entries.append((item, colour, seg))

    def _rebuild_static(self, keys: list[tuple]) -> None:
        for key in keys:
            if key in self._static_nodes:
                self._scene.remove_node(self._static_nodes.pop(key))
            items = self._static.get(key, [])
            if items:
                geom0 = self._geometry(items[0])
                batch = batching.merge([batching.to_world(self._geometry(it), it.pose, it.instance_id) for it in items])
                mesh = self._colour_mesh(batch, self._material(key, items[0], geom0))
                self._batch_counter += 1
                self._static_nodes[key] = self._scene.add(mesh, name=f"s{self._batch_counter:06d}")
            else:
                self._static.pop(key, None)
        if self._seg_static_node is not None:
            self._scene.remove_node(self._seg_static_node)
            self._seg_static_node = None
        all_static = [it for its in self._static.values() for it in its]
        if all_static:
            batch = batching.merge([batching.to_world(self._geometry(it), it.pose, it.instance_id) for it in all_static])
            self._seg_static_node = self._scene.add(self._seg_mesh(batch, per_vertex=True), name="s_ids")

    def set_pose(self, instance_id: int, pose: np.ndarray) -> None:
        """Move every item with this instance id to `pose` (4, 4) world_from_local.

        A static item becomes dynamic on its first move (its batch is rebuilt once)."""
        self._require_open()
        iid = int(instance_id)
        if iid not in self._items:
            raise RenderError(f"set_pose: no item with instance_id {iid} is loaded")
        pose = np.asarray(pose, dtype=np.float64)
        if pose.shape != (4, 4):
            raise ValueError(f"pose must be (4, 4), got {pose.shape}")
        static_keys = []
        for key, items in self._static.items():
            if any(int(it.instance_id) == iid for it in items):
                self._static[key] = [it for it in items if int(it.instance_id) != iid]
                static_keys.append(key)
        if static_keys:
            for it in self._items[iid]:
                if it.static:
                    self._add_dynamic(it)
            self._rebuild_static(static_keys)
        for _item, colour, seg in self._dynamic_nodes[iid]:
            self._scene.set_pose(colour, pose)
            self._scene.set_pose(seg, pose)

    # -- rendering ------------------------------------------------------------------------------------
    def render(self, K: np.ndarray, cam_to_world_cv: np.ndarray,
               outputs: tuple[str, ...] = ("rgb", "depth", "instance"),
               only_ids: Sequence[int] | None = None) -> FrameBuffers:
        """Render one view.

        K: (3, 3) intrinsics in pixels, pixel-corner origin (centred principal point cx = W/2).
        cam_to_world_cv: (4, 4) world_from_camera, OpenCV camera axes (x right, y down, z forward).
        outputs: any of "rgb", "depth", "instance"; ("depth", "instance") skips the colour pass.
        only_ids: draw only the dynamic items with these ids (depth/instance outputs only), e.g. to
        count an object's pixels when rendered alone.
        """
        if only_ids is not None and "rgb" in outputs:
            raise ValueError("only_ids works with the depth and instance outputs only")
        unknown = set(outputs) - set(OUTPUT_NAMES)
        if unknown or not outputs:
            raise ValueError(f"outputs must be a non-empty subset of {OUTPUT_NAMES}, got {outputs}")
        self._require_open()
        from pyrender.constants import RenderFlags

        K = np.asarray(K, dtype=np.float64)
        cam = self._camera
        cam.fx, cam.fy, cam.cx, cam.cy = float(K[0, 0]), float(K[1, 1]), float(K[0, 2]), float(K[1, 2])
        self._scene.set_pose(self._cam_node, opencv_to_opengl(cam_to_world_cv))

        want_rgb, want_depth, want_inst = ("rgb" in outputs), ("depth" in outputs), ("instance" in outputs)
        prepass = want_rgb and self.depth_prepass and not self.msaa
        seg_meshes = [n.mesh for n in self._seg_nodes()]
        if only_ids is not None:
            keep = {int(i) for i in only_ids}
            draw = [seg.mesh for iid, es in self._dynamic_nodes.items() if iid in keep for _i, _c, seg in es]
        else:
            draw = seg_meshes
        colour_meshes = [n.mesh for n in self._colour_nodes()]
        rgb = zwin = inst = None
        try:
            if want_inst or want_depth or prepass:
                # instance pass: exact ids and depth, no MSAA; doubles as the colour pass's depth pre-pass
                self._set_visible(colour_meshes, False)
                self._set_visible(seg_meshes, False)
                self._set_visible(draw, True)
                seg_map = {n: (0.0, 0.0, 0.0) for n in self._seg_nodes()}
                for iid, entries in self._dynamic_nodes.items():
                    for _item, _colour, seg in entries:
                        seg_map[seg] = (iid * 255.0, 0.0, 0.0)
                self._gl.render(self._scene, RenderFlags.SEG, seg_node_map=seg_map)
                ids, zwin = self._gl.read(colour=want_inst, depth=want_depth, channels=1)
                if want_inst:
                    inst = np.rint(ids[..., 0]).clip(0, 65535).astype(np.uint16)
            if want_rgb:
                self._set_visible(seg_meshes, False)
                self._set_visible(colour_meshes, True)
                self._gl.reuse_depth = prepass
                self._gl.render(self._scene, RenderFlags.NONE)
                rgb, _ = self._gl.read(colour=True, depth=False)
                rgb = rgb.copy()
        except RenderError:
            raise
        except Exception as exc:  # GL errors from the driver
            raise RenderError(f"render failed: {exc}") from exc
        finally:
            self._gl.reuse_depth = False
            self._set_visible(colour_meshes, True)
            self._set_visible(seg_meshes, False)
        depth = None
        if want_depth:
            depth = self._backend.window_depth_to_z(zwin, self.znear, self.zfar)
        return FrameBuffers(rgb_linear=rgb, depth_m=depth, instance=inst)

    def _seg_nodes(self):
        nodes = [seg for entries in self._dynamic_nodes.values() for _i, _c, seg in entries]
        if self._seg_static_node is not None:
            nodes.append(self._seg_static_node)
        return nodes

    def _colour_nodes(self):
        return list(self._static_nodes.values()) + [c for es in self._dynamic_nodes.values() for _i, c, _s in es]

    @staticmethod
    def _set_visible(meshes, visible: bool) -> None:
        for m in meshes:
            m.is_visible = visible
