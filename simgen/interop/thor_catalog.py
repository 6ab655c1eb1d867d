"""Which ProcTHOR assets simgen names, and how big they are.

A ProcTHOR house must name real assets (`assetId`) and real door/window holes, or AI2-THOR refuses it.
simgen ships a small hand-made table: for every AI2-THOR objectType it exports to or imports from
(thor_types.CATEGORY_TO_THOR / THOR_TO_CATEGORY) up to three assets spread over the type's size range
and the type's typical size, plus a few door and window holes. The asset names and their
bounding-box sizes are facts about AI2-THOR's asset library; they were read from allenai/procthor
(procthor/databases/asset-database.json and wall-holes.json, Apache-2.0) and rounded to 1 cm.

Full coverage comes from the user's own copy of ProcTHOR's asset database, read at run time:
- the file named by the environment variable SIMGEN_PROCTHOR_ASSETS (asset-database.json's schema:
  {objectType: [{"assetId": str, "boundingBox": {"x", "y", "z"}, ...}, ...]}); a `wall-holes.json` in
  the same folder ({assetId: {"min": {x, y, z}, "max": {x, y, z}}}) adds its door/window holes;
- else `procthor/databases/asset-database.json` inside an installed `procthor` package.
Its rows extend the built-in table (a type's size is then the median of the database's rows). Without
it, an assetId the table lacks gets its type from its name ("Chair_203_1" -> "Chair",
type_from_asset_id) and that type's typical size.

Sizes are THOR bounding boxes in metres in the asset frame: x width, y height, z depth (front +z).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from functools import lru_cache
from pathlib import Path

from simgen.core.errors import ConfigError

log = logging.getLogger(__name__)

ENV_VAR = "SIMGEN_PROCTHOR_ASSETS"

# objectType: ((typical x, y, z), ((assetId, x, y, z), ...)) -- typical = per-axis median over all the
# type's assets in ProcTHOR's database; the assets are the type's 10th / 50th / 90th percentile by volume.
_TYPES: dict[str, tuple[tuple[float, float, float], tuple[tuple[str, float, float, float], ...]]] = {
    "AlarmClock": ((0.19, 0.18, 0.09), (("Alarm_Clock_4", 0.14, 0.18, 0.08), ("Alarm_Clock_22", 0.27, 0.12, 0.09),
                                        ("Alarm_Clock_29", 0.19, 0.17, 0.18))),
    "ArmChair": ((0.94, 0.88, 0.89), (("Armchair_207_2", 0.76, 0.72, 0.77), ("Armchair_210_1", 1.10, 0.72, 0.94),
                                      ("Armchair_203_1", 1.53, 0.94, 1.07))),
    "Bed": ((1.37, 0.91, 2.24), (("Bed_27", 1.08, 0.71, 2.36), ("Bed_6", 1.23, 1.03, 2.35), ("Bed_30", 2.06, 1.22, 2.41))),
    "Book": ((0.22, 0.03, 0.27), (("Book_4", 0.14, 0.02, 0.19), ("Book_28", 0.22, 0.03, 0.26), ("Book_26", 0.26, 0.05, 0.37))),
    "Bottle": ((0.11, 0.25, 0.11), (("Bottle_1", 0.11, 0.25, 0.11),)),
    "Bowl": ((0.20, 0.09, 0.20), (("Bowl_3", 0.16, 0.10, 0.16), ("Bowl_11", 0.20, 0.07, 0.20), ("Bowl_2", 0.19, 0.14, 0.19))),
    "Box": ((0.40, 0.28, 0.41), (("DecorativeBox3", 0.31, 0.19, 0.31), ("Box_22", 0.38, 0.34, 0.33),
                                 ("Box_4", 0.43, 0.47, 0.45))),
    "Candle": ((0.05, 0.17, 0.05), (("Candle_2", 0.02, 0.17, 0.02), ("Candle_3", 0.04, 0.13, 0.04),
                                    ("Candle_6", 0.04, 0.17, 0.04))),
    "Chair": ((0.48, 0.88, 0.54), (("Chair_205_1", 0.42, 0.88, 0.47), ("Chair_007_3", 0.45, 1.04, 0.54),
                                   ("Chair_007_5", 0.53, 1.23, 0.63))),
    "ClothesDryer": ((0.68, 1.05, 0.69), (("Clothes_Dryer_2", 0.69, 0.96, 0.71), ("Clothes_Dryer_1", 0.68, 1.14, 0.68))),
    "CoffeeTable": ((1.13, 0.44, 0.66), (("Coffee_Table_206_3", 0.88, 0.35, 0.36), ("Coffee_Table_202_2", 1.01, 0.44, 0.66),
                                         ("Coffee_Table_215_2", 1.43, 0.50, 0.89))),
    "CounterTop": ((2.44, 0.94, 1.83), (("Countertop_Island_4x3", 1.22, 0.94, 0.92), ("Countertop_L_10x4", 3.05, 0.94, 1.22),
                                        ("Countertop_C_8x10", 2.44, 0.94, 3.07))),
    "Cup": ((0.11, 0.15, 0.11), (("Cup_6", 0.10, 0.10, 0.10), ("Cup_27", 0.11, 0.16, 0.11), ("Cup_29", 0.14, 0.14, 0.14))),
    "Desk": ((1.39, 0.79, 0.62), (("Desk_229_1", 1.14, 0.75, 0.53), ("Desk_313_1", 2.04, 0.70, 0.66),
                                  ("Desk_304_1", 1.62, 1.63, 0.66))),
    "DeskLamp": ((0.26, 0.46, 0.29), (("Desk_Lamp_3", 0.19, 0.35, 0.19), ("Desk_Lamp_5", 0.25, 0.42, 0.29),
                                      ("Desk_Lamp_6", 0.49, 0.82, 0.49))),
    "Desktop": ((0.88, 0.57, 0.25), (("Desktop_316_1", 0.88, 0.57, 0.25),)),
    "DiningTable": ((1.47, 0.76, 0.96), (("Dining_Table_21_2", 0.92, 0.94, 0.68), ("Dining_Table_201_1", 1.78, 0.68, 0.99),
                                         ("Dining_Table_7_1", 1.47, 0.84, 1.47))),
    "Dresser": ((1.20, 0.97, 0.51), (("Dresser_205_1", 1.20, 0.70, 0.38), ("Dresser_319_2", 1.52, 0.82, 0.49),
                                     ("Dresser_224_1", 1.91, 0.89, 0.72))),
    "FloorLamp": ((0.52, 1.87, 0.51), (("Floor_Lamp_20", 0.42, 1.91, 0.42), ("Floor_Lamp_22", 0.52, 1.88, 0.52),
                                       ("Floor_Lamp_29", 0.66, 1.84, 0.56))),
    "Footstool": ((0.32, 0.42, 0.28), (("Footstool_1_1_1", 0.28, 0.31, 0.28), ("Footstool_1", 0.36, 0.46, 0.23),
                                       ("Footstool_2_1", 0.55, 0.60, 0.55))),
    "Fridge": ((1.00, 1.84, 0.72), (("Fridge_26", 0.91, 1.65, 0.66), ("Fridge_11", 0.91, 1.97, 0.72),
                                    ("Fridge_3", 1.16, 2.00, 0.76))),
    "GarbageCan": ((0.44, 0.56, 0.37), (("bin_7", 0.40, 0.56, 0.30), ("bin_9", 0.45, 0.64, 0.33), ("bin_20", 0.46, 0.66, 0.53))),
    "HousePlant": ((0.36, 0.65, 0.39), (("Houseplant_4", 0.24, 0.47, 0.41), ("Houseplant_10", 0.41, 0.50, 0.33),
                                        ("Houseplant_21", 0.62, 0.67, 0.53))),
    "Kettle": ((0.20, 0.19, 0.21), (("Kettle_1", 0.20, 0.19, 0.21),)),
    "Laptop": ((0.40, 0.29, 0.30), (("Laptop_5", 0.36, 0.27, 0.28), ("Laptop_29", 0.39, 0.31, 0.29),
                                    ("Laptop_16", 0.44, 0.36, 0.35))),
    "LaundryHamper": ((0.55, 0.74, 0.43), (("Laundry_Hamper_1_1", 0.45, 0.60, 0.35), ("Laundry_Hamper_1_4", 0.66, 0.88, 0.51))),
    "Microwave": ((0.61, 0.35, 0.36), (("Microwave_6", 0.61, 0.35, 0.35), ("Microwave_28", 0.61, 0.40, 0.36),
                                       ("Microwave_20", 0.70, 0.35, 0.37))),
    "Mug": ((0.13, 0.10, 0.09), (("Mug_2", 0.11, 0.10, 0.09), ("Mug_1", 0.13, 0.10, 0.10))),
    "Ottoman": ((0.85, 0.43, 0.52), (("Ottoman_205_1", 0.77, 0.48, 0.46), ("Ottoman_208_1", 0.86, 0.42, 0.52),
                                     ("Ottoman_210_1", 0.83, 0.44, 0.85))),
    "Painting": ((0.81, 0.61, 0.03), (("Wall_Decor_Photo_1V", 0.53, 0.39, 0.03), ("Wall_Decor_Painting_7", 0.90, 0.67, 0.02),
                                      ("Wall_Decor_Photo_2", 0.96, 0.66, 0.03))),
    "Pan": ((0.28, 0.05, 0.43), (("Pan_28", 0.31, 0.05, 0.26), ("Pan_4", 0.28, 0.05, 0.42), ("Pan_11", 0.28, 0.07, 0.43))),
    "Pillow": ((0.43, 0.14, 0.35), (("pillow_17", 0.41, 0.11, 0.31), ("pillow_19", 0.43, 0.14, 0.32),
                                    ("pillow_15", 0.44, 0.18, 0.40))),
    "Plate": ((0.24, 0.02, 0.24), (("Plate_22", 0.19, 0.02, 0.19), ("Plate_6", 0.27, 0.02, 0.27), ("Plate_29", 0.24, 0.03, 0.24))),
    "Pot": ((0.29, 0.16, 0.31), (("Pot_14", 0.34, 0.13, 0.27), ("Pot_26", 0.39, 0.16, 0.27), ("Pot_13", 0.32, 0.16, 0.52))),
    "RoomDecor": ((0.30, 1.34, 0.37), (("Room_Decor_1_1", 0.28, 1.23, 0.34), ("Room_Decor_1_2", 0.33, 1.45, 0.40))),
    "Safe": ((0.40, 0.40, 0.45), (("Safe_18_2", 0.30, 0.30, 0.34), ("Safe_18_1", 0.50, 0.51, 0.56))),
    "ShelvingUnit": ((0.91, 1.44, 0.34), (("Shelving_Unit_303_1", 1.06, 0.60, 0.18), ("Shelving_Unit_325_1", 0.92, 1.41, 0.34),
                                          ("Shelving_Unit_325_2", 1.12, 2.21, 0.42))),
    "SideTable": ((0.62, 0.66, 0.39), (("Side_Table_201_3_1", 0.34, 0.60, 0.34), ("Side_Table_222_2_1", 0.61, 0.87, 0.34),
                                       ("Side_Table_202_1", 1.02, 0.72, 0.65))),
    "Sink": ((0.66, 0.15, 0.46), (("Sink_21", 0.59, 0.11, 0.45), ("Sink_23", 0.59, 0.15, 0.51), ("Sink_15", 0.73, 1.02, 0.63))),
    "Sofa": ((2.40, 0.92, 0.93), (("Sofa_207_1", 1.96, 0.82, 0.91), ("Sofa_210_1", 2.70, 0.79, 1.07),
                                  ("Sofa_218_1", 2.72, 1.17, 1.21))),
    "Statue": ((0.19, 0.35, 0.15), (("Dog_Statue_3", 0.27, 0.21, 0.13), ("Hand_Statue_1", 0.38, 0.14, 0.21),
                                    ("Waving_Statue_1", 0.21, 0.36, 0.20))),
    "Stool": ((0.41, 0.67, 0.32), (("Stool_1_1", 0.31, 0.76, 0.31), ("Stool_3_1", 0.36, 0.58, 0.37), ("Stool_2_1", 0.59, 0.76, 0.38))),
    "TVStand": ((1.20, 0.71, 0.60), (("TV_Stand_223_1", 1.02, 0.71, 0.35), ("TV_Stand_211_1", 1.42, 0.59, 0.63),
                                     ("TV_Stand_204_1", 1.22, 0.69, 0.90))),
    "TableTopDecor": ((0.40, 0.14, 0.31), (("Tabletop_Decor_1_1", 0.40, 0.14, 0.31),)),
    "Television": ((1.14, 0.82, 0.31), (("Television_16", 1.08, 0.62, 0.15), ("Television_5", 1.14, 0.81, 0.32),
                                        ("Television_8", 1.00, 0.80, 0.56))),
    "Toilet": ((0.53, 0.99, 0.92), (("Toilet_2", 0.54, 0.95, 0.86), ("Toilet_1", 0.53, 1.04, 0.97))),
    "Vase": ((0.18, 0.21, 0.18), (("Vase_Flat_3", 0.15, 0.07, 0.15), ("Vase_Medium_5", 0.18, 0.19, 0.18),
                                  ("Vase_Tall_3", 0.17, 0.29, 0.17))),
    "WashingMachine": ((0.68, 1.05, 0.69), (("Washing_Machine_2", 0.69, 0.96, 0.70), ("Washing_Machine_1", 0.68, 1.15, 0.68))),
    "WineBottle": ((0.09, 0.33, 0.09), (("Wine_Bottle_1", 0.09, 0.33, 0.09),)),
}

# door / window hole assets: assetId -> (hole width, hole height) in metres. Interior door frames
# ("Doorframe_<n>") use the hole of "Doorway_<n>".
_HOLES: dict[str, tuple[float, float]] = {
    "Doorway_1": (1.07, 2.13), "Doorway_2": (0.99, 2.07), "Doorway_9": (1.00, 2.07), "Doorway_Double_1": (1.99, 2.13),
    "Window_Fixed_36x48": (0.91, 1.21), "Window_Fixed_60x48": (1.52, 1.21), "Window_Fixed_60x72": (1.52, 1.82),
    "Window_Fixed_96x48": (2.44, 1.22), "Window_Hung_32x60": (0.81, 1.57), "Window_Hung_48x44": (1.22, 1.27),
    "Window_Slider_48x36": (1.21, 0.91),
}

# asset names whose leading words are not their objectType (see type_from_asset_id)
_NAME_ALIASES = {"bin": "GarbageCan", "garbagebin": "GarbageCan", "walldecor": "Painting", "decorativebox": "Box",
                 "officechair": "Chair"}
_NAME_SUFFIXES = {"statue": "Statue"}
# leading words that name another AI2-THOR type which starts like a known one ("Toilet_Paper_Hanger_3")
_NOT_TYPES = {"toiletpaper"}
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def _words(asset_id: str) -> list[str]:
    """Leading name words of an assetId: the "RoboTHOR_" prefix dropped, split on "_" and camel case,
    cut at the first part holding a digit ("Countertop_C_10x4" -> [Countertop, C])."""
    s = asset_id[len("RoboTHOR_"):] if asset_id.lower().startswith("robothor_") else asset_id
    words: list[str] = []
    for part in s.split("_"):
        for w in _WORD.findall(part):
            if w.isdigit():
                return words
            words.append(w)
        if any(ch.isdigit() for ch in part):
            return words
    return words


def type_from_asset_id(asset_id: str, known_types) -> str | None:
    """objectType of a ProcTHOR assetId from its name alone, among `known_types` (an iterable of type
    names): the longest run of leading words that spells a known type, case and "_" ignored
    ("Alarm_Clock_4" -> "AlarmClock", "RoboTHOR_pillow_dvala_v" -> "Pillow"), a few naming exceptions
    ("bin_7" -> "GarbageCan", "Dog_Statue_3" -> "Statue"), else None."""
    lower = {t.lower(): t for t in known_types}
    words = _words(str(asset_id))
    for k in range(len(words), 0, -1):
        key = "".join(words[:k]).lower()
        if key in _NOT_TYPES:
            return None
        hit = lower.get(key) or lower.get(_NAME_ALIASES.get(key, "").lower())
        if hit:
            return hit
    if words:
        suffix = _NAME_SUFFIXES.get(words[-1].lower())
        if suffix and suffix.lower() in lower:
            return lower[suffix.lower()]
    return None


def type_label_from_asset_id(asset_id: str) -> str | None:
    """Camel-cased leading words of an assetId ("Soap_Bottle_1" -> "SoapBottle"): a readable label for
    an asset of a type simgen does not know (used for counting skipped objects), or None."""
    words = _words(str(asset_id))
    return "".join(w[:1].upper() + w[1:] for w in words) or None


def _builtin() -> dict:
    return {"source": "builtin", "path": None,
            "assets": {t: [tuple(r) for r in rows] for t, (_typ, rows) in _TYPES.items()},
            "type_sizes": {t: tuple(typ) for t, (typ, _rows) in _TYPES.items()},
            "holes": dict(_HOLES)}


@lru_cache(maxsize=1)
def _procthor_package_database() -> Path | None:
    """asset-database.json inside an installed `procthor` package (found with importlib.resources;
    procthor/__init__.py only sets a version string), or None."""
    from importlib import resources

    try:
        res = resources.files("procthor").joinpath("databases", "asset-database.json")
    except (ModuleNotFoundError, TypeError):
        return None
    try:
        return Path(str(res)) if res.is_file() else None
    except OSError:
        return None


def database_path() -> Path | None:
    """The user's ProcTHOR asset database: $SIMGEN_PROCTHOR_ASSETS (ConfigError if set but missing),
    else the installed procthor package's copy, else None (the built-in table is used)."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        p = Path(env).expanduser()
        if not p.is_file():
            raise ConfigError(f"{ENV_VAR}={env}: no such file (point it at ProcTHOR's asset-database.json)")
        return p
    return _procthor_package_database()


