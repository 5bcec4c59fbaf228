"""SALib in one call (`sensitivity.load`), warnings on indices not to read as they stand, sweep overrides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol
from typer.testing import CliRunner

import msosim
from msosim.cli import app
from msosim.experiments import reliability
from msosim.experiments.batch import RunResult
from msosim.experiments.design import plan
from msosim.experiments.experiment import ExperimentError
from msosim.experiments.executors import ProcessPool, run_test_function
from msosim.experiments.sensitivity import analyze_sweep, load
from msosim.experiments.store import Store, open_store
from msosim.experiments.sweep import run_design

from .conftest import ROOT
from .sweep_helpers import EXPERIMENTS, write_experiment


def ishigami(folder, n: int) -> object:
    """The shipped Ishigami experiment with a smaller n, as a file in `folder`."""
    path = folder / f"ishigami_{n}.yaml"
    text = (EXPERIMENTS / "ishigami.yaml").read_text().replace("n: 1024", f"n: {n}")
    path.write_text(text.replace("prim: y > 8", ""))
    return path


def constant_run(spec) -> RunResult:
    """Ishigami's run, but every point gives y = 5."""
    result = run_test_function(spec)
    result.outcomes = {"y": 5.0}
    return result


def nearly_constant_run(spec) -> RunResult:
    """Ishigami's y scaled down to a ripple on 100 (relative standard deviation about 4e-5)."""
    result = run_test_function(spec)
    result.outcomes = {"y": 100.0 + 1e-3 * result.outcomes["y"]}
    return result


def sweep_into(store_path, experiment, run=None) -> None:
    with Store.open(store_path, create=True) as store:
        run_design(store, plan(experiment), ProcessPool(1), run=run)


def test_load_gives_what_salib_analyzes_into_msosim_s_own_indices(tmp_path) -> None:
    experiment = ishigami(tmp_path, 256)
    sweep_into(tmp_path / "s.duckdb", experiment)
    problem, X, Y = load(tmp_path / "s.duckdb")
    assert problem["names"] == ["x1", "x2", "x3"] and problem["num_vars"] == 3
    np.testing.assert_array_equal(X, plan(experiment).X)
    assert isinstance(Y, pd.DataFrame) and list(Y.columns) == ["y"] and len(Y) == len(X) == 256 * 5
    theirs = sobol.analyze(problem, Y["y"].to_numpy(), calc_second_order=False, num_resamples=200,
                           conf_level=0.95, seed=1)
    ours = analyze_sweep(tmp_path / "s.duckdb").sobol.set_index("parameter").loc[problem["names"]]
    for column in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_allclose(ours[column], theirs[column], rtol=1e-12)
    assert msosim.load_sweep is load


