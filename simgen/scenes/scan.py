"""Exhaustive, vectorized pose scans for the floor stage of the layout optimizer.

Random candidate poses miss the few free slots of a dense room; a scan tests every pose of a unit on
a grid at once (numpy, no Python loop per pose) against the hard constraints (room polygon, reflex
corners, keep-out zones, 2 cm gap to placed units), then ranks the feasible ones.

Wall units: every wall edge, offsets every `WALL_STEP_M` (random grid phase). Free units: an xy grid
every `FREE_STEP_M` (random phase) times 4 right-angle yaws. Ranking: the soft score of the room with
the unit at that pose plus a snugness term (distance to the nearest wall or placed unit, so that
furniture packs against walls and neighbours and leaves the free floor in one piece, which is what
makes dense rooms walkable), evaluated on a sample of the feasible poses.
"""

from __future__ import annotations

import numpy as np
import shapely

from simgen.scenes.geometry import corners, point_depth, sat_depth

WALL_STEP_M = 0.08
FREE_STEP_M = 0.12
POSES_PER_EVAL = 128           # a scan of N poses is charged ceil(N / 128) evaluations of the budget


def candidate_states(prob, u, rng: np.random.Generator) -> tuple[list, np.ndarray]:
    """Every scanned state of unit u and its pose: (states, poses (N, 3) x, y, yaw). A state is
    ("wall", edge, s) or ("free", x, y, yaw)."""
    if u.wall:
        from simgen.scenes.solver import WALL_GAP_M

        states, poses = [], []
        xmin = u.bounds[0]
        for e, (a, ud, inward, _) in enumerate(prob.edges):
            lo, hi = prob.wall_range(u, e)
            if hi < lo:
                continue
            ph = float(rng.uniform(0, WALL_STEP_M))
            ss = np.concatenate([[lo], np.arange(lo + ph, hi, WALL_STEP_M), [hi]])
            p = a[None, :] + ud[None, :] * ss[:, None] + inward[None, :] * (WALL_GAP_M - xmin)
            yaw = float(np.arctan2(inward[1], inward[0]))
            poses.append(np.column_stack([p, np.full(len(ss), yaw)]))
            states += [("wall", e, float(v)) for v in ss]
        return states, (np.concatenate(poses) if poses else np.zeros((0, 3)))
    x0, y0, x1, y1 = prob.poly.bounds
    xs = np.arange(x0 + rng.uniform(0, FREE_STEP_M), x1, FREE_STEP_M)
    ys = np.arange(y0 + rng.uniform(0, FREE_STEP_M), y1, FREE_STEP_M)
    gx, gy = np.meshgrid(xs, ys)
    inside = shapely.contains_xy(prob.poly, gx, gy)
    px, py = gx[inside], gy[inside]
    P = np.column_stack([np.repeat(px, 4), np.repeat(py, 4), np.tile(np.arange(4) * np.pi / 2, len(px))])
    return _FreeStates(P), P


class _FreeStates:
    """Lazy ("free", x, y, yaw) states of a pose array (only the few ranked ones are ever built)."""

    def __init__(self, P: np.ndarray):
        self.P = P

    def __len__(self) -> int:
        return len(self.P)

    def __getitem__(self, j: int) -> tuple:
        x, y, yaw = self.P[j]
        return ("free", float(x), float(y), float(yaw))


def _world_rects(u, P: np.ndarray) -> np.ndarray:
    """(N, k, 5) member rects of unit u at poses P (N, 3)."""
    c, s = np.cos(P[:, 2])[:, None], np.sin(P[:, 2])[:, None]
    L = u.local
    out = np.empty((len(P), len(L), 5))
    out[..., 0] = P[:, 0:1] + c * L[None, :, 0] - s * L[None, :, 1]
    out[..., 1] = P[:, 1:2] + s * L[None, :, 0] + c * L[None, :, 1]
    out[..., 2] = L[None, :, 2]
    out[..., 3] = L[None, :, 3]
    out[..., 4] = L[None, :, 4] + P[:, 2:3]
    return out


