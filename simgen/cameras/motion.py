"""Timed, smooth camera motion: the `Trajectory` the pipeline renders, built from pieces.

Pieces (times in s):
- `leg`: a continuous walk from rest to rest along a C2 cubic spline of the (string-pulled, smoothed)
  free-space path, passing *through* any number of viewpoints without stopping. Arc length s(t) is a
  C2 spline of a speed profile: cruise at `speed_mps`, slowed where the heading must turn (yaw rate
  |dpsi/ds| v <= 0.9 max_yaw_rate, yaw acceleration |d2psi/ds2| v^2 <= 0.5 max_yaw_accel), linear
  acceleration <= `max_accel_mps2`, zero speed at both ends; the profile is smoothed in time so the
  acceleration is continuous, then checked on samples and slowed locally until every cap holds.
  Heading psi(s): toward the point `heading_lead_m` ahead along the path (heading leads motion),
  blended with a minimum-jerk weight into each pass-through viewpoint's look heading around it.
- `turn`: turn in place (minimum-jerk yaw, <= 180 deg, within the yaw rate and acceleration caps),
  used where the walk must stop: at its ends, and at viewpoints whose look heading is more than
  `pass_through_deg` off the walking direction or where the path reverses (look-around).
- `hold`: stand still for `hold_s` facing a viewpoint where the walk stopped.
- `step`: a short way between two looks (look-around): the yaw follows C2 turns (straight to the next look,
  or via the walking direction) while the position goes from rest to rest as fast as the speed, sideways
  and acceleration caps allow given the yaw at each moment (walk_under_yaw).
Position, yaw and their first two derivatives are continuous everywhere (every piece starts and ends
at rest with zero acceleration). Eye height and pitch are constant per scene; roll is 0.
"""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.ndimage import gaussian_filter1d

from simgen.cameras.views import camera_rotation
from simgen.core.transforms import make_pose

log = logging.getLogger(__name__)
MIN_JERK_PEAK = 1.875          # peak / mean velocity of a minimum-jerk profile
MIN_JERK_ACC = 5.7735          # peak acceleration of a unit minimum-jerk move over unit time
STEP_M = 0.02                  # arc-length sampling of legs
DT_S = 0.02                    # time sampling of legs
HEADING_SMOOTH_M = 0.5         # Gaussian smoothing (sigma, along the path) of the walking heading


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
    pitch_rad: float | None = None       # look pitch (down) at this view; None = the scene's base pitch


