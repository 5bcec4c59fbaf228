"""Reference implementations of the submodels: one MSO (one grant, one tie, one district) at a time.

These are the submodels of `msosim.submodels` written the slow, obvious way, in plain Python loops
over scalars, so that a test can check that the vectorised code computes the same thing
(tests/test_reference.py). They are never used by the model itself.

Random numbers: a vectorised submodel draws whole arrays (`rng.binomial(volunteers, p_quit)`),
a loop would draw one number at a time, and the two streams differ. So the vectorised call is
recorded with `RecordingGenerator`, and its reference receives the same arrays as `Draws`. Each
served number first checks that the reference computed the same distribution parameters as the
vectorised code.

Which rows get a number is the vectorised code's choice, and it may change as that code is made
faster. `draw.for_row(row, population, ...)` accepts both layouts: a draw over the whole
population (one number per MSO, say, used or not) serves element `row`; any other draw must hold
exactly one number per row the reference asks about, in the order it asks (rows ascending), and
serves them in turn. `draw.at(position, ...)` is for draws whose layout is fixed by the
algorithm itself (one partner per new tie, one score per applicant, one size per project ask).
A rewrite that draws differently (say, by inversion from uniforms instead of `rng.binomial`)
needs its reference updated to take those draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from msosim.population import group_shares
from msosim.state import FIELDS, INSTITUTIONAL, PROJECT
from msosim.submodels import draws as sampling
from msosim.submodels.held_grants import SUCCESSOR_WINDOW_MONTHS

if TYPE_CHECKING:
    from msosim.agents.funder import Funder
    from msosim.model import MSOModel

# How many leading positional arguments of each Generator method are distribution parameters.
DISTRIBUTION_PARAMETERS = {"random": 0, "binomial": 2, "poisson": 1, "lognormal": 2, "normal": 2,
                           "uniform": 2, "beta": 2, "exponential": 1, "integers": 2, "geometric": 1, "choice": 0}
PARAMETER_TOLERANCE = 1e-9


# --- recorded random draws ------------------------------------------------------------------------

@dataclass
class RecordedCall:
    """One call on the generator: method name, arguments (copied) and the numbers it returned."""

    method: str
    args: tuple
    kwargs: dict
    result: Any


class RecordingGenerator:
    """Wraps a numpy Generator: every call passes through and is recorded in `calls`."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.calls: list[RecordedCall] = []

    def __getattr__(self, name: str):
        method = getattr(self.rng, name)

        def record(*args, **kwargs):
            frozen = tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)
            result = method(*args, **kwargs)
            self.calls.append(RecordedCall(name, frozen, dict(kwargs), np.array(result, copy=True)))
            return result

        return record


class Draw:
    """The numbers of one recorded call, served one element at a time."""

    def __init__(self, call: RecordedCall, number: int) -> None:
        self.call, self.number = call, number
        self.result = np.atleast_1d(call.result)
        count = DISTRIBUTION_PARAMETERS[call.method]
        self.parameters = [np.broadcast_to(np.asarray(a), self.result.shape) for a in call.args[:count]]
        self.served_in_turn = 0

    @property
    def size(self) -> int:
        return self.result.size

    def for_row(self, row: int, population: int, *parameters: float):
        """The number for `row`: element `row` of a whole-population draw, else the next element of a per-row-asked draw."""
        if self.size == population:
            return self.at(row, *parameters)
        position, self.served_in_turn = self.served_in_turn, self.served_in_turn + 1
        if position >= self.size:
            raise AssertionError(f"draw {self.number} ({self.call.method}): the reference asks for more numbers than "
                                 f"the {self.size} drawn (the population has {population} rows)")
        return self.at(position, *parameters)

    def check_all_served(self) -> None:
        if self.served_in_turn and self.served_in_turn != self.size:
            raise AssertionError(f"draw {self.number} ({self.call.method}): the vectorised code drew {self.size} "
                                 f"numbers, the reference used {self.served_in_turn}")

    def at(self, i: int, *parameters: float):
        """Element i of the draw, after checking the reference's distribution parameters against the recorded ones."""
        if len(parameters) != len(self.parameters):
            raise AssertionError(f"draw {self.number} ({self.call.method}): reference gave {len(parameters)} "
                                 f"parameters, vectorised code {len(self.parameters)}")
        for k, (mine, recorded) in enumerate(zip(parameters, self.parameters)):
            theirs = float(recorded[i])
            if not math.isclose(float(mine), theirs, rel_tol=PARAMETER_TOLERANCE, abs_tol=PARAMETER_TOLERANCE):
                raise AssertionError(f"draw {self.number} ({self.call.method}) element {i}: parameter {k} is "
                                     f"{mine!r} in the reference, {theirs!r} in the vectorised code")
        return self.result[i].item()


class Draws:
    """The recorded calls of one vectorised submodel call, taken by the reference in the same order."""

    def __init__(self, calls: list[RecordedCall]) -> None:
        self.calls = list(calls)
        self.taken = 0
        self.draws: list[Draw] = []

    def take(self, method: str) -> Draw:
        if self.taken >= len(self.calls):
            raise AssertionError(f"the reference wants draw {self.taken} ({method}); the vectorised code made "
                                 f"only {len(self.calls)}")
        call = self.calls[self.taken]
        if call.method != method:
            raise AssertionError(f"draw {self.taken}: the reference wants {method}, the vectorised code called {call.method}")
        self.taken += 1
        self.draws.append(Draw(call, self.taken - 1))
        return self.draws[-1]

    def next_is(self, method: str) -> bool:
        """Whether the next recorded call (if any) is of `method`."""
        return self.taken < len(self.calls) and self.calls[self.taken].method == method

    def finish(self) -> None:
        """Every recorded draw was used."""
        if self.taken != len(self.calls):
            unused = [c.method for c in self.calls[self.taken:]]
            raise AssertionError(f"the vectorised code made draws the reference never used: {unused}")
        for draw in self.draws:
            draw.check_all_served()


class InvertedDraw:
    """A draw of `submodels.draws.binomial` / `.poisson`: one uniform per row, numpy's sampler for the
    rows above the inversion limit; each row redone with `binomial_row` / `poisson_row`."""

    def __init__(self, draws: Draws, method: str) -> None:
        self.method = method
        self.uniform = draws.take("random")
        self.large = draws.take(method) if draws.next_is(method) else None  # no call when no row was large

    def for_row(self, row: int, population: int, *parameters: float, steps_per_year: int | None = None) -> int:
        """The draw for `row`; a binomial's `p` is yearly when `steps_per_year` is given (as in `draws.binomial`)."""
        u = self.uniform.for_row(row, population)
        if self.method == "binomial":
            n, p = parameters
            if n <= 0 or p <= 0.0:
                return 0
            step_p = p if steps_per_year is None else per_step(p, steps_per_year)
            if sampling.binomial_is_inverted(n, step_p):
                return sampling.binomial_row(u, n, p, steps_per_year)
            parameters = (n, step_p)
        else:
            (lam,) = parameters
            if lam <= 0.0:
                return 0
            if sampling.poisson_is_inverted(lam):
                return sampling.poisson_row(u, lam)
        if self.large is None:
            raise AssertionError(f"the reference finds a row above the inversion limit; the vectorised {self.method} "
                                 "called numpy's sampler for none")
        self.large.served_in_turn, position = self.large.served_in_turn + 1, self.large.served_in_turn
        return self.large.at(position, *parameters)


