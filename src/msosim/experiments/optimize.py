"""`msosim optimize`: a robust, budget-neutral search for the lever mix, through the results store.

Each candidate is a lever mix projected onto the budget (optimize_budget.py); it runs with the same
posterior draws and seeds as every other candidate (optimize_runs.py); its objectives are robust statistics
over those runs; NSGA-II or epsilon-NSGA-II (platypus, optimize_search.py) proposes the next generation.
Today's mix (the reference scenario's shares of the lever spending, on the same budget) runs with the same
draws and seeds. At the end the Pareto set of everything evaluated (up to reevaluate.points of it, spread along
the first objective) and the reference run again with fresh seeds and fresh draws, and each objective gets a
bootstrap interval and a paired difference to the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .optimize_budget import candidate, lever_value, reference_shares, reference_values, spending, target_budget
from .optimize_file import Optimisation
from .optimize_runs import (DRAW_SEED_OFFSET, Plan, candidate_specs, needed_outcomes, objective_samples, robust,
                            run_missing, stored_outcomes, uncertainty_draws)
from .optimize_search import Trace, search
from .store import Store

BOOTSTRAP = 2000
LEVEL = 0.95


@dataclass
class Result:
    """What `optimise` found and checked."""

    optimisation: Optimisation
    budget: float
    trace: Trace
    candidates: pd.DataFrame        # every evaluated candidate: generation, shares / values per lever, objectives, spending
    pareto: pd.DataFrame            # the checked Pareto candidates (same columns), id P1.., and the reference as 'today'
    checked: pd.DataFrame           # re-evaluation: point, objective, value, low, high, diff, diff_low, diff_high
    draws: pd.DataFrame             # the search's draws
    fresh_draws: pd.DataFrame       # the re-evaluation's draws
    runs: int                       # runs made now (the rest came from the store)
    front: pd.DataFrame             # the whole Pareto set of the search (the checked points are spread along it)


def lever_columns(optimisation: Optimisation) -> list[str]:
    return [lever.key for lever in optimisation.levers]


class Evaluator:
    """Candidates -> scenario values -> runs (what the store lacks) -> robust objectives; keeps one row per candidate."""

    def __init__(self, optimisation: Optimisation, store: Store, execute, plan: Plan, budget: float,
                 on_stored: Callable[[int], None] | None = None) -> None:
        self.optimisation, self.store, self.execute, self.plan, self.budget = optimisation, store, execute, plan, budget
        self.on_stored = on_stored
        self.rows: list[dict] = []
        self.ran = 0

    def runs(self, values_list: list[dict]) -> list[pd.DataFrame]:
        """Each candidate's runs (outcomes, one row per draw x seed), run where the store lacks them."""
        specs = [candidate_specs(self.optimisation, values, self.plan) for values in values_list]
        self.ran += run_missing(self.store, [s for group in specs for s in group], self.execute, self.on_stored)
        names = needed_outcomes(self.optimisation.objectives)
        frames = []
        for group in specs:
            frame = stored_outcomes(self.store, group, names)
            frames.append(frame.assign(draw=[k for k, _ in self.plan.seeds()]))
        return frames

    def objectives(self, runs: pd.DataFrame) -> list[float]:
        return [robust(objective_samples(runs, o), o) for o in self.optimisation.objectives]

    def __call__(self, variables: list[list[float]], generation: int) -> np.ndarray:
        made = [candidate(self.optimisation, x, self.budget) for x in variables]
        results = []
        for (values, shares), runs in zip(made, self.runs([values for values, _ in made])):
            scores = self.objectives(runs)
            results.append(scores)
            self.rows.append(self.row(generation, values, shares, scores, runs))
        return np.array(results)

    def row(self, generation: int, values: dict, shares: np.ndarray, scores: list[float], runs: pd.DataFrame) -> dict:
        paid = [lever for lever in self.optimisation.levers if lever.kind != "setting"]
        scenario = self.optimisation.base.with_overrides({**self.optimisation.overrides, **values})
        return {"generation": generation, **{f"share:{lever.key}": s for lever, s in zip(paid, shares)},
                **{f"value:{key}": value for key, value in values.items()},
                **{o.name: score for o, score in zip(self.optimisation.objectives, scores)},
                "lever_spending": spending(self.optimisation.levers, scenario),
                "public_money_per_year": float(runs["public_money_per_year"].mean())}