def _edge_distance(prob, pts: np.ndarray) -> np.ndarray:
    """(n,) distance of points (n, 2) to the room boundary (numpy point-segment distances)."""
    ring = np.asarray(prob.poly.exterior.coords)
    a, b = ring[:-1], ring[1:]
    ab = b - a
    t = np.clip(((pts[:, None, :] - a[None]) * ab[None]).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12)[None], 0, 1)
    q = a[None] + t[..., None] * ab[None]
    return np.linalg.norm(pts[:, None, :] - q, axis=-1).min(axis=1)


def feasible(prob, u, P: np.ndarray, others: np.ndarray, gap_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Hard-feasibility mask (N,) of the poses P (N, 3) and each pose's clearance to walls and other
    units (N,) in metres (0 = touching). others: (m, 5) world rects of the placed units."""
    W = _world_rects(u, P)
    n, k = W.shape[:2]
    flat = W.reshape(-1, 5)
    c = corners(flat)                                          # (n*k, 4, 2)
    ok = shapely.contains_xy(prob.inner, c[..., 0], c[..., 1]).all(axis=1)
    if len(prob.reflex):
        ok &= ~(point_depth(prob.reflex, flat) > 0).any(axis=0)
    H = np.tile(u.heights, n)
    if len(prob.static):
        d = sat_depth(flat, prob.static)
        ok &= ~((d > 0) & (H[:, None] > prob.static_h[None, :])).any(axis=1)
    ok = np.repeat(ok.reshape(n, k).all(axis=1), k)            # a pose is out once any member is
    sep = np.full(n * k, np.inf)
    if len(others):
        idx = np.flatnonzero(ok)
        if len(idx):
            d = sat_depth(flat[idx], others)                   # (p, m) > 0 overlap, < 0 separation
            ok[idx] &= ~((d + gap_m) > 0).any(axis=1)
            sep[idx] = np.maximum(-d.max(axis=1) - gap_m, 0.0)
    okn = ok.reshape(n, k).all(axis=1)
    snug = np.full(n, np.inf)
    idx = np.flatnonzero(okn)
    if len(idx):                                               # corners flush against a wall -> ~0
        cc = c.reshape(n, k * 4, 2)[idx].reshape(-1, 2)
        wall_d = _edge_distance(prob, cc).reshape(len(idx), k * 4).min(axis=1)
        snug[idx] = np.minimum(sep.reshape(n, k)[idx].min(axis=1), wall_d)
    return okn, snug


FACES_MARGIN_RAD = np.deg2rad(25.0)    # relation predicates with a margin (relations.py accepts 30 deg)
DISTANCE_MARGIN_M = 0.05


def rect_poses(rects: dict) -> dict[int, tuple[float, float, float]]:
    """{key: (x, y, yaw)} of {key: world rect (5,)}."""
    return {k: (float(r[0]), float(r[1]), float(r[4])) for k, r in rects.items()}


def same_line(rects: np.ndarray, ref: np.ndarray, tol_m: float) -> np.ndarray:
    """(N,) bool: rects (N, 5) parallel to the rect ref (5,) (within 3 deg) with their backs (-x side)
    on ref's back line within tol_m (a row's members against one wall; relations.py: aligned_row)."""
    fa = np.column_stack([np.cos(rects[:, 4]), np.sin(rects[:, 4])])
    fb = np.array([np.cos(ref[4]), np.sin(ref[4])])
    back_a = rects[:, :2] - fa * rects[:, 2:3]
    back_b = ref[:2] - fb * ref[2]
    dyaw = np.abs((rects[:, 4] - ref[4] + np.pi) % (2 * np.pi) - np.pi)
    return (np.abs((back_a - back_b) @ fb) <= tol_m) & (dyaw <= np.deg2rad(3.0))


def relations_hold(prob, u, P: np.ndarray, partner_poses: dict, partner_rects: dict | None = None) -> np.ndarray:
    """(N,) bool: at poses P (N, 3) of unit u, every `faces` / `distance_range` relation between a member
    of u and an already placed partner ({key: (x, y, yaw)}) holds with a margin (by centres, as the
    final check in relations.py reads them), and every `near` relation (footprints at most max_m apart,
    by their SAT separation) when the partners' rects ({key: (5,)}) are given."""
    W = _world_rects(u, P)                                       # (N, k, 5)
    pos = {k: (W[:, j, 0], W[:, j, 1], W[:, j, 4]) for j, k in enumerate(u.keys)}
    ok = np.ones(len(P), bool)
    for rtype, a, b, prm in prob.relations:
        if rtype == "near":
            if partner_rects is not None and a in pos and b in partner_rects:
                ok &= -sat_depth(W[:, u.keys.index(a)], partner_rects[b][None])[:, 0] <= prm["max_m"]
            continue
        if rtype == "same_line":
            if partner_rects is not None and a in pos and b in partner_rects:
                ok &= same_line(W[:, u.keys.index(a)], partner_rects[b], prm["tol_m"])
            continue
        if a in pos and b in partner_poses:
            (ax, ay, ayaw), (bx, by, _) = pos[a], partner_poses[b]
        elif b in pos and a in partner_poses:
            (ax, ay, ayaw), (bx, by, _) = partner_poses[a], pos[b]
        else:
            continue
        if rtype == "faces":
            ang = np.arctan2(by - ay, bx - ax) - ayaw
            ok &= np.abs((ang + np.pi) % (2 * np.pi) - np.pi) <= FACES_MARGIN_RAD
        elif rtype == "distance_range":
            d = np.hypot(bx - ax, by - ay)
            ok &= (d >= prm["min_m"] + DISTANCE_MARGIN_M) & (d <= prm["max_m"] - DISTANCE_MARGIN_M)
    return ok