def _finite_pos(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) and f > 0 else None


def parse_asset_database(data) -> dict[str, list[tuple[str, float, float, float]]]:
    """{objectType: [(assetId, x, y, z)]} from asset-database.json's parsed JSON
    ({key: [{"assetId", "boundingBox": {"x", "y", "z"}, "objectType"?}, ...]}); the row's objectType
    wins over its key. Malformed rows are skipped (counted in a warning); ConfigError if none is valid."""
    if not isinstance(data, dict):
        raise ConfigError("ProcTHOR asset database: expected a JSON object {objectType: [assets]}")
    out: dict[str, list[tuple[str, float, float, float]]] = {}
    bad = 0
    for key, rows in data.items():
        for row in rows if isinstance(rows, list) else []:
            bb = row.get("boundingBox") if isinstance(row, dict) else None
            aid = row.get("assetId") if isinstance(row, dict) else None
            size = [_finite_pos(bb.get(k)) for k in ("x", "y", "z")] if isinstance(bb, dict) else [None]
            if not isinstance(aid, str) or not aid or None in size:
                bad += 1
                continue
            t = row.get("objectType") if isinstance(row.get("objectType"), str) and row.get("objectType") else str(key)
            out.setdefault(t, []).append((aid, size[0], size[1], size[2]))
    if bad:
        log.warning("ProcTHOR asset database: %d malformed rows skipped", bad)
    if not out:
        raise ConfigError("ProcTHOR asset database: no asset with an assetId and a boundingBox")
    return out


