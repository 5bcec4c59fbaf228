"""Kernels of submodels/draws.py: the full-length passes of `binomial` and `poisson` in one loop each, and the
inversion of the rows still searching (numpy's vector passes and its scalar tail, row by row). The exp and log of
P(0) and of the per-step probability stay in numpy (kernels/__init__.py says why)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .services import fmax, fmin
from .ufuncs import apply


@njit(cache=True, nogil=True, error_model="numpy")
def binomial_scan(n, p, u, s, limit, yearly):
    """One pass over every row with q = 1 - p (p clipped to [0, 1] when yearly): the rows that may take numpy's
    sampler (with `yearly` those whose per-step mean's upper bound passes `limit`, the `band` the caller decides
    exactly; else exactly the large ones) with their q; and, gathered in row order, the rows that may draw more
    than 0 (a lower bound of P(0) below u), each with n / s and its q: what `draws.binomial` takes P(0) of. No
    column of q is written for every row: at a million MSOs that is megabytes to fault in for a few rows' use."""
    size = n.shape[0]
    q_band = np.empty(size)
    band = np.empty(size, dtype=np.int64)
    rows = np.empty(size, dtype=np.int64)
    x = np.empty(size)
    q_rows = np.empty(size)
    found = 0
    maybe = 0
    for i in range(size):
        nf = float(n[i])
        if yearly:
            pi = fmin(fmax(p[i], 0.0), 1.0)
            qi = 1.0 - pi
            mean_bound = nf * pi
            sq = qi * s
            if mean_bound > sq * limit:
                band[found] = i
                q_band[found] = qi
                found += 1
            may = mean_bound > sq * (1.0 - u[i])
        else:
            pi = p[i]
            qi = 1.0 - pi
            mean = nf * pi
            if (mean > limit or pi >= 1.0) and n[i] > 0:
                band[found] = i
                q_band[found] = qi
                found += 1
            may = mean > 1.0 - u[i]
        rows[maybe] = i  # written always, kept when `may`: no branch to mispredict on every other row
        x[maybe] = nf / s
        q_rows[maybe] = qi
        maybe += may
    return band[:found], q_band[:found], rows[:maybe], x[:maybe], q_rows[:maybe]


@njit(cache=True, nogil=True, error_model="numpy")
def binomial_searching(rows, u, pmf, log_q, s):
    """Of the rows that may draw more than 0, those with u above P(0) (`pmf`): their rows, P(0) and log(q) / s
    (what the per-step q is the exp of), in row order."""
    size = rows.shape[0]
    picked = np.empty(size, dtype=np.int64)
    first = np.empty(size)
    log_step = np.empty(size)
    found = 0
    for k in range(size):
        picked[found] = rows[k]
        first[found] = pmf[k]
        log_step[found] = log_q[k] / s
        found += u[rows[k]] > pmf[k]
    return picked[:found], first[:found], log_step[:found]


@njit(cache=True, nogil=True, error_model="numpy")
def binomial_invert(out, rows, u, pmf, n, p, q_step, yearly):
    """From P(0) = pmf[k] on, count up each row rows[k] until the cumulative probability reaches its u (rows
    given are those with u > P(0)): the operations of `draws.binomial`'s passes and of `_binomial_tail`. The
    ratio p / q of a trial is (1 - q) / q of the per-step q (`q_step[k]`) when yearly, else p[row] / (1 - p[row])
    (the q = 1 - p of the numpy code)."""
    size = rows.shape[0]
    at = rows.copy()
    left = np.empty(size)
    mass = pmf.copy()
    ratios = np.empty(size)
    for k in range(size):
        row = rows[k]
        if yearly:
            ratio = 1.0 - q_step[k]
            ratio /= q_step[k]
        else:
            ratio = p[row]
            ratio /= 1.0 - p[row]
        left[k] = u[row] - pmf[k]
        ratios[k] = ratio
    binomial_passes(out, at, left, mass, ratios, n, size)


@njit(cache=True, nogil=True, error_model="numpy")
def binomial_passes(out, at, left, mass, ratios, n, count):
    """The search of `binomial_invert` on its first `count` rows (`at`: their rows; u - P(0), P(0) and the trials'
    p / q), overwriting the arrays. In passes, as numpy's: pass j takes every row still searching one count further
    and keeps those still short of u (gathered without a branch), so no row's end of search is a branch to
    mispredict; each row sees the same operations in the same order as in a loop of its own."""
    j = 0
    while count > 0:
        j += 1
        kept = 0
        for k in range(count):
            nf = float(n[at[k]])
            step = mass[k] * ((nf - (j - 1)) / j)
            step *= ratios[k]
            rest = left[k] - step
            out[at[k]] = j
            at[kept] = at[k]
            left[kept] = rest
            mass[kept] = step
            ratios[kept] = ratios[k]
            kept += (rest > 0.0) & (nf > j)
        count = kept