@dataclass(frozen=True)
class Piece:
    """One piece of the timeline. kind: leg | turn | hold | step. Legs: path (s -> xy), heading (s -> unwrapped
    yaw) and s_of_t (t - t0 -> s) splines. Steps: path, and s_of_t = (step, turn duration, turn rate, ramp)."""

    t0: float
    t1: float
    kind: str
    xy0: tuple[float, float]
    yaw0: float                          # unwrapped yaw at t0
    yaw1: float                          # unwrapped yaw at t1
    length_m: float = 0.0
    path: object = None
    heading: object = None
    s_of_t: object = None

    def states(self, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(xy (n, 2), yaw (n,)) at times ts (n,) inside the piece."""
        ts = np.asarray(ts, dtype=np.float64)
        T = self.t1 - self.t0
        if self.kind == "hold" or T <= 0:
            return np.tile(np.asarray(self.xy0, float), (len(ts), 1)), np.full(len(ts), self.yaw0)
        if self.kind == "turn":
            return (np.tile(np.asarray(self.xy0, float), (len(ts), 1)),
                    self.yaw0 + np.sign(self.yaw1 - self.yaw0) * turn_angle(ts - self.t0, *self.s_of_t))
        if self.kind == "step":                  # s_of_t = (walk duration, s(tau) spline or None, yaw turns)
            Ts, s_of_tau, turns = self.s_of_t
            tau = ts - self.t0
            s = (np.clip(s_of_tau(np.clip(tau, 0.0, Ts)), 0.0, self.length_m) if s_of_tau is not None
                 else np.zeros(len(ts)))
            return np.asarray(self.path(s)).reshape(-1, 2), self.yaw0 + turns_angle(tau, turns)
        s = np.clip(self.s_of_t(np.clip(ts - self.t0, 0.0, T)), 0.0, self.length_m)
        return np.asarray(self.path(s)).reshape(-1, 2), np.asarray(self.heading(s)).reshape(-1)

    def state(self, t: float) -> tuple[np.ndarray, float]:
        xy, yaw = self.states(np.array([t]))
        return xy[0], float(yaw[0])


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
    # pitch profile (simgen.cameras.pitch): knots ((t_s, pitch_down_rad), ...) joined by minimum-jerk
    # moves; empty = constant pitch_down_rad
    pitch_knots: tuple = ()

    @property
    def timestamps_s(self) -> np.ndarray:
        return self.frame_times_s

    @property
    def duration_s(self) -> float:
        return float(self.pieces[-1].t1)

    def states(self, ts) -> tuple[np.ndarray, np.ndarray]:
        """(xy (n, 2) world m, unwrapped yaw (n,) rad) at times ts (clamped to the timeline)."""
        ts = np.clip(np.asarray(ts, dtype=np.float64).reshape(-1), 0.0, self.duration_s)
        starts = np.array([p.t0 for p in self.pieces])
        k = np.clip(np.searchsorted(starts, ts, side="right") - 1, 0, len(self.pieces) - 1)
        xy, yaw = np.zeros((len(ts), 2)), np.zeros(len(ts))
        for j in np.unique(k):
            m = k == j
            p = self.pieces[j]
            xy[m], yaw[m] = p.states(np.clip(ts[m], p.t0, p.t1))
        return xy, yaw

    def state_at(self, t_s: float) -> tuple[np.ndarray, float]:
        """(xy (2,) world m, unwrapped yaw rad) at time t (clamped to the timeline)."""
        starts = [p.t0 for p in self.pieces]
        k = max(0, min(len(self.pieces) - 1, bisect.bisect_right(starts, float(t_s)) - 1))
        p = self.pieces[k]
        return p.state(min(max(float(t_s), p.t0), p.t1))

    def pitches(self, ts) -> np.ndarray:
        """(n,) pitch down (rad) at times ts."""
        from simgen.cameras.pitch import pitch_at

        return pitch_at(ts, self.pitch_knots, self.pitch_down_rad)

    def pose_at(self, t_s: float) -> np.ndarray:
        """(4, 4) cam_to_world (OpenCV camera axes) at any time t, sub-frame times included."""
        xy, yaw = self.state_at(t_s)
        pitch = float(self.pitches([t_s])[0]) if self.pitch_knots else self.pitch_down_rad
        return make_pose(camera_rotation(yaw, pitch), [xy[0], xy[1], self.eye_height_m])

    def cam_to_world(self) -> np.ndarray:
        """(T, 4, 4) per-frame poses."""
        return np.stack([self.pose_at(t) for t in self.frame_times_s])

    def velocities(self, t_s: float, h_s: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
        """(linear velocity (3,) m/s world, angular velocity (3,) rad/s world) at t (central differences)."""
        a, b = max(0.0, t_s - h_s), min(self.duration_s, t_s + h_s)
        if b <= a:
            return np.zeros(3), np.zeros(3)
        Pa, Pb = self.pose_at(a), self.pose_at(b)
        v = (Pb[:3, 3] - Pa[:3, 3]) / (b - a)
        M = Pb[:3, :3] @ Pa[:3, :3].T                   # ~ I + [w]x (b - a)
        w = np.array([M[2, 1] - M[1, 2], M[0, 2] - M[2, 0], M[1, 0] - M[0, 1]]) / (2.0 * (b - a))
        return v, w


def wrap_near(angle: float, ref: float) -> float:
    return ref + (angle - ref + np.pi) % (2 * np.pi) - np.pi


def spline_path(pts: np.ndarray) -> tuple[CubicSpline | None, float]:
    """C2 spline s -> xy through a dense polyline (n, 2), parametrised by its arc length."""
    d = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))]
    keep = np.r_[True, np.diff(d) > 1e-6]
    pts, d = pts[keep], d[keep]
    if len(d) < 2:
        return None, 0.0
    return CubicSpline(d, pts, bc_type="natural"), float(d[-1])


def path_heading(path: CubicSpline, L: float, lead_m: float, gaze_xy=None) -> tuple[np.ndarray, np.ndarray]:
    """(s (m,), psi (m,)): the walking heading along a path, toward the point lead_m ahead (or toward
    gaze_xy), smoothed and unwrapped."""
    s = np.linspace(0.0, L, max(4, int(np.ceil(L / STEP_M)) + 1))
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
    return s, gaussian_filter1d(psi, max(1.0, HEADING_SMOOTH_M / STEP_M), mode="nearest")


def leg_heading(s: np.ndarray, psi: np.ndarray, views: list[tuple[float, float]], yaw_in: float,
                yaw_out: float | None, blend_m: float = 0.7) -> CubicSpline:
    """Heading spline along a leg: the walking heading psi (unwrapped near yaw_in), blended with minimum-jerk
    weights from yaw_in at s = 0, into each pass-through view (s_v, look yaw) over blend_m either side,
    and into yaw_out (if given) at the end."""
    L = float(s[-1])
    psi = psi + (wrap_near(psi[0], yaw_in) - psi[0])
    marks = [0.0] + [sv for sv, _ in views] + [L]
    for j, (s_v, yaw_v) in enumerate(views):
        # windows of neighbouring views do not overlap, so each view gets exactly its look heading
        room = min(s_v - marks[j], marks[j + 2] - s_v)
        bm = max(0.05, min(blend_m, 0.45 * room - 0.05))
        w = 1.0 - min_jerk((np.abs(s - s_v) - min(0.05, 0.1 * room)) / bm)
        psi_v = wrap_near(yaw_v, float(np.interp(s_v, s, psi)))
        psi = (1 - w) * psi + w * psi_v
    b0 = max(1e-3, min(blend_m, 0.45 * L, 0.45 * marks[1]))
    b1 = max(1e-3, min(blend_m, 0.45 * L, 0.45 * (L - marks[-2])))
    w0 = 1.0 - min_jerk(s / b0)
    psi = (1 - w0) * psi + w0 * yaw_in
    if yaw_out is not None:
        w1 = 1.0 - min_jerk((L - s) / b1)
        psi = (1 - w1) * psi + w1 * wrap_near(yaw_out, float(psi[-1]))
    return CubicSpline(s, psi, bc_type="clamped")


MAX_SIDEWAYS_MPS = 0.35       # walking while looking sideways: at most this speed across (or against) the look direction


def off_axis(dpsi):
    """Fraction of the walking speed across or against the look direction, for a look heading dpsi (rad)
    off the motion: |sin| sideways, -cos backwards (whichever is larger)."""
    return np.maximum(np.abs(np.sin(dpsi)), np.maximum(-np.cos(dpsi), 0.0))


def _direction_curvature(path: CubicSpline, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(walking direction (rad), curvature (1/m)) of the path spline at arc lengths s."""
    p1, p2 = path(s, 1), path(s, 2)
    kappa = np.abs(p1[:, 0] * p2[:, 1] - p1[:, 1] * p2[:, 0]) / np.maximum(np.linalg.norm(p1, axis=1), 1e-9) ** 3
    return np.arctan2(p1[:, 1], p1[:, 0]), kappa


def _slow_locally(scale: np.ndarray, s: np.ndarray, sv: np.ndarray, bad: np.ndarray, ratio: np.ndarray,
                  bin_m: float, win_m: float) -> None:
    """Lower `scale` (speed factor per arc-length sample s) around every bin_m-wide stretch of path where a
    cap broke (bad samples at arc lengths sv, broken by `ratio`), within win_m of it, by about as much as the
    cap was broken (factor 0.97 / ratio, clipped to 0.6..0.95)."""
    for sb in np.unique(np.round(sv[bad] / bin_m) * bin_m):
        r = float(ratio[bad][np.abs(sv[bad] - sb) <= bin_m / 2].max(initial=1.0))
        scale[np.abs(s - sb) < win_m] *= float(np.clip(0.97 / max(r, 1e-9), 0.6, 0.95))


def _speed_limits(heading: CubicSpline, path: CubicSpline, s: np.ndarray, cfg, scale: np.ndarray) -> np.ndarray:
    """Speed cap (m/s) along the leg from the yaw rate and acceleration caps, the path's curvature (lateral
    acceleration <= 0.8 max_accel_mps2) and the sideways-speed cap (no strafing)."""
    rate = np.deg2rad(cfg.max_yaw_rate_deg_s)
    acc = np.deg2rad(cfg.max_yaw_accel_deg_s2)
    d1 = np.abs(heading(s, 1))
    d2 = np.abs(heading(s, 2))
    move, kappa = _direction_curvature(path, s)
    side = off_axis(heading(s) - move)
    with np.errstate(divide="ignore"):
        v = np.minimum.reduce([np.full_like(s, min(cfg.speed_mps, 0.95 * cfg.max_speed_mps)),
                               0.85 * rate / d1, np.sqrt(0.45 * acc / d2),
                               np.sqrt(0.8 * cfg.max_accel_mps2 / kappa), 0.9 * MAX_SIDEWAYS_MPS / side])
    return v * scale


def _time_profile(s: np.ndarray, vmax: np.ndarray, a_max: float, smooth_s: float):
    """(t (m,), s(t) (m,)) sampled every DT_S: forward/backward acceleration passes on vmax(s), zero speed at
    both ends, then Gaussian smoothing in time (continuous acceleration; s stays monotone)."""
    ds = np.diff(s)
    v2 = np.minimum(vmax, 10.0) ** 2
    v2[0] = v2[-1] = 0.0
    for i in range(1, len(s)):
        v2[i] = min(v2[i], v2[i - 1] + 2 * a_max * ds[i - 1])
    for i in range(len(s) - 2, -1, -1):
        v2[i] = min(v2[i], v2[i + 1] + 2 * a_max * ds[i])
    v = np.sqrt(np.maximum(v2, 0.0))
    dt = 2 * ds / np.maximum(v[1:] + v[:-1], 1e-6)
    t = np.r_[0.0, np.cumsum(dt)]
    pad = 3.0 * smooth_s
    tu = np.arange(-pad, t[-1] + pad + DT_S, DT_S)
    su = np.interp(tu, t, s)
    su = gaussian_filter1d(su, smooth_s / DT_S, mode="nearest")
    su[0], su[-1] = s[0], s[-1]
    return tu - tu[0], np.maximum.accumulate(su)


def leg_piece(t0: float, pts: np.ndarray, yaw_in: float, views: list[tuple[int, float]], cfg, gaze_xy=None,
              yaw_out: float | None = None, fixed_yaw: bool = False) -> tuple[Piece, list[float]]:
    """A walk from rest to rest along polyline pts (n, 2) through pass-through views [(sample index into
    pts, look yaw)], starting at heading yaw_in and ending at yaw_out (None: the walking heading).
    fixed_yaw: keep looking at yaw_in the whole leg (a short step sideways or back between two looks).
    Returns the piece and the time it passes each view."""
    path, L = spline_path(pts)
    seg = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))]
    s_views = [(float(seg[i]), y) for i, y in views]
    s_h, psi = path_heading(path, L, cfg.heading_lead_m, gaze_xy)
    if fixed_yaw:
        heading = CubicSpline(s_h, np.full_like(s_h, float(yaw_in)), bc_type="clamped")
    else:
        heading = leg_heading(s_h, psi, s_views, yaw_in, yaw_out)
    s = np.linspace(0.0, L, max(4, int(np.ceil(L / STEP_M)) + 1))
    scale = np.ones_like(s)
    rate = np.deg2rad(cfg.max_yaw_rate_deg_s)
    acc = np.deg2rad(cfg.max_yaw_accel_deg_s2)
    a_max = cfg.max_accel_mps2
    stretch = 1.0
    for it in range(12):
        tu, su = _time_profile(s, _speed_limits(heading, path, s, cfg, scale), 0.8 * a_max, 0.1)
        if stretch != 1.0:
            tu = tu * stretch
        sp = CubicSpline(tu, su)
        # check every cap on a fine time grid
        tt = np.arange(0.0, tu[-1], 0.01)
        sv = np.clip(sp(tt), 0, L)
        v, a = sp(tt, 1), sp(tt, 2)
        h1, h2 = heading(sv, 1), heading(sv, 2)
        w = h1 * v
        al = h2 * v * v + h1 * a
        p1, p2 = path(sv, 1), path(sv, 2)
        acc_xy = np.linalg.norm(p2 * (v * v)[:, None] + p1 * a[:, None], axis=1)       # m/s^2
        side = np.abs(v) * off_axis(heading(sv) - np.arctan2(p1[:, 1], p1[:, 0]))
        bad = (np.abs(w) > 0.98 * rate) | (np.abs(al) > 0.98 * acc) | (np.abs(v) > 0.98 * cfg.max_speed_mps) \
            | (acc_xy > a_max) | (side > MAX_SIDEWAYS_MPS)
        if not bad.any():
            break
        log.debug("leg it %d: rate %s acc %s speed %s accxy %s side %s stretch %.2f", it,
                  (np.abs(w) > 0.98 * rate).sum(), (np.abs(al) > 0.98 * acc).sum(),
                  (np.abs(v) > 0.98 * cfg.max_speed_mps).sum(), (acc_xy > a_max).sum(), (side > MAX_SIDEWAYS_MPS).sum(),
                  stretch)
        if it >= 8:
            stretch *= 1.15                   # last resort: the whole leg slower
            continue
        # slow down only where a cap is broken, by about as much as it is broken (square root for the
        # acceleration-type caps: they scale with the speed squared)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.nanmax(np.stack([np.abs(w) / (0.98 * rate), np.sqrt(np.abs(al) / (0.98 * acc)),
                                        np.abs(v) / (0.98 * cfg.max_speed_mps), np.sqrt(acc_xy / a_max),
                                        side / MAX_SIDEWAYS_MPS]), axis=0)
        _slow_locally(scale, s, sv, bad, ratio, 0.1, 0.35)
    piece = Piece(t0, t0 + float(tu[-1]), "leg", tuple(pts[0]), float(yaw_in), float(heading(L)), L,
                  path, heading, sp)
    times = [t0 + float(np.interp(sv_, su, tu)) for sv_, _ in s_views]
    return piece, times


