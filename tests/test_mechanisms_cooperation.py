"""Mechanisms of cooperation: municipal delegation, cooperation and trust, dialogue formats, ties, federations."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from msosim.submodels.cooperation import (cooperate_with_municipality, delegate_tasks, form_and_break_ties,
                                          join_and_leave_federations, update_trust)
from msosim.submodels.finances import collect_income, pay_costs
from msosim.submodels.rates import per_step
from msosim.submodels.services import deliver_services

from .mechanism_helpers import assert_binomial, assert_direction, hand_made, outcome, small_model

TASKS = {"municipality.delegation_rate": 12.0, "municipality.task_hours": 40.0, "municipality.task_months": 3,
         "municipality.task_payment_per_hour": 30.0, "municipality.admin_burden": 0.2}
TWO_DISTRICTS = {"population.scale": "land", "population.land": "HB"}   # Bremen: two districts


def _delegation(funded_share: float, budget: float = 1e9, rows: int = 300, seed: int = 1):
    model = hand_made(small_model(seed=seed, **TASKS, **{"policy.delegation_funded_share": funded_share}), rows,
                      members=50, volunteers=5, coop_municipality=np.arange(rows) < 200)
    d = model.districts
    d.demand_hours[0] = model.base_demand[0]                  # normal demand: one task a month on average
    d.budget_left[0] = budget
    delegate_tasks(model)
    return model


def test_funded_delegation_pays_for_every_task_hour_and_unfunded_delegation_pays_nothing() -> None:
    funded, unfunded = _delegation(1.0), _delegation(0.0)
    for model in (funded, unfunded):
        m = model.msos
        assert (m.delegated_load[200:300] == 0).all()                   # only cooperating MSOs get tasks
        assert 100 < m.delegated_load[:200].sum() * 3 / 48 < 300        # tasks = load x 3 months / (40 h x 1.2)
    tasks = funded.msos.delegated_load[:300] * 3 / 48
    assert_allclose(funded.msos.municipal_payment[:300], tasks * 40 * 30)
    assert_allclose(funded.districts.budget_left[0], 1e9 - funded.msos.municipal_payment[:300].sum())
    assert_allclose(funded.msos.unfunded_ratio[:300], 0.0)
    got = unfunded.msos.delegated_load[:300] > 0
    assert_allclose(unfunded.msos.municipal_payment[:300], 0.0)
    assert_allclose(unfunded.msos.unfunded_ratio[:300], np.where(got, 0.25, 0.0))   # moves a quarter of the way to 1
    assert unfunded.flow["tasks_unfunded_hours"] == pytest.approx(unfunded.flow["tasks_hours"])


def test_an_exhausted_municipal_budget_turns_funded_tasks_into_partly_unfunded_ones() -> None:
    model = _delegation(1.0, budget=1000.0)
    m = model.msos
    tasks = m.delegated_load[:300] * 3 / 48
    ratio = 1000.0 / (tasks.sum() * 40 * 30)
    assert_allclose(m.municipal_payment[:300], tasks * 40 * 30 * ratio)
    assert_allclose(model.districts.budget_left[0], 0.0, atol=1e-6)
    assert_allclose(m.unfunded_ratio[:300], np.where(tasks > 0, 0.25 * (1 - ratio), 0.0))


def _volunteer_load(funded_share: float, demand: float) -> tuple[np.ndarray, np.ndarray]:
    """Load per volunteer of cooperating MSOs after one step of delegation, money and service delivery."""
    model = _delegation(funded_share)
    model.msos.reserves[:300] = 5000.0
    model.districts.demand_hours[0] = demand
    collect_income(model)
    pay_costs(model)
    deliver_services(model)
    return model.msos.load_per_volunteer[:200].copy(), model.msos.delegated_load[:200].copy()


def test_funded_delegation_relieves_volunteers_of_the_task_hours() -> None:
    # demand within capacity: each MSO's share (1e4 / 300 MSOs) is below 5 volunteers x 14 h x 1.25
    unfunded, task_load = _volunteer_load(0.0, demand=1e4)
    funded, same_tasks = _volunteer_load(1.0, demand=1e4)
    assert_allclose(same_tasks, task_load)                              # same seed, same tasks
    assert_allclose(funded, unfunded - task_load / 5)                   # paid helpers do every funded hour
    assert (task_load > 0).any()


def test_funded_delegation_relieves_volunteers_of_overstretched_msos_too() -> None:
    # demand far above capacity: every MSO accepts what its people can carry
    unfunded, task_load = _volunteer_load(0.0, demand=1e6)
    funded, _ = _volunteer_load(1.0, demand=1e6)
    assert_allclose(funded, unfunded - task_load / 5)


def test_unfunded_delegation_lowers_trust() -> None:
    funded, unfunded = {"policy.delegation_funded_share": 1.0}, {"policy.delegation_funded_share": 0.0}
    assert_direction(outcome(unfunded, "mean_trust_end"), outcome(funded, "mean_trust_end"),
                     "mean trust, funded minus unfunded delegation")


def test_trust_moves_towards_openness_dialogue_and_funded_cooperation() -> None:
    model = small_model(**TWO_DISTRICTS, **{"municipality.trust_rate": 0.5, "municipality.unfunded_trust_penalty": 0.5,
                                            "cooperation.dialogue_trust_gain": 0.3})
    hand_made(model, 6, trust=0.3, district=[0, 0, 0, 1, 1, 1],
              coop_municipality=[False, True, True, False, True, True],
              unfunded_ratio=[0.0, 0.0, 1.0, 0.0, 0.0, 0.0])
    model.districts.openness[:2] = 0.5
    model.districts.dialogue[:2] = [False, True]
    model.msos.alive[5] = False
    update_trust(model)
    # signal = openness + 0.3 dialogue + 0.2 cooperating - 0.5 unfunded share (if cooperating), clipped to [0, 1]
    signal = np.array([0.5, 0.7, 0.2, 0.8, 1.0])
    assert_allclose(model.msos.trust[:5], 0.3 + 0.5 / 12 * (signal - 0.3))
    assert model.msos.trust[5] == 0.3


def test_cooperation_starts_more_often_with_dialogue_and_staff_and_ends_more_often_when_unfunded() -> None:
    rows = 10000
    params = {"municipality.cooperation_rate": 0.9, "municipality.cooperation_end_rate": 0.5,
              "municipality.power_asymmetry": 0.3, "municipality.admin_burden": 0.2,
              "cooperation.dialogue_trust_gain": 0.3}
    model = small_model(**TWO_DISTRICTS, **params)
    group = np.repeat(np.arange(5), rows)
    hand_made(model, 5 * rows, trust=np.where(group == 4, 0.0, 0.5), district=np.where(group == 1, 1, 0),
              staff_fte=np.where(group == 2, 0.0, 1.0), coop_municipality=group >= 3,
              unfunded_ratio=np.where(group == 4, 1.0, 0.0))
    d = model.districts
    d.openness[:2], d.dialogue[:2], d.experience[:2] = 0.5, [False, True], 0.0
    cooperate_with_municipality(model)
    coop = model.msos.coop_municipality[: 5 * rows].reshape(5, rows).sum(axis=1)
    # start = 0.9 x openness 0.5 x (0.5 + trust 0.5) x (1 - 0.2 admin) x 1.3 with dialogue x 0.7 if volunteer-only
    assert_binomial(coop[0], rows, per_step(0.36, 12))
    assert_binomial(coop[1], rows, per_step(0.36 * 1.3, 12))
    assert_binomial(coop[2], rows, per_step(0.36 * 0.7, 12))
    # end = 0.5 x (1 - trust) x (1 + unfunded share)
    assert_binomial(rows - coop[3], rows, per_step(0.5 * 0.5, 12))
    assert_binomial(rows - coop[4], rows, per_step(0.95, 12))
    assert coop[1] > coop[0] > coop[2] and coop[4] < coop[3]


def test_dialogue_formats_form_ties_faster() -> None:
    rows = 10000
    model = small_model(**TWO_DISTRICTS, **{"cooperation.tie_rate": 0.3, "cooperation.dialogue_tie_factor": 2.0})
    hand_made(model, 2 * rows, district=np.repeat([0, 1], rows))
    model.districts.dialogue[:2] = [False, True]
    form_and_break_ties(model)
    formed = np.bincount(model.msos.district[model.ties.a[: model.ties.n]], minlength=2)
    expected = rows * 0.3 / 12 * np.array([1.0, 2.0])                  # Poisson initiators per MSO and step
    assert (np.abs(formed - expected) <= 5 * np.sqrt(expected)).all(), formed
    assert formed[1] > 1.5 * formed[0]


def test_dialogue_formats_bring_more_cooperation_ties_and_trust() -> None:
    without, with_dialogue = {"policy.dialogue_formats": 0.0}, {"policy.dialogue_formats": 1.0}
    for metric in ("coop_municipality_end", "ties_per_mso_end", "mean_trust_end"):
        assert_direction(outcome(without, metric), outcome(with_dialogue, metric), f"{metric}, dialogue minus none")


def test_staffed_msos_join_federations_twice_as_readily_and_members_leave_at_their_rate() -> None:
    rows = 10000
    model = small_model(**{"cooperation.federation_join_rate": 0.3, "cooperation.federation_leave_rate": 0.2})
    group = np.repeat(np.arange(3), rows)
    hand_made(model, 3 * rows, staff_fte=np.where(group == 1, 1.0, 0.0), federation=group == 2)
    join_and_leave_federations(model)
    members = model.msos.federation[: 3 * rows].reshape(3, rows).sum(axis=1)
    assert_binomial(members[0], rows, per_step(0.3, 12))
    assert_binomial(members[1], rows, per_step(0.6, 12))
    assert_binomial(rows - members[2], rows, per_step(0.2, 12))
    assert members[1] > 1.5 * members[0]
