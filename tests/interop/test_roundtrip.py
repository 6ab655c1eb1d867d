"""simgen scene -> ProcTHOR house -> simgen scene: the layouts agree (issue 11: same objects by category,
positions within 1 cm, yaw within 1 degree), exactly with metadata.simgen and by type/size without it."""

import copy
import json
import math

import numpy as np
import pytest

from simgen.annotate.frames import obb_of
from simgen.interop import thor_types as tt
from simgen.interop.procthor_import import angle_diff_deg, load_houses, scene_from_house


def _bottom_z(o):
    b = o.asset.mesh().bounds
    c = np.array([[x, y, z] for x in b[:, 0] for y in b[:, 1] for z in b[:, 2]])
    return float((c @ o.pose[:3, :3].T + o.pose[:3, 3])[:, 2].min())


def test_exact_round_trip(two_room_scene, two_room_house):
    back = scene_from_house(json.loads(json.dumps(two_room_house)), np.random.default_rng(0))
    a = {o.id: o for o in two_room_scene.objects}
    b = {o.id: o for o in back.objects}
    assert set(a) == set(b)
    worst_m = worst_deg = 0.0
    for i, oa in a.items():
        ob = b[i]
        assert (ob.asset.category, ob.name, ob.room, ob.placement, ob.support) == \
            (oa.asset.category, oa.name, oa.room, oa.placement, oa.support)
        assert ob.asset.params == oa.asset.params
        worst_m = max(worst_m, float(np.abs(obb_of(oa)["center"] - obb_of(ob)["center"]).max()))
        worst_deg = max(worst_deg, angle_diff_deg(oa.yaw, ob.yaw))
    assert worst_m < 0.01 and worst_deg < 1.0
    assert worst_m < 1e-5 and worst_deg < 1e-3          # in fact exact up to the JSON's rounding
    assert [(r.id, r.type) for r in back.rooms] == [(r.id, r.type) for r in two_room_scene.rooms]
    for ra, rb in zip(two_room_scene.rooms, back.rooms):
        assert np.allclose(ra.polygon, rb.polygon, atol=1e-6) and rb.height_m == pytest.approx(ra.height_m, abs=1e-6)
    assert [(d.id, d.rooms, d.entrance) for d in back.doors] == [(d.id, d.rooms, d.entrance) for d in two_room_scene.doors]
    assert [(s.id, s.name, s.kind) for s in back.structures] == [(s.id, s.name, s.kind) for s in two_room_scene.structures]
    assert back.params["import"]["exact"] is True and back.params["wall_thickness_m"] == pytest.approx(0.12)


def _anchor(o):
    """World point an object rests on: its box's bottom centre (floor/surface), top centre (ceiling),
    back centre (wall), back-bottom centre (floor, against a wall)."""
    from simgen.assets.specs import load_spec

    b = o.asset.mesh().bounds
    local = (b[0] + b[1]) / 2
    if o.placement == "wall" or (o.placement == "floor" and load_spec(o.asset.category).against_wall):
        local[0] = b[0][0]
    if o.placement in ("floor", "surface"):
        local[2] = b[0][2]
    elif o.placement == "ceiling":
        local[2] = b[1][2]
    return o.pose[:3, :3] @ local + o.pose[:3, 3]


def test_round_trip_by_type_and_size(two_room_scene, two_room_house):
    """Without metadata.simgen (a foreign house): each object comes back as the category its THOR type
    maps to, sized like the ProcTHOR asset, resting on the same anchor point (within 1 cm), same yaw."""
    house = copy.deepcopy(two_room_house)
    del house["metadata"]["simgen"]
    back = scene_from_house(house, np.random.default_rng(0))
    assert back.params["import"]["exact"] is False and back.params["import"]["skipped"] == {}
    mapped = [o for o in two_room_scene.objects if tt.CATEGORY_TO_THOR[o.asset.category][0] is not None]
    assert len(back.objects) == len(mapped)
    got = {}                                  # ids are re-issued: match by the anchor point
    for ob in back.objects:
        oa = min(mapped, key=lambda o: float(np.linalg.norm(_anchor(o) - _anchor(ob))))
        got[oa.id] = ob
    assert len(got) == len(mapped)
    for oa in mapped:
        ob = got[oa.id]
        assert ob.asset.category == tt.THOR_TO_CATEGORY[tt.CATEGORY_TO_THOR[oa.asset.category][0]]
        assert ob.placement == oa.placement or (oa.placement, ob.placement) == ("wall", "floor")
        assert np.abs(_anchor(oa) - _anchor(ob)).max() < 0.01, oa.name
        assert angle_diff_deg(oa.yaw, ob.yaw) < 1.0
        assert ob.room == oa.room
        if oa.support is not None:
            assert ob.placement == "surface" and ob.support == got[oa.support].id


