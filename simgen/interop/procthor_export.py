"""simgen scene.json -> ProcTHOR house JSON (schema 1.0.0), and the `procthor` export format.

`house_from_scene(scene_json)` builds a house that AI2-THOR's `Controller(scene=house)` loads:
- rooms: one per simgen room; `floorPolygon` is the room's wall centre-line polygon (the interior
  polygon grown by half the wall thickness, so neighbouring rooms share edges as in ProcTHOR), listed
  clockwise in THOR's (x, z) like ProcTHOR's own houses;
- walls: one per straight piece of a room outline (split where the neighbour changes), facing into the
  room, plus `wall|exterior|...` pieces facing out (ProcTHOR walls are one-sided);
- doors: the entrance as a closed `Doorway_*` (door leaf), interior openings as `Doorframe_*` (simgen's
  interior doors are open passages); windows as `Window_*` (bay windows never chosen). `holePolygon`
  is simgen's exact opening in wall-local coordinates (x along wall0 from its polygon[0], y up);
- objects: AI2-THOR asset types by category (simgen.interop.thor_types.CATEGORY_TO_THOR) and the
  ProcTHOR asset of that type closest in size (among simgen's built-in few, or all of the user's ProcTHOR
  database: thor_catalog); `position` is the centre of that asset's box placed so
  that it rests like the simgen object (same bottom for floor/surface objects, same back for wall and
  against-wall objects, same top for ceiling objects: thor_types.anchor_offset_local), `rotation` the
  full orientation in Unity Euler degrees; objects resting on another object are its `children`;
  every object is `kinematic` (THOR physics must not move the planned layout);
- proceduralParameters: a directional light and one point light per simgen light (colour kept,
  intensity fixed to ProcTHOR's 0.75: simgen's photometric units do not carry over).
`metadata.simgen` keeps what THOR has no field for (categories, asset generator + params, exact sizes,
ids, wall thickness, objects with no THOR type), so `scene_from_house` can rebuild the exact scene.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.polygon import orient

from simgen.core.color import linear_to_srgb, palette_linear
from simgen.assets.specs import load_spec
from simgen.interop.thor_types import (CATEGORY_TO_THOR, ROOM_TO_THOR, anchor_offset_local, asset_table,
                                       closest_asset, closest_hole, sim_size_from_thor, sim_to_thor_point, thor_rotation_from_sim,
                                       thor_size_from_sim)

log = logging.getLogger(__name__)
SCHEMA = "1.0.0"
DEFAULT_WALL_THICKNESS_M = 0.12
AGENT_Y_M = 0.9                      # ProcTHOR agent pose y (capsule centre) used in metadata.agent
_FLOOR_MATERIAL = {"wood": "DarkWoodFloors", "tiles": "CeramicTiles1", "carpet": "Carpet1"}
_R = 6                               # decimals kept in the JSON (1 um)


def _r(v: float) -> float:
    return round(float(v), _R) + 0.0          # no negative zeros in the JSON


def _rgb(name: str | None) -> dict:
    """Palette colour name -> sRGB {"r","g","b"} in [0, 1] (Unity colours are gamma-space)."""
    c = linear_to_srgb(np.array(palette_linear(name or "white")))
    return {"r": _r(c[0]), "g": _r(c[1]), "b": _r(c[2])}


def wall_thickness_of(scene_json: dict) -> float:
    """Wall thickness in metres: twice the distance from a door centre (on the wall centre line) to its
    room's interior polygon; the median over doors. DEFAULT_WALL_THICKNESS_M without doors."""
    rooms = {r["id"]: Polygon(r["polygon"]) for r in scene_json.get("rooms", [])}
    ds = [2.0 * rooms[d["rooms"][0]].exterior.distance(Point(d["center"]))
          for d in scene_json.get("doors", []) if d["rooms"] and d["rooms"][0] in rooms]
    ds = [d for d in ds if 0.01 < d < 1.0]
    return round(float(np.median(ds)), 4) if ds else DEFAULT_WALL_THICKNESS_M


def _cells(scene_json: dict, t: float) -> list[list[tuple[float, float]]]:
    """Wall centre-line outline of each room, counter-clockwise (simgen xy), rounded to 1 um."""
    out = []
    for r in scene_json["rooms"]:
        cell = orient(Polygon(r["polygon"]).buffer(t / 2, join_style="mitre"), 1.0).simplify(1e-7)
        out.append([(_r(x), _r(y)) for x, y in list(cell.exterior.coords)[:-1]])
    return out


