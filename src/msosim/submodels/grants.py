"""Funding: who applies, how funders rank and award, grants ending, the staff cliff."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from ..state import CAUSE_CODE, FIELDS, INSTITUTIONAL, PROJECT
from .applying import financing_secured, own_share, unaware
from .grant_returns import return_unspent
from .rates import per_step

if TYPE_CHECKING:
    from ..agents.funder import Funder
    from ..model import MSOModel

SUCCESSOR_WINDOW_MONTHS = 3


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
    if first.land >= 0:
        by_land = np.full(len(model.land_codes), -1, dtype=np.int16)
        by_land[[f.land for f in funders]] = np.arange(len(funders))
        which = by_land[m.land[:n]]
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
    m, cfg = model.msos, model.config
    per_application = funder.config.application_hours
    volunteer_factor = cfg.applications.volunteer_hours_factor * (1.0 - cfg.policy.application_support)
    hours = np.where(m.staff_fte[rows] <= 0, per_application * volunteer_factor, per_application)
    hours *= 1.0 - 0.5 * m.professionalisation[rows]
    return hours


def decide_to_apply(model: MSOModel, funder: Funder, rows: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """Each eligible MSO applies with a probability that falls with the hours it costs."""
    m, cfg = model.msos, model.config
    staff = m.staff_fte[rows]
    slack = np.maximum(cfg.volunteers.sustainable_hours - m.load_per_volunteer[rows], 1.0)
    slack *= m.volunteers[rows]
    slack += staff * cfg.services.staff_admin_hours
    slack *= cfg.applications.preparation_months
    total = slack + hours
    free = total <= 0  # no hours asked and none to give: affordable
    if free.any():
        slack[free], total[free] = 1.0, 1.0
    p = slack / total
    p *= cfg.applications.apply_rate
    p *= ~unaware(model, rows)
    draws = model.rng.random(rows.size)
    # discouragement by past rejections only lowers p: work it out only where the draw is below p
    maybe = (draws < p).nonzero()[0]
    discouraged = (1.0 - cfg.applications.discouragement) ** m.rejections[rows[maybe]]
    applies = np.zeros(rows.size, dtype=bool)
    applies[maybe] = draws[maybe] < p[maybe] * discouraged
    return applies


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
        fte = model.rng.lognormal(np.log(0.45), 0.5, rows.size)
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
        return model.rng.random(rows.size)
    noise = model.rng.normal(0.0, a.score_noise, rows.size)
    track = m.track_record[rows]
    if rule == "need":
        d = model.districts
        pressure = np.minimum(d.demand_hours[: d.n] / np.maximum(d.delivered_hours[: d.n], 1.0), 5.0)
        score = pressure[m.district[rows]]
        score += 1.0 / (1.0 + track)
        score += noise
        return score
    staff, professionalisation = m.staff_fte[rows], m.professionalisation[rows]
    shown = np.where(staff <= 0, model.config.policy.application_support, 0.0)  # supported applications
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
    owed = np.bincount(g.funder[:n][mask], weights=g.amount_per_year[:n][mask], minlength=len(model.funders))
    return owed[[f.index for f in funders]]


def run_call(model: MSOModel, funders: Funder | Sequence[Funder]) -> None:
    """A programme's yearly call: eligible MSOs decide to apply, the funder ranks and awards within budget.

    `funders` is one funder, or a programme's funders in several Länder calling in the same step (same
    settings, each with its own budget and applicants from its Land): the draws are made for all of
    their applicants at once, the ranking and the budget are each funder's own."""
    funders = _as_group(funders)
    first, t, m = funders[0], model.t, model.msos
    cfg = first.config
    start = t + cfg.start_lag_months * model.config.steps_per_year // 12
    ok, which = _eligible(model, funders, start)
    rows = ok.nonzero()[0]
    which = which[rows]
    hours = application_hours(model, first, rows)
    keen = decide_to_apply(model, first, rows, hours).nonzero()[0]
    rows, which, hours = rows[keen], which[keen], hours[keen]
    # those who would apply work out their project; they apply if they can pay the co-funding in cash
    # and carry their own share of all their grants (total financing secured)
    project_terms = _asks(model, first, rows, PROJECT)
    cost, in_kind = project_terms[1], project_terms[4]
    can_pay = m.reserves[rows] >= cfg.cofunding_share * cost - in_kind
    new_share = own_share(model, project_terms[2], project_terms[3], project_terms[0])
    can_pay &= financing_secured(model, rows, start, new_share, cfg.project_years)
    applied = can_pay.nonzero()[0]
    if applied.size == 0:
        return
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
    m.application_hours[rows] += hours
    model.log.add(t, "grant_applied", rows, funder=index, hours=hours, score=scores, rank=ranks)
    model.flow["applications"] += rows.size
    awarded = np.zeros(rows.size, dtype=bool)
    pools = first.pools()
    budgets = np.array([f.budget for f in funders])
    for kind, share in pools:
        budget = budgets * share * model.factors.budget - committed_by(model, funders, kind if len(pools) > 1 else None, start)
        todo = (~awarded).nonzero()[0]
        if kind == INSTITUTIONAL:
            terms = _asks(model, first, rows[todo], kind)
            asked = terms[0]
        else:
            asked = project_terms[0][applied[todo]]
        bounds = np.searchsorted(which[todo], np.arange(len(funders) + 1))
        fits = np.concatenate([np.cumsum(asked[a:b]) <= budget[k] for k, (a, b) in enumerate(pairwise(bounds))])
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
    model.flow["awards"] += won.size


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


