"""Measured motion figures of a trajectory (sampled at 50 Hz), checked against the preset's caps."""

from __future__ import annotations

import numpy as np
import shapely


def sample_states(traj, dt_s: float = 0.02) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t (n,), xy (n, 2), unwrapped yaw (n,)) on a regular grid over the whole walk."""
    ts = np.arange(0.0, traj.duration_s + 1e-9, dt_s)
    xy, yaw = traj.states(ts)
    return ts, xy, yaw


def motion_report(traj, cfg, free=None, dt_s: float = 0.02) -> dict:
    ts, xy, yaw = sample_states(traj, dt_s)
    if len(ts) < 3:
        return {"path_length_m": 0.0, "peak_speed_mps": 0.0, "mean_speed_mps": 0.0, "peak_yaw_rate_deg_s": 0.0,
                "peak_yaw_accel_deg_s2": 0.0, "look_around_fraction": 0.0, "clearance_violations": 0}
    vel = np.diff(xy, axis=0) / dt_s
    speed = np.linalg.norm(vel, axis=1)
    w = np.diff(yaw) / dt_s
    a = np.diff(w) / dt_s
    acc = np.linalg.norm(np.diff(vel, axis=0), axis=1) / dt_s
    moving = speed > 0.1
    motion_dir = np.arctan2(vel[:, 1], vel[:, 0])
    yaw_mid = 0.5 * (yaw[1:] + yaw[:-1])
    lead = np.abs((yaw_mid - motion_dir + np.pi) % (2 * np.pi) - np.pi)
    out = {
        "path_length_m": float(speed.sum() * dt_s),
        "peak_speed_mps": float(speed.max()),
        "mean_speed_mps": float(speed.mean()),
        "mean_walking_speed_mps": float(speed[moving].mean()) if moving.any() else 0.0,
        "peak_accel_mps2": float(acc.max(initial=0.0)),
        "peak_yaw_rate_deg_s": float(np.rad2deg(np.abs(w).max())),
        "peak_yaw_accel_deg_s2": float(np.rad2deg(np.abs(a).max(initial=0.0))),
        "look_around_fraction": float((lead[moving] > np.deg2rad(60)).mean()) if moving.any() else 0.0,
        # sideways speed (perpendicular to the look direction): strafing shows up here
        "peak_sideways_speed_mps": float(np.abs(-vel[:, 0] * np.sin(yaw_mid) + vel[:, 1] * np.cos(yaw_mid)).max()),
        "moving_fraction": float(moving.mean()),
        "turn_in_place_s": float(sum(p.t1 - p.t0 for p in traj.pieces if p.kind == "turn")),
        "step_s": float(sum(p.t1 - p.t0 for p in traj.pieces if p.kind == "step")),     # turning while stepping
    }
    if free is not None:
        inside = shapely.contains_xy(free.buffer(1e-3), xy[:, 0], xy[:, 1])
        out["clearance_violations"] = int((~inside).sum())
    return out


def frame_velocities(traj) -> tuple[np.ndarray, np.ndarray]:
    """Per delivered frame: linear (T, 3) m/s and angular (T, 3) rad/s velocity, world frame."""
    lin, ang = zip(*(traj.velocities(float(t)) for t in traj.frame_times_s)) if traj.n_frames else ((), ())
    return np.array(lin).reshape(-1, 3), np.array(ang).reshape(-1, 3)
