"""Coverage viewpoints: candidate camera poses, what each one covers, and a set cover.

Coverage rule (the same as simgen.annotate.coverage, see docs/trajectory.md): object o is covered by a
frame if vis(o) = visible_px / solo_px >= cover_vis, visible_px >= cover_min_px (given at 640x480,
scaled with the image area), >= cover_corners_inside of its 8 projected box corners inside the image,
and its box centre <= cover_max_distance_m from the camera.

A candidate is (free grid position, heading) at the scene's eye height and pitch. Two evaluators:
- geometric (always available, numpy): corners projected exactly; the solo pixel count estimated from
  the projected box; vis estimated by casting rays from the eye to 15 points of the object's box
  against the other objects' (slightly shrunk) boxes and the walls. It claims an object only with
  margins (vis >= cover_vis + 0.15, 1.5x the pixel threshold, 0.3 m inside the distance limit).
- exact (planner_gl given): a low-resolution instance render plus solo counts of the same pose, with
  the coverage rule itself (vis margin 0.05, pixel margin 1.3x for the lower resolution).
The set cover and the exact evaluator live in simgen.cameras.cover. targeted_views: views looking straight
at one object from every reachable fine-grid cell, at the scene's pitch or one centring the object.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np


log = logging.getLogger(__name__)

# points on a unit box (-1..1) used to estimate the unoccluded fraction of an object
_BOX_POINTS = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]
                       + [[0, 0, 0], [1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]],
                       dtype=float) * np.array([0.8])


def camera_rotation(yaw_rad: float, pitch_down_rad: float) -> np.ndarray:
    """(3, 3) world_from_camera (OpenCV axes) for a heading yaw (0 = +x, CCW) and a downward pitch, no roll."""
    f = np.array([np.cos(yaw_rad) * np.cos(pitch_down_rad), np.sin(yaw_rad) * np.cos(pitch_down_rad),
                  -np.sin(pitch_down_rad)])
    x = np.array([np.sin(yaw_rad), -np.cos(yaw_rad), 0.0])     # right = forward x up
    y = np.cross(f, x)
    return np.stack([x, y, f], axis=1)


def camera_rotations(yaw_rad: np.ndarray, pitch_down_rad: float) -> np.ndarray:
    """camera_rotation of many yaws at one pitch: (n, 3, 3)."""
    cy, sy = np.cos(yaw_rad), np.sin(yaw_rad)
    cp, sp = np.cos(pitch_down_rad), np.sin(pitch_down_rad)
    f = np.stack([cy * cp, sy * cp, np.full_like(cy, -sp)], axis=1)
    x = np.stack([sy, -cy, np.zeros_like(cy)], axis=1)
    y = np.cross(f, x)
    return np.stack([x, y, f], axis=2)


def scaled_min_px(min_px_640: int, width: int, height: int) -> int:
    """The pixel threshold at another resolution (given at 640x480, scaled with the image area)."""
    return max(1, int(round(min_px_640 * (width * height) / (640 * 480))))


FRAMING_PITCH_STEP_DEG = 2.5     # pitch steps of best_framing_views
CORNER_MARGIN = 0.02             # a covering view keeps box corners this fraction of the image off its border


def corners_in_image(u: np.ndarray, v: np.ndarray, z: np.ndarray, width: int, height: int) -> np.ndarray:
    """Per projected box corner (pixel u, v, camera depth z): in front of the camera (z > 0.05 m) and inside
    the image less CORNER_MARGIN on each side (the coverage rule's corner test)."""
    mx, my = CORNER_MARGIN * width, CORNER_MARGIN * height
    return (z > 0.05) & (u >= mx) & (u <= width - mx) & (v >= my) & (v <= height - my)


def framing_views(boxes, k: int, positions: np.ndarray, eye_h: float, K: np.ndarray, width: int, height: int,
                  pitches: np.ndarray, max_dist_m: float) -> list[tuple[np.ndarray, float, float]]:
    """Views of object k from every position within max_dist_m (3-D, from the eye) looking straight at it,
    each at the first of `pitches` (down, radians) whose projection of its 8 box corners lies inside the
    image: [(xy, yaw, pitch)] in the order of `positions`."""
    d = boxes.centers[k][None, :2] - positions
    dist = np.hypot(np.linalg.norm(d, axis=1), boxes.centers[k][2] - eye_h)
    js = np.nonzero(dist <= max_dist_m)[0]
    if len(js) == 0:
        return []
    yaw = np.arctan2(d[js, 1], d[js, 0])
    rel = boxes.corners[k][None, :, :] - np.column_stack([positions[js], np.full(len(js), eye_h)])[:, None, :]
    first = np.full(len(js), -1)
    for pi in range(len(pitches) - 1, -1, -1):        # the last one written is the first pitch that frames
        R = camera_rotations(yaw, float(pitches[pi]))                                  # (n, 3, 3)
        c = np.einsum("nij,njk->nik", rel, R)                                          # (n, 8, 3)
        z = c[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            u = K[0, 0] * c[..., 0] / z + K[0, 2]
            v = K[1, 1] * c[..., 1] / z + K[1, 2]
        ok = np.all(z > 0.05, axis=1) & np.all((u >= 0) & (u <= width) & (v >= 0) & (v <= height), axis=1)
        first[ok] = pi
    return [(positions[j], float(y), float(pitches[f])) for j, y, f in zip(js, yaw, first) if f >= 0]


def best_framing_views(boxes, k: int, positions: np.ndarray, eye_h: float, K: np.ndarray, width: int, height: int,
                       cfg, air, ceiling_m: float, n: int) -> list[tuple[np.ndarray, float, float]]:
    """Up to n views of object k that frame it whole (framing_views over the preset's pitch range in
    FRAMING_PITCH_STEP_DEG steps, within the coverage distance), the n the box-ray estimate
    (_object_vis_from) rates least occluded: [(xy, yaw, pitch)], best first when more than n frame it."""
    pitches = np.deg2rad(np.arange(cfg.min_pitch_down_deg, cfg.max_pitch_down_deg + 1e-6, FRAMING_PITCH_STEP_DEG))
    views = framing_views(boxes, k, positions, eye_h, K, width, height, pitches, cfg.cover_max_distance_m - 0.1)
    if len(views) > n:
        eyes = np.array([[v[0][0], v[0][1], eye_h] for v in views])
        est = _object_vis_from(boxes, k, eyes, air, ceiling_m)
        views = [views[i] for i in np.argsort(-est, kind="stable")[:n]]
    return views


@dataclass(frozen=True)
class ObjectBoxes:
    """Per object: ids (N,), corners (N, 8, 3), centres (N, 3), box axes (N, 3, 3) and half extents (N, 3)."""

    ids: np.ndarray
    corners: np.ndarray
    centers: np.ndarray
    axes: np.ndarray
    half: np.ndarray
    support: np.ndarray        # (N,) index of the support object or -1


def object_boxes(scene) -> ObjectBoxes:
    objs = list(scene.objects)
    idx = {o.id: i for i, o in enumerate(objs)}
    corners = np.stack([o.box_corners() for o in objs]) if objs else np.zeros((0, 8, 3))
    axes, half = [], []
    for o in objs:
        b = np.asarray(o.asset.mesh().bounds, dtype=float)
        axes.append(np.asarray(o.pose)[:3, :3])
        half.append((b[1] - b[0]) / 2)
    return ObjectBoxes(np.array([o.id for o in objs], dtype=np.int64), corners, corners.mean(axis=1),
                       np.array(axes).reshape(-1, 3, 3), np.array(half).reshape(-1, 3),
                       np.array([idx.get(o.support, -1) if o.support is not None else -1 for o in objs]))


def _occluded(eye: np.ndarray, pts: np.ndarray, boxes: ObjectBoxes, owner: np.ndarray, skip: np.ndarray,
              occ: np.ndarray, shrink: float = 0.85) -> np.ndarray:
    """(R,) bool: segment eye->pts[r] passes through some box in `occ` other than owner[r] / skip[owner[r]].

    pts (R, 3) world; owner (R,) object index; skip (N, N) bool pairs that never occlude each other;
    occ (M,) indices of the boxes that may occlude (the others are too far to matter)."""
    if len(occ) == 0 or len(pts) == 0:
        return np.zeros(len(pts), bool)
    axes = boxes.axes[occ]                                              # (M, 3, 3)
    d = pts - eye                                                       # (R, 3)
    o_loc = np.einsum("nji,nj->ni", axes, eye[None] - boxes.centers[occ])          # (M, 3) eye in box frames
    d_loc = (d @ axes.transpose(1, 0, 2).reshape(3, -1)).reshape(len(pts), len(occ), 3)   # (R, M, 3)
    d_loc[np.abs(d_loc) < 1e-12] = 1e-12
    h = boxes.half[occ][None] * shrink
    inv = 1.0 / d_loc
    t1 = (-h - o_loc[None]) * inv
    t2 = (h - o_loc[None]) * inv
    tmin = np.minimum(t1, t2).max(axis=2)
    tmax = np.maximum(t1, t2).min(axis=2)
    hit = (tmax >= np.maximum(tmin, 0.0)) & (tmin < 0.98)
    hit &= (occ[None] != owner[:, None]) & ~skip[owner][:, occ]
    return hit.any(axis=1)


def geometric_views(boxes: ObjectBoxes, positions: np.ndarray, headings: np.ndarray, eye_h: float,
                    pitch: float, K: np.ndarray, width: int, height: int, cfg, air, ceiling_m: float):
    """Claims and quality of every candidate.

    positions (P, 2), headings (H,) rad. Returns (claims (P*H, N) bool, quality (P*H, N) float, vis_est (P, N)).
    Candidate c = p * H + h. vis_est is only computed for objects within cover_max_distance_m (0 beyond)."""
    N, P, H = len(boxes.ids), len(positions), len(headings)
    if N == 0 or P == 0:
        return np.zeros((P * H, N), bool), np.zeros((P * H, N)), np.zeros((P, N))
    # sample points per object and the pairs that never occlude (support, containers)
    pts_all = boxes.centers[:, None] + np.einsum("nij,nkj->nki", boxes.axes, _BOX_POINTS[None] * boxes.half[:, None])
    S = pts_all.shape[1]
    skip = np.zeros((N, N), bool)
    for i, s in enumerate(boxes.support):
        if s >= 0:
            skip[i, s] = True
    rel = np.einsum("nji,mnj->mni", boxes.axes, boxes.centers[:, None] - boxes.centers[None])   # (M, N, 3)
    skip |= np.all(np.abs(rel) <= boxes.half[None] + 1e-6, axis=2)          # m's centre inside n's box
    np.fill_diagonal(skip, True)
    radius = np.linalg.norm(boxes.half, axis=1)
    reach_m = cfg.cover_max_distance_m
    step_m = 2.0 * air.cell_m                       # walls are >= 0.1 m thick
    vis_est = np.zeros((P, N))
    for p in range(P):
        eye = np.array([positions[p, 0], positions[p, 1], eye_h])
        dc = np.linalg.norm(boxes.centers - eye, axis=1)
        near = np.nonzero(dc <= reach_m)[0]
        if len(near) == 0:
            continue
        pts = pts_all[near].reshape(-1, 3)
        owner = np.repeat(near, S)
        occ = np.nonzero(dc <= reach_m + 2.0 * radius)[0]
        blocked = _occluded(eye, pts, boxes, owner, skip, occ)
        # wall test: samples every step_m along each ray
        far = float(np.linalg.norm(pts[:, :2] - eye[:2], axis=1).max())
        ts = np.linspace(0.02, 0.92, max(8, int(np.ceil(0.9 * far / step_m))))
        ray = eye[None, None, :2] + ts[None, :, None] * (pts[:, None, :2] - eye[None, None, :2])
        blocked |= ~air.air(ray).all(axis=1)
        blocked |= pts[:, 2] > ceiling_m
        vis_est[p, near] = 1.0 - blocked.reshape(len(near), S).mean(axis=1)
    # exact corner projection per heading
    min_px = scaled_min_px(cfg.cover_min_px, width, height)
    claims = np.zeros((P, H, N), bool)
    quality = np.zeros((P, H, N))
    eyes = np.concatenate([positions, np.full((P, 1), eye_h)], axis=1)
    dist = np.linalg.norm(boxes.centers[None] - eyes[:, None], axis=2)                # (P, N)
    ideal = 0.5 * (cfg.view_distance_m.low + cfg.view_distance_m.high)
    for h, yaw in enumerate(headings):
        R = camera_rotation(float(yaw), pitch)
        c_cam = np.einsum("ji,pnkj->pnki", R, boxes.corners[None] - eyes[:, None, None])   # (P, N, 8, 3)
        z = c_cam[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            u = K[0, 0] * c_cam[..., 0] / z + K[0, 2]
            v = K[1, 1] * c_cam[..., 1] / z + K[1, 2]
        inside = corners_in_image(u, v, z, width, height)
        frac = inside.mean(axis=2)
        uu, vv = np.clip(u, 0, width), np.clip(v, 0, height)
        area = (np.nanmax(uu, axis=2) - np.nanmin(uu, axis=2)) * (np.nanmax(vv, axis=2) - np.nanmin(vv, axis=2))
        px_est = 0.55 * np.nan_to_num(area)
        ok = ((frac >= max(cfg.cover_corners_inside, 0.999)) & (px_est >= 1.5 * min_px)
              & (dist <= cfg.cover_max_distance_m - 0.3) & (dist >= 0.6)
              & (vis_est >= min(0.98, cfg.cover_vis + 0.15)))
        claims[:, h] = ok
        centre_off = np.abs(np.nanmean(u, axis=2) - width / 2) / width
        quality[:, h] = np.where(ok, vis_est - 0.2 * np.abs(dist - ideal) / ideal - 0.3 * centre_off, 0.0)
    return claims.reshape(P * H, N), quality.reshape(P * H, N), vis_est


def _object_vis_from(boxes: ObjectBoxes, k: int, eyes: np.ndarray, air, ceiling_m: float) -> np.ndarray:
    """(P,) estimated unoccluded fraction of object k from each eye (P, 3): 15 rays per eye against the other
    boxes that could lie between (within reach of the object) and the walls (air bitmap)."""
    P = len(eyes)
    pts = boxes.centers[k] + (_BOX_POINTS * boxes.half[k]) @ boxes.axes[k].T           # (S, 3)
    S = len(pts)
    radius = np.linalg.norm(boxes.half, axis=1)
    reach = float(np.linalg.norm(eyes[:, :2] - boxes.centers[k, :2], axis=1).max()) + radius[k]
    occ = np.nonzero(np.linalg.norm(boxes.centers - boxes.centers[k], axis=1) <= reach + radius)[0]
    rel = np.einsum("nji,nj->ni", boxes.axes[occ], boxes.centers[k] - boxes.centers[occ])
    contains = np.all(np.abs(rel) <= boxes.half[occ] + 1e-6, axis=1)               # k's centre inside occ
    occ = occ[(occ != k) & (occ != boxes.support[k]) & ~contains]
    E = np.repeat(eyes, S, axis=0)                                                   # (P*S, 3)
    T = np.tile(pts, (P, 1))
    blocked = np.zeros(P * S, bool)
    if len(occ):
        axes = boxes.axes[occ]
        h = boxes.half[occ] * 0.85
        for c in range(0, P * S, 4096):
            e, t = E[c:c + 4096], T[c:c + 4096]
            o_loc = np.einsum("mji,rmj->rmi", axes, e[:, None] - boxes.centers[occ][None])
            d_loc = np.einsum("mji,rj->rmi", axes, t - e)
            d_loc[np.abs(d_loc) < 1e-12] = 1e-12
            inv = 1.0 / d_loc
            t1, t2 = (-h[None] - o_loc) * inv, (h[None] - o_loc) * inv
            tmin, tmax = np.minimum(t1, t2).max(axis=2), np.maximum(t1, t2).min(axis=2)
            blocked[c:c + 4096] = ((tmax >= np.maximum(tmin, 0.0)) & (tmin < 0.98)).any(axis=1)
    ts = np.linspace(0.02, 0.92, 24)
    ray = E[:, None, :2] + ts[None, :, None] * (T[:, None, :2] - E[:, None, :2])
    blocked |= ~air.air(ray).all(axis=1)
    blocked |= T[:, 2] > ceiling_m
    return 1.0 - blocked.reshape(P, S).mean(axis=1)


# views a targeted search keeps although the box-ray estimate says the object is mostly hidden there: boxes
# overstate what thin shapes hide (a mug behind a monitor's box, which is mostly air around panel and stand,
# measured 0.0 from every cell and was covered from 31 cells in the exact render)
DOUBTFUL_VIEWS = 3


def targeted_views(boxes: ObjectBoxes, k: int, positions: np.ndarray, eye_h: float, pitch: float,
                   K: np.ndarray, width: int, height: int, cfg, air, ceiling_m: float,
                   n: int = 8, min_sep_m: float = 0.3) -> list[tuple[np.ndarray, float, float | None]]:
    """Up to n (xy, yaw, pitch down or None = the scene's) views looking straight at object k.

    positions (P, 2): every reachable free cell (the fine grid, not the candidate lattice). At each cell
    within range, two pitches are tried: the scene's and the one centring the object's box vertically
    (clipped to min_pitch_down_deg .. max_pitch_down_deg): low furniture near the carrier needs the camera to
    look further down, ceiling lamps less. Kept: views whose whole box projects inside the image (2 %
    margin) with enough estimated pixels; ranked by the estimated unoccluded fraction (rays against the
    other boxes and the walls) and closeness to the middle of view_distance_m (nearer for small objects);
    picked at least min_sep_m apart so the exact evaluation sees different occluders. At most
    DOUBTFUL_VIEWS of them may have an estimated fraction below 0.5 (the exact render decides)."""
    c = boxes.centers[k]
    d = c[None, :2] - positions
    dist_xy = np.linalg.norm(d, axis=1)
    dist = np.hypot(dist_xy, c[2] - eye_h)
    # the middle of view_distance_m, or nearer for a small object: the distance at which its box's two
    # largest sides project to ~3x the pixel threshold (a mug at 2 m is a few dozen pixels)
    ext = np.sort(2.0 * boxes.half[k])
    near_m = K[0, 0] * np.sqrt(0.55 * ext[1] * ext[2] / (3.0 * scaled_min_px(cfg.cover_min_px, width, height)))
    ideal = min(0.5 * (cfg.view_distance_m.low + cfg.view_distance_m.high), max(0.8, float(near_m)))
    radius = float(np.linalg.norm(boxes.half[k]))
    ok = (dist <= cfg.cover_max_distance_m - 0.2) & (dist_xy >= max(0.5, 1.1 * radius))
    idx = np.nonzero(ok)[0]
    if len(idx) == 0:
        return []
    lo, hi = np.deg2rad(cfg.min_pitch_down_deg), np.deg2rad(cfg.max_pitch_down_deg)
    yaw = np.arctan2(d[idx, 1], d[idx, 0])
    centre_pitch = np.clip(np.arctan2(eye_h - c[2], dist_xy[idx]), lo, hi)
    cand = []                                                   # (position index, yaw, pitch, is base)
    for pitches, base in ((np.full(len(idx), pitch), True), (centre_pitch, False)):
        cp, sp = np.cos(pitches), np.sin(pitches)
        f = np.stack([np.cos(yaw) * cp, np.sin(yaw) * cp, -sp], axis=1)
        x = np.stack([np.sin(yaw), -np.cos(yaw), np.zeros_like(yaw)], axis=1)
        y = np.cross(f, x)
        rel = boxes.corners[k][None] - np.c_[positions[idx], np.full(len(idx), eye_h)][:, None]      # (m, 8, 3)
        z = np.einsum("mkj,mj->mk", rel, f)
        with np.errstate(divide="ignore", invalid="ignore"):
            u = K[0, 0] * np.einsum("mkj,mj->mk", rel, x) / z + K[0, 2]
            v = K[1, 1] * np.einsum("mkj,mj->mk", rel, y) / z + K[1, 2]
        inside = np.all(corners_in_image(u, v, z, width, height), axis=1)
        area = (u.max(axis=1) - u.min(axis=1)) * (v.max(axis=1) - v.min(axis=1))
        good = inside & (0.55 * np.nan_to_num(area) >= 1.2 * scaled_min_px(cfg.cover_min_px, width, height))
        if not base:
            good &= np.abs(pitches - pitch) > np.deg2rad(1.0)
        cand += [(int(i), float(yy), float(pp), base) for i, yy, pp in zip(idx[good], yaw[good], pitches[good])]
    if not cand:
        return []
    pos_i = np.array(sorted({c_[0] for c_ in cand}))
    eyes = np.c_[positions[pos_i], np.full(len(pos_i), eye_h)]
    vis = dict(zip(pos_i.tolist(), _object_vis_from(boxes, k, eyes, air, ceiling_m)))
    score = np.array([vis[i] - 0.5 * abs(dist[i] - ideal) / ideal + (0.05 if base else 0.0)
                      for i, _y, _p, base in cand])
    order = np.argsort(-score, kind="stable")
    out, taken, n_doubtful = [], [], 0
    for j in order:
        i, yy, pp, base = cand[j]
        doubtful = vis[i] < 0.5
        if doubtful and n_doubtful >= DOUBTFUL_VIEWS:
            continue
        if any(np.linalg.norm(positions[i] - q) < min_sep_m for q in taken):
            continue
        n_doubtful += doubtful
        taken.append(positions[i])
        out.append((positions[i], yy, None if base else pp))
        if len(out) >= n:
            break
    return out
