"""The camera stage: free space -> coverage viewpoints -> tour -> smooth timed trajectory.

Modes (CameraConfig.mode, one preset each in cameras/):
- egocentric: coverage walk at eye height (default). Viewpoints from a set cover of the objects
  (simgen.cameras.views), visited in a 2-opt/or-opt order from the entrance, along shortest
  free-space paths through the doors; smooth motion from simgen.cameras.motion.
- elevated: the same walk with the preset's higher eye height (2.3-2.5 m).
- revisit: the coverage walk, then back to the first viewpoint of every room already seen (in
  the order first seen): a memory test; the report lists the revisits and their times.
- orbit: one loop per room along its free space, 0.5 m in from the walls, looking at the room's
  centre (a baseline, coverage not planned).
- random_walk: random free-space waypoints, heading along the motion (a baseline).
- scripted: waypoints from the file named by `script` (JSON or TOML: waypoints = [{xy = [x, y],
  yaw_deg = 90, hold_s = 1.0}, ...]), joined by free-space shortest paths.

Frame budget: frames = 0 -> the whole walk at fps. frames = N -> N frames spread over the whole
walk; for the coverage modes every viewpoint gets a frame at its hold (the rest fill the largest
gaps), and when N is smaller than the number of viewpoints the ones covering least are left out
and reported (`not_in_frames`). The walk is capped at max_duration_s: viewpoints that do not fit
are dropped, least useful first (`dropped_for_time`).
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.ndimage import gaussian_filter1d

from simgen.cameras import views as V
from simgen.cameras.freespace import (
    air_map, build_grid, free_space, grid_path, string_pull, walk_region,
)
from simgen.cameras.modes import orbit_stops, random_stops, scripted_stops
from simgen.cameras.motion import Stop, Trajectory, hold_piece, turn_piece, walk_piece
from simgen.cameras.report import motion_report
from simgen.cameras.tour import mst_lower_bound, open_tour, path_length
from simgen.core.errors import RejectedScene
from simgen.core.transforms import intrinsics_from_hfov

log = logging.getLogger(__name__)
COVERAGE_MODES = ("egocentric", "elevated", "revisit")


PLAN_MARGIN_M = 0.05   # planned paths keep clearance_m + this from geometry


def _smooth_path(pts: np.ndarray, free, step_m: float = 0.02) -> np.ndarray:
    """Resample a polyline at step_m and smooth it, keeping it inside `free` (less smoothing if not)."""
    import shapely

    d = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))]
    if len(pts) < 2 or d[-1] < 1e-6:
        return pts[:1]
    s = np.linspace(0.0, d[-1], max(2, int(np.ceil(d[-1] / step_m)) + 1))
    res = np.stack([np.interp(s, d, pts[:, 0]), np.interp(s, d, pts[:, 1])], axis=1)
    return _smooth_sigma(res, s, free, step_m)[0]


def _smooth_sigma(res: np.ndarray, s: np.ndarray, free, step_m: float):
    """(smoothed polyline, sigma used) for a resampled polyline res (n, 2) at arc lengths s (n,)."""
    import shapely

    for sigma_m in (0.35, 0.25, 0.15, 0.08, 0.04):
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


class _Router:
    """Shortest smoothed free-space paths between grid nodes (Dijkstra rows cached per source)."""

    def __init__(self, grid, free, slack_m: float = 0.12):
        import shapely

        self.grid, self.free, self._rows = grid, free, {}
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
        a, b = self.grid.nearest(a_xy), self.grid.nearest(b_xy)
        nodes = grid_path(self._row(a)[1], a, b)
        pts = np.vstack([np.asarray(a_xy)[None], self.grid.xy[nodes[1:-1]] if len(nodes) > 2 else np.zeros((0, 2)),
                         np.asarray(b_xy)[None]])
        return _best_smooth([string_pull(pts, self.inner), string_pull(pts, self.margin)], self.free)


def build_pieces(stops: list[Stop], router: _Router, cfg, yaw0: float):
    """Timeline pieces through the stops, and the time each stop's hold is centred on."""
    pieces, times = [], []
    t, yaw, xy = 0.0, float(yaw0), np.asarray(stops[0].xy, float)
    first = stops[0]
    if first.yaw_rad is not None and abs(first.yaw_rad - yaw) > 1e-6:
        pieces.append(turn_piece(t, xy, yaw, first.yaw_rad, cfg))
        t, yaw = pieces[-1].t1, pieces[-1].yaw1
    for k, st in enumerate(stops):
        if k > 0:
            pts = router.path(xy, st.xy) if st.via is None else _smooth_path(np.asarray(st.via), router.free)
            if len(pts) >= 2 and np.ptp(pts, axis=0).max() > 0.05:
                p = walk_piece(t, pts, yaw, st.yaw_rad, cfg, gaze_xy=st.gaze_xy)
            else:
                p = turn_piece(t, xy, yaw, yaw if st.yaw_rad is None else st.yaw_rad, cfg)
            pieces.append(p)
            t, yaw, xy = p.t1, p.yaw1, np.asarray(st.xy, float)
        hold = st.hold_s if st.tag != "waypoint" or st.hold_s > 0 else 0.0
        if hold > 0:
            pieces.append(hold_piece(t, xy, yaw, hold))
        times.append(t + hold / 2)
        t = t + hold
    if not pieces:
        pieces.append(hold_piece(0.0, xy, yaw, 1.0))
    return pieces, times


