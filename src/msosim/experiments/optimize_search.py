"""The many-objective search: NSGA-II or epsilon-NSGA-II from platypus over a batch evaluation function.

`search` knows nothing of msosim: it takes the variables' ranges, the objectives' directions and a
function that evaluates a whole generation at once (so msosim runs it on the executor and the store).
Platypus draws its random numbers from Python's `random` module; `search` seeds it with the search's
seed and restores the caller's state afterwards, so the same seed gives the same candidates. After every
generation it records the hypervolume of the non-dominated set of everything evaluated so far
(platypus's Hypervolume, normalised by the first generation's ranges, so the live value never falls: the set
only grows) and, at the end, recomputes every generation's with the ranges of all evaluations (the report's curve).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import platypus

BatchFunction = Callable[[list[list[float]], int], np.ndarray]  # (variables of each candidate, generation) -> objectives


class Generations(platypus.TerminationCondition):
    """Stop after a number of generations (steps of the algorithm)."""

    def __init__(self, generations: int) -> None:
        super().__init__()
        self.generations = generations
        self.done = 0

    def shouldTerminate(self, algorithm) -> bool:  # noqa: N802 (platypus's name)
        return self.done >= self.generations


class BatchEvaluator(platypus.Evaluator):
    """Platypus's evaluator: a generation's solutions to the batch function in one call."""

    def __init__(self, batch: BatchFunction, state: dict) -> None:
        super().__init__()
        self.batch = batch
        self.state = state

    def evaluate_all(self, jobs, **kwargs):
        if not jobs:
            return jobs
        stream = random.getstate()  # the search's stream: what the batch does (Dask, libraries) must not move it
        try:
            values = self.batch([list(job.solution.variables) for job in jobs], self.state["generation"])
        finally:
            random.setstate(stream)
        for job, row in zip(jobs, values):
            job.solution.objectives[:] = [float(v) for v in row]
            job.solution.constraint_violation = 0.0
            job.solution.feasible = True
            job.solution.evaluated = True
            self.state["archive"].append(job.solution)
        return jobs


@dataclass
class Trace:
    """What a search found: every evaluation, the Pareto set of all of them, and the convergence per generation."""

    evaluations: pd.DataFrame                       # generation, x0.., f0.. (one row per evaluated candidate)
    pareto: pd.DataFrame                            # the non-dominated evaluations (duplicates dropped)
    convergence: pd.DataFrame                       # generation, evaluations, hypervolume, pareto_points
    fronts: list[list] = field(default_factory=list, repr=False)


def make_problem(bounds: Sequence[tuple[float, float]], maximise: Sequence[bool]) -> platypus.Problem:
    problem = platypus.Problem(len(bounds), len(maximise))
    problem.types[:] = [platypus.Real(low, high) for low, high in bounds]
    problem.directions[:] = [platypus.Direction.MAXIMIZE if up else platypus.Direction.MINIMIZE for up in maximise]
    return problem


def hypervolume(front: list, low: np.ndarray, high: np.ndarray) -> float:
    """Platypus's hypervolume of a front, objectives normalised to [low, high] (a flat objective gets a unit range)."""
    if not front:
        return 0.0
    high = np.where(high > low, high, low + 1.0)
    clipped = []  # platypus leaves out a solution outside the ranges; clipped, a better one still counts
    for solution in front:
        copy = platypus.Solution(solution.problem)
        copy.variables[:] = solution.variables[:]
        copy.objectives[:] = list(np.clip(solution.objectives[:], low, high))
        copy.constraint_violation, copy.feasible, copy.evaluated = 0.0, True, True
        clipped.append(copy)
    return float(platypus.Hypervolume(minimum=list(low), maximum=list(high)).calculate(clipped))


def search(bounds: Sequence[tuple[float, float]], maximise: Sequence[bool], batch: BatchFunction, *, population: int,
           generations: int, seed: int, algorithm: str = "nsga2", epsilons: Sequence[float] | None = None,
           on_generation: Callable[[int, float, int], None] | None = None) -> Trace:
    """Run the search for `generations` generations; `on_generation(generation, hypervolume, pareto_points)`."""
    problem = make_problem(bounds, maximise)
    state: dict = {"generation": 0, "archive": []}
    saved = random.getstate()
    random.seed(seed)
    try:
        evaluator = BatchEvaluator(batch, state)
        if algorithm == "eps_nsga2":
            engine = platypus.EpsNSGAII(problem, list(epsilons), population_size=population, evaluator=evaluator)
        else:
            engine = platypus.NSGAII(problem, population_size=population, evaluator=evaluator)
        condition = Generations(generations)
        fronts, rows = [], []

        def after(algorithm_) -> None:
            front = platypus.nondominated(state["archive"])
            fronts.append(list(front))
            distinct = len({tuple(s.variables) for s in front})  # a candidate proposed twice counts once
            if "bounds" not in state:  # the first generation's ranges: the live value can only grow
                values = np.array([s.objectives[:] for s in state["archive"]])
                state["bounds"] = (values.min(axis=0), values.max(axis=0))
            volume = hypervolume(front, *state["bounds"])
            rows.append({"generation": condition.done, "evaluations": len(state["archive"]), "hypervolume": volume,
                         "pareto_points": distinct})
            if on_generation is not None:
                on_generation(condition.done, volume, distinct)
            condition.done += 1
            state["generation"] = condition.done

        engine.run(condition, callback=after)
    finally:
        random.setstate(saved)
    return finish(state["archive"], fronts, rows, len(bounds))


def finish(archive: list, fronts: list[list], rows: list[dict], nvars: int) -> Trace:
    """The evaluations as a table, the final Pareto set, the hypervolume of every generation with the final ranges."""
    values = np.array([s.objectives[:] for s in archive])
    low, high = values.min(axis=0), values.max(axis=0)
    convergence = pd.DataFrame(rows)
    convergence["hypervolume"] = [hypervolume(front, low, high) for front in fronts]
    generation_of = {}
    for generation, row in enumerate(rows):
        start = rows[generation - 1]["evaluations"] if generation else 0
        for i in range(start, row["evaluations"]):
            generation_of[i] = generation
    table = pd.DataFrame({"generation": [generation_of.get(i, len(rows) - 1) for i in range(len(archive))],
                          **{f"x{j}": [s.variables[j] for s in archive] for j in range(nvars)},
                          **{f"f{j}": values[:, j] for j in range(values.shape[1])}})
    front = {id(s) for s in fronts[-1]} if fronts else set()
    pareto = table[[id(s) in front for s in archive]]
    pareto = pareto.drop_duplicates(subset=[c for c in table.columns if c.startswith("x")]).reset_index(drop=True)
    return Trace(table, pareto, convergence, fronts)
