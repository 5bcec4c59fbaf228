"""Replications and scenario comparison: run plans, a process pool, the paired statistics.

Common random numbers: replication i of every scenario uses seed `base_seed + i`, so the
difference between two scenarios is taken seed by seed (paired), which removes the noise the
scenarios share. Workers only run the model and return results; the parent writes the store.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import multiprocessing
import os
import platform
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import kernels
from ..api import run_outcomes
from ..model import MSOModel
from ..scenario import Scenario, ScenarioError, load_scenario
from ..splits import snapshot_columns
from ..version import __version__
from . import kept_tables
from .provenance import library_versions_json
from .store import Store


@dataclass(frozen=True)
class RunSpec:
    """One replication: a resolved scenario (as JSON), its content hash, a seed and a run length."""

    scenario_json: str
    scenario_hash: str
    scenario_name: str
    seed: int
    years: float

    @property
    def key(self) -> tuple[str, int, float]:
        return (self.scenario_hash, self.seed, self.years)


@dataclass
class RunResult:
    """What a worker sends back: the outcomes, the monthly model table, MSO lifetimes, wall time."""

    spec: RunSpec
    steps_per_year: int
    outcomes: dict[str, float]
    model: pd.DataFrame
    lifetimes: pd.DataFrame
    wall_seconds: float
    kept: dict[str, pd.DataFrame] | None = None  # events, grants, msos with --keep-tables (kept_tables.py)


class RunFailed(RuntimeError):
    """A replication raised inside the model; names the scenario and seed."""


def load_scenarios(paths: Iterable[str | Path]) -> list[Scenario]:
    """Load every scenario file; raise one ScenarioError listing every bad file (one line each)."""
    scenarios, problems = [], []
    for path in paths:
        try:
            scenarios.append(load_scenario(path))
        except ScenarioError as exc:
            problems.append(str(exc))
    if problems:
        raise ScenarioError("\n".join(problems))
    return scenarios


def plan_runs(scenarios: list[Scenario], reps: int, years: float | None, base_seed: int) -> list[RunSpec]:
    """Every (scenario, seed) pair, replication-major, so a partial batch stays balanced across scenarios."""
    specs, seen = [], set()
    for rep in range(reps):
        for scenario in scenarios:
            spec = RunSpec(scenario.model_dump_json(), scenario.content_hash(), scenario.name, base_seed + rep,
                           float(scenario.years if years is None else years))
            if spec.key not in seen:
                seen.add(spec.key)
                specs.append(spec)
    return specs


def lifetimes(msos: pd.DataFrame) -> pd.DataFrame:
    """Per MSO of a run: initial flag, staffed at start (initial cohort only, missing for the others), founding and
    death step, cause."""
    start = snapshot_columns(msos, "start", ("mso", "staff_fte"))
    end = snapshot_columns(msos, "end", ("mso", "initial", "founded_step", "died_step", "death_cause"))
    mso = end["mso"]
    position = np.zeros(int(mso.max(initial=-1)) + 1, dtype=np.int64)
    position[mso] = np.arange(mso.size)
    at = position[start["mso"]]  # every MSO of the start is in the end's snapshot
    staffed, unknown = np.zeros(mso.size, dtype=bool), np.ones(mso.size, dtype=bool)
    staffed[at], unknown[at] = start["staff_fte"] > 0, False
    return pd.DataFrame({
        "mso": mso.astype("int32"), "initial": end["initial"].astype(bool),
        "staffed_start": pd.arrays.BooleanArray(staffed, unknown).to_numpy(), "founded_step":
        end["founded_step"].astype("int32"), "died_step": end["died_step"].astype("int32"),
        "death_cause": end["death_cause"].astype("int8"),
    })


def spec_scenario(spec: RunSpec) -> Scenario:
    """The scenario of a run spec, checked to survive its JSON round trip."""
    scenario = Scenario.model_validate_json(spec.scenario_json)
    if scenario.content_hash() != spec.scenario_hash:
        raise RuntimeError(f"scenario '{spec.scenario_name}' does not survive its JSON round trip (hash changed)")
    return scenario


def result_tables(keep_tables: bool) -> tuple[str, ...]:
    """The tables a run's results are made of (with `keep_tables` also those kept: kept_tables.py)."""
    return ("model", "msos", "funders", "events", "grants") if keep_tables else ("model", "msos", "funders")


def run_result(spec: RunSpec, scenario: Scenario, tables: dict[str, pd.DataFrame], wall: float,
               keep_tables: bool) -> RunResult:
    """What a worker sends back for one run, from its tables."""
    outcomes = run_outcomes(tables["model"], scenario.steps_per_year, tables["funders"], tables["msos"])
    kept = {name: tables[name] for name in ("events", "grants", "msos")} if keep_tables else None
    return RunResult(spec, scenario.steps_per_year, outcomes, tables["model"], lifetimes(tables["msos"]), wall, kept)


