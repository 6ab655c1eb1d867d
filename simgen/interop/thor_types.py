"""AI2-THOR / ProcTHOR conventions in one place: the frame change, rotations, the category <-> object-type
table and the choice of ProcTHOR assets by size (the asset names and sizes: simgen.interop.thor_catalog).

Frames
- simgen world: right-handed, +Z up, metres; asset frame: front +X, left +Y, up +Z.
- AI2-THOR (Unity) world: left-handed, +Y up, metres. A top-down picture of a house keeps x to the right
  and THOR z upwards, so a point maps as (x, y, z)_simgen -> (x, z, y)_thor (an axis swap: a reflection,
  which is exactly what turns a right-handed frame into Unity's left-handed one, so nothing is mirrored).
- THOR asset frame: front +z, up +y, right +x (ProcTHOR places a rotation-0 object with its front space
  on +z). So THOR local x/y/z = simgen local -y/+z/+x.
- THOR rotations are Unity Euler angles in degrees, applied z, then x, then y (R = Ry @ Rx @ Rz with the
  ordinary rotation matrices in THOR coordinates). A simgen yaw (counter-clockwise from +x, radians)
  becomes rotation.y = 90 - degrees(yaw).
- Object `position` in a ProcTHOR house is the centre of the object's bounding box (ProcTHOR sets
  y = height / 2 for floor objects), in world coordinates also for children.
"""

from __future__ import annotations

import math

import numpy as np

from simgen.interop.thor_catalog import asset_index, asset_table, type_from_asset_id  # noqa: F401  (re-exported)

# THOR world from simgen world (and back: a permutation is its own inverse)
THOR_FROM_SIM = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
# simgen asset-local axes of THOR's local x (right), y (up), z (front), as columns
SIM_LOCAL_FROM_THOR_LOCAL = np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])

# simgen category -> (AI2-THOR objectType or None, "exact" | "proxy" | "none").
# "proxy": the closest ProcTHOR type; the simgen category survives in house["metadata"]["simgen"].
# "none": ProcTHOR has no asset that stands in (left out of `objects`, kept in the metadata).
CATEGORY_TO_THOR: dict[str, tuple[str | None, str]] = {
    "armchair": ("ArmChair", "exact"), "backpack": ("Box", "proxy"), "bathtub": (None, "none"),
    "bed": ("Bed", "exact"), "bench": ("Ottoman", "proxy"), "book": ("Book", "exact"),
    "book_stack": ("Book", "proxy"), "bookshelf": ("ShelvingUnit", "exact"), "bottle": ("Bottle", "exact"),
    "bowl": ("Bowl", "exact"), "box": ("Box", "exact"), "cabinet": ("Dresser", "proxy"),
    "ceiling_lamp": (None, "none"), "chair": ("Chair", "exact"), "clock": ("AlarmClock", "proxy"),
    "coffee_table": ("CoffeeTable", "exact"), "cup": ("Cup", "exact"), "desk": ("Desk", "exact"),
    "dining_table": ("DiningTable", "exact"), "door": (None, "none"), "dresser": ("Dresser", "exact"),
    "floor_lamp": ("FloorLamp", "exact"), "keyboard": (None, "none"),
    "kitchen_counter": ("CounterTop", "exact"), "laptop": ("Laptop", "exact"),
    "microwave": ("Microwave", "exact"), "monitor": ("Desktop", "proxy"), "mug": ("Mug", "exact"),
    "nightstand": ("SideTable", "proxy"), "office_chair": ("Chair", "proxy"), "oven": (None, "none"),
    "picture_frame": ("Painting", "exact"), "pillow": ("Pillow", "exact"), "plate": ("Plate", "exact"),
    "potted_plant": ("HousePlant", "exact"), "radiator": (None, "none"),
    "refrigerator": ("Fridge", "exact"), "rug": (None, "none"), "shelf": ("ShelvingUnit", "proxy"),
    "side_table": ("SideTable", "exact"), "sink": ("Sink", "exact"), "sofa": ("Sofa", "exact"),
    "stool": ("Stool", "exact"), "stove": (None, "none"), "table_lamp": ("DeskLamp", "exact"),
    "television": ("Television", "exact"), "toilet": ("Toilet", "exact"),
    "trash_can": ("GarbageCan", "exact"), "tv_stand": ("TVStand", "exact"), "vase": ("Vase", "exact"),
    "wardrobe": ("Dresser", "proxy"), "washing_machine": ("WashingMachine", "exact"),
    "window": (None, "none"),
}

