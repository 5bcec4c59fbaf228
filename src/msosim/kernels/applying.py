"""Kernels of a call's applications (grants._applying, applying.financing_secured): their passes over the eligible
MSOs and over the grant table in one loop each, with the numpy code's operations in its order."""

from __future__ import annotations

import numpy as np
from numba import njit

from .services import fmax


@njit(cache=True, nogil=True, error_model="numpy")
def application_chances(rows, draws, bound, load, volunteers, staff, professionalisation, sustainable, admin_hours,
                        preparation_months, volunteer_hours, staffed_hours, apply_rate):
    """grants._applying up to its chance of applying: the positions in `rows` whose draw lies below `bound` (near,
    ascending), and for each of them its draw, its application hours (application_hours: `volunteer_hours` without
    staff, else `staffed_hours`, times 1 - 0.5 professionalisation) and the chance its slack and those hours give
    (times `apply_rate`; a row with neither hours to give nor hours asked has slack and total 1)."""
    size = rows.shape[0]
    near = np.empty(size, dtype=np.int64)
    drawn = np.empty(size)
    hours = np.empty(size)
    chance = np.empty(size)
    found = 0
    for k in range(size):
        d = draws[k]
        row = rows[k]
        slack = fmax(sustainable - load[row], 1.0)
        slack *= volunteers[row]
        slack += staff[row] * admin_hours
        slack *= preparation_months
        h = volunteer_hours if staff[row] <= 0 else staffed_hours
        h *= 1.0 - 0.5 * professionalisation[row]
        total = slack + h
        if total <= 0:
            slack = 1.0
            total = 1.0
        p = slack / total
        p *= apply_rate
        near[found] = k  # branch-free gathering: written always, kept when the draw is below the bound
        drawn[found] = d
        hours[found] = h
        chance[found] = p
        found += d < bound
    return near[:found], drawn[:found], hours[:found], chance[:found]


@njit(cache=True, nogil=True, error_model="numpy")
def financing_secured(rows, active, end, mso, grant_fte, material, amount, start, steps_per_year, new_share, years,
                      size, staff_cost, overhead_factor, office_margin, members, donations_base, reserves, alive, fee,
                      base_costs, own_fte, scaled, factor, own_threshold, position_cost, financing_horizon):
    """applying.financing_secured: the own share of each of `rows`' grants running at `start` summed in the grant
    table's order (as np.bincount adds) and the latest end among them (np.maximum.at), in one pass over the grants;
    then each row's free own income less a position it pays itself (own_staff.own_funded_fte: `own_fte` where its
    scaled free income reaches `own_threshold`, 0 when `own_fte` is 0) and the test. `size`: the MSO table's rows."""
    where = np.full(size, -1, dtype=np.int64)
    for k in range(rows.shape[0]):
        where[rows[k]] = k
    carried = np.zeros(rows.shape[0])
    horizon = np.zeros(rows.shape[0])
    for j in range(active.shape[0]):
        if active[j] and end[j] > start:
            k = where[mso[j]]
            if k >= 0:
                direct = grant_fte[j] * staff_cost + material[j]
                share = direct * overhead_factor + grant_fte[j] * office_margin - amount[j]
                carried[k] += share
                horizon[k] = fmax(horizon[k], float(end[j] - start) / steps_per_year)
    out = np.empty(rows.shape[0], dtype=np.bool_)
    for k in range(rows.shape[0]):
        row = rows[k]
        free = members[row] * fee + donations_base[row] - base_costs
        own = 0.0
        if own_fte > 0:
            income = members[row] * fee + donations_base[row]
            if scaled:
                income *= factor
            income -= base_costs
            own = own_fte if (income >= own_threshold and alive[row]) else 0.0
        free -= own * position_cost
        free = fmax(free, 0.0)
        owed = carried[k] + new_share[k]
        out[k] = reserves[row] + financing_horizon * fmax(horizon[k], years) * (free - owed) >= 0.0
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def within_budgets(asked, bounds, budgets):
    """run_call's awards for funders calling together: for funder k (positions bounds[k]:bounds[k + 1], best first),
    whether the running total of `asked` stays within budgets[k], as `np.cumsum(asked[a:b]) <= budgets[k]` (numpy's
    cumsum adds in order, as this loop)."""
    fits = np.empty(asked.shape[0], dtype=np.bool_)
    for k in range(bounds.shape[0] - 1):
        total = 0.0
        limit = budgets[k]
        for i in range(bounds[k], bounds[k + 1]):
            total += asked[i]
            fits[i] = total <= limit
    return fits


def warm(zeros) -> None:
    """Compile (or load) each kernel for the dtypes the model passes."""
    rows, f = np.zeros(1, dtype=np.int64), zeros("burnout")
    application_chances(rows, np.zeros(1), 0.5, f, zeros("volunteers"), f, f, 40.0, 10.0, 3.0, 60.0, 40.0, 0.9)
    grants = np.zeros(1)
    financing_secured(rows, np.zeros(1, dtype=np.bool_), np.zeros(1, dtype=np.int32), rows, grants, grants, grants,
                      0, 12, np.zeros(1), 3.0, 1, 50_000.0, 1.1, 1.0, zeros("members"), f, f, zeros("alive"), 20.0,
                      500.0, 0.0, False, 1.0, 0.0, 60_000.0, 1.0)
    within_budgets(grants, np.zeros(2, dtype=np.int64), grants)