# --- small helpers --------------------------------------------------------------------------------

def per_step(p_year: float, steps_per_year: int) -> float:
    """Per-step probability from a yearly one (the same conversion as `submodels.rates.per_step`)."""
    return 1.0 - (1.0 - min(max(p_year, 0.0), 1.0)) ** (1.0 / steps_per_year)


def clip(x: float, low: float, high: float) -> float:
    return min(max(x, low), high)


def log_one(model: MSOModel, event: str, mso: int, cause: str = "", **columns) -> None:
    """Append one event for one MSO."""
    model.log.add(model.t, event, np.array([mso]), cause=cause, **columns)


def paying_grants(model: MSOModel) -> list[int]:
    """Grant rows that pay (and cost) in this step."""
    g, t = model.grants, model.t
    return [j for j in range(g.n) if g.active[j] and g.start[j] <= t < g.end[j]]


def add_grant(model: MSOModel, mso: int, funder: int, kind: int, amount: float, cost: float, fte: float,
              material: float, in_kind: float, start: int, years: float) -> None:
    """Record one new grant and the MSO's latest grant start."""
    steps = max(1, int(round(years * model.config.steps_per_year)))
    model.grants.append(1, mso=mso, funder=funder, kind=kind, amount_per_year=amount, project_cost_per_year=cost,
                        staff_fte=fte, material_per_year=material, in_kind_per_year=in_kind, start=start,
                        end=start + steps, active=True, awarded_step=model.t)
    m = model.msos
    m.last_grant_start[mso] = max(m.last_grant_start[mso], start)


# --- volunteers -----------------------------------------------------------------------------------

def update_burnout(model: MSOModel) -> None:
    """Burnout moves towards the level the load per volunteer sets (Job Demands-Resources: demands against resources)."""
    m, v, spy = model.msos, model.config.volunteers, model.config.steps_per_year
    for i in range(m.n):
        if not m.alive[i]:
            continue
        ratio = (m.load_per_volunteer[i] / v.sustainable_hours) ** v.burnout_steepness
        target = ratio / (ratio + (1.0 / v.burnout_at_sustainable_load - 1.0))
        rate = v.burnout_gain if target - m.burnout[i] > 0 else v.burnout_recovery
        m.burnout[i] = clip(m.burnout[i] + (target - m.burnout[i]) * -math.expm1(-rate / spy), 0.0, 1.0)


def density_factor(model: MSOModel, district: int) -> float:
    """Joining multiplier of one district (legitimation and competition with MSO density)."""
    d, v = model.districts, model.config.volunteers

    density = d.alive_msos[district] / max(d.migrants[district] / 1e4, 1e-9)
    log_ratio = math.log(max(density, 1e-9) / model.reference_density)
    return math.exp(-v.density_curvature * log_ratio * log_ratio) / model.density_norm


def volunteers_quit_and_join(model: MSOModel, draws: Draws) -> None:
    """Volunteers quit (more when burned out); members join (more where the MSO is visible and embedded); once a
    year inactive members leave and members grow."""
    m, v, spy = model.msos, model.config.volunteers, model.config.steps_per_year
    quit_draw = InvertedDraw(draws, "binomial")
    join_draw = InvertedDraw(draws, "binomial")
    yearly = model.year_starts  # the member register changes in the year's first step
    if yearly:
        leave_draw = InvertedDraw(draws, "binomial")
        growth_draw = InvertedDraw(draws, "poisson")
    total_quits = total_joins = 0
    shares = group_shares()
    taken: dict[tuple[int, int], float] = {}
    for i in range(m.n):
        if m.alive[i]:
            key = (int(m.district[i]), int(m.group[i]))
            taken[key] = taken.get(key, 0.0) + m.members[i]
    for i in range(m.n):
        if not m.alive[i]:
            continue
        volunteers, members = int(m.volunteers[i]), int(m.members[i])
        quit_year = v.dropout_rate * (1.0 + v.burnout_quit_factor * m.burnout[i])
        quit_year *= 1.0 - v.staff_retention * min(m.staff_fte[i], 1.0)
        quits = quit_draw.for_row(i, m.n, volunteers, quit_year, steps_per_year=spy)
        staying = volunteers - quits
        met = min(m.service_hours[i] / max(m.requested_hours[i], 1e-9), 1.0)
        visibility = 1.0 - v.visibility_weight + v.visibility_weight * met
        embedding = 1.0 + v.embedding_effect * (float(m.coop_municipality[i]) + float(m.federation[i]))
        join_year = v.join_rate * density_factor(model, m.district[i]) * visibility * embedding * model.factors.join
        joins = join_draw.for_row(i, m.n, members - staying, join_year, steps_per_year=spy)
        if staying + joins > 0:
            m.burnout[i] = m.burnout[i] * staying / (staying + joins)
        m.volunteers[i] = staying + joins
        base = v.community_reach * model.districts.migrants[m.district[i]] * shares[m.group[i]]
        room = max(1.0 - taken[(int(m.district[i]), int(m.group[i]))] / max(base, 1e-9), 0.0)
        if yearly:
            members -= leave_draw.for_row(i, m.n, members - (staying + joins), v.member_exit_rate)
            m.members[i] = members + growth_draw.for_row(i, m.n, members * v.member_growth_rate * room)
        total_quits += quits
        total_joins += joins
    model.flow["volunteer_quits"] += total_quits
    model.flow["volunteer_joins"] += total_joins


# --- services -------------------------------------------------------------------------------------

def arise_demand(model: MSOModel) -> None:
    """Demand per district: base per migrant plus extra for newcomers (who decay)."""
    d, s, spy = model.districts, model.config.services, model.config.steps_per_year
    for k in range(d.n):
        d.newcomers[k] = d.newcomers[k] * math.exp(-1.0 / (s.newcomer_decay_years * spy)) + model.factors.arrivals[k]
        d.demand_hours[k] = (d.migrants[k] * s.demand_hours_per_migrant + d.newcomers[k] * s.newcomer_hours) \
            * model.factors.demand / spy


