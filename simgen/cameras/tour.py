"""Visiting order of the viewpoints: an open path from the start (nearest neighbour, then 2-opt and
or-opt moves until no move shortens it), and the minimum-spanning-tree lower bound of any such path."""

from __future__ import annotations

import numpy as np


def path_length(D: np.ndarray, order: list[int]) -> float:
    return float(sum(D[a, b] for a, b in zip(order[:-1], order[1:])))


def open_tour(D: np.ndarray, max_rounds: int = 50) -> list[int]:
    """Order of nodes 0..n-1 starting at node 0 (an open path), D (n, n) float symmetric metres."""
    n = len(D)
    if n <= 2:
        return list(range(n))
    order = [0]
    left = set(range(1, n))
    while left:
        nxt = min(left, key=lambda j: (D[order[-1], j], j))
        order.append(nxt)
        left.remove(nxt)
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


def mst_lower_bound(D: np.ndarray) -> float:
    """Weight of the minimum spanning tree of D (Prim, O(n^2); zero distances between distinct nodes are
    edges of weight 0, infinite ones are missing edges): no open path through all nodes is shorter."""
    n = len(D)
    if n < 2:
        return 0.0
    D = np.asarray(D, dtype=np.float64)
    inside = np.zeros(n, bool)
    inside[0] = True
    best = D[0].copy()
    total = 0.0
    for _ in range(n - 1):
        cand = np.where(inside, np.inf, best)
        j = int(np.argmin(cand))
        if not np.isfinite(cand[j]):
            break                                  # the rest is unreachable
        total += float(cand[j])
        inside[j] = True
        best = np.minimum(best, D[j])
    return total
