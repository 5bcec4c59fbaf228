"""Binomial and Poisson draws for many small counts, by inversion from one uniform per row.

`Generator.binomial` and `Generator.poisson` set up their algorithm again for every element of an
array argument; for the model's typical counts (a few volunteers quitting or joining in a month)
that set-up is most of the cost. Inverting the distribution function from one uniform per row, all
rows at once, needs as many vector passes as the largest count drawn. Rows whose mean exceeds
`INVERSION_MEAN_LIMIT` (or with a success probability of 1) take numpy's own sampler instead.

The draws are exact in distribution (up to floating-point rounding of the cumulative sums, which
matters only in the far tail). Calls on the generator, in order: `random(size)` for every row, then
`binomial`/`poisson` for the rows above the limit (only when there are such rows), so a
reference that receives the same numbers (`tests/reference.py`) can redo each row with `binomial_row`
and `poisson_row`. Rows whose uniform lies below a lower bound of P(0) are 0 without P(0) being formed
(most rows: the typical mean is well below 1), which changes no draw.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..streams import sample, uniforms

INVERSION_MEAN_LIMIT = 8.0
TAIL_ROWS = 24  # when this few rows are still searching, a scalar loop is cheaper than more vector passes


def binomial(rng, n, p, steps_per_year: int | None = None, worlds: np.ndarray | None = None) -> np.ndarray:
    """One binomial(n[i], p[i]) draw per row.

    `rng` is a Generator or a model's `Streams` (msosim.streams), with `worlds` the world of each row.

    With `steps_per_year`, `p` is a yearly probability and each trial succeeds with the per-step
    probability 1 - (1 - p) ** (1 / steps_per_year) (`rates.per_step`). That probability is then formed
    only where it is needed: P(0) = (1 - p) ** (n / steps_per_year) directly, the per-step probability for
    the rows still searching after P(0), and the switch to numpy's sampler decided exactly on the few rows
    that bounds on it cannot settle. Same distribution."""
    n = np.asarray(n, dtype=np.int64)
    p = np.asarray(p, dtype=np.float64)
    if p.shape != n.shape:
        p = np.broadcast_to(p, n.shape)
    jit = kernels.compiled()
    if jit is not None:
        return _binomial_compiled(jit, rng, n, p, steps_per_year, worlds)
    u = uniforms(rng, n.size, worlds)
    nf = n.astype(np.float64)  # counts as floats: exact, and what the pmf arithmetic converts them to anyway
    if steps_per_year is None:
        s = 1.0
        q = 1.0 - p
        large = (nf * p > INVERSION_MEAN_LIMIT) | (p >= 1.0)
        large &= n > 0
        large = large.nonzero()[0]
        p_large = p[large]
        # Rows whose u is below a lower bound of P(0), (1 - p) ** n >= 1 - n p, draw 0 without forming P(0).
        maybe = nf * p > 1.0 - u
    else:
        s = float(steps_per_year)
        p = np.clip(p, 0.0, 1.0)
        q = 1.0 - p  # per year
        mean_bound = nf * p  # n p / (s q) bounds the mean per step from above
        sq = q * s
        # The per-step probability lies in [p / s, p / (s (1 - p))]: only rows whose upper bound passes the
        # limit can be large, and the exact test is made on those (a row with n = 0 never passes).
        band = (mean_bound > sq * INVERSION_MEAN_LIMIT).nonzero()[0]
        large, p_large = _large_in_band(band, nf[band], q[band], s)
        sq *= 1.0 - u
        maybe = mean_bound > sq  # the same bound with the per-step p's upper bound
    out = np.zeros(n.size, dtype=np.int64)
    if large.size:  # numpy's sampler is called only when some row needs it (an empty call draws nothing)
        out[large] = sample(rng, "binomial", worlds, large, n[large], p_large)
    maybe[large] = False
    rows = maybe.nonzero()[0]
    # P(0) = (1 - step p) ** n as exp(n / S log(1 - p)) (S = 1 for a per-step p): exp and log cost a
    # fraction of a general power here. log of the rounded q = 1 - p rather than log1p(-p), which costs 2.6
    # times as much: the exponent's error stays below about n / S ulp(1) whatever p is.
    log_q = np.log(q[rows])
    pmf = np.exp(nf[rows] / s * log_q)
    searching = (u[rows] > pmf).nonzero()[0]
    rows = rows[searching]
    # Every row still searching in pass j has reached count j: the count is a scalar per pass and the
    # working arrays shrink to the rows still searching. `left` is u minus the cumulative probability.
    pmf = pmf[searching]
    left = u[rows]
    left -= pmf
    nf = nf[rows]
    if steps_per_year is None:
        ratio = p[rows]
        ratio /= q[rows]
    else:
        q = np.exp(log_q[searching] / s)  # per step
        ratio = 1.0 - q
        ratio /= q
    j = 0
    while rows.size > TAIL_ROWS:
        j += 1
        pmf = pmf * ((nf - (j - 1)) / j)
        pmf *= ratio
        left -= pmf
        out[rows] = j
        going = left > 0.0
        going &= nf > j
        keep = going.nonzero()[0]
        rows, left, pmf, nf, ratio = rows[keep], left[keep], pmf[keep], nf[keep], ratio[keep]
    for row, row_left, row_pmf, row_n, row_ratio in zip(rows.tolist(), left.tolist(), pmf.tolist(),
                                                         nf.astype(np.int64).tolist(), ratio.tolist()):
        out[row] = _binomial_tail(j, row_left, row_pmf, row_n, row_ratio)
    return out


def _large_in_band(band: np.ndarray, n_band: np.ndarray, q_band: np.ndarray, s: float) -> tuple[np.ndarray, np.ndarray]:
    """The exact test on the band of a yearly-p binomial (rows whose per-step mean's upper bound passes the limit,
    with their n as floats and q = 1 - p per year): those numpy's sampler draws, and their per-step p."""
    p_band = 1.0 - q_band ** (1.0 / s)
    is_large = (n_band * p_band > INVERSION_MEAN_LIMIT) | (p_band >= 1.0)
    return band[is_large], p_band[is_large]