def _frame_times(total_s: float, cfg, stop_times: list[float], priority: list[int]):
    """Delivered frame times and the stop indices that got no frame (fixed frame budget only)."""
    if cfg.frames <= 0:
        n = int(np.floor(total_s * cfg.fps + 1e-9)) + 1
        return np.arange(n) / cfg.fps, [], True
    n = cfg.frames
    if not priority:
        return (np.linspace(0.0, total_s, n) if n > 1 else np.zeros(1)), [], True
    keep = sorted(priority[:n])
    left_out = sorted(priority[n:])
    times = sorted({round(stop_times[i], 6) for i in keep})
    ends = [0.0, total_s]
    for e in ends:
        if len(times) < n and all(abs(e - x) > 1e-6 for x in times):
            times.append(e)
    times = sorted(times)
    while len(times) < n:
        gaps = np.diff(times)
        g = int(np.argmax(gaps))
        times.insert(g + 1, 0.5 * (times[g] + times[g + 1]))
    return np.array(times[:n]), left_out, False


def plan_trajectory(scene, cfg, rng: np.random.Generator, wall_thickness_m: float = 0.12,
                    planner_gl=None) -> Trajectory:
    """The camera stage (see the module docstring). planner_gl: an open simgen.cameras.planner_gl.PlannerGL
    (exact low-resolution coverage checks) or None (geometric evaluation only)."""
    eye_h = min(cfg.eye_height_m.sample(rng), min(r.height_m for r in scene.rooms) - 0.3)
    pitch = float(np.deg2rad(cfg.pitch_down_deg.sample(rng)))
    # plan with a safety margin: the timed C2 motion may cut corners of the planned polyline by a few cm,
    # and the clearance promise (checked below against the true free space) must still hold
    free_true = free_space(scene, cfg.clearance_m, wall_thickness_m, eye_h)
    free = free_space(scene, cfg.clearance_m + PLAN_MARGIN_M, wall_thickness_m, eye_h)
    if free.is_empty:
        free = free_true
    grid = build_grid(free)
    if len(grid.xy) == 0:
        raise RejectedScene("camera", f"no free space for a camera carrier of radius {cfg.clearance_m} m")
    entrance = next((d for d in scene.doors if d.entrance), None)
    if entrance is not None:
        start_p = np.asarray(entrance.center) + np.asarray(entrance.normal) * (cfg.clearance_m + 0.4)
        yaw0 = float(np.arctan2(entrance.normal[1], entrance.normal[0]))
    else:
        start_p, yaw0 = grid.xy[0], 0.0
    start = grid.nearest(start_p)
    reach = grid.component_of(start)
    router = _Router(grid, free)
    start_stop = Stop(tuple(grid.xy[start]), yaw0, 0.0, (), "start")
    report: dict = {"mode": cfg.mode}
    K = intrinsics_from_hfov(cfg.width, cfg.height, cfg.hfov_deg)
    ids = [int(o.id) for o in scene.objects]

    if cfg.mode in COVERAGE_MODES:
        stops, priority, info = _coverage_stops(scene, cfg, grid, reach, free, wall_thickness_m, eye_h, pitch,
                                                K, start_stop, router, planner_gl)
        report.update(info)
    elif cfg.mode == "orbit":
        stops, priority = [start_stop] + orbit_stops(scene, cfg, free, grid, reach, start), []
    elif cfg.mode == "random_walk":
        stops, priority = [start_stop] + random_stops(cfg, grid, reach, rng), []
    elif cfg.mode == "scripted":
        stops, priority = [start_stop] + scripted_stops(cfg, grid, reach), []
    else:
        raise ValueError(f"unknown camera mode {cfg.mode!r}")

    pieces, stop_times = build_pieces(stops, router, cfg, yaw0)
    dropped: list[int] = []
    if cfg.mode in COVERAGE_MODES:
        while pieces[-1].t1 > cfg.max_duration_s and len(stops) > 2:
            # drop the viewpoint that claims the fewest objects (latest in the tour on ties)
            k = min(range(1, len(stops)), key=lambda i: (len(stops[i].targets), -i))
            dropped.extend(stops[k].targets)
            stops.pop(k)
            priority = [p if p < k else p - 1 for p in priority if p != k]
            pieces, stop_times = build_pieces(stops, router, cfg, yaw0)
    else:
        # baselines: cut the walk at max_duration_s
        while pieces[-1].t1 > cfg.max_duration_s and len(pieces) > 1:
            pieces.pop()
    total = float(pieces[-1].t1)
    times, left_out, uniform = _frame_times(total, cfg, stop_times, priority)
    traj = Trajectory(width=cfg.width, height=cfg.height, fps=cfg.fps, K=K, eye_height_m=float(eye_h),
                      pitch_down_rad=pitch, pieces=tuple(pieces), n_frames=len(times), frame_times_s=times,
                      stops=tuple(stops), stop_times_s=tuple(stop_times))
    planned = sorted({int(i) for s in stops for i in s.targets} - {int(i) for k in left_out for i in stops[k].targets})
    report.update(motion_report(traj, cfg, free_true))
    report.update({
        "n_viewpoints_visited": sum(1 for s in stops if s.tag in ("view", "revisit")),
        "planned_targets": planned,
        "dropped_for_time": sorted(int(i) for i in dropped),
        "not_in_frames": sorted(int(i) for k in left_out for i in stops[k].targets),
        "not_planned": sorted(set(ids) - set(planned)) if cfg.mode in COVERAGE_MODES else None,
        "walk_duration_s": total,
        "frame_times": "uniform" if uniform else "viewpoints+fill",
        "frame_interval_s": float(times[1] - times[0]) if (uniform and len(times) > 1) else None,
        "eye_height_m": float(eye_h), "pitch_down_deg": float(np.rad2deg(pitch)),
        "stops": [{"xy": [float(s.xy[0]), float(s.xy[1])], "t_s": float(t),
                   "yaw_deg": None if s.yaw_rad is None else float(np.rad2deg(s.yaw_rad)),
                   "kind": s.tag, "targets": [int(i) for i in s.targets]} for s, t in zip(stops, stop_times)],
    })
    return Trajectory(**{**traj.__dict__, "report": report})


