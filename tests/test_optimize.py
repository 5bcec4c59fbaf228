"""msosim optimize: the search finds a known optimum, the budget rule holds for every candidate, the draws are the
calibration's particles, common random numbers, and bad optimisation files give one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from msosim.cli import app
from msosim.experiments.experiment import ExperimentError
from msosim.experiments.optimize_budget import (candidate, project, reference_shares, reference_values, spending,
                                                target_budget)
from msosim.experiments.optimize_file import load_optimisation
from msosim.experiments.optimize_runs import Plan, candidate_specs, uncertainty_draws
from msosim.experiments.optimize_search import search
from msosim.experiments.particles import draw, read_particles

from .optimize_helpers import write_optimisation


# -- the search ------------------------------------------------------------------------------------------------------

def test_search_finds_the_known_optimum_of_a_toy_objective() -> None:
    def toy(variables, generation):
        x = np.array(variables)
        return np.c_[(x[:, 0] - 0.3) ** 2 + (x[:, 1] - 0.7) ** 2, np.abs(x[:, 2] - 0.5)]

    live = []
    trace = search([(0, 1), (0, 1), (0, 1)], [False, False], toy, population=20, generations=25, seed=4,
                   on_generation=lambda generation, volume, points: live.append(volume))
    best = trace.evaluations.sort_values("f0").iloc[0]
    assert abs(best["x0"] - 0.3) < 0.05 and abs(best["x1"] - 0.7) < 0.05
    assert trace.evaluations["f1"].min() < 0.02
    assert (np.diff(trace.convergence["hypervolume"]) >= -1e-12).all()  # the non-dominated set of all evaluations grows
    assert len(trace.convergence) == 25 and len(live) == 25
    assert (np.diff(live) >= -1e-12).all() and live[-1] > live[0]  # the progress line's value, too


def test_same_seed_same_candidates_other_seed_other_candidates() -> None:
    def toy(variables, generation):
        x = np.array(variables)
        return np.c_[x[:, 0], 1 - x[:, 0] ** 0.5 + x[:, 1]]

    first, again = (search([(0, 1), (0, 1)], [False, False], toy, population=8, generations=5, seed=9) for _ in range(2))
    other = search([(0, 1), (0, 1)], [False, False], toy, population=8, generations=5, seed=10)
    pd.testing.assert_frame_equal(first.evaluations, again.evaluations)
    pd.testing.assert_frame_equal(first.pareto, again.pareto)
    assert not first.evaluations.equals(other.evaluations)


# -- the budget rule -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return load_optimisation(write_optimisation(tmp_path_factory.mktemp("opt")))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=5, max_size=5))
def test_every_candidate_spends_the_budget_within_one_percent(tiny, unit) -> None:
    bounds = [(lever.low, lever.high) for lever in tiny.levers]
    variables = [low + u * (high - low) for u, (low, high) in zip(unit, bounds)]
    budget = target_budget(tiny)
    values, shares = candidate(tiny, variables, budget)
    scenario = tiny.base.with_overrides({**tiny.overrides, **values})  # the scenario the runs use, read back
    assert abs(spending(tiny.levers, scenario) / budget - 1) < 0.01
    assert abs(shares.sum() - 1) < 1e-9
    paid = [lever for lever in tiny.levers if lever.kind != "setting"]
    assert all(lever.low - 1e-9 <= s <= lever.high + 1e-9 for lever, s in zip(paid, shares))
    assert scenario.policy.application_support <= 1 and scenario.policy.dialogue_formats <= 1


def test_the_budget_is_today_spending_on_the_levers_plus_the_change(tmp_path, tiny) -> None:
    reference = tiny.reference
    today = (reference.funders["land_programmes"].budget + reference.policy.micro_grants_budget) \
        * reference.policy.budget_factor + 8_000_000 * reference.policy.application_support \
        + 10_000_000 * reference.policy.dialogue_formats
    assert target_budget(tiny) == pytest.approx(today)
    more = load_optimisation(write_optimisation(tmp_path, "more", budget={"change": 5_000_000}))
    assert target_budget(more) == pytest.approx(today + 5_000_000)
    values = reference_values(tiny, target_budget(tiny))  # today's mix on today's budget is today's scenario
    assert values["funders.land_programmes.budget"] == pytest.approx(reference.funders["land_programmes"].budget)
    assert reference_shares(more) == pytest.approx(reference_shares(tiny))


def test_a_priced_lever_at_its_cap_stays_inside_the_schema(tiny) -> None:
    """A share cut at the schema's maximum times cost / budget can round to 1 + 2e-16 on the way back."""
    budget = 100_001_000.0  # 8e6 / budget * budget / 8e6 = 1.0000000000000002 for this budget
    assert 8e6 / budget * budget / 8e6 > 1
    for variables in ([0.5, 0.0, 0.2, 0.2, 0.5], [0.5, 0.3, 1.0, 1.0, 0.5]):
        values, _ = candidate(tiny, variables, budget)
        assert values["policy.application_support"] <= 1 and values["policy.dialogue_formats"] <= 1
        tiny.base.with_overrides({**tiny.overrides, **values})  # validates


