"""Issue 15: the mechanisms that keep the long run credible, each with its direction (district scale, paired seeds)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from msosim import MSOModel
from msosim.experiments import longrun
from msosim.submodels.demography import dissolve, secured
from msosim.submodels.finances import spend_reserves
from msosim.submodels.rates import per_step
from msosim.submodels.applying import own_share, uninformed
from msosim.submodels.grants import grant_terms
from msosim.submodels.volunteers import community_room
from msosim.population import group_shares
from msosim.scenario import with_overrides
from msosim.state import PROJECT

from .conftest import SCENARIOS
from .mechanism_helpers import LARGE, assert_binomial, assert_direction, funder_named, hand_made, small_model

DISTRICT = SCENARIOS / "district.yaml"
LADDER = (0.1, 1.0, 10.0, 100.0, 1000.0)
CALM = {"events": []}
SHORT_TIME_WORK = {"events": [{"kind": "refugee_surge", "start": 2015.0},
                              {"kind": "pandemic", "start": 2020.2, "staff_cost_factor": 0.9},
                              {"kind": "polarisation", "start": 2023.77}]}


@lru_cache(maxsize=None)
def _district_end(budget_factor: float, seed: int, variant: str, horizon: float = 1.0) -> tuple[int, int]:
    """(MSOs alive after 10 years, insolvencies) of district.yaml at a budget factor."""
    overrides = {"calm": CALM, "short_time_work": SHORT_TIME_WORK, "baseline": {}}[variant]
    model = MSOModel(DISTRICT, seed=seed, **{"policy.budget_factor": budget_factor,
                                             "finance.financing_horizon": horizon, **overrides}).run(10)
    table = model.datacollector.get_model_vars_dataframe()
    return int(table["alive"].iloc[-1]), int(table["dissolved_insolvency"].sum())


def alive(budget_factor: float, seeds, variant: str, horizon: float = 1.0) -> np.ndarray:
    return np.array([_district_end(budget_factor, seed, variant, horizon)[0] for seed in seeds], dtype=float)


def test_own_share_of_a_project_grant_by_hand():
    """A project grant of 0.5 FTE leaves its MSO the co-funding, office and overhead gap (known answer)."""
    model = small_model()
    funder = funder_named(model, "federal_integration")
    fin, cfg = model.config.finance, funder.config
    direct = np.array([0.5 * fin.staff_cost_per_fte / cfg.staff_share])
    amount, _, fte, material, _ = grant_terms(model, funder, PROJECT, direct.copy(), cfg.staff_share)
    by_hand = (direct * (1 + fin.overhead_needed) + 0.5 * (fin.office_costs - fin.earned_income_per_fte)
               - direct * (1 + fin.overhead_allowed) / (1 - cfg.cofunding_share * fin.cofunding_in_kind)
               * (1 - cfg.cofunding_share))
    np.testing.assert_allclose(own_share(model, fte, material, amount), by_hand, rtol=1e-12)
    assert by_hand[0] > 0  # projects cost their holder money (Gregory & Howard 2009: overhead gap; co-funding)


@pytest.mark.slow
def test_secured_financing_cuts_insolvencies_under_plenty():
    """With ten times today's budgets, the check of secured total financing leaves fewer insolvencies."""
    seeds = (1, 2, 3, 4)
    unchecked = [_district_end(10.0, seed, "baseline", 0.0)[1] for seed in seeds]
    checked = [_district_end(10.0, seed, "baseline", 1.0)[1] for seed in seeds]
    assert_direction(np.array(checked), np.array(unchecked), "insolvencies without the financing check")


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["calm"])
def test_budget_ladder_never_lowers_survival(variant):
    """0.1x ... 1000x every funder's budget, paired seeds 1-32, without events: no rung has fewer MSOs alive than the
    rung below (the mean paired difference is not below zero by more than 2 SE, or is within 1% of the stock).
    32 seeds, because past the first grant the paired runs draw different foundings (a Poisson count of about 74
    in ten years, sd about 9 per run): at seeds 1-4 alone 0.1x -> 1x read -13, -27, -15, -4 on 2026-12-06, at
    seeds 1-32 -0.3 (se 2.7), founded -1.4. Measured then (mean alive after 10 years): 431.5, 431.2, 442.1,
    441.1, 440.4."""
    seeds = tuple(range(1, 33))
    for low, high in zip(LADDER, LADDER[1:]):
        diff = alive(high, seeds, variant) - alive(low, seeds, variant)
        se = diff.std(ddof=1) / np.sqrt(diff.size)
        small = -0.01 * alive(low, seeds, variant).mean()
        assert diff.mean() >= min(-2.0 * se, small), f"{low}x -> {high}x: alive differs by {diff.tolist()}"