def _coverage_stops(scene, cfg, grid, reach, free, wall_thickness_m, eye_h, pitch, K, start_stop, router,
                    planner_gl):
    boxes = V.object_boxes(scene)
    step = max(1, int(round(cfg.candidate_spacing_m / grid.cell_m)))
    # candidate positions: every `step`-th cell on a coarse lattice, reachable from the start
    key = np.round(grid.xy / grid.cell_m).astype(np.int64)
    on = (key[:, 0] % step == 0) & (key[:, 1] % step == 0) & reach
    cand_nodes = np.nonzero(on)[0]
    positions = grid.xy[cand_nodes]
    headings = np.linspace(-np.pi, np.pi, cfg.candidate_headings, endpoint=False)
    air = air_map(walk_region(scene, wall_thickness_m))
    ceiling = min(r.height_m for r in scene.rooms)
    claims, quality, vis_est = V.geometric_views(boxes, positions, headings, eye_h, pitch, K, cfg.width,
                                                 cfg.height, cfg, air, ceiling)
    H = len(headings)
    cand_xy = np.repeat(positions, H, axis=0)
    cand_yaw = np.tile(headings, len(positions))
    exact = V.ExactViews(planner_gl, scene, cfg, boxes, eye_h, pitch) if planner_gl is not None else None
    if exact is not None:
        quality = np.where(claims, quality, 0.0) + 1e-3 * V.soft_quality(boxes, positions, headings, eye_h,
                                                                           vis_est, cfg)
    chosen, uncovered = V.set_cover(claims, quality, cand_xy, cand_yaw, exact)
    views = [Stop(tuple(cand_xy[c]), float(cand_yaw[c]), cfg.hold_s,
                  tuple(sorted(int(boxes.ids[k]) for k in s)), "view") for c, s in chosen]
    nodes = [grid.nearest(start_stop.xy)] + [grid.nearest(v.xy) for v in views]
    D = np.array([[router.dist(a, b) for b in nodes] for a in nodes])
    order = open_tour(D)
    ordered = [views[i - 1] for i in order[1:]]
    stops = [start_stop] + ordered
    # frame priority: stops by how many objects they claim (most first)
    priority = sorted(range(1, len(stops)), key=lambda i: (-len(stops[i].targets), i))
    info = {"n_candidates": int(claims.shape[0]), "n_viewpoints_planned": len(views),
            "exact_evaluations": exact.n_evals if exact is not None else 0,
            "evaluator": "gl" if exact is not None else "geometric",
            "no_viewpoint": sorted(int(boxes.ids[k]) for k in uncovered),
            "tour_length_m": path_length(D, order), "tour_lower_bound_m": mst_lower_bound(D)}
    if cfg.mode == "revisit":
        stops += _revisits(scene, ordered)
    return stops, priority, info


def _revisits(scene, ordered: list[Stop]) -> list[Stop]:
    """Back to the first viewpoint of each room, in the order the rooms were first seen."""
    from shapely.geometry import Point, Polygon

    rooms = [(r.id, Polygon(r.polygon)) for r in scene.rooms]
    firsts, seen = [], set()
    for st in ordered:
        rid = next((rid for rid, poly in rooms if poly.contains(Point(st.xy))), None)
        if rid is not None and rid not in seen:
            seen.add(rid)
            firsts.append(st)
    if len(firsts) == 1 and len(ordered) > 2:
        firsts.append(ordered[len(ordered) // 2])
    return [Stop(st.xy, st.yaw_rad, st.hold_s, (), "revisit") for st in firsts]
