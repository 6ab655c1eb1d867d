"""The planner's persistent low-resolution renderer: instance ids, depth and exact solo pixel counts.

A minimal OpenGL 3.3 id renderer (its own EGL context, one vertex buffer for the whole scene, one
shader) drawing exactly what simgen.render.Renderer's instance pass draws: the same triangles (the
scene's render items), back faces culled, the same pinhole projection from K, the same clip planes.
Where pyrender costs ~20 ms of Python per draw, this costs one draw call, so the planner can afford
hundreds of exact evaluations:

- `instances(K, poses)`: many poses rendered into the tiles of one atlas framebuffer, one read-back.
- `solo_counts(K, pose, ids)`: every object drawn alone into its own tile (no depth test needed,
  nothing else is drawn there), one read-back: the exact denominators of vis = visible / solo.
- `close_fractions(K, poses, near_m)`: fraction of each view's pixels whose z-depth is < near_m.

Open it once per worker and pass it to plan_trajectory(..., planner_gl=...):

    with PlannerGL(160, 120) as pgl:
        traj = plan_trajectory(scene, cam, rng, wall_thickness_m, planner_gl=pgl)

plan_trajectory loads each scene into it itself. The aspect ratio should match the camera's; the
planner uses the same horizontal field of view at this size.
"""

from __future__ import annotations

import ctypes

import numpy as np

_VS = """#version 330 core
layout(location = 0) in vec3 pos;
layout(location = 1) in uint iid;
uniform mat4 mvp;
flat out uint v_id;
void main() { gl_Position = mvp * vec4(pos, 1.0); v_id = iid; }
"""
_FS = """#version 330 core
flat in uint v_id;
layout(location = 0) out uint o_id;
void main() { o_id = v_id; }
"""

ZNEAR_M, ZFAR_M = 0.05, 100.0      # simgen.render.Renderer's defaults


def clip_from_world(K: np.ndarray, cam_to_world_cv: np.ndarray, width: int, height: int,
                    znear: float = ZNEAR_M, zfar: float = ZFAR_M) -> np.ndarray:
    """(4, 4) float64: world point -> GL clip coordinates of an OpenCV pinhole camera (pixel-corner origin).

    u = fx x/z + cx maps to NDC x = 2u/W - 1; v maps to NDC y = 1 - 2v/H (image row 0 at the top)."""
    fx, fy, cx, cy = K[0, 0], K[1, 1], K[0, 2], K[1, 2]
    P = np.array([[2 * fx / width, 0.0, 2 * cx / width - 1.0, 0.0],
                  [0.0, -2 * fy / height, 1.0 - 2 * cy / height, 0.0],
                  [0.0, 0.0, (zfar + znear) / (zfar - znear), -2 * zfar * znear / (zfar - znear)],
                  [0.0, 0.0, 1.0, 0.0]])
    T = np.asarray(cam_to_world_cv, dtype=np.float64)
    V = np.eye(4)
    V[:3, :3] = T[:3, :3].T
    V[:3, 3] = -T[:3, :3].T @ T[:3, 3]
    return P @ V