def deliver_services(model: MSOModel) -> None:
    """Each MSO meets its share of district demand plus delegated tasks with staff, freelance and volunteer hours."""
    m, d, cfg = model.msos, model.districts, model.config
    s, hours_factor = cfg.services, model.factors.volunteer_hours
    months = 12.0 / cfg.steps_per_year  # capacities are per month, demand and load per step
    total_reach = [0.0] * d.n
    for i in range(m.n):
        if m.alive[i]:
            total_reach[m.district[i]] += float(m.members[i])
    delivered_per_district = [0.0] * d.n
    for i in range(m.n):
        if not m.alive[i]:
            m.requested_hours[i] = m.service_hours[i] = m.load_per_volunteer[i] = 0.0
            continue
        k = m.district[i]
        need = d.demand_hours[k] * m.members[i] / max(total_reach[k], 1.0)
        own_paid = m.staff_fte[i] * s.staff_service_hours * months + m.freelance_hours[i]
        sustainable = m.volunteers[i] * cfg.volunteers.sustainable_hours * hours_factor * months
        requested = min(need, own_paid + sustainable * s.overcommitment) + m.delegated_load[i]
        paid = own_paid + m.delegated_funded_load[i]  # task helpers work only on the delegated tasks
        staff_admin = m.staff_fte[i] * s.staff_admin_hours * months
        overhead = max(model.admin_hours[i] + m.application_hours[i] - staff_admin, 0.0)
        volunteer_needed = max(requested + overhead - paid, 0.0)
        worked = min(volunteer_needed, m.volunteers[i] * cfg.volunteers.max_hours * hours_factor * months)
        delivered = max(min(requested, paid + worked - overhead), 0.0)
        m.requested_hours[i] = need + m.delegated_load[i]
        m.service_hours[i] = delivered
        m.load_per_volunteer[i] = volunteer_needed / months / (max(m.volunteers[i], 1) * max(hours_factor, 1e-9))
        delivered_per_district[k] += delivered
    d.delivered_hours[: d.n] = delivered_per_district


# --- finances -------------------------------------------------------------------------------------

def collect_income(model: MSOModel) -> None:
    """Fees, donations, running grants and municipal payments come in."""
    m, g, fin, spy = model.msos, model.grants, model.config.finance, model.config.steps_per_year
    project, institutional = [0.0] * m.n, [0.0] * m.n
    for j in paying_grants(model):
        amount = g.amount_per_year[j] / spy
        # the pandemic: the funder makes up the earned income the grant's staff lose (shortfall_cover)
        amount += g.staff_fte[j] * fin.earned_income_per_fte * (1.0 - model.factors.income) * model.factors.shortfall_cover / spy
        model.funder_paid[g.funder[j]] += amount
        g.paid[j] += amount
        if g.kind[j] == PROJECT:
            project[g.mso[j]] += amount
        else:
            institutional[g.mso[j]] += amount
    for i in range(m.n):
        fees = donations = 0.0
        if m.alive[i]:
            fees = m.members[i] * fin.fee_per_member / spy * model.factors.income
            donations = (m.donations_base[i] + m.staff_fte[i] * fin.earned_income_per_fte) / spy * model.factors.income
        income = [fees, donations, project[i], institutional[i], m.municipal_payment[i]]
        m.grant_income_total[i] += project[i] + institutional[i]
        m.municipal_income_total[i] += m.municipal_payment[i]
        for source, value in enumerate(income):
            m.income_year[i, source] += value
            model.flow["income"][source] += value
        m.reserves[i] += sum(income)


def pay_costs(model: MSOModel) -> None:
    """Staff, running costs, office, grant material and needed overhead go out; insolvent months counted."""
    m, g, fin, spy = model.msos, model.grants, model.config.finance, model.config.steps_per_year
    services = model.config.services
    material, overhead, admin, project_material = [0.0] * m.n, [0.0] * m.n, [0.0] * m.n, [0.0] * m.n
    for j in paying_grants(model):
        i = g.mso[j]
        direct = g.staff_fte[j] * fin.staff_cost_per_fte + g.material_per_year[j]
        overhead[i] += fin.overhead_needed * direct / spy
        admin_factor = 1.0 if g.kind[j] == PROJECT else 0.5
        admin[i] += (admin_factor * services.admin_hours_per_grant * 12 + g.in_kind_per_year[j] / fin.in_kind_hour_value) / spy
        material[i] += g.material_per_year[j] / spy
        if g.kind[j] == PROJECT:
            project_material[i] += g.material_per_year[j] / spy
    book_unspent(model)  # set aside before the insolvency clock looks at the reserves
    for i in range(m.n):
        if m.alive[i]:
            staff = m.staff_fte[i] * (fin.staff_cost_per_fte * model.factors.staff_cost) / spy
            running = (fin.base_costs_volunteer + m.staff_fte[i] * fin.office_costs) / spy
            task_helpers = m.delegated_funded_load[i] * fin.honorarium_per_hour  # paid help for funded tasks
            m.reserves[i] -= staff + running + material[i] + overhead[i] + task_helpers
        m.freelance_hours[i] = project_material[i] * fin.material_hours_share / fin.honorarium_per_hour
        m.insolvent_months[i] = m.insolvent_months[i] + 1 if m.alive[i] and m.reserves[i] < 0 else 0
    model.admin_hours = np.array(admin)


def book_unspent(model: MSOModel) -> None:
    """Money of each paying grant not used this step: vacant positions (ANBest-P Nr. 2.1), set aside for the funder."""
    m, g, fin, spy = model.msos, model.grants, model.config.finance, model.config.steps_per_year
    paying = paying_grants(model)
    funded = [0.0] * m.n
    for j in paying:
        funded[g.mso[j]] += g.staff_fte[j]
    for j in paying:
        i = g.mso[j]
        staffed = min(m.staff_fte[i] / max(funded[i], 1e-12), 1.0)
        office = fin.office_costs if g.kind[j] == INSTITUTIONAL else 0.0
        overhead = fin.overhead_needed if g.kind[j] == INSTITUTIONAL else fin.overhead_allowed
        missing = (1.0 - staffed) * (fin.staff_cost_per_fte + office) * g.staff_fte[j] * (1.0 + overhead)
        unspent = missing * g.amount_per_year[j] / max(g.project_cost_per_year[j], 1e-12) / spy
        unspent = min(unspent, g.amount_per_year[j] / spy)
        g.unspent[j] += unspent
        m.reserves[i] -= unspent  # set aside for the funder


def return_unspent(model: MSOModel, j: int) -> None:
    """An ending grant's unspent money goes back to its funder (ANBest-P Nr. 8)."""
    m, g = model.msos, model.grants
    if g.unspent[j] > 0:
        g.returned[j] = g.unspent[j]
        m.grant_returned_total[g.mso[j]] += g.unspent[j]
        model.funder_returned[g.funder[j]] += g.unspent[j]
        model.flow["grant_money_returned"] += g.unspent[j]


def spend_reserves(model: MSOModel) -> None:
    """Money above the operating and free reserves (§ 62 AO) is spent on the purposes within about two years (§ 55 AO)."""
    m, fin, spy = model.msos, model.config.finance, model.config.steps_per_year
    for i in range(m.n):
        if not m.alive[i]:
            continue
        yearly_costs = m.staff_fte[i] * (fin.staff_cost_per_fte + fin.office_costs) + fin.base_costs_volunteer
        allowed = yearly_costs * (fin.operating_reserve_months / 12.0) + fin.free_reserve_share * m.income_last_year[i].sum()
        spent = max(m.reserves[i] - allowed, 0.0) * per_step(fin.spending_rate, spy)
        m.reserves[i] -= spent
        model.flow["reserves_spent"] += spent