def _walk(objs):
    for o in objs:
        yield o
        yield from _walk(o.get("children", []))


def test_foreign_house_and_loader(tmp_path, two_room_house):
    """A hand-written ProcTHOR-style house (integer room ids, no metadata, an unknown object type, an
    asset the built-in table lacks, the old boundingBox hole format) imports; load_houses reads .json
    files and folders."""
    house = {
        "rooms": [{"id": "room|2", "roomType": "Bedroom", "floorPolygon": [
            {"x": 0, "y": 0, "z": 0}, {"x": 0, "y": 0, "z": 4}, {"x": 5, "y": 0, "z": 4}, {"x": 5, "y": 0, "z": 0}]}],
        "walls": [{"id": f"wall|2|{i}", "roomId": "room|2", "polygon": [
            {"x": a[0], "y": 0, "z": a[1]}, {"x": b[0], "y": 0, "z": b[1]}, {"x": a[0], "y": 2.6, "z": a[1]},
            {"x": b[0], "y": 2.6, "z": b[1]}]}
            for i, (a, b) in enumerate([((0, 0), (0, 4)), ((0, 4), (5, 4)), ((5, 4), (5, 0)), ((5, 0), (0, 0))])],
        "doors": [{"id": "door|2|1", "assetId": "Doorway_1", "room0": "room|2", "room1": "room|2", "wall0": "wall|2|2",
                   "wall1": None, "boundingBox": {"min": {"x": 1.0, "y": 0, "z": 0}, "max": {"x": 2.0, "y": 2.1, "z": 0}}}],
        "windows": [],
        "objects": [
            {"id": "Bed|2|0", "assetId": "Bed_27", "position": {"x": 2.5, "y": 0.355, "z": 2.0},
             "rotation": {"x": 0, "y": 90, "z": 0}, "kinematic": True,
             "children": [{"id": "Pillow|2|1", "assetId": "RoboTHOR_pillow_dvala_v",
                           "position": {"x": 2.0, "y": 0.78, "z": 2.0}, "rotation": {"x": 0, "y": 90, "z": 0}}]},
            {"id": "Apple|2|2", "assetId": "Apple_1", "position": {"x": 1, "y": 0.05, "z": 1}, "rotation": {"x": 0, "y": 0, "z": 0}}],
        "proceduralParameters": {"lights": [{"id": "light_2", "type": "point", "position": {"x": 2.5, "y": 2.4, "z": 2.0},
                                             "rgb": {"r": 1.0, "g": 0.9, "b": 0.8}}]},
    }
    (tmp_path / "a.json").write_text(json.dumps(house))
    (tmp_path / "b.json").write_text(json.dumps(two_room_house))
    loaded = load_houses(tmp_path)
    assert [n for n, _h in loaded] == ["a", "b"] and load_houses(tmp_path / "a.json")[0][1] == house
    s = scene_from_house(loaded[0][1], np.random.default_rng(1))
    assert [r.id for r in s.rooms] == ["room_0"] and s.rooms[0].type == "bedroom"
    assert np.allclose(sorted(s.rooms[0].polygon), sorted([(0.06, 0.06), (0.06, 3.94), (4.94, 3.94), (4.94, 0.06)]))
    (door,) = s.doors
    # wall|2|2 runs from (5, 4) to (5, 0): 1.5 m along it is (5, 2.5); the normal points into the room
    assert door.entrance and np.allclose(door.center, (5.0, 2.5)) and np.allclose(door.normal, (-1.0, 0.0))
    assert door.width_m == pytest.approx(1.0) and door.height_m == pytest.approx(2.1)
    cats = sorted(o.asset.category for o in s.objects)
    assert cats == ["bed", "pillow"] and s.params["import"]["skipped"] == {"Apple": 1}
    # RoboTHOR_pillow_dvala_v is not in the built-in table: a Pillow of the type's typical size
    assert s.params["import"]["typical_size"] == {"Pillow": 1} and s.params["import"]["asset_table"] == "builtin"
    bed = next(o for o in s.objects if o.asset.category == "bed")
    pillow = next(o for o in s.objects if o.asset.category == "pillow")
    assert pillow.support == bed.id and pillow.placement == "surface" and bed.id < pillow.id
    h_bed = tt.asset_index()["Bed_27"][1][1]                                 # Bed_27's box is this tall
    assert abs(_bottom_z(bed) - (0.355 - h_bed / 2)) < 1e-6 and abs(_bottom_z(bed)) < 0.01
    assert angle_diff_deg(bed.yaw, 0.0) < 1e-6                             # rotation.y 90 = facing +x
    assert s.lights[0].position == pytest.approx((2.5, 2.0, 2.4)) and s.lights[0].color == pytest.approx((1.0, 0.9, 0.8))
    with pytest.raises(Exception, match="no such file"):
        load_houses(tmp_path / "missing.json")


