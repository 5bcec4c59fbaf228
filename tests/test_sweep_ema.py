"""The EMA Workbench adapter: msosim as an ema_workbench Model."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from msosim.api import run, run_outcomes
from msosim.experiments.ema import make_model, parameter_name, scenario_key
from msosim.experiments.experiment import ExperimentError
from msosim.scenario import load_scenario

from .conftest import SCENARIOS, SMALL

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from ema_workbench import perform_experiments


def test_names_map_dots_to_double_underscores() -> None:
    assert parameter_name("funders.federal_projects.budget") == "funders__federal_projects__budget"
    assert scenario_key("policy__budget_factor") == "policy.budget_factor"


def test_perform_experiments_returns_msosim_outcomes() -> None:
    base = load_scenario(SCENARIOS / "district.yaml", SMALL)
    model = make_model(base, {"policy.budget_factor": (0.5, 2.0), "policy.funding_mode": ["project", "institutional"],
                              "finance.insolvency_months": (3, 12)},
                       ["alive_end", "staff_fte_end"], uncertainties={"volunteers.dropout_rate": (0.1, 0.4)},
                       years=1, seed=7)
    experiments, outcomes = perform_experiments(model, scenarios=2, policies=2)
    assert len(experiments) == 4 and set(outcomes) == {"alive_end", "staff_fte_end"}
    assert {"policy__budget_factor", "policy__funding_mode", "finance__insolvency_months",
            "volunteers__dropout_rate"} <= set(experiments.columns)
    first = experiments.iloc[0]
    overrides = {"policy.budget_factor": float(first["policy__budget_factor"]),
                 "policy.funding_mode": first["policy__funding_mode"],
                 "finance.insolvency_months": int(first["finance__insolvency_months"]),
                 "volunteers.dropout_rate": float(first["volunteers__dropout_rate"])}
    direct = run_outcomes(run(load_scenario(SCENARIOS / "district.yaml", {**SMALL, **overrides}), seed=7,
                              years=1)["model"], 12)
    assert outcomes["alive_end"][0] == direct["alive_end"]
    np.testing.assert_allclose(outcomes["staff_fte_end"][0], direct["staff_fte_end"])


def test_levers_only_sample_seeds_as_scenarios_and_replications_use_seed_plus_r() -> None:
    base = load_scenario(SCENARIOS / "district.yaml", SMALL)
    model = make_model(base, {"policy.budget_factor": (0.5, 2.0)}, ["volunteers_end"], years=0.5)
    experiments, outcomes = perform_experiments(model, scenarios=1, policies=2)
    assert len(outcomes["volunteers_end"]) == 2 and "seed" in experiments.columns
    replicated = make_model(base, {"policy.budget_factor": (0.5, 2.0)}, ["dissolved_total"], years=0.5, replications=2,
                            uncertainties={"volunteers.join_rate": (0.05, 0.2)})
    assert [r["seed"] for r in replicated.replications] == [1, 2]
    _, outcomes = perform_experiments(replicated, scenarios=1, policies=1)
    assert outcomes["dissolved_total"].shape == (1, 2)


@pytest.mark.parametrize("levers, message", [({"policy.budget_factr": (0.5, 2)}, "no such scenario key"),
                                             ({"policy.budget_factor": (0.5, 2000)}, "1000"),
                                             ({"policy.budget_factor": (2, 1)}, "greater than low"),
                                             ({"policy.budget_factor": "high"}, "a (low, high) tuple")])
def test_bad_levers_are_named(levers, message) -> None:
    with pytest.raises(ExperimentError, match="msosim.experiments.ema.make_model") as error:
        make_model(SCENARIOS / "district.yaml", levers, ["alive_end"])
    assert message in str(error.value)
