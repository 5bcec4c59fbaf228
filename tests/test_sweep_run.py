"""Sweeps through the store: executors agree, chunks are atomic, resume loses and duplicates nothing, analysis."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import msosim
from msosim.experiments.sensitivity import analyze_sweep, sweep_results
from msosim.cli import app
from msosim.experiments.design import plan
from msosim.experiments.store import Store, open_store
from msosim.experiments.store_schema import SCHEMA_VERSION, StoreError, upgrade
from msosim.experiments.executors import ProcessPool, executor
from msosim.experiments.sweep import run_design

from .sweep_helpers import EXPERIMENTS, write_experiment
from .test_compare import assert_same_store, ctrl_c_during

ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def run_to(store_path, experiment, workers: int = 1, dask=None, scheduler=None, chunk=None, on_stored=None) -> str:
    """Run (or resume) an experiment into a store through the given executor; returns the sweep id."""
    design = plan(experiment)
    with executor(workers, dask, scheduler) as execute, Store.open(store_path, create=True) as store:
        return run_design(store, design, execute, size=chunk, on_stored=on_stored)


def assert_complete_without_duplicates(store_path, design) -> None:
    with open_store(store_path) as store:
        keys = {(s.scenario_hash, s.seed, s.years) for s in design.specs()}
        assert store.done_keys() == keys
        for table, key in (("runs", "scenario_hash, seed, years"), ("outcomes", "scenario_hash, seed, years, outcome"),
                           ("model_steps", "scenario_hash, seed, years, step"),
                           ("mso_lifetimes", "scenario_hash, seed, years, mso")):
            total, distinct = store.con.execute(f"SELECT count(*), count(DISTINCT ({key})) FROM {table}").fetchall()[0]
            assert total == distinct, table
        steps = store.con.execute("SELECT count(*) FROM model_steps").fetchall()[0][0]
        assert steps == len(keys) * (int(design.years * 12) + 1)
        assert len(store.sweep_table("sweep_points", design.sweep_id)) == len(design.hashes)


def test_process_pool_and_dask_local_cluster_store_the_same(tmp_path) -> None:
    experiment = write_experiment(tmp_path)
    run_to(tmp_path / "inline.duckdb", experiment, workers=1)
    run_to(tmp_path / "pool.duckdb", experiment, workers=2, chunk=1)
    run_to(tmp_path / "dask.duckdb", experiment, workers=2, dask="local", chunk=3)
    assert_complete_without_duplicates(tmp_path / "inline.duckdb", plan(experiment))
    assert_same_store(tmp_path / "inline.duckdb", tmp_path / "pool.duckdb")
    assert_same_store(tmp_path / "inline.duckdb", tmp_path / "dask.duckdb")


def test_interrupted_sweep_resumes_without_loss_or_duplicates(tmp_path) -> None:
    experiment = write_experiment(tmp_path, replications=3)
    design = plan(experiment)
    stored = []

    def stop_after_two_chunks(results) -> None:
        stored.append(len(results))
        if len(stored) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_to(tmp_path / "s.duckdb", experiment, workers=2, chunk=2, on_stored=stop_after_two_chunks)
    with open_store(tmp_path / "s.duckdb") as store:
        assert len(store.runs()) == 4  # two whole chunks
    again = []
    run_to(tmp_path / "s.duckdb", experiment, workers=2, chunk=2, on_stored=lambda results: again.append(len(results)))
    assert sum(again) == len(design.specs()) - 4
    assert_complete_without_duplicates(tmp_path / "s.duckdb", design)
    run_to(tmp_path / "reference.duckdb", experiment, workers=1)
    assert_same_store(tmp_path / "s.duckdb", tmp_path / "reference.duckdb")
    nothing = []
    run_to(tmp_path / "s.duckdb", experiment, on_stored=nothing.append)
    assert nothing == []  # a finished sweep runs nothing


def test_a_chunk_is_stored_whole_or_not_at_all(tmp_path, monkeypatch) -> None:
    experiment = write_experiment(tmp_path, replications=1)
    original = Store._insert

    def broken(self, table, frame, key=None):
        if table == "mso_lifetimes":
            raise KeyboardInterrupt
        original(self, table, frame, key)

    monkeypatch.setattr(Store, "_insert", broken)
    with pytest.raises(KeyboardInterrupt):
        run_to(tmp_path / "s.duckdb", experiment, chunk=4)
    monkeypatch.undo()
    with open_store(tmp_path / "s.duckdb") as store:
        assert len(store.runs()) == 0 and len(store.sweep()) == 1  # the sweep's record is its own transaction
        assert store.con.execute("SELECT count(*) FROM outcomes").fetchall()[0][0] == 0


def test_add_runs_skips_stored_and_repeated_keys(tmp_path) -> None:
    row = {"scenario_hash": "h", "seed": 1, "years": 1.0, "scenario_name": "x", "scenario_json": "{}"}
    with Store.open(tmp_path / "s.duckdb", create=True) as store:
        assert store.add_runs([(row, None, None, {"y": 1.0}), (row, None, None, {"y": 2.0})]) == 1
        assert store.add_runs([(row, None, None, {"y": 3.0}), ({**row, "seed": 2}, None, None, {"y": 4.0})]) == 1
        assert sorted(store.outcomes()["value"]) == [1.0, 4.0]


def test_ishigami_sobol_indices_match_the_analytic_values(tmp_path) -> None:
    frame = msosim.run_sweep(EXPERIMENTS / "ishigami.yaml", workers=1, store=tmp_path / "i.duckdb", chunk=256)
    assert len(frame) == 5120 and list(frame.columns) == ["point", "seed", "x1", "x2", "x3", "y"]
    result = msosim.analyze_sweep(tmp_path / "i.duckdb")
    table = result.sobol.set_index("parameter").loc[["x1", "x2", "x3"]]
    assert np.all(np.abs(table["S1"].to_numpy() - ISHIGAMI_S1) <= table["S1_conf"].to_numpy()), table
    assert np.all(np.abs(table["ST"].to_numpy() - ISHIGAMI_ST) <= table["ST_conf"].to_numpy()), table
    np.testing.assert_allclose(table["ST"], ISHIGAMI_ST, atol=0.05)


def test_morris_on_ishigami_ranks_x1_first_and_x3_interacting(tmp_path) -> None:
    experiment = tmp_path / "morris_ishigami.yaml"
    text = (EXPERIMENTS / "ishigami.yaml").read_text().replace("sampler: sobol", "sampler: morris")
    text = text.replace("n: 1024", "n: 40").replace("options: {second_order: false}", "options: {levels: 6}")
    experiment.write_text(text.replace("name: ishigami", "name: morris_ishigami"))
    run_to(tmp_path / "m.duckdb", experiment, chunk=64)
    morris = analyze_sweep(tmp_path / "m.duckdb").morris.set_index("parameter")
    assert morris["mu_star"].idxmax() in ("x1", "x2") and (morris["mu_star_conf"] > 0).all()
    assert morris.loc["x3", "sigma"] > morris.loc["x3", "mu"]  # x3 acts only through its interaction with x1


def test_analyze_command_writes_tables_figures_and_a_self_contained_page(tmp_path) -> None:
    experiment = write_experiment(tmp_path, name="tiny_sobol", sampler="sobol", n=4, replications=1)
    cli = CliRunner().invoke(app, ["sweep", str(experiment), "--workers", "1", "--store", str(tmp_path / "s.duckdb")])
    assert cli.exit_code == 0, cli.output
    assert "0 already in" in cli.stderr and "complete in" in cli.stdout
    report = tmp_path / "report"
    # the threshold (the median staff per MSO of these runs) puts half of the runs on each side
    with open_store(tmp_path / "s.duckdb") as store:
        runs = sweep_results(store, store.sweep().iloc[0]["sweep_id"], alive_start=True)
    threshold = float(np.median(runs["staff_fte_end"] / runs["alive_start"]))
    result = CliRunner().invoke(app, ["analyze", str(tmp_path / "s.duckdb"), "--report", str(report),
                                      "--prim", f"staff_fte_end > {threshold:.6f} * alive_start"])
    assert result.exit_code == 0, result.output
    assert "Sobol indices" in result.stdout
    names = {p.name for p in report.iterdir()}
    assert {"report.html", "runs.csv", "sobol_indices.csv", "sobol_alive_end.png", "sobol_staff_fte_end.png"} <= names
    sobol = pd.read_csv(report / "sobol_indices.csv")
    assert list(sobol.columns) == ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf", "flags"] and len(sobol) == 4
    page = (report / "report.html").read_text()
    assert "data:image/png;base64," in page and "http://" not in page and "https://" not in page
    assert {"prim_box.csv", "prim_trajectory.csv", "prim_tradeoff.png"} <= names and "PRIM" in page
    assert "policy.budget_factor" in set(pd.read_csv(report / "prim_box.csv")["parameter"])  # more money, more staff
    again = CliRunner().invoke(app, ["sweep", str(experiment), "--workers", "1", "--store", str(tmp_path / "s.duckdb")])
    assert again.exit_code == 0 and "16 already in" in again.stderr and "0 to run" in again.stderr


def test_analyze_errors_are_one_line(tmp_path) -> None:
    empty = tmp_path / "empty.duckdb"
    Store.open(empty, create=True).close()
    result = CliRunner().invoke(app, ["analyze", str(empty), "--report", str(tmp_path / "r")])
    assert result.exit_code == 2 and "no sweep" in result.stderr and not (tmp_path / "r").exists()
    run_to(tmp_path / "s.duckdb", EXPERIMENTS / "ishigami.yaml", chunk=512)
    for args, message in ((["--prim", "y >"], "not an expression"), (["--prim", "__import__('os')"], "not allowed"),
                          (["--prim", "z > 1"], "unknown name 'z'"), (["--prim", "y > 100"], "holds in 0 of 5120"),
                          (["--sweep", "nope"], "no sweep named")):
        result = CliRunner().invoke(app, ["analyze", str(tmp_path / "s.duckdb"), "--report", str(tmp_path / "r"), *args])
        assert result.exit_code == 2 and message in result.stderr, (args, result.output)
        assert len(result.stderr.strip().splitlines()) == 1


def test_prim_finds_the_region_of_large_ishigami_values(tmp_path) -> None:
    run_to(tmp_path / "s.duckdb", EXPERIMENTS / "ishigami.yaml", chunk=512)
    found = analyze_sweep(tmp_path / "s.duckdb", prim="y > 8", prim_density=0.3).prim
    box = found.box.set_index("parameter")
    assert found.cases == int((msosim.open_store(tmp_path / "s.duckdb").outcomes()["value"] > 8).sum())
    assert box.loc["x1", "min"] > 0 and box.loc["x1", "max"] < np.pi  # sin(x1) > 0 is needed for y > 8
    assert found.stats["density"] >= 0.3 and 0 < found.stats["coverage"] <= 1


def test_sweep_results_hold_parameters_and_outcomes(tmp_path) -> None:
    experiment = write_experiment(tmp_path, replications=2)
    frame = msosim.run_sweep(experiment, workers=1, store=tmp_path / "s.duckdb")
    design = plan(experiment)
    assert len(frame) == 8 and sorted(frame["seed"].unique()) == [3, 4]
    first = frame[frame["point"] == 0].iloc[0]
    assert first["policy.budget_factor"] == design.applied[0]["policy.budget_factor"]
    with open_store(tmp_path / "s.duckdb") as store:
        sweep = store.sweep("tiny").iloc[0]
        assert sweep["sweep_id"] == design.sweep_id and json.loads(sweep["experiment_json"])["problem"]["names"] == design.names
        values = store.sweep_table("sweep_values", design.sweep_id)
        assert set(values["parameter"]) == set(design.names)


def test_version_1_store_is_refused_with_the_upgrade_command(tmp_path) -> None:
    path = tmp_path / "old.duckdb"
    Store.open(path, create=True).close()
    store = Store.open(path, create=True)
    store.con.execute("UPDATE schema_info SET value = '1' WHERE key = 'schema_version'")
    store.close()
    for create in (False, True):
        with pytest.raises(StoreError, match="schema version 1 .*msosim store upgrade"):
            Store.open(path, create=create)
    assert "upgraded from schema version 1" in upgrade(path)
    with open_store(path) as store:
        info = dict(store.con.execute("SELECT key, value FROM schema_info").fetchall())
        assert info["schema_version"] == str(SCHEMA_VERSION)


def test_python_api_exports() -> None:
    assert callable(msosim.run_sweep) and callable(msosim.analyze_sweep)
    assert ProcessPool(3).parallelism == 3


def test_a_failing_run_is_named_once(tmp_path, monkeypatch) -> None:
    import importlib

    from msosim.experiments.batch import RunFailed

    sweep_module = importlib.import_module("msosim.experiments.executors")

    def broken(spec):
        raise ValueError("boom")

    monkeypatch.setattr(sweep_module, "run_test_function", broken)
    with pytest.raises(RunFailed) as error:
        run_to(tmp_path / "s.duckdb", EXPERIMENTS / "ishigami.yaml", chunk=8)
    text = str(error.value)
    assert text.count("scenario '") == 1 and "ValueError: boom" in text and "ishigami:0" in text


def test_ctrl_c_during_a_store_write_counts_the_runs_it_stored(tmp_path, monkeypatch) -> None:
    """As in compare: the chunk whose write held Ctrl-C back is counted before the interrupt is raised."""
    ctrl_c_during(monkeypatch, "add_runs")
    counted = []
    with pytest.raises(KeyboardInterrupt):
        run_to(tmp_path / "s.duckdb", write_experiment(tmp_path), chunk=2,
               on_stored=lambda results: counted.extend(results))
    with open_store(tmp_path / "s.duckdb") as store:
        assert len(counted) == len(store.runs()) == 2


def test_store_upgrade_command(tmp_path) -> None:
    """`msosim store upgrade PATH` upgrades a version-1 store; a missing file is one line and exit code 2."""
    path = tmp_path / "old.duckdb"
    Store.open(path, create=True).close()
    with Store.open(path, create=True) as store:
        store.con.execute("UPDATE schema_info SET value = '1' WHERE key = 'schema_version'")
    result = CliRunner().invoke(app, ["store", "upgrade", str(path)])
    assert result.exit_code == 0 and "upgraded from schema version 1" in result.output
    missing = CliRunner().invoke(app, ["store", "upgrade", str(tmp_path / "nope.duckdb")])
    assert missing.exit_code == 2 and "no such store" in missing.output and "Traceback" not in missing.output
