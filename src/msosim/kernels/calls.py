"""Kernels of a programme's call (grants.run_call on the kernels, submodels/call_passes.py): who is eligible, who
applies after the first draw, what they ask for and whether they can carry it after the second, their scores and
ranking after the third. Each does the numpy path's operations in its order (grants._applicants_numpy); power and
log1p are numpy's own loops (kernels/ufuncs.call_loops), `array ** 0.5` numpy's square root, as numpy computes it."""

from __future__ import annotations

import numpy as np
from numba import njit

from .applying import application_chances, financing_secured
from .ufuncs import apply, apply2


@njit(cache=True, nogil=True, error_model="numpy")
def call_eligible(n, alive, worlds, has_worlds, land, has_land, lands, by_key, rule, staff, federation, independent,
                  fields, columns, g_funder, g_active, g_end, g_mso, g_n, called, start):
    """grants._eligible's rows (ascending) and the position of each one's funder among the calling funders: alive,
    a funder for its world and Land (`by_key`), the rule, not independent, in one of the call's fields (`columns`;
    none: every field; `rule` as call_passes.ELIGIBILITY), and no grant of a calling funder still running at `start`."""
    blocked = np.zeros(n, dtype=np.bool_)
    for j in range(g_n):
        if called[g_funder[j]] and g_active[j] and g_end[j] > start:
            blocked[g_mso[j]] = True
    rows = np.empty(n, dtype=np.int64)
    which = np.empty(n, dtype=np.int16)
    found = 0
    for i in range(n):
        if not alive[i] or blocked[i] or independent[i]:
            continue
        key = 0
        if has_worlds:
            key = np.int64(worlds[i]) * lands
        if has_land:
            key += land[i]
        funder = by_key[key]
        if funder < 0:
            continue
        if rule == 1 and not staff[i] > 0:
            continue
        if rule == 2 and not staff[i] <= 0:
            continue
        if rule == 3 and not federation[i]:
            continue
        if columns.shape[0] > 0:
            fits = False
            for c in columns:
                fits |= fields[i, c]
            if not fits:
                continue
        rows[found] = i
        which[found] = funder
        found += 1
    return rows[:found], which[:found]


@njit(cache=True, nogil=True, error_model="numpy")
def keen_applicants(rows, which, draws, bound, load, volunteers, staff, professionalisation, sustainable, admin_hours,
                    preparation_months, volunteer_hours, staffed_hours, apply_rate, calls, spread, power, discouraged,
                    rejections, information, gap, federation, federation_factor, tie_base, tie_a, tie_b, tie_active,
                    tie_n, n):
    """grants._applying after its draw: the chance (application_chances), spread over `calls` calls (1 - (1 - p) **
    `spread`), lowered by past rejections (`discouraged` ** rejections) and, for volunteer-only MSOs, the chance of
    missing the call (applying.unaware: `information` below `gap`, times `federation_factor` for members, times
    `tie_base` ** live ties; a factor of 1 is not applied, as numpy skips it: federation_factor or tie_base < 0).
    Returns the rows, funder positions and application hours of those who apply."""
    near, drawn, hours, p = application_chances(rows, draws, bound, load, volunteers, staff, professionalisation,
                                                sustainable, admin_hours, preparation_months, volunteer_hours,
                                                staffed_hours, apply_rate)
    size = near.shape[0]
    if calls > 1:
        base = 1.0 - p
        if spread == 0.5:  # numpy's `array ** 0.5` is its square root
            spreadp = np.sqrt(base)
        else:
            spreadp = np.empty(size)
            apply2(power, base, np.full(1, spread), spreadp, size, 8, 0)
        p = 1.0 - spreadp
    below = np.empty(size, dtype=np.int64)
    count = 0
    for k in range(size):
        below[count] = k
        count += drawn[k] < p[k]
    below = below[:count]
    exponents = np.empty(count)
    for k in range(count):
        exponents[k] = rejections[rows[near[below[k]]]]
    factor = np.empty(count)
    apply2(power, np.full(1, discouraged), exponents, factor, count, 0, 8)
    keen = np.empty(count, dtype=np.int64)
    kept = 0
    for k in range(count):
        keen[kept] = below[k]
        kept += drawn[below[k]] < factor[k] * p[below[k]]
    keen = keen[:kept]
    alone = np.empty(kept, dtype=np.int64)  # positions in keen of volunteer-only MSOs
    lonely = 0
    for k in range(kept):
        alone[lonely] = k
        lonely += staff[rows[near[keen[k]]]] <= 0
    alone = alone[:lonely]
    gaps = np.full(lonely, gap)
    if federation_factor >= 0:
        for k in range(lonely):
            gaps[k] = gap * (federation_factor if federation[rows[near[keen[alone[k]]]]] else 1.0)
    if tie_base >= 0:
        slot = np.full(n, -1, dtype=np.int64)
        for k in range(lonely):
            slot[rows[near[keen[alone[k]]]]] = k
        ties = np.zeros(lonely)
        for j in range(tie_n):
            if tie_active[j]:
                if slot[tie_a[j]] >= 0:
                    ties[slot[tie_a[j]]] += 1.0
                if slot[tie_b[j]] >= 0:
                    ties[slot[tie_b[j]]] += 1.0
        closed = np.empty(lonely)
        apply2(power, np.full(1, tie_base), ties, closed, lonely, 0, 8)
        for k in range(lonely):
            gaps[k] *= closed[k]
    missing = np.zeros(kept, dtype=np.bool_)
    for k in range(lonely):
        missing[alone[k]] = information[rows[near[keen[alone[k]]]]] < gaps[k]
    out_rows = np.empty(kept, dtype=np.int64)
    out_which = np.empty(kept, dtype=which.dtype)
    out_hours = np.empty(kept)
    found = 0
    for k in range(kept):
        position = near[keen[k]]
        out_rows[found] = rows[position]
        out_which[found] = which[position]
        out_hours[found] = hours[keen[k]]
        found += not missing[k]
    return out_rows[:found], out_which[:found], out_hours[:found]