@pytest.mark.slow
def test_under_the_pandemic_more_money_lowers_survival_through_thin_margins():
    """The named exception: MSOs holding many projects carry many own shares (co-funding, office, the overhead funders
    do not pay); when the pandemic takes a quarter of their fees and donations (Multikulturelles Forum 2020; the
    funders make up their staff's earned income, docs/ODD.md 7.10) and staff costs stay whole, a thousand times
    today's budgets leave fewer MSOs alive than ten times (calibration of 2026-12-06 with the fading track record,
    seeds 1-32, mean alive after 10 years: 0.1x 425.9, 1x 431.2, 10x 440.5, 100x 429.7, 1000x 430.1; 10x -> 100x
    -10.8, se 2.2; without events 10x -> 100x is -1.0, se 2.1). Seeds 1-8 alone no longer resolved it (+8.6,
    se 4.9)."""
    seeds = tuple(range(1, 33))
    assert_direction(alive(1000.0, seeds, "baseline"), alive(10.0, seeds, "baseline"), "survival at 10x over 1000x")


def test_reserves_above_what_non_profit_law_allows_are_spent_within_about_two_years():
    """§ 55/62 AO: a volunteer-only MSO keeps 6 months of basic costs plus 10% of last year's income; the rest
    is spent at half a year's rate (known answer); below the allowance and dead MSOs spend nothing."""
    model = hand_made(small_model(), 3, reserves=[20000.0, 300.0, 20000.0], volunteers=5, members=20)
    model.msos.income_last_year[:3, 1] = 5000.0
    model.msos.alive[2] = False
    spend_reserves(model)
    fin = model.config.finance
    allowed = fin.base_costs_volunteer * fin.operating_reserve_months / 12 + fin.free_reserve_share * 5000.0
    expected = 20000.0 - (20000.0 - allowed) * (1 - (1 - fin.spending_rate) ** (1 / 12))
    np.testing.assert_allclose(model.msos.reserves[:3], [expected, 300.0, 20000.0], rtol=1e-12)
    assert model.flow["reserves_spent"] == pytest.approx(20000.0 - expected)


def test_prompt_use_of_funds_keeps_median_reserves_down():
    """Direction over a decade at district scale: with the spending rule, living MSOs hold lower median reserves."""
    def median_reserves(rate: float, seed: int) -> float:
        model = MSOModel(DISTRICT, seed=seed, **{"finance.spending_rate": rate, **CALM}).run(5)
        m = model.msos
        return float(np.median(m.reserves[: m.n][m.alive[: m.n]]))
    seeds = (1, 2, 3)
    assert_direction(np.array([median_reserves(0.5, s) for s in seeds]),
                     np.array([median_reserves(0.0, s) for s in seeds]), "median reserves without the spending rule")


def test_community_room_is_shared_by_the_msos_of_one_district_and_origin_group():
    """Known answer: two MSOs of one group in one district share its base; another group's MSO has its own."""
    model = hand_made(small_model(), 3, members=[30, 10, 5], volunteers=3, group=[0, 0, 1])
    base = model.config.volunteers.community_reach * model.districts.migrants[0] * group_shares()
    room = community_room(model)
    np.testing.assert_allclose(room, [1 - 40 / base[0], 1 - 40 / base[0], 1 - 5 / base[1]], rtol=1e-12)
    model.msos.members[0] = int(base[0]) + 1  # the base is full: no room, never negative
    assert community_room(model)[1] == 0.0


