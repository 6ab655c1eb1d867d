"""Shader sources for linear colour and exact instance ids, derived from pyrender's at run time.

pyrender's `mesh.frag` ends with `frag_color = clamp(vec4(pow(color.xyz, vec3(1.0/2.2)), ...), 0, 1)`:
gamma-encoded and clamped. We read pyrender's installed shader directory, replace that one statement
with a linear, unclamped output (negative values only are cut), and write our own instance shaders
(`segmentation.vert/.frag`, the names pyrender's SEG pass asks for):

- a primitive with a COLOR_0 vertex attribute (our merged static batches) writes `color_0.r`, which
  holds the instance id as an exact float (flat-qualified, so no interpolation touches it);
- any other primitive writes the `color` uniform's red channel (pyrender divides the seg_node_map
  value by 255, so the map value is id * 255 and the uniform is exactly id).

The result is a directory that `pyrender.shader_program.ShaderProgramCache(shader_dir=...)` reads.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from simgen.core.errors import RenderError

_GAMMA_STATEMENT = re.compile(r"^\s*frag_color\s*=\s*clamp\(vec4\(pow\(color\.xyz.*;\s*$", re.MULTILINE)
_LINEAR_STATEMENT = "    frag_color = vec4(max(color.xyz, vec3(0.0)), clamp(color.a * base_color.a, 0.0, 1.0));"

_INSTANCE_VERT = """#version 330 core
layout(location = 0) in vec3 position;
#ifdef COLOR_0_LOC
layout(location = COLOR_0_LOC) in vec4 color_0;
flat out float v_instance;
#endif
layout(location = INST_M_LOC) in mat4 inst_m;
uniform mat4 P;
uniform mat4 V;
uniform mat4 M;
void main()
{
    gl_Position = P * V * M * inst_m * vec4(position, 1.0);
#ifdef COLOR_0_LOC
    v_instance = color_0.r;
#endif
}
"""

_INSTANCE_FRAG = """#version 330 core
uniform vec3 color;
#ifdef COLOR_0_LOC
flat in float v_instance;
#endif
out vec4 frag_color;
void main()
{
#ifdef COLOR_0_LOC
    frag_color = vec4(v_instance, 0.0, 0.0, 1.0);
#else
    frag_color = vec4(color.r, 0.0, 0.0, 1.0);
#endif
}
"""


def pyrender_shader_dir() -> Path:
    import pyrender

    return Path(pyrender.__file__).parent / "shaders"


def linear_mesh_frag(source: str) -> str:
    """pyrender mesh.frag source -> the same shader writing linear, unclamped radiance."""
    matches = _GAMMA_STATEMENT.findall(source)
    if len(matches) != 1:
        raise RenderError(
            "pyrender's mesh.frag no longer has the expected gamma/clamp output statement "
            f"(found {len(matches)}); this pyrender version is not supported for linear output"
        )
    return _GAMMA_STATEMENT.sub(_LINEAR_STATEMENT, source)


def write_shader_dir() -> Path:
    """Write the patched shader set into a new temporary directory and return it (caller removes it)."""
    src = pyrender_shader_dir()
    out = Path(tempfile.mkdtemp(prefix="simgen_shaders_"))
    try:
        for f in src.iterdir():
            if f.suffix in (".vert", ".frag", ".geom"):
                shutil.copyfile(f, out / f.name)
        (out / "mesh.frag").write_text(linear_mesh_frag((src / "mesh.frag").read_text()))
        (out / "segmentation.vert").write_text(_INSTANCE_VERT)
        (out / "segmentation.frag").write_text(_INSTANCE_FRAG)
    except Exception:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return out