# AI2-THOR objectType -> simgen category for imports. Exact pairs first, then stand-ins for THOR types
# simgen has no generator for. Types missing here (food, cutlery, toiletries...) are skipped on import.
THOR_TO_CATEGORY: dict[str, str] = {
    **{t: c for c, (t, kind) in CATEGORY_TO_THOR.items() if kind == "exact" and t is not None},
    "WineBottle": "bottle", "Ottoman": "bench", "Footstool": "stool", "AlarmClock": "clock",
    "Desktop": "monitor", "LaundryHamper": "trash_can", "ClothesDryer": "washing_machine",
    "Safe": "box", "Statue": "vase", "TableTopDecor": "vase", "RoomDecor": "vase", "Kettle": "bottle",
    "Pot": "bowl", "Pan": "plate", "Candle": "bottle",
}

# simgen room type <-> ProcTHOR roomType (ProcTHOR has four)
ROOM_TO_THOR = {"living_room": "LivingRoom", "bedroom": "Bedroom", "kitchen": "Kitchen",
                "bathroom": "Bathroom", "office": "LivingRoom", "dining_room": "LivingRoom",
                "hallway": "LivingRoom"}
THOR_TO_ROOM = {"LivingRoom": "living_room", "Bedroom": "bedroom", "Kitchen": "kitchen",
                "Bathroom": "bathroom"}


def thor_size_from_sim(size_m) -> np.ndarray:
    """simgen asset size (depth x, width y, height z) -> THOR bounding box size (x width, y height, z depth)."""
    s = np.asarray(size_m, dtype=np.float64)
    return np.array([s[1], s[2], s[0]])


def sim_size_from_thor(size_xyz) -> np.ndarray:
    """THOR bounding box size (x width, y height, z depth) -> simgen (depth, width, height)."""
    s = np.asarray(size_xyz, dtype=np.float64)
    return np.array([s[2], s[0], s[1]])


def closest_asset(thor_type: str, size_xyz) -> tuple[str, tuple[float, float, float]]:
    """The ProcTHOR asset of `thor_type` (in asset_table(): the built-in few, or the user's database)
    whose bounding box is closest to `size_xyz` (THOR x, y, z metres): least sum of squared log ratios,
    so 10 % too big and 10 % too small weigh the same. Ties: the first listed. Returns (assetId, size)."""
    rows = asset_table()["assets"][thor_type]
    want = np.log(np.maximum(np.asarray(size_xyz, dtype=np.float64), 1e-3))
    best, best_cost = None, math.inf
    for a, x, y, z in rows:
        cost = float(np.sum((np.log(np.maximum([x, y, z], 1e-3)) - want) ** 2))
        if cost < best_cost - 1e-12:
            best, best_cost = (a, (float(x), float(y), float(z))), cost
    assert best is not None
    return best


def closest_hole(prefix: str, width_m: float, height_m: float) -> str:
    """Door/window asset (assetId starting with `prefix`: "Doorway_", "Doorframe_" or "Window_") whose
    wall hole is closest to width x height (Doorframes share their Doorway's hole)."""
    holes = asset_table()["holes"]
    cands = []
    for a, (w, h) in holes.items():
        name = a.replace("Doorway", "Doorframe") if prefix.startswith("Doorframe") else a
        if name.startswith(prefix):
            cands.append((abs(math.log(w / width_m)) + abs(math.log(h / height_m)), name))
    if not cands:
        raise KeyError(f"no ProcTHOR hole asset starts with {prefix!r}")
    return min(cands)[1]