def end_grants(model: MSOModel) -> None:
    """Grants reaching their end stop; institutional ones are renewed on light conditions."""
    g, n, t, m = model.grants, model.grants.n, model.t, model.msos
    ending = (g.active[:n] & (g.end[:n] == t)).nonzero()[0]
    model.msos.cliff[:] = False
    if ending.size == 0:
        return
    g.active[ending] = False
    return_unspent(model, ending)
    mso = g.mso[ending]
    inst = g.kind[ending] == INSTITUTIONAL
    renew = inst & (model.rng.random(ending.size) < model.funder_renewal[g.funder[ending]])
    if renew.any():  # only MSOs still fit for it
        renew &= m.alive[mso] & (m.volunteers[mso] >= model.config.min_active_volunteers)
    # Renewals still have to fit the (possibly cut) budget, in turn: each accepted one adds to what its
    # funder owes before the next is checked. Only scalars change inside the loop; the grants are added at once.
    owed: dict[int, list[float]] = {}
    accepted = []
    for position in renew.nonzero()[0]:
        idx = ending[position]
        index = int(g.funder[idx])
        if index not in owed:
            funder = model.funders[index]
            pools = dict(funder.pools())
            kind = INSTITUTIONAL if len(pools) > 1 else None
            owed[index] = [committed(model, funder, kind, t),
                           funder.budget * pools.get(INSTITUTIONAL, 1.0) * model.factors.budget]
        amount = float(g.amount_per_year[idx])
        if owed[index][0] + amount > owed[index][1]:
            renew[position] = False
            continue
        owed[index][0] += amount
        accepted.append(idx)
    if accepted:
        rows = np.array(accepted)
        spy = model.config.steps_per_year
        steps = np.array([max(1, int(round(model.funders[f].config.institutional_years * spy)))
                          for f in g.funder[rows]], dtype=np.int32)
        values = {name: getattr(g, name)[rows].copy() for name in
                  ("mso", "funder", "amount_per_year", "project_cost_per_year", "staff_fte", "material_per_year",
                   "in_kind_per_year")}
        g.append(rows.size, **values, kind=INSTITUTIONAL, start=t, end=t + steps, active=True, awarded_step=t)
        m.last_grant_start[values["mso"]] = np.maximum(m.last_grant_start[values["mso"]], t)
    window = SUCCESSOR_WINDOW_MONTHS * model.config.steps_per_year / 12
    ahead = m.last_grant_start[mso] - t
    successor = renew | ((ahead >= 0) & (ahead <= window))  # a grant starting now or within the window
    # a renewal is its own event (the grant goes on); other ends are named by what follows them
    model.log.add(t, "grant_renewed", mso[renew], funder=g.funder[ending[renew]],
                  amount=g.amount_per_year[ending[renew]], staff_fte=g.staff_fte[ending[renew]])
    ended = ~renew
    cause = np.where(successor[ended], CAUSE_CODE["with_successor"], CAUSE_CODE["without_successor"])
    model.log.add(t, "grant_ended", mso[ended], cause=cause, funder=g.funder[ending[ended]],
                  amount=g.amount_per_year[ending[ended]], staff_fte=g.staff_fte[ending[ended]])
    model.msos.cliff[mso[~successor]] = True