class PlannerGL:
    """`with PlannerGL(w, h) as p: p.load_scene(scene); p.instance(K, pose); p.solo_counts(K, pose, ids)`."""

    def __init__(self, width: int = 160, height: int = 120, tiles: tuple[int, int] = (8, 8)):
        self.size = (int(width), int(height))
        self.tiles = (int(tiles[0]), int(tiles[1]))
        self._plat = None
        self._ranges: dict[int, tuple[int, int]] = {}
        self._n_index = 0
        self.n_draws = 0

    # -- lifetime -------------------------------------------------------------------------------------
    def __enter__(self) -> "PlannerGL":
        from simgen.render.egl import make_platform

        self._plat = make_platform(8, 8)
        try:
            self._setup()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        from simgen.render.egl import release_platform

        if self._plat is None:
            return
        try:
            from OpenGL import GL

            self._plat.make_current()
            for name in ("_vbo", "_ibo", "_ids"):
                if hasattr(self, name):
                    GL.glDeleteBuffers(1, [getattr(self, name)])
            if hasattr(self, "_fbo"):
                GL.glDeleteFramebuffers(1, [self._fbo])
                GL.glDeleteRenderbuffers(2, [self._rb_col, self._rb_dep])
        except Exception:  # noqa: BLE001 - the context goes anyway
            pass
        finally:
            release_platform(self._plat)
            self._plat = None

    def _setup(self) -> None:
        from OpenGL import GL
        from OpenGL.GL import shaders

        self._prog = shaders.compileProgram(shaders.compileShader(_VS, GL.GL_VERTEX_SHADER),
                                            shaders.compileShader(_FS, GL.GL_FRAGMENT_SHADER), validate=False)
        self._u_mvp = GL.glGetUniformLocation(self._prog, "mvp")
        self._vao = GL.glGenVertexArrays(1)
        self._vbo, self._ids, self._ibo = GL.glGenBuffers(3)
        w, h = self.size
        W, H = w * self.tiles[0], h * self.tiles[1]
        self._fbo = GL.glGenFramebuffers(1)
        self._rb_col, self._rb_dep = GL.glGenRenderbuffers(2)
        GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, self._rb_col)
        GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_R16UI, W, H)
        GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, self._rb_dep)
        GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_DEPTH_COMPONENT24, W, H)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self._fbo)
        GL.glFramebufferRenderbuffer(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_RENDERBUFFER, self._rb_col)
        GL.glFramebufferRenderbuffer(GL.GL_FRAMEBUFFER, GL.GL_DEPTH_ATTACHMENT, GL.GL_RENDERBUFFER, self._rb_dep)
        if GL.glCheckFramebufferStatus(GL.GL_FRAMEBUFFER) != GL.GL_FRAMEBUFFER_COMPLETE:
            from simgen.core.errors import RenderError

            raise RenderError("planner framebuffer incomplete")
        GL.glEnable(GL.GL_CULL_FACE)
        GL.glCullFace(GL.GL_BACK)
        GL.glFrontFace(GL.GL_CCW)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)

    # -- scene ----------------------------------------------------------------------------------------
    def load_scene(self, scene) -> None:
        """Upload the scene's render items (structure and object parts) as one triangle buffer."""
        from simgen.pipeline import render_items

        self.load_items(render_items(scene))

    def load_items(self, items) -> None:
        """Upload render items (instance_id, mesh, pose): triangles grouped by instance id."""
        from OpenGL import GL

        groups: dict[int, list] = {}
        for it in items:
            groups.setdefault(int(it.instance_id), []).append(it)
        verts, ids, faces, self._ranges, parts = [], [], [], {}, []
        nv = ni = 0
        for iid in sorted(groups):
            start, pts = ni, []
            for it in groups[iid]:
                v = np.asarray(it.mesh.vertices, dtype=np.float64)
                P = np.asarray(it.pose, dtype=np.float64)
                v = v @ P[:3, :3].T + P[:3, 3]
                f = np.asarray(it.mesh.faces, dtype=np.uint32)
                if np.linalg.det(P[:3, :3]) < 0:
                    f = f[:, ::-1]
                verts.append(v.astype(np.float32))
                ids.append(np.full(len(v), iid, dtype=np.uint32))
                faces.append((f + nv).astype(np.uint32))
                nv += len(v)
                ni += f.size
                pts.append(v)
            self._ranges[iid] = (start, ni - start)
            allv = np.concatenate(pts) if pts else np.zeros((1, 3))
            lo, hi = allv.min(axis=0), allv.max(axis=0)
            parts.append((start, ni - start, (lo + hi) / 2, float(np.linalg.norm(hi - lo) / 2)))
        self._n_index = ni
        # per instance id: first index, count, bounding sphere (for frustum culling)
        self._part_first = np.array([p[0] for p in parts], dtype=np.int64)
        self._part_count = np.array([p[1] for p in parts], dtype=np.int32)
        self._part_center = np.array([p[2] for p in parts], dtype=np.float64).reshape(-1, 3)
        self._part_radius = np.array([p[3] for p in parts], dtype=np.float64)
        self._plat.make_current()
        GL.glBindVertexArray(self._vao)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self._vbo)
        data = np.ascontiguousarray(np.concatenate(verts) if verts else np.zeros((0, 3), np.float32))
        GL.glBufferData(GL.GL_ARRAY_BUFFER, data.nbytes, data, GL.GL_STATIC_DRAW)
        GL.glEnableVertexAttribArray(0)
        GL.glVertexAttribPointer(0, 3, GL.GL_FLOAT, False, 12, ctypes.c_void_p(0))
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self._ids)
        idd = np.ascontiguousarray(np.concatenate(ids) if ids else np.zeros(0, np.uint32))
        GL.glBufferData(GL.GL_ARRAY_BUFFER, idd.nbytes, idd, GL.GL_STATIC_DRAW)
        GL.glEnableVertexAttribArray(1)
        GL.glVertexAttribIPointer(1, 1, GL.GL_UNSIGNED_INT, 4, ctypes.c_void_p(0))
        GL.glBindBuffer(GL.GL_ELEMENT_ARRAY_BUFFER, self._ibo)
        fd = np.ascontiguousarray(np.concatenate([f.ravel() for f in faces]) if faces else np.zeros(0, np.uint32))
        GL.glBufferData(GL.GL_ELEMENT_ARRAY_BUFFER, fd.nbytes, fd, GL.GL_STATIC_DRAW)

    # -- drawing --------------------------------------------------------------------------------------
    def _begin(self, depth_test: bool):
        from OpenGL import GL

        self._plat.make_current()
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self._fbo)
        GL.glUseProgram(self._prog)
        GL.glBindVertexArray(self._vao)
        w, h = self.size
        GL.glViewport(0, 0, w * self.tiles[0], h * self.tiles[1])
        GL.glClearBufferuiv(GL.GL_COLOR, 0, np.zeros(4, np.uint32))
        GL.glClearBufferfv(GL.GL_DEPTH, 0, np.ones(1, np.float32))
        (GL.glEnable if depth_test else GL.glDisable)(GL.GL_DEPTH_TEST)
        GL.glDepthFunc(GL.GL_LESS)
        return GL

    def _tile(self, GL, k: int, mvp: np.ndarray) -> None:
        w, h = self.size
        tx, ty = k % self.tiles[0], k // self.tiles[0]
        GL.glViewport(tx * w, ty * h, w, h)
        GL.glUniformMatrix4fv(self._u_mvp, 1, True, mvp.astype(np.float32))

    def _read(self, GL, n: int, depth: bool = False) -> np.ndarray:
        """(n, h, w) per-tile images (row 0 = image top): uint16 ids, or window depth float32."""
        w, h = self.size
        rows = (n + self.tiles[0] - 1) // self.tiles[0]
        cols = min(n, self.tiles[0])
        if depth:
            buf = GL.glReadPixels(0, 0, cols * w, rows * h, GL.GL_DEPTH_COMPONENT, GL.GL_FLOAT)
            img = np.frombuffer(buf, dtype=np.float32).reshape(rows * h, cols * w)
        else:
            buf = GL.glReadPixels(0, 0, cols * w, rows * h, GL.GL_RED_INTEGER, GL.GL_UNSIGNED_SHORT)
            img = np.frombuffer(buf, dtype=np.uint16).reshape(rows * h, cols * w)
        t = img.reshape(rows, h, cols, w).transpose(0, 2, 1, 3).reshape(rows * cols, h, w)[:n]
        return t[:, ::-1]

    def _draw_all(self, GL, mvp: np.ndarray) -> None:
        """Draw every instance whose bounding sphere meets the view frustum (one multi-draw call)."""
        c = np.c_[self._part_center, np.ones(len(self._part_center))] @ mvp.T         # (n, 4) clip coords
        # distance of the sphere centre to the 6 frustum planes (w +- x, w +- y, w +- z), normalised
        rows = [mvp[3] + mvp[0], mvp[3] - mvp[0], mvp[3] + mvp[1], mvp[3] - mvp[1], mvp[3] + mvp[2],
                mvp[3] - mvp[2]]
        vals = np.stack([c[:, 3] + c[:, 0], c[:, 3] - c[:, 0], c[:, 3] + c[:, 1], c[:, 3] - c[:, 1],
                         c[:, 3] + c[:, 2], c[:, 3] - c[:, 2]], axis=1)
        norms = np.array([np.linalg.norm(r[:3]) for r in rows])
        keep = np.all(vals / norms >= -self._part_radius[:, None], axis=1)
        if not keep.any():
            return
        # merge runs of consecutive kept ranges (they are contiguous in the index buffer)
        k = np.nonzero(keep)[0]
        brk = np.nonzero(np.diff(k) != 1)[0]
        a = k[np.r_[0, brk + 1]]
        b = k[np.r_[brk, len(k) - 1]]
        counts = (self._part_first[b] + self._part_count[b] - self._part_first[a]).astype(np.int32)
        offsets = (self._part_first[a] * 4).astype(np.uintp)
        GL.glMultiDrawElements(GL.GL_TRIANGLES, counts, GL.GL_UNSIGNED_INT,
                               offsets.ctypes.data_as(ctypes.POINTER(ctypes.c_void_p)), len(a))
        self.n_draws += 1

    def instances(self, K: np.ndarray, poses, depth: bool = False):
        """(n, h, w) uint16 instance ids of n poses (OpenCV cam_to_world); with depth=True also (n, h, w)
        float32 z-depth in m (0 = nothing drawn)."""
        poses = list(poses)
        per = self.tiles[0] * self.tiles[1]
        ids_out, dep_out = [], []
        for b in range(0, len(poses), per):
            chunk = poses[b:b + per]
            GL = self._begin(depth_test=True)
            for k, pose in enumerate(chunk):
                mvp = clip_from_world(K, pose, *self.size)
                self._tile(GL, k, mvp)
                self._draw_all(GL, mvp)
            ids_out.append(self._read(GL, len(chunk)))
            if depth:
                dep_out.append(_window_to_z(self._read(GL, len(chunk), depth=True)))
        w, h = self.size
        ids = np.concatenate(ids_out) if ids_out else np.zeros((0, h, w), np.uint16)
        if not depth:
            return ids
        return ids, (np.concatenate(dep_out) if dep_out else np.zeros((0, h, w), np.float32))

    def instance(self, K: np.ndarray, cam_to_world_cv: np.ndarray) -> np.ndarray:
        """(h, w) uint16 instance ids of a pose (OpenCV cam_to_world)."""
        return self.instances(K, [cam_to_world_cv])[0]

    def depth(self, K: np.ndarray, cam_to_world_cv: np.ndarray) -> np.ndarray:
        """(h, w) float32 z-depth in metres (0 = nothing)."""
        return self.instances(K, [cam_to_world_cv], depth=True)[1][0]

    def close_fractions(self, K: np.ndarray, poses, near_m: float) -> np.ndarray:
        """(n,) fraction of each view's pixels whose nearest surface has z-depth < near_m: rendered with the far
        clip plane at near_m, so a pixel is drawn exactly when its nearest surface is closer (and the far
        plane culls almost everything, which makes this cheap)."""
        poses = list(poses)
        per = self.tiles[0] * self.tiles[1]
        out = []
        for b in range(0, len(poses), per):
            chunk = poses[b:b + per]
            GL = self._begin(depth_test=True)
            for k, pose in enumerate(chunk):
                mvp = clip_from_world(K, pose, *self.size, zfar=float(near_m))
                self._tile(GL, k, mvp)
                self._draw_all(GL, mvp)
            out.append((self._read(GL, len(chunk)) > 0).mean(axis=(1, 2)))
        return np.concatenate(out) if out else np.zeros(0)

    def solo_counts(self, K: np.ndarray, cam_to_world_cv: np.ndarray, ids) -> dict[int, int]:
        """{id: pixels the object covers with nothing else drawn} (exact, one tile per object)."""
        return self.solo_counts_many(K, [(cam_to_world_cv, list(ids))])[0]

    def solo_counts_many(self, K: np.ndarray, jobs) -> list[dict[int, int]]:
        """solo_counts for several (pose, ids) jobs, packed into as few read-backs as possible."""
        out: list[dict[int, int]] = [{} for _ in jobs]
        for j, i, mask in self._solo_tiles(K, jobs):
            out[j][i] = 0 if mask is None else int(np.count_nonzero(mask))
        return out

    def solo_masks_many(self, K: np.ndarray, jobs) -> list[dict[int, np.ndarray]]:
        """{id: (h, w) bool mask of the object drawn with nothing else} for several (pose, ids) jobs
        (an all-False mask for ids not in the scene)."""
        w, h = self.size
        out: list[dict[int, np.ndarray]] = [{} for _ in jobs]
        for j, i, mask in self._solo_tiles(K, jobs):
            out[j][i] = np.zeros((h, w), bool) if mask is None else mask
        return out

    def _solo_tiles(self, K: np.ndarray, jobs):
        """(job, id, mask or None if the id is not loaded) of every (pose, ids) job, one tile per object."""
        flat = [(j, pose, int(i)) for j, (pose, ids) in enumerate(jobs) for i in ids if int(i) in self._ranges]
        for j, (_pose, ids) in enumerate(jobs):
            for i in ids:
                if int(i) not in self._ranges:
                    yield j, int(i), None
        per = self.tiles[0] * self.tiles[1]
        for b in range(0, len(flat), per):
            chunk = flat[b:b + per]
            GL = self._begin(depth_test=False)
            mvps: dict[int, np.ndarray] = {}
            for k, (j, pose, i) in enumerate(chunk):
                if j not in mvps:
                    mvps[j] = clip_from_world(K, pose, *self.size)
                self._tile(GL, k, mvps[j])
                first, count = self._ranges[i]
                GL.glDrawElements(GL.GL_TRIANGLES, count, GL.GL_UNSIGNED_INT, ctypes.c_void_p(4 * first))
                self.n_draws += 1
            tiles = self._read(GL, len(chunk))
            for k, (j, _pose, i) in enumerate(chunk):
                yield j, i, tiles[k] == i


def _window_to_z(win: np.ndarray, znear: float = ZNEAR_M, zfar: float = ZFAR_M) -> np.ndarray:
    """Window depth [0, 1] -> z-depth in m (0 where nothing was drawn)."""
    ndc = 2.0 * win.astype(np.float64) - 1.0
    z = 2.0 * zfar * znear / ((zfar + znear) - ndc * (zfar - znear))
    return np.where(win >= 1.0, 0.0, z).astype(np.float32)