def sim_to_thor_point(p) -> dict:
    """simgen world (x, y, z) -> THOR {"x", "y", "z"} (metres)."""
    x, y, z = (float(v) for v in p)
    return {"x": x, "y": z, "z": y}


def thor_to_sim_point(d: dict) -> np.ndarray:
    """THOR {"x", "y", "z"} -> simgen world (3,) float64."""
    return np.array([float(d["x"]), float(d["z"]), float(d["y"])])


def _rx(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _ry(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _rz(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def unity_euler_to_matrix(euler_deg: dict) -> np.ndarray:
    """Unity Euler angles {"x", "y", "z"} in degrees -> (3, 3) rotation in THOR coordinates (Ry Rx Rz)."""
    x, y, z = (math.radians(float(euler_deg.get(k, 0.0))) for k in ("x", "y", "z"))
    return _ry(y) @ _rx(x) @ _rz(z)


def matrix_to_unity_euler(R: np.ndarray) -> dict:
    """(3, 3) rotation in THOR coordinates -> Unity Euler {"x", "y", "z"} degrees, y in [0, 360), x and z in
    (-180, 180]. R = Ry(y) Rx(x) Rz(z): R[1, 2] = -sin x."""
    R = np.asarray(R, dtype=np.float64)
    sx = -R[1, 2]
    x = math.asin(max(-1.0, min(1.0, sx)))
    if abs(sx) < 1.0 - 1e-9:
        y = math.atan2(R[0, 2], R[2, 2])
        z = math.atan2(R[1, 0], R[1, 1])
    else:                                    # gimbal lock: put everything in y
        y = math.atan2(-R[2, 0], R[0, 0])
        z = 0.0
    return {"x": math.degrees(x), "y": math.degrees(y) % 360.0, "z": math.degrees(z)}


def thor_rotation_from_sim(R_sim: np.ndarray) -> dict:
    """World-from-asset rotation of a simgen object (3, 3) -> THOR Euler degrees of the same object."""
    R = THOR_FROM_SIM @ np.asarray(R_sim, dtype=np.float64) @ SIM_LOCAL_FROM_THOR_LOCAL
    return matrix_to_unity_euler(R)


def sim_rotation_from_thor(euler_deg: dict) -> np.ndarray:
    """THOR Euler degrees of an object -> simgen world-from-asset rotation (3, 3)."""
    return THOR_FROM_SIM @ unity_euler_to_matrix(euler_deg) @ SIM_LOCAL_FROM_THOR_LOCAL.T


def thor_yaw_deg(yaw_rad: float) -> float:
    """simgen yaw (front (cos, sin) in world xy, radians) -> THOR rotation.y in [0, 360) degrees."""
    return (90.0 - math.degrees(yaw_rad)) % 360.0


def anchor_offset_local(placement: str, against_wall: bool, size_from, size_to) -> np.ndarray:
    """(3,) simgen asset-frame vector from the centre of a box of `size_from` to the centre of a box of
    `size_to` (both simgen (depth, width, height), metres) that shares the first one's anchor: the bottom
    face for floor and surface objects, the top for ceiling objects, and the back face (-x) for wall
    objects and floor objects that stand against a wall. A ProcTHOR asset that stands in for a simgen
    object of another size thus rests where the simgen object rests."""
    a = np.asarray(size_from, dtype=np.float64)
    b = np.asarray(size_to, dtype=np.float64)
    ax = 1.0 if (placement == "wall" or against_wall) else 0.0
    az = {"floor": 1.0, "surface": 1.0, "ceiling": -1.0}.get(placement, 0.0)
    return np.array([ax * (b[0] - a[0]) / 2, 0.0, az * (b[2] - a[2]) / 2])
