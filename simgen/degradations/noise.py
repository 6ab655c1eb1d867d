"""Fast Poisson-Gaussian sensor sampling (table based, exact Poisson at low counts).

The sensor model is electrons = Poisson(lambda) + N(0, read_e^2). numpy's samplers cost ~100 ns per
Poisson and ~15 ns per normal sample here, too slow for 640x480x3 at 30 fps on one core, so:

* **Exact Poisson below `exact_below`** (tables up to 64 e-; SensorParams switches at 16 e-), by
  inverse-CDF tables. lambda = lambda_j + r with lambda_j = j/16 on a grid (j < 1024) and
  0 <= r < 1/16; Poisson(lambda) = Poisson(lambda_j) + Poisson(r) (independent Poisson counts add),
  both sampled exactly:
  - Poisson(lambda_j) through a guide table: 11 random bits pick one of 2048 equal-probability cells of
    the uniform; a cell that no CDF step crosses gives X with one byte lookup; a crossed cell (0.5-2.5 %
    of draws) is resolved by walking the CDF with U = (cell + w) / 2048, w a fresh float64 uniform;
  - Poisson(r) by inverse CDF of V = (v + w') / 32, v the other 5 random bits and w' a fresh uniform
    drawn only where v >= 30 (B > 0 needs V >= e^-r > e^-(1/16) > 30/32; 6 % of the draws).
  The counts are integers with the exact Poisson law (up to float64 arithmetic).
* **A Gaussian with the same mean and variance above** (shot-noise skewness 1/sqrt(lambda) < 0.125).
* **Normal variates from a 65,536-cell quantile table** indexed by 16 random bits: each cell holds the
  conditional mean of N(0, 1) over its probability slice, rescaled to unit variance (mean 0, variance 1;
  Kolmogorov distance to N(0, 1) < 1.6e-5; |z| <= 4.39, the probability beyond 4.17 is lumped there).

Whole-frame vectorised (numpy call overhead and subset indexing dominate at smaller chunks on this
machine). Random bits come from the generator in a fixed order (32 bits per sample up front, then the
fresh uniforms for crossed cells and remainder candidates), so output is a deterministic function of the
generator's state.
"""

from __future__ import annotations

import numpy as np

GRID_PER_E = 16                 # lambda grid step 1/16 e-: the remainder r < 1/16 is rarely non-zero
EXACT_MAX_E = 64.0              # tables cover lambda < 64 e-
N_GRID = int(EXACT_MAX_E * GRID_PER_E)
CELL_BITS = 11                  # guide-table cells: low 11 of 16 random bits
V_BITS = 16 - CELL_BITS         # the top 5 bits: prefilter for the remainder
V_MIN = int(np.floor(np.exp(-1.0 / GRID_PER_E) * 2 ** V_BITS))   # 30: below it, B = 0 for sure
K_MAX = 192                     # CDF support stored per grid row (P(X >= 192 | lambda < 64) ~ 1e-35)
FEW_BRIGHT = 0.125              # dark frames: up to this fraction of Gaussian pixels is patched by index
AMBIGUOUS = 0x80                # guide flag: a CDF step falls inside the cell (low 7 bits: smallest X there)
_NORMAL: np.ndarray | None = None
_POISSON: tuple[np.ndarray, np.ndarray] | None = None


def normal_table() -> np.ndarray:
    """(65536,) float32: cell-conditional means of N(0, 1) over equal-probability slices, unit variance."""
    global _NORMAL
    if _NORMAL is None:
        from scipy.special import ndtri

        m = 1 << 16
        edges = ndtri(np.arange(m + 1, dtype=np.float64) / m)          # -inf .. +inf
        phi = np.exp(-0.5 * np.where(np.isfinite(edges), edges, 0.0) ** 2) / np.sqrt(2 * np.pi)
        phi[~np.isfinite(edges)] = 0.0
        mean = (phi[:-1] - phi[1:]) * m                                  # E[z | slice]
        mean -= mean.mean()
        mean /= np.sqrt(np.mean(mean ** 2))
        _NORMAL = mean.astype(np.float32)
    return _NORMAL


