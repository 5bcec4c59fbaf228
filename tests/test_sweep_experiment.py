"""Experiment files: shipped designs, key paths into the schema, samplers, seeds, and one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from msosim.cli import app
from msosim.experiments.design import plan
from msosim.experiments.experiment import ExperimentError, outcome_names
from msosim.scenario import Scenario
from msosim.experiments.samplers import SAMPLERS

from .sweep_helpers import EXPERIMENTS, write_experiment


@pytest.mark.parametrize("file, points, runs", [("sobol_funding.yaml", 1024, 1024),
                                                ("morris_screening.yaml", 880, 880),
                                                ("ishigami.yaml", 5120, 5120)])
def test_shipped_experiments_plan(file, points, runs) -> None:
    design = plan(EXPERIMENTS / file)
    assert len(design.hashes) == points and len(design.specs()) == runs
    assert design.store.as_posix() == f"results/{design.experiment.name}.duckdb"
    assert plan(EXPERIMENTS / file).sweep_id == design.sweep_id  # the same file is the same sweep
    np.testing.assert_array_equal(plan(EXPERIMENTS / file).X, design.X)


def test_sobol_funding_varies_the_funding_levers_at_district_scale() -> None:
    design = plan(EXPERIMENTS / "sobol_funding.yaml")
    assert design.names == ["policy.institutional_share", "policy.project_years", "policy.cofunding_share",
                            "policy.application_hours_factor", "policy.application_support", "policy.budget_factor"]
    first = Scenario.model_validate_json(design.scenario_json[0])
    assert first.population.scale == "district" and first.policy.funding_mode == "mixed"
    assert first.policy.budget_factor == design.applied[0]["policy.budget_factor"]


def test_morris_screening_covers_the_behavioural_sections() -> None:
    names = plan(EXPERIMENTS / "morris_screening.yaml").names
    for section in ("volunteers", "finance", "services", "municipality", "cooperation", "applications"):
        fields = Scenario.model_fields[section].annotation.model_fields
        assert {f"{section}.{key}" for key in fields} <= set(names), section
    assert {"founding_rate", "background_dissolution_rate"} <= set(names)


def test_funder_keys_integers_and_choices_on_a_grid(tmp_path) -> None:
    path = write_experiment(tmp_path, sampler="grid", n=3, replications=1, parameters={
        "funders.federal_projects.budget": {"min": 1.0e7, "max": 3.0e7},
        "finance.insolvency_months": {"min": 2, "max": 5},
        "policy.funding_mode": {"values": ["project", "institutional"]}})
    design = plan(path)
    assert len(design.hashes) == 3 * 3 * 2
    months = sorted({a["finance.insolvency_months"] for a in design.applied})
    assert months == [2, 4, 5] and all(isinstance(m, int) for m in months)  # 3.5 rounds to 4
    modes = {a["policy.funding_mode"] for a in design.applied}
    assert modes == {"project", "institutional"}
    for text, applied in zip(design.scenario_json, design.applied):
        scenario = Scenario.model_validate_json(text)
        assert scenario.funders["federal_projects"].budget == applied["funders.federal_projects.budget"]
        assert scenario.finance.insolvency_months == applied["finance.insolvency_months"]
        assert scenario.policy.funding_mode == applied["policy.funding_mode"]


def test_replication_r_uses_seed_plus_r_at_every_point(tmp_path) -> None:
    design = plan(write_experiment(tmp_path, replications=3, seed=5))
    specs = design.specs()
    assert len(specs) == 4 * 3
    assert [s.seed for s in specs] == [5] * 4 + [6] * 4 + [7] * 4  # replication-major
    assert {s.scenario_hash for s in specs if s.seed == 6} == set(design.hashes)
    assert all(s.years == 1.0 for s in specs)


def test_point_frames_map_points_to_hashes_and_values(tmp_path) -> None:
    design = plan(write_experiment(tmp_path))
    points, values = design.point_frames()
    assert list(points["scenario_hash"]) == design.hashes
    assert len(values) == 4 * 2
    assert values.loc[values["parameter"] == "policy.budget_factor", "value"].tolist() == list(design.X[:, 0])
    assert json.loads(values["applied"].iloc[0]) == design.applied[0]["policy.budget_factor"]


def _problem(d: int) -> dict:
    return {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d,
            "dists": ["unif"] * d, "values": [None] * d}


@pytest.mark.parametrize("name, n", [("grid", 3), ("latin", 10), ("sobol", 8), ("morris", 4)])
def test_every_sampler_has_one_signature(name, n) -> None:
    rules, problem = SAMPLERS[name], _problem(3)
    options = dict(rules.options)
    X = rules.sample(problem, n, seed=0, **options)
    assert X.shape == (rules.points(n, problem, options), 3)
    np.testing.assert_array_equal(X, rules.sample(problem, n, seed=0, **options))  # seed 0 is a seed
    assert X.min() >= 0.0 and X.max() <= 1.0


def test_outcome_names_come_from_run_outcomes() -> None:
    assert {"alive_end", "staff_fte_end", "service_coverage"} <= set(outcome_names())
    assert outcome_names("ishigami") == ("y",)


# -- bad files: one line, exit 2, nothing written ---------------------------------------------------

BAD = {
    "unknown key path": ({"parameters": {"policy.budget_factr": {"min": 0.5, "max": 2}}},
                         "parameters.policy.budget_factr", "no such scenario key"),
    "unknown funder": ({"parameters": {"funders.nobody.budget": {"min": 1, "max": 2}}},
                       "parameters.funders.nobody.budget", "a funder of the base scenario"),
    "section, not a key": ({"parameters": {"policy": {"min": 1, "max": 2}}}, "parameters.policy", "policy."),
    "empty range": ({"parameters": {"policy.budget_factor": {"min": 2.0, "max": 2.0}}},
                    "parameters.policy.budget_factor.max", "greater than min"),
    "range beyond the schema": ({"parameters": {"policy.budget_factor": {"min": 0.5, "max": 2000}}},
                                "parameters.policy.budget_factor.max", "1000"),
    "sampler name": ({"sampler": "sobolx"}, "sampler", "'grid', 'latin', 'sobol' or 'morris'"),
    "sobol n not a power of 2": ({"sampler": "sobol", "n": 100}, "'n'", "a power of 2"),
    "unknown outcome": ({"outcomes": ["alive_end", "happiness"]}, "outcomes[1]", "one of alive_end"),
    "unknown option": ({"sampler": "sobol", "n": 8, "options": {"levels": 4}}, "options.levels", "second_order"),
    "values need grid": ({"parameters": {"policy.funding_mode": {"values": ["project", "mixed"]}}},
                         "parameters.policy.funding_mode.values", "grid"),
    "choice not allowed": ({"sampler": "grid", "n": 2, "parameters": {"policy.funding_mode": {"values": ["project", "royal"]}}},
                           "parameters.policy.funding_mode.values", "royal"),
    "fixed key": ({"fixed": {"population.scale": "village"}}, "fixed.population.scale", "village"),
    "unknown top-level key": ({"replicates": 3}, "replicates", "no such key"),
    "normal draws outside the schema": ({"parameters": {"volunteers.dropout_rate": {"dist": "normal", "mean": 0.9, "sd": 0.3}}},
                                        "parameters.volunteers.dropout_rate", "use dist truncated_normal"),
    "morris with an unbounded dist": ({"sampler": "morris", "n": 2, "parameters": {"policy.budget_factor": {"dist": "normal", "mean": 1, "sd": 0.1}}},
                                      "parameters.policy.budget_factor.dist", "uniform, triangular, truncated_normal"),
    "prim names": ({"prim": "alive_end < 0.9 * alive_begin"}, "prim", "alive_begin"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_experiment_gets_one_named_line_and_exit_2(tmp_path, case) -> None:
    fields, key, allowed = BAD[case]
    path = write_experiment(tmp_path, **fields)
    store = tmp_path / "out" / "sweep.duckdb"
    result = CliRunner().invoke(app, ["sweep", str(path), "--store", str(store), "--workers", "1"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert str(path) in lines[0] and key in lines[0] and allowed in lines[0], lines[0]
    assert "value" in lines[0] and "allowed" in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_missing_file_and_bad_yaml_are_one_line(tmp_path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    for path in (tmp_path / "none.yaml", broken):
        result = CliRunner().invoke(app, ["sweep", str(path), "--store", str(tmp_path / "s.duckdb")])
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1 and str(path) in result.stderr
    assert not (tmp_path / "s.duckdb").exists()


def test_experiment_error_in_python_names_the_key(tmp_path) -> None:
    path = write_experiment(tmp_path, sampler="sobol", n=12)
    with pytest.raises(ExperimentError, match=r"key 'n': value 12: allowed: a power of 2"):
        plan(path)


def test_dask_and_scheduler_together_are_refused(tmp_path) -> None:
    path = write_experiment(tmp_path)
    result = CliRunner().invoke(app, ["sweep", str(path), "--dask", "local", "--scheduler", "tcp://127.0.0.1:1",
                                      "--store", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 2 and "--scheduler" in result.stderr
    assert not (tmp_path / "s.duckdb").exists()


def test_unreachable_scheduler_is_one_line_exit_2(tmp_path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = write_experiment(tmp_path)
    result = CliRunner().invoke(app, ["sweep", str(path), "--scheduler", f"tcp://127.0.0.1:{port}",
                                      "--store", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 2 and "no Dask scheduler answers" in result.stderr, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "s.duckdb").exists()