def test_projection_moves_weights_by_one_amount_onto_the_sum() -> None:
    shares = project(np.array([0.5, 0.5, 0.5]), np.zeros(3), np.ones(3))
    assert shares == pytest.approx([1 / 3] * 3)
    shares = project(np.array([0.9, 0.1, 0.0]), np.array([0.0, 0.0, 0.0]), np.array([1.0, 0.05, 1.0]))
    assert shares.sum() == pytest.approx(1) and shares[1] == pytest.approx(0.05)


# -- the uncertainties -----------------------------------------------------------------------------------------------

def test_posterior_draws_are_the_calibration_particles_same_seed_same_draws(tmp_path) -> None:
    particles = pd.DataFrame({"volunteers.dropout_rate": [0.16, 0.22, 0.29],
                              "funders.land_programmes.budget": [1.5e8, 1.6e8, 1.7e8],
                              "weight": [0.2, 0.5, 0.3], "distance": [0.1, 0.2, 0.3]})
    particles.to_csv(tmp_path / "calibrated_particles.csv", index=False)
    path = write_optimisation(tmp_path, uncertainties={"particles": "calibrated_particles.csv", "draws": 6})
    optimisation = load_optimisation(path)
    drawn = uncertainty_draws(optimisation, 6, seed=3)
    expected = draw(read_particles(tmp_path / "calibrated_particles.csv"), 6, 3)
    assert list(drawn["particle"]) == list(expected["particle"])
    assert "funders.land_programmes.budget" not in drawn  # a lever: the candidate sets it, not the draw
    for _, row in drawn.iterrows():
        assert row["volunteers.dropout_rate"] == particles["volunteers.dropout_rate"][row["particle"]]
    pd.testing.assert_frame_equal(drawn, uncertainty_draws(optimisation, 6, seed=3))
    plan = Plan(drawn, 1, 1, 1.0)
    values, _ = candidate(optimisation, [0.8, 0.1, 0.05, 0.05, 0.5], target_budget(optimisation))
    specs = candidate_specs(optimisation, values, plan)
    for (k, seed), spec in zip(plan.seeds(), specs):
        scenario = yaml.safe_load(spec.scenario_json)
        assert scenario["volunteers"]["dropout_rate"] == drawn["volunteers.dropout_rate"][k]
        assert scenario["funders"]["land_programmes"]["budget"] == pytest.approx(values["funders.land_programmes.budget"])
        assert spec.seed == seed == 1 + k


def test_common_random_numbers_every_candidate_gets_the_same_draws_and_seeds(tiny) -> None:
    plan = Plan(uncertainty_draws(tiny, 2, seed=1), 2, 5, 1.0)
    budget = target_budget(tiny)
    first = candidate_specs(tiny, candidate(tiny, [0.9, 0.1, 0.0, 0.0, 0.2], budget)[0], plan)
    second = candidate_specs(tiny, candidate(tiny, [0.6, 0.2, 0.1, 0.1, 0.9], budget)[0], plan)
    assert [s.seed for s in first] == [s.seed for s in second] == [5, 6, 7, 8]
    for a, b in zip(first, second):
        assert yaml.safe_load(a.scenario_json)["volunteers"] == yaml.safe_load(b.scenario_json)["volunteers"]
        assert a.scenario_hash != b.scenario_hash


# -- bad files -------------------------------------------------------------------------------------------------------