# --- grants ---------------------------------------------------------------------------------------

def end_grants(model: MSOModel, draws: Draws) -> None:
    """Grants reaching their end stop; institutional ones may be renewed; endings without successor mark a cliff."""
    m, g, t, cfg = model.msos, model.grants, model.t, model.config
    m.cliff[:] = False
    ending = [j for j in range(g.n) if g.active[j] and g.end[j] == t]
    if not ending:
        return
    renewal_draw = draws.take("random")
    renewed = []
    for position, j in enumerate(ending):
        g.active[j] = False
        return_unspent(model, j)
        i = g.mso[j]
        fit = m.alive[i] and m.volunteers[i] >= cfg.min_active_volunteers
        renewed.append(bool(g.kind[j] == INSTITUTIONAL and fit
                            and renewal_draw.for_row(position, len(ending)) < model.funder_renewal[g.funder[j]]))
    for position, j in enumerate(ending):
        if renewed[position]:
            funder = model.funders[g.funder[j]]
            pools = dict(funder.pools())
            kind = INSTITUTIONAL if len(pools) > 1 else None
            if owed(model, funder, kind, t) + g.amount_per_year[j] > funder.budget * pools.get(INSTITUTIONAL, 1.0) * model.factors.budget:
                renewed[position] = False  # a renewal must still fit the budget
                continue
            years = funder.config.institutional_years
            add_grant(model, g.mso[j], int(g.funder[j]), INSTITUTIONAL, g.amount_per_year[j], g.project_cost_per_year[j],
                      g.staff_fte[j], g.material_per_year[j], g.in_kind_per_year[j], t, years)
    window = SUCCESSOR_WINDOW_MONTHS * cfg.steps_per_year / 12
    for j, renew in zip(ending, renewed):
        i = g.mso[j]
        successor = renew or 0 <= m.last_grant_start[i] - t <= window
        if renew:
            log_one(model, "grant_renewed", i, funder=g.funder[j], amount=g.amount_per_year[j], staff_fte=g.staff_fte[j])
        else:
            cause = "with_successor" if successor else "without_successor"
            log_one(model, "grant_ended", i, cause, funder=g.funder[j], amount=g.amount_per_year[j], staff_fte=g.staff_fte[j])
        if not successor:
            m.cliff[i] = True


def adjust_staff(model: MSOModel, draws: Draws) -> None:
    """Hire what running grants pay for; staff a grant starting within the successor window will pay stay;
    other unpaid staff stay only if reserves cover all of them for the months required, else all go."""
    m, g, fin, t = model.msos, model.grants, model.config.finance, model.t
    window = SUCCESSOR_WINDOW_MONTHS * model.config.steps_per_year // 12
    funded_now, funded_soon = [0.0] * m.n, [0.0] * m.n
    for j in range(g.n):
        if g.active[j] and g.end[j] > t:
            if g.start[j] <= t:
                funded_now[g.mso[j]] += g.staff_fte[j]
            if g.start[j] <= t + window:
                funded_soon[g.mso[j]] += g.staff_fte[j]
    by_grants = list(funded_now)
    for i in range(m.n):  # a position paid from own income where free own income covers it and its office share
        fte = fin.own_position_cost / fin.staff_cost_per_fte
        free = (m.members[i] * fin.fee_per_member + m.donations_base[i]) * model.factors.income - fin.base_costs_volunteer
        if fin.own_position_cost > 0 and m.alive[i] and free >= fte * (fin.staff_cost_per_fte + fin.office_costs):
            funded_now[i] += fte
            funded_soon[i] += fte
    # open positions are filled after a vacancy: each MSO hiring fills them this step with probability `fill`
    hiring = [i for i in range(m.n) if m.alive[i] and max(funded_now[i] - m.staff_fte[i], 0.0) >= 1e-9]
    fill = 1.0 / (1.0 + fin.vacancy_months * model.config.steps_per_year / 12.0)
    fill_draw = draws.take("random") if fin.vacancy_months > 0 and hiring else None
    filled = {i: fill_draw is None or fill_draw.for_row(k, len(hiring)) < fill for k, i in enumerate(hiring)}
    for i in range(m.n):
        if not m.alive[i]:
            continue
        hire = max(funded_now[i] - m.staff_fte[i], 0.0)
        if hire >= 1e-9 and not filled[i]:
            continue
        excess = max(m.staff_fte[i] - funded_soon[i], 0.0)
        excess = excess if excess >= 1e-9 else 0.0
        unfunded = max(m.staff_fte[i] - funded_now[i], 0.0)  # the excess and those bridged to a successor
        months = max(fin.reserve_months_to_keep_staff, 1e-9)
        need = (excess * months + (unfunded - excess) * SUCCESSOR_WINDOW_MONTHS) * (fin.staff_cost_per_fte / 12.0)
        if hire >= 1e-9:
            m.staff_fte[i] += hire
            log_one(model, "staff_hired", i, "grant_start" if by_grants[i] > m.staff_fte[i] - hire + 1e-9
                    else "own_income", staff_fte=hire)
            model.flow["staff_hired"] += hire
        elif unfunded >= 1e-9 and m.reserves[i] < need:
            m.staff_fte[i] = max(m.staff_fte[i] - unfunded, 0.0)
            log_one(model, "staff_let_go", i, "grant_end" if m.cliff[i] else "finances", staff_fte=unfunded)
            model.flow["staff_let_go"] += unfunded
            if m.cliff[i]:
                model.flow["staff_lost_at_cliff"] += unfunded


def decay_rejections(model: MSOModel) -> None:
    """Memory of rejections halves each year; the track record fades with a mean memory of track_memory_years."""
    m = model.msos
    keep = math.exp(-1.0 / (model.config.applications.track_memory_years * model.config.steps_per_year))
    for i in range(m.n):
        m.rejections[i] *= 1.0 - per_step(0.5, model.config.steps_per_year)
        if m.alive[i]:
            m.track_record[i] *= keep


def eligible(model: MSOModel, funder: Funder, i: int, start: int) -> bool:
    """May MSO i apply to this funder's call (no grant from this funder still running when the new one starts)?"""
    m, g, rule = model.msos, model.grants, funder.config.eligibility
    if not m.alive[i] or (funder.land >= 0 and m.land[i] != funder.land):
        return False
    staffed = m.staff_fte[i] > 0
    if (rule == "requires_staff" and not staffed) or (rule == "volunteer_only" and staffed):
        return False
    if rule == "federation_member" and not m.federation[i]:
        return False
    if m.independent[i]:
        return False
    if funder.config.fields and not any(m.fields[i, FIELDS.index(name)] for name in funder.config.fields):
        return False
    return not any(g.active[j] and g.funder[j] == funder.index and g.mso[j] == i and g.end[j] > start
                   for j in range(g.n))


