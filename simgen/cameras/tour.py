"""Visiting order of the viewpoints: an open path from the start (nearest-neighbour paths from several
first hops, each improved by 2-opt and or-opt moves until no move shortens it; the shortest wins), and the
minimum-spanning-tree lower bound of any such path."""

from __future__ import annotations

import numpy as np


def path_length(D: np.ndarray, order: list[int]) -> float:
    return float(sum(D[a, b] for a, b in zip(order[:-1], order[1:])))


TOUR_STARTS = 8     # first hops tried by open_tour (the nearest to the start)


def open_tour(D: np.ndarray, max_rounds: int = 50, starts: int = TOUR_STARTS) -> list[int]:
    """Order of nodes 0..n-1 starting at node 0 (an open path), D (n, n) float symmetric metres.

    Nearest-neighbour tours whose first hop is each of the `starts` nodes nearest to node 0, each improved
    by 2-opt and or-opt (_improve); the cheapest wins (the first on ties). One start alone can end in a
    walk that crosses the house and comes back (high seed 1 of session 12: 8 % more cost than the best
    of 8 starts)."""
    n = len(D)
    if n <= 2:
        return list(range(n))
    firsts = sorted(range(1, n), key=lambda j: (D[0, j], j))[:max(1, starts)]
    best, best_cost = None, np.inf
    for first in firsts:
        order = [0, first]
        left = set(range(1, n)) - {first}
        while left:
            nxt = min(left, key=lambda j: (D[order[-1], j], j))
            order.append(nxt)
            left.remove(nxt)
        order = _improve(D, order, max_rounds)
        cost = path_length(D, order)
        if cost < best_cost - 1e-9:
            best, best_cost = order, cost
    return best


def _improve(D: np.ndarray, order: list[int], max_rounds: int) -> list[int]:
    """2-opt and or-opt moves on the open path `order` (node 0 stays first) until none helps."""
    n = len(order)
    for _ in range(max_rounds):
        improved = False
        # 2-opt on an open path (the last edge may be dropped: reversing a suffix)
        for i in range(1, n - 1):
            for j in range(i + 1, n):
                a, b, c = order[i - 1], order[i], order[j]
                d = order[j + 1] if j + 1 < n else None
                old = D[a, b] + (D[c, d] if d is not None else 0.0)
                new = D[a, c] + (D[b, d] if d is not None else 0.0)
                if new < old - 1e-9:
                    order[i:j + 1] = order[i:j + 1][::-1]
                    improved = True
        # or-opt: move a chain of 1-3 nodes elsewhere (possibly reversed)
        for k in (1, 2, 3):
            i = 1
            while i + k <= len(order):
                chain = order[i:i + k]
                prev = order[i - 1]
                nxt = order[i + k] if i + k < len(order) else None
                removed = D[prev, chain[0]] + (D[chain[-1], nxt] - D[prev, nxt] if nxt is not None else 0.0)
                rest = order[:i] + order[i + k:]
                a = np.array(rest)
                best, best_order = removed - 1e-9, None
                for ch in (chain, chain[::-1]):
                    # insert after rest[p-1] for p in 1..len(rest)
                    ins = D[a, ch[0]] + np.r_[D[ch[-1], a[1:]] - D[a[:-1], a[1:]], 0.0]
                    p = int(np.argmin(ins))
                    if ins[p] < best:
                        best, best_order = ins[p], rest[:p + 1] + list(ch) + rest[p + 1:]
                if best_order is not None:
                    order = best_order
                    improved = True
                i += 1
        if not improved:
            break
    return order


def _prim(W: np.ndarray) -> tuple[float, np.ndarray]:
    """Prim from node 0 on the full matrix W (O(n^2)): the spanning tree's weight and each node's degree
    in it. Infinite entries are missing edges; nodes they cut off are left out of the tree."""
    n = len(W)
    inside = np.zeros(n, bool)
    inside[0] = True
    key, par = W[0].copy(), np.zeros(n, int)
    deg = np.zeros(n)
    total = 0.0
    for _ in range(n - 1):
        cand = np.where(inside, np.inf, key)
        j = int(np.argmin(cand))
        if not np.isfinite(cand[j]):
            break                                  # the rest is unreachable
        total += float(cand[j])
        deg[j] += 1
        deg[par[j]] += 1
        inside[j] = True
        closer = W[j] < key
        key = np.where(closer, W[j], key)
        par = np.where(closer, j, par)
    return total, deg


def mst_lower_bound(D: np.ndarray) -> float:
    """Weight of the minimum spanning tree of D (Prim, O(n^2); zero distances between distinct nodes are
    edges of weight 0, infinite ones are missing edges): no open path through all nodes is shorter."""
    if len(D) < 2:
        return 0.0
    return _prim(np.asarray(D, dtype=np.float64))[0]


def held_karp_lower_bound(D: np.ndarray, upper_m: float | None = None, iters: int = 400) -> float:
    """Held-Karp (1-tree) lower bound of any open path through all nodes that starts at node 0.

    The path is a cycle through a dummy node d joined to node 0 (cost 0) and to the path's free end (cost
    0). For node penalties pi (pi_d = 0) every such cycle is a 1-tree on d: the minimum spanning tree of the
    real nodes under D_ij + pi_i + pi_j, plus d's edges (d, 0) and (d, x), x the cheapest other node under
    pi_x. Each cycle has degree 2 at every node, so its length is its penalised weight - 2 sum(pi): the
    smallest penalised 1-tree minus 2 sum(pi) is a lower bound for every pi, and subgradient steps on
    pi (deg - 2; Polyak steps towards `upper_m`, a known path length) raise it. pi = 0 gives the minimum
    spanning tree, so the result is never below `mst_lower_bound(D)`. D with infinite entries (nodes that
    cannot reach each other) falls back to the spanning-tree bound."""
    D = np.asarray(D, dtype=np.float64)
    n = len(D)
    mst = mst_lower_bound(D)
    if n < 3 or not np.all(np.isfinite(D)):
        return mst
    if upper_m is None:
        upper_m = path_length(D, open_tour(D))
    pi = np.zeros(n)
    best, lam, stall = mst, 2.0, 0
    for _ in range(iters):
        total, deg = _prim(D + pi[:, None] + pi[None, :])
        x = 1 + int(np.argmin(pi[1:]))                  # d's second edge (d's own penalty is 0)
        total += pi[0] + pi[x]
        deg[0] += 1
        deg[x] += 1
        bound = total - 2.0 * pi.sum()
        if bound > best + 1e-12:
            best, stall = bound, 0
        else:
            stall += 1
            if stall >= 20:
                lam, stall = lam / 2.0, 0
        g = deg - 2.0
        gg = float(g @ g)
        if gg == 0.0 or lam < 1e-4 or upper_m - bound <= 1e-9:
            break                                         # a path (optimal) or no more progress
        pi = pi + lam * (upper_m - bound) / gg * g
    return float(max(best, mst))
