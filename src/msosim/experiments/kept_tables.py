"""`--keep-tables`: the events, grants and per-MSO tables of compare and sweep runs, as Parquet files beside
the store, referenced from its table `run_tables` (key, table, path relative to the store's folder).

Workers return the tables with their results (`batch.run_one(spec, keep_tables=True)`); the parent writes
each file whole (a temporary file renamed into place) into `<store>.tables/<hash>-<seed>-<years>/` before the
run's rows are referenced. Runs the store already holds are not run again, so their tables are only kept
if they were kept when they ran.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from .batch import RunResult
    from .store import Store

KEPT = ("events", "grants", "msos")
DDL = ("CREATE TABLE IF NOT EXISTS run_tables (scenario_hash VARCHAR NOT NULL, seed BIGINT NOT NULL, "
       "years DOUBLE NOT NULL, table_name VARCHAR NOT NULL, path VARCHAR NOT NULL, bytes BIGINT, "
       "PRIMARY KEY (scenario_hash, seed, years, table_name))")


def folder_of(store: Store) -> Path:
    """Where a store's kept tables live: `<store file>.tables/` next to it."""
    return Path(str(store.path) + ".tables")


def write(store: Store, result: RunResult) -> None:
    """Write a result's kept tables as Parquet files and reference them in `run_tables` (nothing if none kept)."""
    if not result.kept:
        return
    spec = result.spec
    run_folder = folder_of(store) / f"{spec.scenario_hash}-{spec.seed}-{spec.years:g}"
    run_folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, frame in result.kept.items():
        target = run_folder / f"{name}.parquet"
        _write_whole(frame, target)
        rows.append((spec.scenario_hash, spec.seed, float(spec.years), name,
                     str(target.relative_to(Path(store.path).parent)), target.stat().st_size))
    store.con.execute(DDL)
    store.con.executemany("INSERT OR REPLACE INTO run_tables VALUES (?, ?, ?, ?, ?, ?)", rows)


def _write_whole(frame: pd.DataFrame, target: Path) -> None:
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    frame.to_parquet(staging, index=False)
    os.replace(staging, target)


def read(store: Store, table: str) -> pd.DataFrame:
    """One kept table of every run that kept it, with the run's key in front (DuckDB reads the files)."""
    import pandas as pd

    found = store.con.execute("SELECT scenario_hash, seed, years, path FROM run_tables WHERE table_name = ? "
                              "ORDER BY scenario_hash, seed, years", [table]).fetchall()
    base = Path(store.path).parent
    frames = [pd.read_parquet(base / path).assign(scenario_hash=h, seed=s, years=y) for h, s, y, path in found]
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True)
    return frame[["scenario_hash", "seed", "years", *[c for c in frame.columns if c not in ("scenario_hash", "seed", "years")]]]