def ask(model: MSOModel, funder: Funder, i: int, kind: int, size_draw: Draw | None = None, position: int = -1) -> dict:
    """What MSO i asks for: amount, project cost, staff FTE, material and in-kind per year."""
    m, fin, cfg = model.msos, model.config.finance, funder.config
    if kind == INSTITUTIONAL:
        direct, staff_share, overhead = max(m.staff_fte[i], 0.5) * (fin.staff_cost_per_fte + fin.office_costs), 0.0, fin.overhead_needed
    elif cfg.staff_share <= 0:
        direct, staff_share, overhead = cfg.max_award, cfg.staff_share, fin.overhead_allowed
    else:
        fte = clip(size_draw.at(position, math.log(0.45), 0.5), 0.1, 3.0)
        direct, staff_share, overhead = fte * fin.staff_cost_per_fte / cfg.staff_share, cfg.staff_share, fin.overhead_allowed
    in_kind = cfg.cofunding_share * fin.cofunding_in_kind
    amount = clip(direct * (1.0 + overhead) / (1.0 - in_kind) * (1.0 - cfg.cofunding_share), cfg.min_award, cfg.max_award)
    project = amount / max(1.0 - cfg.cofunding_share, 1e-9)
    direct = project * (1.0 - in_kind) / (1.0 + overhead)
    if kind == INSTITUTIONAL:
        fte = direct / (fin.staff_cost_per_fte + fin.office_costs)
        material = 0.0  # the office is booked in pay_costs
    else:
        material = direct * (1.0 - staff_share)
        fte = (direct - material) / fin.staff_cost_per_fte
    return {"amount": amount, "cost": project, "fte": fte, "material": material, "in_kind": project * in_kind}


def size_draw_for(draws: Draws, funder: Funder, kind: int) -> Draw | None:
    """Project asks of a funder with a staff share draw one project size per eligible MSO."""
    return draws.take("lognormal") if kind == PROJECT and funder.config.staff_share > 0 else None


def score(model: MSOModel, funder: Funder, i: int, score_draw: Draw, position: int) -> float:
    """The funder's score of MSO i's application: merit, need, or a lottery ticket."""
    m, a, rule = model.msos, model.config.applications, funder.config.selection
    if rule == "lottery":
        return score_draw.at(position)
    noise = score_draw.at(position, 0.0, a.score_noise)
    if rule == "need":
        d, k = model.districts, m.district[i]
        pressure = d.demand_hours[k] / max(d.delivered_hours[k], 1.0)
        return min(pressure, 5.0) + 1.0 / (1.0 + m.track_record[i]) + noise
    support = model.config.overlay.application_support if m.staff_fte[i] <= 0 else 0.0
    shown = m.professionalisation[i] + support * (1.0 - m.professionalisation[i])  # supported application
    return (a.staff_weight * (m.staff_fte[i] > 0) + a.track_weight * math.log1p(m.track_record[i])
            + a.federation_weight * m.federation[i] + a.professionalisation_weight * shown + noise)


def owed(model: MSOModel, funder: Funder, kind: int | None, at_step: int) -> float:
    """Money per year the funder already owes at a step (one kind of grant, or all)."""
    g, total = model.grants, 0.0
    for j in range(g.n):
        open_ended = g.kind[j] == INSTITUTIONAL  # institutional grants are owed until they stop
        if (g.active[j] and g.funder[j] == funder.index and (g.end[j] > at_step or open_ended)
                and (kind is None or g.kind[j] == kind)):
            total += g.amount_per_year[j]
    return total


def own_share(model: MSOModel, fte: float, material: float, amount: float) -> float:
    """What holding a grant costs MSO i itself per year (staff, office, material, needed overhead, less grant and earned income)."""
    fin = model.config.finance
    direct = fte * fin.staff_cost_per_fte + material
    return direct * (1.0 + fin.overhead_needed) + fte * (fin.office_costs - fin.earned_income_per_fte) - amount


def financing_secured(model: MSOModel, funder: Funder, i: int, request: dict, start: int) -> bool:
    """Can MSO i carry the own shares of its running grants and the new one until the last ends (VV zu § 44 BHO Nr. 1.2)?"""
    m, g, fin = model.msos, model.grants, model.config.finance
    carried, horizon = 0.0, funder.config.project_years
    for j in range(g.n):
        if g.active[j] and g.end[j] > start and g.mso[j] == i:
            carried += own_share(model, g.staff_fte[j], g.material_per_year[j], g.amount_per_year[j])
            horizon = max(horizon, (g.end[j] - start) / model.config.steps_per_year)
    carried += own_share(model, request["fte"], request["material"], request["amount"])
    fte = fin.own_position_cost / fin.staff_cost_per_fte  # less a position it pays from its own income
    free = (m.members[i] * fin.fee_per_member + m.donations_base[i]) * model.factors.income - fin.base_costs_volunteer
    own = fte if fin.own_position_cost > 0 and m.alive[i] and free >= fte * (fin.staff_cost_per_fte + fin.office_costs) else 0.0
    free_income = max(m.members[i] * fin.fee_per_member + m.donations_base[i] - fin.base_costs_volunteer
                      - own * (fin.staff_cost_per_fte + fin.office_costs), 0.0)
    return m.reserves[i] + fin.financing_horizon * horizon * (free_income - carried) >= 0.0


def can_cofund(model: MSOModel, funder: Funder, i: int, request: dict, start: int) -> bool:
    """Can MSO i pay the cash part of its co-funding from its reserves, and is its total financing secured?"""
    cash = model.msos.reserves[i] >= funder.config.cofunding_share * request["cost"] - request["in_kind"]
    return cash and financing_secured(model, funder, i, request, start)


def apply_probability(model: MSOModel, i: int, hours: float, calls: int = 1) -> float:
    """The probability MSO i applies to one of a funder's `calls` a year: it falls with the hours an application
    costs against its slack."""
    m, cfg = model.msos, model.config
    monthly_slack = m.staff_fte[i] * cfg.services.staff_admin_hours + m.volunteers[i] * max(
        cfg.volunteers.sustainable_hours - m.load_per_volunteer[i], 1.0)
    slack = monthly_slack * cfg.applications.preparation_months
    a, t = cfg.applications, model.ties
    ties = sum(1 for j in range(t.n) if t.active[j] and (t.a[j] == i or t.b[j] == i))
    gap = a.information_gap * (1.0 - cfg.overlay.application_support) * (
        1.0 - a.federation_information if m.federation[i] else 1.0) * (1.0 - a.tie_information) ** ties
    informed = 1.0 if m.staff_fte[i] > 0 or m.information[i] >= gap else 0.0  # a lasting trait (issue 15)
    discouraged = (1.0 - cfg.applications.discouragement) ** m.rejections[i]
    affordable = slack / (slack + hours) if slack + hours > 0 else 1.0
    return per_call(cfg.applications.apply_rate * affordable * informed, calls) * discouraged


