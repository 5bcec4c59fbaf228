"""Runs in batches (issue 20): a comparison's or a sweep's runs that share all but their policy levers (the
replications of a scenario, and scenarios or sweep points that differ only in policy levers) go `batch` at a time
through msosim.batch (one set of arrays for many worlds), each with the same results as alone."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import numpy as np

from ..scenario import Scenario, world_hash
from .batch import RunFailed, RunResult, RunSpec, result_tables, run_one, run_result, spec_scenario


BATCH_MSOS = 200_000  # a batch holds at most about this many MSOs at the start (district: 465 worlds)
BATCH_WORLDS = 50      # and at most this many worlds
# Worlds larger than this run one by one: a batch pays per draw and sum a sort, gather or scatter of all its rows,
# which small worlds win back many times over and large ones do not (20 runs, 10 years, 2026-12-06: district
# worlds of 430 MSOs 2.6x the runs per second batched, Bremen's 157 2.9x, Schleswig-Holstein's 282 2.7x,
# North Rhine-Westphalia's 3,319 1.05x; 6 national worlds of 13,400, 15 years, 0.66x). Since the batch's per-world
# costs were cut (docs/engine.md, section 8, step 9) national replications gain a little (6 worlds, 5 years: 1.14x),
# but national sweep points do not: benchmarks/sobol_national.yaml on 2 workers took 270.2 s one by one and 400.7 s
# batched 14 at a time (2026-12-07, the same 141,312 outcomes), and `make demo`'s national replications (60 runs,
# 15 years, 2 workers) took the same time batched 10 at a time as one by one (82.2 / 82.4 and 78.7 / 78.7 s).
BATCH_LARGEST = 2_000


def default_batch(scenario: Scenario, runs: int, workers: int) -> int:
    """Worlds per batch when none is given: as many as keep every worker busy (`runs` of the scenario over
    `workers`), at most BATCH_WORLDS and BATCH_MSOS MSOs (the population decides the memory a world needs); one
    for worlds of more than BATCH_LARGEST MSOs."""
    size = world_size(scenario)
    if size > BATCH_LARGEST:
        return 1
    most = max(1, min(BATCH_WORLDS, BATCH_MSOS // max(size, 1)))
    return max(1, min(most, -(-runs // max(workers, 1))))


_SIZES: dict[str, int] = {}  # MSOs at the start, by population (a sweep's points mostly share theirs)


def world_size(scenario: Scenario) -> int:
    """MSOs at the start of a run of `scenario` (set by its population alone; the landscape, no MSOs built)."""
    key = scenario.population.model_dump_json()
    if key not in _SIZES:
        from ..population import build_landscape

        rng = np.random.default_rng(scenario.population.geography_seed)
        _SIZES[key] = build_landscape(scenario, rng).n_msos
    return _SIZES[key]


_WORLDS: dict[str, str] = {}  # Scenario.world_hash by scenario hash

# MSO-years of runs per worker from which the compiled kernels' load (about 1 s a process, kernels/__init__.py)
# is worth paying: about 7 national decades, at the 0.15 s a national run that the kernels saved in the 1,024-run
# national sweep on 2 workers (522 -> 447 s, 2026-12-07). A few district runs, as most tests make, stay on numpy.
KERNELS_PAY_MSO_YEARS = 1_000_000


def kernels_pay(specs: list[RunSpec], workers: int, most_worlds: int = 32) -> bool:
    """Whether the pool's workers should take the compiled kernels: each worker's share of `specs` is at least
    KERNELS_PAY_MSO_YEARS (MSOs at the start times years, one world size per `world_key`; beyond `most_worlds`
    different worlds, the mean size of those measured, so that a sweep over the population does not build every
    landscape first). False for runs that are no msosim scenario (SALib test functions)."""
    sizes: dict[tuple[str, float], int] = {}
    total, needed = 0.0, KERNELS_PAY_MSO_YEARS * max(workers, 1)
    try:
        for spec in specs:
            key = world_key(spec)
            if key not in sizes and len(sizes) < most_worlds:
                sizes[key] = world_size(Scenario.model_validate_json(spec.scenario_json))
            total += sizes.get(key, sum(sizes.values()) / len(sizes)) * spec.years
            if total >= needed:
                return True
    except (ValueError, KeyError, TypeError, AttributeError):
        return False
    return False


def world_key(spec: RunSpec) -> tuple[str, float]:
    """The runs that can share a batch: the same scenario but for its policy levers (Scenario.world_hash, read from
    the spec's JSON without validating it again) and the same run length."""
    if spec.scenario_hash not in _WORLDS:
        _WORLDS[spec.scenario_hash] = world_hash(json.loads(spec.scenario_json))
    return _WORLDS[spec.scenario_hash], spec.years


def batch_jobs(specs: list[RunSpec], size: int | None, workers: int,
               most: int | None = None) -> list[tuple[RunSpec, ...]]:
    """The runs as batches of runs that share all but their policy levers and their run length (`world_key`: the
    replications of a scenario, and of scenarios or sweep points that differ only in policy levers), `size` each
    (None: `default_batch`, at most `most`), in the order given within a group (replication-major keeps a partial
    comparison balanced) and taken in turn from each group."""
    groups: dict[tuple[str, float], list[RunSpec]] = {}
    for spec in specs:
        groups.setdefault(world_key(spec), []).append(spec)
    chunked = []
    for group in groups.values():
        step = size or min(most or BATCH_WORLDS,
                           default_batch(Scenario.model_validate_json(group[0].scenario_json), len(group), workers))
        chunked.append([tuple(group[k:k + step]) for k in range(0, len(group), step)])
    return [chunks[k] for k in range(max(map(len, chunked), default=0)) for chunks in chunked if k < len(chunks)]


@dataclass
class RunError:
    """A run of a batch that failed (sent back after the runs before it): its spec and the error."""

    spec: RunSpec
    message: str

    def failure(self) -> RunFailed:
        """The error the parent stops with: names the run's scenario and seed."""
        spec = self.spec
        return RunFailed(f"scenario '{spec.scenario_name}' ({spec.scenario_hash}), seed {spec.seed}, "
                         f"{spec.years:g} years: {self.message}")


def run_many(specs: tuple[RunSpec, ...], keep_tables: bool = False) -> list[RunResult | RunError]:
    """The worker function for a batch: runs of one run length whose scenarios differ at most in their policy levers,
    run together in one set of arrays (msosim.batch), each with the results `run_one` gives it (the same tables);
    wall time shared evenly.
    If the batch fails, its runs go one by one, so that those before the failing one are kept and it is named
    (a RunError last)."""
    if len(specs) == 1:
        return [run_one(specs[0], keep_tables)]
    try:
        return _together(specs, keep_tables)
    except Exception:  # noqa: BLE001 - which run fails, and why, is found one by one below
        results: list[RunResult | RunError] = []
        for spec in specs:
            try:
                results.append(run_one(spec, keep_tables))
            except Exception as exc:  # noqa: BLE001 - sent back to the parent, which stops with it
                results.append(RunError(spec, f"{type(exc).__name__}: {exc}"))
                break
        return results


def _together(specs: tuple[RunSpec, ...], keep_tables: bool) -> list[RunResult]:
    from ..batch import Batch

    by_hash: dict[str, Scenario] = {}
    for spec in specs:  # one scenario object per distinct scenario (its worlds share it)
        if spec.scenario_hash not in by_hash:
            by_hash[spec.scenario_hash] = spec_scenario(spec)
    scenarios = [by_hash[spec.scenario_hash] for spec in specs]
    started = time.perf_counter()
    batch = Batch(scenarios, [spec.seed for spec in specs]).run(specs[0].years)
    tables = [batch.world_tables(world, result_tables(keep_tables)) for world in range(len(specs))]
    wall = (time.perf_counter() - started) / len(specs)  # the batch's time, shared evenly
    return [run_result(spec, scenario, mine, wall, keep_tables)
            for spec, scenario, mine in zip(specs, scenarios, tables, strict=True)]


@dataclass(frozen=True)
class Together:
    """The run function of a sweep's chunk of msosim runs (executors.run_chunk): the chunk's runs are whole
    batches of `sizes` runs in turn, each run through `run_many`; stops at the first failed run, which comes
    back last as a RunError (the runs before it are stored, it is named)."""

    sizes: tuple[int, ...]
    keep_tables: bool = False

    def __call__(self, specs: list[RunSpec]) -> list[RunResult | RunError]:
        results: list[RunResult | RunError] = []
        start = 0
        for size in self.sizes:
            batch = tuple(specs[start:start + size])
            start += size
            try:
                done = run_many(batch, self.keep_tables)
            except Exception as exc:  # noqa: BLE001 - a batch of one runs alone and raises; named in the parent
                done = [RunError(batch[0], f"{type(exc).__name__}: {exc}")]
            results.extend(done)
            if isinstance(done[-1], RunError):
                break
        return results
