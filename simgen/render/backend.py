"""pyrender's Renderer with float framebuffers. Imported only after the GL platform is selected.

pyrender's offscreen path renders into an 8-bit RGBA renderbuffer (4x MSAA, resolved by a blit) and
returns uint8. `FloatRenderer` keeps pyrender's scene traversal, materials and lighting, and replaces
only the framebuffer handling: colour attachment GL_RGBA32F, depth GL_DEPTH_COMPONENT32F, an optional
multisampled pair for the colour pass, and float read-back. Passes are drawn without pyrender's
OFFSCREEN flag (so pyrender does not read back anything itself); `read()` returns exactly what is asked.
"""

from __future__ import annotations

import numpy as np
import pyrender
from OpenGL import GL
from pyrender.constants import RenderFlags
from pyrender.shader_program import ShaderProgramCache

MAX_LIGHTS_PER_KIND = 8  # pyrender's default is 4 per kind; uniform arrays sized by this define


class _LocationCachingProgramCache(ShaderProgramCache):
    """pyrender's program cache whose programs remember their uniform locations.

    pyrender asks the driver for a uniform's location on every `set_uniform` (hundreds of times per
    primitive with many lights); a program's locations never change after linking, so each is looked
    up once. Same calls, same values, same pixels; unknown names are ignored exactly as pyrender does.
    """

    def get_program(self, vertex_shader, fragment_shader, geometry_shader=None, defines=None):
        program = super().get_program(vertex_shader, fragment_shader, geometry_shader, defines)
        if getattr(program, "_simgen_locations", None) is None:
            _cache_locations(program)
        return program


def _cache_locations(program) -> None:
    locations: dict[str, int] = {}
    original = GL.glGetUniformLocation

    def set_uniform(name, value, unsigned=False):
        try:   # pyrender swallows every error here (unknown names, unknown types): so do we
            loc = locations.get(name)
            if loc is None:
                loc = locations[name] = int(original(program._program_id, name))
            if loc != -1:
                _set_at(program, loc, value, unsigned)
        except Exception:  # noqa: BLE001
            pass

    program._simgen_locations = locations
    program.set_uniform = set_uniform


def _set_at(program, loc: int, value, unsigned: bool) -> None:
    """pyrender's ShaderProgram.set_uniform after its location lookup, for a known location."""
    if isinstance(value, np.ndarray):
        if value.ndim == 1:
            if np.issubdtype(value.dtype, np.unsignedinteger) or unsigned:
                dtype, value = "u", value.astype(np.uint32)
            elif np.issubdtype(value.dtype, np.integer):
                dtype, value = "i", value.astype(np.int32)
            else:
                dtype, value = "f", value.astype(np.float32)
            program._FUNC_MAP[(value.shape[0], dtype)](loc, 1, value)
        else:
            program._FUNC_MAP[(value.shape[0], value.shape[1])](loc, 1, GL.GL_TRUE, value)
    elif isinstance(value, float):
        GL.glUniform1f(loc, value)
    elif isinstance(value, (bool, int)):
        v = int(value)
        (GL.glUniform1ui if unsigned else GL.glUniform1i)(loc, v)