def per_call(probability: float, calls: int) -> float:
    """The year's chance to apply spread over a funder's `calls` a year (issue 15: calls_per_year)."""
    return probability if calls == 1 else 1.0 - (1.0 - probability) ** (1.0 / calls)


def call_can_award(model: MSOModel, funder: Funder, start: int) -> bool:
    """Can the funder's call award its smallest grant from one of its pools?"""
    pools = funder.pools()
    smallest = min(funder.config.min_award, funder.config.max_award)
    for kind, share in pools:
        room = funder.budget * share * model.factors.budget
        budget = min(room - owed(model, funder, kind if len(pools) > 1 else None, start), room / len(funder.calls))
        if budget >= smallest:
            return True
    return False


def run_call(model: MSOModel, funders: list[Funder], draws: Draws) -> None:
    """A programme's call (one funder, or its funders in the Länder calling this step): eligible MSOs that can
    co-fund their ask may apply; each funder ranks its applications and awards down its ranking while the
    pool's budget lasts (institutional pools ask for core costs instead). Project sizes, the decisions to
    apply and the scores are drawn for all the call's MSOs at once, in row order."""
    m, cfg, t = model.msos, model.config, model.t
    first = funders[0]
    start = t + first.config.start_lag_months * cfg.steps_per_year // 12
    funders = [f for f in funders if call_can_award(model, f, start)]  # a call opens only with money to award
    if not funders:
        return
    funder_of = {}
    for i in range(m.n):
        for f in funders:
            if eligible(model, f, i, start):
                funder_of[i] = f
    rows = sorted(funder_of)
    apply_draw = draws.take("random")
    keen, hours = [], {}
    for position, i in enumerate(rows):
        volunteer_factor = cfg.applications.volunteer_hours_factor * (1.0 - cfg.overlay.application_support)
        hours[i] = first.config.application_hours * (volunteer_factor if m.staff_fte[i] <= 0 else 1.0) * (
            1.0 - 0.5 * m.professionalisation[i])
        if apply_draw.for_row(position, len(rows)) < apply_probability(model, i, hours[i], len(first.calls)):
            keen.append(i)
    # those who would apply work out their project; they apply if they can pay the co-funding in cash
    size_draw = size_draw_for(draws, first, PROJECT)
    project_request = {i: ask(model, first, i, PROJECT, size_draw, p) for p, i in enumerate(keen)}
    applicants = [i for i in keen if can_cofund(model, first, i, project_request[i], start)]
    if not applicants:
        return
    score_draw = draws.take("random" if first.config.selection == "lottery" else "normal")
    scores = {i: score(model, first, i, score_draw, p) for p, i in enumerate(applicants)}
    rankings = {f.index: sorted((i for i in applicants if funder_of[i] is f), key=lambda i: -scores[i]) for f in funders}
    rank = {i: r + 1 for ranking in rankings.values() for r, i in enumerate(ranking)}
    for i in applicants:
        m.application_hours[i] += hours[i]
        log_one(model, "grant_applied", i, funder=funder_of[i].index, hours=hours[i], score=scores[i], rank=rank[i])
    model.flow["applications"] += len(applicants)
    awarded: set[int] = set()
    pools = first.pools()
    for kind, share in pools:
        for funder in funders:
            room = funder.budget * share * model.factors.budget
            budget = min(room - owed(model, funder, kind if len(pools) > 1 else None, start),
                         room / len(funder.calls))  # a call's share of the year's budget
            spent = 0.0
            for i in [i for i in rankings[funder.index] if i not in awarded]:
                request = project_request[i] if kind == PROJECT else ask(model, funder, i, kind)
                spent += request["amount"]
                if spent > budget:
                    continue
                awarded.add(i)
                years = funder.config.institutional_years if kind == INSTITUTIONAL else funder.config.project_years
                add_grant(model, i, funder.index, kind, request["amount"], request["cost"], request["fte"],
                          request["material"], request["in_kind"], start, years)
                log_one(model, "grant_awarded", i, funder=funder.index, amount=request["amount"], score=scores[i],
                        rank=rank[i], staff_fte=request["fte"])
    for i in applicants:
        if i in awarded:
            m.track_record[i] += 1
            m.professionalisation[i] += first.config.professionalisation_gain * (1.0 - m.professionalisation[i])
        else:
            m.rejections[i] += 1.0
            log_one(model, "grant_rejected", i, funder=funder_of[i].index, score=scores[i], rank=rank[i])
    model.flow["awards"] += len(awarded)


# --- cooperation ----------------------------------------------------------------------------------

def delegate_tasks(model: MSOModel, draws: Draws) -> None:
    """Municipalities delegate tasks to cooperating MSOs; money comes with them while the budget lasts (fewer under cuts)."""
    m, d, mc, spy = model.msos, model.districts, model.config.municipality, model.config.steps_per_year
    task_steps = max(mc.task_months * spy / 12.0, 1.0)
    task_draw = InvertedDraw(draws, "poisson")
    funded_draw = draws.take("binomial")
    tasks, funded = [0] * m.n, [0] * m.n
    asked = [0.0] * d.n
    for i in range(m.n):
        m.municipal_payment[i] = 0.0
        m.delegated_load[i] *= 1.0 - 1.0 / task_steps
        m.delegated_funded_load[i] *= 1.0 - 1.0 / task_steps
        if m.alive[i] and m.coop_municipality[i]:
            k = m.district[i]
            pressure = d.demand_hours[k] / max(model.base_demand[k], 1e-9)
            tasks[i] = task_draw.for_row(i, m.n, mc.delegation_rate / spy * pressure * model.factors.delegation)
    for i in range(m.n):
        if tasks[i] > 0:
            funded[i] = funded_draw.for_row(i, m.n, tasks[i], model.delegation_funded_share * model.factors.budget)
            asked[m.district[i]] += funded[i] * mc.task_hours * mc.task_payment_per_hour
    ratio = [min(1.0, d.budget_left[k] / max(asked[k], 1e-9)) if asked[k] > 0 else 1.0 for k in range(d.n)]
    paid_in = [0.0] * d.n
    for i in range(m.n):
        if tasks[i] == 0:
            continue
        k = m.district[i]
        hours = tasks[i] * mc.task_hours * (1.0 + mc.admin_burden)
        paid = funded[i] * mc.task_hours * mc.task_payment_per_hour * ratio[k]
        if paid < 0.01:  # less than a cent is no payment
            paid = 0.0
        funded_hours = funded[i] * mc.task_hours * (1.0 + mc.admin_burden) * ratio[k] if paid > 0 else 0.0
        paid_in[k] += paid
        m.municipal_payment[i] = paid
        m.delegated_load[i] += hours / task_steps
        m.delegated_funded_load[i] += funded_hours / task_steps  # done by paid helpers
        memory = 1.0 - 0.75 ** (12.0 / spy)  # a quarter of the gap closes per month
        m.unfunded_ratio[i] += memory * ((1.0 - funded_hours / hours) - m.unfunded_ratio[i])
        log_one(model, "task_delegated", i, "funded" if paid > 0 else "unfunded", hours=hours, amount=paid)
        model.flow["tasks_delegated"] += tasks[i]
        model.flow["tasks_unfunded_hours"] += hours - funded_hours
        model.flow["tasks_hours"] += hours
    for k in range(d.n):  # each municipality books what it paid out this step
        d.budget_left[k] -= paid_in[k]
        d.paid_total[k] += paid_in[k]


