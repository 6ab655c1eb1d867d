"""Timed, smooth camera motion through a list of stops: the `Trajectory` the pipeline renders.

Position: between two stops the camera follows a C2 cubic spline of the (string-pulled, smoothed)
free-space path, with a minimum-jerk arc-length profile s(t) = L * (10u^3 - 15u^4 + 6u^5): zero
speed and acceleration at the stops, peak speed 1.875 L / T. Where the walk turns sharply the piece
takes longer (the yaw limits below decide).
Heading: while walking it looks `heading_lead_m` ahead along the path (heading leads motion), smoothed
along the path. Near a stop it blends into the stop's look heading with a minimum-jerk weight w(t):
yaw = (1 - w) * walk_heading + w * look_heading, w = 1 at the stop (held for `hold_s`). Every piece is
built from C2 functions whose first and second derivatives vanish at the stops, so position and yaw
are C2 over the whole walk. Durations are stretched until the sampled yaw rate and acceleration stay
under the preset's caps. Eye height and pitch are constant per scene; roll is 0.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.ndimage import gaussian_filter1d

from simgen.cameras.views import camera_rotation
from simgen.core.transforms import make_pose

MIN_JERK_PEAK = 1.875          # peak / mean velocity of a minimum-jerk profile
MIN_JERK_ACC = 5.7735          # peak acceleration of a unit minimum-jerk move over unit time


def min_jerk(u):
    u = np.clip(u, 0.0, 1.0)
    return u ** 3 * (10 - 15 * u + 6 * u ** 2)


def ramp_time(delta_rad: float, rate_rad_s: float, acc_rad_s2: float) -> float:
    """Shortest minimum-jerk duration turning by delta within the rate and acceleration caps."""
    d = abs(delta_rad)
    if d < 1e-6:
        return 0.0
    return max(MIN_JERK_PEAK * d / rate_rad_s, np.sqrt(MIN_JERK_ACC * d / acc_rad_s2))


@dataclass(frozen=True)
class Stop:
    """A place the walk goes to, in visiting order. yaw_rad None = keep the walking direction."""

    xy: tuple[float, float]
    yaw_rad: float | None
    hold_s: float
    targets: tuple[int, ...] = ()        # object ids the planner claims this view covers
    tag: str = "view"                    # view | start | waypoint | revisit | orbit
    via: np.ndarray | None = None        # (n, 2) explicit path to this stop (else the shortest path)
    gaze_xy: tuple[float, float] | None = None   # while walking here, look at this point (orbit)


@dataclass(frozen=True)
class Piece:
    """One piece of the timeline (times in s). kind: walk | turn | hold."""

    t0: float
    t1: float
    kind: str
    xy0: tuple[float, float]
    yaw0: float                          # unwrapped yaw at t0
    yaw1: float                          # unwrapped yaw at t1
    length_m: float = 0.0
    path: object = None                  # CubicSpline s -> (x, y)
    heading: object = None               # CubicSpline s -> walk heading (unwrapped, rad)
    ramp_in_s: float = 0.0
    ramp_out_s: float = 0.0

    def state(self, t: float) -> tuple[np.ndarray, float]:
        T = self.t1 - self.t0
        u = 0.0 if T <= 0 else (t - self.t0) / T
        if self.kind == "hold":
            return np.array(self.xy0), self.yaw0
        if self.kind == "turn":
            return np.array(self.xy0), self.yaw0 + (self.yaw1 - self.yaw0) * float(min_jerk(u))
        s = self.length_m * float(min_jerk(u))
        xy = np.asarray(self.path(s))
        psi = float(self.heading(s))
        tau = t - self.t0
        if self.ramp_in_s > 0 and tau < self.ramp_in_s:
            w = 1.0 - float(min_jerk(tau / self.ramp_in_s))
            psi = (1 - w) * psi + w * self.yaw0
        elif self.ramp_out_s > 0 and self.t1 - t < self.ramp_out_s:
            w = 1.0 - float(min_jerk((self.t1 - t) / self.ramp_out_s))
            psi = (1 - w) * psi + w * self.yaw1
        return xy, psi


@dataclass(frozen=True)
class Trajectory:
    """The planned camera: intrinsics, timeline, delivered frame times and the planner's report."""

    width: int
    height: int
    fps: float
    K: np.ndarray                   # (3, 3)
    eye_height_m: float
    pitch_down_rad: float
    pieces: tuple[Piece, ...]
    n_frames: int
    frame_times_s: np.ndarray       # (n_frames,) simulated time of each delivered frame
    stops: tuple[Stop, ...] = ()
    stop_times_s: tuple[float, ...] = ()
    report: dict = field(default_factory=dict)

    @property
    def timestamps_s(self) -> np.ndarray:
        return self.frame_times_s

    @property
    def duration_s(self) -> float:
        return float(self.pieces[-1].t1)

    def state_at(self, t_s: float) -> tuple[np.ndarray, float]:
        """(xy (2,) world m, unwrapped yaw rad) at time t (clamped to the timeline)."""
        starts = [p.t0 for p in self.pieces]
        k = max(0, min(len(self.pieces) - 1, bisect.bisect_right(starts, float(t_s)) - 1))
        p = self.pieces[k]
        return p.state(min(max(float(t_s), p.t0), p.t1))

    def pose_at(self, t_s: float) -> np.ndarray:
        """(4, 4) cam_to_world (OpenCV camera axes) at any time t, sub-frame times included."""
        xy, yaw = self.state_at(t_s)
        return make_pose(camera_rotation(yaw, self.pitch_down_rad), [xy[0], xy[1], self.eye_height_m])

    def cam_to_world(self) -> np.ndarray:
        """(T, 4, 4) per-frame poses."""
        return np.stack([self.pose_at(t) for t in self.frame_times_s])

    def velocities(self, t_s: float, h_s: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
        """(linear velocity (3,) m/s world, angular velocity (3,) rad/s world) at t (central differences)."""
        a, b = max(0.0, t_s - h_s), min(self.duration_s, t_s + h_s)
        if b <= a:
            return np.zeros(3), np.zeros(3)
        (xa, ya), (xb, yb) = self.state_at(a), self.state_at(b)
        v = np.r_[(xb - xa) / (b - a), 0.0]
        return v, np.array([0.0, 0.0, (yb - ya) / (b - a)])


def _spline_path(pts: np.ndarray) -> tuple[CubicSpline, float]:
    """C2 spline s -> xy through a dense polyline (n, 2), parametrised by its arc length."""
    d = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))]
    keep = np.r_[True, np.diff(d) > 1e-6]
    pts, d = pts[keep], d[keep]
    if len(d) < 2:
        return None, 0.0
    # re-parametrise by the arc length of the spline's own samples (close to d)
    return CubicSpline(d, pts, bc_type="natural"), float(d[-1])