class RunningGrants:
    """The grants paying in the current step, gathered once: staffing, income and costs all read them.

    Cached on the model under a key that changes whenever the grant table does in the ways the model
    changes it (a new step, grants added or retired, grants stopped: the count of active grants falls)."""

    def __init__(self, model: MSOModel, key: tuple) -> None:
        g, n, t = model.grants, model.grants.n, model.t
        self.key = key
        self.live = g.active[:n] & (g.end[:n] > t)  # paying now or still to start
        paying = self.live & (g.start[:n] <= t)
        self.rows = paying.nonzero()[0]
        self.mso, self.kind, self.funder = g.mso[:n][paying], g.kind[:n][paying], g.funder[:n][paying]
        self.amount_per_year, self.staff_fte = g.amount_per_year[:n][paying], g.staff_fte[:n][paying]
        self.material_per_year, self.in_kind_per_year = g.material_per_year[:n][paying], g.in_kind_per_year[:n][paying]
        self.project_cost_per_year = g.project_cost_per_year[:n][paying]
        self.project, self.institutional = self.kind == PROJECT, self.kind == INSTITUTIONAL  # masks
        self.only_projects = not self.institutional.any()


def running_grants(model: MSOModel) -> RunningGrants:
    """The grants paying now (see RunningGrants), gathered at most once per step."""
    g, n = model.grants, model.grants.n
    key = (model.t, n, g.appended, int(np.count_nonzero(g.active[:n])), model.msos.n)
    cached = getattr(model, "_running_grants", None)
    if cached is None or cached.key != key:
        cached = model._running_grants = RunningGrants(model, key)
    return cached


def funded_fte(model: MSOModel, ahead: int = 0) -> np.ndarray:
    """Staff FTE per MSO paid by grants running now (or starting within `ahead` steps)."""
    running = running_grants(model)
    if ahead == 0:
        return np.bincount(running.mso, weights=running.staff_fte, minlength=model.msos.n)
    g, n = model.grants, model.grants.n
    paying = running.live & (g.start[:n] <= model.t + ahead)
    return np.bincount(g.mso[:n][paying], weights=g.staff_fte[:n][paying], minlength=model.msos.n)


