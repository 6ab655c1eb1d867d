"""simgen.interop.thor_catalog: the built-in asset table, names -> types, and the user's own ProcTHOR
asset database picked up at run time ($SIMGEN_PROCTHOR_ASSETS or an installed procthor package)."""

import copy
import importlib
import json
import sys

import numpy as np
import pytest

from simgen.core.errors import ConfigError
from simgen.interop import thor_catalog as tc
from simgen.interop import thor_types as tt
from simgen.interop.procthor_import import scene_from_house, thor_type_of
from simgen.interop.thor_catalog import _procthor_package_database as real_package_lookup

# two rows in asset-database.json's schema ({objectType: [asset, ...]}, asset = {"assetId",
# "boundingBox": {"x", "y", "z"}, "objectType", ... more keys simgen ignores}); Chair_002_1 is a real
# ProcTHOR chair that is not in simgen's built-in table; one malformed row is skipped
USER_DB = {
    "Chair": [
        {"assetId": "Chair_002_1", "boundingBox": {"x": 0.4688, "y": 0.9656, "z": 0.5047}, "objectType": "Chair",
         "primaryProperty": "Static", "secondaryProperties": [], "split": "train", "states": {}},
        {"assetId": "Chair_broken", "boundingBox": {"x": 0.4, "y": "tall"}, "objectType": "Chair"},
    ],
    "Apple": [{"assetId": "Apple_1", "boundingBox": {"x": 0.106, "y": 0.113, "z": 0.108}, "objectType": "Apple"}],
}
USER_HOLES = {"Doorway_3": {"max": {"x": 1.0192, "y": 2.0794, "z": 0.0953}, "min": {"x": 0.0, "y": 0.0, "z": 0.0},
                            "offset": {"x": 0.0015, "y": 0.0, "z": 0.0473}}}


@pytest.fixture
def user_db(tmp_path, monkeypatch):
    path = tmp_path / "asset-database.json"
    path.write_text(json.dumps(USER_DB))
    (tmp_path / "wall-holes.json").write_text(json.dumps(USER_HOLES))
    monkeypatch.setenv(tc.ENV_VAR, str(path))
    return path


def test_builtin_names_spell_their_types():
    """Every built-in asset's name alone gives back its type (the fallback for unknown assetIds), and
    names of other AI2-THOR types that start like a known one are not taken for it."""
    known = tc.asset_table()["type_sizes"]
    for ttype, rows in tc.asset_table()["assets"].items():
        for asset_id, *_size in rows:
            assert tc.type_from_asset_id(asset_id, known) == ttype, asset_id
    assert tc.type_from_asset_id("Chair_203_1", known) == "Chair"
    assert tc.type_from_asset_id("RoboTHOR_side_table_strind", known) == "SideTable"
    assert tc.type_from_asset_id("RoboTHOR_office_chair_volmar", known) == "Chair"
    assert tc.type_from_asset_id("Countertop_I_6x2", known) == "CounterTop"
    assert tc.type_from_asset_id("Fertility_Statue_2", known) == "Statue"
    for other in ("Toilet_Paper_Hanger_3", "Soap_Bottle_1", "Apple_1", "Pottery_1", "", "_1"):
        assert tc.type_from_asset_id(other, known) is None, other
    assert tc.type_label_from_asset_id("Soap_Bottle_12") == "SoapBottle"
    assert tc.type_label_from_asset_id("42") is None


def test_unknown_asset_falls_back_to_type_and_typical_size():
    assert tt.asset_table()["source"] == "builtin" and "Chair_002_1" not in tt.asset_index()
    # the type from the id's "Type|" prefix, else from the assetId's name, else a label for counting
    assert thor_type_of({"id": "Chair|2|4", "assetId": "Chair_002_1"}) == "Chair"
    assert thor_type_of({"id": "obj7", "assetId": "Chair_002_1"}) == "Chair"
    assert thor_type_of({"id": "SoapBottle|2|1", "assetId": "Soap_Bottle_1"}) == "SoapBottle"
    assert thor_type_of({"id": "obj8", "assetId": "Soap_Bottle_1"}) == "SoapBottle"
    assert thor_type_of({"id": "obj9"}) is None


