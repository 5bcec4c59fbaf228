"""Sweeps: samplers (SALib and a full grid), executors (process pool, Dask), and the resumable runner.

Every sampler is `sample(problem, N, seed=None, **options) -> ndarray` (SALib's signature); every
executor is called as `execute(chunks, on_chunk)` and says how many runs it can do at once
(`parallelism`). Runs travel in chunks of a few runs; the parent stores each returned chunk in
one transaction, so a sweep killed at any point resumes by running it again.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .batch import RunFailed, RunResult, RunSpec, deferred_interrupt, execute, provenance, run_one
from .store import Store

if TYPE_CHECKING:
    from .experiment import Design, Experiment

Chunk = tuple[str, list[RunSpec]]  # (model, runs)
OnChunk = Callable[[list[RunResult]], None]


# -- samplers --------------------------------------------------------------------------------------

def _salib(problem: dict) -> dict:
    """The problem as SALib reads it (without the grid's listed values)."""
    return {key: problem[key] for key in ("num_vars", "names", "bounds", "dists")}


def _rng(seed: int | None) -> np.random.Generator | None:
    """A generator from the seed (SALib would treat seed 0 as no seed)."""
    return None if seed is None else np.random.default_rng(seed)


def sample_grid(problem: dict, N: int, seed: int | None = None) -> np.ndarray:
    """Full factorial grid: N evenly spaced levels per range, every listed value (index for choices)."""
    axes = []
    for bounds, values in zip(problem["bounds"], problem["values"]):
        if values is None:
            axes.append(np.linspace(bounds[0], bounds[1], N))
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            axes.append(np.asarray(values, dtype=float))
        else:
            axes.append(np.arange(len(values), dtype=float))
    return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, len(axes))


def sample_latin(problem: dict, N: int, seed: int | None = None) -> np.ndarray:
    """Latin hypercube (SALib.sample.latin)."""
    from SALib.sample import latin

    return latin.sample(_salib(problem), N, seed=_rng(seed))


def sample_sobol(problem: dict, N: int, seed: int | None = None, second_order: bool = False) -> np.ndarray:
    """Saltelli's extension of the Sobol' sequence (SALib.sample.sobol), scrambled."""
    from SALib.sample import sobol

    return sobol.sample(_salib(problem), N, calc_second_order=second_order, seed=_rng(seed))


def sample_morris(problem: dict, N: int, seed: int | None = None, levels: int = 4) -> np.ndarray:
    """N Morris trajectories on a grid of `levels` levels (SALib.sample.morris)."""
    from SALib.sample import morris

    return morris.sample(_salib(problem), N, num_levels=levels, seed=_rng(seed))


@dataclass(frozen=True)
class SamplerRules:
    """A sampler and what it accepts: options with defaults, sizes, distributions, listed values."""

    sample: Callable[..., np.ndarray]
    options: dict[str, Any]
    check_n: Callable[[int], str | None]
    points: Callable[[int, dict, dict], int]
    bounded: bool
    distributions: bool
    categorical: bool


def _power_of_two(n: int) -> str | None:
    return None if n >= 2 and n & (n - 1) == 0 else "a power of 2 (2, 4, 8, ..., e.g. 64 or 128)"


def _at_least(k: int) -> Callable[[int], str | None]:
    return lambda n: None if n >= k else f"at least {k}"


SAMPLERS: dict[str, SamplerRules] = {
    "grid": SamplerRules(sample_grid, {}, _at_least(1),
                         lambda n, p, o: math.prod(n if v is None else len(v) for v in p["values"]),
                         bounded=True, distributions=False, categorical=True),
    "latin": SamplerRules(sample_latin, {}, _at_least(1), lambda n, p, o: n,
                          bounded=False, distributions=True, categorical=False),
    "sobol": SamplerRules(sample_sobol, {"second_order": False}, _power_of_two,
                          lambda n, p, o: n * ((2 if o["second_order"] else 1) * p["num_vars"] + 2),
                          bounded=False, distributions=True, categorical=False),
    "morris": SamplerRules(sample_morris, {"levels": 4}, _at_least(2), lambda n, p, o: n * (p["num_vars"] + 1),
                           bounded=True, distributions=True, categorical=False),
}