def _pieces(cells: list[list[tuple[float, float]]]) -> list[list[tuple[tuple, tuple, int | None]]]:
    """Each room's outline, CLOCKWISE (ProcTHOR's winding), cut into straight pieces at every vertex of
    another room lying on an edge. Returns per room [(a, b, neighbour room index or None)] in simgen xy."""
    polys = [Polygon(c) for c in cells]
    verts = [v for c in cells for v in c]
    out = []
    for i, c in enumerate(cells):
        cw = list(reversed(c))
        pieces = []
        for k in range(len(cw)):
            a, b = np.array(cw[k]), np.array(cw[(k + 1) % len(cw)])
            d = b - a
            L = float(np.linalg.norm(d))
            ts = {0.0, 1.0}
            for v in verts:
                s = float(np.dot(np.array(v) - a, d) / (L * L))
                if 1e-6 < s < 1 - 1e-6 and np.linalg.norm(a + s * d - v) < 1e-5:
                    ts.add(round(s, 9))
            ts = sorted(ts)
            for s0, s1 in zip(ts[:-1], ts[1:]):
                p, q = a + s0 * d, a + s1 * d
                mid = Point(*((p + q) / 2))
                nb = next((j for j, pj in enumerate(polys) if j != i and pj.exterior.distance(mid) < 1e-5), None)
                pieces.append(((_r(p[0]), _r(p[1])), (_r(q[0]), _r(q[1])), nb))
        out.append(pieces)
    return out


def _wall_id(tag: str, a, b) -> str:
    return f"wall|{tag}|{min(a[0], b[0]):.2f}|{min(a[1], b[1]):.2f}|{max(a[0], b[0]):.2f}|{max(a[1], b[1]):.2f}"


def _wall(wid: str, room_id: str, a, b, height_m: float, material: dict) -> dict:
    """A one-sided THOR wall from a to b (simgen xy); polygon: a, b at the floor, then a, b at the top."""
    pts = [(a, 0.0), (b, 0.0), (a, height_m), (b, height_m)]
    return {"id": wid, "roomId": room_id, "material": material,
            "polygon": [{"x": p[0], "y": _r(h), "z": p[1]} for p, h in pts]}


def _on_piece(pieces, center) -> tuple[int, float] | None:
    """Index of the piece holding `center` (simgen xy) and the distance along it from its start."""
    c = np.asarray(center, dtype=np.float64)
    for k, (a, b, _nb) in enumerate(pieces):
        seg = LineString([a, b])
        if seg.distance(Point(*c)) < 1e-4:
            return k, float(seg.project(Point(*c)))
    return None


