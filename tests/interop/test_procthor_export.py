"""simgen scene.json -> ProcTHOR house: schema, walls and holes, asset choice, frames, the export format."""

import json
import math

import numpy as np
import pytest
from shapely.geometry import Point, Polygon

from simgen.assets.specs import load_spec
from simgen.interop import thor_types as tt
from simgen.interop.procthor_export import house_from_scene, wall_thickness_of


def _xz(p):
    return np.array([p["x"], p["z"]])


def _signed_area(pts):
    x, y = pts[:, 0], pts[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def test_rooms_walls_and_winding(two_room_json, two_room_house):
    h = two_room_house
    assert h["metadata"]["schema"] == "1.0.0"
    assert wall_thickness_of(two_room_json) == pytest.approx(0.12)          # the preset's wall thickness
    t = 0.12
    for room, sim in zip(h["rooms"], two_room_json["rooms"]):
        pts = np.array([_xz(p) for p in room["floorPolygon"]])
        assert _signed_area(pts) < 0                                      # clockwise, as ProcTHOR's
        grown = Polygon(sim["polygon"]).buffer(t / 2, join_style="mitre")
        assert abs(Polygon(pts).area - grown.area) < 1e-4
        assert room["roomType"] in ("Kitchen", "LivingRoom", "Bedroom", "Bathroom")
    height = max(r["height_m"] for r in two_room_json["rooms"])
    ids = [w["id"] for w in h["walls"]]
    assert len(ids) == len(set(ids))
    for w in h["walls"]:
        assert len(w["polygon"]) == 4
        assert sorted(p["y"] for p in w["polygon"]) == pytest.approx([0.0, 0.0, height, height], abs=1e-6)
    # every room wall piece shared with the other room exists on both sides, reversed
    inner = [w for w in h["walls"] if w["roomId"] != "exterior"]
    ext = {w["id"]: w for w in h["walls"] if w["roomId"] == "exterior"}
    rooms_of = {}
    for w in inner:
        rooms_of.setdefault(w["id"].split("|", 2)[2], []).append(w)
    shared = [ws for ws in rooms_of.values() if len(ws) == 2]
    assert shared, "two rooms must share at least one wall piece"
    for a, b in shared:
        assert np.allclose(_xz(a["polygon"][0]), _xz(b["polygon"][1])) and np.allclose(_xz(a["polygon"][1]), _xz(b["polygon"][0]))
    for key, ws in rooms_of.items():
        if len(ws) == 1:
            e = ext[f"wall|exterior|{key}"]
            assert np.allclose(_xz(e["polygon"][0]), _xz(ws[0]["polygon"][1]))   # faces outwards


def test_doors_and_windows_sit_on_their_walls(two_room_json, two_room_house):
    h = two_room_house
    walls = {w["id"]: w for w in h["walls"]}
    sim_doors = {f"door|{d['id']}": d for d in two_room_json["doors"]}
    assert len(h["doors"]) == len(sim_doors) == 2
    for d in h["doors"]:
        w0, w1 = walls[d["wall0"]], walls[d["wall1"]]
        a, b = _xz(w0["polygon"][0]), _xz(w0["polygon"][1])
        L = np.linalg.norm(b - a)
        (x0, y0), (x1, y1) = [(p["x"], p["y"]) for p in d["holePolygon"]]
        assert 0 <= x0 < x1 <= L and y0 == 0.0
        centre = a + (b - a) / L * (x0 + x1) / 2
        sim = sim_doors[d["id"]]
        assert np.allclose(centre, sim["center"], atol=1e-5)
        assert x1 - x0 == pytest.approx(sim["width_m"]) and y1 == pytest.approx(sim["height_m"])
        assert np.allclose(_xz(w1["polygon"][0]), b) and np.allclose(_xz(w1["polygon"][1]), a)
        if sim["entrance"]:
            assert d["assetId"].startswith("Doorway_") and d["wall1"].startswith("wall|exterior|")
            assert d["room0"] == d["room1"] and d["openness"] == 0
        else:
            assert d["assetId"].startswith("Doorframe_") and d["room0"] != d["room1"]
    for wd in h["windows"]:
        assert wd["assetId"].startswith("Window_") and not wd["assetId"].startswith("Window_Bay")
        assert wd["wall1"].startswith("wall|exterior|") and wd["wall0"] in walls
        assert wd["holePolygon"][0]["y"] > 0.5


def test_objects_types_positions_and_children(two_room_json, two_room_house):
    h = two_room_house
    sim = {o["id"]: o for o in two_room_json["objects"] if o["kind"] == "object"}

    def walk(objs, parent=None):
        for o in objs:
            yield o, parent
            yield from walk(o.get("children", []), o)

    flat = list(walk(h["objects"]))
    meta = h["metadata"]["simgen"]
    index = tt.asset_index()
    seen = set()
    for o, parent in flat:
        m = meta["objects"][o["id"]]
        s = sim[m["id"]]
        seen.add(s["id"])
        ttype, kind = tt.CATEGORY_TO_THOR[s["category"]]
        assert index[o["assetId"]][0] == ttype and m["match"] == kind and o["kinematic"] is True
        # the THOR asset's box rests like the simgen box: same bottom (floor/surface), same centre x/y
        # unless the object's back is anchored to a wall
        c = np.asarray(s["obb"]["center"])
        t_size = index[o["assetId"]][1]
        if s["placement"] in ("floor", "surface"):
            assert o["position"]["y"] - t_size[1] / 2 == pytest.approx(c[2] - s["size_m"][2] / 2, abs=2e-3)
        if s["placement"] != "wall" and not load_spec(s["category"]).against_wall:
            assert (o["position"]["x"], o["position"]["z"]) == pytest.approx((c[0], c[1]), abs=2e-3)
        assert o["rotation"]["y"] == pytest.approx(tt.thor_yaw_deg(s["yaw"]), abs=0.05) or \
            abs(o["rotation"]["y"] - tt.thor_yaw_deg(s["yaw"])) == pytest.approx(360.0, abs=0.05)
        if parent is not None:
            assert meta["objects"][parent["id"]]["id"] == s["support"]
    unmapped = {u["id"] for u in meta["unmapped"]}
    assert seen | unmapped == set(sim) and not (seen & unmapped)
    assert {sim[i]["category"] for i in unmapped} <= {c for c, (t, _k) in tt.CATEGORY_TO_THOR.items() if t is None}
    assert any(p is not None for _o, p in flat), "a small object must be nested under its support"


def test_asset_size_choice_is_nearest(two_room_json, two_room_house):
    """The chosen asset is the one of its type with the least log-size error (checked by brute force)."""
    meta = two_room_house["metadata"]["simgen"]["objects"]
    table = tt.asset_table()["assets"]
    for tid, m in meta.items():
        want = np.log(tt.thor_size_from_sim(m["size_m"]))
        costs = {a: float(np.sum((np.log([x, y, z]) - want) ** 2)) for a, x, y, z in table[m["thor_type"]]}
        best = min(costs.values())
        assert costs[tt.closest_asset(m["thor_type"], tt.thor_size_from_sim(m["size_m"]))[0]] == pytest.approx(best)


def test_deterministic_and_json_ready(two_room_json, two_room_house):
    again = house_from_scene(json.loads(json.dumps(two_room_json)))
    assert json.dumps(again, sort_keys=True) == json.dumps(two_room_house, sort_keys=True)
    lights = two_room_house["proceduralParameters"]["lights"]
    assert lights[0]["type"] == "directional" and len(lights) == 1 + len(two_room_json["lights"])
    for li, sl in zip(lights[1:], two_room_json["lights"]):
        assert li["position"] == pytest.approx(tt.sim_to_thor_point(sl["position"]))
    assert two_room_house["metadata"]["simgen"]["asset_table"] == "builtin"
    agent = two_room_house["metadata"]["agent"]
    p = np.array([agent["position"]["x"], agent["position"]["z"]])
    assert any(Polygon(r["polygon"]).contains(Point(*p)) for r in two_room_json["rooms"])


def test_export_format_writes_houses(tmp_path, two_room_json, two_room_house):
    from simgen.io.export import ExportOptions, export, parse_formats

    assert "procthor" in parse_formats("all") and parse_formats("procthor") == ["procthor"]
    out = tmp_path / "out"
    (out / "scenes" / "000003").mkdir(parents=True)
    (out / "scenes" / "000003" / "scene.json").write_text(json.dumps(two_room_json))
    (out / "manifest.jsonl").write_text(json.dumps({"scene_id": "000003"}) + "\n")
    res = export(out, ["procthor"], tmp_path / "dest", ExportOptions(progress=False))
    assert res["procthor"]["houses"] == 1
    written = json.loads((tmp_path / "dest" / "procthor" / "houses" / "000003.json").read_text())
    assert written["metadata"]["simgen"]["scene_id"] == "000003"
    assert json.dumps(written, sort_keys=True) == json.dumps(json.loads(json.dumps(two_room_house)), sort_keys=True)
    assert res["procthor"]["objects"] == len(two_room_house["metadata"]["simgen"]["objects"])
    assert not math.isnan(res["procthor"]["unmapped_objects"])
