"""The resumable runner: record a design, run what the store lacks in chunks on an executor, store each chunk.

Compare, sweep and calibrate pass their run function down (`run=`); runs travel in chunks of a few
runs; the parent stores each returned chunk in one transaction, so a sweep killed at any point
resumes by running it again. Samplers are in `samplers/`, executors in `executors.py`.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from . import kept_tables
from .batch import RunResult, deferred_interrupt, progress_bar, provenance, run_one
from .executors import RunFunction, executor, run_function
from .design import Design, plan
from .experiment import Experiment
from .sensitivity import sweep_results
from .store import Store


def chunk_size(todo: int, parallelism: int) -> int:
    """Runs per task: about 16 tasks per worker, between 1 and 16 runs each."""
    return max(1, min(16, math.ceil(todo / (16 * max(1, parallelism)))))


def store_items(results: list, origin: dict) -> list[tuple]:
    """The store's rows of finished runs (Store.add_runs): run key, names, provenance, and the run's tables."""
    return [({"scenario_hash": r.spec.scenario_hash, "seed": r.spec.seed, "years": r.spec.years,
              "scenario_name": r.spec.scenario_name, "scenario_json": r.spec.scenario_json,
              "steps_per_year": r.steps_per_year, **origin, "wall_seconds": r.wall_seconds},
             r.model, r.lifetimes, r.outcomes) for r in results]


def run_design(store: Store, design: Design, execute, *, size: int | None = None,
               on_start: Callable[[int, int], None] | None = None,
               on_stored: Callable[[list[RunResult]], None] | None = None, run: RunFunction | None = None,
               keep_tables: bool = False) -> str:
    """Record the sweep, run what the store lacks in chunks, store each chunk as it returns; returns the sweep id.

    `run` is the worker's run function (default: the one for the experiment's model, `executors.run_function`);
    `keep_tables` keeps each msosim run's events, grants and msos tables (kept_tables.py)."""
    points, values = design.point_frames()
    store.record_sweep(design.sweep_row(), points, values)
    specs = design.specs()
    done = store.done_keys()
    todo = [spec for spec in specs if spec.key not in done]
    if on_start is not None:
        on_start(len(specs), len(todo))
    size = size or chunk_size(len(todo), execute.parallelism)
    if keep_tables and run is None and design.experiment.model == "msosim":
        run = functools.partial(run_one, keep_tables=True)
    run = run or run_function(design.experiment.model)
    chunks = [(run, todo[i:i + size]) for i in range(0, len(todo), size)]
    origin = provenance()

    def keep(results: list[RunResult]) -> None:
        items = store_items(results, origin)
        with deferred_interrupt():  # a Ctrl-C during the write comes after it is stored and counted
            for result in results:
                kept_tables.write(store, result)
            store.add_runs(items)
            if on_stored is not None:
                on_stored(results)

    execute(chunks, keep)
    return design.sweep_id


def run_sweep(path_or_experiment: str | Path | Experiment, *, workers: int | None = None, dask: str | None = None,
          scheduler: str | None = None, store: str | Path | None = None, chunk: int | None = None,
          progress: bool = False, n: int | None = None, replications: int | None = None, years: float | None = None,
          keep_tables: bool = False) -> pd.DataFrame:
    """Run (or resume) a sweep and return its runs: one row per point and seed, parameters and outcomes.

    `dask="local"` runs on a Dask LocalCluster, `scheduler="tcp://host:8786"` on a running Dask
    cluster, otherwise on a local process pool of `workers` (default: all cores). Runs already in
    the store (default: the experiment's `store:`) are not run again. `n`, `replications` and `years`
    replace the experiment's; `keep_tables` keeps each run's events, grants and msos tables.
    """
    design = plan(path_or_experiment, n=n, replications=replications, years=years)
    workers = (os.cpu_count() or 1) if workers is None else workers
    with executor(workers, dask, scheduler) as execute, Store.open(store or design.store, create=True) as opened:
        bar = progress_bar() if progress else None
        task = bar.add_task("runs", total=0) if bar is not None else None
        try:
            if bar is not None:
                bar.start()
            run_design(opened, design, execute, size=chunk,
                       on_start=None if bar is None else lambda total, todo: bar.update(task, total=todo),
                       on_stored=None if bar is None else lambda results: bar.advance(task, len(results)),
                       keep_tables=keep_tables)
        finally:
            if bar is not None:
                bar.stop()
        return sweep_results(opened, design.sweep_id)
