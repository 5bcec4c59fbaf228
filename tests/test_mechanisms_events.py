"""Mechanisms of scheduled events: refugee surge, pandemic, polarisation, austerity."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose

from msosim.submodels.cooperation import delegate_tasks, update_municipalities
from msosim.submodels.events import apply_shocks, factors_at
from msosim.submodels.finances import collect_income
from msosim.submodels.rates import per_step
from msosim.submodels.services import arise_demand, deliver_services

from .mechanism_helpers import assert_binomial, assert_direction, hand_made, outcome, small_model

SURGE = {"kind": "refugee_surge", "start": 2015.0, "newcomers": [890000.0, 280000.0],
         "volunteer_join_factor": 1.5, "founding_factor": 1.5}
PANDEMIC = {"kind": "pandemic", "start": 2016.0, "duration_years": 1.0, "volunteer_hours_factor": 0.7,
            "income_factor": 0.75, "join_factor": 0.5, "delegation_factor": 2.0}


def _group_codes() -> dict[str, int]:
    """Origin groups and their codes, from the calibration table that also names the conflict lines."""
    with resources.files("msosim.data").joinpath("origin_groups.csv").open(encoding="utf-8") as handle:
        groups = pd.read_csv(handle, keep_default_na=False)
    return {name: code for code, name in enumerate(groups["group"])}


def test_refugee_surge_raises_demand_and_municipal_experience() -> None:
    model = small_model(**{"services.newcomer_hours": 6.0, "municipality.experience_gain": 1.0}, events=[SURGE])
    f = factors_at(model, 2015.5)
    assert_allclose(f.arrivals, 890000.0 / 12 * model.arrival_share)
    assert (f.join, f.founding) == (1.5, 1.5)
    assert_allclose(factors_at(model, 2016.5).arrivals, 280000.0 / 12 * model.arrival_share)
    assert_allclose(factors_at(model, 2017.0).arrivals, 0.0)
    d, spy = model.districts, 12
    before = d.demand_hours[0]
    d.newcomers[0], d.experience[0] = 0.0, 0.2
    model.factors = f
    arise_demand(model)
    update_municipalities(model)
    assert_allclose(d.demand_hours[0], before + f.arrivals[0] * 6.0 / spy)      # 6 extra hours a year per newcomer
    assert_allclose(d.experience[0], 0.2 * (1 - per_step(0.05, spy)) + f.arrivals[0] / d.population[0] * 100.0)


def test_refugee_surge_raises_demand_in_a_run() -> None:
    def demand_2015_16(tables, spy) -> float:
        table = tables["model"]
        return float(table.loc[(table["year"] > 2015) & (table["year"] <= 2017), "demand_hours"].mean())

    assert_direction(outcome({}, demand_2015_16, years=4), outcome({"events": [SURGE]}, demand_2015_16, years=4),
                     "service demand 2015-16, surge minus none")


def test_pandemic_lowers_fee_and_donation_income_and_volunteer_hours() -> None:
    model = small_model(**{"finance.fee_per_member": 36.0, "volunteers.sustainable_hours": 14.0,
                           "volunteers.max_hours": 30.0, "services.overcommitment": 1.25}, events=[PANDEMIC])
    f = factors_at(model, 2016.5)
    assert (f.volunteer_hours, f.income, f.join, f.delegation) == (0.7, 0.75, 0.5, 2.0)
    assert factors_at(model, 2017.0).active == []
    hand_made(model, 2, members=40, volunteers=4, donations_base=1200.0)
    model.districts.demand_hours[0] = 1e6
    for factors in (factors_at(model, 2015.5), f):
        model.factors = factors
        collect_income(model)
        deliver_services(model)
    # income: before then during the pandemic, per step
    fees = 40 * 36.0 / 12
    assert_allclose(model.msos.income_year[0, 0], fees + 0.75 * fees)
    assert_allclose(model.msos.income_year[0, 1], 100.0 + 0.75 * 100.0)
    assert_allclose(model.msos.service_hours[0], 0.7 * 4 * 14 * 1.25)           # volunteers' hours shrink


def test_pandemic_lowers_own_income_in_a_run() -> None:
    def own_income_in_2016(tables, spy) -> float:
        table = tables["model"]
        rows = (table["year"] > 2016) & (table["year"] <= 2017)
        return float((table.loc[rows, "income_fees"] + table.loc[rows, "income_donations"]).sum())

    assert_direction(outcome({"events": [PANDEMIC]}, own_income_in_2016, years=3),
                     outcome({}, own_income_in_2016, years=3), "fees and donations in 2016, none minus pandemic")


def _polarised(tie_break_probability: float, year: float = 2023.75):
    code = _group_codes()
    names = ["turkish", "kurdish", "balkan", "arab_middle_east", "jewish_israeli", "post_soviet", "kurdish"]
    model = small_model(events=[{"kind": "polarisation", "start": 2023.77, "trust_shock": 0.1,
                                 "tie_break_probability": tie_break_probability, "federation_leave_probability": 1.0}])
    hand_made(model, len(names), group=[code[name] for name in names], federation=True, trust=0.5, burnout=0.2)
    pairs = [(0, 1), (3, 4), (0, 2), (1, 6), (2, 5)]     # across two conflict lines, then three that are not
    model.ties.append(len(pairs), a=[a for a, _ in pairs], b=[b for _, b in pairs], active=True, formed_step=0)
    apply_shocks(model, year)
    return model


def test_polarisation_breaks_ties_across_conflict_lines_only() -> None:
    model = _polarised(1.0)
    np.testing.assert_array_equal(model.ties.active[:5], [False, False, True, True, True])
    m = model.msos
    involved = np.array([True, True, False, True, True, False, True])       # groups on a conflict line
    np.testing.assert_array_equal(m.federation[:7], ~involved)
    assert_allclose(m.trust[:7], np.where(involved, 0.4, 0.5))
    assert_allclose(m.burnout[:7], np.where(involved, 0.3, 0.2))
    assert _polarised(0.0).ties.active[:5].all()
    assert _polarised(1.0, year=2023.5).ties.active[:5].all()               # not yet: the event is later


def test_austerity_cuts_budgets_awards_and_staff() -> None:
    cut = [{"kind": "austerity", "start": 2014.0, "budget_cut": 0.5}]
    model = small_model(events=cut)
    assert factors_at(model, 2014.5).budget == 0.5
    model.step()                                               # the first step opens the year with the cut budget
    d = model.districts
    assert_allclose(d.budget_left[0] + d.paid_total[0], 0.5 * d.budget_year[0])    # what is left plus what was paid
    awards = lambda tables, spy: float(tables["model"]["awards"].sum())  # noqa: E731
    assert_direction(outcome({"events": cut}, awards), outcome({}, awards), "grants awarded, none minus austerity")
    assert_direction(outcome({"events": cut}, "staff_fte_end"), outcome({}, "staff_fte_end"),
                     "paid staff at the end, none minus austerity")


def test_austerity_brings_more_delegated_tasks_and_pays_for_fewer_of_them() -> None:
    cut = {"kind": "austerity", "start": 2014.0, "budget_cut": 0.4, "delegation_factor": 1.5}
    rows = 4000
    for events, rate, paid_share in (([], 0.5, 0.5), ([cut], 0.75, 0.3)):
        model = small_model(events=events, **{"municipality.delegation_rate": 6.0, "policy.delegation_funded_share": 0.5})
        model = hand_made(model, rows, members=50, volunteers=5, coop_municipality=True)
        model.factors = factors_at(model, 2014.5)
        model.districts.demand_hours[0] = model.base_demand[0]
        model.districts.budget_left[0] = 1e12                     # the budget does not bind: only the share falls
        delegate_tasks(model)
        tasks = model.flow["tasks_delegated"]
        funded = tasks * (1.0 - model.flow["tasks_unfunded_hours"] / model.flow["tasks_hours"])
        # tasks ~ Poisson(6 / 12 x delegation_factor) per MSO; funded ~ Binomial(tasks, 0.5 x (1 - budget_cut))
        assert abs(tasks - rows * rate) < 5 * np.sqrt(rows * rate)
        assert_binomial(round(funded), tasks, paid_share)


def test_austerity_sends_more_demand_to_msos_and_loads_their_volunteers() -> None:
    """Known answer: demand per district is the base times demand_factor while the cuts last; direction: the
    extra demand raises the load per volunteer (and with it burnout) of MSOs that had spare capacity."""
    cut = {"kind": "austerity", "start": 2014.0, "budget_cut": 0.3, "demand_factor": 1.2}
    loads = []
    for events in ([], [cut]):
        model = small_model(events=events)
        model.factors = factors_at(model, 2014.5)
        arise_demand(model)
        d = model.districts
        expected = (d.migrants[: d.n] * model.config.services.demand_hours_per_migrant
                    + d.newcomers[: d.n] * model.config.services.newcomer_hours) / model.config.steps_per_year
        assert_allclose(d.demand_hours[: d.n], expected * (1.2 if events else 1.0))
        deliver_services(model)
        m = model.msos
        loads.append(float(m.load_per_volunteer[: m.n][m.alive[: m.n]].mean()))
    assert loads[1] > loads[0], f"load per volunteer without / with austerity: {loads}"
