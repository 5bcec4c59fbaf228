"""Policy directions at district scale (issue 8): each lever moves its outcome the way the literature expects.

Every comparison runs one large district (scenarios/district.yaml: the largest district of North
Rhine-Westphalia, about 430 MSOs, 2014-2024) under two conditions with the same seeds (common random
numbers), takes the per-seed difference of one clearly defined outcome, and asserts its direction with
the one-sided 95% t-interval of the mean paired difference, never a single seed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import stats

from msosim import MSOModel
from msosim.experiments.batch import RunSpec, execute
from msosim.scenario import Scenario, load_scenario

from .conftest import SCENARIOS

DISTRICT = {"population.scale": "district", "population.land": "NW"}  # what district.yaml sets on baseline.yaml
SEEDS = tuple(range(1, 13))
MANY_SEEDS = tuple(range(1, 41))             # for the small effect of less bureaucracy on who gets money
REFORM_SEEDS = tuple(range(1, 25))           # for who the institutional reform funds (a share of a few hundred MSOs)
YEARS = 10.0
CONDITIONS = {                               # name: (scenario file, overrides on top of DISTRICT)
    "today": ("district", {}),
    "institutional": ("institutional", {}),
    "less_bureaucracy": ("less_bureaucracy", {}),
    "austerity": ("austerity", {}),
    "no_dialogue": ("district", {"policy.dialogue_formats": 0.0}),
    "dialogue": ("district", {"policy.dialogue_formats": 1.0}),
    "funded_delegation": ("district", {"policy.delegation_funded_share": 1.0}),
    "unfunded_delegation": ("district", {"policy.delegation_funded_share": 0.0}),
}


def district_scenario(condition: str) -> Scenario:
    """A policy scenario (they extend the national baseline) run at the scale of district.yaml."""
    name, overrides = CONDITIONS[condition]
    return load_scenario(SCENARIOS / f"{name}.yaml", {**DISTRICT, **overrides, "name": condition})


def spec(condition: str, seed: int) -> RunSpec:
    scenario = district_scenario(condition)
    return RunSpec(scenario.model_dump_json(), scenario.content_hash(), condition, seed, YEARS)


@dataclass
class Measured:
    condition: str
    seed: int
    outcomes: dict[str, float]
    initial: dict[str, np.ndarray]   # per MSO present at the start (the same rows under every condition of a seed)


def measure(run: RunSpec) -> Measured:
    """Run one replication step by step and return every outcome the tests below compare."""
    scenario = Scenario.model_validate_json(run.scenario_json)
    model = MSOModel(scenario, seed=run.seed)
    spy, m = scenario.steps_per_year, model.msos
    n0 = m.n
    staffed0 = m.staff_fte[:n0] > 0
    staffed_at_start = np.flatnonzero(staffed0)
    volunteer_only_before: list[np.ndarray] = [np.zeros(0, dtype=bool)]  # per step: volunteer-only when it began
    delegated_burnout = []
    alive_after_first_year = m.alive[:n0].copy()
    for step in range(round(run.years * spy)):
        volunteer_only_before.append(m.alive[: m.n] & (m.staff_fte[: m.n] <= 0))
        model.step()
        if step + 1 == spy:
            alive_after_first_year = m.alive[:n0].copy()
        doing = m.alive[: m.n] & (m.delegated_load[: m.n] > 0)
        delegated_burnout.append(m.burnout[: m.n][doing].mean() if doing.any() else np.nan)
    table = model.datacollector.get_model_vars_dataframe().iloc[1:]
    events = model.event_frame()
    return Measured(run.scenario_name, run.seed, {
        **staff_outcomes(table, spy),
        "staffed_start_dissolved_share": float((~m.alive[staffed_at_start]).mean()),
        **volunteer_only_funding(events, volunteer_only_before, spy),
        "delegated_burnout": float(np.nanmean(delegated_burnout)),
        "unfunded_task_share": float(table["unfunded_task_share"].mean()),
        "ties_per_mso_end": float(table["ties_per_mso"].iloc[-1]),
        "mean_trust_end": float(table["mean_trust"].iloc[-1]),
        "dissolved_from_2017": float(table.loc[table["year"] > 2017.0, "dissolved"].sum()),
    }, first_year_funding(model, events, staffed0, spy, alive_after_first_year))


def first_year_funding(model, events, staffed0: np.ndarray, spy: int,
                       alive_after_first_year: np.ndarray) -> dict[str, np.ndarray]:
    """Per MSO present at the start: staffed then, won a grant of the funders in policy scope in the first year,
    alive after it, dissolved by the end."""
    m, n0 = model.msos, staffed0.size
    in_scope = [f.name for f in model.funders if f.config.policy_scope]
    awards = events[(events["event"] == "grant_awarded") & (events["step"] <= spy) & (events["mso"] < n0)]
    won = np.zeros(n0, dtype=bool)
    won[awards.loc[awards["funder"].isin(in_scope), "mso"].to_numpy()] = True
    return {"staffed": staffed0, "won_first_year": won,
            "alive_after_first_year": alive_after_first_year, "dissolved": ~m.alive[:n0]}


def staff_outcomes(table, spy: int) -> dict[str, float]:
    """Staff lost at grant cliffs (FTE per year), and the saw-tooth: the share of paid staff lost per year
    (month-to-month falls of paid FTE over mean paid FTE) from year 4 on, after today's project grants have run out."""
    later = table.iloc[3 * spy:]
    staff = table["staff_fte"].to_numpy()[3 * spy - 1:]
    falls = np.maximum(staff[:-1] - staff[1:], 0.0).sum()
    return {"staff_lost_at_cliff_per_year": float(table["staff_lost_at_cliff"].sum() / (len(table) / spy)),
            "staff_drop_share_per_year": float(falls / max(later["staff_fte"].mean(), 1e-9) / (len(later) / spy)),
            "staff_fte_mean_from_2017": float(table.loc[table["year"] > 2017.0, "staff_fte"].mean())}


