"""Exact coverage of candidate poses (PlannerGL) and the set cover that picks the viewpoints.

Exact evaluation of a pose: a low-resolution instance render plus the solo pixel counts of every
object in it (simgen.cameras.planner_gl, batched: many poses per read-back), then the coverage rule
itself with margins: vis >= cover_vis + vis_margin(solo px) (0.05 for small objects down to 0.015 for
large ones, measured), visible px >= PX_MARGIN (1.3) x the threshold scaled to the low resolution,
>= cover_corners_inside of the box corners inside the image shrunk by 2 % per side, centre <=
cover_max_distance_m - 0.1. Claims are confirmed again at the delivered frames' own poses
(simgen.cameras.checks), and the final frames are verified at full resolution.

Set cover: lazy greedy. Candidates are ranked by their geometric gain (simgen.cameras.views); the
top ones are evaluated exactly in batches and a candidate is accepted only if its exact gain still
beats every other candidate's current estimate. Objects left uncovered get a targeted search: for
each, the best-placed reachable cells looking straight at it (continuous yaw, the scene's pitch or one
that centres the object, simgen.cameras.views.targeted_views), 8 then 24 more per object, evaluated
exactly in batches and covered greedily.
"""

from __future__ import annotations

import heapq
import logging

import numpy as np

from simgen.cameras.views import ObjectBoxes, camera_rotation, corners_in_image, scaled_min_px

log = logging.getLogger(__name__)
VIS_MARGIN = 0.05       # exact claims need vis >= cover_vis + vis_margin(solo px), at most this
VIS_MARGIN_MIN = 0.015  # ... and at least this
PX_MARGIN = 1.3        # ... and visible px >= this x the threshold scaled to the low resolution
# the set cover's framing search skips an object drawn in its targeted views but never above this vis: on
# high scenes 0-5 (54 objects left after the targeted views) the objects it found had a targeted best vis
# of 0.69-0.75 or were never drawn (a ceiling lamp the targeted pitches missed); from below 0.6 none was
FRAMING_MIN_VIS = 0.6


def vis_margin(solo_px: float) -> float:
    """The vis margin of an exact claim for an object of `solo_px` pixels alone in the low-resolution render.

    The low-resolution vis differs from the full-resolution one by rasterisation at the occluders' edges,
    which shrinks with the object's size in pixels. Measured on 4 243 object views (run seed 0 of `high`,
    scenes 0-4, 60 random free-space poses each, rendered at 160x120 and at 640x480): the full-resolution
    vis fell below the low-resolution one by at most 0.27 for 25-100 px (solo, low resolution), 0.031
    for 100-300 px, 0.023 for 300-1 000 px and 0.012 above 1 000 px. 0.75 / sqrt(px), clipped to
    VIS_MARGIN_MIN..VIS_MARGIN, is 0.05 below 225 px (as before; small objects' worst cases exceed it and
    the full-resolution check then reports them), 0.043 at 300 px, 0.024 at 1 000 px and 0.015 from
    2 500 px: above every measured shortfall from 100 px up. Pose offsets need no margin here: claims are
    confirmed again at the delivered frames (simgen.cameras.checks.confirm_claims)."""
    return float(np.clip(0.75 / np.sqrt(max(solo_px, 1.0)), VIS_MARGIN_MIN, VIS_MARGIN))