def cooperate_with_municipality(model: MSOModel, draws: Draws) -> None:
    """Cooperation starts with openness, trust, experience and dialogue; distrust and unfunded tasks end it."""
    m, d, mc = model.msos, model.districts, model.config.municipality
    co, spy = model.config.cooperation, model.config.steps_per_year
    draw = draws.take("random")
    for i in range(m.n):
        if not m.alive[i]:
            continue
        k, u = m.district[i], draw.for_row(i, m.n)
        if not m.coop_municipality[i]:
            start_year = (mc.cooperation_rate * d.openness[k] * (0.5 + m.trust[i]) * (1.0 + min(d.experience[k], 2.0))
                          * (1.0 - mc.power_asymmetry * (m.staff_fte[i] <= 0)) * (1.0 - mc.admin_burden)
                          * (1.0 + co.dialogue_trust_gain if d.dialogue[k] else 1.0))
            if u < per_step(min(start_year, 0.95), spy):
                m.coop_municipality[i] = True
                log_one(model, "municipal_cooperation_started", i, "dialogue" if d.dialogue[k] else "drift")
        else:
            end_year = mc.cooperation_end_rate * (1.0 - m.trust[i]) * (1.0 + m.unfunded_ratio[i])
            if u < per_step(min(end_year, 0.95), spy):
                m.coop_municipality[i] = False
                log_one(model, "municipal_cooperation_ended", i, "drift")


def update_trust(model: MSOModel) -> None:
    """Trust moves towards a signal of openness, dialogue, cooperation and unfunded delegation."""
    m, d, mc = model.msos, model.districts, model.config.municipality
    co, spy = model.config.cooperation, model.config.steps_per_year
    rate = min(mc.trust_rate / spy, 1.0)
    for i in range(m.n):
        if not m.alive[i]:
            continue
        k, coop = m.district[i], float(m.coop_municipality[i])
        signal = (d.openness[k] + co.dialogue_trust_gain * d.dialogue[k] + 0.2 * coop
                  - mc.unfunded_trust_penalty * m.unfunded_ratio[i] * coop)
        m.trust[i] += rate * (clip(signal, 0.0, 1.0) - m.trust[i])


def break_tie(model: MSOModel, j: int, cause: str) -> None:
    ties = model.ties
    ties.active[j] = False
    log_one(model, "tie_broken", ties.a[j], cause, partner=ties.b[j])


def form_and_break_ties(model: MSOModel, initial: bool = False, *, draws: Draws) -> None:
    """Each living MSO starts a Poisson number of ties, each with a random living MSO of its district; ties break
    at a rate. With `initial`, the number is the stationary one (formation rate / break rate) and none break.

    The Poisson numbers are drawn per rate class (without, then with dialogue): a Poisson total over the
    class, each tie given to one of the class's MSOs at random. A tie's breaking step is drawn when it forms:
    the first success of a per-step test starting in the step it forms (the next step for initial ties)."""
    m, d, co, spy, ties = model.msos, model.districts, model.config.cooperation, model.config.steps_per_year, model.ties
    living = [i for i in range(m.n) if m.alive[i]]
    by_district: list[list[int]] = [[] for _ in range(d.n)]
    for i in living:
        by_district[m.district[i]].append(i)
    per_mso = co.tie_rate / max(co.tie_break_rate, 1e-9) if initial else co.tie_rate / spy
    initiators = []
    for dialogue, rate in ((False, per_mso), (True, per_mso * co.dialogue_tie_factor)):
        members = [i for i in living if bool(d.dialogue[m.district[i]]) == dialogue]
        count = draws.take("poisson").at(0, rate * len(members))
        pick = draws.take("integers")
        initiators += [members[pick.at(k, 0, max(len(members), 1))] for k in range(count)]
    initiators.sort()
    partner_draw = draws.take("random")
    formed = []
    for position, i in enumerate(initiators):
        neighbours = by_district[m.district[i]]
        partner = neighbours[int(partner_draw.at(position) * len(neighbours))]
        if partner != i:
            formed.append((i, partner))
    p_break = per_step(co.tie_break_rate, spy)
    life_draw = draws.take("geometric") if formed and p_break > 0 else None
    first_check = model.t + 1 if initial else model.t
    for position, (i, partner) in enumerate(formed):
        breaks = first_check - 1 + life_draw.at(position, p_break) if life_draw else np.iinfo(np.int32).max
        ties.append(1, a=i, b=partner, active=True, formed_step=model.t, breaks_step=min(breaks, np.iinfo(np.int32).max))
        log_one(model, "tie_formed", i, "initial" if initial else "", partner=partner)
    if initial:
        return
    for j in range(ties.n):
        if ties.active[j] and ties.breaks_step[j] == model.t:
            break_tie(model, j, "drift")


def join_and_leave_federations(model: MSOModel, draws: Draws) -> None:
    """Non-members join (staffed ones twice as readily); members leave at a small rate."""
    m, co, spy = model.msos, model.config.cooperation, model.config.steps_per_year
    draw = draws.take("random")
    for i in range(m.n):
        if not m.alive[i]:
            continue
        u = draw.for_row(i, m.n)
        if not m.federation[i] and u < per_step(co.federation_join_rate * (2.0 if m.staff_fte[i] > 0 else 1.0), spy):
            m.federation[i] = True
            log_one(model, "federation_joined", i)
        elif m.federation[i] and u < per_step(co.federation_leave_rate, spy):
            m.federation[i] = False
            log_one(model, "federation_left", i, "drift")


def update_municipalities(model: MSOModel) -> None:
    """Openness follows service coverage and experience; experience fades and grows with arrivals."""
    d, mc, spy = model.districts, model.config.municipality, model.config.steps_per_year
    for k in range(d.n):
        coverage = d.delivered_hours[k] / max(d.demand_hours[k], 1e-9)
        target = clip(d.openness_base[k] + 0.3 * (min(coverage, 1.5) - 0.5) + 0.2 * min(d.experience[k], 1.0), 0.0, 1.0)
        d.openness[k] += min(mc.openness_rate / spy, 1.0) * (target - d.openness[k])
        d.experience[k] *= 1.0 - per_step(0.05, spy)
        d.experience[k] += mc.experience_gain * model.factors.arrivals[k] / max(d.population[k], 1.0) * 100.0


