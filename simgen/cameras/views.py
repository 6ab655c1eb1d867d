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
The set cover is a lazy greedy: candidates are ranked by their geometric gain; the best one is
evaluated exactly (when GL is there) and accepted only if its exact gain still beats the next
estimate. Objects no claim reaches get a targeted search over their best-placed candidates.
"""

from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass

import numpy as np

from simgen.cameras.freespace import object_corners

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


def scaled_min_px(min_px_640: int, width: int, height: int) -> int:
    """The pixel threshold at another resolution (given at 640x480, scaled with the image area)."""
    return max(1, int(round(min_px_640 * (width * height) / (640 * 480))))


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
    corners = np.stack([object_corners(o) for o in objs]) if objs else np.zeros((0, 8, 3))
    axes, half = [], []
    for o in objs:
        b = np.asarray(o.asset.mesh().bounds, dtype=float)
        axes.append(np.asarray(o.pose)[:3, :3])
        half.append((b[1] - b[0]) / 2)
    return ObjectBoxes(np.array([o.id for o in objs], dtype=np.int64), corners, corners.mean(axis=1),
                       np.array(axes).reshape(-1, 3, 3), np.array(half).reshape(-1, 3),
                       np.array([idx.get(o.support, -1) if o.support is not None else -1 for o in objs]))


def _occluded(eye: np.ndarray, pts: np.ndarray, boxes: ObjectBoxes, owner: np.ndarray, skip: np.ndarray,
              shrink: float = 0.85) -> np.ndarray:
    """(R,) bool: segment eye->pts[r] passes through some box other than owner[r] / skip[owner[r]].

    pts (R, 3) world; owner (R,) object index; skip (N, N) bool pairs that never occlude each other."""
    d = pts - eye                                                   # (R, 3)
    o_loc = np.einsum("nji,nj->ni", boxes.axes, eye[None] - boxes.centers)          # (N, 3) eye in box frames
    d_loc = np.einsum("nji,rj->rni", boxes.axes, d)                                 # (R, N, 3)
    h = boxes.half[None] * shrink
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / d_loc
        t1 = (-h - o_loc[None]) * inv
        t2 = (h - o_loc[None]) * inv
    tmin = np.nanmax(np.minimum(t1, t2), axis=2)
    tmax = np.nanmin(np.maximum(t1, t2), axis=2)
    hit = (tmax >= np.maximum(tmin, 0.0)) & (tmin < 0.98)
    hit[np.arange(len(pts)), owner] = False
    hit &= ~skip[owner]
    return hit.any(axis=1)


def geometric_views(boxes: ObjectBoxes, positions: np.ndarray, headings: np.ndarray, eye_h: float,
                    pitch: float, K: np.ndarray, width: int, height: int, cfg, air, ceiling_m: float):
    """Claims and quality of every candidate.

    positions (P, 2), headings (H,) rad. Returns (claims (P*H, N) bool, quality (P*H, N) float, vis_est (P, N)).
    Candidate c = p * H + h."""
    N, P, H = len(boxes.ids), len(positions), len(headings)
    if N == 0 or P == 0:
        return np.zeros((P * H, N), bool), np.zeros((P * H, N)), np.zeros((P, N))
    # sample points per object and the pairs that never occlude (support, containers)
    pts = boxes.centers[:, None] + np.einsum("nij,nkj->nki", boxes.axes, _BOX_POINTS[None] * boxes.half[:, None])
    S = pts.shape[1]
    pts = pts.reshape(-1, 3)
    owner = np.repeat(np.arange(N), S)
    skip = np.zeros((N, N), bool)
    for i, s in enumerate(boxes.support):
        if s >= 0:
            skip[i, s] = True
    rel = np.einsum("nji,mnj->mni", boxes.axes, boxes.centers[:, None] - boxes.centers[None])   # (M, N, 3)
    skip |= np.all(np.abs(rel) <= boxes.half[None] + 1e-6, axis=2)          # m's centre inside n's box
    np.fill_diagonal(skip, True)
    vis_est = np.zeros((P, N))
    for p in range(P):
        eye = np.array([positions[p, 0], positions[p, 1], eye_h])
        blocked = _occluded(eye, pts, boxes, owner, skip)
        # wall test: samples every <= air.cell_m along the longest ray (walls are >= 0.1 m thick)
        far = float(np.linalg.norm(pts[:, :2] - eye[:2], axis=1).max())
        ts = np.linspace(0.02, 0.92, max(8, int(np.ceil(0.9 * far / air.cell_m))))
        ray = eye[None, None, :2] + ts[None, :, None] * (pts[:, None, :2] - eye[None, None, :2])
        blocked |= ~air.air(ray).all(axis=1)
        blocked |= pts[:, 2] > ceiling_m
        vis_est[p] = 1.0 - blocked.reshape(N, S).mean(axis=1)
    # exact corner projection per heading
    min_px = scaled_min_px(cfg.cover_min_px, width, height)
    mx, my = 0.02 * width, 0.02 * height
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
        inside = (z > 0.05) & (u >= mx) & (u <= width - mx) & (v >= my) & (v <= height - my)
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


class ExactViews:
    """Exact coverage of a pose from a low-resolution instance render plus solo counts (planner_gl)."""

    def __init__(self, planner_gl, scene, cfg, boxes: ObjectBoxes, eye_h: float, pitch: float):
        from simgen.core.transforms import intrinsics_from_hfov

        self.gl, self.cfg, self.boxes = planner_gl, cfg, boxes
        self.eye_h, self.pitch = eye_h, pitch
        self.w, self.h = planner_gl.size
        self.K = intrinsics_from_hfov(self.w, self.h, cfg.hfov_deg)
        self.min_px = 1.3 * scaled_min_px(cfg.cover_min_px, self.w, self.h)
        self.index = {int(i): k for k, i in enumerate(boxes.ids)}
        self.n_evals = 0
        planner_gl.load_scene(scene)

    def pose(self, xy, yaw: float) -> np.ndarray:
        T = np.eye(4)
        T[:3, :3] = camera_rotation(float(yaw), self.pitch)
        T[:3, 3] = [xy[0], xy[1], self.eye_h]
        return T

    def covered(self, xy, yaw: float) -> tuple[set[int], dict[int, float]]:
        """(indices of objects covered with margins, {index: vis} of every object seen)."""
        self.n_evals += 1
        pose = self.pose(xy, yaw)
        inst = self.gl.instance(self.K, pose)
        ids, counts = np.unique(inst[inst > 0], return_counts=True)
        cands, vis = [], {}
        eye = pose[:3, 3]
        R = pose[:3, :3]
        for i, c in zip(ids.tolist(), counts.tolist()):
            k = self.index.get(int(i))
            if k is None:
                continue
            vis[k] = 0.0
            if c < self.min_px or np.linalg.norm(self.boxes.centers[k] - eye) > self.cfg.cover_max_distance_m - 0.1:
                continue
            cc = (self.boxes.corners[k] - eye) @ R
            z = cc[:, 2]
            if np.any(z <= 0.05):
                continue
            u = self.K[0, 0] * cc[:, 0] / z + self.K[0, 2]
            v = self.K[1, 1] * cc[:, 1] / z + self.K[1, 2]
            inside = np.mean((u >= 0) & (u <= self.w) & (v >= 0) & (v <= self.h))
            if inside >= self.cfg.cover_corners_inside:
                cands.append((k, i, c))
        solo = self.gl.solo_counts(self.K, pose, [i for _, i, _ in cands])
        out = set()
        for k, i, c in cands:
            s = max(solo.get(int(i), c), c)
            vis[k] = c / s
            if c / s >= min(0.99, self.cfg.cover_vis + 0.05):
                out.add(k)
        return out, vis


def set_cover(claims: np.ndarray, quality: np.ndarray, cand_xy: np.ndarray, cand_yaw: np.ndarray,
              exact: ExactViews | None, max_exact: int = 250) -> tuple[list[tuple[int, set[int]]], set[int]]:
    """Lazy greedy set cover. Returns ([(candidate index, object indices it covers)], uncovered indices).

    claims (C, N) bool geometric claims; quality (C, N) tie-break scores; cand_xy (C, 2); cand_yaw (C,)."""
    C, N = claims.shape
    uncovered = set(range(N))
    exact_sets: dict[int, set[int]] = {}
    chosen: list[tuple[int, set[int]]] = []
    heap = [(-(int(claims[c].sum()) + 1e-3 * float(quality[c].sum())), c) for c in range(C) if claims[c].any()]
    heapq.heapify(heap)

    def gain(c) -> tuple[int, set[int]]:
        s = exact_sets[c] if c in exact_sets else set(np.nonzero(claims[c])[0].tolist())
        g = s & uncovered
        return len(g), g

    while heap and uncovered:
        negg, c = heapq.heappop(heap)
        if exact is not None and c not in exact_sets and exact.n_evals < max_exact:
            exact_sets[c] = exact.covered(cand_xy[c], cand_yaw[c])[0]
        g, s = gain(c)
        if g == 0:
            continue
        q = 1e-3 * float(quality[c, list(s)].sum())
        if heap and -heap[0][0] > g + q + 1e-9:
            heapq.heappush(heap, (-(g + q), c))      # stale: re-rank with the current gain
            continue
        chosen.append((c, s))
        uncovered -= s
    if exact is not None:
        # targeted search for what no claim reached: the best-placed candidates for each object
        for k in sorted(uncovered):
            if k not in uncovered:
                continue
            order = np.argsort(-quality[:, k] - 1e-6 * np.arange(C))[:4]
            for c in order.tolist():
                if exact.n_evals >= max_exact:
                    break
                s = exact_sets.setdefault(c, exact.covered(cand_xy[c], cand_yaw[c])[0]) & uncovered
                if k in s:
                    chosen.append((c, s))
                    uncovered -= s
                    break
    return chosen, uncovered


def soft_quality(boxes: ObjectBoxes, positions: np.ndarray, headings: np.ndarray, eye_h: float,
                 vis_est: np.ndarray, cfg) -> np.ndarray:
    """(P*H, N) score for the targeted search: unoccluded, in a good distance band, near the view centre."""
    P, H, N = len(positions), len(headings), len(boxes.ids)
    d = boxes.centers[None, :, :2] - positions[:, None]                  # (P, N, 2)
    dist = np.linalg.norm(d, axis=2)
    bearing = np.arctan2(d[..., 1], d[..., 0])
    ideal = 0.5 * (cfg.view_distance_m.low + cfg.view_distance_m.high)
    out = np.zeros((P, H, N))
    for h, yaw in enumerate(headings):
        dyaw = np.abs((bearing - yaw + np.pi) % (2 * np.pi) - np.pi)
        out[:, h] = vis_est - np.abs(dist - ideal) / ideal - dyaw - 10.0 * (dist > cfg.cover_max_distance_m - 0.2)
    return out.reshape(P * H, N)
