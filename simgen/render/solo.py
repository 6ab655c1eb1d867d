"""Pixels an object covers when rendered alone: the denominator of the visibility fraction.

Counting them by rendering each object alone through the full instance pass (pyrender traversal, a
float colour buffer read back and compared) cost about 15 ms per object and frame on llvmpipe, which
made the solo counts the slowest stage of the pipeline at high complexity. This counter gets the same
numbers from raw OpenGL with no read-back at all:

- every object is one vertex array (parts merged in its first part's frame), drawn with the instance
  pass's vertex shader statement (`P * V * M * inst_m * position`, float32 uniforms, inst_m the
  identity as pyrender passes it, back faces culled, the same clip planes), so it rasterises to exactly
  the same pixels (the identical expression matters: the shader compiler may reorder float products);
- colour writes and the depth test are off; a stencil test lets each pixel count once, however many of
  the object's triangles cover it: object k of a frame draws with `NOTEQUAL k`, `REPLACE` on pass, so
  its first fragment on a pixel passes and marks the pixel k, and its later ones fail. Pixels marked by
  the objects before it hold other values, so the stencil needs clearing only once per 255 objects
  (clearing it before every object, `EQUAL 0` / `INCR`, gave the same counts but cost about as much as
  the drawing: a full-framebuffer masked clear per object on llvmpipe);
- an occlusion query (GL_SAMPLES_PASSED) on a single-sample framebuffer then returns the pixel count.

tests/render/test_solo.py checks the counts against the rendered instance pass pixel for pixel.
"""

from __future__ import annotations

import ctypes
from typing import Sequence

import numpy as np
import trimesh

from simgen.core.errors import RenderError
from simgen.core.transforms import opencv_to_opengl
from simgen.render.types import RenderItem

_VERT = """#version 330 core
layout(location = 0) in vec3 position;
layout(location = 1) in mat4 inst_m;
uniform mat4 P;
uniform mat4 V;
uniform mat4 M;
void main()
{
    gl_Position = P * V * M * inst_m * vec4(position, 1.0);
}
"""

_FRAG = """#version 330 core
out vec4 frag_color;
void main()
{
    frag_color = vec4(1.0);
}
"""


def projection_matrix(K: np.ndarray, width: int, height: int, znear: float, zfar: float) -> np.ndarray:
    """(4, 4) OpenGL projection of pinhole K (pixel-corner origin), as pyrender's IntrinsicsCamera builds it."""
    fx, fy, cx, cy = float(K[0, 0]), float(K[1, 1]), float(K[0, 2]), float(K[1, 2])
    P = np.zeros((4, 4))
    P[0][0] = 2.0 * fx / float(width)
    P[1][1] = 2.0 * fy / float(height)
    P[0][2] = 1.0 - 2.0 * cx / float(width)
    P[1][2] = 2.0 * cy / float(height) - 1.0
    P[3][2] = -1.0
    P[2][2] = (zfar + znear) / (znear - zfar)
    P[2][3] = (2 * zfar * znear) / (znear - zfar)
    return P


QUERY_POOL = 64   # occlusion queries in flight per batch
STENCIL_MARKS = 255   # distinct non-zero 8-bit stencil values: objects drawn between two stencil clears


