"""Read-only view of one scene's saved files (scene.json, camera.json, frames.jsonl content) with the
definitions every question and program shares: how an object is named, when it is clearly seen,
when it is first covered, which room each frame is in, which frames a k-frame sampling keeps."""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import cached_property

import numpy as np

from simgen.annotate import geometry as geo

SAMPLINGS = (16, 32, 64)
SEEN_VIS = 0.5          # a frame shows an object when vis_fraction >= 0.5 ...
SEEN_PX_640 = 150       # ... and it has >= 150 px at 640x480 (scaled with the image area)
# the coverage rule of docs/format.md (camera preset defaults)
COVER_VIS, COVER_PX_640, COVER_CORNERS, COVER_DIST_M = 0.7, 300, 0.9, 4.0


def sample_indices(n_frames: int, k: int) -> np.ndarray:
    """Uniformly sampled frame indices (as VSI-Bench evaluators do): k evenly spaced over the clip."""
    if k >= n_frames:
        return np.arange(n_frames)
    return np.unique(np.round(np.linspace(0, n_frames - 1, k)).astype(int))


class SceneView:
    """Plain dictionaries in, cached derived facts out. Nothing here mutates its inputs."""

    def __init__(self, scene: dict, camera: dict, frames: list[dict]):
        self.scene, self.camera, self.frames = scene, camera, frames
        self.n_frames = len(camera["frames"])
        self.width, self.height = int(camera["width"]), int(camera["height"])
        scale = self.width * self.height / (640 * 480)
        self.seen_px = max(1, int(round(SEEN_PX_640 * scale)))
        self.cover_px = max(1, int(round(COVER_PX_640 * scale)))
        self.objects = {o["id"]: o for o in scene["objects"] if o.get("kind") == "object"}
        self.by_frame = {fr["index"]: {o["id"]: o for o in fr["objects"]} for fr in frames}
        self._cache: dict = {}

    def cache(self, key, compute):
        """Memoise an expensive derived value (distances, the free-space map) on this view."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    # ---------------------------------------------------------------- names
    @cached_property
    def by_category(self) -> dict[str, list[int]]:
        out = defaultdict(list)
        for oid in sorted(self.objects):
            out[self.objects[oid]["category"]].append(oid)
        return dict(out)

    @cached_property
    def labels(self) -> dict[int, str]:
        """Unambiguous noun phrase per object: "sofa" when its category is unique in the scene,
        "red chair" when its colour is unique within the category; objects without one are absent."""
        cc = Counter((o["category"], o.get("color")) for o in self.objects.values())
        out = {}
        for oid, o in self.objects.items():
            cat = o["category"].replace("_", " ")
            if len(self.by_category[o["category"]]) == 1:
                out[oid] = cat
            elif cc[(o["category"], o.get("color"))] == 1 and o.get("color"):
                out[oid] = f"{o['color']} {cat}"
        return out

    def unique_category(self, oid: int) -> bool:
        return len(self.by_category[self.objects[oid]["category"]]) == 1

    # ---------------------------------------------------------------- visibility
    def seen(self, oid: int, frame: int) -> bool:
        r = self.by_frame.get(frame, {}).get(oid)
        return r is not None and r["vis_fraction"] >= SEEN_VIS and r["visible_px"] >= self.seen_px

    def covered_in(self, oid: int, frame: int) -> bool:
        r = self.by_frame.get(frame, {}).get(oid)
        return (r is not None and r["vis_fraction"] >= COVER_VIS and r["visible_px"] >= self.cover_px
                and r.get("corners_inside", 1.0) >= COVER_CORNERS and r["distance_m"] <= COVER_DIST_M)

    @cached_property
    def first_covered(self) -> dict[int, int | None]:
        """First frame in which each object meets the coverage rule (None: never)."""
        out = {oid: None for oid in self.objects}
        for fr in sorted(self.by_frame):
            for oid in self.by_frame[fr]:
                if oid in out and out[oid] is None and self.covered_in(oid, fr):
                    out[oid] = fr
        return out

    @cached_property
    def first_visible(self) -> dict[int, int | None]:
        """First frame with at least `seen_px` visible pixels (any visibility fraction)."""
        out = {oid: None for oid in self.objects}
        for fr in sorted(self.by_frame):
            for oid, r in self.by_frame[fr].items():
                if oid in out and out[oid] is None and r["visible_px"] >= self.seen_px:
                    out[oid] = fr
        return out

    def is_covered(self, oid: int) -> bool:
        return self.first_covered.get(oid) is not None

    def seen_frames(self, oid: int) -> list[int]:
        return [f for f in sorted(self.by_frame) if self.seen(oid, f)]

    @cached_property
    def sampled(self) -> dict[str, set[int]]:
        out = {str(k): set(sample_indices(self.n_frames, k).tolist()) for k in SAMPLINGS}
        out["all"] = set(range(self.n_frames))
        return out

    def answerable(self, objects=(), frames=()) -> dict[str, bool]:
        """Per sampling: the referenced frames are kept and every object is seen in a kept frame."""
        out = {}
        for k, keep in self.sampled.items():
            ok = all(f in keep for f in frames)
            ok = ok and all(any(self.seen(o, f) for f in keep) for o in objects)
            out[k] = bool(ok)
        return out

    def evidence(self, objects) -> list[int]:
        """The best frame of each object (highest vis_fraction, ties: more pixels, earlier)."""
        out = set()
        for oid in objects:
            best = None
            for f in sorted(self.by_frame):
                r = self.by_frame[f].get(oid)
                if r is not None:
                    key = (r["vis_fraction"], r["visible_px"])
                    if best is None or key > best[0]:
                        best = (key, f)
            if best is not None:
                out.add(best[1])
        return sorted(out)

    # ---------------------------------------------------------------- rooms
    @cached_property
    def frame_rooms(self) -> list[str | None]:
        return [geo.room_of_point(self.scene, geo.camera_position(self.camera, i)[:2])
                for i in range(self.n_frames)]

    def rooms_shown(self, min_fraction: float = 0.1) -> list[str]:
        """Rooms the camera stands in for >= min_fraction of the frames, in order of first entry."""
        c = Counter(r for r in self.frame_rooms if r is not None)
        order = []
        for r in self.frame_rooms:
            if r is not None and r not in order and c[r] >= min_fraction * self.n_frames:
                order.append(r)
        return order

    def dominant_room(self) -> str | None:
        c = Counter(r for r in self.frame_rooms if r is not None)
        return min(c, key=lambda r: (-c[r], r)) if c else None

    def room(self, rid: str) -> dict:
        return next(r for r in self.scene["rooms"] if r["id"] == rid)
