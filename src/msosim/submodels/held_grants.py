"""Grants MSOs hold: the initial ones, what running grants pay and cost, the staff they fund, how they end (the staff cliff)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels
from ..state import CAUSE_CODE, INSTITUTIONAL, PROJECT
from .grant_returns import return_unspent
from .grants import add_grants, committed
from .own_staff import own_funded_fte

if TYPE_CHECKING:
    from ..agents.funder import Funder
    from ..model import MSOModel

SUCCESSOR_WINDOW_MONTHS = 3


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
    renew = inst & (model.streams.random(ending.size, model.world_of(mso)) < model.funder_renewal[g.funder[ending]])
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
        rows = self.rows = paying.nonzero()[0]  # gathered by index: cheaper than by mask, column after column
        self.mso, self.kind, self.funder = g.mso[rows], g.kind[rows], g.funder[rows]
        self.amount_per_year, self.staff_fte = g.amount_per_year[rows], g.staff_fte[rows]
        self.material_per_year, self.in_kind_per_year = g.material_per_year[rows], g.in_kind_per_year[rows]
        self.project_cost_per_year = g.project_cost_per_year[rows]
        self.project, self.institutional = self.kind == PROJECT, self.kind == INSTITUTIONAL  # masks
        self.only_projects = not self.institutional.any()
        self.size = model.msos.n
        self._funded_fte: np.ndarray | None = None

    def funded_fte(self) -> np.ndarray:
        """Staff FTE per MSO these grants pay (summed once; staffing and the unspent money both read it)."""
        if self._funded_fte is None:
            self._funded_fte = np.bincount(self.mso, weights=self.staff_fte, minlength=self.size)
        return self._funded_fte


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
        return running.funded_fte()
    g, n = model.grants, model.grants.n
    paying = (running.live & (g.start[:n] <= model.t + ahead)).nonzero()[0]
    return np.bincount(g.mso[paying], weights=g.staff_fte[paying], minlength=model.msos.n)


def adjust_staff(model: MSOModel) -> None:
    """Hire for running grants and a position paid from own income (own_staff.py); staff neither pays now stay only
    while reserves cover them all (those kept for a successor grant for the successor window, the others for
    `reserve_months_to_keep_staff`), else all go."""
    m, n, fin, t = model.msos, model.msos.n, model.config.finance, model.t
    alive = m.alive[:n]
    window = SUCCESSOR_WINDOW_MONTHS * model.config.steps_per_year // 12
    staff = m.staff_fte[:n]
    months = max(fin.reserve_months_to_keep_staff, 1e-9)
    jit = kernels.compiled()
    if jit is not None:
        _adjust_staff_compiled(model, jit, window, months)
        return
    own = own_funded_fte(model)  # a position paid from own income (own_staff.py)
    by_grants = funded_fte(model)
    hire = by_grants + own - staff
    np.maximum(hire, 0.0, out=hire)
    hire *= (hire >= 1e-9) & alive
    excess = staff - funded_fte(model, ahead=window) - own
    np.maximum(excess, 0.0, out=excess)
    excess *= (excess >= 1e-9) & alive
    unfunded = staff - by_grants - own  # the excess, and those bridged to a successor grant
    np.maximum(unfunded, 0.0, out=unfunded)
    unfunded *= (unfunded >= 1e-9) & alive
    fired = (unfunded > 0).nonzero()[0]
    need = excess[fired] * months + (unfunded[fired] - excess[fired]) * SUCCESSOR_WINDOW_MONTHS
    need *= fin.staff_cost_per_fte / 12.0
    fired = fired[m.reserves[fired] < need]  # reserves do not cover them all
    let_go = unfunded[fired]
    hired = (hire > 0).nonzero()[0]
    if fin.vacancy_months > 0 and hired.size:  # open positions are filled after a vacancy
        fill = 1.0 / (1.0 + fin.vacancy_months * model.config.steps_per_year / 12.0)
        filled = model.streams.random(hired.size, model.world_of(hired)) < fill
        hire[hired[~filled]] = 0.0
        hired = hired[filled]
    staff[hired] += hire[hired]
    staff[fired] -= let_go
    np.maximum(staff, 0.0, out=staff)
    cause = np.where(by_grants[hired] > staff[hired] - hire[hired] + 1e-9, CAUSE_CODE["grant_start"],
                     CAUSE_CODE["own_income"])
    model.log.add(t, "staff_hired", hired, cause=cause, staff_fte=hire[hired])
    at_cliff = model.msos.cliff[fired]
    cause = np.where(at_cliff, CAUSE_CODE["grant_end"], CAUSE_CODE["finances"])
    model.log.add(t, "staff_let_go", fired, cause=cause, staff_fte=let_go)
    worlds = model.world_of(n)
    model.add_flow("staff_hired", hire, worlds)
    lost = np.zeros(n)
    lost[fired] = let_go  # summed over every row, as the monthly table always has
    model.add_flow("staff_let_go", lost, worlds)
    model.add_flow("staff_lost_at_cliff", let_go[at_cliff], model.world_of(fired[at_cliff]))


def _adjust_staff_compiled(model: MSOModel, jit, window: int, months: float) -> None:
    """adjust_staff on the kernels (kernels/staff.py): the same operations in two calls around the vacancy draw.
    The FTE grants pay now are summed there and handed to the step's RunningGrants, which the later readers take."""
    m, n, fin, t, g = model.msos, model.msos.n, model.config.finance, model.t, model.grants
    running = running_grants(model)  # gathered here as before: income and costs read it next
    spy, gn = model.config.steps_per_year, g.n
    fte = fin.own_position_cost / fin.staff_cost_per_fte
    factor = model.factors.income
    hire, hired, fired, let_go, by_grants = jit.staff_plan(
        g.active[:gn], g.start[:gn], g.end[:gn], g.mso[:gn], g.staff_fte[:gn], t, t + window, m.staff_fte[:n],
        m.alive[:n], m.reserves[:n], m.members[:n], m.donations_base[:n], fin.own_position_cost > 0,
        fin.fee_per_member, factor, factor != 1.0, fin.base_costs_volunteer,
        fte * (fin.staff_cost_per_fte + fin.office_costs), fte, months, float(SUCCESSOR_WINDOW_MONTHS),
        fin.staff_cost_per_fte / 12.0)
    if running._funded_fte is None:
        running._funded_fte = by_grants  # the same sums in the same order as its bincount
    draw = bool(fin.vacancy_months > 0 and hired.size)
    fill = 1.0 / (1.0 + fin.vacancy_months * spy / 12.0) if draw else 1.0
    u = model.streams.random(hired.size, model.world_of(hired)) if draw else np.empty(0)
    hired, hired_cause, hired_fte, fired_cause, lost, cliff_rows, cliff_fte = jit.staff_apply(
        hire, hired, u, draw, fill, fired, let_go, m.staff_fte[:n], by_grants, m.cliff[:n], CAUSE_CODE["grant_start"],
        CAUSE_CODE["own_income"], CAUSE_CODE["grant_end"], CAUSE_CODE["finances"])
    model.log.add(t, "staff_hired", hired, cause=hired_cause, staff_fte=hired_fte)
    model.log.add(t, "staff_let_go", fired, cause=fired_cause, staff_fte=let_go)
    worlds = model.world_of(n)
    model.add_flow("staff_hired", hire, worlds)
    model.add_flow("staff_let_go", lost, worlds)
    model.add_flow("staff_lost_at_cliff", cliff_fte, model.world_of(cliff_rows))


