"""The runs of an optimisation: the uncertainty draws, every candidate's runs, the store, the robust objectives.

Common random numbers: every candidate runs with the same draws (posterior particles, drawn with their
weights, or a seeded Latin hypercube of the uniform ranges) and the same seeds: draw k, replication r uses
seed SEED + k * replications + r. A run is stored under its resolved scenario's hash, seed and years, so
the store keys each evaluation by candidate (its lever values), draw (their values) and seed: a search run
again, after a kill or to the end, re-uses every stored run and computes the same objectives.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .batch import RunResult, RunSpec, deferred_interrupt, provenance, run_one
from .optimize_file import Objective, Optimisation, check_values
from .particles import draw, read_particles
from .store import Store
from .sweep import store_items

DRAW_SEED_OFFSET = 7919  # the re-evaluation's draws use seed + this: other particles than the search's


def uncertainty_draws(optimisation: Optimisation, count: int, seed: int) -> pd.DataFrame:
    """`count` draws of the uncertain parameters, one row each (seeded: same seed, same draws); lever keys left out
    (the lever sets them). From the particles file with its weights (column `particle`: the row drawn), else
    a Latin hypercube of the uniform ranges."""
    levers = {lever.key for lever in optimisation.levers}
    if optimisation.particles is not None:
        drawn = draw(read_particles(optimisation.particles, "uncertainties.particles"), count, seed)
        return drawn.drop(columns=[c for c in drawn.columns if c in levers])
    from scipy.stats import qmc

    ranges = {key: bounds for key, bounds in optimisation.spec.uncertainties.parameters.items() if key not in levers}
    if not ranges:
        return pd.DataFrame(index=range(count))
    unit = qmc.LatinHypercube(d=len(ranges), seed=np.random.default_rng([seed, count])).random(count)
    lows, highs = np.array([b[0] for b in ranges.values()]), np.array([b[1] for b in ranges.values()])
    return pd.DataFrame(qmc.scale(unit, lows, highs), columns=list(ranges))


def plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class Plan:
    """The draws and seeds every candidate runs with (common random numbers)."""

    draws: pd.DataFrame
    replications: int
    base_seed: int
    years: float

    def seeds(self) -> list[tuple[int, int]]:
        """(draw, seed) of every run of a candidate."""
        return [(k, self.base_seed + k * self.replications + r) for k in range(len(self.draws))
                for r in range(self.replications)]


def candidate_specs(optimisation: Optimisation, values: dict[str, Any], plan: Plan) -> list[RunSpec]:
    """A candidate's runs: its lever values on top of each draw's values, every draw's seeds."""
    scenarios = []
    for k, row in plan.draws.drop(columns="particle", errors="ignore").iterrows():
        uncertain = {key: plain(value) for key, value in row.items()}
        scenarios.append(check_values(optimisation, {**uncertain, **values}, f"draw {k}"))
    return [RunSpec(scenarios[k].model_dump_json(), scenarios[k].content_hash(), optimisation.spec.name, seed, plan.years)
            for k, seed in plan.seeds()]


def chunk_size(todo: int, parallelism: int) -> int:
    """Runs per task: about 4 tasks per worker and batch, between 1 and 8 runs each."""
    return max(1, min(8, math.ceil(todo / (4 * max(1, parallelism)))))


def run_missing(store: Store, specs: Sequence[RunSpec], execute,
                on_stored: Callable[[int], None] | None = None) -> int:
    """Run the specs the store lacks on the executor, storing each chunk as it returns; returns how many ran."""
    done, todo, seen = store.done_keys(), [], set()
    for spec in specs:
        if spec.key not in done and spec.key not in seen:
            seen.add(spec.key)
            todo.append(spec)
    if not todo:
        return 0
    size = chunk_size(len(todo), execute.parallelism)
    origin = provenance()

    def keep(results: list[RunResult]) -> None:
        items = store_items(results, origin)
        with deferred_interrupt():  # a Ctrl-C during the write comes after it is stored
            store.add_runs(items)
        if on_stored is not None:
            on_stored(len(results))

    execute([(run_one, todo[i:i + size]) for i in range(0, len(todo), size)], keep)
    return len(todo)


def stored_outcomes(store: Store, specs: Sequence[RunSpec], names: Sequence[str]) -> pd.DataFrame:
    """The named outcomes of the given runs, one row per run (in the order of `specs`), one column per name."""
    keys = pd.DataFrame({"scenario_hash": [s.scenario_hash for s in specs], "seed": [s.seed for s in specs],
                         "years": [s.years for s in specs]}).drop_duplicates()
    wanted = pd.DataFrame({"outcome": list(dict.fromkeys(names))})
    store.con.register("optimize_keys", keys)
    store.con.register("optimize_names", wanted)
    try:
        found = store.con.execute("SELECT o.scenario_hash, o.seed, o.years, o.outcome, o.value FROM outcomes o "
                                  "JOIN optimize_keys USING (scenario_hash, seed, years) "
                                  "JOIN optimize_names USING (outcome)").df()
    finally:
        store.con.unregister("optimize_keys")
        store.con.unregister("optimize_names")
    wide = found.pivot_table(index=["scenario_hash", "seed", "years"], columns="outcome", values="value", aggfunc="first")
    order = pd.MultiIndex.from_tuples([(s.scenario_hash, s.seed, s.years) for s in specs],
                                      names=["scenario_hash", "seed", "years"])
    return wide.reindex(order).reset_index()


def objective_samples(runs: pd.DataFrame, objective: Objective) -> np.ndarray:
    """An objective's value in each run (a share where `per` is given; 0 where its denominator is 0)."""
    values = runs[objective.outcome].to_numpy(dtype=float)
    if objective.per is None:
        return values
    denominator = runs[objective.per].to_numpy(dtype=float)
    return np.divide(values, denominator, out=np.zeros_like(values), where=denominator != 0)


def robust(samples: np.ndarray, objective: Objective) -> float:
    """The robust statistic over draws x replications: the mean, or the objective's percentile."""
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return 0.0
    return float(finite.mean() if objective.percentile is None else np.percentile(finite, objective.percentile))


def needed_outcomes(objectives: Sequence[Objective]) -> list[str]:
    names = [o.outcome for o in objectives] + [o.per for o in objectives if o.per is not None]
    return list(dict.fromkeys(names + ["public_money_per_year"]))
