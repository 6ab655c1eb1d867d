"""What goes into a room: the category catalogue (with wall mounting heights), group templates
(rigid units laid out as one), and the per-room object program with its requested relations.

Items are provisional objects identified by an integer `key`; the optimizer turns the ones it can
place into PlacedObjects. Requested relations refer to keys and are evaluated after the solve.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from simgen.scenes.supportplan import SupportPlan

# Wall categories' mounting range: z of the asset's base above the floor (metres). The asset specs
# have no such field yet (asked of the assets owner); this table is the layout's source meanwhile.
MOUNT_BASE_Z_M = {
    "radiator": (0.10, 0.15),          # standard 100-150 mm floor clearance below a panel radiator
    "picture_frame": (1.20, 1.50),     # centre near eye height (~1.45-1.7 m)
    "clock": (1.55, 1.85),
    "shelf": (1.00, 1.80),
    "television": (1.00, 1.40),        # a wall-mounted TV (the category is normally on a stand)
}
DEFAULT_MOUNT_BASE_Z_M = (1.2, 1.6)


def mount_range(category: str, height_m: float | None = None) -> tuple[float, float]:
    """Mounting range (low, high) of a wall item's base above the floor (metres): the asset spec's
    `mount_height_range_m` when it gives one (height_m: the asset's height, for centre-referenced
    specs), else MOUNT_BASE_Z_M, else DEFAULT_MOUNT_BASE_Z_M."""
    try:
        from simgen.assets.specs import mount_height_range_m
    except ImportError:                         # older asset module without mounting heights
        mount_height_range_m = None
    if mount_height_range_m is not None:
        r = mount_height_range_m(category, height_m)
        if r is not None and r[1] >= r[0]:
            return float(r[0]), float(r[1])
    return MOUNT_BASE_Z_M.get(category, DEFAULT_MOUNT_BASE_Z_M)
_SKIP = {"door", "window", "rug"}       # structure, or flat items needing overlap rules (not placed)
# categories with variants that tip over on their own in pybullet (backpacks lean 6-34 deg, 2 of 3 floor
# lamp variants fall: reported to the assets owner): a variant is requested only if it stands alone
TIPPY = {"backpack", "floor_lamp"}
TIPPY_TRIES = 4
# categories suited as counting duplicates
COUNTING = ("chair", "potted_plant", "book", "mug", "cup", "bottle", "plate", "pillow", "vase", "box",
            "picture_frame", "stool", "bowl", "trash_can")


@dataclass(frozen=True)
class CategoryInfo:
    name: str
    placement: str
    rooms: tuple[str, ...]
    against_wall: bool
    mount_base_z_m: tuple[float, float]
    has_supports: bool


def catalog(include: tuple[str, ...], exclude: tuple[str, ...]) -> dict[str, CategoryInfo]:
    """Every usable category (after the preset's include/exclude lists) with what placement needs."""
    from simgen import assets

    out = {}
    for name in assets.categories():
        if name in _SKIP or name in exclude or (include and name not in include):
            continue
        s = assets.spec(name)
        out[name] = CategoryInfo(name=name, placement=s.placement, rooms=tuple(s.room_types),
                                 against_wall=bool(s.against_wall),
                                 mount_base_z_m=mount_range(name),
                                 has_supports=bool(s.supports.get("surfaces")))
    return out


@dataclass
class Item:
    """A requested object. placement: floor | wall | surface | ceiling."""

    key: int
    category: str
    placement: str
    asset: object
    group: str | None = None              # group id
    support_key: int | None = None        # surface items anchored to a group member
    anchor: str | None = None             # "centre" | "back" | "front" on the support
    optional: bool = True
    plan: tuple | None = None             # surface items: (holder key, support name) chosen by the program
    fill: bool = False                    # floor fill beyond the preset's count, toward the occupancy target:
    #                                       placed last, best effort, not counted as requested


@dataclass
class GroupSpec:
    id: str
    kind: str
    keys: list[int]                       # member item keys (floor members, anchor first)
    local: list[tuple[float, float, float]]   # member pose in the unit frame (x, y, yaw)
    against_wall: bool
    clear_front_m: float = 0.0


@dataclass
class RoomProgram:
    room_id: str
    items: list[Item] = field(default_factory=list)
    groups: list[GroupSpec] = field(default_factory=list)
    relations: list[dict] = field(default_factory=list)
    requested: dict = field(default_factory=dict)
    occupancy: float = 0.0                # the room's floor_occupancy draw (footprints / floor area)


# room type -> group templates, in order of importance
ROOM_GROUPS = {
    "bedroom": ("bed", "desk"), "living_room": ("lounge", "dining"), "dining_room": ("dining",),
    "kitchen": ("kitchen_run", "dining"), "office": ("desk", "lounge"), "bathroom": ("bath",),
    "hallway": (),
}


# Floor footprint the floor stage can pack with a walkway for the camera carrier from every door to a
# view of every object (bench layout: occupancy p50 0.37 at high, 0.43-0.45 at extreme): floor items
# beyond it, or beyond the preset's count, are fill (tried last, best effort, not counted as requested)
PACKABLE_FRACTION = 0.45
GROUPS_AREA_FRACTION = 0.75  # groups with their margins may take this much of a room's floor
GROUP_MARGIN_M = 0.7       # free floor a group needs around it (walkway, pulled-out chairs, front access)


def fits_rect(poly, w_m: float, h_m: float) -> bool:
    """Whether an axis-parallel w x h rectangle fits inside the (axis-parallel) room polygon in either
    orientation: the polygon, scaled so that the rectangle becomes a square, eroded by half its side."""
    from shapely import affinity

    for a, b in ((w_m, h_m), (h_m, w_m)):
        q = affinity.scale(poly, xfact=b / a, yfact=1.0, origin=(0, 0))
        if not q.buffer(-b / 2 + 1e-6, join_style="mitre").is_empty:
            return True
    return False


def draw_asset(cat: str, rng: np.random.Generator):
    """A fresh asset of `cat`; of a TIPPY category, the first of TIPPY_TRIES draws that stands alone on
    a bare floor (physics.stands_alone), else None."""
    from simgen import assets

    for _ in range(TIPPY_TRIES if cat in TIPPY else 1):
        asset = assets.make(cat, rng)
        if cat not in TIPPY:
            return asset
        from simgen.scenes.physics import stands_alone

        if stands_alone(asset):
            return asset
    return None


class _Builder:
    def __init__(self, prog: RoomProgram, cats: dict, rng: np.random.Generator, first_key: int, poly=None):
        self.prog, self.cats, self.rng, self.next_key = prog, cats, rng, first_key
        self.poly = poly                  # the room polygon (shapely): groups are sized to fit it
        self.counts: Counter = Counter()
        self.used_m2 = 0.0                # floor the groups so far take, with their margins

    def fits(self, w_m: float, h_m: float) -> bool:
        return self.poly is None or fits_rect(self.poly, w_m, h_m)

    def room_for(self, area_m2: float) -> bool:
        """Whether the groups so far plus area_m2 (with their margins) stay within GROUPS_AREA_FRACTION."""
        return self.poly is None or self.used_m2 + area_m2 <= GROUPS_AREA_FRACTION * self.poly.area

    def item(self, cat: str, placement: str | None = None, **kw) -> Item | None:
        if cat not in self.cats:
            return None
        asset = draw_asset(cat, self.rng)
        if asset is None:
            return None
        it = Item(key=self.next_key, category=cat, placement=placement or self.cats[cat].placement,
                  asset=asset, **kw)
        self.next_key += 1
        self.counts[cat] += 1
        self.prog.items.append(it)
        return it

    def undo(self, it: Item) -> None:
        """Withdraw a requested item (and the relations that name it) before the solve."""
        self.prog.items.remove(it)
        self.counts[it.category] -= 1
        self.prog.relations = [r for r in self.prog.relations if not _names(r, it.key)]

    def rel(self, rtype: str, subject, obj=None, **params):
        self.prog.relations.append({"type": rtype, "subject": subject, "object": obj, "params": params})


def _names(r: dict, key: int) -> bool:
    o = r["object"]
    return r["subject"] == key or o == key or (isinstance(o, list) and key in o) or r["params"].get("about") == key


def _min_ext(cat: str) -> tuple[float, float, float]:
    from simgen import assets

    sz = assets.spec(cat).size
    return (sz["x_m"][0], sz["y_m"][0], sz["z_m"][0])


def _bed(b: _Builder, gid: str) -> GroupSpec | None:
    bed = b.item("bed", group=gid)
    if bed is None:
        return None
    bx, by = bed.asset.extents_m[:2]
    keys, local = [bed.key], [(0.0, 0.0, 0.0)]
    ns = []
    for side in (-1, 1):
        it = b.item("nightstand", group=gid)
        if it is None:
            break
        nx, ny = it.asset.extents_m[:2]
        keys.append(it.key)
        local.append((-bx / 2 + nx / 2, side * (by / 2 + ny / 2 + 0.03), 0.0))
        ns.append(it.key)
    if len(ns) == 2:
        b.rel("symmetric_pair", ns[0], ns[1], about=bed.key)
    for k in ns:
        b.rel("near", k, bed.key, max_m=0.15)
        if b.rng.random() < 0.7:
            lamp = b.item("table_lamp", group=gid, support_key=k, anchor="centre")
            if lamp is not None:
                b.rel("on", lamp.key, k)
    b.used_m2 += (bx + 0.6 + GROUP_MARGIN_M) * (by + 1.0)
    b.rel("against_wall", bed.key)
    b.rel("front_clearance", bed.key, None, depth_m=0.6)
    return GroupSpec(gid, "bed", keys, local, against_wall=True, clear_front_m=0.6)


def _dining(b: _Builder, gid: str) -> GroupSpec | None:
    table = b.item("dining_table", group=gid)
    if table is None:
        return None
    chair_cat = "chair" if "chair" in b.cats else ("stool" if "stool" in b.cats else None)
    tx, ty = table.asset.extents_m[:2]
    keys, local, chairs = [table.key], [(0.0, 0.0, 0.0)], []
    n = int(b.rng.integers(2, 7)) if chair_cat else 0
    if chair_cat:                                  # as many chairs as the table's long sides seat
        cx_m, cy_m = cats_size(chair_cat)
        per_side_max = max(1, int((ty + 0.1) // (cy_m + 0.1)))
        n = min(n, 2 * per_side_max)
        # and as the room has floor for: table and chairs with GROUP_MARGIN_M around them, fitting the room
        # and, with the groups before it, within GROUPS_AREA_FRACTION of its floor
        def dims(n):
            return (tx + 2 * (cx_m + 0.06) + 2 * GROUP_MARGIN_M,
                    max(ty, ((n + 1) // 2) * (cy_m + 0.1)) + 2 * GROUP_MARGIN_M)

        while n > 2 and not (b.fits(*dims(n)) and b.room_for(float(np.prod(dims(n))))):
            n -= 1
        b.used_m2 += float(np.prod(dims(n)))
    per_side = [(n + 1) // 2, n // 2]
    for side, k in zip((1, -1), per_side):
        for i in range(k):
            it = b.item(chair_cat, group=gid)
            cx, cy = it.asset.extents_m[:2]
            y = (i - (k - 1) / 2) * max(cy + 0.1, ty / max(k, 1))
            keys.append(it.key)
            local.append((side * (tx / 2 + cx / 2 + 0.06), y, np.pi if side > 0 else 0.0))
            chairs.append(it.key)
    if chairs:
        b.rel("around", table.key, chairs)
        for k in chairs:
            b.rel("faces", k, table.key)
    b.rel("parallel_to_wall", table.key)
    return GroupSpec(gid, "dining", keys, local, against_wall=False)


def _desk(b: _Builder, gid: str) -> GroupSpec | None:
    desk = b.item("desk", group=gid)
    if desk is None:
        return None
    dx = desk.asset.extents_m[0]
    keys, local = [desk.key], [(0.0, 0.0, 0.0)]
    cat = "office_chair" if "office_chair" in b.cats else ("chair" if "chair" in b.cats else None)
    if cat:
        ch = b.item(cat, group=gid)
        keys.append(ch.key)
        local.append((dx / 2 + ch.asset.extents_m[0] / 2 + 0.05, 0.0, np.pi))
        b.rel("faces", ch.key, desk.key)
    mon = b.item("monitor", group=gid, support_key=desk.key, anchor="back")
    if mon is not None:
        b.rel("on", mon.key, desk.key)
        b.rel("centred_on_support", mon.key, desk.key, tol_m=0.1)
        kb = b.item("keyboard", group=gid, support_key=desk.key, anchor="front")
        if kb is not None:
            b.rel("in_front_of", kb.key, mon.key)
    b.rel("against_wall", desk.key)
    return GroupSpec(gid, "desk", keys, local, against_wall=True, clear_front_m=0.0)


def _lounge(b: _Builder, gid: str) -> GroupSpec | None:
    sofa = b.item("sofa", group=gid)
    if sofa is None:
        return None
    sx, sy = sofa.asset.extents_m[:2]
    keys, local = [sofa.key], [(0.0, 0.0, 0.0)]
    ct = b.item("coffee_table", group=gid)
    if ct is not None:
        keys.append(ct.key)
        local.append((sx / 2 + 0.4 + ct.asset.extents_m[0] / 2, 0.0, 0.0))
        b.rel("in_front_of", ct.key, sofa.key)
        b.rel("near", ct.key, sofa.key, max_m=0.6)
    st = b.item("side_table", group=gid) if b.rng.random() < 0.6 else None
    if st is not None:
        ex, ey = st.asset.extents_m[:2]
        keys.append(st.key)
        local.append((-sx / 2 + ex / 2, sy / 2 + ey / 2 + 0.05, 0.0))
        b.rel("near", st.key, sofa.key, max_m=0.15)
    b.used_m2 += (sx + 0.4 + 0.5 + GROUP_MARGIN_M) * (sy + GROUP_MARGIN_M)
    b.rel("against_wall", sofa.key)
    # the TV unit is a separate unit tied by soft relations (faces the sofa from 1.8-4 m)
    tv_stand = b.item("tv_stand", optional=True)
    if tv_stand is not None:
        tv = b.item("television", support_key=tv_stand.key, anchor="centre")
        b.rel("faces", tv_stand.key, sofa.key, weight=2.0)
        b.rel("distance_range", tv_stand.key, sofa.key, min_m=1.8, max_m=4.0)
        b.rel("faces", sofa.key, tv_stand.key)
        if tv is not None:
            b.rel("on", tv.key, tv_stand.key)
            b.rel("centred_on_support", tv.key, tv_stand.key, tol_m=0.1)
    return GroupSpec(gid, "lounge", keys, local, against_wall=True, clear_front_m=0.0)


def row_local(extents) -> list[tuple[float, float, float]]:
    """Member poses (x, y, yaw) in a row's unit frame: side by side 1 cm apart, backs on one line (the
    wall), centred on the row. extents: each member's (x, y, z) size (m)."""
    depth = max(e[0] for e in extents)
    width = sum(e[1] for e in extents) + 0.01 * (len(extents) - 1)
    out, y = [], -width / 2
    for e in extents:
        out.append((-depth / 2 + e[0] / 2, y + e[1] / 2, 0.0))
        y += e[1] + 0.01
    return out


def _row(b: _Builder, gid: str, kind: str, cats: list[str]) -> GroupSpec | None:
    its = [b.item(c, group=gid) for c in cats]
    its = [i for i in its if i is not None]
    # a row stands against one wall: as long as the room has a wall for, with front access (0.7 m) and
    # GROUP_MARGIN_M of floor in front of that
    while len(its) > 1 and not b.fits(max(i.asset.extents_m[0] for i in its) + 0.7 + GROUP_MARGIN_M,
                                      sum(i.asset.extents_m[1] for i in its) + 0.01 * len(its) + 0.2):
        cats_now = [i.category for i in its]        # a repeated member (a second counter) goes first
        j = max((k for k, c in enumerate(cats_now) if cats_now.count(c) > 1), default=len(its) - 1)
        b.undo(its.pop(j))
    if not its:
        return None
    depth = max(i.asset.extents_m[0] for i in its)
    width = sum(i.asset.extents_m[1] for i in its) + 0.01 * (len(its) - 1)
    b.used_m2 += (depth + 0.7 + GROUP_MARGIN_M) * (width + 0.2)
    keys = [i.key for i in its]
    local = row_local([i.asset.extents_m for i in its])
    if len(keys) >= 2:
        b.rel("aligned_row", keys[0], keys[1:])
    return GroupSpec(gid, kind, keys, local, against_wall=True, clear_front_m=0.7)


def _kitchen_run(b: _Builder, gid: str):
    n_counters = int(b.rng.integers(1, 3))
    cats = ["kitchen_counter"] * n_counters + ["stove"]
    if b.rng.random() < 0.5:
        cats.insert(1, "kitchen_counter")
    return _row(b, gid, "kitchen_run", cats)


def _bath(b: _Builder, gid: str):
    return _row(b, gid, "bath", ["toilet", "sink"])


TEMPLATES = {"bed": _bed, "dining": _dining, "desk": _desk, "lounge": _lounge, "kitchen_run": _kitchen_run,
             "bath": _bath}


def cats_size(cat: str) -> tuple[float, float]:
    """Mid-range (x, y) size of a category from its spec (metres)."""
    from simgen import assets

    sz = assets.spec(cat).size
    return (sum(sz["x_m"]) / 2, sum(sz["y_m"]) / 2)


_SEAT_HOLDERS = {"sofa", "armchair", "bed"}
_LAMP_HOLDERS = {"nightstand", "side_table", "desk", "dresser"}
_BIG_ITEMS = {"microwave": {"kitchen_counter", "cabinet", "dresser", "desk", "dining_table"},
              "laptop": {"desk", "dining_table", "coffee_table", "kitchen_counter", "dresser", "cabinet"}}


def _has_support_for(cat: str, holders: set) -> bool:
    """Whether a requested small object has a compatible support among the room's furniture."""
    if cat == "pillow":
        return bool(holders & _SEAT_HOLDERS)
    if cat == "table_lamp":
        return bool(holders & _LAMP_HOLDERS)
    if cat in _BIG_ITEMS:
        return bool(holders & _BIG_ITEMS[cat])
    return True


def build_program(room, cats: dict[str, CategoryInfo], counts: dict[str, int], enabled_groups: tuple[str, ...],
                  n_duplicates: int, max_duplicates: int, capacity_scale: float, rng: np.random.Generator,
                  first_key: int, occupancy: float = 0.3) -> RoomProgram:
    """The requested objects of one room. counts: {"floor", "wall", "surface", "ceiling"} targets."""
    prog = RoomProgram(room_id=room.id, requested=dict(counts), occupancy=float(occupancy))
    from shapely.geometry import Polygon

    b = _Builder(prog, cats, rng, first_key, Polygon(room.polygon) if getattr(room, "polygon", None) else None)
    for gi, kind in enumerate(g for g in ROOM_GROUPS.get(room.type, ()) if g in enabled_groups):
        if gi > 0 and counts["floor"] < 6:
            break
        spec = TEMPLATES[kind](b, f"{room.id}/g{gi}_{kind}")
        if spec is not None:
            prog.groups.append(spec)
    in_room = {n: c for n, c in cats.items() if room.type in c.rooms}

    def pool(placement):
        return sorted(n for n, c in in_room.items() if c.placement == placement) or \
            sorted(n for n, c in cats.items() if c.placement == placement)

    floor_pool, wall_pool, surf_pool = pool("floor"), pool("wall"), pool("surface")
    if room.type != "living_room":
        wall_pool = [c for c in wall_pool if c != "television"]
    dup_cat = None
    cands = [c for c in COUNTING if c in cats and (c in in_room or c in ("book", "mug", "potted_plant"))]
    if n_duplicates > 0 and cands:
        dup_cat = cands[int(rng.integers(len(cands)))]

    def capacity():
        cap = 0.0
        for it in prog.items:
            if it.placement in ("floor", "wall") and not it.fill:
                cap += sum(s.capacity for s in it.asset.supports if s.clearance_m >= 0.12
                           and not s.name.startswith("seat") and it.category != "bed") * capacity_scale
        return cap

    def footprint(requested_only: bool = False):
        return sum(float(np.prod(i.asset.extents_m[:2])) for i in prog.items
                   if i.placement == "floor" and not (requested_only and i.fill))

    n_floor = lambda: sum(i.placement == "floor" for i in prog.items)  # noqa: E731
    n_surface = lambda: sum(i.placement == "surface" for i in prog.items)  # noqa: E731
    if dup_cat and cats[dup_cat].placement == "floor":
        for _ in range(n_duplicates + 1):
            b.item(dup_cat)
    area_budget = occupancy * room.area_m2
    small_fp = {c for c in floor_pool if np.prod(cats_size(c)) < 0.3}
    guard = 0
    # the count is met first; short of the footprint budget, up to 25 % more floor items are tried as
    # fill (best effort, placed after everything requested, reported apart from the requested items);
    # items past PACKABLE_FRACTION of the floor are fill too
    extra_floor = int(np.ceil(0.25 * counts["floor"]))
    while guard < 200 and floor_pool and (n_floor() < counts["floor"] or (
            n_floor() < counts["floor"] + extra_floor and footprint() < 0.9 * area_budget)):
        guard += 1
        need_support = capacity() < 1.1 * counts["surface"]
        opts = [c for c in floor_pool if b.counts[c] <= max_duplicates]
        if footprint() > area_budget:            # over the footprint budget: only small items
            opts = [c for c in opts if c in small_fp]
        if need_support:
            opts = [c for c in opts if cats[c].has_supports] or opts
        fresh = [c for c in opts if b.counts[c] == 0]
        opts = fresh or opts
        if not opts:
            break
        left = area_budget - footprint()
        if left > 0 and len(opts) > 3:           # steer sizes so that the floor budget is met, not overshot
            target = left / max(1, counts["floor"] - n_floor())
            opts = sorted(opts, key=lambda c: (abs(np.log(max(np.prod(cats_size(c)), 1e-3) / target)), c))[:3]
        c = opts[int(rng.integers(len(opts)))]
        it = b.item(c)
        if it is None:                           # no variant of it stands alone: not requested
            floor_pool = [x for x in floor_pool if x != c]
        elif n_floor() > counts["floor"] or footprint(requested_only=True) > PACKABLE_FRACTION * room.area_m2:
            it.fill = True
    n_wall = counts["wall"]
    for _ in range(n_wall):
        opts = [c for c in wall_pool if b.counts[c] <= max_duplicates] or wall_pool
        if not opts:
            break
        b.item(opts[int(rng.integers(len(opts)))])
    for _ in range(counts["ceiling"]):
        if "ceiling_lamp" in cats:
            b.item("ceiling_lamp")
    # small objects: only what the requested holders' surfaces can take (see supportplan.py)
    plan = SupportPlan(capacity_scale, getattr(room, "height_m", np.inf))
    for it in prog.items:
        if it.placement in ("floor", "wall") and not it.fill:    # fill may not be placed: holds no request
            plan.add_holder(it)
    from simgen import assets

    for it in list(prog.items):                   # anchored group items (monitor, TV, lamps) first
        if it.placement != "surface":
            continue
        for _ in range(3):                         # on their own holder only: resample to fit, else withdraw
            if plan.assign(it, prefer_key=it.support_key, only_preferred=True):
                break
            it.asset = assets.make(it.category, rng)
        else:
            b.undo(it)
    holders = {i.category for i in prog.items if i.placement in ("floor", "wall")}
    surf_pool = [c for c in surf_pool if _has_support_for(c, holders) and plan.could_fit(c, _min_ext(c))]

    def add_surface(cat) -> bool:
        for _ in range(3):                         # a variant that fits, else give the category up
            it = b.item(cat)
            if plan.assign(it):
                return True
            b.undo(it)
        return False

    if dup_cat and cats[dup_cat].placement == "surface" and dup_cat in surf_pool:
        for _ in range(min(n_duplicates + 1, max(0, counts["surface"] - n_surface()))):
            if not add_surface(dup_cat):
                break
    guard = 0
    while n_surface() < counts["surface"] and guard < 400 and surf_pool:
        guard += 1
        opts = [c for c in surf_pool if b.counts[c] <= max_duplicates and c not in ("television", "monitor")]
        fresh = [c for c in opts if b.counts[c] == 0]
        opts = fresh or opts or surf_pool
        c = opts[int(rng.integers(len(opts)))]
        if not add_surface(c):
            surf_pool.remove(c)
    for cat, n in sorted(Counter(i.category for i in prog.items if not i.fill).items()):
        prog.relations.append({"type": "count", "subject": cat, "object": None, "params": {"min": n}})
    prog.next_key = b.next_key  # type: ignore[attr-defined]
    return prog
