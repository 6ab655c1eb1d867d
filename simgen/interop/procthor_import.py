"""ProcTHOR house JSON -> simgen Scene (the object `simgen.scenes.generate.generate_scene` returns), built
from simgen's own procedural assets, so trajectory, render, degradation, annotation and QA run unchanged.

- rooms: THOR floor polygons are wall centre lines (rooms share edges); simgen rooms are the interiors,
  the polygons shrunk by half the wall thickness. Walls, floors, ceilings, the entrance door leaf and
  windows are built exactly like a generated floorplan (simgen.scenes.floorplan).
- doors/windows: from each hole's wall0 (segment from polygon[0] to the other floor point) and its
  holePolygon (x along the wall, y up); the door normal points into room0. A door is the entrance when
  it leads outside (room0 == room1, or wall1 is an exterior wall or missing).
- objects: the AI2-THOR objectType (from the assetId via the asset table -- simgen's few or the user's
  ProcTHOR database, thor_catalog -- else the id's "Type|..." prefix, else the assetId's name) picks the
  simgen category (thor_types.THOR_TO_CATEGORY; unknown types are skipped and counted in
  params["import"]["skipped"]); the ProcTHOR asset's size (for an asset the table lacks: its type's
  typical size, counted in params["import"]["typical_size"]) sets the generator's size params (clipped
  to the category's ranges); the simgen asset's box takes the THOR box's anchor (same bottom for
  floor/surface objects, same back for wall and against-wall objects, same top for ceiling
  objects; thor_types.anchor_offset_local) and the THOR orientation. Placement: children are `surface`
  objects on their parent; a top-level box whose bottom meets another box's top (3 cm) rests on it;
  categories simgen mounts on walls/ceilings keep that; anything else is `floor` when its bottom is within
  5 cm of z = 0, else `wall` (mounted).
- exact mode: a house written by simgen's exporter carries metadata.simgen (categories, generator
  params, ids, the chosen THOR asset's size); then every object is rebuilt with its original generator
  and params and placed by the same anchor rule, which reproduces the original scene's layout.
No physics settle runs on imports (reports["physics"]["engine"] == "none").
"""

from __future__ import annotations

import gzip
import json
import logging
import math
from collections import Counter
from pathlib import Path

import numpy as np
from shapely.geometry import Point, Polygon
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

from simgen.core.errors import ConfigError
from simgen.interop.thor_catalog import type_label_from_asset_id
from simgen.interop.thor_types import (THOR_TO_CATEGORY, THOR_TO_ROOM, anchor_offset_local, asset_index,
                                       asset_table, sim_rotation_from_thor, sim_size_from_thor,
                                       thor_to_sim_point, type_from_asset_id)

log = logging.getLogger(__name__)
DEFAULT_WALL_THICKNESS_M = 0.12
_LIGHT_COLOR = (1.0, 0.95, 0.88)