def turn_profile(delta_rad: float, rate_rad_s: float, acc_rad_s2: float) -> tuple[float, float, float]:
    """(duration T, peak rate w, ramp time Ta) of a C2 turn by |delta|: the angular acceleration is a
    sin^2 pulse (peak acc_rad_s2) for Ta up to the rate w <= rate_rad_s, constant w, and the mirror pulse
    down. Faster than a minimum-jerk turn under the same caps (a 90 deg turn: 3.0 s vs 3.75 s at 45 deg/s)."""
    d = abs(delta_rad)
    if d < 1e-9:
        return 0.0, 0.0, 0.0
    w = min(rate_rad_s, np.sqrt(d * acc_rad_s2 / 2.0))
    ta = 2.0 * w / acc_rad_s2
    return 2.0 * ta + (d - w * ta) / w, w, ta


def turn_angle(tau, T: float, w: float, ta: float):
    """Angle turned (rad, >= 0) at times tau (s) into a turn_profile(T, w, ta)."""
    tau = np.clip(np.asarray(tau, dtype=np.float64), 0.0, T)
    if T <= 0:
        return np.zeros_like(tau)

    def ramp(x):                          # angle after x s of the up-ramp (acc = a sin^2(pi x / ta))
        a = 2.0 * w / ta
        return a * (x * x / 4.0 - 0.5 * (ta / (2 * np.pi)) ** 2 * (1.0 - np.cos(2 * np.pi * x / ta)))

    total = w * (T - ta)                   # = ramp(ta) + cruise + ramp(ta)
    up = ramp(np.minimum(tau, ta))
    cruise = w * np.clip(tau - ta, 0.0, T - 2 * ta)
    down_x = np.clip(T - tau, 0.0, ta)
    # the down-ramp mirrors the up-ramp: angle(T - x) = total - ramp(x)
    return np.where(tau <= T - ta, up + cruise, total - ramp(down_x))


