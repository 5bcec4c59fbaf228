"""Kernels of finances.py: own income, the books of a step's income, costs and the insolvency count, and the
reserves spent, row by row (the sums that feed the flows stay numpy's, taken before anything changes); and of
held_grants.py and grant_returns.py, what the step's running grants pay and cost each MSO, each in one pass over
the grants that adds in `np.bincount`'s order (grant after grant, each sum from 0.0)."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..state import INSTITUTIONAL, PROJECT
from .services import fmax, fmin


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


@njit(cache=True, nogil=True, error_model="numpy")
def grant_payments(amount_per_year, staff_fte, funder, mso, kind, rows, paid, funder_paid, steps_per_year, covered,
                   lost_per_fte, cover_per_step, size, only_projects):
    """held_grants.grant_payments: each running grant's payment this step (and the pandemic's cover for lost
    earned income) onto its own books and its funder's; returns what the project and the institutional grants pay
    each MSO (every grant counted as a project grant when `only_projects`)."""
    count = amount_per_year.shape[0]
    by_funder = np.zeros(funder_paid.shape[0])
    project, institutional = np.zeros(size), np.zeros(size)
    amount = np.empty(count)
    for k in range(count):
        a = amount_per_year[k] / steps_per_year
        if covered:
            a = a + (staff_fte[k] * lost_per_fte) * cover_per_step
        amount[k] = a
        by_funder[funder[k]] += a
    for j in range(by_funder.shape[0]):
        funder_paid[j] += by_funder[j]
    for k in range(count):
        paid[rows[k]] += amount[k]
        if only_projects or kind[k] == PROJECT:
            project[mso[k]] += amount[k]
        elif kind[k] == INSTITUTIONAL:
            institutional[mso[k]] += amount[k]
    return project, institutional


@njit(cache=True, nogil=True, error_model="numpy")
def grant_costs(material_per_year, staff_fte, in_kind_per_year, mso, kind, size, staff_cost, overhead_needed,
                steps_per_year, in_kind_hour_value, admin_hours_per_grant, only_projects):
    """held_grants.running_grant_costs: per MSO the grants' material, the overhead it really needs, the hours of
    administration and in-kind co-funding, and the material of project grants (in four sums)."""
    material, overhead = np.zeros(size), np.zeros(size)
    admin, project_material = np.zeros(size), np.zeros(size)
    for k in range(material_per_year.shape[0]):
        i = mso[k]
        direct = staff_fte[k] * staff_cost
        direct += material_per_year[k]
        direct *= overhead_needed
        direct /= steps_per_year
        overhead[i] += direct
        is_project = only_projects or kind[k] == PROJECT
        hours = in_kind_per_year[k] / in_kind_hour_value
        hours += (1.0 if is_project else 0.5) * admin_hours_per_grant * 12
        hours /= steps_per_year
        admin[i] += hours
        material[i] += material_per_year[k] / steps_per_year
        project_material[i] += (material_per_year[k] if is_project else 0.0) / steps_per_year
    return material, overhead, admin, project_material


@njit(cache=True, nogil=True, error_model="numpy")
def unspent_money(staff, funded, mso, kind, grant_fte, amount_per_year, project_cost, rows, unspent_out, reserves,
                  staff_cost, office_costs, overhead_needed, overhead_allowed, steps_per_year):
    """grant_returns.book_unspent: the funder's share of the costs of vacant positions on each paying grant of an
    MSO short of the staff its grants fund, set aside from its reserves (nothing when no MSO is short)."""
    size = staff.shape[0]
    short = np.empty(size, dtype=np.bool_)
    anyone = False
    for i in range(size):
        short[i] = staff[i] < funded[i] - 1e-12
        anyone |= short[i]
    if not anyone:
        return
    owed = np.zeros(size)
    for k in range(mso.shape[0]):
        i = mso[k]
        if not short[i]:
            continue
        institutional = kind[k] == INSTITUTIONAL
        staffed = fmin(staff[i] / fmax(funded[i], 1e-12), 1.0)
        missing = 1.0 - staffed
        missing *= staff_cost + (office_costs if institutional else 0.0)
        missing *= grant_fte[k]
        missing *= 1.0 + (overhead_needed if institutional else overhead_allowed)
        amount = amount_per_year[k]
        value = missing * amount / fmax(project_cost[k], 1e-12) / steps_per_year
        value = fmin(value, amount / steps_per_year)
        unspent_out[rows[k]] += value
        owed[i] += value
    for i in range(size):
        reserves[i] -= owed[i]


def warm(zeros) -> None:
    """Compile (or load) each kernel for the dtypes the model passes."""
    f, flags = zeros("reserves"), zeros("alive")
    own_income(zeros("members"), f, f, flags, 1.0, 1.0, 12.0, 1.0, False)
    matrix = np.zeros((2, 5), order="F")  # column-major, as the model's income_year (a single row would be C too)
    book_income(matrix, f, f, f, f, True, f, f.copy(), f.copy(), f.copy())
    pay(f, flags, np.zeros(1), np.zeros(1), f, f.copy(), 1.0, 12.0, 1.0, 1.0, 1.0)
    after_costs(np.zeros(1), 0.5, 1.0, f.copy(), zeros("insolvent_months"), flags, f)
    reserves_spent(f, flags, f.copy(), np.zeros(1), 1.0, 1.0, 0.5, 0.1, 0.1)
    ints, kinds = np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int8)  # the grant table's mso and kind
    grant_payments(np.zeros(1), np.zeros(1), np.zeros(1, dtype=np.int32), ints, kinds, ints, np.zeros(1),
                   np.zeros(1), 12.0, False, 1.0, 1.0, 1, True)
    grant_costs(np.zeros(1), np.zeros(1), np.zeros(1), ints, kinds, 1, 1.0, 0.1, 12.0, 1.0, 1.0, True)
    unspent_money(f, np.zeros(1), ints, kinds, np.zeros(1), np.zeros(1), np.zeros(1), ints, np.zeros(1), f.copy(),
                  1.0, 1.0, 0.1, 0.1, 12.0)