def poisson_tables() -> tuple[np.ndarray, np.ndarray]:
    """(guide (N_GRID << CELL_BITS,) uint8, cdf (N_GRID * K_MAX,) float64).

    guide[j << CELL_BITS | c] = the Poisson(j / GRID_PER_E) inverse CDF shared by every 32-bit uniform
    whose top bits are c, or AMBIGUOUS | (the smallest one) when a CDF step falls inside the cell;
    cdf[j * K_MAX + k] = P(X <= k | lambda_j) * 2^32 (in units of the 32-bit uniform)."""
    global _POISSON
    if _POISSON is None:
        from scipy.special import gammaln

        lam = np.arange(N_GRID, dtype=np.float64) / GRID_PER_E
        k = np.arange(K_MAX, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            logp = k[None] * np.log(lam[:, None]) - lam[:, None] - gammaln(k + 1)[None]
        logp[0] = -np.inf
        logp[0, 0] = 0.0
        cdf = np.minimum(np.cumsum(np.exp(logp), axis=1), 1.0)
        cdf[:, -1] = 1.0
        cdf *= 2.0 ** 32
        n_cell = 1 << CELL_BITS
        lo = np.arange(n_cell, dtype=np.float64) * 2.0 ** (32 - CELL_BITS)  # a cell's U range, 2^-32 units
        hi = lo + 2.0 ** (32 - CELL_BITS)
        guide = np.empty((N_GRID, n_cell), np.uint8)
        for j in range(N_GRID):
            x_lo = np.searchsorted(cdf[j], lo, side="right")    # #{k: CDF(k) <= U} = inverse CDF
            x_hi = np.searchsorted(cdf[j], hi, side="left")     # X just below the cell's end
            if x_lo.max() >= AMBIGUOUS:
                raise AssertionError("Poisson guide table: count too large for 7 bits")
            guide[j] = np.where(x_lo == x_hi, x_lo, AMBIGUOUS | x_lo)
        _POISSON = (guide.ravel(), cdf.ravel())
    return _POISSON


def sample_dn(exposed: np.ndarray, e_per_unit: float, read_e: float, dn_per_e: float, full_well_e: float,
              dn_max: int, exact_below: float, rng: np.random.Generator, dtype=np.uint16,
              dark_exact_below: float | None = None) -> np.ndarray:
    """DN (`dtype`, default uint16; intp for direct use as lookup indices; shape of exposed) =
    clip(round(dn_per_e * clip(Poisson(lam) + N(0, read_e^2), 0, full_well_e)), 0, dn_max) with
    lam = e_per_unit * max(exposed, 0) photoelectrons.

    Poisson exact (tables) where lam < exact_below (<= 64), a Gaussian with the same mean and variance
    above. dark_exact_below (>= exact_below, <= 64; None = exact_below): in a dark frame, where at most
    half of the samples reach exact_below, the exact sampler runs everywhere anyway and is kept up to
    this mean (more exact, and cheaper than sampling two laws by index). Both clips become one:
    round(clip(g e, 0, top)) with top = min(g * full_well, dn_max), done as floor(clip(g e + 0.5, 0,
    top + 0.5))."""
    dark_exact_below = exact_below if dark_exact_below is None else max(dark_exact_below, exact_below)
    if not 0 <= exact_below <= dark_exact_below <= EXACT_MAX_E:
        raise ValueError(f"exact Poisson is tabulated below {EXACT_MAX_E} e-, got {exact_below}, "
                         f"{dark_exact_below}")
    if dn_max > np.iinfo(np.uint16).max:
        raise ValueError(f"DN range up to 65535 (16-bit ADC), got {dn_max}")
    flat = np.ascontiguousarray(exposed, dtype=np.float32).reshape(-1)
    n = flat.size
    bits = rng.bit_generator.random_raw((2 * n + 3) // 4).view(np.uint16)
    u_p, z_idx = bits[:n], bits[n:2 * n]          # 16 random bits per sample for each of Poisson, normal
    g = float(dn_per_e)
    top = np.float32(min(dn_per_e * full_well_e, dn_max) + 0.5)
    ztab = normal_table()
    ztab_g = ztab * np.float32(g)                 # Gaussian branch: g sqrt(lambda + read^2) z
    ztab_r = ztab * np.float32(g * read_e)        # Poisson branch: g read z (+ 0.5 for the rounding)
    ztab_r += np.float32(0.5)
    # q: mean electrons in grid units (lambda * GRID_PER_E), clipped at 0 below
    q_per_unit = np.float32(e_per_unit * GRID_PER_E)
    q = flat * q_per_unit
    q_thr = np.float32(exact_below * GRID_PER_E)
    is_big = q >= q_thr
    n_big = int(np.count_nonzero(is_big))
    if 2 * n_big > n:             # Gaussian everywhere, exact Poisson on the dark pixels (by index)
        np.maximum(q, 0.0, out=q)
        x = _gaussian_dn(q, z_idx, ztab_g, read_e, g)
        x += np.float32(0.5)
        if n_big < n:
            small = np.flatnonzero(~is_big)
            xs = _poisson_dn(q[small], u_p[small], g, rng)[0]
            xs += ztab_r.take(z_idx[small], mode="wrap")
            x[small] = xs
    else:                         # dark frame: exact Poisson everywhere up to the dark switch
        if dark_exact_below > exact_below:
            q_thr = np.float32(dark_exact_below * GRID_PER_E)
            is_big = q >= q_thr
            n_big = int(np.count_nonzero(is_big))
        # bright pixels are sampled in the table's range (then replaced), so the draws do not depend on them
        np.clip(q, 0.0, np.nextafter(q_thr, np.float32(0)), out=q)
        few = n_big <= FEW_BRIGHT * n     # few bright pixels: patched by index; more: a full pass, masked copy
        x, big = _poisson_dn(q, u_p, g, rng, also=is_big if 0 < n_big and few else None)
        x += ztab_r.take(z_idx, mode="wrap")
        if n_big and few:
            xb = _gaussian_dn(flat[big] * q_per_unit, z_idx[big], ztab_g, read_e, g)      # = the unclipped q
            xb += np.float32(0.5)
            x[big] = xb
        elif n_big:                   # the same values where is_big (elementwise identical arithmetic)
            xb = _gaussian_dn(np.maximum(flat * q_per_unit, 0.0), z_idx, ztab_g, read_e, g)
            xb += np.float32(0.5)
            np.copyto(x, xb, where=is_big)
    np.clip(x, 0.0, top, out=x)
    return x.astype(dtype).reshape(np.shape(exposed))                    # floor(x + 0.5) = round


def _gaussian_dn(q: np.ndarray, z_idx: np.ndarray, ztab_g: np.ndarray, read_e: float, g: float) -> np.ndarray:
    """g * (lambda + sqrt(lambda + read^2) z), lambda = q / GRID_PER_E, z from the normal table (x g)."""
    lam = q * np.float32(1.0 / GRID_PER_E)
    x = lam + np.float32(read_e * read_e)
    np.sqrt(x, out=x)
    x *= ztab_g.take(z_idx, mode="wrap")
    lam *= np.float32(g)
    x += lam
    return x


def _poisson_dn(q: np.ndarray, u16: np.ndarray, g: float, rng: np.random.Generator,
                also: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """(g * Poisson(q / GRID_PER_E) as float32 (n,), exact; flatnonzero(also) or None) for q (n,) float32 in
    [0, N_GRID) and u16 (n,) uint16 random bits (low CELL_BITS: guide cell; top V_BITS: remainder
    prefilter). `also` (n,) bool: a mask whose indices the caller needs, found in the same pass (one
    np.flatnonzero over n costs as much as the guide lookup, whatever the density)."""
    guide, cdf = poisson_tables()
    ix = q.astype(np.int32)                                              # j, the grid row
    np.left_shift(ix, CELL_BITS, out=ix)
    ix |= u16 & np.uint16((1 << CELL_BITS) - 1)                          # low bits: the cell
    x8 = guide.take(ix, mode="wrap")                                     # ix < guide.size
    x = np.multiply(x8, np.float32(g), dtype=np.float32)
    v_thr = np.uint16(V_MIN << CELL_BITS)
    special = x8 >= AMBIGUOUS
    special |= u16 >= v_thr
    if also is not None:
        special |= also
    special = np.flatnonzero(special)                                    # ascending, so are the subsets
    amb = special[x8[special] >= AMBIGUOUS]
    cand = special[u16[special] >= v_thr]
    found = special[also[special]] if also is not None else None
    if amb.size:   # a CDF step inside the cell: U = (cell + w) 2^-CELL_BITS with a fresh w; walk the CDF
        ia = ix[amb]
        base = (ia >> CELL_BITS).astype(np.int64) * K_MAX
        xa = (x8[amb] & np.uint8(AMBIGUOUS - 1)).astype(np.int64)
        ua = ((ia & ((1 << CELL_BITS) - 1)) + rng.random(amb.size)) * 2.0 ** (32 - CELL_BITS)
        step = np.flatnonzero(ua >= cdf[base + xa])
        while step.size:     # usually one step or none; the last cell (the upper tail) may need several,
            xa[step] += 1    # all walked together (cdf[row, K_MAX - 1] = 2^32 > U stops every walk)
            step = step[ua[step] >= cdf[base[step] + xa[step]]]
        x[amb] = xa * np.float32(g)
    # remainder B ~ Poisson(r), r = q / GRID - j / GRID < 1 / GRID, by inverse CDF of V = (v + w) 2^-V_BITS
    # (v: the top bits, w: fresh). B >= 1 needs V >= e^-r > e^-(1/GRID), so only v >= V_MIN can have B > 0.
    if cand.size:
        qc = q[cand]
        r = (qc - np.floor(qc)).astype(np.float64) / GRID_PER_E
        v = ((u16[cand] >> np.uint16(CELL_BITS)) + rng.random(cand.size)) / 2.0 ** V_BITS
        p0 = np.exp(-r)
        b1 = np.flatnonzero(v >= p0)                                     # B >= 1 (about half of cand)
        if b1.size:
            x[cand[b1]] += np.float32(g)
            rb, vb = r[b1], v[b1]
            p = p0[b1] * rb                                              # P(B = 1)
            cum = p0[b1] + p
            idx = np.flatnonzero(vb >= cum)
            k = 1
            while idx.size:                                              # B >= k + 1 for idx (rare)
                k += 1
                x[cand[b1[idx]]] += np.float32(g)
                p[idx] *= rb[idx] / k
                cum[idx] += p[idx]
                idx = idx[vb[idx] >= cum[idx]]
    return x, found
