"""The camera stage: free space -> coverage viewpoints -> tour -> smooth timed trajectory.

Modes (CameraConfig.mode, one preset each in cameras/):
- egocentric: coverage walk at eye height (default). Viewpoints from a set cover of the objects
  (simgen.cameras.views geometric pre-scoring, simgen.cameras.cover exact evaluation with PlannerGL),
  visited in a 2-opt/or-opt order from the entrance (walking + turning cost), along shortest free-space
  paths through the doors (simgen.cameras.route); viewpoints the rest of the walk covers anyway are left
  out (simgen.cameras.prune); smooth motion passing through aligned viewpoints, look-around steps between
  close ones (simgen.cameras.motion), per-view pitch (simgen.cameras.pitch); then the close-pixel rule
  and the claims are checked on the delivered frames (simgen.cameras.checks), and objects the delivered
  frames cover on the way are claimed with their frame (`walk_claims`).
- elevated: the same walk with the preset's higher eye height (2.3-2.5 m).
- revisit: the coverage walk, then back to the first viewpoint of every room already seen (in
  the order first seen): a memory test; the report lists the revisits and their times.
- orbit: one loop per room along its free space, 0.5 m in from the walls, looking at the room's
  centre (a baseline, coverage not planned).
- random_walk: random free-space waypoints, heading along the motion (a baseline).
- scripted: waypoints from the file named by `script` (JSON or TOML: waypoints = [{xy = [x, y],
  yaw_deg = 90, hold_s = 1.0}, ...]), joined by free-space shortest paths.

Frame budget: frames = 0 -> the whole walk at fps. frames = N -> N frames spread over the whole
walk; for the coverage modes every viewpoint gets a frame when it is seen (the rest fill the largest
gaps), and when N is smaller than the number of viewpoints the ones covering least are left out
and reported (`not_in_frames`). The walk is capped at max_duration_s (coverage modes: or
max_s_per_object x the number of objects, if longer): viewpoints that do not fit are dropped, least
useful first (`dropped_for_time`).
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from simgen.cameras import views as V
from simgen.cameras.checks import close_fractions, confirm_claims
from simgen.cameras.cover import ExactViews, set_cover
from simgen.cameras.freespace import air_map, build_grid, free_space, walk_region
from simgen.cameras.modes import orbit_stops, random_stops, scripted_stops
from simgen.cameras.motion import Stop, Trajectory
from simgen.cameras.pitch import fit_pitch
from simgen.cameras.prune import prune_views, walk_claims
from simgen.cameras.report import motion_report
from simgen.cameras.route import Router, align_views, build_pieces, merge_close_views
from simgen.cameras.tour import held_karp_lower_bound, mst_lower_bound, open_tour, path_length
from simgen.core.errors import RejectedScene
from simgen.core.transforms import intrinsics_from_hfov

log = logging.getLogger(__name__)
COVERAGE_MODES = ("egocentric", "elevated", "revisit")


TURN_COST_M_PER_RAD = 0.8   # tour order: a radian of turning costs as much as this much walking
PLAN_MARGIN_M = 0.05   # planned paths keep clearance_m + this from geometry
FRAMING_VIEWS = 160    # last search of the set cover: framing views evaluated per object still uncovered


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


def walk_start(scene, grid, clearance_m: float) -> tuple[int, float]:
    """(grid node, heading rad) where a walk starts: just inside the entrance, facing into the scene
    (no entrance: the first free cell, heading +x)."""
    entrance = next((d for d in scene.doors if d.entrance), None)
    if entrance is None:
        return 0, 0.0
    p = np.asarray(entrance.center) + np.asarray(entrance.normal) * (clearance_m + 0.4)
    return grid.nearest(p), float(np.arctan2(entrance.normal[1], entrance.normal[0]))


def duration_cap_s(cfg, n_objects: int) -> float:
    """The walk's cap: max_duration_s, or for the coverage modes max_s_per_object x n_objects if longer."""
    if cfg.mode in COVERAGE_MODES:
        return max(cfg.max_duration_s, cfg.max_s_per_object * n_objects)
    return cfg.max_duration_s