def house_from_scene(scene_json: dict) -> dict:
    """A ProcTHOR house (schema 1.0.0, plain JSON-ready dict) from a simgen scene.json dict."""
    t = wall_thickness_of(scene_json)
    rooms = scene_json["rooms"]
    height_m = max(float(r["height_m"]) for r in rooms)
    cells = _cells(scene_json, t)
    pieces = _pieces(cells)
    thor_room = {r["id"]: f"room|{k}" for k, r in enumerate(rooms)}
    structures = [o for o in scene_json.get("objects", []) if o.get("kind") == "structure"]
    wall_rec = next((s for s in structures if s.get("category") == "wall"), None)
    wall_mat = {"name": "Drywall", "color": _rgb(wall_rec.get("color") if wall_rec else "white")}
    floor_recs = {s.get("room"): s for s in structures if s.get("category") == "floor"}

    h_rooms, walls, ext_walls = [], [], []
    for k, r in enumerate(rooms):
        fl = floor_recs.get(r["id"], {})
        h_rooms.append({
            "id": thor_room[r["id"]], "roomType": ROOM_TO_THOR.get(r["type"], "LivingRoom"),
            "floorMaterial": {"name": _FLOOR_MATERIAL.get(fl.get("material"), "DarkWoodFloors"),
                              "color": _rgb(fl.get("color"))},
            "floorPolygon": [{"x": x, "y": 0.0, "z": y} for x, y in reversed(cells[k])],
            "ceilings": [], "children": []})
        for a, b, nb in pieces[k]:
            walls.append(_wall(_wall_id(str(k), a, b), thor_room[r["id"]], a, b, height_m, wall_mat))
            if nb is None:
                ext_walls.append(_wall(_wall_id("exterior", a, b), "exterior", b, a, height_m, wall_mat))

    doors, windows = [], []
    for d in scene_json.get("doors", []):
        k0 = next(i for i, r in enumerate(rooms) if r["id"] == d["rooms"][0])
        hit = _on_piece(pieces[k0], d["center"])
        if hit is None:
            log.warning("door %s is not on a wall of %s; left out of the house", d["id"], d["rooms"][0])
            continue
        j, s = hit
        a, b, nb = pieces[k0][j]
        w, h = float(d["width_m"]), float(d["height_m"])
        if d.get("entrance") or len(d["rooms"]) < 2:
            wall1, room1 = _wall_id("exterior", a, b), thor_room[d["rooms"][0]]
            asset = closest_hole("Doorway_", w, h)
        else:
            k1 = next(i for i, r in enumerate(rooms) if r["id"] == d["rooms"][1])
            wall1, room1 = _wall_id(str(k1), a, b), thor_room[d["rooms"][1]]
            asset = closest_hole("Doorframe_", w, h)
        entry = {"id": f"door|{d['id']}", "assetId": asset, "room0": thor_room[d["rooms"][0]], "room1": room1,
                 "wall0": _wall_id(str(k0), a, b), "wall1": wall1,
                 "holePolygon": [{"x": _r(s - w / 2), "y": 0.0, "z": 0.0}, {"x": _r(s + w / 2), "y": _r(h), "z": 0.0}],
                 "assetPosition": {"x": _r(s), "y": _r(h / 2), "z": 0.0}}
        if asset.startswith("Doorway"):
            entry.update(openable=False, openness=0)
        doors.append(entry)
    for wdw in scene_json.get("windows", []):
        k0 = next(i for i, r in enumerate(rooms) if r["id"] == wdw["room"])
        hit = _on_piece(pieces[k0], wdw["center"])
        if hit is None:
            log.warning("window %s is not on a wall of %s; left out of the house", wdw["id"], wdw["room"])
            continue
        j, s = hit
        a, b, _nb = pieces[k0][j]
        w, sill, h = float(wdw["width_m"]), float(wdw["sill_m"]), float(wdw["height_m"])
        windows.append({
            "id": f"window|{wdw['id']}", "assetId": _window_asset(w, h), "room0": thor_room[wdw["room"]],
            "room1": thor_room[wdw["room"]], "wall0": _wall_id(str(k0), a, b), "wall1": _wall_id("exterior", a, b),
            "holePolygon": [{"x": _r(s - w / 2), "y": _r(sill), "z": 0.0},
                            {"x": _r(s + w / 2), "y": _r(sill + h), "z": 0.0}],
            "assetPosition": {"x": _r(s), "y": _r(sill + h / 2), "z": 0.0}})

    objects, meta_objects, unmapped = _objects(scene_json, thor_room)
    lights = [{"id": "DirectionalLight", "type": "directional", "position": {"x": 0.84, "y": 0.1855, "z": -1.09},
               "rotation": {"x": 66.0, "y": 75.0, "z": 0.0}, "intensity": 0.35, "indirectMultiplier": 1.0,
               "rgb": {"r": 1.0, "g": 1.0, "b": 1.0},
               "shadow": {"type": "Soft", "strength": 1, "normalBias": 0, "bias": 0, "nearPlane": 0.2,
                          "resolution": "FromQualitySettings"}}]
    for i, li in enumerate(scene_json.get("lights", [])):
        c = li.get("color", (1.0, 1.0, 1.0))
        lights.append({"id": f"light_{i}", "type": "point", "position": sim_to_thor_point(li["position"]),
                       "intensity": 0.75, "range": 15.0, "rgb": {"r": _r(c[0]), "g": _r(c[1]), "b": _r(c[2])},
                       "shadow": {"type": "Soft", "strength": 1, "normalBias": 0, "bias": 0.05, "nearPlane": 0.2,
                                  "resolution": "FromQualitySettings"}})
    meta = {
        "schema": SCHEMA, "agent": _agent_pose(scene_json, rooms),
        "simgen": {
            "format": 1, "scene_id": scene_json.get("scene_id"), "seed": scene_json.get("seed"),
            "wall_thickness_m": t, "height_m": _r(height_m),
            "rooms": {thor_room[r["id"]]: {"id": r["id"], "type": r["type"], "polygon": r["polygon"],
                                           "height_m": r["height_m"]} for r in rooms},
            "doors": {f"door|{d['id']}": d for d in scene_json.get("doors", [])},
            "windows": {f"window|{w['id']}": w for w in scene_json.get("windows", [])},
            "objects": meta_objects, "unmapped": unmapped,
            "structures": [{"id": s["id"], "name": s["name"], "kind": s.get("category"), "room": s.get("room")}
                           for s in structures],
            "lights": scene_json.get("lights", []),
            "asset_table": asset_table()["source"],      # "builtin" or "procthor-database" (thor_catalog)
        },
    }
    return {"id": str(scene_json.get("scene_id", "simgen")), "rooms": h_rooms, "walls": walls + ext_walls,
            "doors": doors, "windows": windows, "objects": objects,
            "proceduralParameters": {"ceilingMaterial": {"name": "Drywall", "color": {"r": 1.0, "g": 1.0, "b": 1.0}},
                                     "floorColliderThickness": 1.0, "lights": lights, "receptacleHeight": 0.7,
                                     "reflections": [], "skyboxId": "Sky1"},
            "metadata": meta}


