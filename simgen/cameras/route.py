"""Routes between stops and the timeline of pieces through them.

Router: shortest free-space paths on the grid (Dijkstra rows cached per source), string-pulled with
some slack from the free-space border, resampled every 2 cm and Gaussian-smoothed as much as the free
space allows (ends kept in place).

build_pieces: the stops become legs (simgen.cameras.motion.leg_piece), split only where the walk must
stop: the start, the end, explicit holds (scripted waypoints), stops with a gaze point (orbit), where
the path reverses (turn between arriving and leaving > 100 deg), viewpoints closer than 0.8 m to the
previous or next stop, and viewpoints whose look heading is more than `pass_through_deg` off the
walking direction there (look-around: stop, turn, hold `hold_s`, go on). Every other viewpoint is passed through without stopping, the heading blended into its look
heading around it. Between two stops up to SHORT_STEP_M apart both ways are timed and the quicker taken:
turn toward the walking direction, walk, turn to the look; or a look-around step (step there while
turning to the next look, simgen.cameras.motion.step_piece).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import shapely
from scipy.ndimage import gaussian_filter1d

from simgen.cameras.freespace import grid_path, string_pull
from simgen.cameras.motion import (Stop, angle_diff, hold_piece, leg_piece, spline_path, step_piece, turn_piece,
                                   wrap_near)

STEP_M = 0.02
MIN_PASS_ROOM_M = 0.8     # a viewpoint is passed through only with this much path before and after it
START_TURN_RAD = np.deg2rad(60.0)   # legs start/end up to this far off the walking heading (turning while walking)


def _smooth_path(pts: np.ndarray, free, step_m: float = 0.02) -> np.ndarray:
    """Resample a polyline at step_m and smooth it, keeping it inside `free` (less smoothing if not)."""
    d = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))]
    if len(pts) < 2 or d[-1] < 1e-6:
        return pts[:1]
    s = np.linspace(0.0, d[-1], max(2, int(np.ceil(d[-1] / step_m)) + 1))
    res = np.stack([np.interp(s, d, pts[:, 0]), np.interp(s, d, pts[:, 1])], axis=1)
    return _smooth_sigma(res, s, free, step_m)[0]


def _smooth_sigma(res: np.ndarray, s: np.ndarray, free, step_m: float, sigmas=(0.35, 0.25, 0.15, 0.08, 0.04)):
    """(smoothed polyline, sigma used) for a resampled polyline res (n, 2) at arc lengths s (n,)."""
    for sigma_m in sigmas:
        # blend the smoothed curve in from both ends so the ends stay put without a kink
        ramp = np.clip(np.minimum(s, s[-1] - s) / (2.5 * sigma_m), 0.0, 1.0)
        b = (ramp ** 3 * (10 - 15 * ramp + 6 * ramp ** 2))[:, None]
        sm = res + b * (gaussian_filter1d(res, sigma_m / step_m, axis=0, mode="nearest") - res)
        if np.all(shapely.contains_xy(free, sm[:, 0], sm[:, 1])):
            return sm, sigma_m
    return res, 0.0


def _best_smooth(pulls: list[np.ndarray], free, step_m: float = 0.02) -> np.ndarray:
    """The smoothest of several string-pulled versions of one path."""
    best = None
    for pts in pulls:
        d = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))]
        if len(pts) < 2 or d[-1] < 1e-6:
            return pts[:1]
        s = np.linspace(0.0, d[-1], max(2, int(np.ceil(d[-1] / step_m)) + 1))
        res = np.stack([np.interp(s, d, pts[:, 0]), np.interp(s, d, pts[:, 1])], axis=1)
        sm, sigma = _smooth_sigma(res, s, free, step_m)
        if best is None or sigma > best[1]:
            best = (sm, sigma)
    return best[0]


class Router:
    """Shortest smoothed free-space paths between grid nodes (Dijkstra rows cached per source)."""

    def __init__(self, grid, free, slack_m: float = 0.12):
        self.grid, self.free, self._rows, self._paths = grid, free, {}, {}
        # string pulling keeps `slack_m` from the free-space border where it can, so smoothing has room
        self.inner = free.buffer(-slack_m)
        self.margin = free.buffer(-0.04)       # splines through sharp corners overshoot by a few cm
        shapely.prepare(self.inner)
        shapely.prepare(self.margin)

    def _row(self, src: int):
        if src not in self._rows:
            d, p = self.grid.shortest([src])
            self._rows[src] = (d[0], p[0])
        return self._rows[src]

    def dist(self, a: int, b: int) -> float:
        return float(self._row(a)[0][b])

    def path(self, a_xy, b_xy) -> np.ndarray:
        key = (round(float(a_xy[0]), 6), round(float(a_xy[1]), 6), round(float(b_xy[0]), 6), round(float(b_xy[1]), 6))
        if key not in self._paths:
            self._paths[key] = self._path(a_xy, b_xy)
        return self._paths[key]

    def _path(self, a_xy, b_xy) -> np.ndarray:
        a, b = self.grid.nearest(a_xy), self.grid.nearest(b_xy)
        nodes = grid_path(self._row(a)[1], a, b)
        pts = np.vstack([np.asarray(a_xy)[None], self.grid.xy[nodes[1:-1]] if len(nodes) > 2 else np.zeros((0, 2)),
                         np.asarray(b_xy)[None]])
        return _best_smooth([string_pull(pts, self.inner), string_pull(pts, self.margin)], self.free)


def _resample(pts: np.ndarray, step_m: float = STEP_M) -> tuple[np.ndarray, np.ndarray]:
    d = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))]
    s = np.linspace(0.0, d[-1], max(2, int(np.ceil(d[-1] / step_m)) + 1))
    return np.stack([np.interp(s, d, pts[:, 0]), np.interp(s, d, pts[:, 1])], axis=1), s


def _direction(pts: np.ndarray, at_end: bool, span_m: float = 0.3) -> float | None:
    """Heading (rad) of the first / last span_m of a polyline, None if it is shorter than 5 cm."""
    d = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))]
    if len(pts) < 2 or d[-1] < 0.05:
        return None
    if at_end:
        p0 = np.array([np.interp(d[-1] - span_m, d, pts[:, 0]), np.interp(d[-1] - span_m, d, pts[:, 1])])
        v = pts[-1] - p0
    else:
        p1 = np.array([np.interp(span_m, d, pts[:, 0]), np.interp(span_m, d, pts[:, 1])])
        v = p1 - pts[0]
    return float(np.arctan2(v[1], v[0]))


def _length(pts: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(pts, axis=0), axis=1).sum()) if len(pts) > 1 else 0.0


def _passes_through(st: Stop, d_in, d_out, cfg) -> bool:
    if d_in is None or d_out is None or st.gaze_xy is not None:
        return False
    if st.tag == "waypoint" and st.hold_s > 0:
        return False
    if angle_diff(d_in, d_out) > np.deg2rad(100.0):
        return False
    if st.yaw_rad is None:
        return True
    mid = float(np.arctan2(np.sin(d_in) + np.sin(d_out), np.cos(d_in) + np.cos(d_out)))
    return angle_diff(st.yaw_rad, mid) <= np.deg2rad(cfg.pass_through_deg)


def align_views(stops: list[Stop], router: Router, exact, cfg) -> tuple[list[Stop], int]:
    """Turn each viewpoint's look heading toward the walking direction there when an exactly evaluated
    heading within pass_through_deg of it still covers all the viewpoint's targets, so the walk can pass
    through instead of stopping to look around. Returns (stops, number of viewpoints re-aimed)."""
    lim = np.deg2rad(cfg.pass_through_deg) - np.deg2rad(5.0)
    offsets = [o for o in np.deg2rad([0.0, 15.0, -15.0, 30.0, -30.0, 40.0, -40.0]) if abs(o) <= lim]
    jobs = []
    for k in range(1, len(stops)):
        st = stops[k]
        if st.tag != "view" or st.yaw_rad is None:
            continue
        d_in = _direction(router.path(stops[k - 1].xy, st.xy), at_end=True)
        d_out = _direction(router.path(st.xy, stops[k + 1].xy), at_end=False) if k + 1 < len(stops) else d_in
        if d_in is None or d_out is None or angle_diff(d_in, d_out) > np.deg2rad(100.0):
            continue
        mid = float(np.arctan2(np.sin(d_in) + np.sin(d_out), np.cos(d_in) + np.cos(d_out)))
        if angle_diff(st.yaw_rad, mid) <= lim:
            continue
        # else at least part of the way toward the walking direction: a shorter turn in place
        delta = wrap_near(mid, st.yaw_rad) - st.yaw_rad
        jobs.append((k, [mid + o for o in offsets] + [st.yaw_rad + f * delta for f in (0.75, 0.5, 0.25)]))
    if not jobs:
        return stops, 0
    res = exact.evaluate([(stops[k].xy, y, stops[k].pitch_rad) for k, ys in jobs for y in ys])
    out, n, i = list(stops), 0, 0
    for k, ys in jobs:
        need = {exact.index[int(t)] for t in stops[k].targets}
        for y, (cov, _vis) in zip(ys, res[i:i + len(ys)]):
            if need <= cov:
                out[k] = replace(stops[k], yaw_rad=float(np.arctan2(np.sin(y), np.cos(y))))
                n += 1
                break
        i += len(ys)
    return out, n


def _walk_dir(pts: np.ndarray, start: bool, span_m: float = 0.5) -> float:
    d = _direction(pts, at_end=not start, span_m=span_m)
    return 0.0 if d is None else d


def merge_close_views(stops: list[Stop], exact, max_gap_m: float = 0.9) -> tuple[list[Stop], int]:
    """Move a viewpoint onto the previous one (same position, its own look heading) when they are closer than
    max_gap_m and the exact evaluation there still covers all its targets: one look-around instead of a
    short walk between two. Returns (stops, number merged)."""
    jobs = [k for k in range(2, len(stops)) if stops[k].tag == "view" and stops[k - 1].tag == "view"
            and stops[k].yaw_rad is not None
            and 1e-6 < np.linalg.norm(np.subtract(stops[k].xy, stops[k - 1].xy)) < max_gap_m]
    if not jobs:
        return stops, 0
    res = exact.evaluate([(stops[k - 1].xy, stops[k].yaw_rad, stops[k].pitch_rad) for k in jobs])
    out, moved = list(stops), set()
    for k, (cov, _vis) in zip(jobs, res):
        if k - 1 in moved:
            continue
        if {exact.index[int(t)] for t in stops[k].targets} <= cov:
            out[k] = replace(stops[k], xy=stops[k - 1].xy)
            moved.add(k)
    return out, len(moved)


SHORT_STEP_M = 3.0      # ways up to this long may be stepped while turning to the next look (look-around)


def build_pieces(stops: list[Stop], router: Router, cfg, yaw0: float):
    """Timeline pieces through the stops, and the time each stop is seen (centre of its hold, or the
    moment a pass-through view is passed). Also returns, per stop, whether the walk stopped there."""
    n = len(stops)
    paths = [None] + [router.path(stops[k - 1].xy, stops[k].xy) if stops[k].via is None
                      else _smooth_path(np.asarray(stops[k].via, float), router.free) for k in range(1, n)]
    rest = [True] * n
    for k in range(1, n - 1):
        d_in = _direction(paths[k], at_end=True)
        d_out = _direction(paths[k + 1], at_end=False)
        room = min(_length(paths[k]), _length(paths[k + 1]))
        rest[k] = (not _passes_through(stops[k], d_in, d_out, cfg) or stops[k + 1].gaze_xy is not None
                   or (stops[k].yaw_rad is not None and room < MIN_PASS_ROOM_M) or stops[k].pitch_rad is not None)
    pieces, times = [], [0.0] * n
    t, yaw, xy = 0.0, float(yaw0), np.asarray(stops[0].xy, float)

    def stand(k: int):
        nonlocal t, yaw
        st = stops[k]
        if st.yaw_rad is not None and abs(wrap_near(st.yaw_rad, yaw) - yaw) > 1e-6:
            pieces.append(turn_piece(t, xy, yaw, st.yaw_rad, cfg))
            t, yaw = pieces[-1].t1, pieces[-1].yaw1
        hold = st.hold_s if st.tag != "waypoint" or st.hold_s > 0 else 0.0
        if st.tag == "start":
            hold = 0.0
        if hold > 0:
            pieces.append(hold_piece(t, xy, yaw, hold))
        times[k] = t + hold / 2
        t += hold

    stand(0)
    a = 0
    while a < n - 1:
        b = a + 1
        while not rest[b]:
            b += 1
        # one leg a -> b through the pass-through stops between
        parts, joints = [], []
        for k in range(a + 1, b + 1):
            p = paths[k]
            if len(p) < 2:
                p = np.vstack([xy if not parts else parts[-1][-1], stops[k].xy])
            parts.append(p if not parts else p[1:])
            joints.append(sum(len(q) for q in parts) - 1)
        pts = np.vstack(parts)
        length = float(np.linalg.norm(np.diff(pts, axis=0), axis=1).sum()) if len(pts) > 1 else 0.0
        if length < 0.05:
            xy = np.asarray(stops[b].xy, float)
            for k in range(a + 1, b):
                times[k] = t
        else:
            res, s = _resample(pts)
            d = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))]
            if b - a > 1:                      # smooth the joints at the pass-through views
                res = _smooth_sigma(res, s, router.free, STEP_M, sigmas=(0.15, 0.08, 0.04))[0]
            views = [(int(round(d[j] / s[-1] * (len(s) - 1))), stops[k].yaw_rad)
                     for j, k in zip(joints[:-1], range(a + 1, b)) if stops[k].yaw_rad is not None]
            # start walking while still turning (within START_TURN_RAD of the walking heading); turn in place
            # only for the rest, and likewise blend into the look heading of the stop at the end
            _path, L = spline_path(res)
            lim = START_TURN_RAD * float(np.clip((L - 0.5) / 1.0, 0.0, 1.0))    # short legs: turn in place
            psi0, psi1 = _walk_dir(res, True), _walk_dir(res, False)
            gap = wrap_near(psi0, yaw) - yaw
            t_start, yaw_start = t, yaw
            if abs(gap) > lim:
                turn = turn_piece(t, xy, yaw, yaw + gap - np.sign(gap) * lim, cfg)
                pieces.append(turn)
                t, yaw = turn.t1, turn.yaw1
            y_end = stops[b].yaw_rad
            if y_end is not None and stops[b].gaze_xy is None:
                g = wrap_near(y_end, psi1) - psi1
                y_end = psi1 + float(np.clip(g, -lim, lim))
            leg, vt = leg_piece(t, res, yaw, views, cfg, gaze_xy=stops[b].gaze_xy,
                                yaw_out=None if stops[b].gaze_xy is not None else y_end)
            st_b = stops[b]
            if b - a == 1 and L <= SHORT_STEP_M and st_b.yaw_rad is not None and st_b.gaze_xy is None:
                # a short way between two looks: stepping there while turning to the next look (a look-around)
                # when that is quicker than turning to the walking direction, walking, and turning again
                step = step_piece(t_start, res, yaw_start, st_b.yaw_rad, cfg)
                t_walk = turn_piece(leg.t1, res[-1], leg.yaw1, st_b.yaw_rad, cfg).t1
                if step.t1 < t_walk:
                    if pieces and pieces[-1].t0 >= t_start - 1e-9 and pieces[-1].kind == "turn":
                        pieces.pop()
                    pieces.append(step)
                    t, yaw, xy = step.t1, step.yaw1, np.asarray(res[-1], float)
                    stand(b)
                    a = b
                    continue
            pieces.append(leg)
            it = iter(vt)
            for k in range(a + 1, b):
                times[k] = next(it) if stops[k].yaw_rad is not None else t
            t, yaw, xy = leg.t1, leg.yaw1, np.asarray(res[-1], float)
        stand(b)
        a = b
    if not pieces:
        pieces.append(hold_piece(0.0, xy, yaw, 1.0))
    return pieces, times, rest
