"""EMA Workbench: time-series outcomes beside the scalar ones; models of different kinds in one process."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from msosim.api import run
from msosim.experiments.ema import make_model, series_names
from msosim.experiments.experiment import ExperimentError
from msosim.scenario import load_scenario

from .conftest import SCENARIOS, SMALL

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from ema_workbench import ArrayOutcome, ScalarOutcome, SequentialEvaluator, TimeSeriesOutcome, perform_experiments


@pytest.fixture(scope="module")
def base():
    return load_scenario(SCENARIOS / "district.yaml", SMALL)


def test_perform_experiments_returns_alive_as_a_monthly_series(base) -> None:
    model = make_model(base, {"policy.budget_factor": (0.5, 2.0)}, ["alive_end"], series=["alive", "staff_fte"],
                       years=1, seed=5)
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=3, policies=1, evaluator=evaluator)
    assert outcomes["alive"].shape == (3, 13) and outcomes["staff_fte"].shape == (3, 13)
    np.testing.assert_array_equal(outcomes["alive"][:, -1], outcomes["alive_end"])
    first = experiments.iloc[0]
    scenario = load_scenario(SCENARIOS / "district.yaml",
                             {**SMALL, "policy.budget_factor": float(first["policy__budget_factor"])})
    direct = run(scenario, seed=int(first["seed"]), years=1)["model"]
    np.testing.assert_array_equal(outcomes["alive"][0], direct["alive"].to_numpy(dtype=float))


def test_a_replicated_model_gives_replications_by_months(base) -> None:
    model = make_model(base, {"policy.budget_factor": (0.5, 2.0)}, ["alive_end"], series=["alive"], years=0.5,
                       replications=2, uncertainties={"volunteers.join_rate": (0.05, 0.2)})
    _, outcomes = perform_experiments(model, scenarios=1, policies=1)
    assert outcomes["alive"].shape == (1, 2, 7) and outcomes["alive_end"].shape == (1, 2)
    np.testing.assert_array_equal(outcomes["alive"][0, :, -1], outcomes["alive_end"][0])


def test_single_and_replicated_models_with_the_same_names_build_in_one_process(base) -> None:
    kinds = []
    for replications in (1, 2, 1, 2):
        model = make_model(base, {"policy.budget_factor": (0.5, 2.0)}, ["alive_end"], series=["alive"],
                           replications=replications, uncertainties={"volunteers.join_rate": (0.05, 0.2)})
        kinds.append([type(outcome) for outcome in model.outcomes])
    assert kinds[0] == kinds[2] == [ScalarOutcome, TimeSeriesOutcome]
    assert kinds[1] == kinds[3] == [ArrayOutcome, ArrayOutcome]


def test_series_names_are_the_monthly_columns_and_are_checked(base) -> None:
    assert {"alive", "staff_fte", "step", "year", "service_coverage"} <= set(series_names())
    with pytest.raises(ExperimentError, match=r"key 'series\[0\]': value 'alive_end'"):
        make_model(base, {"policy.budget_factor": (0.5, 2.0)}, ["alive_end"], series=["alive_end"])
    with pytest.raises(ExperimentError, match="not also among the scalar outcomes"):
        make_model(base, {"policy.budget_factor": (0.5, 2.0)}, ["service_coverage"], series=["service_coverage"])