# -- the worker side -------------------------------------------------------------------------------

def run_test_function(spec: RunSpec) -> RunResult:
    """One evaluation of a SALib test function (Ishigami) at the point in `spec.scenario_json`."""
    import json

    from SALib.test_functions import Ishigami

    started = time.perf_counter()
    point = json.loads(spec.scenario_json)
    y = float(Ishigami.evaluate(np.array([point["x"]], dtype=float))[0])
    return RunResult(spec, 0, {"y": y}, pd.DataFrame(), pd.DataFrame(), time.perf_counter() - started)


def run_chunk(model: str, specs: list[RunSpec]) -> list[RunResult]:
    """The task sent to a worker: run a few runs of one model, return their results (no file is touched).

    `model` is msosim, a SALib test function, or msosim_calibrate (msosim with the calibration metrics).
    """
    if model == "msosim_calibrate":
        from .calibrate import run_calibration_one as run
    else:
        run = run_one if model == "msosim" else run_test_function
    results = []
    for spec in specs:
        try:
            results.append(run(spec))
        except Exception as exc:
            raise RunFailed(f"scenario '{spec.scenario_name}' ({spec.scenario_hash}), seed {spec.seed}, "
                            f"{spec.years:g} years: {type(exc).__name__}: {exc}") from exc
    return results


# -- executors -------------------------------------------------------------------------------------

class ExecutorError(RuntimeError):
    """An executor that cannot start (no scheduler at the address, ...)."""


def run_chunk_job(chunk: Chunk) -> list[RunResult]:
    """`run_chunk` as a one-argument job for `batch.execute`."""
    return run_chunk(*chunk)


class ProcessPool:
    """Chunks on `batch.execute`'s spawn-started process pool (in this process for one worker)."""

    def __init__(self, workers: int) -> None:
        self.parallelism = max(1, workers)

    def __call__(self, chunks: list[Chunk], on_chunk: OnChunk) -> None:
        try:
            execute(chunks, self.parallelism, on_chunk, worker=run_chunk_job, spec_of=lambda chunk: chunk[1][0])
        except RunFailed as exc:  # execute names a chunk's first run; run_chunk already named the one that failed
            raise (exc.__cause__ if isinstance(exc.__cause__, RunFailed) else exc) from None


