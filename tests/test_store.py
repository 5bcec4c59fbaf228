"""The results store: schema, one transaction per run, skip on rerun, clear errors for foreign files, export."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from msosim.experiments.batch import lifetimes
from msosim.cli import app
from msosim.experiments.store import SCHEMA_VERSION, Store, StoreError, open_store

from .conftest import SCENARIOS, SMALL


def _run_row(seed: int = 1, **extra) -> dict:
    return {"scenario_hash": "abc", "seed": seed, "years": 1.0, "scenario_name": "tiny", "scenario_json": "{}",
            "steps_per_year": 12, "msosim_version": "0", "git_commit": "unknown", "git_dirty": None,
            "python_version": "3", "numpy_version": "2", "mesa_version": "3", "platform": "x",
            "wall_seconds": 0.1, **extra}


def _model(steps: int = 3, **extra_columns) -> pd.DataFrame:
    frame = pd.DataFrame({"step": range(steps), "year": [2014 + s / 12 for s in range(steps)],
                          "alive": [10, 9, 9][:steps], "events_active": pd.array(["", "pandemic", ""][:steps], dtype="string")})
    return frame.assign(**extra_columns)


def _lifetimes() -> pd.DataFrame:
    return pd.DataFrame({"mso": [0, 1, 2], "initial": [True, True, False],
                         "staffed_start": pd.array([True, False, pd.NA], dtype="boolean"),
                         "founded_step": [-5, -3, 2], "died_step": [-1, 2, -1], "death_cause": [0, 1, 0]})


def _add(store: Store, seed: int = 1, model: pd.DataFrame | None = None) -> bool:
    return store.add_run(_run_row(seed), _model() if model is None else model, _lifetimes(), {"alive_end": 9.0, "x": float("nan")})


def test_new_store_has_schema_table(tmp_path) -> None:
    with Store.open(tmp_path / "s.duckdb", create=True) as store:
        info = dict(store.con.execute("SELECT key, value FROM schema_info").fetchall())
        assert info["tool"] == "msosim" and info["schema_version"] == str(SCHEMA_VERSION)
        assert store.tables() == ["schema_info", "comparisons", "runs", "outcomes", "mso_lifetimes"]


def test_run_is_stored_once_and_read_back(tmp_path) -> None:
    path = tmp_path / "s.duckdb"
    with Store.open(path, create=True) as store:
        assert _add(store, 1)
        assert not _add(store, 1)
        assert _add(store, 2)
        assert store.done_keys() == {("abc", 1, 1.0), ("abc", 2, 1.0)}
    with open_store(path) as store:
        assert len(store.runs()) == 2
        assert len(store.table("model_steps")) == 6
        assert len(store.table("mso_lifetimes")) == 6
        wide = store.outcomes(wide=True)
        assert list(wide["alive_end"]) == [9.0, 9.0] and wide["x"].isna().all()
        assert store.table("mso_lifetimes")["staffed_start"].isna().sum() == 2


def test_failed_write_leaves_nothing(tmp_path, monkeypatch) -> None:
    store = Store.open(tmp_path / "s.duckdb", create=True)
    original = Store._insert

    def broken(self, table, frame, key=None):
        if table == "mso_lifetimes":
            raise KeyboardInterrupt
        original(self, table, frame, key)

    monkeypatch.setattr(Store, "_insert", broken)
    with pytest.raises(KeyboardInterrupt):
        _add(store, 1)
    monkeypatch.undo()
    assert "model_steps" not in store.tables()  # created in the same transaction, so rolled back too
    for table in ("runs", "outcomes", "mso_lifetimes"):
        assert store.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] == 0
    assert _add(store, 1)
    store.close()


def test_new_model_column_is_added(tmp_path) -> None:
    with Store.open(tmp_path / "s.duckdb", create=True) as store:
        _add(store, 1)
        _add(store, 2, _model(new_outcome=1.5))
        steps = store.table("model_steps")
        assert steps["new_outcome"].isna().sum() == 3 and (steps["new_outcome"] == 1.5).sum() == 3


def test_lifetimes_from_a_run() -> None:
    from msosim import load_scenario, run

    tables = run(load_scenario(SCENARIOS / "district.yaml", SMALL), seed=1, years=1)
    frame = lifetimes(tables["msos"])
    start = tables["msos"][tables["msos"]["snapshot"] == "start"]
    assert len(frame) == (tables["msos"]["snapshot"] == "end").sum()
    assert frame["initial"].sum() == len(start)
    assert frame.loc[frame["initial"], "staffed_start"].sum() == (start["staff_fte"] > 0).sum()
    assert frame.loc[~frame["initial"], "staffed_start"].isna().all()


@pytest.mark.parametrize("kind", ["text", "foreign", "old", "folder"])
def test_foreign_files_are_refused(tmp_path, kind) -> None:
    path = tmp_path / "s.duckdb"
    if kind == "text":
        path.write_text("not a database\n")
    elif kind == "folder":
        path.mkdir()
    else:
        con = duckdb.connect(str(path))
        if kind == "foreign":
            con.execute("CREATE TABLE measurements (x INTEGER)")
        else:
            con.execute("CREATE TABLE schema_info (key VARCHAR, value VARCHAR)")
            con.execute("INSERT INTO schema_info VALUES ('tool', 'msosim'), ('schema_version', '0')")
        con.close()
    before = path.read_bytes() if path.is_file() else None
    for create in (False, True):
        with pytest.raises(StoreError) as error:
            Store.open(path, create=create)
        assert str(path) in str(error.value)
    if before is not None:
        assert path.read_bytes() == before


def test_missing_store_is_not_created_by_reading(tmp_path) -> None:
    with pytest.raises(StoreError, match="no such store"):
        open_store(tmp_path / "none.duckdb")
    assert not (tmp_path / "none.duckdb").exists()


@pytest.mark.parametrize("command", ["report", "export"])
@pytest.mark.parametrize("kind", ["text", "foreign", "missing"])
def test_cli_refuses_foreign_store_with_exit_2(tmp_path, command, kind) -> None:
    path = tmp_path / "s.duckdb"
    if kind == "text":
        path.write_text("hello\n")
    elif kind == "foreign":
        con = duckdb.connect(str(path))
        con.execute("CREATE TABLE t (x INTEGER)")
        con.close()
    result = CliRunner().invoke(app, [command, str(path), "--report" if command == "report" else "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "error:" in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    assert path.exists() == (kind != "missing")


def test_report_on_empty_store_is_a_clear_error(tmp_path) -> None:
    Store.open(tmp_path / "s.duckdb", create=True).close()
    result = CliRunner().invoke(app, ["report", str(tmp_path / "s.duckdb"), "--report", str(tmp_path / "r")])
    assert result.exit_code == 2 and "no comparison" in result.stderr


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_every_table(tmp_path, fmt) -> None:
    path = tmp_path / "s.duckdb"
    with Store.open(path, create=True) as store:
        _add(store, 1)
        _add(store, 2)
    result = CliRunner().invoke(app, ["export", str(path), "--format", fmt, "--out", str(tmp_path / "x")])
    assert result.exit_code == 0, result.output
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    names = sorted(p.name for p in (tmp_path / "x").iterdir() if p.name != ".msosim-output")
    assert names == sorted(f"{t}.{fmt}" for t in ("schema_info", "comparisons", "runs", "outcomes",
                                                  "model_steps", "mso_lifetimes"))
    assert len(read(tmp_path / "x" / f"model_steps.{fmt}")) == 6
    assert len(read(tmp_path / "x" / f"runs.{fmt}")) == 2


def test_export_refuses_unknown_format(tmp_path) -> None:
    Store.open(tmp_path / "s.duckdb", create=True).close()
    result = CliRunner().invoke(app, ["export", str(tmp_path / "s.duckdb"), "--format", "xlsx"])
    assert result.exit_code == 2
