"""Kernels of cooperation.py: trust, federations and cooperation with the municipality, row by row."""

from __future__ import annotations

import numpy as np
from numba import njit

from .services import fmax, fmin


@njit(inline="always")
def happens(u, p_year, steps_per_year):
    """rates.happens for one row: p_year > 1 - (1 - u) ** S, the power by the same squarings."""
    base = 1.0 - u
    power = 1.0
    started = False
    exponent = steps_per_year
    while exponent:
        if exponent & 1:
            if started:
                power = power * base
            else:
                power = base
                started = True
        exponent >>= 1
        if exponent:
            base = base * base
    return p_year > 1.0 - power


@njit(cache=True, nogil=True)
def update_trust(district, coop, unfunded, alive, trust, signal_of_district, penalty, rate):
    """cooperation.update_trust: trust moves towards the signal, clipped to [0, 1], at `rate` (living MSOs)."""
    for i in range(trust.shape[0]):
        together = 1.0 if coop[i] else 0.0
        signal = signal_of_district[district[i]] + 0.2 * together
        signal -= penalty * unfunded[i] * together
        step = fmin(fmax(signal, 0.0), 1.0)
        step -= trust[i]
        step *= rate
        step *= 1.0 if alive[i] else 0.0
        trust[i] += step


@njit(cache=True, nogil=True)
def federations(u, alive, staff, federation, join_staffed, join_unstaffed, leave):
    """cooperation.join_and_leave_federations: the rows joining and leaving (in row order); memberships updated."""
    size = u.shape[0]
    joins = np.empty(size, dtype=np.int64)
    leaves = np.empty(size, dtype=np.int64)
    n_joins = n_leaves = 0
    for i in range(size):
        if not alive[i]:
            continue
        if federation[i]:
            if u[i] < leave:
                leaves[n_leaves] = i
                n_leaves += 1
                federation[i] = False
        elif u[i] < (join_staffed if staff[i] > 0 else join_unstaffed):
            joins[n_joins] = i
            n_joins += 1
            federation[i] = True
    return joins[:n_joins], leaves[:n_leaves]


@njit(cache=True, nogil=True)
def municipal_cooperation(u, alive, coop, district, trust, staff, unfunded, openness_rate, experience_factor,
                          dialogue_factor, staffless_factor, burden_factor, end_rate, steps_per_year):
    """cooperation.cooperate_with_municipality: the rows starting and ending cooperation (in row order), from the
    same yearly rates as the numpy code, capped at 0.95; the flags updated."""
    size = u.shape[0]
    starts = np.empty(size, dtype=np.int64)
    ends = np.empty(size, dtype=np.int64)
    n_starts = n_ends = 0
    for i in range(size):
        if not alive[i]:
            continue
        if coop[i]:
            rate = end_rate * (1.0 - trust[i])
            rate *= 1.0 + unfunded[i]
            if happens(u[i], fmin(rate, 0.95), steps_per_year):
                ends[n_ends] = i
                n_ends += 1
                coop[i] = False
        else:
            k = district[i]
            rate = openness_rate[k] * (0.5 + trust[i])
            rate *= experience_factor[k]
            rate *= staffless_factor if staff[i] <= 0 else 1.0
            rate *= burden_factor
            rate *= dialogue_factor[k]
            if happens(u[i], fmin(rate, 0.95), steps_per_year):
                starts[n_starts] = i
                n_starts += 1
                coop[i] = True
    return starts[:n_starts], ends[:n_ends]


def warm(zeros) -> None:
    """Compile (or load) each kernel for the dtypes the model passes."""
    f, flags, district, ones = zeros("trust"), zeros("alive"), zeros("district"), np.ones(1)
    update_trust(district, zeros("coop_municipality"), f, flags, f.copy(), ones, 0.5, 0.1)
    federations(f, flags, f, zeros("federation"), 0.1, 0.1, 0.1)
    municipal_cooperation(f, flags, zeros("coop_municipality"), district, f, f, f, ones, ones, ones, 0.5, 0.5, 0.1, 12)