VIEW_OFFSETS_M = (0.0, -0.3, 0.3, -0.6, 0.6, -0.9, 0.9, -1.2, 1.2)   # partner spots across, sideways
VIEW_FREE_DIST_M = (3.8, 3.3, 2.8, 2.3, 1.9)     # free-standing partner spots straight ahead (from the centre)
VIEW_ANGLE_RAD = np.deg2rad(22.0)               # sideways spots: under the 25 deg scan margin of `faces`


def _view_distance(prob, u, v) -> tuple[float, float]:
    """(min, max) centre distance (m) of u's anchor and its view partner v by their distance_range
    relation (with the scan margin), else the TV range 1.8-4 m."""
    for rtype, a, b, prm in prob.relations:
        if rtype == "distance_range" and {a, b} == {u.keys[0], v.keys[0]}:
            return prm["min_m"] + DISTANCE_MARGIN_M, prm["max_m"] - DISTANCE_MARGIN_M
    return 1.8 + DISTANCE_MARGIN_M, 4.0 - DISTANCE_MARGIN_M


def facing_wall_ok(prob, u, P: np.ndarray, others: np.ndarray, gap_m: float, view_range):
    """Where unit u at poses P (N, 3) leaves room for its `view_partner` (the sofa's TV stand), as two
    (N,) bool masks (at_wall, free):
    - at_wall: the partner fits against the wall ahead at a spot where it would face u and u would face
      it (straight across or up to VIEW_ANGLE_RAD sideways, VIEW_OFFSETS_M) at a centre distance within
      their distance_range (with the scan margin);
    - free: the partner fits free-standing straight ahead at one of VIEW_FREE_DIST_M (for the partner's
      stand-off fallback when no wall spot holds the relations).
    Without a partner: at_wall = the wall straight ahead is view_range[0]-[1] m away, free = False."""
    from simgen.scenes.solver import WALL_GAP_M

    d = np.array([prob.ray_to_wall(x, y, yaw) for x, y, yaw in P])
    v = getattr(u, "view_partner", None)
    if v is None:
        return (d >= view_range[0]) & (d <= view_range[1]), np.zeros(len(P), bool)
    lo, hi = _view_distance(prob, u, v)
    fwd = np.column_stack([np.cos(P[:, 2]), np.sin(P[:, 2])])
    left = np.column_stack([-fwd[:, 1], fwd[:, 0]])
    back = d - WALL_GAP_M + v.bounds[0]             # the partner's centre ahead with its back flush with that wall
    at_wall = np.zeros(len(P), bool)
    free = np.zeros(len(P), bool)
    for offs, ahead, mask in ((VIEW_OFFSETS_M, None, at_wall), ((0.0,), VIEW_FREE_DIST_M, free)):
        spots = []                                  # (pose index, x, y, yaw) of the partner
        for o in offs:
            for t in (ahead or (None,)):
                a = back if t is None else np.minimum(back, t)
                dist = np.hypot(a, o)
                ok = (dist >= lo) & (dist <= hi) & (np.arctan2(abs(o), a) <= VIEW_ANGLE_RAD)
                j = np.flatnonzero(ok)
                c = P[j, :2] + fwd[j] * a[j, None] + left[j] * o
                spots.append(np.column_stack([j, c, P[j, 2] + np.pi]))
        S = np.concatenate(spots) if spots else np.zeros((0, 4))
        if len(S):
            fits, _ = feasible(prob, v, S[:, 1:], others, gap_m)
            mask[S[fits, 0].astype(int)] = True
    return at_wall, free & ~at_wall