def load_houses(path) -> list[tuple[str, dict]]:
    """Houses from a .json file (one house), a .jsonl / .jsonl.gz file (one house per line, as
    ProcTHOR-10K ships), or a directory of those (sorted by name). Returns [(name, house)].
    ConfigError for a missing path or a file that is not a house."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"--house {p}: no such file or directory")
    files = sorted(f for f in p.iterdir() if f.name.endswith((".json", ".jsonl", ".jsonl.gz"))) if p.is_dir() else [p]
    out = []
    for f in files:
        try:
            if f.name.endswith(".json"):
                out.append((f.stem, json.loads(f.read_text(encoding="utf-8"))))
            else:
                opener = gzip.open if f.name.endswith(".gz") else open
                with opener(f, "rt", encoding="utf-8") as fh:
                    for i, line in enumerate(fh):
                        if line.strip():
                            out.append((f"{f.name.split('.')[0]}_{i:05d}", json.loads(line)))
        except (OSError, ValueError) as e:
            raise ConfigError(f"--house {f}: cannot read a house ({e})") from None
    for name, h in out:
        if not isinstance(h, dict) or not h.get("rooms"):
            raise ConfigError(f"--house {name}: not a ProcTHOR house (needs 'rooms', 'walls', 'objects')")
    if not out:
        raise ConfigError(f"--house {p}: no .json/.jsonl/.jsonl.gz houses found")
    return out


def _xz(d: dict) -> tuple[float, float]:
    return float(d["x"]), float(d["z"])


def _wall_segment(wall: dict) -> tuple[np.ndarray, np.ndarray, float]:
    """(start, end) simgen xy of a THOR wall (polygon[0] and the other floor-level point), and its top y."""
    pts = wall["polygon"]
    y0 = min(float(p["y"]) for p in pts)
    a = np.array(_xz(pts[0]))
    b = next((np.array(_xz(p)) for p in pts[1:] if abs(float(p["y"]) - y0) < 1e-6
              and np.linalg.norm(np.array(_xz(p)) - a) > 1e-6), None)
    if b is None:
        raise ConfigError(f"wall {wall.get('id')}: polygon has no second floor point")
    return a, b, max(float(p["y"]) for p in pts)


def _hole(h: dict) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) of a door/window hole in wall-local metres (schema 1.0.0 holePolygon, or the
    older boundingBox)."""
    hp = h.get("holePolygon") or ([h["boundingBox"]["min"], h["boundingBox"]["max"]] if "boundingBox" in h else None)
    if not hp or len(hp) < 2:
        raise ConfigError(f"{h.get('id')}: no holePolygon")
    xs, ys = [float(p["x"]) for p in hp], [float(p["y"]) for p in hp]
    return min(xs), max(xs), min(ys), max(ys)


def _flatten(objs: list[dict], parent: dict | None = None):
    """Yield (object, parent or None) depth-first, parents before their children."""
    for o in objs or []:
        yield o, parent
        yield from _flatten(o.get("children") or [], o)


def thor_type_of(obj: dict) -> str | None:
    """AI2-THOR objectType of a house object: from its assetId when the asset table knows it (the
    built-in table or the user's ProcTHOR database, thor_catalog), else the "Type|..." prefix of its id
    (ProcTHOR's naming), else the type its assetId's name spells ("Chair_203_1" -> "Chair"), else a
    label made from the assetId's leading words (an unknown type, only counted as skipped), else None."""
    hit = asset_index().get(obj.get("assetId", ""))
    if hit is not None:
        return hit[0]
    known = asset_table()["type_sizes"].keys() | THOR_TO_CATEGORY.keys()
    head = str(obj.get("id", "")).split("|")[0]
    if head in known or (head[:1].isupper() and head.isalpha() and "|" in str(obj.get("id", ""))):
        return head
    aid = str(obj.get("assetId", ""))
    return type_from_asset_id(aid, known) or type_label_from_asset_id(aid)


def _fit_params(category: str, size_sim: np.ndarray, rng: np.random.Generator):
    """Draw the category's params with `rng`, then set its size params from (depth, width, height)
    metres, each clipped to the spec's range. Returns the built Asset."""
    from simgen.assets.registry import build, load_spec, resolve_params

    spec = load_spec(category)
    full = resolve_params(category, rng, None)
    d, w, h = (float(v) for v in size_sim)
    want = {"depth_m": d, "width_m": w, "height_m": h, "length_m": d, "diameter_m": (d + w) / 2,
            "size_m": (d + w) / 2}
    for k, v in want.items():
        rngs = spec.params.get(k)
        if k in full and isinstance(rngs, list) and len(rngs) == 2 and all(isinstance(x, float) for x in rngs):
            full[k] = round(float(np.clip(v, rngs[0], rngs[1])), 6)
    return build(category, full)


