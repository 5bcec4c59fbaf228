"""Mechanisms of funding: deciding to apply, eligibility, co-funding, and how funders rank (the Matthew effect)."""

from __future__ import annotations

import warnings

import numpy as np
from numpy.testing import assert_allclose

from msosim import MSOModel
from msosim.state import FIELDS
from msosim.submodels.grants import (_eligible, application_hours, decay_rejections, decide_to_apply, open_calls, run_call,
                                     score_applications)

from .mechanism_helpers import (LARGE, add_grant, assert_binomial, assert_direction, funder_named, hand_made,
                                outcome, small_model)

APPLY = {"funders.foundations.calls_per_year": 1, "funders.foundations.application_hours": 50.0, "applications.volunteer_hours_factor": 1.6,
         "applications.apply_rate": 0.6, "applications.discouragement": 0.15, "applications.preparation_months": 3.0,
         "volunteers.sustainable_hours": 14.0, "services.staff_admin_hours": 30.0}


def test_application_hours_are_higher_for_volunteer_only_msos_and_lower_with_support() -> None:
    columns = dict(staff_fte=[1.0, 0.0, 0.0, 1.0], professionalisation=[0.0, 0.0, 0.5, 1.0])
    hours = {}
    for support in (0.0, 0.5):
        model = hand_made(small_model(**APPLY, **{"policy.application_support": support}), 4, **columns)
        hours[support] = application_hours(model, funder_named(model, "foundations"), np.arange(4))
    # hours x 1.6 if volunteer-only x (1 - support) for volunteer-only x (1 - professionalisation / 2)
    assert_allclose(hours[0.0], [50.0, 80.0, 60.0, 25.0])
    assert_allclose(hours[0.5], [50.0, 40.0, 30.0, 25.0])


def test_less_bureaucracy_scales_every_funders_application_hours() -> None:
    hours = {}
    for factor in (1.0, 0.5):
        model = hand_made(small_model(**APPLY, **{"policy.application_hours_factor": factor}), 2, staff_fte=[1.0, 0.0])
        hours[factor] = application_hours(model, funder_named(model, "foundations"), np.arange(2))
    assert_allclose(hours[1.0], [50.0, 80.0])
    assert_allclose(hours[0.5], [25.0, 40.0])


def test_more_application_hours_and_rejections_mean_fewer_applications() -> None:
    rows = 4000
    model = hand_made(small_model(**APPLY), 3 * rows, staff_fte=1.0, rejections=np.repeat([0.0, 0.0, 2.0], rows))
    hours = np.repeat([10.0, 90.0, 10.0], rows)
    applies = decide_to_apply(model, funder_named(model, "foundations"), np.arange(3 * rows), hours)
    counts = applies.reshape(3, rows).sum(axis=1)
    # p = apply rate x slack / (slack + hours) x discouragement ** rejections; slack = 30 admin h per FTE x 3 months
    assert_binomial(counts[0], rows, 0.6 * 90 / 100)
    assert_binomial(counts[1], rows, 0.6 * 90 / 180)
    assert_binomial(counts[2], rows, 0.6 * 90 / 100 * 0.85**2)
    assert counts[0] > counts[2] > counts[1]


def test_several_calls_spread_the_chance_to_apply() -> None:
    """With twelve calls a year the chance per call is 1 - (1 - p)^(1/12) of the yearly p above."""
    rows = 4000
    model = hand_made(small_model(**{**APPLY, "funders.foundations.calls_per_year": 12}), rows, staff_fte=1.0)
    applies = decide_to_apply(model, funder_named(model, "foundations"), np.arange(rows), np.full(rows, 10.0))
    assert_binomial(applies.sum(), rows, 1.0 - (1.0 - 0.6 * 90 / 100) ** (1 / 12))


def test_application_support_brings_more_volunteer_only_applications() -> None:
    rows = 4000
    counts = {}
    for support in (0.0, 0.5):
        model = hand_made(small_model(**APPLY, **{"policy.application_support": support}), rows,
                          volunteers=5, load_per_volunteer=4.0, information=(np.arange(rows) + 0.5) / rows)
        funder = funder_named(model, "foundations")
        hours = application_hours(model, funder, np.arange(rows))
        counts[support] = decide_to_apply(model, funder, np.arange(rows), hours).sum()
    # slack = 5 x (14 - 4) h x 3 months = 150 h; hours 80 -> 40; support also informs: the MSOs whose lasting
    # access to information is at least the gap (0.5 -> 0.25) hear of the call, half of them -> three quarters
    assert_binomial(counts[0.0], rows, 0.6 * 150 / 230 * 0.5)
    assert_binomial(counts[0.5], rows, 0.6 * 150 / 190 * 0.75)
    assert counts[0.5] > 1.5 * counts[0.0]