def turn_piece(t0: float, xy, yaw_in: float, yaw_to: float, cfg) -> Piece:
    (_t, _sg, T, w, ta), y1 = _turn(0.0, yaw_in, yaw_to, cfg)
    return Piece(t0, t0 + T, "turn", tuple(xy), yaw_in, y1, s_of_t=(T, w, ta))


def turns_angle(tau, turns) -> np.ndarray:
    """Yaw change (rad) at times tau (s) of a sequence of turns [(start s, sign, T, w, ta)] (turn_profile)."""
    tau = np.asarray(tau, dtype=np.float64)
    out = np.zeros_like(tau)
    for t_k, sgn, T, w, ta in turns:
        out = out + sgn * turn_angle(tau - t_k, T, w, ta)
    return out


def _turn(t_k: float, yaw_from: float, yaw_to: float, cfg) -> tuple[tuple, float]:
    """The shortest-way C2 turn from yaw_from to yaw_to within 0.98 of the yaw caps, starting at t_k (a turn
    in place, or one turn of a step's yaw plan): ((t_k, sign, T, w, ta), unwrapped end yaw)."""
    rate = 0.98 * np.deg2rad(cfg.max_yaw_rate_deg_s)
    acc = 0.98 * np.deg2rad(cfg.max_yaw_accel_deg_s2)
    y1 = wrap_near(yaw_to, yaw_from)
    T, w, ta = turn_profile(y1 - yaw_from, rate, acc)
    return (t_k, float(np.sign(y1 - yaw_from)), T, w, ta), y1


