"""Kernels of demography.dissolve and demography.kill: the causes that follow from counters, the split of the rest
by secured means, the dissolving rows and their counts, and what a dissolution stops, row by row (the draws stay in
numpy). A condition is first evaluated for every row in a pass without branches or stores to the model's columns,
which the compiler vectorises; the rows are then compacted branch-free where the condition is unpredictable (free,
secured: every row is written and the count advances by the condition), with a branch where it rarely holds (the
dissolving MSOs, their grants and ties)."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..state import GRANT_COLUMNS, TIE_COLUMNS


@njit(cache=True, nogil=True, error_model="numpy")
def counter_causes(alive, volunteers, below_core_months, insolvent_months, core, grace_steps, insolvency_steps):
    """Months below the volunteer core counted on (or reset), then each living MSO's cause from the counters (1:
    volunteers, 2: insolvency, 0: none yet), the mask of the living MSOs left free for the other causes and their
    rows (ascending). The first pass has no branch (the compiler vectorises it), the second compacts the rows."""
    size = alive.shape[0]
    cause = np.empty(size, dtype=np.int8)
    free = np.empty(size, dtype=np.bool_)
    for i in range(size):
        living = alive[i]
        months = (below_core_months[i] + 1) * (living & (volunteers[i] < core))
        below_core_months[i] = months
        by_volunteers = living & (months >= grace_steps)
        by_insolvency = living & (not by_volunteers) & (insolvent_months[i] >= insolvency_steps)
        cause[i] = by_volunteers * 1 + by_insolvency * 2
        free[i] = living & (not by_volunteers) & (not by_insolvency)
    rows = np.empty(size, dtype=np.int64)
    found = 0
    for i in range(size):
        rows[found] = i
        found += free[i]
    return cause, free, rows[:found]


@njit(cache=True, nogil=True, error_model="numpy")
def by_secured_means(alive, cause, active, end, mso, t, staff, reserves, yearly_cost_per_fte, base_costs,
                     reserve_months):
    """The living MSOs still without a cause, in row order: those without secured means and those with them (a
    grant paying or awarded: active and ending after step `t`, as RunningGrants.live; or reserves covering their
    operating reserve). The grants are read in one pass (no mask of them); then each row's kind (0: not among them,
    1: without, 2: with secured means) in a pass the compiler vectorises, and the two lists compacted."""
    size = staff.shape[0]
    funded = np.zeros(size, dtype=np.bool_)
    for j in range(active.shape[0]):
        if active[j] and end[j] > t:  # two grants in three: cheaper than a store for each
            funded[mso[j]] = True
    kind = np.empty(size, dtype=np.int8)
    for i in range(size):
        yearly = staff[i] * yearly_cost_per_fte + base_costs
        secured = funded[i] | (reserves[i] >= yearly * reserve_months / 12.0)
        kind[i] = (alive[i] & (cause[i] == 0)) * (1 + secured)
    exposed = np.empty(size, dtype=np.int64)
    secure = np.empty(size, dtype=np.int64)
    n_exposed = n_secure = 0
    for i in range(size):
        exposed[n_exposed] = i
        secure[n_secure] = i
        n_exposed += kind[i] == 1
        n_secure += kind[i] == 2
    return exposed[:n_exposed], secure[:n_secure]


@njit(cache=True, nogil=True, error_model="numpy")
def exhausted_rows(rows, u, burnout, rate, steps_per_year):
    """dissolution_causes.exhausted: the candidate rows whose draw falls below the per-step chance of the yearly
    `rate * burnout^2`, as rates.happens decides it: p > 1 - (1 - u) ** S by the same squarings, each a pass over
    all candidates that the compiler vectorises (the power starts at 1.0: 1.0 * x is x exactly)."""
    size = rows.shape[0]
    base = np.empty(size)
    power = np.empty(size)
    for k in range(size):
        base[k] = 1.0 - u[k]
        power[k] = 1.0
    exponent = steps_per_year
    while exponent:
        if exponent & 1:
            for k in range(size):
                power[k] = power[k] * base[k]
        exponent >>= 1
        if exponent:
            for k in range(size):
                base[k] = base[k] * base[k]
    out = np.empty(size, dtype=np.int64)
    found = 0
    for k in range(size):  # few candidates give up: the branch is predictable
        b = burnout[rows[k]]
        if rate * b * b > 1.0 - power[k]:
            out[found] = rows[k]
            found += 1
    return out[:found]


@njit(cache=True, nogil=True, error_model="numpy")
def merge_partners(drawn, active, a, b, free, district, group, members):
    """dissolution_causes.merging's choice: for each drawn MSO (ascending rows) the other end of its earliest live
    tie that is free, of its district and group, and has more members (equal: the lower row); a partner that merges
    itself takes in no one. One pass over the ties (the live ties of drawn MSOs in their order, as numpy's `near`).
    Returns (absorbed, partner) in the drawn MSOs' order."""
    mark = np.zeros(free.shape[0], dtype=np.bool_)
    for k in range(drawn.shape[0]):
        mark[drawn[k]] = True
    partner_of = np.full(free.shape[0], -1, dtype=np.int64)
    for tie in range(active.shape[0]):
        if not (active[tie] & (mark[a[tie]] | mark[b[tie]])):  # evaluated whole: one branch
            continue
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
        other = partner_of[drawn[k]]
        if other >= 0 and partner_of[other] < 0:  # (only drawn MSOs have a partner)
            absorbed[found], partner[found] = drawn[k], other
            found += 1
    return absorbed[:found], partner[:found]


@njit(cache=True, nogil=True, error_model="numpy")
def dissolved_rows(cause, labels, worlds):
    """The dissolving MSOs (cause != 0): their rows (ascending), their causes, and per world the count of each cause
    code (worlds x 6; `labels` the world of each row, empty with one world). Few rows dissolve: the branch is
    predictable."""
    rows = np.empty(cause.shape[0], dtype=np.int64)
    counts = np.zeros((worlds, 6), dtype=np.int64)
    one = labels.shape[0] == 0
    found = 0
    for i in range(cause.shape[0]):
        if cause[i] != 0:
            rows[found] = i
            found += 1
            counts[0 if one else labels[i], cause[i]] += 1
    causes = np.empty(found, dtype=np.int8)
    for k in range(found):
        causes[k] = cause[rows[k]]
    return rows[:found], causes, counts


@njit(cache=True, nogil=True, error_model="numpy")
def _stopped(active, dead, a, b):
    """The active rows of a table (grants, ties) with a dead end (`a` or `b`) stop: returns them, ascending. First
    each row's test into a byte mask, a pass without stores to the table that the compiler vectorises; then
    `marked_rows`. Testing and stopping in one loop was slower (its stores to `active` keep the compiler from
    vectorising)."""
    size = active.shape[0]
    hit = np.zeros((size + 7) // 8 * 8, dtype=np.uint8)
    for j in range(size):
        hit[j] = active[j] & (dead[a[j]] | dead[b[j]])
    rows = marked_rows(hit)
    for k in range(rows.shape[0]):
        active[rows[k]] = False
    return rows


@njit(cache=True, nogil=True, error_model="numpy")
def marked_rows(hit):
    """The rows whose byte in `hit` (a multiple of eight bytes long) is set, ascending. The mask is read eight
    bytes at a time: few rows are set, most words are zero."""
    words = hit.view(np.uint64)
    found = 0
    for w in range(words.shape[0]):
        if words[w]:
            for j in range(8 * w, 8 * w + 8):
                found += hit[j]
    rows = np.empty(found, dtype=np.int64)
    found = 0
    for w in range(words.shape[0]):
        if words[w]:
            for j in range(8 * w, 8 * w + 8):
                if hit[j]:
                    rows[found] = j
                    found += 1
    return rows


@njit(cache=True, nogil=True, error_model="numpy")
def kill_rows(rows, cause, t, alive, died_step, death_cause, staff_fte, coop, grant_active, grant_mso, funder,
              amount_per_year, unspent, returned, returned_total, funder_returned, tie_active, a, b):
    """demography.kill's writes: the MSOs `rows` (distinct) die at step `t` of their `cause`, their staff go and
    their cooperation ends; their active grants stop, handing back their unspent money as
    grant_returns.return_unspent does (`returned`, `returned_total` per MSO, `funder_returned` per funder: the same
    additions in the same order); their live ties break. One pass over each table (`_stopped`). Returns what the
    event log and the flows take: the rows that had staff and that staff (in the rows' order); the stopped grants'
    MSO, funder and yearly amount; the money handed back and its MSOs; the broken ties' ends a and b (grants and
    ties ascending)."""
    dead = np.zeros(alive.shape[0], dtype=np.bool_)
    staffed = np.empty(rows.shape[0], dtype=np.int64)
    let_go = np.empty(rows.shape[0])
    found = 0
    for k in range(rows.shape[0]):
        i = rows[k]
        alive[i] = False
        died_step[i] = t
        death_cause[i] = cause[k]
        staffed[found] = i
        let_go[found] = staff_fte[i]
        found += staff_fte[i] > 0
        staff_fte[i] = 0.0
        coop[i] = False
        dead[i] = True
    stopped = _stopped(grant_active, dead, grant_mso, grant_mso)
    size = stopped.shape[0]
    ended_mso, ended_funder = np.empty(size, dtype=np.int64), np.empty(size, dtype=funder.dtype)
    ended_amount, back, back_mso = np.empty(size), np.empty(size), np.empty(size, dtype=np.int64)
    by_funder = np.zeros(funder_returned.shape[0])
    n_back = 0
    for k in range(size):
        j = stopped[k]
        ended_mso[k], ended_funder[k], ended_amount[k] = grant_mso[j], funder[j], amount_per_year[j]
        if unspent[j] > 0:
            returned[j] = unspent[j]
            returned_total[grant_mso[j]] += unspent[j]
            by_funder[funder[j]] += unspent[j]
            back[n_back], back_mso[n_back] = unspent[j], grant_mso[j]
            n_back += 1
    if n_back:
        for f in range(funder_returned.shape[0]):
            funder_returned[f] += by_funder[f]
    cut = _stopped(tie_active, dead, a, b)
    broken_a, broken_b = np.empty(cut.shape[0], dtype=a.dtype), np.empty(cut.shape[0], dtype=b.dtype)
    for k in range(cut.shape[0]):
        broken_a[k], broken_b[k] = a[cut[k]], b[cut[k]]
    return (staffed[:found], let_go[:found], ended_mso, ended_funder, ended_amount, back[:n_back], back_mso[:n_back],
            broken_a, broken_b)


def warm(zeros) -> None:
    """Compile (or load) each kernel for the dtypes the model passes (a batch's world labels: int16)."""
    flags, rows, cause = zeros("alive"), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int8)
    counter_causes(flags, zeros("volunteers"), zeros("below_core_months"), zeros("insolvent_months"), 3, 3, 3)
    grant = {name: np.zeros(1, dtype=dtype) for name, dtype in GRANT_COLUMNS.items()}
    by_secured_means(flags, cause, grant["active"], grant["end"], grant["mso"], 1, zeros("staff_fte"),
                     zeros("reserves"), 1.0, 1.0, 3.0)
    exhausted_rows(rows, np.zeros(1), zeros("burnout"), 0.1, 12)
    ties = np.zeros(1, dtype=TIE_COLUMNS["a"])
    merge_partners(rows, np.zeros(1, dtype=TIE_COLUMNS["active"]), ties, ties, flags, zeros("district"),
                   zeros("group"), zeros("members"))
    dissolved_rows(cause, np.zeros(0, dtype=np.int16), 1)
    kill_rows(rows[:0], cause[:0], 1, flags, zeros("died_step"), zeros("death_cause"), zeros("staff_fte"),
              zeros("coop_municipality"), grant["active"], grant["mso"], grant["funder"], grant["amount_per_year"],
              grant["unspent"], grant["returned"], zeros("grant_returned_total"), np.zeros(1),
              np.zeros(1, dtype=TIE_COLUMNS["active"]), ties, ties)