def test_a_constant_outcome_is_warned_about_in_the_command_and_the_report(tmp_path) -> None:
    sweep_into(tmp_path / "s.duckdb", ishigami(tmp_path, 8), run=constant_run)
    result = CliRunner().invoke(app, ["analyze", str(tmp_path / "s.duckdb"), "--report", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "warning: y: outcome barely varies: relative standard deviation 0" in result.stderr
    assert "Warning:</strong> y: outcome barely varies" in (tmp_path / "r" / "report.html").read_text()


def test_a_barely_varying_outcome_keeps_its_indices_but_every_row_is_flagged(tmp_path) -> None:
    sweep_into(tmp_path / "s.duckdb", ishigami(tmp_path, 64), run=nearly_constant_run)
    result = analyze_sweep(tmp_path / "s.duckdb")
    assert any(text.startswith("y: outcome barely varies") for text in result.warnings)
    assert result.sobol["flags"].str.contains(reliability.FLAT).all()


def test_the_same_sweep_with_a_varying_outcome_and_a_large_n_has_no_flag(tmp_path) -> None:
    sweep_into(tmp_path / "s.duckdb", ishigami(tmp_path, 1024))
    result = analyze_sweep(tmp_path / "s.duckdb")
    flagged = result.sobol.set_index("parameter")["flags"]
    assert flagged["x1"] == "" and flagged["x2"] == "" and not any("barely" in w for w in result.warnings)
    assert flagged["x3"] == reliability.WIDE  # S1 of x3 is 0: any interval is wider than it


def test_sobol_flags_name_each_problem_of_a_row() -> None:
    table = pd.DataFrame({"outcome": ["a"] * 4, "parameter": ["p", "q", "r", "s"],
                          "S1": [0.5, -0.24, 0.2, 0.1], "S1_conf": [0.05, 0.1, 0.3, 0.01],
                          "ST": [0.6, 0.3, 0.3, 1.3], "ST_conf": [0.05, 0.05, 0.05, 0.1]})
    table["flags"] = reliability.sobol_flags(table, set())
    assert table["flags"].tolist() == ["", reliability.NEGATIVE, reliability.WIDE, reliability.ABOVE_ONE]
    lines = reliability.warnings(table, 0.95)
    assert lines == ["a: 1 of 4 parameters with interval wider than the index (95% interval: r); "
                     "a larger n (or more replications) narrows them",
                     "a: 1 of 4 parameters with S1 < 0 beyond its interval (95% interval: q); the estimate is noise at this n",
                     "a: 1 of 4 parameters with ST > 1 beyond its interval (95% interval: s); the estimate is noise at this n"]
    assert reliability.relative_spread(np.array([2.0, 2.0])) == 0.0
    assert reliability.flat_warning("b", np.array([1.0, 2.0])) is None


def test_sweep_options_replace_the_file_s_n_replications_and_years(tmp_path) -> None:
    experiment = write_experiment(tmp_path, n=4, replications=2, years=1)
    result = CliRunner().invoke(app, ["sweep", str(experiment), "--workers", "1", "--store", str(tmp_path / "s.duckdb"),
                                      "--n", "2", "--reps", "1", "--years", "0.25"])
    assert result.exit_code == 0, result.output
    with open_store(tmp_path / "s.duckdb") as store:
        row = store.sweep().iloc[0]
        assert (row["n"], row["replications"], row["years"], row["runs"]) == (2, 1, 0.25, 2)
        assert store.con.execute("SELECT count(*) FROM runs").fetchall()[0][0] == 2
    bad = CliRunner().invoke(app, ["sweep", str(experiment), "--n", "0", "--store", str(tmp_path / "t.duckdb")])
    assert bad.exit_code == 2 and not (tmp_path / "t.duckdb").exists()


def test_scenario_paths_resolve_next_to_the_experiment_file_then_in_scenarios(tmp_path, monkeypatch) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "plain.yaml").write_text("name: plain\npopulation: {scale: district, land: HB}\n")
    beside = write_experiment(tmp_path / "mine", name="beside", scenario="../plain.yaml")
    monkeypatch.chdir(ROOT / "docs")  # neither file is found from here
    assert plan(beside).experiment.scenario == "../plain.yaml"
    copied = tmp_path / "copied.yaml"  # a shipped experiment copied elsewhere, run from the project folder
    copied.write_text(write_experiment(tmp_path / "mine", name="copied", scenario="../scenarios/baseline.yaml").read_text())
    monkeypatch.chdir(ROOT)
    (tmp_path / "reference").mkdir()
    assert plan(copied).hashes == plan(write_experiment(tmp_path / "reference", name="copied")).hashes
    monkeypatch.chdir(tmp_path / "mine")
    with pytest.raises(ExperimentError, match="key .scenario."):
        plan(copied)


def test_run_sweep_takes_the_same_replacements(tmp_path) -> None:
    frame = msosim.run_sweep(ishigami(tmp_path, 1024), workers=1, store=tmp_path / "s.duckdb", n=8, replications=2)
    assert len(frame) == 8 * 5 * 2 and sorted(frame["seed"].unique()) == [1, 2]


def test_a_one_sided_prim_condition_from_the_file_is_a_warning_not_an_error(tmp_path) -> None:
    """A small sweep where the experiment's own `prim:` holds nowhere still gets its indices; --prim asked
    for explicitly still fails in one line."""
    experiment = tmp_path / "ishigami_one_sided.yaml"
    experiment.write_text((EXPERIMENTS / "ishigami.yaml").read_text().replace("n: 1024", "n: 8")
                          .replace("prim: y > 8", "prim: y > 100"))
    sweep_into(tmp_path / "s.duckdb", experiment)
    result = CliRunner().invoke(app, ["analyze", str(tmp_path / "s.duckdb"), "--report", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "warning: the experiment's prim: condition 'y > 100' holds in 0 of 40 runs; PRIM skipped" in result.stderr
    assert (tmp_path / "r" / "sobol_indices.csv").exists() and not (tmp_path / "r" / "prim_box.csv").exists()
    explicit = CliRunner().invoke(app, ["analyze", str(tmp_path / "s.duckdb"), "--prim", "y > 100",
                                        "--report", str(tmp_path / "r2")])
    assert explicit.exit_code == 2 and "holds in 0 of 40" in explicit.stderr and not (tmp_path / "r2").exists()
