"""Procedural asset library: parameterized generators for indoor object categories, their specs,
procedural textures and user mesh libraries.

Asset frame (the contract every generator and user mesh follows):
- metres, right-handed, +Z up;
- base at z = 0 (the lowest vertex); for ceiling objects the TOP is at z = extents_m[2] and the
  layout places that top against the ceiling;
- axis-aligned bounds centred on x = y = 0;
- canonical FRONT along +X: a world yaw rotates the front to (cos yaw, sin yaw). The seat of a chair,
  the doors of a wardrobe, the screen of a TV and the foot end of a bed face +X;
- wall objects (shelf, picture_frame, clock, radiator, door, window) have their back face at
  x = -extents_m[0] / 2, flush against the wall, front +X.
Sizes in specs and params: x = depth (front-back), y = width (left-right), z = height.

    asset = make("chair", rng)                  # draws params from assets/chair.toml
    asset = make("chair", rng, {"style": "sled"})  # partial params override the drawn ones
    categories(); spec("chair"); texture("wood_grain", rng, 256)
    part.render_mesh()                          # textured render copy (uv in metres), see texturing
    textured_mesh(structure_mesh, material)     # the same for floors, walls (simgen.assets.texturing)
    mount_height_range_m("clock")               # (lo, hi) m of a wall/ceiling item's bottom, or None
"""

from simgen.assets.model import Asset, Part, SupportSurface
from simgen.assets.registry import categories, make
from simgen.assets.specs import CategorySpec
from simgen.assets.specs import load_spec as spec
from simgen.assets.specs import mount_height_range_m

__all__ = ["Asset", "Part", "SupportSurface", "CategorySpec", "make", "categories", "spec",
           "load_user_library", "load_library", "texture", "UserLibrary", "mount_height_range_m",
           "textured_mesh", "uv_box_project", "with_texture_variant"]


def load_user_library(directory):
    """See simgen.assets.user_library.load_user_library (imported lazily)."""
    from simgen.assets.user_library import load_user_library as _load

    return _load(directory)


def __getattr__(name):
    if name == "texture":
        from simgen.assets.textures import texture

        return texture
    if name in ("textured_mesh", "uv_box_project", "with_texture_variant"):
        from simgen.assets import texturing

        return getattr(texturing, name)
    if name in ("UserLibrary", "load_library"):
        from simgen.assets import user_library

        return getattr(user_library, name)
    raise AttributeError(name)