def _rooms(house: dict, meta: dict | None, t: float):
    from simgen.scenes.model import Room

    rooms, cells, interiors = [], [], []
    height_of: dict[str, float] = {}
    for w in house.get("walls", []):
        top = max(float(p["y"]) for p in w["polygon"])
        height_of[w.get("roomId")] = max(height_of.get(w.get("roomId"), 0.0), top)
    default_h = max(height_of.values()) if height_of else 2.5
    id_map = {}
    for k, r in enumerate(house["rooms"]):
        cell = orient(Polygon([_xz(p) for p in r["floorPolygon"]]).buffer(0), 1.0)
        m = (meta or {}).get("rooms", {}).get(r["id"])
        if m is not None:
            inner = orient(Polygon(m["polygon"]), 1.0)
            rid, rtype, h = m["id"], m["type"], float(m["height_m"])
        else:
            inner = orient(cell.buffer(-t / 2, join_style="mitre"), 1.0)
            inner = orient(Polygon([(round(x, 6), round(y, 6)) for x, y in inner.exterior.coords]).simplify(0.0), 1.0)
            rid, rtype = f"room_{k}", THOR_TO_ROOM.get(r.get("roomType"), "living_room")
            h = height_of.get(r["id"], default_h)
        id_map[r["id"]] = rid
        coords = tuple((float(x), float(y)) for x, y in list(inner.exterior.coords)[:-1])
        rooms.append(Room(id=rid, type=rtype, polygon=coords, height_m=h))
        cells.append(cell)
        interiors.append(inner)
    return rooms, cells, interiors, id_map


def _openings(house: dict, meta: dict | None, rooms, cells, id_map, t: float, rng: np.random.Generator):
    """(doors, windows, window assets) in simgen form."""
    from simgen import assets
    from simgen.scenes.model import Door, Window

    walls = {w["id"]: w for w in house.get("walls", [])}
    room_ix = {rid: k for k, rid in enumerate(id_map)}
    doors, windows, win_assets = [], [], []

    def frame(h: dict):
        wall = walls.get(h.get("wall0"))
        if wall is None:
            raise ConfigError(f"{h.get('id')}: wall0 {h.get('wall0')!r} is not a wall of the house")
        a, b, _top = _wall_segment(wall)
        u = (b - a) / np.linalg.norm(b - a)
        x0, x1, y0, y1 = _hole(h)
        c = a + u * (x0 + x1) / 2
        n = np.array([-u[1], u[0]])
        cell = cells[room_ix[h["room0"]]]
        if not cell.contains(Point(*(c + 0.05 * n))):
            n = -n
        return c, n, x1 - x0, y0, y1 - y0

    for i, d in enumerate(house.get("doors", [])):
        md = (meta or {}).get("doors", {}).get(d.get("id"))
        if md is not None:
            doors.append(Door(id=md["id"], rooms=tuple(md["rooms"]), center=tuple(md["center"]),
                              normal=tuple(md["normal"]), width_m=md["width_m"], height_m=md["height_m"],
                              entrance=bool(md.get("entrance"))))
            continue
        c, n, w, _y0, h = frame(d)
        outside = d.get("room1") in (None, d["room0"]) or d.get("wall1") is None or "exterior" in str(d.get("wall1"))
        rms = (id_map[d["room0"]],) if outside else (id_map[d["room0"]], id_map[d["room1"]])
        doors.append(Door(id=f"door_{i}", rooms=rms, center=(round(float(c[0]), 6), round(float(c[1]), 6)),
                          normal=(round(float(n[0]), 6) + 0.0, round(float(n[1]), 6) + 0.0), width_m=round(w, 6),
                          height_m=round(h, 6), entrance=outside))
    ent = [d for d in doors if d.entrance]
    if len(ent) > 1:                   # simgen models one entrance (one door leaf); the others stay open
        doors = [d if not d.entrance or d is ent[0] else Door(d.id, d.rooms, d.center, d.normal, d.width_m,
                                                               d.height_m, entrance=False) for d in doors]
    if not ent:
        raise ConfigError(f"house {house.get('id')}: no door leads outside; simgen needs an entrance door")
    for i, wd in enumerate(house.get("windows", [])):
        mw = (meta or {}).get("windows", {}).get(wd.get("id"))
        if mw is not None:
            win = Window(id=mw["id"], room=mw["room"], center=tuple(mw["center"]), normal=tuple(mw["normal"]),
                         width_m=mw["width_m"], sill_m=mw["sill_m"], height_m=mw["height_m"])
        else:
            c, n, w, y0, h = frame(wd)
            win = Window(id=f"window_{i}", room=id_map[wd["room0"]],
                         center=(round(float(c[0]), 6), round(float(c[1]), 6)),
                         normal=(round(float(n[0]), 6) + 0.0, round(float(n[1]), 6) + 0.0), width_m=round(w, 6),
                         sill_m=round(y0, 6), height_m=round(h, 6))
        windows.append(win)
        win_assets.append(assets.make("window", rng, {"width_m": max(0.3, win.width_m - 0.08),
                                                      "height_m": max(0.3, win.height_m - 0.03)}))
    return doors, windows, win_assets