def _window_asset(width_m: float, height_m: float) -> str:
    """Closest flat window (Fixed, Hung, Slider; bay windows stick out of the wall by 0.4 m)."""
    best = [closest_hole(p, width_m, height_m) for p in ("Window_Fixed", "Window_Hung", "Window_Slider")]
    holes = asset_table()["holes"]
    return min(best, key=lambda a: abs(math.log(holes[a][0] / width_m)) + abs(math.log(holes[a][1] / height_m)))


def _objects(scene_json: dict, thor_room: dict) -> tuple[list[dict], dict, list[dict]]:
    """(top-level THOR objects with nested children, metadata per THOR id, unmapped simgen objects)."""
    objs = sorted((o for o in scene_json.get("objects", []) if o.get("kind") == "object"), key=lambda o: o["id"])
    by_id, meta, unmapped = {}, {}, []
    for o in objs:
        keep = {k: o.get(k) for k in ("id", "name", "category", "room", "placement", "support", "size_m",
                                      "color", "material", "asset")}
        ttype, match = CATEGORY_TO_THOR.get(o["category"], (None, "none"))
        if ttype is None:
            unmapped.append({**keep, "pose": o["pose"]})
            continue
        asset_id, asset_size = closest_asset(ttype, thor_size_from_sim(o["size_m"]))
        room_num = thor_room.get(o["room"], "room|?").split("|")[-1]
        tid = f"{ttype}|{room_num}|{o['id']}"
        R = np.asarray(o["obb"]["rotation"], dtype=np.float64)
        # the THOR asset's box centre: same anchor (bottom / back / top) as the simgen box
        off = anchor_offset_local(o["placement"], load_spec(o["category"]).against_wall, o["size_m"],
                                  sim_size_from_thor(asset_size))
        center = np.asarray(o["obb"]["center"], dtype=np.float64) + R @ off
        entry = {"id": tid, "assetId": asset_id, "kinematic": True,
                 "position": {k: _r(v) for k, v in sim_to_thor_point(center).items()},
                 "rotation": {k: round(v, 4) + 0.0 for k, v in thor_rotation_from_sim(R).items()}}
        by_id[o["id"]] = entry
        meta[tid] = {**keep, "thor_type": ttype, "match": match, "thor_asset_size": list(asset_size)}
    top = []
    for o in objs:
        if o["id"] not in by_id:
            continue
        parent = by_id.get(o.get("support")) if o.get("support") is not None else None
        if parent is not None:
            parent.setdefault("children", []).append(by_id[o["id"]])
        else:
            top.append(by_id[o["id"]])
    return top, meta, unmapped


def _agent_pose(scene_json: dict, rooms: list[dict]) -> dict:
    """A starting pose 0.6 m inside the entrance, facing into the room (ProcTHOR metadata.agent)."""
    doors = scene_json.get("doors", [])
    d = next((d for d in doors if d.get("entrance")), doors[0] if doors else None)
    if d is None:
        c = Polygon(rooms[0]["polygon"]).representative_point()
        pos, yaw = (c.x, c.y), 0.0
    else:
        n = np.asarray(d["normal"], dtype=np.float64)
        pos = np.asarray(d["center"], dtype=np.float64) + 0.6 * n
        yaw = math.atan2(n[1], n[0])
    return {"position": {"x": _r(pos[0]), "y": AGENT_Y_M, "z": _r(pos[1])},
            "rotation": {"x": 0.0, "y": round((90.0 - math.degrees(yaw)) % 360.0, 4), "z": 0.0},
            "horizon": 30.0, "standing": True}


def export_procthor(scenes, root: Path, opts) -> dict:
    """The `procthor` export format: root/houses/<scene_id>.json, one ProcTHOR house per scene."""
    from simgen.io.export.base import progress
    from simgen.io.jsonio import write_json

    out = Path(root) / "houses"
    out.mkdir(parents=True, exist_ok=True)
    n_obj = n_unmapped = 0
    for sv in progress(scenes, opts, "procthor"):
        house = house_from_scene(sv.scene)
        write_json(out / f"{sv.scene_id}.json", house)
        n_obj += len(house["metadata"]["simgen"]["objects"])
        n_unmapped += len(house["metadata"]["simgen"]["unmapped"])
    return {"houses": len(scenes), "objects": n_obj, "unmapped_objects": n_unmapped}


def scene_json_of(scene) -> dict:
    """The layout and object parts of scene.json for an in-memory Scene (what house_from_scene reads),
    without coverage or the walk: rooms, doors, windows, lights, objects (with structure entries)."""
    from simgen.annotate.scene_gt import objects_json
    from simgen.io.jsonio import plain
    from simgen.scenes.export import layout_json

    out = {"scene_id": scene.scene_id, "seed": scene.seed, "units": "m", "up_axis": "+z"}
    out.update(layout_json(scene))
    out["objects"] = objects_json(scene, {})
    return plain(out)