BAD = [
    ({"levers": {"policy.budget_factr": {"min": 0, "max": 1}}}, "levers.policy.budget_factr"),
    ({"levers": {"funders.land_programmes.budget": {"min": 0, "max": 1}}}, "levers.funders.land_programmes.budget.min"),
    ({"levers": {"policy.institutional_share": {"min": 0, "max": 1}}}, "levers"),
    ({"objectives": {"alive": {"outcome": "alive_ende"}}}, "objectives.alive.outcome"),
    ({"objectives": {"alive": {"outcome": "alive_end", "statistic": "median"}}}, "objectives.alive.statistic"),
    ({"objectives": {"alive": {"outcome": "alive_end", "direction": "up"}}}, "objectives.alive.direction"),
    ({"uncertainties": {"particles": "missing.csv"}}, "uncertainties"),
    ({"search": {"population": 2}}, "search.population"),
    ({"search": {"algorithm": "eps_nsga2"}}, "search.epsilons"),
    ({"replicatons": 3}, "replicatons"),
    ({"uncertainties": {"parameters": {"volunteers.dropout_rate": [0.2, 1.5]}}}, "uncertainties.parameters (high)"),
    ({"uncertainties": {"particles": "bad_particles.csv"}}, "uncertainties.particles"),
    ({"scenario": "nowhere.yaml"}, "scenario"),
    ({"budget": {"change": -1e12}}, "budget"),
    ({"fixed": {"population.land": "HB", "policy.budget_factor": 0}}, "fixed.policy.budget_factor"),
]


@pytest.mark.parametrize("fields, key", BAD, ids=[key for _, key in BAD])
def test_bad_file_gets_one_line_exit_2_and_writes_nothing(tmp_path, fields, key) -> None:
    (tmp_path / "bad_particles.csv").write_text("volunteers.dropout_rate,weight,distance\n0.2,-1,0.1\n", encoding="utf-8")
    path = write_optimisation(tmp_path, "bad", **fields)
    result = CliRunner().invoke(app, ["optimize", str(path), "--workers", "1", "--store", str(tmp_path / "s.duckdb"),
                                      "--report", str(tmp_path / "report")])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert str(path) in lines[0] and f"'{key}'" in lines[0] and "allowed" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "bad_particles.csv"]


def test_load_refuses_share_ranges_that_cannot_sum_to_one(tmp_path) -> None:
    path = write_optimisation(tmp_path, levers={"funders.land_programmes.budget": {"share": [0.1, 0.4]},
                                                "policy.micro_grants_budget": {"share": [0.0, 0.3]}})
    with pytest.raises(ExperimentError, match="'levers'.*sum"):
        load_optimisation(path)


def test_epsilon_nsga2_finds_the_known_front_of_a_toy_problem() -> None:
    def toy(variables, generation):  # Pareto front: x1 = 0.5, f0 = x0, f1 = 1 - x0
        x = np.array(variables)
        return np.c_[x[:, 0] + (x[:, 1] - 0.5) ** 2, 1 - x[:, 0] + (x[:, 1] - 0.5) ** 2]

    trace = search([(0, 1), (0, 1)], [False, False], toy, population=16, generations=20, seed=2,
                   algorithm="eps_nsga2", epsilons=[0.05, 0.05])
    assert len(trace.pareto) >= 5
    off = np.abs(trace.pareto["x1"] - 0.5)
    assert off.median() < 0.05 and (off < 0.1).mean() > 0.9
    assert trace.pareto["x0"].max() - trace.pareto["x0"].min() > 0.5  # spread along the front


def test_what_the_batch_does_with_random_does_not_move_the_search() -> None:
    """Dask's client draws from Python's `random` in this process; the search's stream is kept apart from it."""
    import random

    def toy(variables, generation):
        return np.c_[np.array(variables)[:, 0], 1 - np.array(variables)[:, 0] ** 2]

    def noisy(variables, generation):
        random.random()
        return toy(variables, generation)

    quiet = search([(0, 1), (0, 1)], [False, False], toy, population=6, generations=4, seed=3)
    loud = search([(0, 1), (0, 1)], [False, False], noisy, population=6, generations=4, seed=3)
    pd.testing.assert_frame_equal(quiet.evaluations, loud.evaluations)
