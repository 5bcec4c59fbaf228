"""Kernels of finances.py: own income, the books of a step's income, costs and the insolvency count, and the
reserves spent, row by row (the sums that feed the flows stay numpy's, taken before anything changes)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .services import fmax


@njit(cache=True, nogil=True, error_model="numpy")
def own_income(members, staff, donations_base, alive, fee, earned, steps_per_year, factor, scaled):
    """collect_income's fees and donations of this step (scaled by events; 0 for dissolved MSOs)."""
    size = members.shape[0]
    fees, donations = np.empty(size), np.empty(size)
    for i in range(size):
        living = 1.0 if alive[i] else 0.0
        f = members[i] * fee
        f /= steps_per_year
        d = staff[i] * earned
        d += donations_base[i]
        d /= steps_per_year
        if scaled:
            f *= factor
            d *= factor
        fees[i] = f * living
        donations[i] = d * living
    return fees, donations


@njit(cache=True, nogil=True, error_model="numpy")
def book_income(income_year, fees, donations, project, institutional, has_institutional, municipal, grant_total,
                municipal_total, reserves):
    """Each source into its column of the year's income, the grant and municipal totals, and the sum of the
    sources (in their order) into the reserves."""
    for i in range(fees.shape[0]):
        income_year[i, 0] += fees[i]
        income_year[i, 1] += donations[i]
        income_year[i, 2] += project[i]
        total = fees[i] + donations[i]
        total += project[i]
        if has_institutional:
            income_year[i, 3] += institutional[i]
            grant_total[i] += project[i] + institutional[i]
            total += institutional[i]
        else:
            grant_total[i] += project[i]
        income_year[i, 4] += municipal[i]
        municipal_total[i] += municipal[i]
        total += municipal[i]
        reserves[i] += total


@njit(cache=True, nogil=True, error_model="numpy")
def pay(staff, alive, material, overhead, funded_load, reserves, staff_cost, steps_per_year, office, base_costs,
        honorarium):
    """pay_costs' costs of the step (staff, running costs, grant material, needed overhead, task helpers) off the
    reserves (dissolved MSOs: none)."""
    for i in range(staff.shape[0]):
        costs = staff[i] * staff_cost
        costs /= steps_per_year
        running = staff[i] * office
        running += base_costs
        running /= steps_per_year
        costs += running
        costs += material[i]
        costs += overhead[i]
        costs += funded_load[i] * honorarium
        costs *= 1.0 if alive[i] else 0.0
        reserves[i] -= costs


@njit(cache=True, nogil=True, error_model="numpy")
def after_costs(project_material, share, honorarium, freelance, months, alive, reserves):
    """Freelance hours the grants' material buys, and one more month insolvent for living MSOs in debt (else 0)."""
    for i in range(freelance.shape[0]):
        hours = project_material[i] * share
        hours /= honorarium
        freelance[i] = hours
        months[i] = (months[i] + 1) * (1 if (alive[i] and reserves[i] < 0) else 0)


@njit(cache=True, nogil=True, error_model="numpy")
def reserves_spent(staff, alive, reserves, last_year_income, yearly_cost_per_fte, base_costs, reserve_share,
                   free_share, rate):
    """spend_reserves: what lies above the reserves non-profit law allows, spent at `rate` this step; returns it."""
    size = staff.shape[0]
    spent = np.empty(size)
    for i in range(size):
        yearly = staff[i] * yearly_cost_per_fte
        yearly += base_costs
        allowed = yearly * reserve_share
        allowed += free_share * last_year_income[i]
        excess = fmax(reserves[i] - allowed, 0.0)
        excess *= 1.0 if alive[i] else 0.0
        spent[i] = excess * rate
        reserves[i] -= spent[i]
    return spent


def warm(zeros) -> None:
    """Compile (or load) each kernel for the dtypes the model passes."""
    f, flags = zeros("reserves"), zeros("alive")
    own_income(zeros("members"), f, f, flags, 1.0, 1.0, 12.0, 1.0, False)
    matrix = np.zeros((1, 5), order="F")
    book_income(matrix, f, f, f, f, True, f, f.copy(), f.copy(), f.copy())
    pay(f, flags, np.zeros(1), np.zeros(1), f, f.copy(), 1.0, 12.0, 1.0, 1.0, 1.0)
    after_costs(np.zeros(1), 0.5, 1.0, f.copy(), zeros("insolvent_months"), flags, f)
    reserves_spent(f, flags, f.copy(), np.zeros(1), 1.0, 1.0, 0.5, 0.1, 0.1)
