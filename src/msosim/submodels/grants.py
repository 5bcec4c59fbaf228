"""Calls: who may and does apply, what an applicant asks for, how funders rank and award; rejections fade.

What happens to grants once awarded (paying, staffing, ending, the initial ones) is in held_grants.py."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from .. import kernels
from ..state import FIELDS, INSTITUTIONAL, PROJECT
from . import call_passes
from .applying import financing_secured, funder_keys, own_share, unaware
from .rates import per_step

if TYPE_CHECKING:
    from ..agents.funder import Funder
    from ..model import MSOModel


def _as_group(funders: Funder | Sequence[Funder]) -> list[Funder]:
    return list(funders) if isinstance(funders, Sequence) else [funders]


def _eligible(model: MSOModel, funders: Funder | Sequence[Funder], start: int) -> tuple[np.ndarray, np.ndarray]:
    """MSOs allowed to apply to a call: alive, right Land, eligible, and no grant from this funder still
    running when the new one would start (so a follow-on application is possible).

    For a programme's call in several Länder at once (one funder per Land, same settings): a mask over the
    MSO rows, and for each row the position in `funders` of its Land's funder (-1: none; read it only
    where the mask is true)."""
    funders = _as_group(funders)
    m, n, first = model.msos, model.msos.n, funders[0]
    ok = m.alive[:n].copy()
    worlds = model.world_of(n)
    by_key, lands = funder_keys(model, funders)
    if worlds is not None:  # several worlds: each funder takes the applicants of its own world (and Land)
        which = by_key[worlds * lands + m.land[:n]] if first.land >= 0 else by_key[worlds]
        ok &= which >= 0
    elif first.land >= 0:
        which = by_key[m.land[:n]]
        ok &= which >= 0
    else:
        which = np.zeros(n, dtype=np.int16)
    rule = first.config.eligibility
    if rule == "requires_staff":
        ok &= m.staff_fte[:n] > 0
    elif rule == "volunteer_only":
        ok &= m.staff_fte[:n] <= 0
    elif rule == "federation_member":
        ok &= m.federation[:n]
    ok &= ~m.independent[:n]  # seeks no public money (BIM 2018)
    if first.config.fields:  # fits the call: active in one of the fields the programme funds
        ok &= m.fields[:n][:, [FIELDS.index(name) for name in first.config.fields]].any(axis=1)
    g, gn = model.grants, model.grants.n
    if len(funders) == 1:
        in_call = g.funder[:gn] == first.index
    else:
        called = np.zeros(len(model.funders), dtype=bool)
        called[[f.index for f in funders]] = True
        in_call = called[g.funder[:gn]]
    # An MSO can hold this programme's grants only from its own Land's funder (or the one national funder).
    in_call &= g.active[:gn]
    in_call &= g.end[:gn] > start
    ok[g.mso[:gn][in_call]] = False
    return ok, which


def application_hours(model: MSOModel, funder: Funder, rows: np.ndarray) -> np.ndarray:
    """Hours an application costs: more for volunteer-only MSOs, less with support and routine."""
    m = model.msos
    volunteer_only, staffed = hour_terms(model, funder)
    hours = np.where(m.staff_fte[rows] <= 0, volunteer_only, staffed)
    hours *= 1.0 - 0.5 * m.professionalisation[rows]
    return hours


def hour_terms(model: MSOModel, funder: Funder) -> tuple[float, float]:
    """Hours an application to `funder` costs a volunteer-only MSO and a staffed one, before routine."""
    per_application = float(funder.config.application_hours)
    volunteer_factor = model.config.applications.volunteer_hours_factor * (1.0 - funder.application_support)
    return per_application * volunteer_factor, per_application


def decide_to_apply(model: MSOModel, funder: Funder, rows: np.ndarray, hours: np.ndarray | None = None) -> np.ndarray:
    """Each eligible MSO applies with a probability that falls with the hours it costs (a year's chance, spread
    evenly over a funder's calls when it has several); `hours` None: `application_hours`, worked out only where
    the draw can lead to an application. A mask over `rows`."""
    applies = np.zeros(rows.size, dtype=bool)
    applies[_applying(model, funder, rows, hours)[0]] = True
    return applies


def _applying(model: MSOModel, funder: Funder, rows: np.ndarray,
             hours: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`decide_to_apply` as the positions in `rows` of those who apply (ascending), and their application hours."""
    m, cfg = model.msos, model.config
    calls = len(funder.calls)
    draws = model.streams.random(rows.size, model.world_of(rows))
    # p <= apply_rate (spread over the calls): only rows whose draw is below that bound can apply
    bound = cfg.applications.apply_rate
    bound = bound if calls == 1 else 1.0 - (1.0 - bound) ** (1.0 / calls)
    jit = kernels.compiled()
    if jit is not None and hours is None:  # the same operations in one pass (kernels/applying.py)
        near, draws, hours, p = jit.application_chances(
            rows, draws, bound, m.load_per_volunteer, m.volunteers, m.staff_fte, m.professionalisation,
            cfg.volunteers.sustainable_hours, cfg.services.staff_admin_hours, cfg.applications.preparation_months,
            *hour_terms(model, funder), cfg.applications.apply_rate)
        who = rows[near]
    else:
        near = (draws < bound).nonzero()[0]
        who = rows[near]
        slack = np.maximum(cfg.volunteers.sustainable_hours - m.load_per_volunteer[who], 1.0)
        slack *= m.volunteers[who]
        slack += m.staff_fte[who] * cfg.services.staff_admin_hours
        slack *= cfg.applications.preparation_months
        hours = application_hours(model, funder, who) if hours is None else hours[near]
        total = slack + hours
        free = total <= 0  # no hours asked and none to give: affordable
        if free.any():
            slack[free], total[free] = 1.0, 1.0
        p = slack / total
        p *= cfg.applications.apply_rate
        draws = draws[near]
    if calls > 1:  # the year's chance spread over the funder's calls: an MSO applies when it has a project ready
        p = 1.0 - (1.0 - p) ** (1.0 / calls)
    # missing the call (unaware: 0 or 1) and discouragement by past rejections only lower p: work them out only
    # where the draw is below p
    below = (draws < p).nonzero()[0]
    discouraged = (1.0 - cfg.applications.discouragement) ** m.rejections[who[below]]
    discouraged *= p[below]
    keen = below[draws[below] < discouraged]
    keen = keen[~unaware(model, who[keen], funder.application_support)]
    return near[keen], hours[keen]


def grant_terms(model: MSOModel, funder: Funder, kind: int, direct: np.ndarray, staff_share: float):
    """From wanted direct costs per year to (amount, project cost, staff FTE, material, in-kind) within the award limits.

    Project budget P = direct * (1 + allowed overhead) / (1 - co-funding given in kind); the funder pays
    (1 - co-funding) * P. Institutional grants also cover the overhead an MSO really needs.
    """
    fin, cfg = model.config.finance, funder.config
    overhead = fin.overhead_needed if kind == INSTITUTIONAL else fin.overhead_allowed
    in_kind = cfg.cofunding_share * fin.cofunding_in_kind
    amount = direct * (1.0 + overhead)
    amount /= 1.0 - in_kind  # the project budget
    amount *= 1.0 - cfg.cofunding_share
    np.maximum(amount, cfg.min_award, out=amount)
    np.minimum(amount, cfg.max_award, out=amount)
    project = amount / max(1.0 - cfg.cofunding_share, 1e-9)
    direct = project * (1.0 - in_kind)
    direct /= 1.0 + overhead
    if kind == INSTITUTIONAL:  # core costs: staff and their office (the office is booked in pay_costs)
        fte = direct
        fte /= fin.staff_cost_per_fte + fin.office_costs
        material = np.zeros_like(direct)
    else:
        material = direct * (1.0 - staff_share)
        fte = direct
        fte -= material
        fte /= fin.staff_cost_per_fte
    return amount, project, fte, material, project * in_kind


def _asks(model: MSOModel, funder: Funder, rows: np.ndarray, kind: int) -> tuple[np.ndarray, ...]:
    """What each applicant asks for: core costs (institutional) or a project of about half a position."""
    m, fin, cfg = model.msos, model.config.finance, funder.config
    if kind == INSTITUTIONAL:
        direct = np.maximum(m.staff_fte[rows], 0.5) * (fin.staff_cost_per_fte + fin.office_costs)
        return grant_terms(model, funder, kind, direct, 0.0)
    if cfg.staff_share <= 0:
        direct = np.full(rows.size, cfg.max_award)
    else:
        fte = model.streams.lognormal(np.log(0.45), 0.5, rows.size, model.world_of(rows))
        np.maximum(fte, 0.1, out=fte)
        np.minimum(fte, 3.0, out=fte)
        direct = fte * fin.staff_cost_per_fte
        direct /= cfg.staff_share
    return grant_terms(model, funder, kind, direct, cfg.staff_share)


def score_applications(model: MSOModel, funder: Funder, rows: np.ndarray) -> np.ndarray:
    """Scores by the funder's selection rule: merit (Matthew effect, with supported applications), need, or lottery."""
    m, a = model.msos, model.config.applications
    rule = funder.config.selection
    if rule == "lottery":
        return model.streams.random(rows.size, model.world_of(rows))
    noise = model.streams.normal(0.0, a.score_noise, rows.size, model.world_of(rows))
    track = m.track_record[rows]
    if rule == "need":
        d = model.districts
        pressure = np.minimum(d.demand_hours[: d.n] / np.maximum(d.delivered_hours[: d.n], 1.0), 5.0)
        score = pressure[m.district[rows]]
        score += 1.0 / (1.0 + track)
        score += noise
        return score
    staff, professionalisation = m.staff_fte[rows], m.professionalisation[rows]
    shown = np.where(staff <= 0, funder.application_support, 0.0)  # supported applications
    shown *= 1.0 - professionalisation
    shown += professionalisation
    score = a.staff_weight * (staff > 0)
    score += a.track_weight * np.log1p(track)
    score += a.federation_weight * m.federation[rows]
    score += a.professionalisation_weight * shown
    score += noise
    return score


def committed(model: MSOModel, funder: Funder, kind: int | None, at_step: int) -> float:
    """Money per year this funder already owes at a given step (for one kind of grant, or all).

    Institutional grants count as owed until they stop: they are open-ended, renewed on light conditions.
    """
    return float(committed_by(model, [funder], kind, at_step)[0])


def committed_by(model: MSOModel, funders: Sequence[Funder], kind: int | None, at_step: int) -> np.ndarray:
    """`committed` for several funders at once (summed grant by grant, in the table's order)."""
    g, n = model.grants, model.grants.n
    mask = g.active[:n] & ((g.end[:n] > at_step) | (g.kind[:n] == INSTITUTIONAL))
    if kind is not None:
        mask &= g.kind[:n] == kind
    if len(funders) == 1:  # one funder: its grants added up in the table's order (as bincount does), by cumsum
        mask &= g.funder[:n] == funders[0].index
        amounts = g.amount_per_year[:n][mask]
        return np.array([amounts.cumsum()[-1] if amounts.size else 0.0])
    rows = mask.nonzero()[0]  # gathering by index is cheaper than by mask twice, and sums in the same order
    owed = np.bincount(g.funder[rows], weights=g.amount_per_year[rows], minlength=len(model.funders))
    return owed[[f.index for f in funders]]


def call_budgets(model: MSOModel, funders: Sequence[Funder], kind: int, share: float, start: int) -> np.ndarray:
    """What each funder's call can award from one pool: the pool's share of the year's budget less what it already
    owes, and at most the call's share of the year (`calls_per_year`). Awards from another pool do not change it
    (in a mixed programme each pool counts only its own kind of grant)."""
    first = funders[0]
    pools = first.pools()
    room = np.array([f.budget for f in funders]) * share * model.factors.budget
    budget = room - committed_by(model, funders, kind if len(pools) > 1 else None, start)
    if len(first.calls) > 1:
        budget = np.minimum(budget, room / len(first.calls))
    return budget


def open_calls(model: MSOModel, funders: Sequence[Funder], start: int) -> tuple[list[Funder], list[np.ndarray]]:
    """The funders whose call opens: a funder publishes a call only when it can award at least its smallest grant
    from one of its pools (calls announce the money available, "vorbehaltlich verfuegbarer Haushaltsmittel";
    a fully committed programme runs no round). Every ask is at least `min_award`, so a closed call could award
    nothing: without this rule its applicants spent hours and collected rejections for no money (issue 15; national,
    15 years: 42 of 465 calls under today's funding, 234 under institutional funding awarded nothing).

    Returns the open funders and, per pool (`pools()` order), their budgets for the call: awards from one pool do
    not change another's budget, so the awarding uses these."""
    funders = _as_group(funders)
    smallest = min(funders[0].config.min_award, funders[0].config.max_award)  # every ask is clipped to at least this
    budgets = [call_budgets(model, funders, kind, share, start) for kind, share in funders[0].pools()]
    keep = np.logical_or.reduce([budget >= smallest for budget in budgets]).nonzero()[0]
    return [funders[k] for k in keep], [budget[keep] for budget in budgets]


def run_call(model: MSOModel, funders: Funder | Sequence[Funder]) -> None:
    """A programme's call (one of its `calls_per_year`): eligible MSOs decide to apply, the funder ranks and awards within budget.

    `funders` is one funder, or a programme's funders in several Länder calling in the same step (same
    settings, each with its own budget and applicants from its Land): the draws are made for all of
    their applicants at once, the ranking and the budget are each funder's own."""
    funders = _as_group(funders)
    first, t, m = funders[0], model.t, model.msos
    cfg = first.config
    start = t + cfg.start_lag_months * model.config.steps_per_year // 12
    funders, pool_budgets = open_calls(model, funders, start)
    if not funders:
        return
    jit = kernels.compiled()
    loops = None if jit is None else jit.call_loops()  # on the kernels: the same passes compiled (call_passes.py)
    found = _applicants_numpy(model, funders, start) if loops is None else \
        call_passes.applicants(model, funders, start, jit, loops, hour_terms(model, first))
    if found is None:
        return
    rows, which, applied, scores, hours, ranks, index, project_terms = found
    m.application_hours[rows] += hours
    model.log.add(t, "grant_applied", rows, funder=index, hours=hours, score=scores, rank=ranks)
    model.add_count("applications", rows.size, model.world_of(rows))
    awarded = np.zeros(rows.size, dtype=bool)
    pools = first.pools()
    for (kind, _), budget in zip(pools, pool_budgets, strict=True):
        todo = (~awarded).nonzero()[0]
        if kind == INSTITUTIONAL:
            terms = _asks(model, first, rows[todo], kind)
            asked = terms[0]
        else:
            asked = project_terms[0][applied[todo]]
        if len(funders) == 1:
            fits = np.cumsum(asked) <= budget[0]
        else:
            fits = _within_budgets(asked, np.searchsorted(which[todo], np.arange(len(funders) + 1)), budget)
        chosen = todo[fits]
        awarded[chosen] = True
        if kind == INSTITUTIONAL:
            amount, cost, fte, material, in_kind = (values[fits] for values in terms)
        else:
            amount, cost, fte, material, in_kind = (values[applied[chosen]] for values in project_terms)
        years = cfg.institutional_years if kind == INSTITUTIONAL else cfg.project_years
        add_grants(model, rows[chosen], index[chosen], kind, amount, cost, fte, material, in_kind, start, years)
        model.log.add(t, "grant_awarded", rows[chosen], cause="", funder=index[chosen], amount=amount,
                      score=scores[chosen], rank=ranks[chosen], staff_fte=fte)
    rejected = ~awarded
    won, lost = rows[awarded], rows[rejected]
    m.track_record[won] += 1
    m.professionalisation[won] += cfg.professionalisation_gain * (1.0 - m.professionalisation[won])
    m.rejections[lost] += 1.0
    model.log.add(t, "grant_rejected", lost, funder=index[rejected], score=scores[rejected], rank=ranks[rejected])
    model.add_count("awards", won.size, model.world_of(won))


def _applicants_numpy(model: MSOModel, funders: list[Funder], start: int):
    """run_call's applicants (None: nobody applies): their rows, funder positions, positions in the project terms,
    scores, hours, ranks and funder indices (each funder's best first, funders in order), and the project terms."""
    first, m, cfg = funders[0], model.msos, funders[0].config
    ok, which = _eligible(model, funders, start)
    rows = ok.nonzero()[0]
    which = which[rows] if len(funders) > 1 else np.zeros(rows.size, dtype=which.dtype)
    keen, hours = _applying(model, first, rows)
    rows, which = rows[keen], which[keen]
    # those who would apply work out their project; they apply if they can pay the co-funding in cash
    # and carry their own share of all their grants (total financing secured)
    project_terms = _asks(model, first, rows, PROJECT)
    cost, in_kind = project_terms[1], project_terms[4]
    can_pay = m.reserves[rows] >= cfg.cofunding_share * cost - in_kind
    new_share = own_share(model, project_terms[2], project_terms[3], project_terms[0])
    can_pay &= financing_secured(model, rows, start, new_share, cfg.project_years)
    applied = can_pay.nonzero()[0]
    if applied.size == 0:
        return None
    rows, which = rows[applied], which[applied]
    scores = score_applications(model, first, rows)
    # each funder's applicants together, best first (stable: equal scores keep row order); a quick sort gives
    # the stable sort's order when no two scores are equal, and sorting by funder is a radix sort
    order = np.argsort(scores)[::-1]
    ranked = scores[order]
    if not (ranked[:-1] > ranked[1:]).all():
        order = np.argsort(-scores, kind="stable")
    if len(funders) > 1:
        order = order[np.argsort(which[order], kind="stable")]
    rows, scores, which, applied = rows[order], scores[order], which[order], applied[order]
    hours = hours[applied]  # `applied`: each applicant's position in project_terms
    first_of = np.searchsorted(which, np.arange(len(funders) + 1))  # each funder's applicants: first_of[k]:first_of[k+1]
    ranks = np.arange(1, rows.size + 1) - first_of[which]
    index = np.array([f.index for f in funders])[which]
    return rows, which, applied, scores, hours, ranks, index, project_terms


def _within_budgets(asked: np.ndarray, bounds: np.ndarray, budgets: np.ndarray) -> np.ndarray:
    """Whether each applicant's ask fits its funder's budget after the better ones' (funder k: bounds[k]:bounds[k + 1])."""
    jit = kernels.compiled()
    if jit is not None:
        return jit.within_budgets(asked, bounds, budgets)
    return np.concatenate([np.cumsum(asked[a:b]) <= budgets[k] for k, (a, b) in enumerate(pairwise(bounds))])


def add_grants(model: MSOModel, mso: np.ndarray, funder: int | np.ndarray, kind: int, amount, cost, fte, material,
               in_kind, start, years: float) -> None:
    """Record new grants (they pay from `start` for `years`)."""
    if mso.size == 0:
        return
    steps = max(1, int(round(years * model.config.steps_per_year)))
    one_start = np.ndim(start) == 0
    start = int(start) if one_start else np.broadcast_to(np.asarray(start, dtype=np.int32), mso.shape)
    model.grants.append(mso.size, mso=mso, funder=funder, kind=kind, amount_per_year=amount,
                        project_cost_per_year=cost, staff_fte=fte, material_per_year=material,
                        in_kind_per_year=in_kind, start=start,
                        end=start + steps, active=True, awarded_step=model.t)
    last = model.msos.last_grant_start
    if one_start:  # the same start for all: a plain write keeps the latest start (for a repeated MSO too)
        last[mso] = np.maximum(last[mso], start)
    else:
        np.maximum.at(last, mso, start)


def decay_rejections(model: MSOModel) -> None:
    """Memory of rejections halves each year; the track record fades with a mean memory of `track_memory_years`."""
    m, n = model.msos, model.msos.n
    m.rejections[:n] *= 1.0 - per_step(0.5, model.config.steps_per_year)
    keep = track_keep(model.config.applications.track_memory_years, model.config.steps_per_year)
    m.track_record[:n] *= np.where(m.alive[:n], keep, 1.0)  # a dissolved MSO's state stays as it was


def track_keep(memory_years: float, steps_per_year: int) -> float:
    """The share of the track record kept from one step to the next: exp(-1 / (memory in steps))."""
    return math.exp(-1.0 / (memory_years * steps_per_year))