def parse_wall_holes(data) -> dict[str, tuple[float, float]]:
    """{assetId: (width, height)} from wall-holes.json's parsed JSON ({assetId: {"min", "max"}})."""
    out = {}
    for aid, box in (data.items() if isinstance(data, dict) else []):
        try:
            w = float(box["max"]["x"]) - float(box["min"]["x"])
            h = float(box["max"]["y"]) - float(box["min"]["y"])
        except (KeyError, TypeError, ValueError):
            continue
        if math.isfinite(w) and math.isfinite(h) and w > 0 and h > 0:
            out[str(aid)] = (w, h)
    return out


def _median(values: list[float]) -> float:
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"{path}: not a readable JSON file ({e})") from e


@lru_cache(maxsize=4)
def _table(path_key: tuple[str, int, int] | None) -> dict:
    table = _builtin()
    if path_key is None:
        return table
    path = Path(path_key[0])
    db = parse_asset_database(_read_json(path))
    for t, rows in db.items():
        merged = {r[0]: r for r in table["assets"].get(t, [])}
        merged.update({r[0]: r for r in rows})                # the user's rows win over the built-in ones
        table["assets"][t] = sorted(merged.values())
        table["type_sizes"][t] = tuple(_median([r[i] for r in rows]) for i in (1, 2, 3))
    holes_path = path.with_name("wall-holes.json")
    if holes_path.is_file():
        table["holes"].update(parse_wall_holes(_read_json(holes_path)))
    table["source"], table["path"] = "procthor-database", str(path)
    log.info("ProcTHOR asset database %s: %d assets of %d types", path, sum(len(r) for r in db.values()), len(db))
    return table


def _key() -> tuple[str, int, int] | None:
    p = database_path()
    if p is None:
        return None
    st = p.stat()
    return (str(p.resolve()), st.st_mtime_ns, st.st_size)


def asset_table() -> dict:
    """The asset table in use: {"source": "builtin" | "procthor-database", "path": str | None,
    "assets": {objectType: [(assetId, x, y, z)]}, "type_sizes": {objectType: (x, y, z)},
    "holes": {assetId: (width, height)}} (metres, THOR asset frame). Reloaded when the user's database
    path or file changes; do not mutate the result."""
    return _table(_key())


@lru_cache(maxsize=4)
def _index(path_key) -> dict[str, tuple[str, tuple[float, float, float]]]:
    return {a: (t, (float(x), float(y), float(z))) for t, rows in _table(path_key)["assets"].items()
            for a, x, y, z in rows}


def asset_index() -> dict[str, tuple[str, tuple[float, float, float]]]:
    """{assetId: (objectType, (x, y, z) metres)} for every asset of asset_table()."""
    return _index(_key())