@njit(cache=True, nogil=True, error_model="numpy")
def project_asks(rows, fte_drawn, drawn, max_award, min_award, staff_cost, staff_share, overhead, in_kind, cofunding,
                 reserves, overhead_needed, office_margin, active, end, mso, grant_fte, material, amount, start,
                 steps_per_year, years, size, members, donations_base, alive, fee, base_costs, own_fte, scaled,
                 factor, own_threshold, position_cost, financing_horizon):
    """grants._asks and grant_terms for a project, then who can pay the co-funding and carry the own share
    (applying.own_share, financing_secured). `drawn`: the ask comes from `fte_drawn` (clipped to [0.1, 3]),
    else every ask is `max_award`. Returns the positions in `rows` that apply and the terms (amount, project cost,
    staff FTE, material, in kind) of every row."""
    count = rows.shape[0]
    amounts, projects, ftes, materials, in_kinds = (np.empty(count), np.empty(count), np.empty(count),
                                                    np.empty(count), np.empty(count))
    share = np.empty(count)
    for k in range(count):
        if drawn:
            fte = fte_drawn[k]
            if fte < 0.1:
                fte = 0.1
            if fte > 3.0:
                fte = 3.0
            direct = fte * staff_cost
            direct /= staff_share
        else:
            direct = max_award
        value = direct * (1.0 + overhead)
        value /= 1.0 - in_kind
        value *= 1.0 - cofunding
        if value < min_award:
            value = min_award
        if value > max_award:
            value = max_award
        project = value / max(1.0 - cofunding, 1e-9)
        direct = project * (1.0 - in_kind)
        direct /= 1.0 + overhead
        stuff = direct * (1.0 - staff_share)
        fte = (direct - stuff) / staff_cost
        amounts[k], projects[k], ftes[k], materials[k], in_kinds[k] = value, project, fte, stuff, project * in_kind
        own = fte * staff_cost + stuff
        share[k] = own * (1.0 + overhead_needed) + fte * office_margin - value
    secured = financing_secured(rows, active, end, mso, grant_fte, material, amount, start, steps_per_year, share,
                                years, size, staff_cost, 1.0 + overhead_needed, office_margin, members, donations_base,
                                reserves, alive, fee, base_costs, own_fte, scaled, factor, own_threshold, position_cost,
                                financing_horizon)
    applied = np.empty(count, dtype=np.int64)
    found = 0
    for k in range(count):
        applied[found] = k
        found += (reserves[rows[k]] >= cofunding * projects[k] - in_kinds[k]) and secured[k]
    return applied[:found], amounts, projects, ftes, materials, in_kinds