def test_eligibility_rules() -> None:
    model = hand_made(small_model(**{"funders.micro_grants.eligibility": "volunteer_only"}), 6, t=1,
                      staff_fte=[1.0, 0.0, 0.0, 1.0, 1.0, 1.0], federation=[False, False, True, False, False, False])
    model.msos.land[4] = model.districts.land[0] + 1                    # row 4 sits in another Land
    model.msos.fields[:6, FIELDS.index("education")] = True            # fits the federal calls (issue 15)
    federal_projects = funder_named(model, "federal_projects").index
    add_grant(model, 3, amount=50000.0, start=-5, end=20, funder=federal_projects)    # still running at the new start
    add_grant(model, 5, amount=50000.0, start=-30, end=4, funder=federal_projects)    # ends by then: may follow on
    start = 4
    eligible = {name: _eligible(model, funder_named(model, name), start)[0].tolist()
                for name in ("federal_projects", "federal_integration", "land_programmes", "structure_programme",
                             "micro_grants")}
    assert eligible == {
        "federal_projects": [True, False, False, False, True, True],     # requires_staff; row 3 still holds one
        "federal_integration": [True, True, True, True, True, True],      # any
        "land_programmes": [True, True, True, True, False, True],         # this Land's MSOs only
        "structure_programme": [False, False, True, False, False, False],  # federation members
        "micro_grants": [False, True, True, False, False, False],         # volunteer-only, this Land
    }


def test_a_requires_staff_call_receives_no_volunteer_only_application() -> None:
    model = hand_made(small_model(**{"applications.apply_rate": 1.0}), 200, staff_fte=np.tile([0.0, 1.0], 100),
                      volunteers=10, reserves=1e6)
    model.msos.fields[:200, FIELDS.index("education")] = True
    run_call(model, funder_named(model, "federal_projects"))
    applied = model.event_frame().query("event == 'grant_applied'")["mso"].to_numpy()
    assert applied.size > 20
    assert (model.msos.staff_fte[applied] > 0).all()


def test_score_is_the_weighted_sum_of_staff_track_record_federation_and_professionalisation() -> None:
    weights = {"applications.score_noise": 0.0, "applications.staff_weight": 1.0, "applications.track_weight": 0.6,
               "applications.federation_weight": 0.4, "applications.professionalisation_weight": 0.8}
    model = hand_made(small_model(**weights), 4, staff_fte=[0.0, 0.5, 0.0, 0.0], track_record=[0, 0, 3, 0],
                      federation=[False, False, False, True], professionalisation=[0.0, 0.0, 0.0, 0.5])
    scores = score_applications(model, funder_named(model, "foundations"), np.arange(4))
    assert_allclose(scores, [0.0, 1.0, 0.6 * np.log(4.0), 0.4 + 0.4])


def test_application_support_makes_a_volunteer_only_application_read_as_more_professional() -> None:
    weights = {"applications.score_noise": 0.0, "applications.staff_weight": 1.0, "applications.track_weight": 0.6,
               "applications.federation_weight": 0.4, "applications.professionalisation_weight": 0.8}
    scores = {}
    for support in (0.0, 0.5):
        model = hand_made(small_model(**weights, **{"policy.application_support": support}), 3,
                          staff_fte=[0.0, 0.0, 1.0], professionalisation=[0.0, 0.6, 0.6])
        scores[support] = score_applications(model, funder_named(model, "foundations"), np.arange(3))
    # shown professionalisation = p + support x (1 - p) for volunteer-only MSOs; staffed MSOs are not helped
    assert_allclose(scores[0.0], [0.0, 0.8 * 0.6, 1.0 + 0.8 * 0.6])
    assert_allclose(scores[0.5], [0.8 * 0.5, 0.8 * 0.8, 1.0 + 0.8 * 0.6])


def _award_rates(selection: str) -> tuple[float, float]:
    """Award rates of established applicants (staff, track record) and newcomers in one call with a tight budget."""
    rows = 2000
    established = np.arange(rows) % 2 == 0
    model = hand_made(
        small_model(**APPLY, **{"funders.foundations.selection": selection, "funders.foundations.cofunding_share": 0.0,
                                "funders.foundations.eligibility": "any"}),
        rows, t=3, volunteers=10, reserves=1e6, staff_fte=np.where(established, 1.0, 0.0),
        track_record=np.where(established, 3, 0), professionalisation=np.where(established, 0.8, 0.1),
        federation=established, information=1.0)   # every newcomer hears of the call
    funder = funder_named(model, "foundations")
    funder.budget = 150 * funder.config.max_award
    run_call(model, funder)
    events = model.event_frame()
    applied = events.query("event == 'grant_applied'")["mso"].to_numpy()
    won = events.query("event == 'grant_awarded'")["mso"].to_numpy()
    assert 100 <= won.size < applied.size / 2
    lost = np.setdiff1d(applied, won)
    assert (model.msos.track_record[won] == np.where(established[won], 4, 1)).all()    # winners build a record
    assert (model.msos.rejections[lost] == 1.0).all()
    rate = [np.isin(applied[established[applied] == kind], won).mean() for kind in (True, False)]
    return rate[0], rate[1]


