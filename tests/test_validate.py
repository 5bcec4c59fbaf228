"""Validation: checks pass and fail on synthetic metrics, the variants, one real run, and the command."""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from msosim.experiments import analysis, grant_calls
from msosim.cli import app
from msosim.model import MSOModel
from msosim.scenario import Pandemic, RefugeeSurge

from .conftest import SCENARIOS

validate = importlib.import_module("msosim.experiments.validate")
validation_checks = importlib.import_module("msosim.experiments.checks")

IDS = ["1", "2a", "2b", "3a", "3b", "3c", "4a", "4b", "5a", "5b", "5c", "6a", "6b",
       "L1", "L2", "L3a", "L3b", "L4", "L6", "A1", "A2", "A3", "A4a", "A4b",
       "7a", "7b", "7c", "7d", "7e", "7f", "7g", "8", "L7", "9a", "9b"]
LONG_RUN = ("alive_relative", "volunteers_per_mso", "mean_burnout", "median_reserves", "service_coverage",
            "dissolution_rate")

# Per role, values that meet every target (the run-to-run noise added below keeps them inside).
PASSING = {
    "baseline": {"fields_max_dev_pp": 0.6, "dissolution_rate": 0.02, "hazard_young": 0.06, "hazard_old": 0.02,
                 "staff_drop_share": 0.09, "staffed_money_concentration": 1.9, "gini_change": 0.03,
                 "gini_last": 0.75,
                 "coop_share_after_surge": 0.55, "trust_after_surge": 0.68, "hazard_volunteer_only": 0.03,
                 "hazard_staffed": 0.015, "award_rate_staffed": 0.33, "award_rate_volunteer_only": 0.21,
                 "award_rate_federation": 0.33, "award_rate_non_federation": 0.27, "hazard_density_low": 0.03,
                 "hazard_density_middle": 0.015, "hazard_density_high": 0.025,
                 "hazard_pandemic_volunteer_only": 0.05, "hazard_pandemic_staffed": 0.02,
                 "applied_within_5_years": 0.63, "applying_share_per_year": 0.35, "reapply_3y_awarded": 0.8,
                 "reapply_3y_rejected": 0.55, "reapply_next_awarded": 0.6, "reapply_next_rejected": 0.4,
                 "volunteer_only_share": 0.41, "volunteer_only_start": 0.41, "initial_hazard_young": 0.06,
                 "initial_hazard_old": 0.02, "laender_top_four": 4.0, "laender_east_excess": -0.05},
    "long_calm": {**dict(zip((f"long_run_{name}" for name in LONG_RUN), (1.0, 15.0, 0.2, 5000.0, 0.9, 0.02))),
                  **{f"long_run_{name}_drift": 0.02 for name in LONG_RUN}, "long_run_volunteer_only_share": 0.41},
    "calm": {"alive_min": 12800.0, "alive_max": 13600.0},
    "institutional": {"staff_drop_share": 0.007},
    "lottery": {"gini_change": -0.01, "gini_last": 0.70},
    "from_tables": {"gini_change": 0.03},
    "no_surge": {"coop_share_after_surge": 0.47, "trust_after_surge": 0.64},
    "no_pandemic": {"hazard_pandemic_volunteer_only": 0.03, "hazard_pandemic_staffed": 0.018},
}


def synthetic(changes: dict[tuple[str, str], float] | None = None, seeds: int = 6, noise: float = 0.01) -> pd.DataFrame:
    """Tidy metrics (role, seed, metric, value): PASSING with a little noise, some values replaced."""
    rng = np.random.default_rng(5)
    values = {(role, name): value for role, metrics in PASSING.items() for name, value in metrics.items()}
    values.update(changes or {})
    return pd.DataFrame([{"role": role, "seed": seed, "metric": name, "value": value * (1 + noise * rng.normal())}
                         for seed in range(1, seeds + 1) for (role, name), value in values.items()])


