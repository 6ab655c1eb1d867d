"""Support capacity of a room program: which requested small object goes on which support surface.

The program only requests a small object when one of the room's requested floor or wall holders has
a support surface it fits on (footprint inside the surface's bounding box in some right-angle
orientation, height under its clearance, the holder allowed for the category: pillows on seats and
beds, lamps on nightstands...) with count capacity and footprint area left (`PACKING` of the surface
area). The chosen surface becomes the item's `plan`, tried first by the surface stage. This keeps the
request feasible, so that the optimizer can honour it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from shapely.geometry import Polygon

PACKING = 0.5               # fraction of a support surface's area that small objects may cover
MARGIN_M = 0.03             # footprint margin inside a surface's bounding box
MIN_CLEARANCE_M = 0.06      # surfaces lower than this are not used (same as the surface stage)


@dataclass
class PlanSlot:
    key: int
    category: str
    name: str
    w_m: float
    h_m: float
    area_m2: float
    clearance_m: float
    capacity: int
    used_n: int = 0
    used_m2: float = 0.0


class SupportPlan:
    def __init__(self, capacity_scale: float, ceiling_m: float = np.inf):
        self.scale = capacity_scale
        self.ceiling_m = ceiling_m
        self.slots: list[PlanSlot] = []

    def add_holder(self, item) -> None:
        """Register the support surfaces of a requested floor or wall item (floor items: clearance
        clamped to the ceiling; a wall item's height is not known yet)."""
        for s in item.asset.supports:
            clear = float(s.clearance_m)
            if item.placement == "floor":
                clear = min(clear, self.ceiling_m - 0.02 - float(s.height_m))
            if clear < MIN_CLEARANCE_M:
                continue
            p = Polygon(s.polygon)
            x0, y0, x1, y1 = p.bounds
            self.slots.append(PlanSlot(item.key, item.category, s.name, x1 - x0, y1 - y0, float(p.area),
                                       clear, max(1, int(np.ceil(s.capacity * self.scale)))))

    def fits(self, slot: PlanSlot, category: str, ext) -> bool:
        from simgen.scenes.fill import _allowed

        if not _allowed(category, SimpleNamespace(name=slot.name, category=slot.category)):
            return False
        if ext[2] > slot.clearance_m - 0.01 or slot.used_n >= slot.capacity:
            return False
        a = float(ext[0] * ext[1])
        if slot.used_m2 + a > PACKING * slot.area_m2 and slot.used_n > 0:
            return False
        if a > 0.8 * slot.area_m2:
            return False
        ex, ey = ext[0] + MARGIN_M, ext[1] + MARGIN_M
        return (ex <= slot.w_m and ey <= slot.h_m) or (ey <= slot.w_m and ex <= slot.h_m)

    def assign(self, item, prefer_key: int | None = None, only_preferred: bool = False) -> bool:
        """Reserve a surface for `item` (the one with the most free area; `prefer_key`'s first)."""
        ext = item.asset.extents_m
        ok = [s for s in self.slots if self.fits(s, item.category, ext)]
        if prefer_key is not None:
            ok = [s for s in ok if s.key == prefer_key] or ([] if only_preferred else ok)
        if not ok:
            return False
        s = max(ok, key=lambda s: (s.area_m2 * PACKING - s.used_m2, -s.key))
        s.used_n += 1
        s.used_m2 += float(ext[0] * ext[1])
        item.plan = (s.key, s.name)
        return True

    def could_fit(self, category: str, min_ext) -> bool:
        """Whether any surface could take the smallest variant of a category (extents lower bounds)."""
        return any(self.fits(s, category, min_ext) for s in self.slots)