def adjust_staff(model: MSOModel) -> None:
    """Hire for running grants; staff no grant pays now stay only while reserves cover them all (those kept for a
    successor grant for the successor window, the others for `reserve_months_to_keep_staff`), else all go."""
    m, n, fin, t = model.msos, model.msos.n, model.config.finance, model.t
    alive = m.alive[:n]
    window = SUCCESSOR_WINDOW_MONTHS * model.config.steps_per_year // 12
    staff = m.staff_fte[:n]
    hire = funded_fte(model) - staff
    np.maximum(hire, 0.0, out=hire)
    hire *= (hire >= 1e-9) & alive
    excess = staff - funded_fte(model, ahead=window)
    np.maximum(excess, 0.0, out=excess)
    excess *= (excess >= 1e-9) & alive
    unfunded = staff - funded_fte(model)  # the excess, and those bridged to a successor grant
    np.maximum(unfunded, 0.0, out=unfunded)
    unfunded *= (unfunded >= 1e-9) & alive
    months = max(fin.reserve_months_to_keep_staff, 1e-9)
    fired = (unfunded > 0).nonzero()[0]
    need = excess[fired] * months + (unfunded[fired] - excess[fired]) * SUCCESSOR_WINDOW_MONTHS
    need *= fin.staff_cost_per_fte / 12.0
    fired = fired[m.reserves[fired] < need]  # reserves do not cover them all
    let_go = unfunded[fired]
    hired = (hire > 0).nonzero()[0]
    if fin.vacancy_months > 0 and hired.size:  # open positions are filled after a vacancy
        fill = 1.0 / (1.0 + fin.vacancy_months * model.config.steps_per_year / 12.0)
        filled = model.rng.random(hired.size) < fill
        hire[hired[~filled]] = 0.0
        hired = hired[filled]
    staff[hired] += hire[hired]
    staff[fired] -= let_go
    np.maximum(staff, 0.0, out=staff)
    model.log.add(t, "staff_hired", hired, cause="grant_start", staff_fte=hire[hired])
    at_cliff = model.msos.cliff[fired]
    cause = np.where(at_cliff, CAUSE_CODE["grant_end"], CAUSE_CODE["finances"])
    model.log.add(t, "staff_let_go", fired, cause=cause, staff_fte=let_go)
    model.flow["staff_hired"] += float(hire.sum())
    lost = np.zeros(n)
    lost[fired] = let_go  # summed over every row, as the monthly table always has
    model.flow["staff_let_go"] += float(lost.sum())
    model.flow["staff_lost_at_cliff"] += float(let_go[at_cliff].sum())


def grant_payments(model: MSOModel) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-MSO money received this step from running project and institutional grants (None: no institutional
    grant is running); funders' books updated."""
    running, spy, size = running_grants(model), model.config.steps_per_year, model.msos.n
    amount = running.amount_per_year / spy
    model.funder_paid += np.bincount(running.funder, weights=amount, minlength=len(model.funders))
    model.grants.paid[running.rows] += amount
    project, inst = running.project, running.institutional
    if running.only_projects:
        return np.bincount(running.mso, weights=amount, minlength=size), None
    return (np.bincount(running.mso[project], weights=amount[project], minlength=size),
            np.bincount(running.mso[inst], weights=amount[inst], minlength=size))