def _timeline(stops, router, cfg, yaw0: float, pitch: float):
    """build_pieces plus the per-view pitch profile: (pieces, stop times, rested, pitch knots)."""
    pieces, times, rested = build_pieces(stops, router, cfg, yaw0)
    pieces, times, knots = fit_pitch(pieces, stops, times, rested, pitch, cfg)
    return pieces, times, rested, knots


def _walk_space(scene, cfg, rng: np.random.Generator, wall_thickness_m: float):
    """The walk's eye height and pitch (the camera stream's first two draws), its free space and grid,
    start cell and heading, reachable cells and router."""
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
    start, yaw0 = walk_start(scene, grid, cfg.clearance_m)
    reach = grid.component_of(start)
    return eye_h, pitch, free_true, free, grid, start, yaw0, reach, Router(grid, free)


def unseen_objects(scene, cfg, rng: np.random.Generator, wall_thickness_m: float, planner_gl):
    """The objects the coverage planner finds no covering view for (its set cover, exact, on this scene),
    with the walk's eye height and pitch and the reachable cell centres. rng: the camera stream the walk
    will draw from (a fresh stage_rng(seed, "camera")), so that the eye height is the walk's own.
    Returns (ids, eye_h, pitch, reachable xy)."""
    eye_h, pitch, _ft, free, grid, _s, _y, reach, _r = _walk_space(scene, cfg, rng, wall_thickness_m)
    K = intrinsics_from_hfov(cfg.width, cfg.height, cfg.hfov_deg)
    boxes, _chosen, uncovered, _why, _c = _cover_set(scene, cfg, grid, reach, wall_thickness_m, eye_h, pitch, K,
                                                     planner_gl, keep=True)
    return sorted(int(boxes.ids[k]) for k in uncovered), eye_h, pitch, grid.xy[reach]


