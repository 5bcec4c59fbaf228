"""What the store records beside the tables: the version of every library that shapes a result, added
columns of older stores, and the wide view of the outcomes (one row per run, one column per outcome).
"""

from __future__ import annotations

import json
import platform
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

# The distributions whose code computes, samples, schedules, analyses or stores a result (numba: the compiled
# kernels, which sweep and compare workers run on where it is installed; the same results on either backend).
LIBRARIES = ("msosim", "numpy", "pandas", "scipy", "mesa", "SALib", "ema_workbench", "dask", "distributed",
             "duckdb", "pyarrow", "numba")
WIDE_VIEW = "outcomes_wide"


def library_versions() -> dict[str, str]:
    """Python's and each library's installed version ("not installed" where absent), read from package metadata."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def library_versions_json() -> str:
    """`library_versions()` as the JSON text stored in runs.library_versions."""
    return json.dumps(library_versions(), sort_keys=True)


def add_missing_columns(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Add to `table` the columns of `frame` it lacks (as text): a store written before they existed takes them."""
    existing = {row[0] for row in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}
    for name in frame.columns:
        if name not in existing:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" VARCHAR')


def refresh_wide_view(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create `outcomes_wide`: one row per run (scenario name and key), one column per stored outcome."""
    # DuckDB's PIVOT in a view needs its columns listed, so the view is rebuilt when new outcome names appear.
    names = [row[0] for row in con.execute("SELECT DISTINCT outcome FROM outcomes ORDER BY outcome").fetchall()]
    shown = {row[0] for row in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [WIDE_VIEW]).fetchall()}
    if not names or set(names) <= shown:
        return
    listed = ", ".join("'" + name.replace("'", "''") + "'" for name in names)
    con.execute(f"CREATE OR REPLACE VIEW {WIDE_VIEW} AS SELECT r.scenario_name, p.* FROM "
                f"(PIVOT outcomes ON outcome IN ({listed}) USING first(value) GROUP BY scenario_hash, seed, years) p "
                "JOIN runs r USING (scenario_hash, seed, years)")


def describe(origin: dict[str, object]) -> str:
    """A provenance dict as one line: its fields, the library versions spelled out ("numpy 2.3.1, ...")."""
    fields = [f"{key} {value}" for key, value in origin.items() if key != "library_versions"]
    libraries = json.loads(str(origin["library_versions"])) if origin.get("library_versions") else {}
    listed = ", ".join(f"{name} {found}" for name, found in libraries.items())
    return ", ".join(fields) + (f"; libraries: {listed}" if listed else "")
