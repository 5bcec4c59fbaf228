"""Kernels of demography.dissolve: the causes that follow from counters, and the split of the rest by secured
means, row by row (the draws stay in numpy)."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..state import TIE_COLUMNS
from .cooperation import happens


@njit(cache=True, nogil=True)
def counter_causes(alive, volunteers, below_core_months, insolvent_months, core, grace_steps, insolvency_steps):
    """Months below the volunteer core counted on (or reset), then each living MSO's cause from the counters (1:
    volunteers, 2: insolvency, 0: none yet) and the rows left free for the other causes (in row order)."""
    size = alive.shape[0]
    cause = np.zeros(size, dtype=np.int8)
    free = np.empty(size, dtype=np.int64)
    found = 0
    for i in range(size):
        if alive[i] and volunteers[i] < core:
            below_core_months[i] = below_core_months[i] + 1
        else:
            below_core_months[i] = 0
        if not alive[i]:
            continue
        if below_core_months[i] >= grace_steps:
            cause[i] = 1
        elif insolvent_months[i] >= insolvency_steps:
            cause[i] = 2
        else:
            free[found] = i
            found += 1
    return cause, free[:found]


@njit(cache=True, nogil=True)
def by_secured_means(alive, cause, funded, staff, reserves, yearly_cost_per_fte, base_costs, reserve_months):
    """The living MSOs still without a cause, in row order: those without secured means and those with them (a
    grant paying or awarded, or reserves covering their operating reserve)."""
    size = alive.shape[0]
    exposed = np.empty(size, dtype=np.int64)
    secure = np.empty(size, dtype=np.int64)
    n_exposed = n_secure = 0
    for i in range(size):
        if not alive[i] or cause[i] != 0:
            continue
        yearly = staff[i] * yearly_cost_per_fte + base_costs
        if funded[i] or reserves[i] >= yearly * reserve_months / 12.0:
            secure[n_secure] = i
            n_secure += 1
        else:
            exposed[n_exposed] = i
            n_exposed += 1
    return exposed[:n_exposed], secure[:n_secure]


@njit(cache=True, nogil=True)
def exhausted_rows(rows, u, burnout, rate, steps_per_year):
    """dissolution_causes.exhausted: the candidate rows whose draw falls below the per-step chance of the yearly
    `rate * burnout^2` (rates.happens's squarings, row by row)."""
    out = np.empty(rows.shape[0], dtype=np.int64)
    found = 0
    for k in range(rows.shape[0]):
        b = burnout[rows[k]]
        if happens(u[k], rate * b * b, steps_per_year):
            out[found] = rows[k]
            found += 1
    return out[:found]


@njit(cache=True, nogil=True)
def merge_partners(drawn, mark, near, a, b, free, district, group, members):
    """dissolution_causes.merging's choice: for each drawn MSO (ascending rows; `mark` flags them) the other end of
    its earliest live tie (in `near`'s order) that is free, of its district and group, and has more members (equal:
    the lower row). One pass over the ties instead of one per drawn MSO. Returns (absorbed, partner) in the drawn
    MSOs' order."""
    partner_of = np.full(free.shape[0], -1, dtype=np.int64)
    for k in range(near.shape[0]):
        tie = near[k]
        for side in range(2):
            x, other = (a[tie], b[tie]) if side == 0 else (b[tie], a[tie])
            if not mark[x] or partner_of[x] >= 0:
                continue
            if free[other] and district[other] == district[x] and group[other] == group[x] and (
                    members[other] > members[x] or (members[other] == members[x] and other < x)):
                partner_of[x] = other
    absorbed = np.empty(drawn.shape[0], dtype=np.int64)
    partner = np.empty(drawn.shape[0], dtype=np.int64)
    found = 0
    for k in range(drawn.shape[0]):
        if partner_of[drawn[k]] >= 0:
            absorbed[found], partner[found] = drawn[k], partner_of[drawn[k]]
            found += 1
    return absorbed[:found], partner[:found]


def warm(zeros) -> None:
    """Compile (or load) each kernel for the dtypes the model passes."""
    flags = zeros("alive")
    counter_causes(flags, zeros("volunteers"), zeros("below_core_months"), zeros("insolvent_months"), 3, 3, 3)
    by_secured_means(flags, np.zeros(1, dtype=np.int8), flags.copy(), zeros("staff_fte"), zeros("reserves"), 1.0, 1.0,
                     3.0)
    rows = np.zeros(1, dtype=np.int64)
    exhausted_rows(rows, np.zeros(1), zeros("burnout"), 0.1, 12)
    ties = np.zeros(1, dtype=TIE_COLUMNS["a"])
    merge_partners(rows, flags, rows, ties, ties, flags, zeros("district"), zeros("group"), zeros("members"))