def test_user_database_via_env_var_changes_the_chosen_asset_and_size(user_db, two_room_house, monkeypatch):
    """$SIMGEN_PROCTHOR_ASSETS adds the user's assets: the exporter then picks the user's chair for a
    chair of its size, and a foreign house's Chair_002_1 is sized from the database instead of the
    type's typical size. Without the variable the built-in table is back."""
    want = (0.47, 0.97, 0.50)
    table = tt.asset_table()
    assert table["source"] == "procthor-database" and table["path"] == str(user_db.resolve())
    assert tt.closest_asset("Chair", want) == ("Chair_002_1", (0.4688, 0.9656, 0.5047))
    assert tt.asset_index()["Chair_002_1"] == ("Chair", (0.4688, 0.9656, 0.5047))
    assert "Chair_broken" not in tt.asset_index() and tt.asset_index()["Apple_1"][0] == "Apple"
    assert table["type_sizes"]["Chair"] == (0.4688, 0.9656, 0.5047)      # median of the user's rows
    assert tt.asset_index()["Bed_6"][0] == "Bed"                         # other types: still built in
    assert tt.closest_hole("Doorway_", 1.02, 2.08) == "Doorway_3"         # wall-holes.json next to it
    with_db = _import_one_chair(two_room_house)
    assert with_db.params["import"]["typical_size"] == {} and with_db.params["import"]["asset_table"] == "procthor-database"

    monkeypatch.delenv(tc.ENV_VAR)
    assert tt.asset_table()["source"] == "builtin"
    assert tt.closest_asset("Chair", want)[0] == "Chair_007_3"
    assert tt.closest_hole("Doorway_", 1.02, 2.08) == "Doorway_9"
    without = _import_one_chair(two_room_house)
    assert without.params["import"]["typical_size"] == {"Chair": 1}
    h_db, h_typ = (s.objects[0].asset.params["height_m"] for s in (with_db, without))
    assert h_db == pytest.approx(0.9656) and h_typ == pytest.approx(tc._TYPES["Chair"][0][1])


def _import_one_chair(house):
    """The test house's rooms with one foreign chair (Chair_002_1, facing +x, standing on the floor)."""
    h = copy.deepcopy(house)
    del h["metadata"]["simgen"]
    poly = h["rooms"][0]["floorPolygon"]
    cx = float(np.mean([p["x"] for p in poly]))
    cz = float(np.mean([p["z"] for p in poly]))
    y = tt.asset_index().get("Chair_002_1", (None, tt.asset_table()["type_sizes"]["Chair"]))[1][1] / 2
    h["objects"] = [{"id": "Chair|1|0", "assetId": "Chair_002_1", "position": {"x": cx, "y": y, "z": cz},
                     "rotation": {"x": 0, "y": 90, "z": 0}, "kinematic": True}]
    s = scene_from_house(h, np.random.default_rng(0))
    assert [o.asset.category for o in s.objects] == ["chair"]
    return s


def test_bad_user_database_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.setenv(tc.ENV_VAR, str(tmp_path / "missing.json"))
    with pytest.raises(ConfigError, match="no such file"):
        tt.asset_table()
    bad = tmp_path / "bad.json"
    bad.write_text("{'Chair': []}")                                       # Python, not JSON: never eval'd
    monkeypatch.setenv(tc.ENV_VAR, str(bad))
    with pytest.raises(ConfigError, match="not a readable JSON"):
        tt.asset_table()
    bad.write_text(json.dumps({"Chair": [{"assetId": "Chair_1"}], "Bed": "x"}))
    with pytest.raises(ConfigError, match="no asset with an assetId and a boundingBox"):
        tt.asset_table()
    bad.write_text(json.dumps([1, 2]))
    with pytest.raises(ConfigError, match="expected a JSON object"):
        tt.asset_table()


def test_installed_procthor_package_is_found(tmp_path, monkeypatch):
    """A `procthor` package that ships databases/asset-database.json is used when the variable is unset."""
    pkg = tmp_path / "procthor"
    (pkg / "databases").mkdir(parents=True)
    (pkg / "__init__.py").write_text('__version__ = "0"\n')
    (pkg / "databases" / "asset-database.json").write_text(json.dumps(USER_DB))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(tc, "_procthor_package_database", real_package_lookup.__wrapped__)
    saved = sys.modules.pop("procthor", None)
    importlib.invalidate_caches()
    try:
        assert tc.database_path() == pkg / "databases" / "asset-database.json"
        assert tt.asset_table()["source"] == "procthor-database"
        assert tt.closest_asset("Chair", (0.47, 0.97, 0.50))[0] == "Chair_002_1"
        (pkg / "databases" / "asset-database.json").unlink()
        assert tc.database_path() is None and tt.asset_table()["source"] == "builtin"
    finally:
        sys.modules.pop("procthor", None)
        if saved is not None:
            sys.modules["procthor"] = saved