@njit(cache=True, nogil=True, error_model="numpy")
def poisson_scan(lam, u, limit):
    """One pass over every row of `draws.poisson`: the rows for numpy's sampler (lam above `limit`) and, in row
    order, the others that may draw more than 0 (lam > 1 - u, a lower bound of P(0) below u) with -lam."""
    size = lam.shape[0]
    large = np.empty(size, dtype=np.int64)
    rows = np.empty(size, dtype=np.int64)
    negative = np.empty(size)
    found = 0
    maybe = 0
    for i in range(size):
        big = lam[i] > limit
        large[found] = i  # branch-free gathering, as in binomial_scan
        found += big
        rows[maybe] = i
        negative[maybe] = -lam[i]
        maybe += (lam[i] > 1.0 - u[i]) and not big
    return large[:found], rows[:maybe], negative[:maybe]


@njit(cache=True, nogil=True, error_model="numpy")
def poisson_invert(out, rows, u, pmf, lam):
    """From P(0) = pmf[k] on, count up each row rows[k] whose u lies above it until the cumulative probability
    reaches u (lam[rows[k]]): the operations of `draws.poisson`'s passes and `_poisson_tail`, in passes as
    `binomial_invert`."""
    size = rows.shape[0]
    at = np.empty(size, dtype=np.int64)
    left = np.empty(size)
    mass = np.empty(size)
    rates = np.empty(size)
    count = 0
    for k in range(size):  # the rows whose u lies above P(0), gathered without a branch
        row = rows[k]
        at[count] = row
        left[count] = u[row] - pmf[k]
        mass[count] = pmf[k]
        rates[count] = lam[row]
        count += u[row] > pmf[k]
    j = 0
    while count > 0:
        j += 1
        kept = 0
        for k in range(count):
            step = mass[k] * (rates[k] / j)
            rest = left[k] - step
            out[at[k]] = j
            at[kept] = at[k]
            left[kept] = rest
            mass[kept] = step
            rates[kept] = rates[k]
            kept += (rest > 0.0) & (step > 0.0)
        count = kept


@njit(cache=True, nogil=True, error_model="numpy")
def binomial_draw(out, rows, x, q_rows, u, n, p, s, yearly, exp, log):
    """The rest of `draws.binomial` after `binomial_scan`, in one call: P(0) = exp(n / s log q) of the candidate
    rows, the search from it for those whose u lies above, with numpy's own exp and log loops (`exp`, `log`:
    their addresses, kernels/ufuncs.py), so every number is the one the numpy passes give. The search works in
    the candidates' arrays (`rows`, `x`, `q_rows`, overwritten) rather than new ones: at a million MSOs each new
    array is megabytes to fault in."""
    size = rows.shape[0]
    log_q = np.empty(size)
    apply(log, q_rows, log_q, size)
    for k in range(size):
        x[k] *= log_q[k]
    apply(exp, x, x, size)  # P(0)
    found = 0
    for k in range(size):  # those with u above P(0), gathered in place: P(0) in x, u - P(0) in q_rows
        row = rows[k]
        first = x[k]
        rows[found] = row
        x[found] = first
        log_q[found] = log_q[k] / s
        q_rows[found] = u[row] - first
        found += u[row] > first
    if yearly:
        apply(exp, log_q, log_q, found)  # the per-step q
    for k in range(found):  # the ratio p / q of a trial, in log_q
        if yearly:
            ratio = 1.0 - log_q[k]
            ratio /= log_q[k]
        else:
            ratio = p[rows[k]]
            ratio /= 1.0 - p[rows[k]]
        log_q[k] = ratio
    binomial_passes(out, rows, q_rows, x, log_q, n, found)


@njit(cache=True, nogil=True, error_model="numpy")
def poisson_draw(out, rows, negative, u, lam, exp):
    """The rest of `draws.poisson` after `poisson_scan`: P(0) = exp(-lam) with numpy's exp loop, then the search."""
    apply(exp, negative, negative, rows.shape[0])
    poisson_invert(out, rows, u, negative, lam)


def warm(zeros=None) -> None:
    """Compile (or load) each kernel for the dtypes `draws` passes."""
    ints, floats, rows = np.zeros(1, dtype=np.int64), np.zeros(1), np.zeros(0, dtype=np.int64)
    for yearly in (True, False):
        binomial_scan(ints, floats, floats, 12.0, 8.0, yearly)
        binomial_invert(ints.copy(), rows, floats, floats, ints, floats, floats, yearly)
    binomial_searching(rows, floats, floats, floats, 12.0)
    poisson_scan(floats, floats, 8.0)
    poisson_invert(ints.copy(), rows, floats, floats, floats)
    for yearly in (True, False):
        binomial_draw(ints.copy(), rows, floats[:0].copy(), floats[:0].copy(), floats, ints, floats, 12.0, yearly, 0, 0)
    poisson_draw(ints.copy(), rows, floats[:0].copy(), floats, floats, 0)