def reevaluate(evaluator: Evaluator, points: list[dict], seed: int) -> pd.DataFrame:
    """Each point (and the reference, first) with fresh seeds and draws: the objective, its bootstrap interval and
    the paired difference to the reference with its bootstrap interval (resampling runs, paired by draw and seed)."""
    runs = evaluator.runs([point["values"] for point in points])
    rng = np.random.default_rng([seed, len(points)])
    size = len(runs[0])
    picks = rng.integers(0, size, size=(BOOTSTRAP, size))
    rows = []
    for objective in evaluator.optimisation.objectives:
        reference = objective_samples(runs[0], objective)
        reference_boot = np.array([robust(reference[p], objective) for p in picks])
        for point, frame in zip(points, runs):
            samples = objective_samples(frame, objective)
            boot = np.array([robust(samples[p], objective) for p in picks])
            value = robust(samples, objective)
            difference = boot - reference_boot
            low, high = np.quantile(boot, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
            d_low, d_high = np.quantile(difference, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
            rows.append({"point": point["id"], "objective": objective.name, "value": value, "low": low, "high": high,
                         "diff": value - robust(reference, objective), "diff_low": d_low, "diff_high": d_high,
                         "runs": size})
    return pd.DataFrame(rows)


def spread(pareto: pd.DataFrame, column: str, count: int) -> pd.DataFrame:
    """At most `count` rows, evenly spread along one column (all of them if there are fewer)."""
    ordered = pareto.sort_values(column, ascending=False).reset_index(drop=True)
    if len(ordered) <= count:
        return ordered
    return ordered.iloc[np.unique(np.linspace(0, len(ordered) - 1, count).round().astype(int))].reset_index(drop=True)


def optimise(optimisation: Optimisation, store: Store, execute, *,
             on_generation: Callable[[int, float, int], None] | None = None,
             on_stored: Callable[[int], None] | None = None, on_phase: Callable[[str], None] | None = None) -> Result:
    """Search, evaluate today's mix with the same draws and seeds, re-evaluate the Pareto set with fresh ones."""
    spec = optimisation.spec
    budget = target_budget(optimisation)
    draws = uncertainty_draws(optimisation, spec.uncertainties.draws, spec.seed)
    plan = Plan(draws, spec.replications, spec.seed, optimisation.years)
    evaluator = Evaluator(optimisation, store, execute, plan, budget, on_stored)
    bounds = [(lever.low, lever.high) for lever in optimisation.levers]
    trace = search(bounds, [o.maximise for o in optimisation.objectives], evaluator, population=spec.search.population,
                   generations=spec.search.generations, seed=spec.search.seed, algorithm=spec.search.algorithm,
                   epsilons=spec.search.epsilons, on_generation=on_generation)
    candidates = pd.DataFrame(evaluator.rows)
    names = [o.name for o in optimisation.objectives]
    front = trace.pareto.merge(trace.evaluations.reset_index(), on=list(trace.pareto.columns))["index"]
    whole = candidates.iloc[front.to_numpy()].drop_duplicates(subset=[c for c in candidates if c.startswith("value:")])
    pareto = spread(whole, names[0], spec.reevaluate.points)
    pareto.insert(0, "point", [f"P{i + 1}" for i in range(len(pareto))])
    if on_phase is not None:
        on_phase("today's mix, same draws and seeds")
    today_values = reference_values(optimisation, budget)
    today_runs = evaluator.runs([today_values])[0]
    settings = {f"value:{lever.key}": lever_value(optimisation.reference, lever.key)
                for lever in optimisation.levers if lever.kind == "setting"}  # today's settings, as the reference has them
    today = {"point": "today", **evaluator.row(-1, today_values, reference_shares(optimisation),
                                               evaluator.objectives(today_runs), today_runs), **settings}
    if on_phase is not None:
        on_phase(f"re-evaluating {len(pareto)} Pareto points and today's mix with fresh seeds and draws")
    fresh = uncertainty_draws(optimisation, spec.reevaluate.draws, spec.seed + DRAW_SEED_OFFSET)
    fresh_seed = spec.seed + spec.uncertainties.draws * spec.replications
    evaluator.plan = Plan(fresh, spec.reevaluate.replications, fresh_seed, optimisation.years)
    points = [{"id": "today", "values": today_values}] + [
        {"id": row["point"], "values": {key[len("value:"):]: row[key] for key in row.index if key.startswith("value:")}}
        for _, row in pareto.iterrows()]
    checked = reevaluate(evaluator, points, spec.seed)
    pareto = pd.concat([pd.DataFrame([today]), pareto], ignore_index=True)
    return Result(optimisation, budget, trace, candidates, pareto, checked, draws, fresh, evaluator.ran,
                  whole.reset_index(drop=True))
