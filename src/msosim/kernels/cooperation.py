"""Kernels of cooperation.py: trust, federations and cooperation with the municipality, row by row."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..state import TIE_COLUMNS
from .demography import marked_rows
from .services import fmax, fmin


@njit(inline="always", error_model="numpy")
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


@njit(cache=True, nogil=True, error_model="numpy")
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


@njit(cache=True, nogil=True, error_model="numpy")
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


@njit(cache=True, nogil=True, error_model="numpy")
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


@njit(cache=True, nogil=True, error_model="numpy")
def delegation_rates(alive, coop, district, rate_of_district, payment, load, funded_load, keep):
    """delegate_tasks' first passes: this step's payments cleared, the delegated loads decayed (times `keep`), and
    the cooperating rows (in row order) with their Poisson mean (`rate_of_district`, formed in numpy per district
    by the same operations as per row)."""
    size = alive.shape[0]
    rows = np.empty(size, dtype=np.int64)
    found = 0
    for i in range(size):
        payment[i] = 0.0
        load[i] *= keep
        funded_load[i] *= keep
        rows[found] = i
        found += alive[i] & coop[i]
    lam = np.empty(found)
    for k in range(found):
        lam[k] = rate_of_district[district[rows[k]]]
    return rows[:found], lam


@njit(cache=True, nogil=True, error_model="numpy")
def delegated_rows(coop, tasks, district):
    """The cooperating rows given tasks (in row order), their districts and task counts."""
    size = coop.shape[0]
    rows, home, count = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64)
    found = 0
    for k in range(size):
        rows[found], count[found] = coop[k], tasks[k]
        found += tasks[k] != 0
    for k in range(found):
        home[k] = district[rows[k]]
    return rows[:found], home[:found], count[:found]


@njit(cache=True, nogil=True, error_model="numpy")
def delegation_payments(rows, home, tasks, funded, budget_left, paid_total, payment, load, funded_load, unfunded,
                        task_hours, burden_factor, pay_per_hour, task_steps, memory, funded_code, unfunded_code):
    """delegate_tasks after its draws: each district pays what its budget allows of the funded tasks' cost (the
    same sums in row order as np.bincount), payments under a cent dropped; the loads, payments and unfunded ratios
    of `rows` written. Returns the log's cause, hours and amounts and the unfunded hours (flows)."""
    size = rows.shape[0]
    districts = budget_left.shape[0]
    asked = np.zeros(districts)
    cost = np.empty(size)
    for k in range(size):
        cost[k] = funded[k] * task_hours * pay_per_hour
        asked[home[k]] += cost[k]
    ratio_of = np.empty(districts)
    for j in range(districts):
        ratio_of[j] = fmin(1.0, budget_left[j] / fmax(asked[j], 1e-9)) if asked[j] > 0 else 1.0
    paid_in = np.zeros(districts)
    hours, paid, left = np.empty(size), np.empty(size), np.empty(size)
    cause = np.empty(size, dtype=np.int8)
    for k in range(size):
        i = rows[k]
        ratio = ratio_of[home[k]]
        amount = cost[k] * ratio
        if amount < 0.01:
            amount = 0.0
        paid[k] = amount
        paid_in[home[k]] += amount
        hours[k] = tasks[k] * task_hours * burden_factor
        funded_hours = funded[k] * task_hours * burden_factor * ratio if amount > 0 else 0.0
        left[k] = hours[k] - funded_hours
        payment[i] = amount
        load[i] += hours[k] / task_steps
        funded_load[i] += funded_hours / task_steps
        unfunded_now = 1.0 - funded_hours / fmax(hours[k], 1e-9)
        unfunded[i] += memory * (unfunded_now - unfunded[i])
        cause[k] = funded_code if amount > 0 else unfunded_code
    for j in range(districts):
        budget_left[j] -= paid_in[j]
        paid_total[j] += paid_in[j]
    return cause, hours, paid, left


