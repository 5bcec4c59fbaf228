"""Executors: a local process pool and a Dask cluster, each called as `execute(chunks, on_chunk)`.

A chunk is (run function, runs): the worker calls the function on each run and returns the results;
the function travels by reference, so it lives at module level in an importable module
(`batch.run_one`, `calibrate.run_calibration_one`, `run_test_function`), or is a `batching.Together`, which
runs the chunk's runs as batches and sends a failed run back last (a RunError) after those before it.
An executor says how many runs it can do at once (`parallelism`).
"""

from __future__ import annotations

import contextlib
import itertools
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from .. import kernels
from .batch import RunFailed, RunResult, RunSpec, execute, run_one
from .batching import Together, kernels_pay

RunFunction = Callable[[RunSpec], RunResult]
Chunk = tuple[RunFunction, list[RunSpec]]  # (run function, runs)
OnChunk = Callable[[list[RunResult]], None]


def run_test_function(spec: RunSpec) -> RunResult:
    """One evaluation of a SALib test function (Ishigami) at the point in `spec.scenario_json`."""
    import json

    from SALib.test_functions import Ishigami

    started = time.perf_counter()
    point = json.loads(spec.scenario_json)
    y = float(Ishigami.evaluate(np.array([point["x"]], dtype=float))[0])
    return RunResult(spec, 0, {"y": y}, pd.DataFrame(), pd.DataFrame(), time.perf_counter() - started)


def run_function(model: str) -> RunFunction:
    """The worker's run function for an experiment's model: msosim, or a SALib test function."""
    return run_one if model == "msosim" else run_test_function


def run_chunk(run: RunFunction, specs: list[RunSpec]) -> list[RunResult]:
    """The task sent to a worker: `run` each run of the chunk, return their results (no file is touched)."""
    if isinstance(run, Together):
        return run(specs)
    results = []
    for spec in specs:
        try:
            results.append(run(spec))
        except Exception as exc:
            raise RunFailed(f"scenario '{spec.scenario_name}' ({spec.scenario_hash}), seed {spec.seed}, "
                            f"{spec.years:g} years: {type(exc).__name__}: {exc}") from exc
    return results


class ExecutorError(RuntimeError):
    """An executor that cannot start (no scheduler at the address, ...)."""


def run_chunk_on_worker(compiled: bool, run: RunFunction, specs: list[RunSpec]) -> list[RunResult]:
    """`run_chunk` as a Dask task; with `compiled` (the sweep is large enough for the kernels' load to pay,
    batching.kernels_pay) its worker runs on the compiled kernels where numba is installed (kernels.prefer_compiled;
    the pool's workers choose so in their initializer)."""
    if compiled:
        kernels.prefer_compiled()
    return run_chunk(run, specs)


def _compiled(chunks: list[Chunk], parallelism: int) -> bool:
    """Whether the workers of these chunks should take the compiled kernels (batching.kernels_pay)."""
    return kernels_pay([spec for _, specs in chunks for spec in specs], parallelism)


def run_chunk_job(chunk: Chunk) -> list[RunResult]:
    """`run_chunk` as a one-argument job for `batch.execute`."""
    return run_chunk(*chunk)


class ProcessPool:
    """Chunks on `batch.execute`'s spawn-started process pool (in this process for one worker)."""

    def __init__(self, workers: int) -> None:
        self.parallelism = max(1, workers)

    def __call__(self, chunks: list[Chunk], on_chunk: OnChunk) -> None:
        try:
            execute(chunks, self.parallelism, on_chunk, worker=run_chunk_job, spec_of=lambda chunk: chunk[1][0],
                    compiled=_compiled(chunks, self.parallelism))
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

        compiled = _compiled(chunks, self.parallelism)
        queue = iter(chunks)
        outstanding = set()
        flow = as_completed([], loop=self.client.loop, with_results=True)

        def top_up() -> None:
            room = 2 * self.parallelism + 2 - len(outstanding)
            for chunk in itertools.islice(queue, max(0, room)):
                future = self.client.submit(run_chunk_on_worker, compiled, *chunk, pure=False)
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