def statuses(metrics: pd.DataFrame) -> dict[str, str]:
    return validation_checks.evaluate(metrics).set_index("id")["status"].to_dict()


def test_every_check_passes_on_values_that_meet_the_targets() -> None:
    checks = validation_checks.evaluate(synthetic())
    assert checks["id"].tolist() == IDS
    assert (checks["status"] == "PASS").all(), checks[checks["status"] != "PASS"]
    assert (checks["n"] == 6).all()
    assert ((checks["low"] <= checks["mean"]) & (checks["mean"] <= checks["high"])).all()


@pytest.mark.parametrize("role, name, value, failing", [
    ("baseline", "fields_max_dev_pp", 2.0, "1"),
    ("calm", "alive_min", 12000.0, "2a"),
    ("calm", "alive_max", 14600.0, "2b"),
    ("baseline", "dissolution_rate", 0.05, "3a"),
    ("baseline", "hazard_young", 0.015, "L1"),
    ("baseline", "staff_drop_share", 0.02, "4a"),
    ("institutional", "staff_drop_share", 0.05, "4b"),
    ("baseline", "staffed_money_concentration", 0.8, "5a"),
    ("from_tables", "gini_change", -0.01, "5b"),
    ("lottery", "gini_last", 0.80, "5c"),
    ("no_surge", "trust_after_surge", 0.75, "6b"),
    ("baseline", "hazard_staffed", 0.04, "L2"),
    ("baseline", "award_rate_non_federation", 0.4, "L3b"),
    ("baseline", "hazard_density_middle", 0.04, "L4"),
    ("baseline", "hazard_pandemic_staffed", 0.06, "L6"),
    ("baseline", "reapply_next_rejected", 0.9, "A4b"),
    ("long_calm", "long_run_alive_relative", 0.8, "7a"),
    ("long_calm", "long_run_mean_burnout", 0.003, "7c"),
    ("long_calm", "long_run_volunteers_per_mso_drift", 0.3, "7g"),
    ("baseline", "volunteer_only_share", 0.68, "8"),
    ("baseline", "initial_hazard_young", 0.01, "L7"),
    ("baseline", "laender_top_four", 3.0, "9a"),
    ("baseline", "laender_east_excess", 0.02, "9b"),
])
def test_a_check_fails_when_its_pattern_is_broken(role, name, value, failing) -> None:
    result = statuses(synthetic({(role, name): value}))
    assert result[failing] == "FAIL"
    assert sum(status != "PASS" for status in result.values()) <= 2  # at most one neighbour shares the metric


def test_density_shape_decides_l4() -> None:
    rising = {("baseline", "hazard_density_low"): 0.01, ("baseline", "hazard_density_middle"): 0.02,
              ("baseline", "hazard_density_high"): 0.03}
    assert statuses(synthetic(rising))["L4"] == "FAIL"
    u_shape = {**rising, ("baseline", "hazard_density_low"): 0.04}
    assert statuses(synthetic(u_shape))["L4"] == "PASS"


def test_missing_counterfactual_is_not_applicable() -> None:
    metrics = synthetic()
    result = statuses(metrics[metrics["role"] != "no_pandemic"])
    assert result["L6"] == "N/A"
    assert all(status == "PASS" for key, status in result.items() if key != "L6")


def test_paired_differences_remove_shared_noise() -> None:
    """Gini levels that swing a lot from seed to seed but are always higher by the same amount under score selection."""
    rows = []
    for seed, shared in enumerate([-0.05, 0.04, 0.0, 0.08, -0.03], start=1):
        rows += [{"role": "baseline", "seed": seed, "metric": "gini_last", "value": 0.7 + shared + 0.01},
                 {"role": "lottery", "seed": seed, "metric": "gini_last", "value": 0.7 + shared}]
    check = validation_checks.evaluate(pd.DataFrame(rows)).set_index("id").loc["5c"]
    assert check["status"] == "PASS" and check["mean"] == pytest.approx(0.01) and check["high"] - check["low"] < 1e-9


