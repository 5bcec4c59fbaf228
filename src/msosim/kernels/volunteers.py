"""Kernels of volunteers.volunteers_quit_and_join: the passes before, between and after its two binomial draws."""

from __future__ import annotations

import numpy as np
from numba import njit

from .services import fmax, fmin


@njit(cache=True, nogil=True, error_model="numpy")
def quit_inputs(volunteers, alive, burnout, staff, quit_factor, dropout_rate, retention):
    """Trials (active volunteers of living MSOs) and the yearly quitting probability of each row."""
    size = volunteers.shape[0]
    trials = np.empty(size, dtype=np.int64)
    rate = np.empty(size)
    for i in range(size):
        trials[i] = volunteers[i] * (1 if alive[i] else 0)
        r = burnout[i] * quit_factor
        r += 1.0
        r *= dropout_rate
        if retention > 0:
            r *= 1.0 - retention * fmin(staff[i], 1.0)
        rate[i] = r
    return trials, rate


@njit(cache=True, nogil=True, error_model="numpy")
def join_inputs(volunteers, quits, members, alive, service, requested, coop, federation, district, density,
                embedding, weight, rest, join_rate, join_factor):
    """Volunteers staying, trials for joining (inactive members of living MSOs) and the yearly joining
    probability (density of the district, visibility, embedding, the event factor)."""
    size = volunteers.shape[0]
    staying = np.empty(size, dtype=np.int64)
    trials = np.empty(size, dtype=np.int64)
    rate = np.empty(size)
    for i in range(size):
        staying[i] = volunteers[i] - quits[i]
        visibility = fmin(service[i] / fmax(requested[i], 1e-9), 1.0)
        visibility *= weight
        visibility += rest
        r = density[district[i]]
        r *= join_rate
        r *= visibility
        r *= embedding[(1 if coop[i] else 0) + (1 if federation[i] else 0)]
        r *= join_factor
        rate[i] = r
        trials[i] = (members[i] - staying[i]) * (1 if alive[i] else 0)
    return staying, trials, rate


@njit(cache=True, nogil=True, error_model="numpy")
def new_totals(staying, joins, alive, burnout, volunteers):
    """Volunteers after the step; burnout diluted by the newcomers (living MSOs with volunteers)."""
    for i in range(staying.shape[0]):
        total = staying[i] + joins[i]
        if alive[i] and total > 0:
            burnout[i] = burnout[i] * staying[i] / max(total, 1)
        volunteers[i] = total


def warm(zeros) -> None:
    """Compile (or load) each kernel for the dtypes the model passes."""
    f, ints, flags = zeros("burnout"), zeros("volunteers"), zeros("alive")
    quit_inputs(ints, flags, f, f, 1.0, 0.1, 0.5)
    join_inputs(ints, ints, zeros("members"), flags, f, f, zeros("coop_municipality"), zeros("federation"),
                zeros("district"), np.ones(1), np.ones(3), 0.5, 0.5, 0.1, 1.0)
    new_totals(ints, ints.copy(), flags, f.copy(), ints.copy())
