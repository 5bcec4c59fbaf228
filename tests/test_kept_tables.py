"""--keep-tables: events, grants and per-MSO tables of compare and sweep runs, as Parquet files the store lists."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from msosim.api import run
from msosim.cli import app
from msosim.experiments import kept_tables
from msosim.experiments.store import open_store
from msosim.scenario import load_scenario

from .conftest import SCENARIOS, SMALL
from .sweep_helpers import write_experiment


def test_compare_keeps_each_run_s_tables_equal_to_a_direct_run(tmp_path) -> None:
    scenario = tmp_path / "small.yaml"
    scenario.write_text(f"extends: {SCENARIOS / 'district.yaml'}\npopulation: {{land: HB}}\n")
    result = CliRunner().invoke(app, ["compare", str(scenario), "--reps", "2", "--years", "0.5", "--workers", "1",
                                      "--store", str(tmp_path / "c.duckdb"), "--report", str(tmp_path / "r"),
                                      "--keep-tables"])
    assert result.exit_code == 0, result.output
    with open_store(tmp_path / "c.duckdb") as store:
        listed = store.con.execute("SELECT table_name, count(*), min(bytes) FROM run_tables GROUP BY 1 ORDER BY 1").fetchall()
        events = kept_tables.read(store, "events")
        grants = kept_tables.read(store, "grants")
    assert [(name, count) for name, count, _ in listed] == [("events", 2), ("grants", 2), ("msos", 2)]
    assert all(size > 0 for _, _, size in listed)
    direct = run(load_scenario(scenario), seed=1, years=0.5)
    mine = events[events["seed"] == 1].drop(columns=["scenario_hash", "seed", "years"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, direct["events"], check_dtype=False, check_categorical=False)
    assert len(grants[grants["seed"] == 2]) > 0


def test_sweep_keeps_tables_only_when_asked(tmp_path) -> None:
    experiment = write_experiment(tmp_path, n=2, replications=1, years=0.25)
    for flag, store in (([], "plain.duckdb"), (["--keep-tables"], "kept.duckdb")):
        result = CliRunner().invoke(app, ["sweep", str(experiment), "--workers", "1", "--store", str(tmp_path / store),
                                          *flag])
        assert result.exit_code == 0, result.output
    with open_store(tmp_path / "plain.duckdb") as store:
        assert "run_tables" not in {r[0] for r in store.con.execute("SHOW TABLES").fetchall()}
    assert not (tmp_path / "plain.duckdb.tables").exists()
    with open_store(tmp_path / "kept.duckdb") as store:
        assert store.con.execute("SELECT count(*) FROM run_tables").fetchall()[0][0] == 2 * 3
        msos = kept_tables.read(store, "msos")
    assert set(msos["snapshot"]) == {"start", "end"} and msos["seed"].nunique() == 1