class ExactViews:
    """Exact coverage (with margins) of poses at the scene's eye height and pitch, via a PlannerGL."""

    def __init__(self, planner_gl, scene, cfg, boxes: ObjectBoxes, eye_h: float, pitch: float):
        from simgen.core.transforms import intrinsics_from_hfov

        self.gl, self.cfg, self.boxes = planner_gl, cfg, boxes
        self.eye_h, self.pitch = eye_h, pitch
        self.w, self.h = planner_gl.size
        self.K = intrinsics_from_hfov(self.w, self.h, cfg.hfov_deg)
        self.min_px = PX_MARGIN * scaled_min_px(cfg.cover_min_px, self.w, self.h)
        self.index = {int(i): k for k, i in enumerate(boxes.ids)}
        self.n_evals = 0
        self._cache: dict[tuple, tuple[set[int], dict[int, float]]] = {}
        planner_gl.load_scene(scene)

    def pose(self, xy, yaw: float, pitch: float | None = None) -> np.ndarray:
        T = np.eye(4)
        T[:3, :3] = camera_rotation(float(yaw), self.pitch if pitch is None else float(pitch))
        T[:3, 3] = [xy[0], xy[1], self.eye_h]
        return T

    def covered(self, xy, yaw: float, pitch: float | None = None) -> tuple[set[int], dict[int, float]]:
        """(indices of objects covered with margins, {index: vis} of every object seen)."""
        return self.evaluate([(xy, yaw, pitch)])[0]

    def evaluate(self, views, only: set[int] | None = None) -> list[tuple[set[int], dict[int, float]]]:
        """covered() of many (xy, yaw) or (xy, yaw, pitch down) views (pitch None = the scene's), in batches.
        only: object indices to consider (the others are left out: fewer solo draws); not cached."""
        keys = []
        for v in views:
            pitch = v[2] if len(v) > 2 and v[2] is not None else self.pitch
            keys.append((round(float(v[0][0]), 6), round(float(v[0][1]), 6), round(float(v[1]), 6),
                         round(float(pitch), 6)))
        cache = self._cache if only is None else {}
        todo = sorted({k for k in keys if k not in cache})
        if todo:
            poses = [self.pose(k[:2], k[2], k[3]) for k in todo]
            inst = self.gl.instances(self.K, poses)
            self.n_evals += len(todo)
            jobs, pre = [], []
            for pose, im in zip(poses, inst):
                cands, vis = self._candidates(pose, im)
                if only is not None:
                    cands = [c for c in cands if c[0] in only]
                pre.append((cands, vis))
                jobs.append((pose, [i for _k, i, _c in cands]))
            solos = self.gl.solo_counts_many(self.K, jobs)
            for key, (cands, vis), solo in zip(todo, pre, solos):
                out = set()
                for k, i, c in cands:
                    s = max(solo.get(int(i), c), c)
                    vis[k] = c / s
                    if c / s >= min(0.99, self.cfg.cover_vis + vis_margin(s)):
                        out.add(k)
                cache[key] = (out, vis)
        return [cache[k] for k in keys]

    def _candidates(self, pose: np.ndarray, inst: np.ndarray):
        """Objects in the render passing the pixel, distance and corner rules: [(index, id, px)], {index: 0}."""
        ids, counts = np.unique(inst[inst > 0], return_counts=True)
        eye, R = pose[:3, 3], pose[:3, :3]
        ks = np.array([self.index.get(int(i), -1) for i in ids], dtype=np.int64)
        keep = ks >= 0
        ids, counts, ks = ids[keep], counts[keep], ks[keep]
        vis = {int(k): 0.0 for k in ks}
        if len(ks) == 0:
            return [], vis
        cc = (self.boxes.corners[ks] - eye) @ R                      # (n, 8, 3) camera frame
        z = cc[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            u = self.K[0, 0] * cc[..., 0] / z + self.K[0, 2]
            v = self.K[1, 1] * cc[..., 1] / z + self.K[1, 2]
        inside = corners_in_image(u, v, z, self.w, self.h).mean(axis=1)
        dist = np.linalg.norm(self.boxes.centers[ks] - eye, axis=1)
        ok = ((counts >= self.min_px) & (dist <= self.cfg.cover_max_distance_m - 0.1)
              & (inside >= self.cfg.cover_corners_inside) & np.all(z > 0.05, axis=1))
        return [(int(k), int(i), int(c)) for k, i, c in zip(ks[ok], ids[ok], counts[ok])], vis


def set_cover(claims: np.ndarray, quality: np.ndarray, cand_xy: np.ndarray, cand_yaw: np.ndarray,
              exact: ExactViews | None, max_exact: int = 400, batch: int = 8,
              targeted=None, framing=None) -> tuple[list[tuple[int | tuple, set[int]]], set[int], dict[int, dict]]:
    """Lazy greedy set cover. Returns ([(candidate index or (x, y, yaw), object indices it covers)], uncovered,
    {uncovered object index: why}) — why (targeted search only, see no_view_reason) is {"reason": ...,
    "views": targeted views evaluated, "best_vis": best exact vis among them or None}.

    claims (C, N) bool geometric claims; quality (C, N) tie-break scores; cand_xy (C, 2); cand_yaw (C,).
    targeted: callable(object index, n) -> up to n [(xy, yaw, pitch or None)] views to try for an object
    nothing covered yet (best first). framing: callable(object index) -> [(xy, yaw, pitch)], the last
    search for an object the targeted views left uncovered: many more of its views over the whole pitch
    range (simgen.cameras.views.best_framing_views), evaluated for that object alone.

    Without `exact` the geometric claims are taken as they are. With it, two lazy heaps: candidates not
    evaluated yet (keyed by their geometric gain, discounted by the running ratio of exact to geometric
    gains seen so far) and evaluated ones (keyed by their exact gain); the best evaluated candidate is
    taken when it beats the best discounted estimate, else the next `batch` estimates are evaluated."""
    C, N = claims.shape
    uncovered = set(range(N))
    exact_sets: dict[int, set[int]] = {}
    chosen: list[tuple[int | tuple, set[int]]] = []

    def key(c, s):
        return -(len(s) + 1e-3 * float(quality[c, list(s)].sum()))

    def geo_gain(c):
        return set(np.nonzero(claims[c])[0].tolist()) & uncovered

    def top(heap, gain):
        """Refresh the top of a lazy heap; returns (gain set, candidate) or None."""
        while heap:
            k, c = heap[0]
            s = gain(c)
            if not s:
                heapq.heappop(heap)
                continue
            if abs(key(c, s) - k) < 1e-12:
                return s, c
            heapq.heapreplace(heap, (key(c, s), c))
        return None

    geo = [(key(c, set(np.nonzero(claims[c])[0].tolist())), c) for c in range(C) if claims[c].any()]
    heapq.heapify(geo)
    ex: list = []
    ratio_num = ratio_den = 0.0
    while uncovered:
        if exact is None:
            t = top(geo, geo_gain)
            if t is None:
                break
            chosen.append((t[1], t[0]))
            uncovered -= t[0]
            continue
        te = top(ex, lambda c: exact_sets[c] & uncovered)
        budget = exact.n_evals < max_exact
        tg = top(geo, geo_gain) if budget else None
        ratio = min(1.0, max(0.3, ratio_num / ratio_den)) if ratio_den > 0 else 1.0
        if te is not None and (tg is None or len(te[0]) >= ratio * len(tg[0])):
            chosen.append((te[1], te[0]))
            uncovered -= te[0]
            continue
        if tg is None:
            break
        group = []
        while geo and len(group) < min(batch, max_exact - exact.n_evals):
            t = top(geo, geo_gain)
            if t is None:
                break
            heapq.heappop(geo)
            group.append((t[1], len(t[0])))
        res = exact.evaluate([(cand_xy[c], cand_yaw[c]) for c, _ in group])
        for (c, g_geo), (s, _vis) in zip(group, res):
            exact_sets[c] = s
            g = s & uncovered
            ratio_num += len(g)
            ratio_den += g_geo
            if g:
                heapq.heappush(ex, (key(c, g), c))
    n_greedy = exact.n_evals if exact is not None else 0
    n_views: dict[int, int] = {}
    best_vis: dict[int, float] = {}      # per object: best vis in its own targeted views (-1 never drawn)
    if exact is not None and targeted is not None:
        # every left-over object's targeted views evaluated in one batch, then a greedy cover of them; a
        # second, wider round (the next 24 views of each) for the objects still left over
        for lo, hi in ((0, 8), (8, 32)):
            if not uncovered:
                break
            views, owner = [], []
            for k in sorted(uncovered):
                mine = [(v[0], v[1], v[2] if len(v) > 2 else None) for v in targeted(k, hi)[lo:]]
                views += mine
                owner += [k] * len(mine)
                n_views[k] = n_views.get(k, 0) + len(mine)
            res = exact.evaluate(views) if views else []
            for k, (_cov, vis) in zip(owner, res):
                best_vis[k] = max(best_vis.get(k, -1.0), vis.get(k, -1.0))
            while uncovered and res:
                gains = [len(r[0] & uncovered) for r in res]
                best = int(np.argmax(gains))
                if gains[best] == 0:
                    break
                xy, yaw, pitch = views[best]
                s = res[best][0] & uncovered
                chosen.append(((float(xy[0]), float(xy[1]), float(yaw), None if pitch is None else float(pitch)), s))
                uncovered -= s
        if uncovered and framing is not None:
            found = set()
            for k in sorted(uncovered):
                prior = best_vis.get(k, -1.0)
                if 0.0 <= prior < FRAMING_MIN_VIS:
                    continue
                views = framing(k)
                if not views:
                    continue
                res = exact.evaluate(views, only={k})
                n_views[k] = n_views.get(k, 0) + len(views)
                vis = [r[1].get(k, -1.0) for r in res]
                best_vis[k] = max(best_vis.get(k, -1.0), max(vis))
                hits = [i for i, r in enumerate(res) if k in r[0]]
                if hits:
                    i = max(hits, key=lambda i: (vis[i], -i))          # the clearest; the first of equals
                    xy, yaw, pitch = views[i]
                    chosen.append(((float(xy[0]), float(xy[1]), float(yaw), float(pitch)), {k}))
                    found.add(k)
                log.debug("framing search: object %d, targeted best vis %.3f, framing best %.3f, %d views, found %s",
                          k, prior, max(vis), len(views), bool(hits))
            uncovered -= found
    log.info("set cover: %d views, %d exact evaluations in the greedy, %d in the targeted search, %d uncovered",
             len(chosen), n_greedy, (exact.n_evals if exact is not None else 0) - n_greedy, len(uncovered))
    why = {k: no_view_reason(n_views.get(k, 0), best_vis.get(k, -1.0)) for k in sorted(uncovered)} \
        if exact is not None and targeted is not None else {}
    return chosen, uncovered, why


def no_view_reason(n_views: int, best_vis: float) -> dict:
    """Why the targeted search found no view of an object (its own views, exact evaluation):
    `no_framing_view`: no reachable cell within range frames the whole box with enough estimated pixels;
    `hidden`: in none of its views' renders; `small_or_cut`: drawn, but under the pixel threshold, cut by
    the image border or too far in all of them; `occluded`: passes those, best vis below the threshold."""
    if n_views == 0:
        reason = "no_framing_view"
    elif best_vis < 0.0:
        reason = "hidden"
    elif best_vis == 0.0:
        reason = "small_or_cut"
    else:
        reason = "occluded"
    return {"reason": reason, "views": int(n_views), "best_vis": round(float(best_vis), 3) if best_vis > 0 else None}