def run_one(spec: RunSpec, keep_tables: bool = False) -> RunResult:
    """The worker function: run one replication and return its results (no file is touched); `keep_tables`
    adds its events, grants and msos tables."""
    scenario = spec_scenario(spec)
    started = time.perf_counter()
    tables = MSOModel(scenario, seed=spec.seed).run(spec.years).tables(only=result_tables(keep_tables))
    return run_result(spec, scenario, tables, time.perf_counter() - started, keep_tables)


def _worker_init(parent_pid: int, compiled: bool = False) -> None:
    """In each worker: leave Ctrl-C to the parent, exit if the parent dies (even by SIGKILL), and with `compiled`
    run on the compiled kernels where numba is installed (kernels.prefer_compiled: the worker's share of the runs
    is large enough for their load to pay, batching.kernels_pay)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if compiled:
        kernels.prefer_compiled()

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="msosim-parent-watch").start()


def _stop_pool(executor: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the worker processes now (Ctrl-C, a failed run)."""
    processes = list(getattr(executor, "_processes", {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)


def execute(jobs: list, workers: int, on_result: Callable, worker: Callable = None,
            spec_of: Callable[[object], RunSpec] | None = None, compiled: bool = False) -> None:
    """Run `worker(job)` for each job (default: `run_one` on RunSpecs) in this process if workers == 1,
    else in a spawn-started pool (`compiled`: its workers on the compiled kernels where numba is installed);
    hand each result over as it finishes. `spec_of(job)` names a failed job."""
    worker = run_one if worker is None else worker
    spec_of = (lambda job: job) if spec_of is None else spec_of
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            on_result(_checked(lambda job=job: worker(job), spec_of(job)))
        return
    context = multiprocessing.get_context("spawn")
    executor = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context,
                                   initializer=_worker_init, initargs=(os.getpid(), compiled))
    try:
        pending: dict[Future, object] = {executor.submit(worker, job): job for job in jobs}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                on_result(_checked(future.result, spec_of(pending.pop(future))))
    except BaseException:
        _stop_pool(executor)
        raise
    executor.shutdown(wait=True)


def _checked(call: Callable[[], RunResult], spec: RunSpec) -> RunResult:
    """The result of one replication, or RunFailed naming its scenario and seed."""
    try:
        return call()
    except (KeyboardInterrupt, SystemExit, RunFailed):
        raise
    except Exception as exc:
        raise RunFailed(f"scenario '{spec.scenario_name}' ({spec.scenario_hash}), seed {spec.seed}, "
                        f"{spec.years:g} years: {type(exc).__name__}: {exc}") from exc


@contextlib.contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold back Ctrl-C until the block is done (a store write finishes whole), then raise it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def provenance() -> dict[str, object]:
    """Where the results come from: msosim version, git commit of its repository, library versions, platform."""
    import mesa

    repo = Path(__file__).resolve().parent
    commit, dirty = "unknown", None
    try:
        found = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if found.returncode == 0:
            commit = found.stdout.strip()
            status = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                                    capture_output=True, text=True, timeout=10)
            dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        pass
    return {"msosim_version": __version__, "git_commit": commit, "git_dirty": dirty,
            "python_version": platform.python_version(), "numpy_version": np.__version__,
            "mesa_version": mesa.__version__, "platform": platform.platform(),
            "library_versions": library_versions_json()}


def comparison_rows(scenarios: list[Scenario], paths: list[str | Path], reps: int, years: float | None,
                    base_seed: int) -> tuple[str, list[dict]]:
    """The id and positions of a comparison (same scenarios, order, years, reps and seed give the same id)."""
    rows = [{"position": i, "scenario_hash": s.content_hash(), "scenario_name": s.name,
             "scenario_path": str(Path(p).resolve()), "years": float(s.years if years is None else years),
             "reps": reps, "base_seed": base_seed} for i, (s, p) in enumerate(zip(scenarios, paths))]
    identity = [(r["scenario_hash"], r["scenario_name"], r["years"]) for r in rows] + [reps, base_seed]
    return hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:12], rows