@njit(cache=True, nogil=True, error_model="numpy")
def living_by_district(alive, district, dialogue, districts):
    """form_and_break_ties' rows: the living MSOs without and with dialogue formats in their district (row order),
    and all living ones grouped by district (a counting sort: row order within a district) with each district's
    offset and count. Rows come mostly in runs of one district: a run's count and place are kept in a register
    and stored when the district changes (a store and load per row to the same counter cost a third more)."""
    size = alive.shape[0]
    plain, talking = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64)
    counts = np.zeros(districts, dtype=np.int64)
    n_plain = n_talking = 0
    current, run = 0, 0
    for i in range(size):
        live = alive[i]
        k = district[i]
        if k != current:
            counts[current] += run
            current, run = k, 0
        talks = dialogue[k]
        plain[n_plain] = i
        talking[n_talking] = i
        n_plain += live & (not talks)
        n_talking += live & talks
        run += live
    counts[current] += run
    offsets = np.empty(districts, dtype=np.int64)
    cursor = np.empty(districts, dtype=np.int64)
    total = 0
    for k in range(districts):
        offsets[k] = cursor[k] = total
        total += counts[k]
    order = np.empty(total, dtype=np.int64)
    current, at = 0, cursor[0]
    for i in range(size):
        if alive[i]:
            k = district[i]
            if k != current:
                cursor[current] = at
                current, at = k, cursor[k]
            order[at] = i
            at += 1
    return plain[:n_plain], talking[:n_talking], order, offsets, counts


@njit(cache=True, nogil=True, error_model="numpy")
def tie_partners(initiators, u, district, order, offsets, counts):
    """Each initiator's partner: the living MSO of its district at position u * count (truncated); ties with
    oneself dropped. Returns the ends a and b."""
    size = initiators.shape[0]
    a, b = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64)
    found = 0
    for j in range(size):
        i = initiators[j]
        k = district[i]
        partner = order[offsets[k] + np.int64(u[j] * counts[k])]
        a[found], b[found] = i, partner
        found += partner != i
    return a[:found], b[:found]


@njit(cache=True, nogil=True, error_model="numpy")
def ties_breaking(active, breaks_step, t):
    """The active ties whose life ends at step `t`, ascending: the test into a byte mask first (a pass the compiler
    vectorises), then demography.marked_rows."""
    size = active.shape[0]
    hit = np.zeros((size + 7) // 8 * 8, dtype=np.uint8)
    for j in range(size):
        hit[j] = active[j] & (breaks_step[j] == t)
    return marked_rows(hit)


def warm(zeros) -> None:
    """Compile (or load) each kernel for the dtypes the model passes."""
    f, flags, district, ones = zeros("trust"), zeros("alive"), zeros("district"), np.ones(1)
    update_trust(district, zeros("coop_municipality"), f, flags, f.copy(), ones, 0.5, 0.1)
    federations(f, flags, f, zeros("federation"), 0.1, 0.1, 0.1)
    municipal_cooperation(f, flags, zeros("coop_municipality"), district, f, f, f, ones, ones, ones, 0.5, 0.5, 0.1, 12)
    rows, counts, pay = np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), zeros("municipal_payment")
    delegation_rates(flags, zeros("coop_municipality"), district, ones, pay, zeros("delegated_load"),
                     zeros("delegated_funded_load"), 0.5)
    delegated_rows(rows, counts, district)
    delegation_payments(rows, rows, counts, counts, np.ones(1), np.zeros(1), pay, zeros("delegated_load"),
                        zeros("delegated_funded_load"), zeros("unfunded_ratio"), 1.0, 1.0, 1.0, 1.0, 0.1, 1, 2)
    living_by_district(flags, district, np.zeros(1, dtype=np.bool_), 1)
    tie_partners(rows, np.zeros(1), district, rows, rows, counts)
    ties = {name: np.zeros(1, dtype=dtype) for name, dtype in TIE_COLUMNS.items()}
    ties_breaking(ties["active"], ties["breaks_step"], 1)
