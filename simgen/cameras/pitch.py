"""Per-view pitch: the camera looks further down at low furniture and less down at ceiling lamps.

Each viewpoint may carry its own pitch (`Stop.pitch_rad`, within the preset's `min_pitch_down_deg` ..
`max_pitch_down_deg`, issue: 5-25 deg down); every other moment the camera keeps the scene's base pitch.
The pitch is a function of time independent of position and yaw, given by knots ((t_s, pitch_rad), ...)
joined by minimum-jerk moves (zero pitch rate and acceleration at every knot: C2). Knots come from the
viewpoints: a view where the walk stops holds its pitch over its whole hold, a view passed through has
the base pitch at the moment it is passed. Between two knots of different pitch the move needs
ramp_time(delta, max_pitch_rate, max_yaw_accel) seconds; where the walk leaves less time than that, the
camera stands a little longer at the stop (the hold is lengthened, everything after it moves later).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from simgen.cameras.motion import hold_piece, min_jerk, ramp_time


def pitch_at(ts, knots, base_rad: float) -> np.ndarray:
    """(n,) pitch down (rad) at times ts for knots ((t, pitch), ...) sorted by time (constant outside)."""
    ts = np.asarray(ts, dtype=np.float64).reshape(-1)
    if not knots:
        return np.full(len(ts), float(base_rad))
    kt = np.array([k[0] for k in knots], dtype=np.float64)
    kp = np.array([k[1] for k in knots], dtype=np.float64)
    j = np.clip(np.searchsorted(kt, ts, side="right") - 1, 0, len(kt) - 1)
    j1 = np.minimum(j + 1, len(kt) - 1)
    span = kt[j1] - kt[j]
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(span > 0, (ts - kt[j]) / np.where(span > 0, span, 1.0), 0.0)
    out = kp[j] + (kp[j1] - kp[j]) * min_jerk(u)
    out[ts <= kt[0]] = kp[0]
    out[ts >= kt[-1]] = kp[-1]
    return out


def _insert_pause(pieces: list, at_t: float, d: float) -> list:
    """Pieces with a standing pause of d seconds at time at_t (inside a hold: the hold is lengthened; at a
    boundary between pieces, where the camera is at rest: a new hold). Everything after moves d later."""
    out, done = [], False
    for p in pieces:
        if not done and p.kind == "hold" and p.t0 - 1e-9 <= at_t <= p.t1 + 1e-9:
            out.append(replace(p, t1=p.t1 + d))
            done = True
        elif p.t0 >= at_t - 1e-9:
            if not done:
                xy, yaw = p.state(p.t0)
                out.append(hold_piece(at_t, tuple(np.asarray(xy, float)), float(yaw), d))
                done = True
            out.append(replace(p, t0=p.t0 + d, t1=p.t1 + d))
        else:
            out.append(p)
    if not done:
        last = out[-1]
        xy, yaw = last.state(last.t1)
        out.append(hold_piece(last.t1, tuple(np.asarray(xy, float)), float(yaw), d))
    return out


def fit_pitch(pieces: list, stops: list, times: list[float], rested: list[bool], base_rad: float, cfg):
    """(pieces, times, knots): the pitch knots of the stops (see the module doc) and the timeline with the
    pauses the pitch moves need. Without any view of its own pitch: knots = () and nothing changes."""
    if not any(s.pitch_rad is not None and abs(s.pitch_rad - base_rad) > 1e-9 for s in stops):
        return pieces, list(times), ()
    rate = 0.98 * np.deg2rad(cfg.max_pitch_rate_deg_s)
    acc = 0.98 * np.deg2rad(cfg.max_yaw_accel_deg_s2)
    times = list(times)
    # knot intervals [a, b] at pitch p; hold (True) when the camera stands still over the interval
    iv = [[0.0, 0.0, float(base_rad), False, 0]]
    for k in range(1, len(stops)):
        st = stops[k]
        if st.tag not in ("view", "revisit"):
            continue
        p = float(base_rad if st.pitch_rad is None else st.pitch_rad)
        if rested[k]:
            h = st.hold_s / 2
            iv.append([times[k] - h, times[k] + h, p, True, k])
        else:
            iv.append([times[k], times[k], p, False, k])
    for i in range(len(iv) - 1):
        a, b = iv[i], iv[i + 1]
        need = ramp_time(b[2] - a[2], rate, acc) * 1.01
        deficit = need - (b[0] - a[1])
        if deficit <= 1e-9:
            continue
        at = a[1] if a[3] else b[0]          # pause at the end of this hold, else at the start of the next one
        pieces = _insert_pause(pieces, at, deficit)
        for j in range(len(times)):
            if times[j] >= at - 1e-9:
                times[j] += deficit
        for c in iv[i + 1:]:                 # (a pause before the next hold moves that whole hold later)
            c[0] += deficit
            c[1] += deficit
    knots = []
    for a, b, p, _hold, _k in iv:
        knots.append((float(a), p))
        if b > a:
            knots.append((float(b), p))
    # drop repeated interior knots of equal pitch (keeps the profile identical, fewer knots)
    slim = [knots[0]]
    for j in range(1, len(knots) - 1):
        if not (abs(knots[j][1] - slim[-1][1]) < 1e-12 and abs(knots[j + 1][1] - knots[j][1]) < 1e-12):
            slim.append(knots[j])
    if len(knots) > 1:
        slim.append(knots[-1])
    return pieces, times, tuple(slim)
