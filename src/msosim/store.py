"""The results store: one DuckDB file, one transaction per finished run, keyed by (scenario hash, seed, years).

Tables (schema version 1):
  schema_info    key/value: tool = msosim, schema_version, created_at
  comparisons    one row per scenario position of a `compare` call (its id, order, name, path, years, reps, base seed)
  runs           one row per run: key, the resolved scenario as JSON, provenance (versions, git commit, date, wall time)
  outcomes       tidy scalar outcomes (`api.run_outcomes`): key, outcome, value
  model_steps    the monthly model table of each run: key + every column of `tables()["model"]`
  mso_lifetimes  per MSO of each run: initial flag, staffed at start, founding and death step, death cause

Only one process writes (the parent of a batch); a run is stored whole or not at all, so a
killed batch leaves a readable store and a rerun skips exactly the runs already there.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

SCHEMA_VERSION = 1
TOOL = "msosim"
KEY = ("scenario_hash", "seed", "years")
KEY_DDL = "scenario_hash VARCHAR NOT NULL, seed BIGINT NOT NULL, years DOUBLE NOT NULL"
TABLES = ("schema_info", "comparisons", "runs", "outcomes", "model_steps", "mso_lifetimes")
WITHIN_RUN = {"outcomes": ", t.outcome", "model_steps": ", t.step", "mso_lifetimes": ", t.mso"}
TIMING_COLUMNS = ("finished_at", "wall_seconds", "created_at")

SCHEMA_DDL = (
    "CREATE TABLE schema_info (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    "CREATE TABLE comparisons (comparison_id VARCHAR NOT NULL, position INTEGER NOT NULL,"
    " scenario_hash VARCHAR NOT NULL, scenario_name VARCHAR NOT NULL, scenario_path VARCHAR,"
    " years DOUBLE NOT NULL, reps INTEGER NOT NULL, base_seed BIGINT NOT NULL, created_at TIMESTAMP,"
    " PRIMARY KEY (comparison_id, position))",
    f"CREATE TABLE runs ({KEY_DDL}, scenario_name VARCHAR, scenario_json VARCHAR, steps_per_year INTEGER,"
    " msosim_version VARCHAR, git_commit VARCHAR, git_dirty BOOLEAN, python_version VARCHAR,"
    " numpy_version VARCHAR, mesa_version VARCHAR, platform VARCHAR, finished_at TIMESTAMP,"
    " wall_seconds DOUBLE, PRIMARY KEY (scenario_hash, seed, years))",
    f"CREATE TABLE outcomes ({KEY_DDL}, outcome VARCHAR NOT NULL, value DOUBLE,"
    " PRIMARY KEY (scenario_hash, seed, years, outcome))",
    f"CREATE TABLE mso_lifetimes ({KEY_DDL}, mso INTEGER NOT NULL, initial BOOLEAN, staffed_start BOOLEAN,"
    " founded_step INTEGER, died_step INTEGER, death_cause TINYINT)",
)
ORDER = {"schema_info": "key", "comparisons": "created_at, comparison_id, position",
         "runs": "scenario_hash, seed, years", "outcomes": "scenario_hash, seed, years, outcome",
         "model_steps": "scenario_hash, seed, years, step", "mso_lifetimes": "scenario_hash, seed, years, mso"}


class StoreError(Exception):
    """A store that cannot be used (not DuckDB, another tool's tables, another schema version, locked)."""


def _sql_type(dtype: Any) -> str:
    """The DuckDB column type for a pandas dtype."""
    if pd.api.types.is_bool_dtype(dtype):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(dtype):
        return "BIGINT"
    if pd.api.types.is_float_dtype(dtype):
        return "DOUBLE"
    return "VARCHAR"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _connect(path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(path, read_only=read_only)
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0]
        if "lock" in message.lower():
            raise StoreError(f"{path}: store is in use by another process ({message}); "
                             "wait for it to finish or use another --store") from None
        if "not a valid duckdb" in message.lower():
            raise StoreError(f"{path}: not an msosim results store ({message})") from None
        raise StoreError(f"{path}: cannot open the results store ({message})") from None


def _table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                       "ORDER BY table_name").fetchall()
    return [row[0] for row in rows]


