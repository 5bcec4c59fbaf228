"""Kernels of submodels/draws.py: the full-length passes of `binomial` and `poisson` in one loop each, and the
inversion of the rows still searching (numpy's vector passes and its scalar tail, row by row). The exp and log of
P(0) and of the per-step probability stay in numpy (kernels/__init__.py says why)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .services import fmax, fmin


@njit(cache=True, nogil=True)
def binomial_scan(n, p, u, s, limit, yearly):
    """q = 1 - p (p clipped to [0, 1] when yearly), the rows that may draw more than 0 (`maybe`, a lower bound
    of P(0) below u), and the rows that may take numpy's sampler: with `yearly`, those whose per-step mean's
    upper bound passes `limit` (`band`, decided exactly by the caller); else exactly the large ones."""
    size = n.shape[0]
    q = np.empty(size)
    maybe = np.empty(size, dtype=np.bool_)
    band = np.empty(size, dtype=np.int64)
    found = 0
    for i in range(size):
        nf = float(n[i])
        if yearly:
            pi = fmin(fmax(p[i], 0.0), 1.0)
            qi = 1.0 - pi
            mean_bound = nf * pi
            sq = qi * s
            if mean_bound > sq * limit:
                band[found] = i
                found += 1
            maybe[i] = mean_bound > sq * (1.0 - u[i])
        else:
            pi = p[i]
            qi = 1.0 - pi
            mean = nf * pi
            if (mean > limit or pi >= 1.0) and n[i] > 0:
                band[found] = i
                found += 1
            maybe[i] = mean > 1.0 - u[i]
        q[i] = qi
    return q, maybe, band[:found]


@njit(cache=True, nogil=True)
def binomial_invert(out, rows, u, pmf, n, ratio):
    """From P(0) = pmf[k] on, count up each row rows[k] until the cumulative probability reaches its u (rows
    given are those with u > P(0)): the operations of `draws.binomial`'s passes and of `_binomial_tail`."""
    for k in range(rows.shape[0]):
        row = rows[k]
        nf = float(n[row])
        left = u[row] - pmf[k]
        mass = pmf[k]
        j = 0
        while True:
            j += 1
            mass = mass * ((nf - (j - 1)) / j)
            mass *= ratio[k]
            left -= mass
            if not (left > 0.0 and nf > j):
                break
        out[row] = j


@njit(cache=True, nogil=True)
def poisson_invert(out, rows, u, pmf, lam):
    """The same for `draws.poisson` (lam per row of `rows`)."""
    for k in range(rows.shape[0]):
        row = rows[k]
        left = u[row] - pmf[k]
        mass = pmf[k]
        j = 0
        while True:
            j += 1
            mass = mass * (lam[k] / j)
            left -= mass
            if not (left > 0.0 and mass > 0.0):
                break
        out[row] = j


def warm(zeros=None) -> None:
    """Compile (or load) each kernel for the dtypes `draws` passes."""
    ints, floats, rows = np.zeros(1, dtype=np.int64), np.zeros(1), np.zeros(0, dtype=np.int64)
    for yearly in (True, False):
        binomial_scan(ints, floats, floats, 12.0, 8.0, yearly)
    binomial_invert(ints.copy(), rows, floats, floats, ints, floats)
    poisson_invert(ints.copy(), rows, floats, floats, floats)