def walk_under_yaw(path, L: float, yaw_in: float, turns, cfg, t_guess: float):
    """The quickest walk from rest to rest along `path` (arc length 0..L) while the yaw follows a given plan
    (yaw_in + turns_angle(t, turns)): speed <= cfg.speed_mps (and 0.98 max_speed_mps), speed across or
    against the look direction <= MAX_SIDEWAYS_MPS, walking plus lateral acceleration <= max_accel_mps2.
    The caps depend on time through the yaw, so the profile is found by a fixed point (times along the
    path -> yaw -> speed caps -> forward/backward acceleration passes -> times), then checked every 10 ms
    and slowed locally where a cap breaks, as legs are. Returns (duration, s(tau) spline), or None if the
    caps still break after 16 rounds (the caller then falls back to a minimum-jerk profile)."""
    n = max(21, int(np.ceil(L / 0.01)) + 1)
    s = np.linspace(0.0, L, n)
    move, kappa = _direction_curvature(path, s)
    a_max = cfg.max_accel_mps2
    with np.errstate(divide="ignore"):
        base = np.minimum(min(cfg.speed_mps, 0.95 * cfg.max_speed_mps), np.sqrt(0.8 * a_max / kappa))
    scale = np.ones(n)
    tq = s / max(L, 1e-9) * max(t_guess, 1e-3)
    for it in range(16):
        for _ in range(3):
            side = off_axis(yaw_in + turns_angle(tq, turns) - move)
            with np.errstate(divide="ignore"):
                cap = np.minimum(base, 0.9 * MAX_SIDEWAYS_MPS / side) * scale
            tu, su = _time_profile(s, cap, 0.8 * a_max, 0.1)
            keep = np.r_[True, np.diff(su) > 1e-12]
            tq = np.interp(s, su[keep], tu[keep])
        sp = CubicSpline(tu, su)
        tt = np.arange(0.0, tu[-1], 0.01)
        sv = np.clip(sp(tt), 0.0, L)
        v, a = sp(tt, 1), sp(tt, 2)
        q1, q2 = path(sv, 1), path(sv, 2)
        acc_xy = np.linalg.norm(q2 * (v * v)[:, None] + q1 * a[:, None], axis=1)
        side_v = np.abs(v) * off_axis(yaw_in + turns_angle(tt, turns) - np.arctan2(q1[:, 1], q1[:, 0]))
        bad = (np.abs(v) > 0.98 * cfg.max_speed_mps) | (acc_xy > 0.97 * a_max) | (side_v > 0.98 * MAX_SIDEWAYS_MPS)
        if not bad.any():
            return float(tu[-1]), sp
        if it >= 10:
            scale *= 0.85                     # last resort: the whole walk slower
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.nanmax(np.stack([np.abs(v) / (0.98 * cfg.max_speed_mps), np.sqrt(acc_xy / (0.97 * a_max)),
                                        side_v / (0.98 * MAX_SIDEWAYS_MPS)]), axis=0)
        _slow_locally(scale, s, sv, bad, ratio, 0.05, 0.15)
    return None                         # not seen on any scene; step_piece keeps its minimum-jerk candidate