def run_comparison(store: Store, scenarios: list[Scenario], paths: list[str | Path], *, reps: int,
                   years: float | None, workers: int, base_seed: int,
                   on_start: Callable[[int, int], None] | None = None,
                   on_stored: Callable[[RunResult], None] | None = None, keep_tables: bool = False,
                   batch: int | None = None) -> str:
    """Record the comparison, run what the store lacks, store each run as it finishes; returns the comparison id.
    `keep_tables` also keeps each run's events, grants and msos tables (kept_tables.py). Replications of a
    scenario run `batch` at a time in one set of arrays (None: `default_batch`; 1: one by one): the same results,
    stored as each batch finishes."""
    comparison_id, rows = comparison_rows(scenarios, paths, reps, years, base_seed)
    store.record_comparison(comparison_id, rows)
    specs = plan_runs(scenarios, reps, years, base_seed)
    done = store.done_keys()
    todo = [spec for spec in specs if spec.key not in done]
    if on_start is not None:
        on_start(len(specs), len(todo))
    origin = provenance()

    def keep(result: RunResult) -> None:
        spec = result.spec
        run_row = {"scenario_hash": spec.scenario_hash, "seed": spec.seed, "years": spec.years,
                   "scenario_name": spec.scenario_name, "scenario_json": spec.scenario_json,
                   "steps_per_year": result.steps_per_year, **origin, "wall_seconds": result.wall_seconds}
        with deferred_interrupt():  # a Ctrl-C during the write comes after it is stored and counted
            kept_tables.write(store, result)
            store.add_run(run_row, result.model, result.lifetimes, result.outcomes)
            if on_stored is not None:
                on_stored(result)

    from .batching import batch_jobs, kernels_pay, run_many

    def keep_all(results: list) -> None:
        for result in results:
            if isinstance(result, RunResult):
                keep(result)
            else:  # a RunError: the batch's runs before it are kept, then the comparison stops
                raise result.failure()

    jobs = batch_jobs(todo, batch, workers)
    execute(jobs, workers, keep_all, worker=functools.partial(run_many, keep_tables=keep_tables),
            spec_of=lambda job: job[0], compiled=kernels_pay(todo, workers))
    return comparison_id


def compare(paths: list[str | Path], *, reps: int = 30, years: float | None = None, workers: int | None = None,
            store: str | Path | None = None, base_seed: int = 1, progress: bool = False) -> pd.DataFrame:
    """Run a paired comparison of scenario files and return its outcomes, tidy.

    One row per scenario x seed x outcome, columns: position (0 is the reference scenario),
    scenario, scenario_hash, seed, years, outcome, value. Replication i uses seed base_seed + i
    in every scenario. With `store` (a DuckDB path) runs already there are reused and new ones
    kept; without, runs are kept in memory only. `progress=True` shows a Rich progress bar.
    """
    scenarios = load_scenarios(paths)
    workers = (os.cpu_count() or 1) if workers is None else workers
    with Store.open(store, create=True) as opened:
        bar = progress_bar() if progress else None
        on_start = on_stored = None
        if bar is not None:
            task = bar.add_task("runs", total=0)
            on_start = lambda total, todo: bar.update(task, total=todo)  # noqa: E731
            on_stored = lambda result: bar.advance(task)  # noqa: E731
            bar.start()
        try:
            comparison_id = run_comparison(opened, scenarios, list(paths), reps=reps, years=years, workers=workers,
                                           base_seed=base_seed, on_start=on_start, on_stored=on_stored)
        finally:
            if bar is not None:
                bar.stop()
        frame = opened.select("outcomes", comparison_id)
    return frame[["position", "scenario", "scenario_hash", "seed", "years", "outcome", "value"]]


def progress_bar(console=None):
    """A Rich progress bar: runs done of total, runs per second, elapsed and remaining time."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:.2f} runs/s" if speed else "-- runs/s", style="progress.data.speed")

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
                    TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console)


# -- statistics ------------------------------------------------------------------------------------

def t_interval(values: Iterable[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t-interval of the mean (NaNs dropped); NaN bounds with fewer than two values."""
    x = np.asarray(list(values), dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(x.mean())
    if x.size < 2:
        return (mean, np.nan, np.nan)
    from scipy import stats  # imported here: scipy.stats costs ~30 MB and 0.3 s at import

    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return (mean, mean - half, mean + half)


def summarise(outcomes: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per outcome and scenario: n, mean and interval; and the paired difference to position 0 with its interval.

    `outcomes` is tidy (position, scenario, seed, outcome, value); differences are taken seed by seed.
    """
    rows = []
    wide = outcomes.pivot(index=["outcome", "seed"], columns="position", values="value")
    names = outcomes.drop_duplicates("position").set_index("position")["scenario"]
    for outcome, block in wide.groupby(level="outcome", sort=False):
        for position in block.columns:
            values = block[position].dropna()
            mean, low, high = t_interval(values, level)
            row = {"outcome": outcome, "position": position, "scenario": names[position], "n": int(values.size),
                   "mean": mean, "low": low, "high": high}
            if position != 0 and 0 in block.columns:
                pair = (block[position] - block[0]).dropna()
                row["n_pairs"] = int(pair.size)
                row["diff"], row["diff_low"], row["diff_high"] = t_interval(pair, level)
            rows.append(row)
    return pd.DataFrame(rows)


def bands(frame: pd.DataFrame, column: str, by: tuple[str, ...] = ("position", "year"),
          level: float = 0.95) -> pd.DataFrame:
    """Per group (default: scenario position and time point): mean of a column across replications and its t-interval."""
    table = frame.groupby(list(by))[column].agg(["mean", "std", "count"]).reset_index()
    from scipy import stats

    quantile = stats.t.ppf(0.5 + level / 2, np.maximum(table["count"] - 1, 1))
    half = np.where(table["count"] > 1, quantile * table["std"] / np.sqrt(table["count"]), np.nan)
    return table.assign(low=table["mean"] - half, high=table["mean"] + half)