def volunteer_only_funding(events, volunteer_only_before: list[np.ndarray], spy: int) -> dict[str, float]:
    """Per year, the share of volunteer-only MSOs that apply to at least one call, and that win at least one
    grant (status at the start of the step of the call), averaged over the years."""
    shares = {"grant_applied": [], "grant_awarded": []}
    years = (len(volunteer_only_before) - 1) // spy
    for year in range(years):
        first = 1 + year * spy
        at_risk = volunteer_only_before[first].sum()
        for kind, values in shares.items():
            rows = events[(events["event"] == kind) & (events["step"] >= first) & (events["step"] < first + spy)]
            who = {(int(step), int(mso)) for step, mso in zip(rows["step"], rows["mso"])
                   if volunteer_only_before[int(step)][int(mso)]}
            values.append(len({mso for _, mso in who}) / max(at_risk, 1))
    return {"volunteer_only_applying_share": float(np.mean(shares["grant_applied"])),
            "volunteer_only_funded_share": float(np.mean(shares["grant_awarded"]))}


def measure_all(conditions, seeds) -> dict[str, dict[str, np.ndarray]]:
    """condition -> outcome -> one value per seed (in seed order); all runs in one process pool."""
    results: list[Measured] = []
    jobs = [spec(condition, seed) for condition in conditions for seed in seeds]
    execute(jobs, min(2, os.cpu_count() or 1), results.append, worker=measure)
    by_condition: dict[str, dict[str, np.ndarray]] = {}
    for condition in conditions:
        mine = sorted((r for r in results if r.condition == condition), key=lambda r: r.seed)
        assert [r.seed for r in mine] == list(seeds)
        by_condition[condition] = {key: np.array([r.outcomes[key] for r in mine]) for key in mine[0].outcomes}
        by_condition[condition]["initial"] = [r.initial for r in mine]  # per seed: the arrays of first_year_funding
    return by_condition


@pytest.fixture(scope="module")
def measured() -> dict[str, dict[str, np.ndarray]]:
    return measure_all(CONDITIONS, SEEDS)


@pytest.fixture(scope="module")
def measured_many() -> dict[str, dict[str, np.ndarray]]:
    return measure_all(("today", "less_bureaucracy", "austerity"), MANY_SEEDS)


@pytest.fixture(scope="module")
def measured_reform() -> dict[str, dict[str, np.ndarray]]:
    return measure_all(("today", "institutional"), REFORM_SEEDS)


def paired_difference(measured, outcome: str, low: str, high: str) -> tuple[np.ndarray, float, float]:
    """Per-seed differences high - low of an outcome, their mean and the lower one-sided 95% t-bound of the mean."""
    diff = measured[high][outcome] - measured[low][outcome]
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    return diff, float(diff.mean()), float(diff.mean() - stats.t.ppf(0.95, diff.size - 1) * se)


def assert_higher(measured, outcome: str, low: str, high: str) -> None:
    """`outcome` is higher under condition `high` than under `low`: the one-sided 95% t-interval of the mean
    paired difference lies above 0."""
    diff, mean, bound = paired_difference(measured, outcome, low, high)
    assert bound > 0, (f"{outcome}: expected higher under '{high}' than under '{low}'; mean paired difference "
                       f"{mean:.4g}, one-sided 95% lower bound {bound:.4g}, per seed {np.round(diff, 4).tolist()}")


def test_institutional_funding_loses_fewer_staff_at_cliffs(measured) -> None:
    assert_higher(measured, "staff_lost_at_cliff_per_year", "institutional", "today")