def scene_from_house(house: dict, rng: np.random.Generator, *, scene_id: str | None = None, seed: int = 0,
                     wall_thickness_m: float | None = None, exact: bool = True, house_id: str | None = None):
    """Build a simgen Scene from a ProcTHOR house dict.

    rng: draws every choice (asset params not fixed by the house, materials, windows).
    wall_thickness_m: simgen's wall thickness (default: the house's metadata.simgen value, else 0.12).
    exact: use metadata.simgen when the house came from simgen (exact assets and ids); False treats
        every house like a foreign ProcTHOR house (assets chosen by THOR type and size).
    house_id: recorded in scene.params["house_id"] (default: the house's "id"), e.g. the file name.
    The wall thickness used is in scene.params["wall_thickness_m"] (pass it to plan_trajectory).
    """
    from simgen.scenes.floorplan import _cut, _structures
    from simgen.scenes.model import LightSpec, Scene
    from simgen.scenes.relations import scene_stats

    meta = (house.get("metadata") or {}).get("simgen") if exact else None
    t = float(wall_thickness_m or (meta or {}).get("wall_thickness_m") or DEFAULT_WALL_THICKNESS_M)
    rooms, cells, interiors, id_map = _rooms(house, meta, t)
    doors, windows, win_assets = _openings(house, meta, rooms, cells, id_map, t, rng)
    height_m = max(r.height_m for r in rooms)
    cuts = [_cut(np.array(d.center), np.array(d.normal), d.width_m, t) for d in doors]
    structures, next_id = _structures(rooms, cells, interiors, unary_union(cells), doors, cuts, windows,
                                      win_assets, t, height_m, rng, 1)
    objects, skipped, typical = _objects(house, meta, rooms, id_map, next_id, rng)
    lights = _lights(house, rooms) if not (meta and meta.get("lights")) else [
        LightSpec(kind=li["kind"], position=tuple(li["position"]), color=tuple(li["color"]),
                  intensity=float(li["intensity"]), room=li.get("room")) for li in meta["lights"]]
    stats = scene_stats(rooms, objects, [])
    params = {"source": "procthor", "house_id": house_id if house_id is not None else house.get("id"),
              "n_rooms": len(rooms), "room_types": [r.type for r in rooms],
              "room_area_m2": [round(r.area_m2, 6) for r in rooms],
              "ceiling_height_m": height_m, "wall_thickness_m": t,
              "import": {"exact": meta is not None, "n_objects": len(objects),
                         "skipped": dict(sorted(skipped.items())),
                         "typical_size": dict(sorted(typical.items())), "asset_table": asset_table()["source"]}}
    physics = {"engine": "none", "note": "imported ProcTHOR house: no settle", "removed_ids": [],
               "repaired_ids": [], "out_of_bounds_removed": []}
    layout = {"method": "imported from a ProcTHOR house", "agent_radius_m": None, "floorplan": {},
              "rooms": [], "groups": [], "relations_requested": 0, "relations_satisfied": 0, "time_cap_hit": False}
    sid = scene_id if scene_id is not None else str((meta or {}).get("scene_id") or house.get("id") or "house")
    return Scene(scene_id=sid, seed=seed, rooms=tuple(rooms), doors=tuple(doors), structures=tuple(structures),
                 objects=tuple(objects), lights=tuple(lights),
                 reports={"physics": physics, "stats": stats, "layout": layout, "timing": []},
                 params=params, windows=tuple(windows))


def _room_of(rooms, xy) -> str:
    p = Point(float(xy[0]), float(xy[1]))
    polys = [(r.id, Polygon(r.polygon)) for r in rooms]
    inside = [rid for rid, poly in polys if poly.contains(p)]
    return inside[0] if inside else min(polys, key=lambda rp: rp[1].exterior.distance(p))[0]


FLOOR_TOL_M = 0.05          # a THOR box whose bottom is this close to z = 0 stands on the floor
SUPPORT_TOL_M = 0.03        # ... whose bottom is this close to another box's top rests on it