def _binomial_compiled(jit, rng, n, p, steps_per_year, worlds) -> np.ndarray:
    """`binomial` with its full-length passes, gathers and search compiled (msosim.kernels.draws): the same
    draws, the same numbers (exp and log in numpy as above, on the gathered rows)."""
    u = uniforms(rng, n.size, worlds)
    yearly = steps_per_year is not None
    s = float(steps_per_year) if yearly else 1.0
    p = np.ascontiguousarray(p)
    large, q_band, rows, x, q_rows = jit.binomial_scan(n, p, u, s, INVERSION_MEAN_LIMIT, yearly)
    out = np.zeros(n.size, dtype=np.int64)
    if large.size:
        if yearly:  # `large` holds the band: the exact test on its few rows, as above
            large, p_large = _large_in_band(large, n[large].astype(np.float64), q_band, s)
        else:
            p_large = p[large]
        if large.size:
            out[large] = sample(rng, "binomial", worlds, large, n[large], p_large)
            drawn = np.zeros(n.size, dtype=bool)  # numpy's sampler drew them (a mask: np.isin costs 25 us a call)
            drawn[large] = True
            keep = ~drawn[rows]
            rows, x, q_rows = rows[keep], x[keep], q_rows[keep]
    loops = jit.ufunc_loops()
    if loops is not None:  # all of the below in one call, with numpy's own exp and log (kernels/ufuncs.py)
        jit.binomial_draw(out, rows, x, q_rows, u, n, p, s, yearly, loops["exp"], loops["log"])
        return out
    log_q = np.log(q_rows)
    x *= log_q
    pmf = np.exp(x, out=x)  # P(0) = exp(n / s log q)
    rows, pmf, log_step = jit.binomial_searching(rows, u, pmf, log_q, s)
    q_step = np.exp(log_step) if yearly else log_step  # per step (unused for a per-step p)
    jit.binomial_invert(out, rows, u, pmf, n, p, q_step, yearly)
    return out