def _check_schema(con: duckdb.DuckDBPyConnection, path: str) -> bool:
    """True if the file holds an msosim store of this schema, False if it is empty; else StoreError."""
    names = _table_names(con)
    if not names:
        return False
    if "schema_info" not in names:
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        raise StoreError(f"{path}: a DuckDB file with tables {shown} but no msosim schema_info; "
                         "not an msosim results store (use another --store path)")
    try:
        info = dict(con.execute("SELECT key, value FROM schema_info").fetchall())
    except duckdb.Error as exc:
        raise StoreError(f"{path}: unreadable schema_info table ({str(exc).splitlines()[0]}); "
                         "not an msosim results store") from None
    if info.get("tool") != TOOL:
        raise StoreError(f"{path}: schema_info names tool {info.get('tool')!r}; not an msosim results store")
    if info.get("schema_version") != str(SCHEMA_VERSION):
        raise StoreError(f"{path}: msosim store schema version {info.get('schema_version')}; this msosim reads "
                         f"version {SCHEMA_VERSION} (use a new --store file, or the msosim that wrote it)")
    missing = [name for name in TABLES if name not in names and name != "model_steps"]
    if missing:
        raise StoreError(f"{path}: msosim store lacks tables {', '.join(missing)}; the file is damaged")
    return True


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
        path = Path(path)
        text = str(path)
        if path.is_dir():
            raise StoreError(f"{text}: is a folder; allowed: a DuckDB file path (e.g. results/compare.duckdb)")
        if not path.exists() and not create:
            raise StoreError(f"{text}: no such store; run `msosim compare ... --store {text}` first")
        initialised = False
        if path.exists():
            probe = _connect(text, read_only=True)
            try:
                initialised = _check_schema(probe, text)
            finally:
                probe.close()
        if not create:
            return cls(_connect(text, read_only=True), text, read_only=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        store = cls(_connect(text, read_only=False), text, read_only=False)
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

    def _transaction(self) -> _Transaction:
        return _Transaction(self.con)

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
        key = [run["scenario_hash"], int(run["seed"]), float(run["years"])]
        with self._transaction():
            present = self.con.execute("SELECT count(*) FROM runs WHERE scenario_hash = ? AND seed = ? AND years = ?",
                                       key).fetchall()[0][0]
            if present:
                return False
            row = {**run, "seed": key[1], "years": key[2],
                   "finished_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}
            self._insert("runs", pd.DataFrame([row]))
            frame = pd.DataFrame({"outcome": list(outcomes), "value": [float(v) for v in outcomes.values()]})
            self._insert("outcomes", frame, key)
            self._ensure_model_columns(model)
            self._insert("model_steps", model, key)
            self._insert("mso_lifetimes", lifetimes, key)
        return True

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
        if "model_steps" not in _table_names(self.con):
            columns = ", ".join(f"{_quote(name)} {_sql_type(dtype)}" for name, dtype in model.dtypes.items())
            self.con.execute(f"CREATE TABLE model_steps ({KEY_DDL}, {columns})")
            return
        existing = set(self.columns("model_steps"))
        for name, dtype in model.dtypes.items():
            if name not in existing:
                self.con.execute(f"ALTER TABLE model_steps ADD COLUMN {_quote(name)} {_sql_type(dtype)}")

    # -- reading -------------------------------------------------------------------------------

    def tables(self) -> list[str]:
        """The store's tables present in this file, in schema order."""
        names = set(_table_names(self.con))
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
        chosen = "t.*" if columns is None else ", ".join(f"t.{_quote(c)}" for c in (*KEY, *columns))
        query = (f"SELECT c.position, c.scenario_name AS scenario, {chosen} FROM comparisons c "
                 f"JOIN {table} t ON t.scenario_hash = c.scenario_hash AND t.years = c.years "
                 "AND t.seed BETWEEN c.base_seed AND c.base_seed + c.reps - 1 "
                 f"WHERE c.comparison_id = ? ORDER BY c.position, t.seed{WITHIN_RUN.get(table, '')}")
        return self.con.execute(query, [comparison_id]).df()

    def export(self, out: str | Path, fmt: str = "parquet") -> list[Path]:
        """Write every table to `out/<table>.<fmt>` (parquet or csv); each file appears whole or not at all."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".export-", dir=out))
        written = []
        try:
            for name in self.tables():
                target = staging / f"{name}.{fmt}"
                options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER"
                literal = str(target).replace("'", "''")
                self.con.execute(f"COPY (SELECT * FROM {name} ORDER BY {ORDER[name]}) TO '{literal}' ({options})")
            for name in self.tables():
                final = out / f"{name}.{fmt}"
                os.replace(staging / f"{name}.{fmt}", final)
                written.append(final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return written


class _Transaction:
    """BEGIN ... COMMIT, or ROLLBACK on any exception (including KeyboardInterrupt)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def __enter__(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def __exit__(self, exc_type: type | None, *exc: object) -> None:
        if exc_type is None:
            self.con.execute("COMMIT")
            return
        try:
            self.con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # the connection is closing with the exception anyway; DuckDB drops what was not committed


def open_store(path: str | Path) -> Store:
    """Open a results store for reading: `.runs()`, `.outcomes(wide=...)`, `.table(name)`, `.comparison()`."""
    return Store.open(path, create=False)