def test_a_bounded_community_base_keeps_members_per_mso_down():
    """Direction: with a base of 5% of the migrants instead of all of them, members per MSO grow less in 20 years."""
    def members_per_mso(reach: float, seed: int) -> float:
        model = MSOModel(DISTRICT, seed=seed, **{"volunteers.community_reach": reach, **CALM}).run(20)
        m = model.msos
        return float(m.members[: m.n][m.alive[: m.n]].mean())
    seeds = (1, 2, 3)
    assert_direction(np.array([members_per_mso(0.05, s) for s in seeds]),
                     np.array([members_per_mso(1.0, s) for s in seeds]), "members per MSO with an unbounded base")


def test_msos_with_secured_means_dissolve_less_often_from_other_causes():
    """Background dissolution (leaders move away, mergers, loss of purpose) is a quarter as likely for an MSO with a
    grant or reserves covering its operating reserve (Tuckman & Chang 1991; Hager 2001: direction)."""
    rows = 400
    model = hand_made(MSOModel(None, seed=1, **{**LARGE, "background_dissolution_rate": 0.99}), rows,
                      volunteers=10, members=20, reserves=np.repeat([1e5, 0.0], rows // 2))
    assert secured(model).tolist() == [True] * (rows // 2) + [False] * (rows // 2)
    dissolve(model)
    died = ~model.msos.alive[:rows]
    assert (model.msos.death_cause[:rows][died] == 3).all()
    for half, factor in ((slice(0, rows // 2), 0.25), (slice(rows // 2, rows), 1.0)):
        assert_binomial(died[half].sum(), rows // 2, per_step(0.99 * factor, 12))


def test_federations_and_ties_tell_volunteer_only_msos_of_calls():
    """Known answer: the information gap (BIM 2018: 50%) halves with a federation and shrinks 15% per tie (switched
    on here; off by default); staffed
    MSOs always know; application support closes its share of the gap."""
    model = hand_made(small_model(**{"applications.federation_information": 0.5, "applications.tie_information": 0.15}),
                      5, volunteers=5, members=20, federation=[False, True, False, True, False],
                      staff_fte=[0, 0, 0, 0, 1.0])
    model.ties.append(3, a=[2, 2, 3], b=[0, 4, 4], active=[True, True, False], formed_step=0)
    gap = uninformed(model, np.arange(5))
    np.testing.assert_allclose(gap, [0.5 * 0.85, 0.5 * 0.5, 0.5 * 0.85**2, 0.5 * 0.5, 0.0], rtol=1e-12)
    model.config = with_overrides(model.config, {"policy.application_support": 0.4})  # a scenario is a value
    np.testing.assert_allclose(uninformed(model, np.arange(5))[1], 0.5 * 0.6 * 0.5, rtol=1e-12)


def test_initial_ages_follow_size_so_the_young_are_the_small():
    """The same ages, handed out by size: with the correlation the initial young MSOs are smaller (rank correlation
    of age and members clearly positive), without it not."""
    from scipy.stats import spearmanr

    def correlation(rho: float) -> float:
        model = MSOModel(None, seed=1, **{"population.scale": "land", "population.land": "NW",
                                          "population.initial": "tables", "population.age_size_correlation": rho})
        m = model.msos
        return float(spearmanr(-m.founded_step[: m.n], m.members[: m.n]).statistic)
    assert correlation(0.8) > 0.5 and abs(correlation(0.0)) < 0.05


@pytest.mark.slow
def test_the_initial_cohort_shows_the_liability_of_newness():
    """Issue 15: with ages following size, the initial cohort's young (< 5 years) dissolve more often than its old
    (Land NW, 10 years, paired seeds); with ages drawn independently of state they did not. The age-size copula is
    how today's tables are drawn, so the runs start from them (from a spin-up the copula only shapes the spin-up's
    own start, ten years earlier; validate's L7 checks the spun-up cohort)."""
    def ratio(rho: float, seed: int) -> float:
        model = MSOModel(SCENARIOS / "baseline.yaml", seed=seed, **{"population.scale": "land", "population.land": "NW",
                                                                     "population.initial": "tables",
                                                                     "population.age_size_correlation": rho}).run(10)
        return longrun.initial_cohort_newness(model.tables(("msos",))["msos"], 12).value
    seeds = (1, 2, 3)
    with_size = np.array([ratio(0.8, s) for s in seeds])
    assert_direction(np.array([ratio(0.0, s) for s in seeds]), with_size, "young/old hazard of the initial cohort")
    assert (with_size > 1).all(), with_size.tolist()