def test_status_rules() -> None:
    direction = validation_checks.Check("x", "g", "t", "m", lambda w: w, low=0.0, strict=True)
    band = validation_checks.Check("y", "g", "t", "m", lambda w: w, low=0.01, high=0.04)
    assert validation_checks.status(direction, 0.0, 0.0, 0.0) == "FAIL"        # no difference is no direction
    assert validation_checks.status(direction, 0.5, -0.1, 1.1) == "FAIL"       # the interval must clear zero
    assert validation_checks.status(direction, 0.5, np.nan, np.nan) == "PASS"  # one replication: the mean decides
    assert validation_checks.status(band, 0.02, 0.01, 0.04) == "PASS"          # a band includes its ends
    assert validation_checks.status(band, 0.02, 0.005, 0.03) == "FAIL"
    assert validation_checks.status(band, np.nan, np.nan, np.nan) == "N/A"


def test_plan_builds_the_variants() -> None:
    assert validate.build_plan(SCENARIOS / "baseline.yaml", reps=10, scale="district").long_reps == 5  # the default
    from msosim.cli.validate import validate as command  # the CLI keeps its own literal (no numpy at start-up)
    assert inspect.signature(command).parameters["long_reps"].default == validate.LONG_REPS
    plan = validate.build_plan(SCENARIOS / "baseline.yaml", SCENARIOS / "institutional.yaml", reps=3, years=4,
                               scale="district", long_reps=2)
    s = plan.scenarios
    assert list(s) == list(validate.ROLES)
    assert all(scenario.population.scale == "district" for scenario in s.values())
    assert s["calm"].events == []
    assert not any(isinstance(e, RefugeeSurge) for e in s["no_surge"].events)
    assert any(isinstance(e, Pandemic) for e in s["no_surge"].events)
    assert not any(isinstance(e, Pandemic) for e in s["no_pandemic"].events)
    assert {f.selection for f in s["lottery"].funders.values()} == {"lottery"}
    assert s["from_tables"].population.initial == "tables" and s["baseline"].population.initial == "spinup"
    assert s["institutional"].policy.funding_mode == "institutional"
    assert len({scenario.content_hash() for scenario in s.values()}) == len(s) - 1
    assert s["long_calm"].content_hash() == s["calm"].content_hash()  # the same scenario, run longer
    assert plan.windows == validate.Windows((2017.0, 2019.0), (2020.2, 2020.2 + 1.5 + 1.0))
    assert s["long_calm"].events == []
    jobs = plan.jobs()
    assert len(jobs) == 7 * 3 + 2 and {job[0].seed for job in jobs} == {1, 2, 3}
    assert [job[1] for job in jobs[:8]] == list(validate.ROLES)  # replication-major
    long = [job for job in jobs if job[1] == "long_calm"]
    assert [job[0].seed for job in long] == [1, 2] and {job[0].years for job in long} == {50.0}
    assert {job[0].years for job in jobs if job[1] != "long_calm"} == {4.0}
    short = validate.build_plan(SCENARIOS / "baseline.yaml", SCENARIOS / "institutional.yaml", reps=3, years=4,
                                scale="district", long_reps=0)
    assert "long_calm" not in short.scenarios and len(short.jobs()) == 21