def step_piece(t0: float, pts: np.ndarray, yaw_in: float, yaw_to: float, cfg) -> Piece:
    """A look-around step (see _step_piece), memoised: the planner times the same ways again while it prunes
    viewpoints and fits the walk to its duration cap."""
    pts = np.ascontiguousarray(pts, dtype=np.float64)
    key = (pts.tobytes(), pts.shape, float(yaw_in), float(yaw_to), cfg.speed_mps, cfg.max_speed_mps,
           cfg.max_accel_mps2, cfg.max_yaw_rate_deg_s, cfg.max_yaw_accel_deg_s2)
    piece = _STEP_CACHE.get(key)
    if piece is None:
        piece = _step_piece(pts, float(yaw_in), float(yaw_to), cfg)
        if len(_STEP_CACHE) >= 4096:
            _STEP_CACHE.pop(next(iter(_STEP_CACHE)))
        _STEP_CACHE[key] = piece
    return replace(piece, t0=float(t0), t1=float(t0) + (piece.t1 - piece.t0))


_STEP_CACHE: dict = {}


def _step_piece(pts: np.ndarray, yaw_in: float, yaw_to: float, cfg) -> Piece:
    """A short way from rest to rest along polyline pts (n, 2) between two looks (a look-around step): the
    yaw turns from yaw_in to yaw_to by C2 turn profiles while the position moves along the path as fast as
    the caps allow given the yaw at each moment (walk_under_yaw). Two yaw plans are timed and the quicker
    kept: (1) one turn straight to the next look; (2) turn toward the walking direction (the chord of the
    path), face it for a while (searched over a few durations), then turn to the next look — walking ahead in
    the middle of the way instead of sideways the whole way. Position, yaw and their first two derivatives
    are continuous, and both start and end at rest. Where the position arrives before the yaw does, the
    rest of the turn is done standing."""
    path, L = spline_path(pts)
    first, y1 = _turn(0.0, yaw_in, yaw_to, cfg)
    if path is None or L < 1e-3:
        return Piece(0.0, first[2], "step", tuple(pts[0]), yaw_in, y1, 0.0, lambda s: np.tile(pts[0], (np.size(s), 1)),
                     None, (0.0, None, (first,)))
    chord = np.asarray(pts[-1], float) - np.asarray(pts[0], float)
    m = float(np.arctan2(chord[1], chord[0])) if np.linalg.norm(chord) > 1e-6 else yaw_in
    plans = [(first,)]
    to_m, ym = _turn(0.0, yaw_in, m, cfg)
    if to_m[2] > 0 or angle_diff(m, yaw_to) > 1e-3:         # else plan 2 would be plan 1
        back, _ = _turn(0.0, ym, yaw_to, cfg)
        walk_ahead = L / max(cfg.speed_mps, 1e-3)
        for f in (0.0, 0.25, 0.5, 0.75, 1.0):
            t_back = to_m[2] + f * walk_ahead
            plans.append((to_m, (t_back,) + back[1:]))
    cands = []
    for turns in plans:
        t_turns = max(t_k + T for t_k, _sg, T, _w, _ta in turns)
        walk = walk_under_yaw(path, L, yaw_in, turns, cfg, max(t_turns, L / max(cfg.speed_mps, 1e-3)))
        if walk is not None:
            cands.append((max(walk[0], t_turns), walk[0], walk[1], turns))
    mj = _min_jerk_step(path, L, yaw_in, plans[0], cfg)      # short steps: a minimum-jerk profile is quicker
    cands.append((max(mj[0], plans[0][0][2]), mj[0], mj[1], plans[0]))
    costs = [_step_cost(path, L, yaw_in, c) for c in cands]
    total, Ts, sp, turns = cands[int(np.argmin(costs))]       # first of equal costs
    y_end = yaw_in + float(turns_angle(np.array([total + 1.0]), turns)[0])
    return Piece(0.0, total, "step", tuple(pts[0]), yaw_in, y_end, L, path, None, (Ts, sp, tuple(turns)))


