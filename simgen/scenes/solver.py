"""The floor stage of the layout optimizer: units (single objects or rigid groups) placed by greedy
construction with local violation repair, then refined by simulated annealing on the soft score.

Hard constraints (never violated by the returned state): every member footprint inside the room
polygon, 2 cm apart from other units, out of door swing zones and (when taller than the sill) window
zones, and the walkable space (agent radius) connects every door with a viewing spot near every
object. Units flagged `wall` are projected onto a wall (their back flush at `wall_gap_m`), so their
only degrees of freedom are the wall edge and the offset along it. Soft terms (weighted): front
clearance, faces, distance ranges, parallel to walls, counter-perspective stress.

Budget: `max_evals` cost evaluations (deterministic) plus a wall-clock cap `time_cap_s` whose hitting is
reported (a run that hits it is no longer guaranteed to be reproducible, but it is still valid).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Polygon

from simgen.scenes.geometry import NavGrid, compose, corners, point_depth, sat_depth
from simgen.scenes.scan import DISTANCE_MARGIN_M, FACES_MARGIN_RAD, ranked_states, rect_poses, same_line

GAP_M = 0.02
RELATION_STEP = 0.5        # soft-score step where a faces / distance_range relation breaks
WALL_GAP_M = 0.02
FRONT_CLEARANCE_M = {"wardrobe": 0.6, "dresser": 0.5, "refrigerator": 0.7, "bookshelf": 0.4, "cabinet": 0.45,
                     "oven": 0.7, "stove": 0.6, "washing_machine": 0.6, "toilet": 0.5, "bathtub": 0.5,
                     "sink": 0.5, "sofa": 0.3, "kitchen_counter": 0.6, "tv_stand": 0.3, "armchair": 0.3}


@dataclass
class Unit:
    idx: int
    keys: list[int]                 # member item keys
    local: np.ndarray               # (k, 5) member rects in the unit frame
    heights: np.ndarray             # (k,) member heights (m)
    wall: bool
    clear: np.ndarray               # (c, 5) clearance rects in the unit frame
    kind: str = "single"
    categories: list[str] = field(default_factory=list)
    state: tuple = ()               # ("wall", edge, s) or ("free", x, y, yaw)

    @property
    def bounds(self):
        b = getattr(self, "_bounds", None)
        if b is None:
            c = corners(self.local).reshape(-1, 2)
            b = self._bounds = (c[:, 0].min(), c[:, 0].max(), c[:, 1].min(), c[:, 1].max())
        return b


def clearance_rects(local: np.ndarray, depths: list[float]) -> np.ndarray:
    out = []
    for r, d in zip(local, depths):
        if d <= 0:
            continue
        c, s = np.cos(r[4]), np.sin(r[4])
        off = r[2] + d / 2
        out.append([r[0] + c * off, r[1] + s * off, d / 2, r[3], r[4]])
    return np.array(out, dtype=np.float64).reshape(-1, 5)


class FloorProblem:
    """Static context of one room: polygon, walls, keep-outs, weights, relations between units."""

    def __init__(self, room, poly: Polygon, static_rects: np.ndarray, static_min_h: np.ndarray,
                 nav: NavGrid, weights: dict, relations: list[tuple], entrance_xy: np.ndarray | None):
        self.room, self.poly = room, poly
        shapely.prepare(poly)
        self.inner = poly.buffer(-0.005, join_style="mitre")
        shapely.prepare(self.inner)
        pts = np.asarray(poly.exterior.coords)[:-1]
        self.edges = []
        for a, b in zip(pts, np.roll(pts, -1, axis=0)):
            d = b - a
            L = float(np.linalg.norm(d))
            if L > 0.3:
                u = d / L
                self.edges.append((a, u, np.array([-u[1], u[0]]), L))
        # reflex vertices (interior angle > 180°) can poke into a rect whose corners are all inside
        self.reflex = []
        n = len(pts)
        for i in range(n):
            p0, p1, p2 = pts[i - 1], pts[i], pts[(i + 1) % n]
            a, b = p1 - p0, p2 - p1
            if a[0] * b[1] - a[1] * b[0] < -1e-9:          # 2-D cross product (np.cross of 2-D vectors is deprecated)
                self.reflex.append(p1)
        self.reflex = np.array(self.reflex).reshape(-1, 2)
        self.static, self.static_h = static_rects, static_min_h
        self.nav, self.w, self.relations = nav, weights, relations
        self.entrance = entrance_xy
        x0, y0, x1, y1 = poly.bounds
        self.diag = float(np.hypot(x1 - x0, y1 - y0))

    def pose(self, u: Unit) -> tuple[float, float, float]:
        if u.state[0] == "free":
            return u.state[1], u.state[2], u.state[3]
        _, e, s = u.state
        a, ud, inward, _ = self.edges[e]
        xmin = u.bounds[0]
        p = a + ud * s + inward * (WALL_GAP_M - xmin)
        return float(p[0]), float(p[1]), float(np.arctan2(inward[1], inward[0]))

    def wall_range(self, u: Unit, e: int) -> tuple[float, float]:
        _, _, ymin, ymax = u.bounds
        return ymax, self.edges[e][3] + ymin

    def ray_to_wall(self, x: float, y: float, yaw: float) -> float:
        """Distance (m) from (x, y) along heading yaw to the room boundary."""
        ray = shapely.LineString([(x, y), (x + 30 * np.cos(yaw), y + 30 * np.sin(yaw))])
        hit = ray.intersection(self.poly.exterior)
        if hit.is_empty:
            return 0.0
        return float(shapely.distance(shapely.Point(x, y), hit))

    def oob(self, rects: np.ndarray) -> float:
        c = corners(rects).reshape(-1, 2)
        inside = shapely.contains_xy(self.inner, c[:, 0], c[:, 1])
        v = 0.0
        if not inside.all():
            v += float(shapely.distance(self.inner, shapely.points(c[~inside])).sum()) + 0.005
        if len(self.reflex):
            v += float(np.clip(point_depth(self.reflex, rects), 0, None).sum())
        return v


class State:
    """World rects of the placed units, recomputed per evaluation (all vectorized)."""

    def __init__(self, prob: FloorProblem, units: list[Unit]):
        self.prob, self.units = prob, units
        self._cache: dict = {}

    def unit_world(self, i: int):
        u = self.units[i]
        key = (i, id(u), u.state)
        hit = self._cache.get(key)
        if hit is None:
            if len(self._cache) > 4096:
                self._cache.clear()
            pose = self.prob.pose(u)
            hit = self._cache[key] = (compose(pose, u.local), compose(pose, u.clear) if len(u.clear) else None)
        return hit

    def world(self, placed: list[int]):
        rects, owner, heights, clear, cowner = [], [], [], [], []
        for i in placed:
            u = self.units[i]
            wr, wc = self.unit_world(i)
            rects.append(wr)
            owner += [i] * len(u.local)
            heights.append(u.heights)
            if wc is not None:
                clear.append(wc)
                cowner += [i] * len(u.clear)
        cat = lambda xs, k: np.concatenate(xs) if xs else np.zeros((0, k))  # noqa: E731
        return (cat(rects, 5), np.array(owner, dtype=int), cat(heights, 1).ravel() if heights else np.zeros(0),
                cat(clear, 5), np.array(cowner, dtype=int))

    def violation(self, placed: list[int], focus: list[int] | None = None) -> float:
        """Sum of hard violations (metres of penetration) involving `focus` units (default: all)."""
        R, own, H, _, _ = self.world(placed)
        if len(R) == 0:
            return 0.0
        sel = np.isin(own, focus) if focus is not None else np.ones(len(R), bool)
        v = self.prob.oob(R[sel])
        if len(self.prob.static):
            d = sat_depth(R[sel], self.prob.static)
            tall = H[sel][:, None] > self.prob.static_h[None, :]
            v += float(np.clip(d, 0, None)[tall].sum())
        d = sat_depth(R[sel], R) + GAP_M
        other = own[sel][:, None] != own[None, :]
        v += float(np.clip(d, 0, None)[other].sum())
        return v

    def soft(self, placed: list[int], keypos: dict | None = None) -> float:
        p, w = self.prob, self.prob.w
        R, own, H, C, cown = self.world(placed)
        s = 0.0
        if len(C) and len(R):
            d = sat_depth(C, R)
            other = cown[:, None] != own[None, :]
            s += w["clearance"] * float(np.clip(d, 0, None)[other].sum())
            s += w["clearance"] * p.oob(C)
            kept = np.array([getattr(self.units[o], "keep_clear", False) for o in cown])
            if kept.any():                     # a requested front clearance (the bed's): a step where it breaks
                s += w["clearance"] * RELATION_STEP * int(((d[kept] > 0) & other[kept]).any(axis=1).sum())
        for i in placed:
            u = self.units[i]
            if u.state[0] == "free":
                yaw = u.state[3] % (np.pi / 2)
                s += w["parallel"] * min(yaw, np.pi / 2 - yaw)
        if w.get("counter_perspective", 0) > 0 and p.entrance is not None and len(R):
            dist = np.linalg.norm(R[:, :2] - p.entrance[None, :], axis=1) / max(p.diag, 1e-6)
            hn = np.clip(H / 2.0, 0, 1)
            s += w["counter_perspective"] * float((hn * dist + (1 - hn) * (1 - dist)).sum())
        for i in placed:                       # a unit that must face a wall at a viewing distance (sofa -> TV)
            vr = getattr(self.units[i], "view_range", None)
            if vr is not None:
                r = self.unit_world(i)[0][0]
                d = p.ray_to_wall(r[0], r[1], r[4])
                s += w["distance"] * (max(0.0, d - vr[1]) + max(0.0, vr[0] - d))
        if p.relations:
            rects = self.member_rects(placed)
            pos = rect_poses(rects)
            for rtype, a, b, prm in p.relations:
                if a not in pos or b not in pos:
                    continue
                if rtype == "near":                # footprints apart by at most max_m (SAT separation)
                    sep = float(-sat_depth(rects[a][None], rects[b][None])[0, 0])
                    out = max(0.0, sep - prm["max_m"])
                    s += w["distance"] * (out + RELATION_STEP * (out > 0))
                    continue
                if rtype == "same_line":           # a let-go row member off its row's line
                    s += w["distance"] * RELATION_STEP * float(not same_line(rects[a][None], rects[b], prm["tol_m"])[0])
                    continue
                (ax, ay, ayaw), (bx, by, _) = pos[a], pos[b]
                # a continuous pull plus a step where the predicate (with its margin) breaks, so that the
                # annealing does not trade a held relation for a little clearance
                if rtype == "faces":
                    ang = np.arctan2(by - ay, bx - ax) - ayaw
                    ang = abs((ang + np.pi) % (2 * np.pi) - np.pi)
                    s += w["faces"] * prm.get("weight", 1.0) * (ang / np.pi + RELATION_STEP * (ang > FACES_MARGIN_RAD))
                elif rtype == "distance_range":
                    dd = float(np.hypot(bx - ax, by - ay))
                    m = DISTANCE_MARGIN_M
                    out = max(0.0, dd - prm["max_m"] + m) + max(0.0, prm["min_m"] + m - dd)
                    s += w["distance"] * (out + RELATION_STEP * (out > 0))
        return s

    def kept_clear(self, placed: list[int]) -> np.ndarray:
        """(m, 5) world rects of the requested front clearances (keep_clear units) of the placed units:
        kept free of later units by the scan."""
        out = [self.unit_world(i)[1] for i in placed if getattr(self.units[i], "keep_clear", False)
               and self.unit_world(i)[1] is not None]
        return np.concatenate(out) if out else np.zeros((0, 5))

    def member_rects(self, placed: list[int]) -> dict[int, np.ndarray]:
        """{item key: world rect (5,)} of the members of the placed units."""
        return {k: r for i in placed for k, r in zip(self.units[i].keys, self.unit_world(i)[0])}

    def member_poses(self, placed: list[int]) -> dict[int, tuple[float, float, float]]:
        return rect_poses(self.member_rects(placed))

    def nav_ok(self, placed: list[int]) -> tuple[bool, dict]:
        R, own, _, _, _ = self.world(placed)
        return self.prob.nav.check(R, own)


class Budget:
    def __init__(self, max_evals: int, time_cap_s: float):
        self.max_evals, self.cap = max_evals, time_cap_s
        self.evals, self.nav_checks = 0, 0
        self.t0 = time.perf_counter()
        self.cap_hit = False

    def spend(self, n: int = 1) -> bool:
        """Count n evaluations; False once the budget (or the wall-clock cap) is exhausted."""
        self.evals += n
        if time.perf_counter() - self.t0 > self.cap:
            self.cap_hit = True
        return self.evals < self.max_evals and not self.cap_hit

    @property
    def left(self) -> bool:
        return self.evals < self.max_evals and not self.cap_hit


def _random_state(prob: FloorProblem, u: Unit, rng: np.random.Generator):
    if u.wall:
        lens = np.array([e[3] for e in prob.edges])
        for _ in range(8):
            e = int(rng.choice(len(lens), p=lens / lens.sum()))
            lo, hi = prob.wall_range(u, e)
            if hi >= lo:
                return ("wall", e, float(rng.uniform(lo, hi)))
        return None
    x0, y0, x1, y1 = prob.poly.bounds
    for _ in range(20):
        x, y = float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1))
        if prob.poly.contains(shapely.Point(x, y)):
            return ("free", x, y, float(rng.integers(4)) * np.pi / 2)
    return None


def _perturb(prob: FloorProblem, u: Unit, rng: np.random.Generator, sigma: float):
    st = u.state
    r = rng.random()
    if st[0] == "wall":
        if r < 0.8:
            lo, hi = prob.wall_range(u, st[1])
            return ("wall", st[1], float(np.clip(st[2] + rng.normal(0, sigma), lo, max(lo, hi))))
        return _random_state(prob, u, rng)
    if r < 0.7:
        return ("free", st[1] + float(rng.normal(0, sigma)), st[2] + float(rng.normal(0, sigma)), st[3])
    if r < 0.9:
        return ("free", st[1], st[2], float((st[3] + rng.choice([-1, 1]) * np.pi / 2) % (2 * np.pi)))
    return ("free", st[1], st[2], float(st[3] + rng.normal(0, 0.15)))


def solve_floor(prob: FloorProblem, units: list[Unit], rng: np.random.Generator, budget: Budget,
                n_candidates: int = 16, shrink=None, patience: int = 300) -> tuple[list[int], dict]:
    """Place units (in the given order). Returns (placed unit indices, report).

    shrink(unit) -> Unit | None gives a smaller variant of a unit (fewer group members or a resampled
    asset) to retry with when a unit does not fit.
    """
    S = State(prob, units)
    placed: list[int] = []
    dropped: list[int] = []
    rep = {"construction_evals": 0, "sa_evals": 0, "accepted_moves": 0, "dropped_units": [], "nav_rejects": 0,
           "shrunk_units": 0, "stood_off": []}

    def place_first_walkable(i: int, states) -> bool:
        """Put unit i in the first of `states` that keeps the room walkable (checked last, it is costly)."""
        for st in states:
            units[i].state = st
            budget.nav_checks += 1
            if S.nav_ok(placed + [i])[0]:
                placed.append(i)
                return True
            rep["nav_rejects"] += 1
        return False

    def stand_off(i: int) -> bool:
        """A wall single whose relations hold at no wall pose, placed free-standing (off the wall) at a
        pose where they all hold (a TV stand set forward into a room too deep for the 1.8-4 m range)."""
        u = units[i]
        fu = dataclasses.replace(u, wall=False, state=())
        for a in ("group", "view_range", "view_partner", "resampled", "may_stand_off"):
            if hasattr(u, a):
                setattr(fu, a, getattr(u, a))
        units[i] = fu
        info: dict = {}
        ranked = ranked_states(prob, S, fu, i, placed, rng, budget, GAP_M, info=info)

        def back_gap(st) -> float:            # free floor behind it: as close to a wall as it can be
            return prob.ray_to_wall(st[1], st[2], st[3] + np.pi) - fu.bounds[1]

        held = sorted(ranked[:info["n_held"]], key=back_gap)
        if held and place_first_walkable(i, held[:30]):
            rep["stood_off"] += fu.keys
            return True
        units[i] = u
        return False

    def try_insert(i: int, k: int) -> bool:
        u = units[i]
        info: dict = {}
        ranked = ranked_states(prob, S, u, i, placed, rng, budget, GAP_M, info=info)
        if u.wall and getattr(u, "may_stand_off", False) and info["tied"] and not info["n_held"] and stand_off(i):
            return True
        if ranked:   # the best feasible poses, then a spread of the rest
            return place_first_walkable(i, ranked[:10] + ranked[10::4][:10])
        cands = []
        for _ in range(k):
            st = _random_state(prob, u, rng)
            if st is None:
                continue
            u.state = st
            v = S.violation(placed + [i], focus=[i])
            budget.spend()
            cands.append((v, S.soft(placed + [i]) if v == 0 else 0.0, st))
            if not budget.left:
                break
        if not cands:
            return False
        cands.sort(key=lambda c: (c[0], c[1]))
        good = [c for c in cands if c[0] == 0]
        if not good:                       # local repair of the least-violating candidate
            v, _, st = cands[0]
            u.state = st
            sigma = 0.3
            for _ in range(40):
                if not budget.spend():
                    break
                old = u.state
                u.state = _perturb(prob, u, rng, sigma) or old
                nv = S.violation(placed + [i], focus=[i])
                if nv <= v:
                    v = nv
                    if v == 0:
                        break
                else:
                    u.state = old
                sigma = max(0.03, sigma * 0.93)
            if v > 0:
                return False
            good = [(0.0, 0.0, u.state)]
        return place_first_walkable(i, [st for _, _, st in good[:4]])

    i = -1
    while i + 1 < len(units):                  # shrink() may append units (members a group let go)
        i += 1
        ok = budget.left and try_insert(i, n_candidates)
        while not ok and shrink is not None and budget.left:
            smaller = shrink(units[i])
            if smaller is None:
                break
            units[i] = smaller
            rep["shrunk_units"] += 1
            ok = try_insert(i, n_candidates)
        if not ok:
            dropped.append(i)
    rep["construction_evals"] = budget.evals

    # simulated annealing on the soft score, hard constraints as a barrier
    cur = S.soft(placed)
    best = (cur, {i: units[i].state for i in placed}, list(placed))
    n0 = budget.evals
    total = max(1, budget.max_evals - n0)
    T0, T1 = 0.1, 0.002
    rel_keys = {k for _, a, b, _ in prob.relations for k in (a, b)}
    since_best = 0
    while budget.left and placed and since_best < patience:
        active = [i for i in placed if len(units[i].clear) or not units[i].wall or rel_keys & set(units[i].keys)]
        if not active:
            break
        since_best += 1
        frac = min(1.0, (budget.evals - n0) / total)
        T = T0 * (1 - frac) + T1
        sigma = 0.4 * (1 - frac) + 0.03
        r = rng.random()
        if dropped and r < 0.1:
            i = dropped[0]
            if try_insert(i, 8):
                dropped.pop(0)
                cur = S.soft(placed)
                best = (cur, {k: units[k].state for k in placed}, list(placed))
                since_best = 0
            else:
                dropped.append(dropped.pop(0))
            continue
        if r < 0.25 and len(active) >= 2:         # swap two units of the same mode
            i, j = (active[int(k)] for k in rng.choice(len(active), 2, replace=False))
            ui, uj = units[i], units[j]
            if ui.wall != uj.wall:
                continue
            old = (ui.state, uj.state)
            if ui.wall:
                ui.state, uj.state = ("wall", old[1][1], old[1][2]), ("wall", old[0][1], old[0][2])
                for u in (ui, uj):
                    lo, hi = prob.wall_range(u, u.state[1])
                    u.state = ("wall", u.state[1], float(np.clip(u.state[2], lo, max(lo, hi))))
            else:
                ui.state = ("free", old[1][1], old[1][2], old[0][3])
                uj.state = ("free", old[0][1], old[0][2], old[1][3])
            moved = [i, j]
        else:
            i = active[int(rng.integers(len(active)))]
            old = (units[i].state,)
            new = _perturb(prob, units[i], rng, sigma)
            if new is None:
                continue
            units[i].state = new
            moved = [i]
        budget.spend()
        new_soft = S.soft(placed)
        accept = new_soft <= cur or rng.random() < np.exp(-(new_soft - cur) / T)
        if accept:
            accept = S.violation(placed, focus=moved) == 0
        if accept:
            budget.nav_checks += 1
            accept = S.nav_ok(placed)[0]
            if not accept:
                rep["nav_rejects"] += 1
        if accept:
            cur = new_soft
            rep["accepted_moves"] += 1
            if cur < best[0] - 1e-3 or len(placed) > len(best[2]):
                since_best = 0
            if cur < best[0] - 1e-12 or len(placed) > len(best[2]):
                best = (cur, {k: units[k].state for k in placed}, list(placed))
        else:
            for k, st in zip(moved, old):
                units[k].state = st
    if len(placed) == len(best[2]):
        for k, st in best[1].items():
            units[k].state = st
        cur = best[0]
    for i in placed:                           # snap nearly square free units to exact right angles
        u = units[i]
        if u.state[0] != "free":
            continue
        yaw = u.state[3]
        snapped = round(yaw / (np.pi / 2)) * (np.pi / 2)
        if 1e-9 < abs(yaw - snapped) <= np.deg2rad(15):
            old_st = u.state
            u.state = ("free", u.state[1], u.state[2], float(snapped))
            budget.nav_checks += 1
            if S.violation(placed, focus=[i]) > 0 or not S.nav_ok(placed)[0]:
                u.state = old_st
    cur = S.soft(placed) if placed else 0.0
    rep["sa_evals"] = budget.evals - n0
    rep["dropped_units"] = dropped
    rep["soft_score"] = float(cur)
    rep["final_violation"] = float(S.violation(placed)) if placed else 0.0
    rep["nav"] = S.nav_ok(placed)[1] if placed else {}
    return placed, rep
