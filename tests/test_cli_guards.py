"""CLI options share the schema's bounds; option errors are one line with exit 2; runs that cannot fit are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from msosim.cli import app
from msosim.experiments.experiment import Experiment
from msosim.cli.guards import (BASE_BYTES, describe_bounds, design_configs, estimated_memory, field_bounds,
                               parse_size, within)
from msosim.scenario import Scenario

from .conftest import ROOT, SCENARIOS

DISTRICT = str(SCENARIOS / "district.yaml")


def one_line(args: list[str], *needles: str) -> str:
    result = CliRunner().invoke(app, args)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and "Traceback" not in result.output and "╭" not in result.output, result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("years", ["nan", "inf", "-inf", "0", "-1", "10000"])
def test_run_years_outside_the_schema_bounds_is_one_line(years: str) -> None:
    """Issue 18 defects 3 and 4: nan/inf tracebacks; --years 10000 ran unbounded while files cap at 200."""
    one_line(["run", DISTRICT, "--years", years], "--years", "at most 200")


def test_the_years_bound_is_the_schema_field() -> None:
    assert field_bounds(Scenario, "years") == (0, 200, True, False)
    assert "at most 200" in describe_bounds(Scenario, "years")
    assert within(Scenario, "years", 200.0) and not within(Scenario, "years", 200.5)


@pytest.mark.parametrize("seed", ["-1", str(2**64), "1.5", "abc"])
def test_run_bad_seeds_are_one_line(seed: str) -> None:
    """Issue 18 defect 3: --seed -1 ended in a ValueError traceback."""
    one_line(["run", DISTRICT, "--years", "1", "--seed", seed], "--seed")


def test_compare_with_an_oversized_seed_leaves_no_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18 defect 3: compare --seed 2**64 crashed and left results/compare.duckdb behind."""
    monkeypatch.chdir(tmp_path)
    one_line(["compare", DISTRICT, "--reps", "1", "--years", "1", "--seed", str(2**64)], "--seed")
    assert list(tmp_path.iterdir()) == []


def test_the_seed_bound_is_the_experiment_schema_field() -> None:
    assert field_bounds(Experiment, "seed")[:2] == (0, 2**62)


@pytest.mark.parametrize("args", [["run"], ["run", DISTRICT, "--bogus"], ["rn"], ["compare", DISTRICT, "--reps", "0"],
                                  ["run", DISTRICT, "--max-memory", "lots"]])
def test_option_errors_are_one_line_not_a_box(args: list[str]) -> None:
    """Issue 18 defect 6: CLI option errors were a 5-6 line box."""
    one_line(args, "--help")


def test_n_msos_at_the_schema_maximum_is_refused_before_it_runs() -> None:
    """Issue 18 defect 3: n_msos at the schema's maximum ended in a MemoryError."""
    line = one_line(["run", str(SCENARIOS / "baseline.yaml"), "--years", "1", "--max-memory", "8G",
                     "--set", "population.n_msos=5000000"], "5,000,000 MSOs", "GB")
    assert "--max-memory" in line


def test_max_memory_refuses_a_run_that_would_not_fit() -> None:
    one_line(["run", DISTRICT, "--years", "1", "--max-memory", "100M"], "--max-memory", "needs about")
    assert CliRunner().invoke(app, ["run", DISTRICT, "--years", "1", "--max-memory", "2G"]).exit_code == 0


def test_the_memory_estimate_grows_with_msos_and_years() -> None:
    assert estimated_memory(13_400, 10, 12) < estimated_memory(13_400, 20, 12) < estimated_memory(100_000, 20, 12)
    assert estimated_memory(5_000_000, 1, 12) > 16e9  # the schema's maximum: more than this machine class has
    assert parse_size("2G") == 2e9 and parse_size("512m") == 512e6 and parse_size("1000") == 1000


@pytest.mark.parametrize("args", [
    ["sweep", str(ROOT / "experiments" / "sobol_funding.yaml"), "--store", "s.duckdb"],
    ["calibrate", str(ROOT / "experiments" / "calibrate_baseline.yaml"), "--store", "c.duckdb", "--out", "f.yaml"],
    ["validate", "--scale", "district", "--report", "v", "--baseline", str(SCENARIOS / "baseline.yaml"),
     "--institutional", str(SCENARIOS / "institutional.yaml")],
    ["compare", DISTRICT, "--store", "s.duckdb", "--report", "r"],
])
def test_sweep_calibrate_validate_compare_refuse_runs_that_would_not_fit(args: list[str], tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The memory estimate before starting: worker processes at once times the largest run, against --max-memory."""
    monkeypatch.chdir(tmp_path)
    line = one_line([*args, "--workers", "2", "--max-memory", "300M"], "2 runs at once", "--max-memory: 0.3 GB")
    assert "MSOs over" in line and list(tmp_path.iterdir()) == []


def test_the_workers_that_fit_are_suggested() -> None:
    line = one_line(["compare", DISTRICT, "--workers", "1000", "--reps", "1000", "--max-memory", "2G"], "--workers ")
    fits = int(line.split("--workers ")[1].split(",")[0])
    assert 1 <= fits < 1000 and BASE_BYTES + fits * estimated_memory(428, 15, 12) <= 2e9 * 1.2


def test_a_sweep_is_sized_by_each_distinct_population() -> None:
    """design_configs keeps one scenario per population among the points: the largest decides."""
    from msosim.experiments.design import plan

    design = plan(ROOT / "experiments" / "sobol_funding.yaml")
    configs = design_configs(design.scenario_json)
    assert len(configs) == 1 and configs[0].population.scale == "district"


def test_a_run_shorter_than_one_step_is_refused_alike_by_run_and_compare(tmp_path, monkeypatch) -> None:
    """--years 0.0001 rounds to no step: compare failed inside the run with a traceback-like line and exit 1 (found by
    the option fuzz); run printed an empty table. Both refuse it in one line, exit 2, nothing written."""
    from typer.testing import CliRunner

    from msosim.cli import app

    monkeypatch.chdir(tmp_path)
    district = str(ROOT / "scenarios" / "district.yaml")
    for args in (["run", district, "--years", "0.0001"],
                 ["compare", district, "--reps", "1", "--years", "0.0001", "--workers", "1", "--store", "s.duckdb"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "shorter than one step" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_validate_refuses_years_shorter_than_a_step_even_with_a_long_calm_run(tmp_path: Path) -> None:
    """`validate --years 0.0001` (found by the option fuzz): the long calm run's years used to hide the short runs'
    zero steps, which then failed as a run (exit 1); now one line naming the value, exit 2, nothing run."""
    result = CliRunner().invoke(app, ["validate", "--reps", "1", "--years", "0.0001", "--scale", "district",
                                      "--workers", "1", "--long-years", "1", "--report", str(tmp_path / "r")])
    assert result.exit_code == 2, result.output
    assert "years: value '0.0001': shorter than one step" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "r").exists()