@njit(cache=True, nogil=True, error_model="numpy")
def scored(rows, noise, rule, log1p, staff, professionalisation, track, federation, support, staff_weight,
           track_weight, federation_weight, professionalisation_weight, district, demand, delivered):
    """grants.score_applications of `rows` (rule 0 merit, 1 need, 2 lottery: the score is the draw, `noise`)."""
    count = rows.shape[0]
    scores = np.empty(count)
    if rule == 2:
        scores[:] = noise
    elif rule == 1:
        for k in range(count):
            r = rows[k]
            d = district[r]
            served = delivered[d]
            if served < 1.0:
                served = 1.0
            pressure = demand[d] / served
            if pressure > 5.0:
                pressure = 5.0
            scores[k] = pressure + 1.0 / (1.0 + track[r]) + noise[k]
    else:
        logs = np.empty(count)
        for k in range(count):
            logs[k] = track[rows[k]]
        apply(log1p, logs, logs, count)
        for k in range(count):
            r = rows[k]
            shown = (support if staff[r] <= 0 else 0.0) * (1.0 - professionalisation[r]) + professionalisation[r]
            score = staff_weight * (1.0 if staff[r] > 0 else 0.0)
            score += track_weight * logs[k]
            score += federation_weight * (1.0 if federation[r] else 0.0)
            score += professionalisation_weight * shown
            scores[k] = score + noise[k]
    return scores


@njit(cache=True, nogil=True, error_model="numpy")
def ranked(ascending, scores, rows, which, applied, hours, funder_index, funders):
    """The ranking of grants._applicants_numpy from numpy's `np.argsort(scores)` (`ascending`): best first, ties in
    row order (read backwards when no two scores are equal, else a stable sort), then by funder (stable, a counting
    sort over `funders` positions). Returns rows, funder positions, positions in `applied`'s terms, scores, hours,
    ranks within their funder and funder indices, all in that order."""
    count = rows.shape[0]
    order = ascending[::-1].copy()
    for k in range(count - 1):
        if not scores[order[k]] > scores[order[k + 1]]:
            order = np.argsort(-scores, kind="mergesort")
            break
    if funders > 1:
        starts = np.zeros(funders + 1, dtype=np.int64)
        for k in range(count):
            starts[which[k] + 1] += 1
        for f in range(funders):
            starts[f + 1] += starts[f]
        grouped = np.empty(count, dtype=np.int64)
        for k in range(count):
            j = order[k]
            grouped[starts[which[j]]] = j
            starts[which[j]] += 1
        order = grouped
    out_rows, out_which = np.empty(count, dtype=np.int64), np.empty(count, dtype=which.dtype)
    out_applied, out_scores, out_hours = np.empty(count, dtype=np.int64), np.empty(count), np.empty(count)
    ranks, index = np.empty(count, dtype=np.int64), np.empty(count, dtype=np.int64)
    first = 0
    for k in range(count):
        j = order[k]
        out_rows[k], out_which[k], out_applied[k], out_scores[k] = rows[j], which[j], applied[j], scores[j]
        out_hours[k] = hours[applied[j]]
        if k > 0 and out_which[k] != out_which[k - 1]:
            first = k
        ranks[k] = k + 1 - first
        index[k] = funder_index[which[j]]
    return out_rows, out_which, out_applied, out_scores, out_hours, ranks, index


def warm(zeros) -> None:
    """Compile (or load) each kernel for the dtypes the model passes."""
    rows, f, small = np.zeros(1, dtype=np.int64), zeros("burnout"), np.zeros(1, dtype=np.int16)
    flags, grants = zeros("alive"), np.zeros(1)
    fields = np.zeros((2, 2), dtype=np.bool_, order="F")  # (a single row is C-ordered to numba)
    for worlds in (small, rows):
        call_eligible(0, flags, worlds, False, zeros("land"), False, 1, small, 0, f, flags, flags, fields, rows,
                      np.zeros(1, dtype=np.int32), flags, np.zeros(1, dtype=np.int32), rows, 0, flags, 0)
    keen_applicants(rows[:0], small[:0], grants[:0], 0.5, f, zeros("volunteers"), f, f, 40.0, 10.0, 3.0, 60.0, 40.0,
                    0.9, 1, 1.0, 0, 0.9, f, f, 0.5, flags, 0.5, 0.5, rows, rows, flags, 0, 1)
    project_asks(rows[:0], grants[:0], True, 1.0, 0.0, 1.0, 0.5, 0.1, 0.0, 0.1, f, 0.1, 1.0, flags,
                 np.zeros(1, dtype=np.int32), rows, grants, grants, grants, 0, 12, 3.0, 1, zeros("members"), f, flags,
                 20.0, 500.0, 0.0, False, 1.0, 0.0, 60_000.0, 1.0)
    scored(rows[:0], grants[:0], 0, 0, f, f, f, flags, 0.5, 1.0, 1.0, 1.0, 1.0, zeros("district"), grants, grants)
    ranked(rows[:0], grants[:0], rows[:0], small[:0], rows[:0], grants[:0], rows, 1)
