"""The layout half of scene.json: rooms, doors, windows, lights, achieved statistics, physics and the
layout solve report (groups, relations requested and whether they hold). Wall-clock timings are kept
out (they live in scene.reports["timing"]) so that scene.json is byte-identical for a seed."""

from __future__ import annotations


def layout_json(scene) -> dict:
    """Keys of scene.json owned by the scene stage."""
    layout = dict(scene.reports.get("layout", {}))
    layout["relations"] = [dict(r) for r in getattr(scene, "relations", ())]
    return {
        "params": scene.params,
        "rooms": [{"id": r.id, "type": r.type, "polygon": [list(p) for p in r.polygon],
                   "area_m2": r.area_m2, "height_m": r.height_m} for r in scene.rooms],
        "doors": [{"id": d.id, "rooms": list(d.rooms), "center": list(d.center), "normal": list(d.normal),
                   "width_m": d.width_m, "height_m": d.height_m, "entrance": d.entrance} for d in scene.doors],
        "windows": [{"id": w.id, "room": w.room, "center": list(w.center), "normal": list(w.normal),
                     "width_m": w.width_m, "sill_m": w.sill_m, "height_m": w.height_m}
                    for w in getattr(scene, "windows", ())],
        "lights": [{"kind": li.kind, "position": li.position, "color": li.color, "intensity": li.intensity,
                    "room": li.room} for li in scene.lights],
        "stats": dict(scene.reports.get("stats", {})),
        "physics": scene.reports.get("physics", {}),
        "layout": layout,
    }