def grant_payments(model: MSOModel) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-MSO money received this step from running project and institutional grants (None: no institutional
    grant is running); funders' books updated."""
    running, spy, size = running_grants(model), model.config.steps_per_year, model.msos.n
    jit = kernels.compiled()
    if jit is not None:  # the same operations and sums in one pass (kernels/finances.py)
        cover = model.factors.shortfall_cover
        project, institutional = jit.grant_payments(
            running.amount_per_year, running.staff_fte, running.funder, running.mso, running.kind, running.rows,
            model.grants.paid, model.funder_paid, float(spy), cover > 0.0,
            model.config.finance.earned_income_per_fte * (1.0 - model.factors.income), cover / spy, size,
            running.only_projects)
        return project, None if running.only_projects else institutional
    amount = running.amount_per_year / spy
    if model.factors.shortfall_cover > 0.0:  # the pandemic: funders make up the earned income their staff lose
        lost = running.staff_fte * (model.config.finance.earned_income_per_fte * (1.0 - model.factors.income))
        amount = amount + lost * (model.factors.shortfall_cover / spy)
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
    jit = kernels.compiled()
    if jit is not None:  # the same operations and sums in one pass (kernels/finances.py)
        return jit.grant_costs(running.material_per_year, running.staff_fte, running.in_kind_per_year, running.mso,
                               running.kind, size, fin.staff_cost_per_fte, fin.overhead_needed, float(spy),
                               fin.in_kind_hour_value, services.admin_hours_per_grant, running.only_projects)
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