def poisson(rng, lam, worlds: np.ndarray | None = None) -> np.ndarray:
    """One Poisson(lam[i]) draw per row (`rng` and `worlds` as in `binomial`)."""
    lam = np.asarray(lam, dtype=np.float64)
    u = uniforms(rng, lam.size, worlds)
    jit = kernels.compiled()
    if jit is not None:  # the passes below in two compiled loops around numpy's exp (msosim.kernels.draws)
        lam = np.ascontiguousarray(lam)
        large, rows, negative = jit.poisson_scan(lam, u, INVERSION_MEAN_LIMIT)
        out = np.zeros(lam.size, dtype=np.int64)
        if large.size:
            out[large] = sample(rng, "poisson", worlds, large, lam[large])
        loops = jit.ufunc_loops()
        if loops is not None:  # P(0) = exp(-lam) with numpy's exp loop inside the kernel (kernels/ufuncs.py)
            jit.poisson_draw(out, rows, negative, u, lam, loops["exp"])
        else:
            jit.poisson_invert(out, rows, u, np.exp(negative, out=negative), lam)
        return out
    large = (lam > INVERSION_MEAN_LIMIT).nonzero()[0]
    out = np.zeros(lam.size, dtype=np.int64)
    if large.size:
        out[large] = sample(rng, "poisson", worlds, large, lam[large])
    # Rows whose u is below a lower bound of P(0), exp(-lam) >= 1 - lam, draw 0 without forming P(0).
    maybe = lam > 1.0 - u
    maybe[large] = False
    rows = maybe.nonzero()[0]
    lam = lam[rows]
    pmf = np.exp(-lam)  # P(0)
    searching = (u[rows] > pmf).nonzero()[0]
    rows, pmf, lam = rows[searching], pmf[searching], lam[searching]
    left = u[rows]
    left -= pmf
    j = 0
    while rows.size > TAIL_ROWS:
        j += 1
        pmf = pmf * (lam / j)
        left -= pmf
        out[rows] = j
        going = left > 0.0
        going &= pmf > 0.0
        keep = going.nonzero()[0]
        rows, left, pmf, lam = rows[keep], left[keep], pmf[keep], lam[keep]
    for row, row_left, row_pmf, row_lam in zip(rows.tolist(), left.tolist(), pmf.tolist(), lam.tolist()):
        out[row] = _poisson_tail(j, row_left, row_pmf, row_lam)
    return out


# --- one row at a time: the last few rows of a vector draw, and the reference submodels -----------

def _binomial_tail(k: int, left: float, pmf: float, n: int, ratio: float) -> int:
    """Go on from count k (cumulative probability u - left) until it reaches u: the same operations as a
    vector pass, on Python floats (IEEE doubles like numpy's)."""
    while left > 0.0 and n > k:
        k += 1
        pmf = pmf * ((n - (k - 1)) / k) * ratio
        left -= pmf
    return k


def _poisson_tail(k: int, left: float, pmf: float, lam: float) -> int:
    while left > 0.0 and pmf > 0.0:
        k += 1
        pmf = pmf * (lam / k)
        left -= pmf
    return k


# --- one row at a time, for the reference submodels ----------------------------------------------------

def binomial_is_inverted(n: int, p: float) -> bool:
    """Whether `binomial` inverts this row (else numpy's sampler drew it); `p` per step."""
    return n > 0 and not (n * p > INVERSION_MEAN_LIMIT or p >= 1.0)


def binomial_row(u: float, n: int, p: float, steps_per_year: int | None = None) -> int:
    """The inversion of `binomial` for one row (same floating-point operations, same result); with
    `steps_per_year`, `p` is yearly as in `binomial`."""
    if n <= 0 or p <= 0.0:
        return 0
    p = min(p, 1.0)
    s = 1.0 if steps_per_year is None else float(steps_per_year)
    log_q = np.log(1.0 - np.array([p]))
    pmf = float(np.exp(np.array([float(n)]) / s * log_q)[0])
    if steps_per_year is None:
        ratio = p / (1.0 - p)
    else:
        q = float(np.exp(log_q / s)[0])
        ratio = (1.0 - q) / q
    if not u > pmf:
        return 0
    return _binomial_tail(0, u - pmf, pmf, n, ratio)


def poisson_is_inverted(lam: float) -> bool:
    return not lam > INVERSION_MEAN_LIMIT


def poisson_row(u: float, lam: float) -> int:
    """The inversion of `poisson` for one row."""
    if lam <= 0.0:
        return 0
    pmf = float(np.exp(np.array([-lam]))[0])
    if not u > pmf:
        return 0
    return _poisson_tail(0, u - pmf, pmf, lam)


def choose(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    """`rng.choice(len(p), size, p=p)` for probabilities `p` known to be valid: the same numbers from the
    same draws (numpy's own algorithm: the cumulative sum of `p` searched with one uniform per draw),
    without the argument checks that cost most of a small draw."""
    return chosen(p, rng.random(size))


def chosen(p: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """`choose`'s outcomes for uniforms drawn already (one per draw)."""
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return cdf.searchsorted(uniforms, side="right")
