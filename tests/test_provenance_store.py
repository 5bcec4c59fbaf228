"""The store records every library that shapes a result, and offers the outcomes wide (one row per run)."""

from __future__ import annotations

import json

import numpy as np
from importlib.metadata import version

from msosim.experiments.batch import provenance
from msosim.experiments.design import plan
from msosim.experiments.executors import ProcessPool
from msosim.experiments.provenance import LIBRARIES, describe, library_versions
from msosim.experiments.store import Store, open_store
from msosim.experiments.sweep import run_design

from .sweep_helpers import EXPERIMENTS


def test_library_versions_name_every_library_from_its_metadata() -> None:
    found = library_versions()
    assert set(found) == {"python", *LIBRARIES}
    assert found["numpy"] == np.__version__ and found["SALib"] == version("SALib") != "not installed"
    assert "not installed" not in {found[name] for name in ("ema_workbench", "dask", "distributed", "duckdb", "pyarrow")}
    assert json.loads(provenance()["library_versions"]) == found


def test_stored_runs_carry_the_versions_and_the_wide_view_has_a_column_per_outcome(tmp_path) -> None:
    experiment = tmp_path / "ishigami.yaml"
    experiment.write_text((EXPERIMENTS / "ishigami.yaml").read_text().replace("n: 1024", "n: 8"))
    with Store.open(tmp_path / "s.duckdb", create=True) as store:
        run_design(store, plan(experiment), ProcessPool(1))
    with open_store(tmp_path / "s.duckdb") as store:
        versions = {json.loads(text)["SALib"] for (text,) in store.con.execute(
            "SELECT library_versions FROM runs").fetchall()}
        assert versions == {version("SALib")}
        wide = store.con.execute("SELECT * FROM outcomes_wide ORDER BY scenario_hash").df()
        long = store.con.execute("SELECT scenario_hash, value FROM outcomes ORDER BY scenario_hash").df()
    assert list(wide.columns) == ["scenario_name", "scenario_hash", "seed", "years", "y"] and len(wide) == 40
    np.testing.assert_array_equal(wide["y"].to_numpy(), long["value"].to_numpy())


def test_a_store_written_before_gains_the_column_and_the_view_grows_with_new_outcomes(tmp_path) -> None:
    row = {"scenario_hash": "h", "seed": 1, "years": 1.0, "scenario_name": "x", "scenario_json": "{}"}
    with Store.open(tmp_path / "s.duckdb", create=True) as store:
        store.add_runs([(row, None, None, {"a": 1.0})])
        store.add_runs([({**row, "seed": 2, "library_versions": "{}"}, None, None, {"a": 2.0, "b": 3.0})])
        wide = store.con.execute("SELECT seed, a, b FROM outcomes_wide ORDER BY seed").fetchall()
        versions = store.con.execute("SELECT library_versions FROM runs ORDER BY seed").fetchall()
    assert wide == [(1, 1.0, None), (2, 2.0, 3.0)] and versions == [(None,), ("{}",)]


def test_describe_spells_out_the_library_versions() -> None:
    text = describe({"msosim_version": "0.1.0", "library_versions": json.dumps({"SALib": "1.6.0", "dask": "2026.8.0"})})
    assert text == "msosim_version 0.1.0; libraries: SALib 1.6.0, dask 2026.8.0"


def test_a_report_outside_a_git_checkout_says_unknown_instead_of_failing(tmp_path) -> None:
    """msosim installed from a wheel (no git, no checkout) stores git_commit 'unknown' and git_dirty NULL; the
    report reads the NULL as not dirty instead of failing ('boolean value of NA is ambiguous')."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    msosim = Path(sys.executable).with_name("msosim")
    env = {**os.environ, "PATH": str(tmp_path / "no-git-here")}  # git cannot be found: provenance as from a wheel
    done = subprocess.run([str(msosim), "compare", str(root / "scenarios/district.yaml"), "--reps", "2", "--years", "1",
                           "--workers", "1", "--store", str(tmp_path / "s.duckdb"), "--report", str(tmp_path / "report")],
                          env=env, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    with open_store(tmp_path / "s.duckdb") as store:
        assert store.con.execute("SELECT DISTINCT git_commit, git_dirty FROM runs").fetchall() == [("unknown", None)]
    html = (tmp_path / "report" / "report.html").read_text()
    assert "<td>unknown</td>" in html and "unknown (dirty)" not in html
