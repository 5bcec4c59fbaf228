"""The results store: a Store writes finished runs, comparisons and sweeps to one DuckDB file and reads them back.

The tables, their checks and the file-level operations (connecting, transactions, upgrading) are in store_schema.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..loading import usable_path
from ..outputs import staged_folder
from .provenance import add_missing_columns, refresh_wide_view
from .store_schema import (
    KEY,
    KEY_DDL,
    ORDER,
    SCHEMA_DDL,
    SCHEMA_VERSION,
    SWEEP_DDL,
    TABLES,
    TOOL,
    WITHIN_RUN,
    StoreError,
    Transaction,
    check_schema,
    connect,
    duckdb,
    quote,
    sql_type,
    table_names,
)


def _keyed(frames: list[tuple[tuple[str, int, float], pd.DataFrame]]) -> pd.DataFrame:
    """The frames of several runs stacked, each row with its run's key columns in front (the scenario hash as a
    categorical: DuckDB stores its text, and the frame is not made of one string per row)."""
    lengths = [len(frame) for _, frame in frames]
    body = pd.concat([frame for _, frame in frames], ignore_index=True) if len(frames) > 1 \
        else frames[0][1].reset_index(drop=True)
    run = np.repeat(np.arange(len(frames)), lengths)
    keys = {name: (pd.Categorical if name == KEY[0] else np.array)([key[i] for key, _ in frames])[run]
            for i, name in enumerate(KEY)}
    return pd.concat([pd.DataFrame(keys), body], axis=1)


class Store:
    """An open results store. `Store.open(path)` to read, `Store.open(path, create=True)` to write."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str, read_only: bool) -> None:
        self.con = con
        self.path = path
        self.read_only = read_only

    @classmethod
    def open(cls, path: str | Path | None, *, create: bool = False) -> Store:
        """Open a store; `create=True` opens for writing (making the file if needed), None is in memory."""
        if path is None:
            store = cls(duckdb.connect(":memory:"), ":memory:", read_only=False)
            store._create_schema()
            return store
        path = usable_path(path, "the store", StoreError)  # NUL, too long or not UTF-8: one line, not a DuckDB crash
        text = str(path)
        if path.is_dir():
            raise StoreError(f"{text}: is a folder; allowed: a DuckDB file path (e.g. results/compare.duckdb)")
        if not path.exists() and not create:
            raise StoreError(f"{text}: no such store; run `msosim compare ... --store {text}` first")
        initialised = False
        if path.exists():
            probe = connect(text, read_only=True)
            try:
                initialised = check_schema(probe, text)
            finally:
                probe.close()
        if not create:
            return cls(connect(text, read_only=True), text, read_only=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        store = cls(connect(text, read_only=False), text, read_only=False)
        if not initialised:
            store._create_schema()
        return store

    def _create_schema(self) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._transaction():
            for ddl in SCHEMA_DDL:
                self.con.execute(ddl)
            self.con.executemany("INSERT INTO schema_info VALUES (?, ?)",
                                 [("tool", TOOL), ("schema_version", str(SCHEMA_VERSION)), ("created_at", now)])

    def _transaction(self) -> Transaction:
        return Transaction(self.con)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------

    def record_comparison(self, comparison_id: str, rows: list[dict]) -> None:
        """Record (or refresh the date of) a comparison: one row per scenario position."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with self._transaction():
            self.con.execute("DELETE FROM comparisons WHERE comparison_id = ?", [comparison_id])
            self.con.executemany(
                "INSERT INTO comparisons VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(comparison_id, row["position"], row["scenario_hash"], row["scenario_name"], row["scenario_path"],
                  float(row["years"]), row["reps"], row["base_seed"], now) for row in rows])

    def done_keys(self) -> set[tuple[str, int, float]]:
        """The (scenario hash, seed, years) of every stored run."""
        rows = self.con.execute("SELECT scenario_hash, seed, years FROM runs").fetchall()
        return {(h, int(s), float(y)) for h, s, y in rows}

    def add_run(self, run: dict[str, Any], model: pd.DataFrame, lifetimes: pd.DataFrame,
                outcomes: dict[str, float]) -> bool:
        """Store one finished run in one transaction; False (and nothing written) if its key is there."""
        return self.add_runs([(run, model, lifetimes, outcomes)]) == 1

    def add_runs(self, items: list[tuple[dict[str, Any], pd.DataFrame | None, pd.DataFrame | None, dict[str, float]]]) -> int:
        """Store finished runs (run row, model table, lifetimes, outcomes) in one transaction; returns how many were new.

        Runs whose key is already stored (or repeated in `items`) are skipped; a model table or lifetimes
        that is None or empty writes no rows (test functions have neither).
        """
        with self._transaction():
            done = self._present([item[0] for item in items])
            fresh, now = [], dt.datetime.now(dt.UTC).replace(tzinfo=None)
            for run, model, lifetimes, outcomes in items:
                key = (run["scenario_hash"], int(run["seed"]), float(run["years"]))
                if key not in done:
                    done.add(key)
                    fresh.append((key, {**run, "seed": key[1], "years": key[2], "finished_at": now}, model,
                                  lifetimes, outcomes))
            if not fresh:
                return 0
            runs = pd.DataFrame([row for _, row, _, _, _ in fresh])
            add_missing_columns(self.con, "runs", runs)
            self._insert("runs", runs)
            self._insert("outcomes", pd.DataFrame(
                [(*key, name, float(value)) for key, _, _, _, out in fresh for name, value in out.items()],
                columns=[*KEY, "outcome", "value"]))
            models = [(key, model) for key, _, model, _, _ in fresh if model is not None and len(model.columns)]
            if models:
                self._ensure_model_columns(models[0][1])
                for _, model in models[1:]:
                    if list(model.columns) != list(models[0][1].columns):
                        self._ensure_model_columns(model)
                self._insert("model_steps", _keyed(models))
            lives = [(key, life) for key, _, _, life, _ in fresh if life is not None and len(life)]
            if lives:
                self._insert("mso_lifetimes", _keyed(lives))
            refresh_wide_view(self.con)
        return len(fresh)

    def _present(self, runs: list[dict[str, Any]]) -> set[tuple[str, int, float]]:
        """The keys among `runs` that are already stored."""
        keys = pd.DataFrame({"scenario_hash": [r["scenario_hash"] for r in runs],
                             "seed": [int(r["seed"]) for r in runs], "years": [float(r["years"]) for r in runs]})
        self.con.register("_keys", keys)
        try:
            rows = self.con.execute("SELECT r.scenario_hash, r.seed, r.years FROM runs r "
                                    "JOIN _keys k USING (scenario_hash, seed, years)").fetchall()
        finally:
            self.con.unregister("_keys")
        return {(h, int(s), float(y)) for h, s, y in rows}

    def _insert(self, table: str, frame: pd.DataFrame, key: list | None = None) -> None:
        if key is not None:
            frame = frame.copy()
            frame.insert(0, "years", key[2])
            frame.insert(0, "seed", key[1])
            frame.insert(0, "scenario_hash", key[0])
        self.con.register("_incoming", frame)
        try:
            self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming")
        finally:
            self.con.unregister("_incoming")

    def _ensure_model_columns(self, model: pd.DataFrame) -> None:
        """Create model_steps from the first run's columns; add columns a newer model reports."""
        if "model_steps" not in table_names(self.con):
            columns = ", ".join(f"{quote(name)} {sql_type(dtype)}" for name, dtype in model.dtypes.items())
            self.con.execute(f"CREATE TABLE model_steps ({KEY_DDL}, {columns})")
            return
        existing = set(self.columns("model_steps"))
        for name, dtype in model.dtypes.items():
            if name not in existing:
                self.con.execute(f"ALTER TABLE model_steps ADD COLUMN {quote(name)} {sql_type(dtype)}")

    def record_sweep(self, sweep: dict[str, Any], points: pd.DataFrame, values: pd.DataFrame) -> bool:
        """Record a sweep, its points and their parameter values in one transaction; False if already recorded.

        A sweep id is a hash of its design, so a recorded id holds the same points; a rerun records nothing.
        """
        with self._transaction():
            for ddl in SWEEP_DDL:
                self.con.execute(ddl)
            found = self.con.execute("SELECT points FROM sweeps WHERE sweep_id = ?", [sweep["sweep_id"]]).fetchall()
            if found:
                if found[0][0] != len(points):
                    raise StoreError(f"{self.path}: sweep {sweep['sweep_id']} is recorded with {found[0][0]} points, "
                                     f"not {len(points)}; the store is damaged or from another msosim")
                return False
            row = {**sweep, "created_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}
            self._insert("sweeps", pd.DataFrame([row]))
            self._insert("sweep_points", points.assign(sweep_id=sweep["sweep_id"]))
            self._insert("sweep_values", values.assign(sweep_id=sweep["sweep_id"]))
        return True

    # -- reading -------------------------------------------------------------------------------

    def tables(self) -> list[str]:
        """The store's tables present in this file, in schema order."""
        names = set(table_names(self.con))
        return [name for name in TABLES if name in names]

    def columns(self, name: str) -> list[str]:
        """The column names of one table (empty if the table is absent)."""
        rows = self.con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
                                "AND table_name = ? ORDER BY ordinal_position", [name]).fetchall()
        return [row[0] for row in rows]

    def table(self, name: str) -> pd.DataFrame:
        """A whole table, ordered by its key."""
        if name not in self.tables():
            return pd.DataFrame()
        return self.con.execute(f"SELECT * FROM {name} ORDER BY {ORDER[name]}").df()

    def runs(self) -> pd.DataFrame:
        """Every stored run with its provenance, one row per (scenario hash, seed, years)."""
        return self.table("runs")

    def outcomes(self, wide: bool = False) -> pd.DataFrame:
        """Scalar outcomes: tidy (one row per run x outcome) or wide (one row per run)."""
        frame = self.con.execute(
            "SELECT r.scenario_name, o.* FROM outcomes o JOIN runs r USING (scenario_hash, seed, years) "
            f"ORDER BY {ORDER['outcomes']}").df()
        if not wide:
            return frame
        return (frame.pivot(index=["scenario_name", *KEY], columns="outcome", values="value")
                .reset_index().rename_axis(columns=None))

    def comparison(self, comparison_id: str | None = None) -> pd.DataFrame:
        """The scenario positions of one comparison (default: the one recorded last); empty if none."""
        if comparison_id is None:
            latest = self.con.execute("SELECT comparison_id FROM comparisons "
                                      "ORDER BY created_at DESC, comparison_id LIMIT 1").fetchall()
            if not latest:
                return pd.DataFrame()
            comparison_id = latest[0][0]
        return self.con.execute("SELECT * FROM comparisons WHERE comparison_id = ? ORDER BY position",
                                [comparison_id]).df()

    def select(self, table: str, comparison_id: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Rows of a run table that belong to a comparison, with its `position` and `scenario` name."""
        if table not in self.tables():
            return pd.DataFrame()
        chosen = "t.*" if columns is None else ", ".join(f"t.{quote(c)}" for c in (*KEY, *columns))
        query = (f"SELECT c.position, c.scenario_name AS scenario, {chosen} FROM comparisons c "
                 f"JOIN {table} t ON t.scenario_hash = c.scenario_hash AND t.years = c.years "
                 "AND t.seed BETWEEN c.base_seed AND c.base_seed + c.reps - 1 "
                 f"WHERE c.comparison_id = ? ORDER BY c.position, t.seed{WITHIN_RUN.get(table, '')}")
        return self.con.execute(query, [comparison_id]).df()

    def sweep(self, name: str | None = None) -> pd.DataFrame:
        """The row of one sweep, by id or name (the last recorded of that name; default: the last); empty if none."""
        if "sweeps" not in self.tables():
            return pd.DataFrame()
        where, args = ("WHERE sweep_id = ? OR name = ?", [name, name]) if name is not None else ("", [])
        return self.con.execute(f"SELECT * FROM sweeps {where} ORDER BY created_at DESC, sweep_id LIMIT 1", args).df()

    def sweep_table(self, table: str, sweep_id: str) -> pd.DataFrame:
        """Rows of a sweep table, or of a run table joined to a sweep's points (its seeds and years only), by point.

        For run tables the result has the sweep's `point` in front of the table's own columns.
        """
        if table in ("sweep_points", "sweep_values"):
            return self.con.execute(f"SELECT * FROM {table} WHERE sweep_id = ? ORDER BY {ORDER[table]}", [sweep_id]).df()
        if table not in self.tables():
            return pd.DataFrame()
        query = (f"SELECT p.point, t.* FROM sweeps s JOIN sweep_points p USING (sweep_id) "
                 f"JOIN {table} t ON t.scenario_hash = p.scenario_hash AND t.years = s.years "
                 "AND t.seed BETWEEN s.base_seed AND s.base_seed + s.replications - 1 "
                 f"WHERE s.sweep_id = ? ORDER BY p.point, t.seed{WITHIN_RUN.get(table, '')}")
        return self.con.execute(query, [sweep_id]).df()

    def export(self, out: str | Path, fmt: str = "parquet", *, overwrite: bool = False) -> list[Path]:
        """Write every table as the folder `out/<table>.<fmt>` (parquet or csv) by outputs.staged_folder: a new folder,
        or msosim's previous output with `overwrite`; it appears whole or not at all."""
        names = self.tables()
        with staged_folder(Path(out), "--out", overwrite=overwrite) as staging:
            for name in names:
                literal = str(staging / f"{name}.{fmt}").replace("'", "''")
                options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER"
                self.con.execute(f"COPY (SELECT * FROM {name} ORDER BY {ORDER[name]}) TO '{literal}' ({options})")
        return [Path(out) / f"{name}.{fmt}" for name in names]


def open_store(path: str | Path) -> Store:
    """Open a results store for reading: `.runs()`, `.outcomes(wide=...)`, `.table(name)`, `.comparison()`."""
    return Store.open(path, create=False)
