"""Mechanisms of demography: dissolution (volunteer core lost, insolvency) and founding."""

from __future__ import annotations

import numpy as np

from msosim.submodels.demography import dissolve, found_new
from msosim.submodels.finances import pay_costs

from .mechanism_helpers import add_grant, assert_binomial, assert_direction, hand_made, outcome, small_model

RULES = {"min_active_volunteers": 3, "volunteer_grace_months": 12, "finance.insolvency_months": 6,
         "background_dissolution_rate": 0.0}


def test_dissolution_below_the_volunteer_core_for_the_grace_period_or_after_sustained_insolvency() -> None:
    model = hand_made(small_model(**RULES), 7, t=20, volunteers=[2, 2, 5, 5, 5, 2, 5],
                      below_core_months=[11, 10, 11, 0, 0, 11, 0], insolvent_months=[0, 0, 0, 6, 5, 6, 6],
                      staff_fte=[0, 0, 0, 0, 0, 0, 1.0], coop_municipality=[False] * 6 + [True])
    add_grant(model, 6, amount=50000.0, start=0, end=36, staff_fte=1.0)
    model.ties.append(2, a=[6, 0], b=[1, 2], active=True, formed_step=0)
    dissolve(model)
    m = model.msos
    np.testing.assert_array_equal(m.alive[:7], [False, True, True, False, True, False, False])
    np.testing.assert_array_equal(m.below_core_months[:7], [12, 11, 0, 0, 0, 12, 0])
    np.testing.assert_array_equal(m.death_cause[[0, 3, 5, 6]], [1, 2, 1, 2])     # volunteers first, then insolvency
    np.testing.assert_array_equal(m.died_step[[0, 3, 5, 6]], 20)
    assert (model.flow["dissolved_volunteers"], model.flow["dissolved_insolvency"]) == (2, 2)
    # a dissolved MSO lets its staff go, its grants stop, its ties and cooperation end
    assert m.staff_fte[6] == 0.0 and not m.coop_municipality[6]
    assert not model.grants.active[0] and not model.ties.active[: 2].any()
    causes = model.event_frame().query("event == 'dissolved'").set_index("mso")["cause"].astype(str)
    assert causes.to_dict() == {0: "volunteers", 3: "insolvency", 5: "volunteers", 6: "insolvency"}


def test_grace_period_is_counted_in_months_whatever_the_step() -> None:
    model = hand_made(small_model(**RULES, steps_per_year=4), 2, volunteers=2, below_core_months=[3, 2])
    dissolve(model)                                            # 12 months = 4 quarterly steps
    np.testing.assert_array_equal(model.msos.alive[:2], [False, True])


def test_running_costs_without_income_lead_to_insolvency_and_dissolution() -> None:
    model = hand_made(small_model(**RULES, **{"finance.base_costs_volunteer": 1200.0}), 1, volunteers=5, reserves=150.0)
    died = None
    for step in range(1, 13):
        model.t = step
        pay_costs(model)                                       # 100 EUR a month, no income
        dissolve(model)
        if not model.msos.alive[0]:
            died = step
            break
    # reserves negative from step 2 on; the sixth month in the red is step 7
    assert died == 7 and model.msos.death_cause[0] == 2


def test_no_founding_at_rate_zero_and_more_at_a_higher_rate() -> None:
    surge = [{"kind": "refugee_surge", "start": 2015.0}]
    assert (outcome({"founding_rate": 0.0, "events": surge}, "founded_total", years=3) == 0).all()
    assert_direction(outcome({"founding_rate": 0.015}, "founded_total", years=3),
                     outcome({"founding_rate": 0.06}, "founded_total", years=3), "MSOs founded, rate 0.06 minus 0.015")


def test_foundings_fall_as_the_stock_exceeds_todays_and_rise_below_it() -> None:
    """foundings = founding_rate x stock x (today's stock / stock)^k: per MSO, fewer above today's stock."""
    per_mso = {}
    for share in (0.5, 1.0, 2.0):
        model = small_model(**{"founding_rate": 0.06, "founding_density_exponent": 2.0})
        reference = model.reference_stock
        model = hand_made(model, int(share * reference))
        model.factors.founding = 1.0
        alive = int(share * reference)
        for _ in range(600):
            found_new(model)
            model.msos.n = alive                                   # the same stock at every call
        expected = 600 * 0.06 / 12 * alive * (reference / alive) ** 2.0
        assert_binomial(model.flow["founded"], 10**9, expected / 10**9)   # Poisson: mean = variance
        per_mso[share] = model.flow["founded"] / alive
    assert per_mso[0.5] > per_mso[1.0] > per_mso[2.0]


# --- issue 15: exhaustion and mergers -------------------------------------------------------------

def test_a_small_msos_merges_into_a_tied_larger_one_of_its_group_and_district() -> None:
    core = 3
    model = hand_made(small_model(**{"merger_rate": 1.0, "background_dissolution_rate": 0.0,
                                     "burnout_dissolution_rate": 0.0, "min_active_volunteers": core}), 4,
                      members=[10, 40, 10, 10], volunteers=[4, 20, 4, 4], reserves=[500.0, 2000.0, 300.0, 100.0],
                      group=[1, 1, 1, 2])
    ties = model.ties
    ties.append(3, a=[0, 2, 3], b=[1, 0, 1], active=True, formed_step=0, breaks_step=10**6)
    dissolve(model)
    m = model.msos
    # row 0 (small, tied to the larger row 1 of its group) merges into 1; row 2 would merge into row 0, which merges
    # itself, so it stays; row 3 is of another group
    assert m.alive[:4].tolist() == [False, True, True, True]
    assert (m.members[1], m.volunteers[1]) == (50, 24) and m.reserves[1] == 2500.0
    assert (m.members[0], m.volunteers[0], m.reserves[0]) == (0, 0, 0.0)
    dissolved = model.event_frame().query("event == 'dissolved'")
    assert dissolved["cause"].astype(str).tolist() == ["merger"] and dissolved["partner"].tolist() == [1]
    assert model.flow["dissolved_merger"] == 1


def test_exhausted_msos_dissolve_more_often() -> None:
    """Yearly probability burnout_dissolution_rate * burnout^2: with rate 1, burnout 0.9 gives 0.81 a year and
    0.1 gives 0.01 (per month 1 - (1 - p)^(1/12), over twelve months p)."""
    count = 100
    model = hand_made(small_model(**{"merger_rate": 0.0, "background_dissolution_rate": 0.0,
                                     "burnout_dissolution_rate": 1.0, "min_active_volunteers": 3}), count,
                      members=30, volunteers=10, reserves=1e5, burnout=np.repeat([0.9, 0.1], count // 2))
    for t in range(1, 13):
        model.t = t
        dissolve(model)
    dead = ~model.msos.alive[:count]
    assert_binomial(dead[: count // 2].sum(), count // 2, 0.81)
    assert_binomial(dead[count // 2:].sum(), count // 2, 0.01)
    assert dead[: count // 2].sum() > dead[count // 2:].sum() + 20
    assert set(model.event_frame()["cause"].astype(str)) == {"burnout"}