class FloatRenderer(pyrender.Renderer):
    """pyrender.Renderer drawing into float FBOs. `samples` = 0 (no MSAA) or e.g. 4."""

    def __init__(self, width: int, height: int, shader_dir: str, samples: int):
        super().__init__(width, height)
        self._program_cache = _LocationCachingProgramCache(shader_dir=str(shader_dir))
        self._samples = int(samples)
        self._fbo = None  # (fbo, colour rb, depth rb)
        self._fbo_ms = None
        self._last_target_ms = False
        # True: the next colour pass reuses the depth buffer of the preceding (instance) pass, drawing
        # with depth writes off and GL_LEQUAL, so each pixel is shaded once (set by the caller).
        self.reuse_depth = False
        self._lit_programs: set[int] = set()   # programs whose light uniforms are set in this pass

    # -- framebuffers -------------------------------------------------------------------------------
    def _make_fbo(self, samples: int):
        w, h = self.viewport_width, self.viewport_height
        colour, depth = GL.glGenRenderbuffers(2)
        for rb, fmt in ((colour, GL.GL_RGBA32F), (depth, GL.GL_DEPTH_COMPONENT32F)):
            GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, rb)
            if samples > 0:
                GL.glRenderbufferStorageMultisample(GL.GL_RENDERBUFFER, samples, fmt, w, h)
            else:
                GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, fmt, w, h)
        fbo = GL.glGenFramebuffers(1)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, fbo)
        GL.glFramebufferRenderbuffer(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_RENDERBUFFER, colour)
        GL.glFramebufferRenderbuffer(GL.GL_FRAMEBUFFER, GL.GL_DEPTH_ATTACHMENT, GL.GL_RENDERBUFFER, depth)
        status = GL.glCheckFramebufferStatus(GL.GL_FRAMEBUFFER)
        if status != GL.GL_FRAMEBUFFER_COMPLETE:
            raise RuntimeError(f"float framebuffer incomplete (status 0x{int(status):x}, samples={samples})")
        return fbo, colour, depth

    def _ensure_fbos(self):
        if self._fbo is None:
            self._fbo = self._make_fbo(0)
        if self._samples > 0 and self._fbo_ms is None:
            self._fbo_ms = self._make_fbo(self._samples)

    def _configure_forward_pass_viewport(self, flags):
        # Overrides pyrender: choose our float FBO; MSAA only for the shaded colour pass, never for the
        # instance (SEG) pass, whose ids must not be averaged.
        self._ensure_fbos()
        use_ms = self._fbo_ms is not None and not (flags & (RenderFlags.SEG | RenderFlags.DEPTH_ONLY))
        self._last_target_ms = bool(use_ms)
        GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, (self._fbo_ms if use_ms else self._fbo)[0])
        GL.glViewport(0, 0, self.viewport_width, self.viewport_height)
        GL.glEnable(GL.GL_DEPTH_TEST)
        reuse = self.reuse_depth and not use_ms and not (flags & RenderFlags.SEG)
        # pyrender clears colour and depth next; glClear honours the depth mask, so depth survives
        GL.glDepthMask(GL.GL_FALSE if reuse else GL.GL_TRUE)
        GL.glDepthFunc(GL.GL_LEQUAL if reuse else GL.GL_LESS)
        GL.glDepthRange(0.0, 1.0)

    def _sorted_mesh_nodes(self, scene):
        # Overrides pyrender's far-to-near sort by node origin: our merged batches all sit at the origin,
        # so that sort ties and falls back to set order, which changes between runs and makes coplanar
        # overlaps (z-fighting) render differently. Node names give a fixed draw order (all opaque).
        return sorted(scene.mesh_nodes, key=lambda node: node.name or "")

    def _forward_pass(self, scene, flags, seg_node_map=None):
        self._lit_programs = set()
        return super()._forward_pass(scene, flags, seg_node_map)

    def _bind_lighting(self, scene, program, node, flags):
        # Overrides pyrender, which sets every light's uniforms again for every primitive. Uniform values
        # are program state and the lights do not change within a pass, so each program is lit once per
        # pass -- unless lights are chosen per node (more lights of a kind than the shader holds: the
        # nearest ones) or shadow maps are bound, where pyrender's per-primitive path is kept.
        limit = self._compute_max_n_lights(flags)
        per_node = (len(scene.directional_light_nodes) > limit[0] or len(scene.spot_light_nodes) > limit[1]
                    or len(scene.point_light_nodes) > limit[2]
                    or flags & (RenderFlags.SHADOWS_DIRECTIONAL | RenderFlags.SHADOWS_SPOT
                                | RenderFlags.SHADOWS_POINT))
        if not per_node:
            if id(program) in self._lit_programs:
                return
            self._lit_programs.add(id(program))
        super()._bind_lighting(scene, program, node, flags)

    def _compute_max_n_lights(self, flags):
        if flags & (RenderFlags.SHADOWS_DIRECTIONAL | RenderFlags.SHADOWS_SPOT | RenderFlags.SHADOWS_POINT):
            return super()._compute_max_n_lights(flags)
        return [MAX_LIGHTS_PER_KIND] * 3

    def read(self, colour: bool, depth: bool, channels: int = 3):
        """Read the last pass. Returns (colour (H, W, channels) float32 or None, window depth (H, W) float32
        in [0, 1] or None), rows top-first. channels: 3 (RGB) or 1 (R only, the instance pass).
        Resolves the MSAA colour pass first when it was used."""
        w, h = self.viewport_width, self.viewport_height
        if self._last_target_ms:
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self._fbo_ms[0])
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, self._fbo[0])
            bits = (GL.GL_COLOR_BUFFER_BIT if colour else 0) | (GL.GL_DEPTH_BUFFER_BIT if depth else 0)
            GL.glBlitFramebuffer(0, 0, w, h, 0, 0, w, h, bits, GL.GL_NEAREST)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self._fbo[0])
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        rgb = z = None
        if colour:
            GL.glReadBuffer(GL.GL_COLOR_ATTACHMENT0)
            fmt = GL.GL_RGB if channels == 3 else GL.GL_RED
            buf = GL.glReadPixels(0, 0, w, h, fmt, GL.GL_FLOAT)
            rgb = np.frombuffer(buf, dtype=np.float32).reshape(h, w, channels)[::-1]
        if depth:
            buf = GL.glReadPixels(0, 0, w, h, GL.GL_DEPTH_COMPONENT, GL.GL_FLOAT)
            z = np.frombuffer(buf, dtype=np.float32).reshape(h, w)[::-1]
        return rgb, z

    def _delete_main_framebuffer(self):
        super()._delete_main_framebuffer()
        for fb in (self._fbo, self._fbo_ms):
            if fb is not None:
                GL.glDeleteFramebuffers(1, [fb[0]])
                GL.glDeleteRenderbuffers(2, [fb[1], fb[2]])
        self._fbo = self._fbo_ms = None


class OrderedScene(pyrender.Scene):
    """pyrender.Scene whose light_nodes iterate in name order (pyrender returns a set, so the order in
    which light contributions are summed, and hence the last bits of rgb, changed between runs)."""

    @property
    def light_nodes(self):
        return sorted(super().light_nodes, key=lambda node: node.name or "")


def window_depth_to_z(depth_window: np.ndarray, znear: float, zfar: float) -> np.ndarray:
    """(H, W) float32 window depth in [0, 1] (1 = cleared) -> (H, W) float32 z-depth in metres, 0 = none.

    Perspective depth d = (1/n - 1/z) / (1/n - 1/f), inverted in float64.
    """
    d = depth_window.astype(np.float64)
    empty = d >= 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (znear * zfar) / (zfar - d * (zfar - znear))
    z[empty] = 0.0
    return z.astype(np.float32)