def test_institutional_funding_keeps_paid_staff_flat_rather_than_saw_tooth(measured) -> None:
    assert_higher(measured, "staff_drop_share_per_year", "institutional", "today")


def dissolution_by_reform_funding(measured, reform: str, funded: bool) -> dict[str, np.ndarray]:
    """Per seed, of the MSOs staffed at the start and alive after the first year under both today's policy and
    `reform` (the same rows: a seed builds the same start), those the reform funded in its first year (a grant of
    the funders in policy scope) or not (`funded`): the share dissolved by the end under each policy. Classing by
    the first year's awards and counting only later dissolutions keeps the reform's own later luck out of the class."""
    shares = {"today": [], reform: []}
    for today, after in zip(measured["today"]["initial"], measured[reform]["initial"], strict=True):
        mine = today["staffed"] & today["alive_after_first_year"] & after["alive_after_first_year"]
        mine &= after["won_first_year"] == funded
        shares["today"].append(today["dissolved"][mine].mean())
        shares[reform].append(after["dissolved"][mine].mean())
    return {key: np.array(values) for key, values in shares.items()}


def test_institutional_funding_lowers_dissolution_of_staffed_msos(measured_reform) -> None:
    # Issue 15, point 6, over all MSOs staffed at the start. From 2026-12-05 until calls opened only with money to
    # award (docs/ODD.md 7.7, `open_calls`) this failed (-0.005); afterwards, until the fading track record, it was a
    # strict expected failure at 12 seeds (-0.48 points: the MSOs the reform shuts out lost more than those it funds
    # gained; docs/ODD.md 1.2, "concentration"). With the track record fading (calibration of 2026-12-06, commit
    # 2d23692): 5.48% -> 4.65% dissolved, +0.83 points, se 0.23 at seeds 1-24 (seeds 1-12: +0.58, se 0.43, too few).
    assert_higher(measured_reform, "staffed_start_dissolved_share", "institutional", "today")


def test_institutional_funding_lowers_dissolution_of_the_staffed_msos_it_funds(measured_reform) -> None:
    # The MSOs the reform funds in its first year (docs/ODD.md 1.2, "concentration"): 4.49% -> 1.75% dissolved after
    # the first year (commit 2d23692, seeds 1-24; paired difference +2.74 points, se 0.33). Those it shuts out
    # dissolve a little more often than today (5.43% -> 5.98%, se of the difference 0.40 points): fewer MSOs hold the
    # money, for longer (tests/test_mechanisms_money.py::test_concentration_*).
    shares = dissolution_by_reform_funding(measured_reform, "institutional", funded=True)
    assert_higher({"today": {"share": shares["today"]}, "institutional": {"share": shares["institutional"]}},
                  "share", "institutional", "today")


def test_less_bureaucracy_brings_more_volunteer_only_msos_to_apply(measured) -> None:
    assert_higher(measured, "volunteer_only_applying_share", "today", "less_bureaucracy")


@pytest.mark.slow
def test_less_bureaucracy_brings_money_to_more_volunteer_only_msos(measured_many) -> None:
    # A small effect (about +4% of the share, 2014-2024): budgets are fixed and score-based ranking favours
    # staff and track record, which application support cannot supply; hence 40 seeds.
    assert_higher(measured_many, "volunteer_only_funded_share", "today", "less_bureaucracy")


def test_unfunded_delegation_burns_out_the_msos_doing_the_tasks_more_than_funded(measured) -> None:
    assert_higher(measured, "delegated_burnout", "funded_delegation", "unfunded_delegation")


def test_dialogue_formats_bring_more_cooperation_ties(measured) -> None:
    assert_higher(measured, "ties_per_mso_end", "no_dialogue", "dialogue")


def test_dialogue_formats_bring_more_trust(measured) -> None:
    assert_higher(measured, "mean_trust_end", "no_dialogue", "dialogue")


def test_austerity_cuts_paid_staff_and_leaves_more_delegated_work_unpaid(measured) -> None:
    assert_higher(measured, "staff_fte_mean_from_2017", "austerity", "today")
    assert_higher(measured, "unfunded_task_share", "today", "austerity")


def test_austerity_brings_more_dissolutions(measured_many) -> None:
    # issue 15: lost under the § 55 AO spending rule (+1.2, se 1.4, 8 seeds); with vacancies, returns, lasting
    # information and state-dependent dissolution a few more (12 seeds: +5.6, se 2.1, then +3.75, se 2.8 after a
    # change of the random stream), so it is measured over the 40 seeds of the small effects: +6.3, se 1.6
    assert_higher(measured_many, "dissolved_from_2017", "today", "austerity")