class SoloCounter:
    """`with SoloCounter(w, h) as s: s.load(items); s.counts(K, pose, ids)` -> {id: pixels alone}."""

    def __init__(self, width: int, height: int, *, znear: float = 0.05, zfar: float = 100.0):
        if width <= 0 or height <= 0:
            raise ValueError(f"image size must be positive, got {width}x{height}")
        self.width, self.height = int(width), int(height)
        self.znear, self.zfar = float(znear), float(zfar)
        self._platform = None
        self._gl = None
        self._program = None
        self._fbo = None
        self._rbos: list = []
        self._objects: dict[int, dict] = {}   # id -> {"vao", "buffers", "count", "pose", "pose_f32"}
        self._query = None
        self._loc: dict[str, int] = {}        # uniform locations of the program

    # -- lifetime -------------------------------------------------------------------------------------
    def __enter__(self) -> "SoloCounter":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        if self._platform is not None:
            return
        from simgen.render.egl import make_platform

        self._platform = make_platform(self.width, self.height)
        try:
            from OpenGL import GL

            self._gl = GL
            self._program = self._link()
            self._loc = {n: GL.glGetUniformLocation(self._program, n) for n in ("P", "V", "M")}
            self._fbo = int(GL.glGenFramebuffers(1))
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self._fbo)
            colour, stencil = (int(v) for v in GL.glGenRenderbuffers(2))
            self._rbos = [colour, stencil]
            GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, colour)
            GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_R8, self.width, self.height)
            GL.glFramebufferRenderbuffer(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_RENDERBUFFER, colour)
            GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, stencil)
            GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_DEPTH24_STENCIL8, self.width, self.height)
            GL.glFramebufferRenderbuffer(GL.GL_FRAMEBUFFER, GL.GL_DEPTH_STENCIL_ATTACHMENT, GL.GL_RENDERBUFFER,
                                         stencil)
            status = GL.glCheckFramebufferStatus(GL.GL_FRAMEBUFFER)
            if status != GL.GL_FRAMEBUFFER_COMPLETE:
                raise RenderError(f"solo counter framebuffer incomplete (status {int(status):#x})")
            # a pool of occlusion queries: every object's draw is issued before any result is read, so
            # the driver never stalls on one object at a time
            self._query = [int(q) for q in np.ravel(GL.glGenQueries(QUERY_POOL))]
        except Exception:
            self.close()
            raise

    def _link(self):
        GL = self._gl
        program = GL.glCreateProgram()
        for kind, src in ((GL.GL_VERTEX_SHADER, _VERT), (GL.GL_FRAGMENT_SHADER, _FRAG)):
            shader = GL.glCreateShader(kind)
            GL.glShaderSource(shader, src)
            GL.glCompileShader(shader)
            if not GL.glGetShaderiv(shader, GL.GL_COMPILE_STATUS):
                raise RenderError(f"solo counter shader failed: {GL.glGetShaderInfoLog(shader)!r}")
            GL.glAttachShader(program, shader)
            GL.glDeleteShader(shader)
        GL.glLinkProgram(program)
        if not GL.glGetProgramiv(program, GL.GL_LINK_STATUS):
            raise RenderError(f"solo counter program failed: {GL.glGetProgramInfoLog(program)!r}")
        return program

    def close(self) -> None:
        """Free GL resources and the context. Safe to call twice."""
        if self._platform is None:
            return
        try:
            self._platform.make_current()
            self._free_objects()
            GL = self._gl
            if GL is not None:
                if self._query is not None:
                    GL.glDeleteQueries(len(self._query), np.array(self._query, dtype=np.uint32))
                if self._rbos:
                    GL.glDeleteRenderbuffers(len(self._rbos), np.array(self._rbos, dtype=np.uint32))
                if self._fbo is not None:
                    GL.glDeleteFramebuffers(1, np.array([self._fbo], dtype=np.uint32))
                if self._program is not None:
                    GL.glDeleteProgram(self._program)
        finally:
            from simgen.render.egl import release_platform

            release_platform(self._platform)
            self._platform = self._gl = self._program = self._fbo = self._query = None
            self._rbos = []
            self._loc = {}

    def _require_open(self):
        if self._platform is None:
            raise RenderError("SoloCounter is not open; use `with SoloCounter(w, h) as s:`")
        self._platform.make_current()

    # -- objects --------------------------------------------------------------------------------------
    def _free_objects(self) -> None:
        GL = self._gl
        for obj in self._objects.values():
            GL.glDeleteVertexArrays(1, np.array([obj["vao"]], dtype=np.uint32))
            GL.glDeleteBuffers(len(obj["buffers"]), np.array(obj["buffers"], dtype=np.uint32))
        self._objects = {}

    def load(self, items: Sequence[RenderItem]) -> None:
        """Items with the same instance id are merged into one object (in that id's first item's frame)."""
        self._require_open()
        self._free_objects()
        GL = self._gl
        groups: dict[int, list[RenderItem]] = {}
        for it in items:
            groups.setdefault(int(it.instance_id), []).append(it)
        for iid, its in sorted(groups.items()):
            base = np.asarray(its[0].pose, dtype=np.float64)
            inv = np.linalg.inv(base)
            meshes = []
            for it in its:
                m = trimesh.Trimesh(vertices=np.asarray(it.mesh.vertices), faces=np.asarray(it.mesh.faces),
                                    process=False)
                m.apply_transform(inv @ np.asarray(it.pose, dtype=np.float64))
                meshes.append(m)
            mesh = trimesh.util.concatenate(meshes) if len(meshes) > 1 else meshes[0]
            positions = np.ascontiguousarray(mesh.vertices, dtype=np.float32)
            faces = np.ascontiguousarray(mesh.faces, dtype=np.uint32)
            vao = int(GL.glGenVertexArrays(1))
            GL.glBindVertexArray(vao)
            vbo, ebo = (int(v) for v in GL.glGenBuffers(2))
            GL.glBindBuffer(GL.GL_ARRAY_BUFFER, vbo)
            GL.glBufferData(GL.GL_ARRAY_BUFFER, positions.nbytes, positions, GL.GL_STATIC_DRAW)
            GL.glEnableVertexAttribArray(0)
            GL.glVertexAttribPointer(0, 3, GL.GL_FLOAT, GL.GL_FALSE, 12, ctypes.c_void_p(0))
            GL.glBindBuffer(GL.GL_ELEMENT_ARRAY_BUFFER, ebo)
            GL.glBufferData(GL.GL_ELEMENT_ARRAY_BUFFER, faces.nbytes, faces, GL.GL_STATIC_DRAW)
            for col in range(4):   # inst_m: the identity, as a constant attribute
                GL.glDisableVertexAttribArray(1 + col)
            GL.glBindVertexArray(0)
            self._objects[iid] = {"vao": vao, "buffers": [vbo, ebo], "count": int(faces.size), "pose": base,
                                  "pose_f32": base.astype(np.float32)}

    def set_pose(self, instance_id: int, pose: np.ndarray) -> None:
        """Move one object to `pose` (4, 4) world_from_local of its first item."""
        iid = int(instance_id)
        if iid not in self._objects:
            raise RenderError(f"set_pose: no object with instance_id {iid} is loaded")
        pose = np.asarray(pose, dtype=np.float64)
        if pose.shape != (4, 4):
            raise ValueError(f"pose must be (4, 4), got {pose.shape}")
        self._objects[iid]["pose"] = pose
        self._objects[iid]["pose_f32"] = pose.astype(np.float32)   # the uniform, as counts() uploads it

    # -- counting -------------------------------------------------------------------------------------
    def counts(self, K: np.ndarray, cam_to_world_cv: np.ndarray, ids: Sequence[int]) -> dict[int, int]:
        """{id: number of pixels the object covers with nothing else in the scene} (unknown ids: 0)."""
        self._require_open()
        GL = self._gl
        P = projection_matrix(np.asarray(K, dtype=np.float64), self.width, self.height, self.znear, self.zfar)
        V = np.linalg.inv(opencv_to_opengl(np.asarray(cam_to_world_cv, dtype=np.float64)))
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self._fbo)
        GL.glViewport(0, 0, self.width, self.height)
        GL.glUseProgram(self._program)
        loc = self._loc
        GL.glUniformMatrix4fv(loc["P"], 1, GL.GL_TRUE, P.astype(np.float32))
        GL.glUniformMatrix4fv(loc["V"], 1, GL.GL_TRUE, V.astype(np.float32))
        GL.glColorMask(GL.GL_FALSE, GL.GL_FALSE, GL.GL_FALSE, GL.GL_FALSE)
        GL.glDisable(GL.GL_DEPTH_TEST)
        GL.glDisable(GL.GL_BLEND)
        GL.glDisable(GL.GL_MULTISAMPLE)
        GL.glEnable(GL.GL_CULL_FACE)
        GL.glCullFace(GL.GL_BACK)
        GL.glFrontFace(GL.GL_CCW)
        GL.glEnable(GL.GL_STENCIL_TEST)
        GL.glStencilMask(0xFF)
        GL.glStencilOp(GL.GL_KEEP, GL.GL_KEEP, GL.GL_REPLACE)   # depth test off: a passing fragment marks
        GL.glClearStencil(0)
        out: dict[int, int] = {}
        result = np.zeros(1, dtype=np.uint32)
        try:
            for iid in ids:   # unknown ids count 0; the rest in batches of the query pool
                if self._objects.get(int(iid)) is None:
                    out[int(iid)] = 0
            known = [int(i) for i in ids if int(i) in self._objects]
            for col in range(4):   # inst_m = identity: current attribute values (context state), set once
                GL.glVertexAttrib4f(1 + col, *(1.0 if r == col else 0.0 for r in range(4)))
            mark = STENCIL_MARKS   # the stencil value of the object being drawn; the first one clears
            for b in range(0, len(known), QUERY_POOL):
                batch = known[b:b + QUERY_POOL]
                for q, iid in zip(self._query, batch):
                    obj = self._objects[iid]
                    if mark == STENCIL_MARKS:   # every mark used since the last clear: start again from 0
                        GL.glClear(GL.GL_STENCIL_BUFFER_BIT)
                        mark = 0
                    mark += 1
                    GL.glStencilFunc(GL.GL_NOTEQUAL, mark, 0xFF)
                    GL.glUniformMatrix4fv(loc["M"], 1, GL.GL_TRUE, obj["pose_f32"])
                    GL.glBindVertexArray(obj["vao"])
                    GL.glBeginQuery(GL.GL_SAMPLES_PASSED, q)
                    GL.glDrawElements(GL.GL_TRIANGLES, obj["count"], GL.GL_UNSIGNED_INT, ctypes.c_void_p(0))
                    GL.glEndQuery(GL.GL_SAMPLES_PASSED)
                for q, iid in zip(self._query, batch):
                    GL.glGetQueryObjectuiv(q, GL.GL_QUERY_RESULT, result)
                    out[iid] = int(result[0])
            out = {int(i): out[int(i)] for i in ids}
        finally:
            GL.glBindVertexArray(0)
            GL.glDisable(GL.GL_STENCIL_TEST)
            GL.glColorMask(GL.GL_TRUE, GL.GL_TRUE, GL.GL_TRUE, GL.GL_TRUE)
            GL.glUseProgram(0)
        return out