def _heading_spline(path: CubicSpline, L: float, lead_m: float, gaze_xy=None) -> CubicSpline:
    """Walk heading along the path: toward the point `lead_m` ahead (or toward gaze_xy), smoothed, unwrapped."""
    step = 0.02
    s = np.linspace(0.0, L, max(4, int(np.ceil(L / step)) + 1))
    p = path(s)
    if gaze_xy is not None:
        d = np.asarray(gaze_xy)[None] - p
    else:
        ahead = path(np.minimum(s + lead_m, L))
        d = ahead - p
        tail = np.linalg.norm(d, axis=1) < 0.5 * lead_m
        if tail.any():                     # near the end: keep the direction of the last lead_m
            back = path(np.maximum(L - lead_m, 0.0))
            d[tail] = p[-1] - back
    psi = np.unwrap(np.arctan2(d[:, 1], d[:, 0]))
    psi = gaussian_filter1d(psi, max(1.0, 0.25 / step), mode="nearest")
    return CubicSpline(s, psi, bc_type="clamped")


def _wrap_near(angle: float, ref: float) -> float:
    return ref + (angle - ref + np.pi) % (2 * np.pi) - np.pi


def _limits_ok(piece: Piece, rate: float, acc: float) -> float:
    """Worst ratio of sampled |yaw rate| / rate and |yaw acc| / acc over the piece (<= 1 is within caps)."""
    T = piece.t1 - piece.t0
    n = max(8, int(T / 0.02))
    ts = np.linspace(piece.t0, piece.t1, n)
    psi = np.array([piece.state(t)[1] for t in ts])
    dt = ts[1] - ts[0]
    w = np.diff(psi) / dt
    a = np.diff(w) / dt
    return max(np.abs(w).max(initial=0.0) / rate, np.abs(a).max(initial=0.0) / acc)


def walk_piece(t0: float, pts: np.ndarray, yaw_in: float, yaw_out: float | None, cfg, gaze_xy=None) -> Piece:
    """A walk along polyline pts (n, 2) starting at unwrapped yaw_in and ending at look heading yaw_out
    (None: the walking direction). Durations respect the speed, yaw rate and yaw acceleration caps."""
    rate = np.deg2rad(cfg.max_yaw_rate_deg_s)
    acc = np.deg2rad(cfg.max_yaw_accel_deg_s2)
    path, L = _spline_path(pts)
    heading = _heading_spline(path, L, cfg.heading_lead_m, gaze_xy)
    shift = _wrap_near(float(heading(0.0)), yaw_in) - float(heading(0.0))
    heading = CubicSpline(heading.x, heading(heading.x) + shift, bc_type="clamped")
    h_end = float(heading(L))
    y_out = h_end if yaw_out is None else _wrap_near(yaw_out, h_end)
    r_in = ramp_time(float(heading(0.0)) - yaw_in, rate, acc) * 1.05
    r_out = ramp_time(y_out - h_end, rate, acc) * 1.05
    v_peak = 0.95 * min(cfg.max_speed_mps, MIN_JERK_PEAK * cfg.speed_mps)
    T = max(MIN_JERK_PEAK * L / v_peak, r_in + r_out + 0.2, 0.5)
    for _ in range(12):
        p = Piece(t0, t0 + T, "walk", tuple(pts[0]), yaw_in, y_out, L, path, heading, r_in, r_out)
        worst = _limits_ok(p, rate, acc)
        if worst <= 0.98:
            return p
        f = min(2.0, max(1.1, worst))
        T, r_in, r_out = T * f, r_in * min(f, 1.3), r_out * min(f, 1.3)
        T = max(T, r_in + r_out + 0.2)
    return p


def turn_piece(t0: float, xy, yaw_in: float, yaw_to: float, cfg) -> Piece:
    rate = np.deg2rad(cfg.max_yaw_rate_deg_s)
    acc = np.deg2rad(cfg.max_yaw_accel_deg_s2)
    y1 = _wrap_near(yaw_to, yaw_in)
    T = max(ramp_time(y1 - yaw_in, rate, acc) * 1.05, 0.2)
    return Piece(t0, t0 + T, "turn", tuple(xy), yaw_in, y1)


def hold_piece(t0: float, xy, yaw: float, hold_s: float) -> Piece:
    return Piece(t0, t0 + hold_s, "hold", tuple(xy), yaw, yaw)