class DaskCluster:
    """Chunks on a Dask cluster through a connected `distributed.Client`, a few tasks ahead of the workers."""

    def __init__(self, client) -> None:
        self.client = client

    @property
    def parallelism(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def __call__(self, chunks: list[Chunk], on_chunk: OnChunk) -> None:
        from distributed import as_completed

        queue = iter(chunks)
        outstanding = set()
        flow = as_completed([], loop=self.client.loop, with_results=True)

        def top_up() -> None:
            room = 2 * self.parallelism + 2 - len(outstanding)
            for chunk in itertools.islice(queue, max(0, room)):
                future = self.client.submit(run_chunk, *chunk, pure=False)
                outstanding.add(future)
                flow.add(future)

        try:
            top_up()
            for future, results in flow:
                outstanding.discard(future)
                on_chunk(results)
                future.release()
                top_up()
        except BaseException:
            self.client.cancel(list(outstanding))
            raise


@contextlib.contextmanager
def executor(workers: int, dask: str | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """The executor for the options: a process pool, a Dask LocalCluster on 127.0.0.1, or a Dask scheduler."""
    if dask is None and scheduler is None:
        yield ProcessPool(workers)
        return
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            _probe(scheduler)
            client = Client(scheduler, timeout="15s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorError(f"--scheduler: value '{scheduler}': no Dask scheduler answers there "
                                f"({type(exc).__name__}); start one with `dask scheduler`") from None
        with client:
            yield DaskCluster(client)
        return
    with warnings.catch_warnings():  # its HTTP server (loopback) moves to a free port if 8787 is taken; no need to say so
        warnings.filterwarnings("ignore", message="Port 8787 is already in use")
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               host="127.0.0.1")
    with cluster, Client(cluster) as client:
        yield DaskCluster(client)


def _probe(address: str) -> None:
    """Fail at once (OSError) if nothing listens at a tcp:// address, instead of retrying until the timeout."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        socket.create_connection((parts.hostname, parts.port), timeout=5).close()


# -- the runner ------------------------------------------------------------------------------------

def chunk_size(todo: int, parallelism: int) -> int:
    """Runs per task: about 16 tasks per worker, between 1 and 16 runs each."""
    return max(1, min(16, math.ceil(todo / (16 * max(1, parallelism)))))


def run_design(store: Store, design: Design, execute, *, size: int | None = None,
               on_start: Callable[[int, int], None] | None = None,
               on_stored: Callable[[list[RunResult]], None] | None = None, model: str | None = None) -> str:
    """Record the sweep, run what the store lacks in chunks, store each chunk as it returns; returns the sweep id.

    `model` names the worker's run function (default: the experiment's model; see `run_chunk`)."""
    points, values = design.point_frames()
    store.record_sweep(design.sweep_row(), points, values)
    specs = design.specs()
    done = store.done_keys()
    todo = [spec for spec in specs if spec.key not in done]
    if on_start is not None:
        on_start(len(specs), len(todo))
    size = size or chunk_size(len(todo), execute.parallelism)
    chunks = [(model or design.experiment.model, todo[i:i + size]) for i in range(0, len(todo), size)]
    origin = provenance()

    def keep(results: list[RunResult]) -> None:
        items = [({"scenario_hash": r.spec.scenario_hash, "seed": r.spec.seed, "years": r.spec.years,
                   "scenario_name": r.spec.scenario_name, "scenario_json": r.spec.scenario_json,
                   "steps_per_year": r.steps_per_year, **origin, "wall_seconds": r.wall_seconds},
                  r.model, r.lifetimes, r.outcomes) for r in results]
        with deferred_interrupt():  # a Ctrl-C during the write comes after it is stored and counted
            store.add_runs(items)
            if on_stored is not None:
                on_stored(results)

    execute(chunks, keep)
    return design.sweep_id


def sweep(path_or_experiment: str | Path | Experiment, *, workers: int | None = None, dask: str | None = None,
          scheduler: str | None = None, store: str | Path | None = None, chunk: int | None = None,
          progress: bool = False) -> pd.DataFrame:
    """Run (or resume) a sweep and return its runs: one row per point and seed, parameters and outcomes.

    `dask="local"` runs on a Dask LocalCluster, `scheduler="tcp://host:8786"` on a running Dask
    cluster, otherwise on a local process pool of `workers` (default: all cores). Runs already in
    the store (default: the experiment's `store:`) are not run again.
    """
    from .sensitivity import sweep_results
    from .batch import progress_bar
    from .experiment import plan

    design = plan(path_or_experiment)
    workers = (os.cpu_count() or 1) if workers is None else workers
    with executor(workers, dask, scheduler) as execute, Store.open(store or design.store, create=True) as opened:
        bar = progress_bar() if progress else None
        task = bar.add_task("runs", total=0) if bar is not None else None
        try:
            if bar is not None:
                bar.start()
            run_design(opened, design, execute, size=chunk,
                       on_start=None if bar is None else lambda total, todo: bar.update(task, total=todo),
                       on_stored=None if bar is None else lambda results: bar.advance(task, len(results)))
        finally:
            if bar is not None:
                bar.stop()
        return sweep_results(opened, design.sweep_id)