def test_imported_scene_goes_through_annotation(two_room_house):
    """The imported Scene feeds scene.json assembly (objects, relations, layout) unchanged."""
    from simgen.annotate.scene_gt import relations_json
    from simgen.interop.procthor_export import scene_json_of

    house = copy.deepcopy(two_room_house)
    del house["metadata"]["simgen"]
    s = scene_from_house(house, np.random.default_rng(0))
    sj = scene_json_of(s)
    objs = [o for o in sj["objects"] if o["kind"] == "object"]
    assert len(objs) == len(s.objects) and all(o["asset"]["generator"] == o["category"] for o in objs)
    assert any(r["type"] == "on" for r in relations_json(s))
    assert math.isfinite(sj["stats"]["rooms"][s.rooms[0].id]["floor_occupancy"])


@pytest.mark.slow
def test_imported_house_renders_through_the_pipeline(tmp_path, monkeypatch, two_room_house):
    """run_scene with the layout stage swapped for the house import: trajectory, render, annotation
    and QA run unchanged on it (what `simgen render --house` does)."""
    import simgen.scenes.generate as gen
    from simgen.core.rng import stage_rng
    from simgen.core.settings import build_run_config
    from simgen.pipeline import Renderers, run_scene

    house = copy.deepcopy(two_room_house)
    del house["metadata"]["simgen"]
    run = build_run_config(scene="low", camera="egocentric", seed=5, n=1,
                           camera_overrides={"frames": 6, "width": 160, "height": 120})

    def from_house(cfg, scene_id, seed, rng, clearance):
        return scene_from_house(house, stage_rng(seed, "layout"), scene_id=scene_id, seed=seed)

    monkeypatch.setattr(gen, "generate_scene", from_house)
    out = tmp_path / "s"
    out.mkdir()
    with Renderers(160, 120) as gl:
        row = run_scene(run, "000000", 5, out, gl)
    assert row["n_frames"] == 6 and row["n_objects"] == len(house_objects(house))
    sj = json.loads((out / "scene.json").read_text())
    assert sj["params"]["source"] == "procthor"
    assert len(list((out / "instance").glob("*.png"))) == 6 and (out / "qa.jsonl").is_file()


def house_objects(house):
    return [o for o in _walk(house["objects"]) if tt.THOR_TO_CATEGORY.get(tt.asset_index()[o["assetId"]][0])]


def test_import_is_deterministic(two_room_house):
    house = copy.deepcopy(two_room_house)
    del house["metadata"]["simgen"]
    a = scene_from_house(house, np.random.default_rng(4))
    b = scene_from_house(house, np.random.default_rng(4))
    assert [(o.id, o.name, o.asset.params) for o in a.objects] == [(o.id, o.name, o.asset.params) for o in b.objects]
    assert all(np.array_equal(x.pose, y.pose) for x, y in zip(a.objects, b.objects))
    assert [s.mesh.vertices.tobytes() for s in a.structures] == [s.mesh.vertices.tobytes() for s in b.structures]
