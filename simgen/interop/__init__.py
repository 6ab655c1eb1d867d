"""AI2-THOR / ProcTHOR interop: export simgen scenes as ProcTHOR houses, import ProcTHOR houses as simgen
scenes, and an optional AI2-THOR render backend (needs the `ai2thor` extra and its Unity build).

    from simgen.interop import house_from_scene, scene_from_house, load_houses, ThorRenderer

Nothing here imports ai2thor until a ThorRenderer opens. Conventions: simgen.interop.thor_types.
"""

from __future__ import annotations

__all__ = ["house_from_scene", "scene_json_of", "scene_from_house", "load_houses", "ThorRenderer"]


def __getattr__(name):
    if name in ("house_from_scene", "scene_json_of"):
        from simgen.interop import procthor_export

        return getattr(procthor_export, name)
    if name in ("scene_from_house", "load_houses"):
        from simgen.interop import procthor_import

        return getattr(procthor_import, name)
    if name == "ThorRenderer":
        from simgen.interop.thor_backend import ThorRenderer

        return ThorRenderer
    raise AttributeError(name)