def polarise(model: MSOModel, event, draws: Draws) -> None:
    """Ties across a conflict line break; MSOs of conflicting groups leave federations, lose trust, burn out."""
    m, ties = model.msos, model.ties
    live = [j for j in range(ties.n) if ties.active[j]]
    tie_draw = draws.take("random")
    for position, j in enumerate(live):
        across = model.conflicts[m.group[ties.a[j]], m.group[ties.b[j]]]
        if across and tie_draw.for_row(position, len(live)) < event.tie_break_probability:
            break_tie(model, j, "polarisation")
    leave_draw = draws.take("random")
    for i in range(m.n):
        if not (m.alive[i] and model.conflicts[m.group[i]].any()):
            continue
        if m.federation[i] and leave_draw.for_row(i, m.n) < event.federation_leave_probability:
            m.federation[i] = False
            log_one(model, "federation_left", i, "polarisation")
        m.trust[i] = max(m.trust[i] - event.trust_shock, 0.0)
        m.burnout[i] = min(m.burnout[i] + event.trust_shock, 1.0)


# --- demography -----------------------------------------------------------------------------------

def dissolve(model: MSOModel, draws: Draws) -> None:
    """MSOs dissolve below the volunteer core for the grace period, after sustained insolvency, or by other causes."""
    m, cfg = model.msos, model.config
    grace_steps = max(1, round(cfg.volunteer_grace_months * cfg.steps_per_year / 12))
    insolvency_steps = max(1, round(cfg.finance.insolvency_months * cfg.steps_per_year / 12))
    dying: dict[str, list[int]] = {"volunteers": [], "insolvency": [], "background": [], "burnout": [], "merger": []}
    remaining = []
    for i in range(m.n):
        below = m.alive[i] and m.volunteers[i] < cfg.min_active_volunteers
        m.below_core_months[i] = m.below_core_months[i] + 1 if below else 0
        if not m.alive[i]:
            continue
        if m.below_core_months[i] >= grace_steps:
            dying["volunteers"].append(i)
        elif m.insolvent_months[i] >= insolvency_steps:
            dying["insolvency"].append(i)
        else:
            remaining.append(i)
    # exhaustion: yearly probability burnout_dissolution_rate * burnout^2 (issue 15)
    if remaining:
        draw = draws.take("random")
        p_of = [per_step(cfg.burnout_dissolution_rate * m.burnout[i] ** 2, cfg.steps_per_year) for i in remaining]
        dying["burnout"] = [i for k, i in enumerate(remaining) if draw.for_row(k, len(remaining)) < p_of[k]]
        remaining = [i for i in remaining if i not in dying["burnout"]]
    partners = merger_partners(model, remaining, draws)
    dying["merger"] = [i for i, _ in partners]
    remaining = [i for i in remaining if i not in dying["merger"]]
    for i, partner in partners:
        m.members[partner] += m.members[i]
        m.volunteers[partner] += m.volunteers[i]
        m.reserves[partner] += m.reserves[i]
        m.members[i] = m.volunteers[i] = 0
        m.reserves[i] = 0.0
    merged_into = dict(partners)
    # other causes: a binomial number of the remaining MSOs, chosen at random; those with secured means at a lower rate
    protected = [i for i in remaining if has_secured_means(model, i)]
    exposed = [i for i in remaining if not has_secured_means(model, i)]
    background = []
    for group, factor in ((exposed, 1.0), (protected, cfg.secured_dissolution_factor)):
        p = per_step(cfg.background_dissolution_rate * factor, cfg.steps_per_year)
        count = draws.take("binomial").at(0, len(group), p)
        chosen = draws.take("choice")
        background += [group[chosen.at(k)] for k in range(count)]
    dying["background"] = sorted(background)
    for code, (cause, rows) in enumerate(dying.items(), start=1):
        for i in rows:
            dissolve_one(model, i, cause, code, merged_into.get(i, -1))
        model.flow[f"dissolved_{cause}"] += len(rows)


def merger_partners(model: MSOModel, free: list[int], draws: Draws) -> list[tuple[int, int]]:
    """Small free MSOs drawn this step that merge into a tied, larger free MSO of the same district and group."""
    m, ties, cfg = model.msos, model.ties, model.config
    free_set = set(free)
    if (model.t - 1) % cfg.steps_per_year:  # decided once a year, in its first step
        return []
    small = [i for i in free if m.volunteers[i] < 2 * cfg.min_active_volunteers]
    draw = draws.take("random")
    drawn = [i for k, i in enumerate(small) if draw.for_row(k, len(small)) < cfg.merger_rate]

    def larger(y: int, x: int) -> bool:
        return m.members[y] > m.members[x] or (m.members[y] == m.members[x] and y < x)

    chosen = []
    for i in drawn:
        for j in range(ties.n):
            if not ties.active[j] or i not in (ties.a[j], ties.b[j]):
                continue
            y = int(ties.b[j] if ties.a[j] == i else ties.a[j])
            if y in free_set and m.district[y] == m.district[i] and m.group[y] == m.group[i] and larger(y, i):
                chosen.append((i, y))
                break
    absorbed = {i for i, _ in chosen}
    return [(i, y) for i, y in chosen if y not in absorbed]


def has_secured_means(model: MSOModel, i: int) -> bool:
    """A grant paying now or awarded, or reserves covering the operating reserve (§ 62 AO)."""
    m, g, fin = model.msos, model.grants, model.config.finance
    if any(g.active[j] and g.end[j] > model.t and g.mso[j] == i for j in range(g.n)):
        return True
    yearly_costs = m.staff_fte[i] * (fin.staff_cost_per_fte + fin.office_costs) + fin.base_costs_volunteer
    return bool(m.reserves[i] >= yearly_costs * fin.operating_reserve_months / 12.0)


def dissolve_one(model: MSOModel, i: int, cause: str, code: int, partner: int = -1) -> None:
    """One MSO dissolves: staff let go, its grants stop, its ties break, its agent leaves."""
    m, g, ties, t = model.msos, model.grants, model.ties, model.t
    m.alive[i] = False
    m.died_step[i] = t
    m.death_cause[i] = code
    if m.staff_fte[i] > 0:
        log_one(model, "staff_let_go", i, "dissolution", staff_fte=m.staff_fte[i])
        model.flow["staff_let_go"] += m.staff_fte[i]
    m.staff_fte[i] = 0.0
    m.coop_municipality[i] = False
    for j in range(g.n):
        if g.active[j] and g.mso[j] == i:
            g.active[j] = False
            return_unspent(model, j)
            log_one(model, "grant_ended", i, "dissolution", funder=g.funder[j], amount=g.amount_per_year[j])
    for j in range(ties.n):
        if ties.active[j] and i in (ties.a[j], ties.b[j]):
            break_tie(model, j, "dissolution")
    log_one(model, "dissolved", i, cause, partner=partner)
    model.mso_by_row[i].remove()