def _thor_box(o: dict, thor_size) -> dict:
    """World geometry of a house object's THOR box: centre (simgen xyz), rotation, (8, 3) corners."""
    R = sim_rotation_from_thor(o.get("rotation") or {})
    c = thor_to_sim_point(o["position"])
    half = sim_size_from_thor(thor_size) / 2
    corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)]) * half @ R.T + c
    return {"R": R, "center": c, "corners": corners, "bottom": float(corners[:, 2].min()),
            "top": float(corners[:, 2].max())}


def _support_below(box: dict, others: list[tuple[int, dict]]) -> int | None:
    """Index of the box whose top is within SUPPORT_TOL_M of `box`'s bottom and whose footprint holds
    its centre (the highest such), or None."""
    best, best_top = None, -np.inf
    cx, cy = box["center"][:2]
    for k, ob in others:
        lo, hi = ob["corners"][:, :2].min(axis=0), ob["corners"][:, :2].max(axis=0)
        if abs(ob["top"] - box["bottom"]) <= SUPPORT_TOL_M and lo[0] <= cx <= hi[0] and lo[1] <= cy <= hi[1]:
            if ob["top"] > best_top:
                best, best_top = k, ob["top"]
    return best


def _objects(house: dict, meta: dict | None, rooms, id_map, first_id: int, rng: np.random.Generator):
    """PlacedObjects for the house's objects (children flattened), {THOR type: count} of skipped ones and
    {THOR type: count} of foreign objects sized by their type's typical size (assetId not in the table)."""
    from simgen.assets.registry import build, load_spec
    from simgen.scenes.model import PlacedObject

    mobj = (meta or {}).get("objects", {})
    skipped: Counter = Counter()
    typical: Counter = Counter()
    from simgen import assets

    generators = set(assets.categories())
    # pass 1: what each house object is, and its THOR box
    items = []
    for k, (o, parent) in enumerate(_flatten(house.get("objects", []))):
        m = mobj.get(o.get("id"))
        ttype = thor_type_of(o)
        if m is not None and m["category"] not in generators:   # e.g. a dynamics proxy (ball, person)
            skipped[m["category"]] += 1
            continue
        if m is not None:
            category = m["category"]
            thor_size = m.get("thor_asset_size") or asset_index().get(o.get("assetId", ""), (None, None))[1]
        else:
            category = THOR_TO_CATEGORY.get(ttype) if ttype else None
            if category is None:
                skipped[ttype or str(o.get("assetId"))] += 1
                continue
            hit = asset_index().get(o.get("assetId", ""))
            # an asset the table lacks: its type's typical size (install ProcTHOR's database for the real one)
            thor_size = hit[1] if hit else asset_table()["type_sizes"][ttype]
            if hit is None:
                typical[ttype] += 1
        box = _thor_box(o, thor_size) if thor_size is not None else None
        items.append({"k": k, "o": o, "parent": parent, "m": m, "category": category, "thor_size": thor_size,
                      "box": box})
    # supports before what they carry: parents first, then from the floor up, then in listing order
    depth = {}
    for it in items:
        depth[id(it["o"])] = 0 if it["parent"] is None else depth.get(id(it["parent"]), 0) + 1
    items.sort(key=lambda it: (depth[id(it["o"])], round(it["box"]["bottom"], 3) if it["box"] else 0.0, it["k"]))
    # pass 2: build and place
    placed: list[PlacedObject] = []
    sim_id: dict[int, int] = {}            # id(house object) -> simgen id
    done: list[tuple[int, dict]] = []      # (simgen id, THOR box) of placed foreign objects
    counts: Counter = Counter()
    old_to_new: dict[int, int] = {}
    next_id = first_id
    reserved = {m["id"] for m in mobj.values()} | {u["id"] for u in (meta or {}).get("unmapped", [])}
    use_meta_ids = bool(meta) and min(reserved, default=first_id) >= first_id
    for it in items:
        o, parent, m, category, box = it["o"], it["parent"], it["m"], it["category"], it["box"]
        if m is not None:
            asset = build(m["asset"]["generator"], m["asset"]["params"])
            placement = m["placement"]
            oid = m["id"] if use_meta_ids else next_id
            old_to_new[m["id"]] = oid
            support = m["support"] if (use_meta_ids or m["support"] is None) else old_to_new.get(m["support"])
            name = m["name"] if use_meta_ids else f"{category}_{counts[category]}"
        else:
            asset = _fit_params(category, sim_size_from_thor(it["thor_size"]), rng)
            oid, name = next_id, f"{category}_{counts[category]}"
            spec_pl = load_spec(category).placement
            support = sim_id.get(id(parent)) if parent is not None else None
            if support is None and spec_pl not in ("wall", "ceiling") and box["bottom"] > FLOOR_TOL_M:
                support = _support_below(box, done)
            if support is not None:
                placement = "surface"
            elif spec_pl in ("wall", "ceiling"):
                placement = spec_pl
            else:                           # off the floor with nothing under it: mounted on a wall
                placement = "floor" if box["bottom"] <= FLOOR_TOL_M else "wall"
        b = asset.mesh().bounds
        R = box["R"] if box is not None else sim_rotation_from_thor(o.get("rotation") or {})
        # the THOR position is the centre of the THOR asset's box; rest the simgen box on the same anchor
        off = np.zeros(3) if it["thor_size"] is None else anchor_offset_local(
            placement, load_spec(category).against_wall, sim_size_from_thor(it["thor_size"]), b[1] - b[0])
        center = thor_to_sim_point(o["position"]) + R @ off
        pose = np.eye(4)
        pose[:3, :3] = R
        pose[:3, 3] = center - R @ ((b[0] + b[1]) / 2)
        room = m["room"] if m is not None else _room_of(rooms, center[:2])
        sim_id[id(o)] = oid
        if m is None:
            done.append((oid, box))
        counts[category] += 1
        next_id = max(next_id, oid) + 1
        placed.append(PlacedObject(id=oid, name=name, asset=asset, pose=np.round(pose, 9), room=room,
                                   placement=placement, support=support))
    for u in sorted((meta or {}).get("unmapped", []), key=lambda u: u["id"]):   # no THOR type (exact mode)
        if u["category"] not in generators:
            skipped[u["category"]] += 1
            continue
        asset = build(u["asset"]["generator"], u["asset"]["params"])
        oid = u["id"] if use_meta_ids else next_id
        old_to_new[u["id"]] = oid
        next_id = max(next_id, oid) + 1
        name = u["name"] if use_meta_ids else f"{u['category']}_{counts[u['category']]}"
        placed.append(PlacedObject(id=oid, name=name, asset=asset, pose=np.asarray(u["pose"], dtype=np.float64),
                                   room=u["room"], placement=u["placement"],
                                   support=u["support"] if (use_meta_ids or u["support"] is None)
                                   else old_to_new.get(u["support"])))
        counts[u["category"]] += 1
    placed.sort(key=lambda p: p.id)
    return placed, skipped, typical