def ranked_states(prob, S, u, i: int, placed: list[int], rng: np.random.Generator, budget, gap_m: float,
                  n_score: int = 24, snug_weight: float = 1.0, info: dict | None = None) -> list[tuple]:
    """Feasible states of unit u (index i) best first, scored on up to n_score sampled poses.
    info (optional, filled in): "tied" whether u has relations to placed partners, "n_held" how many of
    the leading states hold them all (0 when none does)."""
    if info is not None:
        info.update(tied=False, n_held=0)
    states, P = candidate_states(prob, u, rng)
    if len(states) == 0:
        return []
    R = S.world(placed)[0] if placed else np.zeros((0, 5))
    if placed:                                 # requested front clearances stay free (relations.py)
        R = np.concatenate([R, S.kept_clear(placed)])
    ok, snug = feasible(prob, u, P, R, gap_m)
    budget.spend(int(np.ceil(len(states) / POSES_PER_EVAL)))
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        return []
    rel_keys = {k for _, a, b, _ in prob.relations for k in (a, b)}
    groups = [idx]
    n_lead = 0                                 # how many leading groups hold every relation
    vr = getattr(u, "view_range", None)
    if rel_keys & set(u.keys) or vr is not None:   # units tied by relations: score more feasible poses (120)
        n_score = max(n_score, 120)
        rects = S.member_rects(placed)
        held = relations_hold(prob, u, P[idx], rect_poses(rects), rects)
        tiers = [held]
        if vr is not None:                     # a sofa with room ahead for its TV unit: at a wall, else free
            at_wall, free = facing_wall_ok(prob, u, P[idx], R, gap_m, vr)
            tiers = [held & at_wall, held & free]
        if any(t.any() for t in tiers):        # poses where every relation to a placed partner holds first
            groups = [idx[t] for t in tiers] + [idx[~np.any(tiers, axis=0)]]
            n_lead = len(tiers)
        if info is not None:
            info["tied"] = True
    w_snug = snug_weight if (u.wall or u.kind == "single") else 0.0      # free groups may stand mid-room
    out = []
    for gi, g in enumerate(groups):
        if len(out) >= 20:
            break
        if len(g) == 0:
            continue
        # half the sample are the snuggest poses, half uniformly random (relations may want the middle)
        order = g[np.argsort(snug[g] + rng.uniform(0, 0.02, len(g)), kind="stable")]
        pick = list(order[: n_score // 2])
        rest = order[n_score // 2:]
        if len(rest):
            pick += list(rng.choice(rest, size=min(len(rest), n_score - len(pick)), replace=False))
        scored = []
        for j in pick:
            u.state = states[j]
            budget.spend()
            scored.append((S.soft(placed + [i]) + w_snug * float(min(snug[j], 1.0)), int(j)))
        scored.sort()
        out += [states[j] for _, j in scored]
        if info is not None and gi < n_lead:
            info["n_held"] = len(out)
    return out
