"""Mechanisms of money: income (fees, grants, municipal payments), costs, the grant cliff, institutional funding."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from msosim.state import INSTITUTIONAL
from msosim.submodels.finances import collect_income, pay_costs
from msosim.submodels.held_grants import adjust_staff, end_grants

from .mechanism_helpers import add_grant, assert_direction, hand_made, outcome, small_model

FINANCE = {"finance.fee_per_member": 36.0, "finance.earned_income_per_fte": 8000.0,
           "finance.staff_cost_per_fte": 55000.0, "finance.base_costs_volunteer": 800.0,
           "finance.office_costs": 5000.0, "finance.overhead_needed": 0.2, "finance.material_hours_share": 0.5,
           "finance.honorarium_per_hour": 25.0, "finance.in_kind_hour_value": 15.0,
           "finance.reserve_months_to_keep_staff": 6.0, "services.admin_hours_per_grant": 8.0,
           "finance.vacancy_months": 0.0}   # positions filled at once (vacancies: test_mechanisms_returns.py)


def test_fees_scale_with_members_and_donations_with_staff() -> None:
    model = hand_made(small_model(**FINANCE), 3, members=[10, 20, 40], donations_base=[1200.0, 0.0, 0.0],
                      staff_fte=[0.0, 0.0, 0.5], reserves=100.0)
    collect_income(model)
    m = model.msos
    fees = np.array([10, 20, 40]) * 36.0 / 12
    donations = np.array([1200.0, 0.0, 0.5 * 8000.0]) / 12
    assert_allclose(m.income_year[:3, 0], fees)
    assert_allclose(m.income_year[:3, 1], donations)
    assert_allclose(m.reserves[:3], 100.0 + fees + donations)


def test_grant_pays_amount_per_step_only_while_running() -> None:
    model = hand_made(small_model(**FINANCE), 3)
    add_grant(model, 0, amount=12000.0, start=5, end=8)
    add_grant(model, 1, amount=24000.0, start=5, end=8, kind=INSTITUTIONAL, funder=1)
    stopped = add_grant(model, 2, amount=12000.0, start=5, end=8)
    model.grants.active[stopped] = False
    received = []
    for t in range(3, 10):
        model.t = t
        before = model.msos.income_year[:3, 2:4].copy()
        collect_income(model)
        received.append(model.msos.income_year[:3, 2:4] - before)
    received = np.array(received)                              # step, mso, (project, institutional)
    assert_allclose(received[:, 0, 0], [0, 0, 1000, 1000, 1000, 0, 0])    # start <= t < end, 12000 / 12
    assert_allclose(received[:, 1, 1], [0, 0, 2000, 2000, 2000, 0, 0])
    assert_allclose(received[:, 2, :], 0.0)                    # an inactive grant pays nothing
    assert_allclose(model.funder_paid[:2], [3000.0, 6000.0])   # what funders pay out is what MSOs receive
    assert_allclose(model.msos.grant_income_total[:3], [3000.0, 6000.0, 0.0])


def test_municipal_payments_arrive_as_municipal_income() -> None:
    model = hand_made(small_model(**FINANCE), 2, municipal_payment=[0.0, 250.0])
    collect_income(model)
    assert_allclose(model.msos.income_year[:2, 4], [0.0, 250.0])
    assert_allclose(model.msos.municipal_income_total[:2], [0.0, 250.0])
    assert_allclose(model.msos.reserves[:2], [0.0, 250.0])


def test_costs_staff_running_material_overhead_and_insolvency_clock() -> None:
    model = hand_made(small_model(**FINANCE), 3, staff_fte=[0.0, 1.0, 1.0], reserves=[1000.0, 20000.0, 1000.0],
                      insolvent_months=[0, 0, 2])
    add_grant(model, 1, amount=60000.0, start=0, end=36, staff_fte=1.0, material=6000.0, in_kind=1800.0)
    pay_costs(model)
    staff, running_staffed = 55000.0 / 12, (800.0 + 5000.0) / 12
    material, overhead = 6000.0 / 12, 0.2 * (55000.0 + 6000.0) / 12
    cost = np.array([800.0 / 12, staff + running_staffed + material + overhead, staff + running_staffed])
    assert_allclose(model.msos.reserves[:3], np.array([1000.0, 20000.0, 1000.0]) - cost)
    assert_allclose(model.msos.freelance_hours[:3], [0.0, 500.0 * 0.5 / 25.0, 0.0])   # material buys freelance hours
    assert_allclose(model.admin_hours, [0.0, 8.0 + 1800.0 / 15.0 / 12, 0.0])           # reporting + in-kind hours
    np.testing.assert_array_equal(model.msos.insolvent_months[:3], [0, 0, 3])           # only the broke one counts up


def _cliff_model(reserves, successor_fte=None):
    """MSOs each with 1 FTE paid by a project grant that ends at t = 10 (optionally a successor starting then)."""
    count = len(reserves)
    model = hand_made(small_model(**FINANCE), count, t=10, staff_fte=1.0, volunteers=10, members=30, reserves=reserves)
    add_grant(model, np.arange(count), amount=70000.0, start=-26, end=10, staff_fte=1.0)
    if successor_fte is not None:
        add_grant(model, np.arange(count), amount=70000.0, start=10, end=46, staff_fte=successor_fte, funder=1)
    return model


def test_grant_end_without_successor_lets_staff_go_unless_reserves_cover_them() -> None:
    # keeping a position needs 6 months of its cost in reserve: 55000 / 12 * 6 = 27500 EUR per FTE
    model = _cliff_model(reserves=[0.0, 1e6, 27500.0, 27400.0])
    model.t = 9
    end_grants(model)
    adjust_staff(model)
    assert_allclose(model.msos.staff_fte[:4], 1.0)             # the step before the end: nothing happens
    model.t = 10
    end_grants(model)
    adjust_staff(model)
    assert_allclose(model.msos.staff_fte[:4], [0.0, 1.0, 1.0, 0.0])
    assert model.msos.cliff[:4].all()
    assert not model.grants.active[0:4].any()
    assert_allclose(model.flow["staff_lost_at_cliff"], 2.0)
    assert set(model.event_frame().query("event == 'grant_ended'")["cause"]) == {"without_successor"}
    assert set(model.event_frame().query("event == 'staff_let_go'")["cause"]) == {"grant_end"}


def test_successor_grant_absorbs_the_staff_instead_of_hiring() -> None:
    model = _cliff_model(reserves=[0.0, 0.0], successor_fte=1.0)
    end_grants(model)
    adjust_staff(model)
    assert_allclose(model.msos.staff_fte[:2], 1.0)
    assert not model.msos.cliff[:2].any()
    assert model.flow["staff_hired"] == 0 and model.flow["staff_let_go"] == 0
    assert set(model.event_frame().query("event == 'grant_ended'")["cause"]) == {"with_successor"}


def test_successor_starting_within_the_window_bridges_the_staff_and_a_later_one_does_not() -> None:
    # bridging a position for the 3-month window needs 55000 / 12 * 3 = 13750 EUR in reserve (issue 15)
    model = _cliff_model(reserves=[13750.0, 13750.0, 13700.0])
    add_grant(model, 0, amount=70000.0, start=12, end=48, staff_fte=1.0, funder=1)   # two months later: bridged
    add_grant(model, 1, amount=70000.0, start=15, end=51, staff_fte=1.0, funder=1)   # five months later: a cliff
    add_grant(model, 2, amount=70000.0, start=12, end=48, staff_fte=1.0, funder=1)   # bridged, but not covered
    staff = []
    for t in range(10, 16):
        model.t = t
        end_grants(model)
        adjust_staff(model)
        staff.append(model.msos.staff_fte[:3].copy())
    assert_allclose(np.array(staff), [[1, 0, 0], [1, 0, 0], [1, 0, 1], [1, 0, 1], [1, 0, 1], [1, 1, 1]])
    causes = model.event_frame().query("event == 'grant_ended'").set_index("mso")["cause"].astype(str).to_dict()
    assert causes == {0: "with_successor", 1: "without_successor", 2: "with_successor"}
    # row 1 is lost at the cliff; row 2 is let go for lack of money (no cliff: it has a successor) and rehired
    assert_allclose([model.flow["staff_lost_at_cliff"], model.flow["staff_hired"]], [1.0, 2.0])


def test_new_grant_takes_over_retained_staff_and_hires_only_where_nobody_is_left() -> None:
    # row 0 kept 1 FTE on its reserves after an earlier cliff; row 1 has no staff; both win a 1-FTE grant starting now
    model = hand_made(small_model(**FINANCE), 2, t=10, staff_fte=[1.0, 0.0], reserves=[40000.0, 40000.0],
                      volunteers=10, members=30)
    add_grant(model, [0, 1], amount=70000.0, start=10, end=46, staff_fte=1.0)
    end_grants(model)
    adjust_staff(model)
    assert_allclose(model.msos.staff_fte[:2], [1.0, 1.0])
    assert_allclose(model.flow["staff_hired"], 1.0)            # only row 1 hires


def test_institutional_grant_is_renewed_and_keeps_staff_where_a_project_grant_falls_off_the_cliff() -> None:
    model = hand_made(small_model(**FINANCE), 3, t=10, staff_fte=1.0, volunteers=[10, 10, 1], members=30, reserves=0.0)
    add_grant(model, 0, amount=70000.0, start=-86, end=10, staff_fte=1.0, kind=INSTITUTIONAL, funder=0)
    add_grant(model, 1, amount=70000.0, start=-26, end=10, staff_fte=1.0, funder=0)
    add_grant(model, 2, amount=70000.0, start=-86, end=10, staff_fte=1.0, kind=INSTITUTIONAL, funder=0)
    model.funder_renewal[:] = 1.0
    end_grants(model)
    adjust_staff(model)
    # row 0 renewed (fit: enough volunteers); row 1 a project; row 2 below the volunteer core, not renewed
    assert_allclose(model.msos.staff_fte[:3], [1.0, 0.0, 0.0])
    g = model.grants
    renewed = np.flatnonzero(g.active[: g.n])
    assert g.mso[renewed].tolist() == [0] and g.kind[renewed].tolist() == [INSTITUTIONAL]
    assert g.start[renewed].tolist() == [10]
    assert g.end[renewed].tolist() == [10 + round(model.funders[0].config.institutional_years * 12)]


def _relative_staff_churn(tables, spy) -> float:
    staff = tables["model"]["staff_fte"].to_numpy()
    return float(np.abs(np.diff(staff)).sum() / staff.mean())


def test_institutional_funding_loses_fewer_staff_at_cliffs_and_keeps_staff_flatter() -> None:
    project = {"policy.funding_mode": "project"}
    institutional = {"policy.funding_mode": "institutional"}
    assert_direction(outcome(institutional, "staff_lost_at_cliff"), outcome(project, "staff_lost_at_cliff"),
                     "staff lost at cliffs, project minus institutional")
    assert_direction(outcome(institutional, _relative_staff_churn), outcome(project, _relative_staff_churn),
                     "month-to-month staff churn relative to mean staff, project minus institutional")


def _msos_funded_after_the_first_year(tables, spy) -> float:
    """MSOs paid by a grant of the programmes in policy scope awarded after the first year (the initial grants and
    the first calls are the same under both policies' budgets)."""
    g = tables["grants"]
    in_scope = ~g["funder"].astype(str).str.startswith(("structure_programme", "micro_grants"))
    return float(g.loc[in_scope & (g["awarded_step"] > spy) & (g["paid"] > 0), "mso"].nunique())


def test_concentration_institutional_funding_at_the_same_budgets_reaches_fewer_msos() -> None:
    """docs/ODD.md 1.2, concentration: core grants cover an MSO's whole position with its office and the overhead
    it really needs, and run eight years, renewed; at the same budgets they pay fewer MSOs than projects of one to
    three years, which pass through many hands (district, 5 years, seeds 1-5)."""
    project = outcome({"policy.funding_mode": "project"}, _msos_funded_after_the_first_year)
    institutional = outcome({"policy.funding_mode": "institutional"}, _msos_funded_after_the_first_year)
    assert_direction(institutional, project, "MSOs funded after the first year, project minus institutional")
    assert (institutional < 0.5 * project).all(), (institutional, project)
