"""The results store's schema and its file: the tables, creating and checking them, connecting, transactions, upgrading.

One DuckDB file, one transaction per finished run, keyed by (scenario hash, seed, years); the Store that
writes and reads it is in store.py.

Tables (schema version 2):
  schema_info    key/value: tool = msosim, schema_version, created_at
  comparisons    one row per scenario position of a `compare` call (its id, order, name, path, years, reps, base seed)
  runs           one row per run: key, the resolved scenario as JSON, provenance (versions, git commit, date, wall
                 time; library_versions: JSON of every library that shapes a result, provenance.py)
  outcomes       tidy scalar outcomes (`api.run_outcomes`): key, outcome, value
  model_steps    the monthly model table of each run: key + every column of `tables()["model"]`
  mso_lifetimes  per MSO of each run: initial flag, staffed at start, founding and death step, death cause
  sweeps         one row per sweep (`msosim sweep`): its id, name, design (experiment as JSON), sampler, size, seeds
  sweep_points   per sweep and point index: the scenario hash its runs are stored under
  sweep_values   per sweep, point and varied parameter: the design value (what the analysis uses) and the
                 value applied to the scenario (rounded for integer keys, the choice for categorical ones)
View:
  outcomes_wide  one row per run (scenario name, key), one column per outcome (rebuilt when outcomes appear)

Version 2 added the three sweep tables (created with the first sweep). Only one process writes
(the parent of a batch); a run is stored whole or not at all, and a chunk of runs in one
transaction, so a killed batch leaves a readable store and a rerun skips exactly the runs there.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pandas as pd


def _lazy_import(name: str):
    """The module, loaded on first attribute access (importlib's LazyLoader recipe): running a model
    never touches the store, and DuckDB costs memory and time at import."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


duckdb = _lazy_import("duckdb")

SCHEMA_VERSION = 2
TOOL = "msosim"
KEY = ("scenario_hash", "seed", "years")
KEY_DDL = "scenario_hash VARCHAR NOT NULL, seed BIGINT NOT NULL, years DOUBLE NOT NULL"
TABLES = ("schema_info", "comparisons", "runs", "outcomes", "model_steps", "mso_lifetimes", "sweeps", "sweep_points",
          "sweep_values")
LAZY_TABLES = ("model_steps", "sweeps", "sweep_points", "sweep_values")  # created when first needed
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
SWEEP_DDL = (
    "CREATE TABLE IF NOT EXISTS sweeps (sweep_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, model VARCHAR NOT NULL,"
    " experiment_path VARCHAR, experiment_json VARCHAR NOT NULL, sampler VARCHAR NOT NULL, n INTEGER NOT NULL,"
    " points INTEGER NOT NULL, replications INTEGER NOT NULL, base_seed BIGINT NOT NULL, years DOUBLE NOT NULL,"
    " runs INTEGER NOT NULL, created_at TIMESTAMP)",
    "CREATE TABLE IF NOT EXISTS sweep_points (sweep_id VARCHAR NOT NULL, point INTEGER NOT NULL,"
    " scenario_hash VARCHAR NOT NULL, PRIMARY KEY (sweep_id, point))",
    "CREATE TABLE IF NOT EXISTS sweep_values (sweep_id VARCHAR NOT NULL, point INTEGER NOT NULL,"
    " parameter VARCHAR NOT NULL, value DOUBLE, applied VARCHAR, PRIMARY KEY (sweep_id, point, parameter))",
)
ORDER = {"schema_info": "key", "comparisons": "created_at, comparison_id, position",
         "runs": "scenario_hash, seed, years", "outcomes": "scenario_hash, seed, years, outcome",
         "model_steps": "scenario_hash, seed, years, step", "mso_lifetimes": "scenario_hash, seed, years, mso",
         "sweeps": "created_at, sweep_id", "sweep_points": "sweep_id, point",
         "sweep_values": "sweep_id, point, parameter"}


class StoreError(Exception):
    """A store that cannot be used (not DuckDB, another tool's tables, another schema version, locked)."""


def sql_type(dtype: Any) -> str:
    """The DuckDB column type for a pandas dtype."""
    if pd.api.types.is_bool_dtype(dtype):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(dtype):
        return "BIGINT"
    if pd.api.types.is_float_dtype(dtype):
        return "DOUBLE"
    return "VARCHAR"


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def connect(path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
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


def table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                       "ORDER BY table_name").fetchall()
    return [row[0] for row in rows]


def check_schema(con: duckdb.DuckDBPyConnection, path: str) -> bool:
    """True if the file holds an msosim store of this schema, False if it is empty; else StoreError."""
    names = table_names(con)
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
    if info.get("schema_version") == "1":
        raise StoreError(f"{path}: msosim store schema version 1 (before sweeps); this msosim reads version "
                         f"{SCHEMA_VERSION}; upgrade it in place with `msosim store upgrade {path}` "
                         "(adds nothing but the version mark; sweep tables come with the first sweep), or use a new --store file")
    if info.get("schema_version") != str(SCHEMA_VERSION):
        raise StoreError(f"{path}: msosim store schema version {info.get('schema_version')}; this msosim reads "
                         f"version {SCHEMA_VERSION} (use a new --store file, or the msosim that wrote it)")
    missing = [name for name in TABLES if name not in names and name not in LAZY_TABLES]
    if missing:
        raise StoreError(f"{path}: msosim store lacks tables {', '.join(missing)}; the file is damaged")
    return True


class Transaction:
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


def upgrade(path: str | Path) -> str:
    """Mark a version-1 store as version 2 (its tables are a subset of version 2's); returns what was done."""
    text = str(path)
    if not Path(path).is_file():
        raise StoreError(f"{text}: no such store")
    con = connect(text, read_only=False)
    try:
        names = table_names(con)
        info = dict(con.execute("SELECT key, value FROM schema_info").fetchall()) if "schema_info" in names else {}
        if info.get("tool") != TOOL:
            raise StoreError(f"{text}: not an msosim results store")
        if info.get("schema_version") == str(SCHEMA_VERSION):
            return f"{text}: already schema version {SCHEMA_VERSION}"
        if info.get("schema_version") != "1":
            raise StoreError(f"{text}: schema version {info.get('schema_version')}; only version 1 can be upgraded")
        with Transaction(con):
            con.execute("UPDATE schema_info SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])
        return f"{text}: upgraded from schema version 1 to {SCHEMA_VERSION}"
    finally:
        con.close()