def test_run_metrics_use_the_analysis_helpers() -> None:
    plan = validate.build_plan(SCENARIOS / "baseline.yaml", SCENARIOS / "institutional.yaml", scale="land")
    scenario = plan.scenarios["baseline"].model_copy(update={"population": plan.scenarios["baseline"].population.model_copy(
        update={"land": "SL"})})
    tables = MSOModel(scenario, seed=2).run(4).tables()
    metrics = validate.run_metrics(tables, scenario, plan.windows)
    total = analysis.dissolution_hazard(tables, by=())
    assert metrics["dissolution_rate"] == pytest.approx(total["hazard"].item())
    rates = grant_calls.award_rates(tables, by=("type",)).set_index("type")["award_rate"]
    assert metrics["award_rate_staffed"] == pytest.approx(rates["staffed"])
    assert np.isnan(metrics["hazard_pandemic_staffed"])                  # 2014-2018: no pandemic yet
    for name in ("alive_min", "alive_max", "fields_max_dev_pp", "hazard_young", "hazard_old", "staff_drop_share",
                 "gini_change", "coop_share_after_surge", "trust_after_surge", "hazard_density_middle"):
        assert np.isfinite(metrics[name]), name
    assert metrics["alive_min"] <= scenario.population.n_msos <= metrics["alive_max"] + 1


def test_long_run_metrics_come_from_the_longrun_functions() -> None:
    """The long calm run's metrics are longrun.stationarity's means and drifts; the others its share and hazards."""
    from msosim.experiments import longrun
    plan = validate.build_plan(SCENARIOS / "baseline.yaml", SCENARIOS / "institutional.yaml", scale="district")
    scenario = plan.scenarios["long_calm"]
    tables = MSOModel(scenario, seed=3).run(6).tables()
    metrics = longrun.run_metrics(tables, scenario.steps_per_year, long_run=True)
    for check in longrun.stationarity(tables["model"], scenario.steps_per_year):
        assert metrics[check.name] == pytest.approx(check.value) and metrics[f"{check.name}_drift"] >= 0
    assert metrics["volunteer_only_share"] == pytest.approx(
        longrun.volunteer_only_share(tables["model"], scenario.steps_per_year).value)
    assert np.isfinite(metrics["initial_hazard_young"]) and np.isnan(metrics["laender_top_four"])  # one district
    assert "long_run_alive_relative" not in longrun.run_metrics(tables, scenario.steps_per_year)


def test_cli_smoke_district(tmp_path) -> None:
    report = tmp_path / "report"
    result = CliRunner().invoke(app, ["validate", "--scale", "district", "--reps", "2", "--years", "3",
                                      "--long-years", "4", "--long-reps", "1",
                                      "--workers", "2", "--report", str(report)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip() for line in result.output.splitlines() if line.count("│") > 3}
    assert set(IDS) <= rows
    assert "checks pass" in result.output
    pictures = sorted(path.name for path in report.glob("*.png"))
    assert len(pictures) == 11 and "p7_long_run.png" in pictures and (report / "report.html").stat().st_size > 10_000
    page = (report / "report.html").read_text(encoding="utf-8")
    assert all(f"<b>{check_id} (" in page for check_id in IDS) and "base64," in page


def _fake_run(statuses_by_id: dict[str, str]):
    def run_plan(plan, *, workers=None, on_result=None):
        checks = validation_checks.evaluate(synthetic())
        checks["status"] = [statuses_by_id.get(i, "PASS") for i in checks["id"]]
        return validate.Validation(plan, synthetic(), pd.DataFrame(), checks, 0.1)
    return run_plan


@pytest.mark.parametrize("outcome, strict, code", [
    ({}, True, 0), ({"L4": "FAIL"}, False, 0), ({"L4": "FAIL"}, True, 1), ({"L6": "N/A"}, True, 1)])
def test_strict_exit_code(monkeypatch, outcome, strict, code) -> None:
    monkeypatch.setattr(validate, "run_plan", _fake_run(outcome))
    args = ["validate", "--scale", "district", "--reps", "1"] + (["--strict"] if strict else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == code, result.output


@pytest.mark.parametrize("args, key", [(["--years", "0"], "--years"),
                                       (["--baseline", "missing.yaml"], "missing.yaml"),
                                       (["--scale", "city"], "scale")])
def test_bad_input_is_a_clear_error(args, key) -> None:
    result = CliRunner().invoke(app, ["validate", *args])
    assert result.exit_code == 2
    assert key in result.output