def running_grant_costs(model: MSOModel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-MSO per-step material costs, the overhead the MSO really needs, hours for admin and in-kind
    co-funding, and the material of project grants (which buys freelance hours)."""
    running, spy, size = running_grants(model), model.config.steps_per_year, model.msos.n
    fin, services = model.config.finance, model.config.services
    material = running.material_per_year
    direct = running.staff_fte * fin.staff_cost_per_fte
    direct += material
    direct *= fin.overhead_needed
    direct /= spy
    overhead = np.bincount(running.mso, weights=direct, minlength=size)
    hours = running.in_kind_per_year / fin.in_kind_hour_value
    only_projects = running.only_projects
    hours += (1.0 if only_projects else np.where(running.project, 1.0, 0.5)) * services.admin_hours_per_grant * 12
    hours /= spy
    admin = np.bincount(running.mso, weights=hours, minlength=size)
    material_costs = np.bincount(running.mso, weights=material / spy, minlength=size)
    if only_projects:
        return material_costs, overhead, admin, material_costs
    project_material = np.where(running.project, material, 0.0) / spy
    return material_costs, overhead, admin, np.bincount(running.mso, weights=project_material, minlength=size)


def decay_rejections(model: MSOModel) -> None:
    """Memory of rejections halves each year."""
    m, n = model.msos, model.msos.n
    m.rejections[:n] *= 1.0 - per_step(0.5, model.config.steps_per_year)


def running_cohort_starts(model: MSOModel, cfg, count: int) -> np.ndarray:
    """Start steps of past calls' cohorts still running at step 1 (grants start at call month + lag)."""
    spy = model.config.steps_per_year
    steps = max(1, int(round(cfg.project_years * spy)))
    within = ((cfg.call_month - 1 + cfg.start_lag_months) % 12) * spy // 12
    starts = np.array([1 + within - spy * k for k in range(0, steps // spy + 3)])
    starts = starts[(starts <= 1) & (starts + steps >= 2)]
    return model.rng.choice(starts, size=count)


def _initial_terms(model: MSOModel, funder: Funder, mso: np.ndarray) -> tuple[np.ndarray, ...]:
    """Terms of a running project grant paying an MSO's current staff under the funder's original settings."""
    fin, cfg = model.config.finance, funder.original
    fte = model.msos.staff_fte[mso]
    direct = fte * fin.staff_cost_per_fte / cfg.staff_share
    in_kind = cfg.cofunding_share * fin.cofunding_in_kind
    project = direct * (1.0 + fin.overhead_allowed) / (1.0 - in_kind)
    return project * (1.0 - cfg.cofunding_share), project, fte, direct * (1.0 - cfg.staff_share), project * in_kind


def initial_grants(model: MSOModel, rows: np.ndarray) -> None:
    """Running project grants for the MSOs that start with staff, from past calls, within each funder's budget.

    Each staffed MSO draws a funder it is eligible for (weighted by budget left per eligible MSO); grants that
    do not fit a funder's budget try again elsewhere (three rounds). MSOs left over start with reserves set
    aside for their positions (the months they keep unfunded staff, plus up to a year), so they wind
    down or find a grant during the first year instead of all letting staff go at step 1.
    """
    m, rng = model.msos, model.rng
    funders = [f for f in model.funders if f.original.staff_share > 0 and f.original_budget > 0]
    remaining = np.array([f.original_budget for f in funders])
    unplaced = []
    for _ in range(3):
        if rows.size == 0 or not funders:
            break
        weights = np.zeros((rows.size, len(funders)))
        for j, f in enumerate(funders):
            ok = np.ones(rows.size, dtype=bool) if f.land < 0 else m.land[rows] == f.land
            if f.original.eligibility == "federation_member":
                ok &= m.federation[rows]
            elif f.original.eligibility == "volunteer_only":
                ok[:] = False
            weights[:, j] = np.where(ok, max(remaining[j], 0.0) / max(ok.sum(), 1), 0.0)
        open_to = weights.sum(axis=1) > 0
        unplaced.append(rows[~open_to])
        rows, weights = rows[open_to], weights[open_to]
        cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
        choice = np.minimum((cumulative < rng.random(rows.size)[:, None]).sum(axis=1), len(funders) - 1)
        left_over = []
        for j, f in enumerate(funders):
            mine = rng.permutation(rows[choice == j])
            terms = _initial_terms(model, f, mine)
            fits = np.cumsum(terms[0]) <= remaining[j]
            remaining[j] -= terms[0][fits].sum()
            start = running_cohort_starts(model, f.original, int(fits.sum()))
            add_grants(model, mine[fits], f.index, PROJECT, *(values[fits] for values in terms), start,
                       f.original.project_years)
            left_over.append(mine[~fits])
        rows = np.sort(np.concatenate(left_over))
    fin = model.config.finance
    rows = np.sort(np.concatenate([rows, *unplaced]))
    months = fin.reserve_months_to_keep_staff + rng.uniform(0.0, 12.0, rows.size)
    m.reserves[rows] += m.staff_fte[rows] * (fin.staff_cost_per_fte + fin.office_costs) / 12.0 * months
