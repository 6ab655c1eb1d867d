"""Camera walk: viewpoints that face the objects, a tour through free space, and a timed,
smooth trajectory (walk, stop, look, walk on).

Motion model: between viewpoints the camera follows the smoothed shortest free-space path with a
minimum-jerk speed profile (C2, zero velocity and acceleration at the stops, peak speed
<= 1.875 x mean); at a viewpoint it turns toward the object group with a minimum-jerk yaw profile
whose peak rate stays under `max_yaw_rate_deg_s`, holds, then turns to the next walking direction.
While walking, the heading turns (minimum-jerk) from the path's initial to its final direction. Eye height and pitch are constant per scene,
roll is zero. The walk takes the time it needs (capped at `max_duration_s`; viewpoints that do not fit
are dropped and the report says so). With `frames = 0` (auto) the video has one frame every 1/fps
seconds of the walk; with a fixed frame count the frames are spread evenly over the whole walk (a
time-lapse when the count is smaller), and camera.json gives every frame's true timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import gaussian_filter1d

from simgen.cameras.freespace import build_grid, free_space, object_center
from simgen.core.errors import RejectedScene
from simgen.core.settings import CameraConfig
from simgen.core.transforms import intrinsics_from_hfov, make_pose

MIN_JERK_PEAK = 1.875          # peak / mean velocity of a minimum-jerk profile
COVER_MAX_DIST_M = 3.5


def _min_jerk(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u ** 3 * (10 - 15 * u + 6 * u ** 2)


def camera_rotation(yaw_rad: float, pitch_down_rad: float) -> np.ndarray:
    """(3, 3) world_from_camera (OpenCV axes) for a heading yaw (0 = +x, CCW) and a downward pitch, no roll."""
    f = np.array([np.cos(yaw_rad) * np.cos(pitch_down_rad), np.sin(yaw_rad) * np.cos(pitch_down_rad),
                  -np.sin(pitch_down_rad)])
    x = np.array([np.sin(yaw_rad), -np.cos(yaw_rad), 0.0])     # right = forward x up
    y = np.cross(f, x)
    return np.stack([x, y, f], axis=1)


@dataclass(frozen=True)
class Segment:
    """One piece of the timeline: a walk along `path` (m, (n, 2)) or a turn in place."""

    t0: float
    t1: float
    kind: str                       # "walk" | "turn" | "hold"
    path: np.ndarray | None = None  # (n, 2) for walks
    cum: np.ndarray | None = None   # (n,) arc length
    yaw0: float = 0.0
    yaw1: float = 0.0
    xy: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class Trajectory:
    width: int
    height: int
    fps: float
    K: np.ndarray                   # (3, 3)
    eye_height_m: float
    pitch_down_rad: float
    segments: tuple[Segment, ...]
    n_frames: int
    frame_times_s: np.ndarray       # (n_frames,) simulated time of each delivered frame
    report: dict = field(default_factory=dict)

    @property
    def timestamps_s(self) -> np.ndarray:
        return self.frame_times_s

    @property
    def duration_s(self) -> float:
        return float(self.segments[-1].t1)

    def state_at(self, t_s: float) -> tuple[np.ndarray, float]:
        """(xy (2,), yaw rad) at time t (clamped to the timeline)."""
        seg = self.segments[-1]
        for s in self.segments:
            if t_s <= s.t1:
                seg = s
                break
        u = 0.0 if seg.t1 <= seg.t0 else (t_s - seg.t0) / (seg.t1 - seg.t0)
        if seg.kind == "walk":
            m = float(_min_jerk(np.array(u)))
            sdist = m * seg.cum[-1]
            x = np.interp(sdist, seg.cum, seg.path[:, 0])
            y = np.interp(sdist, seg.cum, seg.path[:, 1])
            return np.array([x, y]), seg.yaw0 + (seg.yaw1 - seg.yaw0) * m
        yaw = seg.yaw0 + (seg.yaw1 - seg.yaw0) * float(_min_jerk(np.array(u)))
        return np.array(seg.xy), yaw

    def pose_at(self, t_s: float) -> np.ndarray:
        """(4, 4) cam_to_world (OpenCV camera axes) at any time t (sub-frame times included)."""
        xy, yaw = self.state_at(t_s)
        return make_pose(camera_rotation(yaw, self.pitch_down_rad), [xy[0], xy[1], self.eye_height_m])

    def cam_to_world(self) -> np.ndarray:
        """(T, 4, 4) per-frame poses."""
        return np.stack([self.pose_at(t) for t in self.timestamps_s])


def _path_heading(seg: Segment, s: float, lead_m: float = 0.3) -> float:
    """Heading of the walk at arc length s, looking `lead_m` ahead along the path (heading leads motion)."""
    L = seg.cum[-1]
    a, b = max(0.0, min(s, L - 1e-6)), min(L, s + lead_m)
    if b - a < 1e-6:
        a = max(0.0, L - lead_m)
        b = L
    pa = np.array([np.interp(a, seg.cum, seg.path[:, i]) for i in range(2)])
    pb = np.array([np.interp(b, seg.cum, seg.path[:, i]) for i in range(2)])
    d = pb - pa
    return float(np.arctan2(d[1], d[0]))


def _unwrap_to(yaw: float, ref: float) -> float:
    return ref + (yaw - ref + np.pi) % (2 * np.pi) - np.pi


def _smooth_path(pts: np.ndarray, free, step_m: float = 0.05) -> np.ndarray:
    """Resample a polyline at step_m and smooth it, keeping it inside `free` (shrinking sigma if not)."""
    import shapely

    if len(pts) < 2:
        return pts
    d = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))]
    if d[-1] < 1e-6:
        return pts[:1]
    s = np.linspace(0.0, d[-1], max(2, int(np.ceil(d[-1] / step_m)) + 1))
    res = np.stack([np.interp(s, d, pts[:, 0]), np.interp(s, d, pts[:, 1])], axis=1)
    for sigma_m in (0.4, 0.25, 0.12, 0.0):
        if sigma_m == 0.0:
            return res
        sm = gaussian_filter1d(res, sigma_m / step_m, axis=0, mode="nearest")
        sm[0], sm[-1] = res[0], res[-1]
        if np.all(shapely.contains_xy(free.buffer(0.02), sm[:, 0], sm[:, 1])):
            return sm
    return res


def plan_viewpoints(scene, grid, cfg: CameraConfig, eye_h: float, pitch: float, rng: np.random.Generator):
    """Greedy set cover of the objects by (position, heading) candidates. Returns list of (node, yaw, ids)."""
    objs = list(scene.objects)
    if not objs or len(grid.xy) == 0:
        return [], set(range(len(objs)))
    centers = np.stack([object_center(o) for o in objs])
    step = max(1, int(round(0.3 / grid.cell_m)))
    cand_nodes = np.arange(0, len(grid.xy), step)
    headings = np.linspace(-np.pi, np.pi, 16, endpoint=False)
    hfov = np.deg2rad(cfg.hfov_deg)
    vfov = 2 * np.arctan(np.tan(hfov / 2) * cfg.height / cfg.width)
    P = grid.xy[cand_nodes]                                        # (C, 2)
    dxy = centers[None, :, :2] - P[:, None, :]                     # (C, N, 2)
    dist = np.linalg.norm(dxy, axis=2)
    bearing = np.arctan2(dxy[..., 1], dxy[..., 0])
    elev = np.arctan2(centers[None, :, 2] - eye_h, np.maximum(dist, 1e-6))
    lo_d, hi_d = cfg.view_distance_m.low, max(cfg.view_distance_m.high, COVER_MAX_DIST_M)
    v_ok = (np.abs(elev + pitch) < vfov / 2 * 0.8) & (dist >= min(0.8, lo_d)) & (dist <= hi_d)
    covers = []   # (C*H, N) bool
    for h in headings:
        dyaw = np.abs((bearing - h + np.pi) % (2 * np.pi) - np.pi)
        covers.append(v_ok & (dyaw < hfov / 2 * 0.75))
    cov = np.stack(covers, axis=1).reshape(len(cand_nodes) * len(headings), len(objs))
    uncovered = np.ones(len(objs), dtype=bool)
    chosen = []
    while uncovered.any():
        gain = (cov & uncovered).sum(axis=1)
        best = int(np.argmax(gain))
        if gain[best] == 0:
            break
        ci, hi = divmod(best, len(headings))
        ids = np.nonzero(cov[best] & uncovered)[0]
        # aim at the centroid of what this view adds
        c = centers[ids, :2].mean(axis=0) - grid.xy[cand_nodes[ci]]
        chosen.append((int(cand_nodes[ci]), float(np.arctan2(c[1], c[0])), [objs[i].id for i in ids]))
        uncovered &= ~cov[best]
    return chosen, {objs[i].id for i in np.nonzero(uncovered)[0]}


def plan_trajectory(scene, cfg: CameraConfig, rng: np.random.Generator, wall_thickness_m: float = 0.12) -> Trajectory:
    """The camera stage: free space -> viewpoints -> tour -> timed trajectory."""
    eye_h = min(cfg.eye_height_m.sample(rng), min(r.height_m for r in scene.rooms) - 0.35)
    pitch = np.deg2rad(cfg.pitch_down_deg.sample(rng))
    free = free_space(scene, cfg.clearance_m, wall_thickness_m)
    grid = build_grid(free)
    if len(grid.xy) == 0:
        raise RejectedScene("camera", f"no free space for a camera carrier of radius {cfg.clearance_m} m")
    entrance = next(d for d in scene.doors if d.entrance)
    start_p = np.asarray(entrance.center) + np.asarray(entrance.normal) * (cfg.clearance_m + 0.4)
    start = grid.nearest(start_p)
    views, unreachable = plan_viewpoints(scene, grid, cfg, eye_h, pitch, rng)

    # tour: nearest neighbour from the start, then 2-opt on the open path
    nodes = [start] + [v[0] for v in views]
    dist, pred = grid.shortest(nodes)
    D = dist[:, nodes]
    if not np.all(np.isfinite(D[0])):
        keep = [i for i in range(1, len(nodes)) if np.isfinite(D[0, i])]
        views = [views[i - 1] for i in keep]
        nodes = [start] + [v[0] for v in views]
        dist, pred = grid.shortest(nodes)
        D = dist[:, nodes]
    order = [0]
    left = set(range(1, len(nodes)))
    while left:
        nxt = min(left, key=lambda j: (D[order[-1], j], j))
        order.append(nxt)
        left.remove(nxt)
    improved = True
    while improved:
        improved = False
        for i in range(1, len(order) - 1):
            for j in range(i + 1, len(order)):
                a, b = order[i - 1], order[i]
                c = order[j]
                d_ = order[j + 1] if j + 1 < len(order) else None
                old = D[a, b] + (D[c, d_] if d_ is not None else 0.0)
                new = D[a, c] + (D[b, d_] if d_ is not None else 0.0)
                if new < old - 1e-9:
                    order[i:j + 1] = order[i:j + 1][::-1]
                    improved = True

    duration = cfg.max_duration_s
    max_rate = np.deg2rad(cfg.max_yaw_rate_deg_s)
    hold_s = 0.5
    segments: list[Segment] = []
    t = 0.0
    cur_xy = grid.xy[start]
    yaw = float(np.arctan2(entrance.normal[1], entrance.normal[0]))
    visited, dropped = [], []

    def turn_time(dy):
        return abs(dy) * MIN_JERK_PEAK / max_rate

    for k in range(1, len(order)):
        i_from, i_to = order[k - 1], order[k]
        path_nodes = []
        n = nodes[i_to]
        src_row = i_from
        while n != nodes[i_from] and n >= 0:
            path_nodes.append(n)
            n = pred[src_row, n]
        path = np.vstack([cur_xy[None], grid.xy[path_nodes[::-1]]]) if path_nodes else cur_xy[None]
        path = _smooth_path(path, free)
        view_yaw = views[i_to - 1][1]
        new_segs, tt = [], t
        if len(path) >= 2:
            cum = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))]
            walk_seg0 = Segment(0, 1, "walk", path, cum)
            head0 = _unwrap_to(_path_heading(walk_seg0, 0.0), yaw)
            if abs(head0 - yaw) > 1e-6:
                new_segs.append(Segment(tt, tt + turn_time(head0 - yaw), "turn", yaw0=yaw, yaw1=head0,
                                        xy=tuple(cur_xy)))
                tt = new_segs[-1].t1
                yaw = head0
            head1 = _unwrap_to(_path_heading(walk_seg0, float(cum[-1]) - 0.3), head0)
            walk_t = max(cum[-1] / cfg.speed_mps, MIN_JERK_PEAK * cum[-1] / cfg.max_speed_mps,
                         turn_time(head1 - head0))
            new_segs.append(Segment(tt, tt + walk_t, "walk", path, cum, yaw0=head0, yaw1=head1))
            tt += walk_t
            yaw = head1
            cur = path[-1]
        else:
            cur = cur_xy
        vy = _unwrap_to(view_yaw, yaw)
        new_segs.append(Segment(tt, tt + turn_time(vy - yaw), "turn", yaw0=yaw, yaw1=vy, xy=tuple(cur)))
        tt = new_segs[-1].t1
        new_segs.append(Segment(tt, tt + hold_s, "hold", yaw0=vy, yaw1=vy, xy=tuple(cur)))
        tt += hold_s
        if tt > duration and visited:
            dropped.extend(views[i - 1][2] for i in order[k:])
            yaw = segments[-1].yaw1 if segments[-1].kind != "walk" else yaw
            break
        segments.extend(new_segs)
        t, yaw, cur_xy = tt, vy, cur
        visited.append(views[i_to - 1])
    if not segments:
        segments.append(Segment(0.0, 2.0, "hold", yaw0=yaw, yaw1=yaw, xy=tuple(cur_xy)))
    total = segments[-1].t1
    if cfg.frames > 0:
        n_frames = cfg.frames
        # the frames are spread over the whole walk: a time-lapse when fewer than the walk needs
        times = np.linspace(0.0, total, n_frames) if n_frames > 1 else np.zeros(1)
    else:
        n_frames = int(np.floor(total * cfg.fps)) + 1
        times = np.arange(n_frames) / cfg.fps
    K = intrinsics_from_hfov(cfg.width, cfg.height, cfg.hfov_deg)
    traj = Trajectory(width=cfg.width, height=cfg.height, fps=cfg.fps, K=K, eye_height_m=float(eye_h),
                      pitch_down_rad=float(pitch), segments=tuple(segments), n_frames=n_frames,
                      frame_times_s=times)
    report = motion_report(traj)
    report.update({
        "n_viewpoints_planned": len(views), "n_viewpoints_visited": len(visited),
        "planned_targets": sorted(int(i) for v in visited for i in v[2]),
        "dropped_for_time": sorted(int(i) for group in dropped for i in group),
        "no_viewpoint": sorted(int(i) for i in unreachable),
        "walk_duration_s": float(total),
        "frame_interval_s": float(times[1] - times[0]) if n_frames > 1 else 0.0,
        "eye_height_m": float(eye_h), "pitch_down_deg": float(np.rad2deg(pitch)),
    })
    return Trajectory(**{**traj.__dict__, "report": report})


def motion_report(traj: Trajectory) -> dict:
    """Measured speed and yaw-rate figures of the sampled trajectory (checked against the preset's limits)."""
    dt = 1.0 / 120.0
    ts = np.arange(0.0, traj.duration_s + dt, dt)
    st = [traj.state_at(t) for t in ts]
    xy = np.array([s[0] for s in st])
    yaw = np.unwrap(np.array([s[1] for s in st]))
    v = np.linalg.norm(np.diff(xy, axis=0), axis=1) / dt if len(ts) > 1 else np.zeros(1)
    w = np.abs(np.diff(yaw)) / dt if len(ts) > 1 else np.zeros(1)
    return {"path_length_m": float(v.sum() * dt), "peak_speed_mps": float(v.max(initial=0.0)),
            "mean_speed_mps": float(v.mean()) if len(v) else 0.0,
            "peak_yaw_rate_deg_s": float(np.rad2deg(w.max(initial=0.0)))}