def _lights(house: dict, rooms):
    """One point light per room (simgen's convention: intensity 0.8 x floor area), at the house's point
    light inside the room if there is one, else at the room centre 0.35 m under the ceiling."""
    from simgen.scenes.model import LightSpec

    thor_points = [li for li in (house.get("proceduralParameters") or {}).get("lights", [])
                   if li.get("type") == "point"]
    out = []
    for r in rooms:
        poly = Polygon(r.polygon)
        pos, color = None, _LIGHT_COLOR
        for li in thor_points:
            p = thor_to_sim_point(li["position"])
            if poly.contains(Point(p[0], p[1])):
                pos = (float(p[0]), float(p[1]), float(min(p[2], r.height_m - 0.05)))
                rgb = li.get("rgb") or {}
                color = (float(rgb.get("r", 1.0)), float(rgb.get("g", 1.0)), float(rgb.get("b", 1.0)))
                break
        if pos is None:
            c = poly.centroid if poly.contains(poly.centroid) else poly.representative_point()
            pos = (float(c.x), float(c.y), r.height_m - 0.35)
        out.append(LightSpec(kind="point", position=pos, color=color, intensity=0.8 * poly.area, room=r.id))
    return out


def angle_diff_deg(a_rad: float, b_rad: float) -> float:
    """|a - b| wrapped to [0, 180] degrees."""
    d = math.degrees(a_rad - b_rad) % 360.0
    return min(d, 360.0 - d)