def plan_trajectory(scene, cfg, rng: np.random.Generator, wall_thickness_m: float = 0.12,
                    planner_gl=None) -> Trajectory:
    """The camera stage (see the module docstring). planner_gl: an open simgen.cameras.planner_gl.PlannerGL
    (exact low-resolution coverage checks) or None (geometric evaluation only)."""
    eye_h, pitch, free_true, free, grid, start, yaw0, reach, router = _walk_space(scene, cfg, rng, wall_thickness_m)
    start_stop = Stop(tuple(grid.xy[start]), yaw0, 0.0, (), "start")
    report: dict = {"mode": cfg.mode}
    K = intrinsics_from_hfov(cfg.width, cfg.height, cfg.hfov_deg)
    ids = [int(o.id) for o in scene.objects]

    exact = None
    if cfg.mode in COVERAGE_MODES:
        stops, priority, info, exact = _coverage_stops(scene, cfg, grid, reach, free, wall_thickness_m, eye_h, pitch,
                                                K, start_stop, router, planner_gl)
        report.update(info)
    elif cfg.mode == "orbit":
        stops, priority = [start_stop] + orbit_stops(scene, cfg, free, grid, reach, start), []
    elif cfg.mode == "random_walk":
        stops, priority = [start_stop] + random_stops(cfg, grid, reach, rng), []
    elif cfg.mode == "scripted":
        stops, priority = [start_stop] + scripted_stops(cfg, grid, reach, scene), []
    else:
        raise ValueError(f"unknown camera mode {cfg.mode!r}")

    n_pruned = 0
    if cfg.mode in COVERAGE_MODES and exact is not None:
        # views whose objects the rest of the walk covers anyway are left out (exact, at walk samples)
        stops, n_pruned = prune_views(stops, lambda st: _timeline(st, router, cfg, yaw0, pitch), exact, pitch)
        report["views_pruned"] = n_pruned
        priority = sorted((i for i in range(1, len(stops)) if stops[i].tag == "view"),
                          key=lambda i: (-len(stops[i].targets), i))
    pieces, stop_times, rested, knots = _timeline(stops, router, cfg, yaw0, pitch)
    dropped: list[int] = []
    cap_s = duration_cap_s(cfg, len(scene.objects))
    report["duration_cap_s"] = cap_s
    if cfg.mode in COVERAGE_MODES:
        while pieces[-1].t1 > cap_s and len(stops) > 2:
            # drop the viewpoint that claims the fewest objects (latest in the tour on ties)
            k = min(range(1, len(stops)), key=lambda i: (len(stops[i].targets), -i))
            dropped.extend(stops[k].targets)
            stops.pop(k)
            priority = [p if p < k else p - 1 for p in priority if p != k]
            pieces, stop_times, rested, knots = _timeline(stops, router, cfg, yaw0, pitch)
    elif pieces[-1].t1 > cfg.max_duration_s:
        # baselines: the longest prefix of the stops that fits in max_duration_s (binary search)
        lo, hi = 1, len(stops) - 1
        while lo < hi:
            m = (lo + hi + 1) // 2
            if _timeline(stops[:m + 1], router, cfg, yaw0, pitch)[0][-1].t1 <= cfg.max_duration_s:
                lo = m
            else:
                hi = m - 1
        stops = stops[:lo + 1]
        pieces, stop_times, rested, knots = _timeline(stops, router, cfg, yaw0, pitch)

    if cfg.mode in COVERAGE_MODES:
        # the tour actually walked (after pruning and drops): its length on free-space grid distances, the
        # minimum-spanning-tree lower bound of any walk through the same stops and the tighter Held-Karp bound
        nodes = [grid.nearest(st.xy) for st in stops]
        Df = np.array([[router.dist(a, b) for b in nodes] for a in nodes])
        report["tour_length_m"] = path_length(Df, list(range(len(nodes))))
        report["tour_lower_bound_m"] = mst_lower_bound(Df)
        report["tour_lower_bound_hk_m"] = held_karp_lower_bound(Df, upper_m=report["tour_length_m"])

    def timed(pieces, stop_times, knots):
        total = float(pieces[-1].t1)
        times, left_out, uniform = _frame_times(total, cfg, stop_times, priority)
        return Trajectory(width=cfg.width, height=cfg.height, fps=cfg.fps, K=K, eye_height_m=float(eye_h),
                          pitch_down_rad=pitch, pieces=tuple(pieces), n_frames=len(times), frame_times_s=times,
                          stops=tuple(stops), stop_times_s=tuple(stop_times),
                          pitch_knots=knots), left_out, uniform, total

    traj, left_out, uniform, total = timed(pieces, stop_times, knots)
    close_info: dict = {"close_check": "not run (no planner_gl)"}
    if planner_gl is not None:
        if exact is None:
            planner_gl.load_scene(scene)
        traj, left_out, uniform, total, close_info = _enforce_close_rule(
            planner_gl, traj, cfg, scene, wall_thickness_m, eye_h, stops, yaw0, timed, (left_out, uniform, total),
            pitch)
        stop_times = list(traj.stop_times_s)
    times = traj.frame_times_s
    unconfirmed: list[int] = []
    if exact is not None:
        confirmed = confirm_claims(exact, traj, stop_times, stops)
        for k, ids_ok in confirmed.items():
            unconfirmed += [int(i) for i in stops[k].targets if int(i) not in ids_ok]
            stops[k] = replace(stops[k], targets=tuple(sorted(ids_ok)))
        traj = Trajectory(**{**traj.__dict__, "stops": tuple(stops)})
    planned = sorted({int(i) for s in stops for i in s.targets} - {int(i) for k in left_out for i in stops[k].targets})
    walk: dict[int, int] = {}
    if exact is not None:
        # objects the delivered frames cover on the way (exact rule with margins at the frames themselves)
        walk = walk_claims(exact, traj, planned)
        planned = sorted(set(planned) | set(walk))
    report["walk_claims"] = {str(i): f for i, f in sorted(walk.items())}
    report.update(close_info)
    report["unconfirmed_at_frames"] = sorted(set(unconfirmed) - set(planned))
    report.update(motion_report(traj, cfg, free_true))
    report.update({
        "n_viewpoints_visited": sum(1 for s in stops if s.tag in ("view", "revisit")),
        "n_stops_at_viewpoints": sum(1 for s, r in zip(stops, rested) if r and s.tag in ("view", "revisit")),
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


def _enforce_close_rule(planner_gl, traj, cfg, scene, wall_thickness_m, eye_h, stops, yaw0, timed, rest, pitch):
    """The close-pixel rule on the delivered frames (simgen.cameras.checks). If some frame has more than
    close_fraction_max of its pixels closer than close_depth_m, the walk is routed again through free
    space eroded by close_depth_m / 2 more (the stops stay where they are) and checked again; frames that
    still break the rule are reported in `close_frames_over`."""
    left_out, uniform, total = rest
    frac = close_fractions(planner_gl, traj, cfg)
    rerouted = False
    if len(frac) and frac.max() > cfg.close_fraction_max:
        free2 = free_space(scene, cfg.clearance_m + PLAN_MARGIN_M + 0.5 * cfg.close_depth_m, wall_thickness_m, eye_h)
        grid2 = build_grid(free2) if not free2.is_empty else None
        if grid2 is not None and len(grid2.xy):
            free_plan = free_space(scene, cfg.clearance_m + PLAN_MARGIN_M, wall_thickness_m, eye_h)
            router2 = Router(grid2, free_plan)
            pieces2, stop_times2, _, knots2 = _timeline(stops, router2, cfg, yaw0, pitch)
            traj2, lo2, un2, tot2 = timed(pieces2, stop_times2, knots2)
            frac2 = close_fractions(planner_gl, traj2, cfg)
            if frac2.max() < frac.max() and tot2 <= duration_cap_s(cfg, len(scene.objects)) * 1.2:
                traj, left_out, uniform, total, frac, rerouted = traj2, lo2, un2, tot2, frac2, True
    over = np.nonzero(frac > cfg.close_fraction_max)[0]
    info = {"close_check": "planner_gl", "max_close_fraction": float(frac.max()) if len(frac) else 0.0,
            "close_frames_over": [int(i) for i in over], "close_rerouted": rerouted}
    return traj, left_out, uniform, total, info


def _turn_cost_rad(xy: np.ndarray, yaws: np.ndarray, free_rad: float = np.deg2rad(45.0)) -> np.ndarray:
    """(n, n) symmetric turning (rad) of going between two views: from the look heading of one to the direction
    toward the other, and from that direction to the other's look heading, each less free_rad (turned while
    walking), averaged over both directions of travel. Views at the same place: the angle between headings."""
    def ang(a, b):
        return np.abs((a - b + np.pi) % (2 * np.pi) - np.pi)

    d = xy[None] - xy[:, None]                                     # (n, n, 2) from i to j
    dir_ij = np.arctan2(d[..., 1], d[..., 0])
    yi, yj = yaws[:, None], yaws[None]
    fwd = np.maximum(ang(yi, dir_ij) - free_rad, 0) + np.maximum(ang(dir_ij, yj) - free_rad, 0)
    out = 0.5 * (fwd + fwd.T)
    same = np.linalg.norm(d, axis=2) < 0.3
    return np.where(same, ang(yi, yj), out)


_COVER_CACHE: dict = {}     # the last few set covers, by scene content and view settings (see _cover_key)


def _cover_key(scene, cfg, grid, reach, eye_h, pitch, planner_gl) -> str:
    """Everything a set cover depends on: object ids, assets and poses, structure geometry, the reachable
    cells, eye height, pitch, the camera config, the exact evaluator's resolution (the evaluator's
    context itself is checked by identity on a hit) and the framing search's size."""
    import hashlib

    h = hashlib.sha256()
    for o in scene.objects:
        h.update(f"{o.id}|{o.name}|{o.placement}|{o.support}|".encode())
        h.update(np.ascontiguousarray(o.pose, dtype=np.float64).tobytes())
    for st in scene.structures:
        h.update(f"{st.id}|{st.kind}|".encode())
        h.update(np.ascontiguousarray(st.mesh.vertices, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(grid.xy[reach], dtype=np.float64).tobytes())
    h.update(repr((float(eye_h), float(pitch), cfg, getattr(planner_gl, "size", None), FRAMING_VIEWS)).encode())
    return h.hexdigest()


def _cover_set(scene, cfg, grid, reach, wall_thickness_m, eye_h, pitch, K, planner_gl, keep: bool = False):
    """Candidate views on the reachable lattice and their set cover: (boxes, chosen, uncovered, why,
    (candidate xy, candidate yaw, ExactViews or None, number of candidates)).

    The result is a pure function of _cover_key. keep=True (unseen_objects) keeps it for the next call with
    the same key, once: the layout's sightline stage (simgen.scenes.sightlines) checks the final scene with
    the same cover the walk then plans from."""
    ckey = _cover_key(scene, cfg, grid, reach, eye_h, pitch, planner_gl)
    if ckey in _COVER_CACHE:
        # taken once: the evaluator comes back in the state the cover left it (its memo of exact views and
        # evaluation count), with the scene loaded again, so the walk plans exactly as without the cache
        hit, gl = _COVER_CACHE.pop(ckey)
        if gl is planner_gl:        # the evaluator is bound to that context (an id could be reused)
            if planner_gl is not None:
                planner_gl.load_scene(scene)
            return hit
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
    exact = ExactViews(planner_gl, scene, cfg, boxes, eye_h, pitch) if planner_gl is not None else None
    reach_xy = grid.xy[reach]
    targeted = (lambda k, n: V.targeted_views(boxes, k, reach_xy, eye_h, pitch, K, cfg.width, cfg.height, cfg, air,
                                              ceiling, n=n)) if exact is not None else None
    framing = (lambda k: V.best_framing_views(boxes, k, reach_xy, eye_h, exact.K, exact.w, exact.h, cfg, air, ceiling,
                                              FRAMING_VIEWS)) if exact is not None and FRAMING_VIEWS > 0 else None
    chosen, uncovered, why = set_cover(claims, quality, cand_xy, cand_yaw, exact, targeted=targeted, framing=framing)
    out = boxes, chosen, uncovered, why, (cand_xy, cand_yaw, exact, int(claims.shape[0]))
    if keep:
        _COVER_CACHE[ckey] = (out, planner_gl)
        while len(_COVER_CACHE) > 4:
            _COVER_CACHE.pop(next(iter(_COVER_CACHE)))
    return out


def _coverage_stops(scene, cfg, grid, reach, free, wall_thickness_m, eye_h, pitch, K, start_stop, router,
                    planner_gl):
    boxes, chosen, uncovered, why, (cand_xy, cand_yaw, exact, n_candidates) = _cover_set(
        scene, cfg, grid, reach, wall_thickness_m, eye_h, pitch, K, planner_gl)
    # a stop's hold shows at least one delivered frame at the view's exact pose
    hold_s = max(cfg.hold_s, 1.0 / cfg.fps) if cfg.frames <= 0 else cfg.hold_s
    views = []
    for c, s in chosen:
        xy, yaw, vp = (cand_xy[c], cand_yaw[c], None) if not isinstance(c, tuple) else (c[:2], c[2], c[3])
        views.append(Stop((float(xy[0]), float(xy[1])), float(yaw), hold_s,
                          tuple(sorted(int(boxes.ids[k]) for k in s)), "view", pitch_rad=vp))
    nodes = [grid.nearest(start_stop.xy)] + [grid.nearest(v.xy) for v in views]
    D = np.array([[router.dist(a, b) for b in nodes] for a in nodes])
    # tour cost: walking distance plus turning (TURN_COST_M_PER_RAD per radian between look headings)
    yaws = np.array([start_stop.yaw_rad] + [v.yaw_rad for v in views])
    order = open_tour(D + TURN_COST_M_PER_RAD * _turn_cost_rad(np.array([start_stop.xy] + [v.xy for v in views]), yaws))
    ordered = [views[i - 1] for i in order[1:]]
    stops = [start_stop] + ordered
    n_aligned = n_merged = 0
    if exact is not None:
        stops, n_merged = merge_close_views(stops, exact)
        stops, n_aligned = align_views(stops, router, exact, cfg)
        ordered = stops[1:]
    # frame priority: stops by how many objects they claim (most first)
    priority = sorted(range(1, len(stops)), key=lambda i: (-len(stops[i].targets), i))
    info = {"n_candidates": n_candidates, "n_viewpoints_planned": len(views),
            "exact_evaluations": exact.n_evals if exact is not None else 0, "views_aligned_to_walk": n_aligned,
            "views_merged": n_merged,
            "evaluator": "gl" if exact is not None else "geometric",
            "no_viewpoint": sorted(int(boxes.ids[k]) for k in uncovered),
            "no_viewpoint_why": {str(int(boxes.ids[k])): w for k, w in why.items()},
            "tour_length_planned_m": path_length(D, order), "tour_lower_bound_planned_m": mst_lower_bound(D)}
    if cfg.mode == "revisit":
        stops += _revisits(scene, ordered)
    return stops, priority, info, exact


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
    return [Stop(st.xy, st.yaw_rad, st.hold_s, (), "revisit", pitch_rad=st.pitch_rad) for st in firsts]