SIDEWAYS_PENALTY = 0.5    # choosing a step's yaw plan, a second walking sideways (> 60 deg off) counts 1.5 s


def _step_cost(path, L: float, yaw_in: float, cand) -> float:
    """Duration of a step candidate (total, Ts, s(tau), turns) plus SIDEWAYS_PENALTY x the time it walks
    (> 0.1 m/s) with the look more than 60 deg off the motion: walking ahead is preferred to strafing when it
    costs little more time."""
    total, Ts, s_of_tau, turns = cand
    tau = np.arange(0.0, Ts, 0.02)
    s = np.clip(s_of_tau(tau), 0.0, L)
    v = np.gradient(s, 0.02) if len(s) > 1 else np.zeros(len(s))
    p1 = path(s, 1)
    off = angle_diff(yaw_in + turns_angle(tau, turns), np.arctan2(p1[:, 1], p1[:, 0]))
    return float(total + SIDEWAYS_PENALTY * 0.02 * np.count_nonzero((v > 0.1) & (off > np.deg2rad(60.0))))


def _min_jerk_step(path, L: float, yaw_in: float, turns, cfg):
    """(duration, s(tau)) of a minimum-jerk walk along the path under the yaw plan: the shortest duration
    (8 % steps) that keeps the speed across or against the look direction, the speed and the acceleration
    within the same caps as walk_under_yaw. Quicker than the time-optimal profile only for steps of a few cm
    (that profile's smoothing in time costs ~0.5 s)."""
    u = np.linspace(0.0, 1.0, max(101, int(np.ceil(L / 0.005)) + 1))      # every <= 5 mm of the path
    dmj = 30 * u ** 2 * (1 - u) ** 2                            # d min_jerk / du
    ddmj = 60 * u - 180 * u ** 2 + 120 * u ** 3
    s = L * min_jerk(u)
    p1, p2 = path(s, 1), path(s, 2)
    move = np.arctan2(p1[:, 1], p1[:, 0])
    kappa = np.abs(p1[:, 0] * p2[:, 1] - p1[:, 1] * p2[:, 0])
    Ts = max(MIN_JERK_PEAK * L / min(cfg.speed_mps, 0.95 * cfg.max_speed_mps),
             np.sqrt(MIN_JERK_ACC * L / (0.8 * cfg.max_accel_mps2)), 0.2)
    for _ in range(60):
        v = L * dmj / Ts
        a = np.hypot(L * ddmj / Ts ** 2, v * v * kappa)
        yaw = yaw_in + turns_angle(u * Ts, turns)
        if np.all(v * off_axis(yaw - move) <= 0.97 * MAX_SIDEWAYS_MPS) and np.all(a <= 0.8 * cfg.max_accel_mps2):
            break
        Ts *= 1.08
    return Ts, (lambda tau, Ts=Ts: L * min_jerk(np.asarray(tau, dtype=np.float64) / Ts))


def angle_diff(a, b):
    """|a - b| wrapped to [0, pi] (rad; scalars or arrays)."""
    return np.abs((np.asarray(a) - b + np.pi) % (2 * np.pi) - np.pi)


def hold_piece(t0: float, xy, yaw: float, hold_s: float) -> Piece:
    return Piece(t0, t0 + hold_s, "hold", tuple(xy), yaw, yaw)
