"""The resumable runner: record a design, run what the store lacks in chunks on an executor, store each chunk.

Compare, sweep and calibrate pass their run function down (`run=`); runs travel in chunks of a few
runs; the parent stores each returned chunk in one transaction, so a sweep killed at any point
resumes by running it again. A sweep's msosim runs travel as whole batches of runs whose points differ only in
policy levers, replications included (batching.py: run together in one set of arrays, the same results as one by
one). Samplers are in
`samplers/`, executors in `executors.py`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from . import kept_tables
from .batch import RunResult, RunSpec, deferred_interrupt, progress_bar, provenance
from .batching import RunError, Together, batch_jobs, world_key
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


def batched_chunks(todo: list[RunSpec], size: int | None, batch: int | None, parallelism: int,
                   keep_tables: bool = False) -> list[tuple[Together, list[RunSpec]]]:
    """msosim runs as chunks of whole batches (`batching.batch_jobs`: runs of points that differ only in policy
    levers, and replications, `batch` at a time; None: from the population size, as many as keep the workers busy,
    at most `size` when it is given), each chunk up to `size` runs (default `chunk_size`) and at least one batch."""
    points = len({world_key(spec) for spec in todo})  # groups that can share a batch
    jobs = batch_jobs(todo, batch, -(-parallelism // max(1, points)), most=size)
    size = size or chunk_size(len(todo), parallelism)
    chunks: list[list[tuple[RunSpec, ...]]] = []
    for job in jobs:
        if chunks and sum(map(len, chunks[-1])) + len(job) <= size:
            chunks[-1].append(job)
        else:
            chunks.append([job])
    return [(Together(tuple(map(len, whole)), keep_tables), [spec for job in whole for spec in job])
            for whole in chunks]


def run_design(store: Store, design: Design, execute, *, size: int | None = None,
               on_start: Callable[[int, int], None] | None = None,
               on_stored: Callable[[list[RunResult]], None] | None = None, run: RunFunction | None = None,
               keep_tables: bool = False, batch: int | None = None) -> str:
    """Record the sweep, run what the store lacks in chunks, store each chunk as it returns; returns the sweep id.

    `run` is the worker's run function (default: the one for the experiment's model, `executors.run_function`);
    `keep_tables` keeps each msosim run's events, grants and msos tables (kept_tables.py). msosim runs (without
    `run`) go `batch` at a time in one set of arrays, runs of points that differ only in policy levers together (`batched_chunks`; None: from the
    population size; 1: one by one), with the same results; a failed run is named after the runs before it
    are stored."""
    if batch is not None and batch < 1:
        raise ValueError(f"batch: value {batch!r}; allowed: at least 1 (1: one by one; None: the default)")
    points, values = design.point_frames()
    store.record_sweep(design.sweep_row(), points, values)
    specs = design.specs()
    done = store.done_keys()
    todo = [spec for spec in specs if spec.key not in done]
    if on_start is not None:
        on_start(len(specs), len(todo))
    if run is None and design.experiment.model == "msosim":
        chunks = batched_chunks(todo, size, batch, execute.parallelism, keep_tables)
    else:
        size = size or chunk_size(len(todo), execute.parallelism)
        run = run or run_function(design.experiment.model)
        chunks = [(run, todo[i:i + size]) for i in range(0, len(todo), size)]
    origin = provenance()

    def keep(returned: list[RunResult | RunError]) -> None:
        results = [result for result in returned if isinstance(result, RunResult)]
        if results:
            items = store_items(results, origin)
            with deferred_interrupt():  # a Ctrl-C during the write comes after it is stored and counted
                for result in results:
                    kept_tables.write(store, result)
                store.add_runs(items)
                if on_stored is not None:
                    on_stored(results)
        for failed in returned:
            if isinstance(failed, RunError):  # after the chunk's runs before it are stored
                raise failed.failure()

    execute(chunks, keep)
    return design.sweep_id


def run_sweep(path_or_experiment: str | Path | Experiment, *, workers: int | None = None, dask: str | None = None,
          scheduler: str | None = None, store: str | Path | None = None, chunk: int | None = None,
          progress: bool = False, n: int | None = None, replications: int | None = None, years: float | None = None,
          keep_tables: bool = False, batch: int | None = None) -> pd.DataFrame:
    """Run (or resume) a sweep and return its runs: one row per point and seed, parameters and outcomes.

    `dask="local"` runs on a Dask LocalCluster, `scheduler="tcp://host:8786"` on a running Dask
    cluster, otherwise on a local process pool of `workers` (default: all cores). Runs already in
    the store (default: the experiment's `store:`) are not run again. `n`, `replications` and `years`
    replace the experiment's; `keep_tables` keeps each run's events, grants and msos tables. msosim runs go
    `batch` at a time in one set of arrays (points that differ only in policy levers together), the same results (None: from the
    population size; 1: one by one).
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
                       keep_tables=keep_tables, batch=batch)
        finally:
            if bar is not None:
                bar.stop()
        return sweep_results(opened, design.sweep_id)