def test_score_selection_favours_staff_and_track_record_where_a_lottery_does_not() -> None:
    score_established, score_newcomers = _award_rates("score")
    lottery_established, lottery_newcomers = _award_rates("lottery")
    assert score_newcomers < 0.1 * score_established
    assert abs(lottery_established - lottery_newcomers) < 0.1
    assert score_established - score_newcomers > lottery_established - lottery_newcomers + 0.2


def test_score_selection_concentrates_funding_more_than_lotteries_matthew_effect() -> None:
    lottery = {f"funders.{name}.selection": "lottery"
               for name in ("federal_projects", "federal_integration", "land_programmes", "foundations")}
    assert_direction(outcome(lottery, "funding_gini"), outcome({}, "funding_gini"),
                     "Gini of grant income, score selection minus lottery")


def _volunteer_only_applicants(cofunding_share: float) -> np.ndarray:
    # twice the budget: at the first step the running grants owe all of today's, and a call opens only with money
    model = MSOModel(None, seed=1, **LARGE, **{"policy.cofunding_share": cofunding_share, "policy.budget_factor": 2})
    model.t = 1
    run_call(model, funder_named(model, "federal_integration"))
    applied = model.event_frame().query("event == 'grant_applied'")["mso"].to_numpy()
    return applied[model.msos.staff_fte[applied] <= 0]


def test_higher_cofunding_share_keeps_volunteer_only_msos_from_applying() -> None:
    low, high = _volunteer_only_applicants(0.0), _volunteer_only_applicants(0.3)
    # same seed, same draws: raising the cash share only removes applicants who cannot pay it
    assert set(high) < set(low)
    assert high.size < 0.8 * low.size


def _applications_of_initially_volunteer_only(tables, spy) -> float:
    start = tables["msos"].query("snapshot == 'start'")
    volunteer_only = start.loc[start["staff_fte"] <= 0, "mso"]
    events = tables["events"]
    return float(((events["event"] == "grant_applied") & events["mso"].isin(volunteer_only)).sum())


def test_higher_cofunding_share_means_fewer_volunteer_only_applications_over_years() -> None:
    metric = _applications_of_initially_volunteer_only
    assert_direction(outcome({"policy.cofunding_share": 0.3}, metric, years=3),
                     outcome({"policy.cofunding_share": 0.0}, metric, years=3),
                     "applications of volunteer-only MSOs, co-funding 0 minus 0.3")


def test_apply_probability_is_defined_when_neither_hours_nor_slack_are_left() -> None:
    model = hand_made(small_model(**APPLY, **{"policy.application_support": 1.0}), 3, volunteers=[0, 5, 5])
    funder = funder_named(model, "foundations")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        applies = decide_to_apply(model, funder, np.arange(3), application_hours(model, funder, np.arange(3)))
    assert applies.dtype == bool and applies.shape == (3,)


def test_a_funder_without_money_to_award_opens_no_call() -> None:
    """A fully committed programme runs no round: no one spends hours on it or collects a rejection (issue 15)."""
    applied = {}
    for factor in (1, 2):
        model = MSOModel(None, seed=1, **LARGE, **{"policy.budget_factor": factor})
        model.t = 1
        funder = funder_named(model, "federal_integration")
        hours_before = model.msos.application_hours.sum()
        run_call(model, funder)
        events = model.event_frame()
        applied[factor] = int((events["event"] == "grant_applied").sum())
        if factor == 1:  # the running grants owe the whole year's budget at the first step
            assert open_calls(model, [funder], model.t)[0] == []
            assert not (events["event"] == "grant_rejected").any()
            assert model.msos.application_hours.sum() == hours_before
    assert applied[1] == 0 < applied[2]


def test_track_record_fades_between_awards() -> None:
    """An award counts fully in its year and fades with a mean memory of track_memory_years (VgV § 46: the last three
    years' references); a longer memory keeps more of it, and a dissolved MSO's record stays as it was."""
    kept = {}
    for memory in (1.0, 3.0, 10.0):
        model = hand_made(small_model(**{"applications.track_memory_years": memory}), 3, track_record=[4.0, 1.0, 4.0],
                          alive=[True, True, False])
        for _ in range(model.config.steps_per_year):
            decay_rejections(model)
        kept[memory] = model.msos.track_record[:3].copy()
        assert_allclose(kept[memory][:2], np.array([4.0, 1.0]) * np.exp(-1.0 / memory), rtol=1e-12)  # one year
        assert kept[memory][2] == 4.0                                                     # the dead do not change
    assert kept[1.0][0] < kept[3.0][0] < kept[10.0][0] < 4.0
