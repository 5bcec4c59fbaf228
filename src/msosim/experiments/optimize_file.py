"""Optimisation files: the levers and their ranges, the objectives, the budget, the uncertainties, the search.

An optimisation file names a base scenario (relative to the file) and three kinds of lever:
  money levers   a funder's budget (funders.<name>.budget), policy.micro_grants_budget or
                 policy.professionalisation_budget, with `share: [low, high]`, the range of its share of the budget;
  priced levers  a numeric scenario key whose value costs money (policy.application_support, policy.dialogue_formats),
                 with `share: [low, high]` and `cost`, the EUR a year its value 1 costs at national scale;
  setting levers any other numeric scenario key, with `min` and `max` (no money: institutional share, project years).
The budget (EUR a year, national scale) is the reference scenario's spending on the money and priced levers, plus
`change`, or a given `amount`; the lever mix is projected onto it (optimize_budget.py). `load_optimisation`
checks everything against the scenario schema and the run outcomes before anything runs; a bad key or value is
one ExperimentError naming file, key, value and what is allowed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from ..scenario import Scenario, ScenarioError
from .experiment import BaseFile, ExperimentError, Strict, error, error_tail, load_file, schema_row
from .particles import read_particles

MONEY_KEYS = ("policy.micro_grants_budget", "policy.professionalisation_budget")
STATISTIC = re.compile(r"^(mean|p([1-9][0-9]?))$")


class LeverSpec(Strict):
    """One lever: a share range of the budget (money and priced levers) or a value range (setting levers)."""

    share: list[float] | None = Field(None, min_length=2, max_length=2, description="[low, high] share of the budget")
    cost: float | None = Field(None, gt=0, le=1e11, description="EUR a year that value 1 of a priced lever costs, national")
    min: float | None = Field(None, description="lower end of a setting lever")
    max: float | None = Field(None, description="upper end of a setting lever")


class ObjectiveSpec(Strict):
    """An objective: a run outcome (optionally divided by another), its direction and robust statistic."""

    outcome: str = Field(..., description="a run outcome, e.g. alive_end or public_money_total|type=volunteer_only")
    per: str | None = Field(None, description="a run outcome to divide by (a share), e.g. public_money_total")
    direction: Literal["maximise", "minimise"] = "maximise"
    statistic: str = Field("mean", description="over draws x replications: mean, or pNN (the NN-th percentile)")


class BudgetSpec(Strict):
    """The budget: the reference's spending on the levers plus `change`, or a given `amount` [EUR/year, national]."""

    amount: float | None = Field(None, gt=0, le=1e12, description="the budget; empty: the reference's spending + change")
    change: float = Field(0.0, ge=-1e12, le=1e12, description="added to the reference's spending [EUR/year]")


class UncertaintySpec(Strict):
    """What the objectives are robust over: draws from a particles file if it exists, else from uniform ranges."""

    particles: str | None = Field(None, description="weighted particles of a calibration, relative to the file")
    parameters: dict[str, list[float]] = Field(default_factory=dict, description="dotted key -> [low, high] (used "
                                               "when there is no particles file)")
    draws: int = Field(4, ge=1, le=10_000, description="draws; every candidate runs with the same draws")


class SearchSpec(Strict):
    """The evolutionary search (platypus)."""

    algorithm: Literal["nsga2", "eps_nsga2"] = "nsga2"
    population: int = Field(16, ge=4, le=10_000, description="candidates per generation")
    generations: int = Field(8, ge=1, le=10_000, description="generations (the first is the random start)")
    epsilons: list[float] | None = Field(None, description="eps_nsga2: one epsilon per objective")
    seed: int = Field(1, ge=0, le=2**31, description="seed of the search (same seed, same candidates)")


class ReevaluateSpec(Strict):
    """The check of the Pareto set with fresh seeds and fresh draws."""

    points: int = Field(12, ge=1, le=1000, description="at most this many Pareto points, spread along the first objective")
    draws: int = Field(4, ge=1, le=10_000)
    replications: int = Field(4, ge=1, le=10_000)


class OptimisationFile(Strict):
    """An optimisation: base scenario, levers, objectives, budget, uncertainties, runs and search."""

    name: str = Field(..., pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    scenario: str = Field(..., description="reference scenario file, relative to this file (today's lever mix)")
    fixed: dict[str, Any] = Field(default_factory=dict, description="dotted overrides applied to every run")
    scale: Literal["national", "land", "district"] | None = Field(None, description="population.scale of the runs")
    n_msos: int | None = Field(None, ge=1, le=5_000_000, description="population.n_msos of the runs")
    levers: dict[str, LeverSpec] = Field(..., min_length=1)
    objectives: dict[str, ObjectiveSpec] = Field(..., min_length=1)
    budget: BudgetSpec = Field(default_factory=BudgetSpec)
    uncertainties: UncertaintySpec = Field(default_factory=UncertaintySpec)
    replications: int = Field(2, ge=1, le=10_000, description="seeds per draw")
    years: float | None = Field(None, gt=0, le=200)
    seed: int = Field(1, ge=0, le=2**40, description="first seed of the runs")
    search: SearchSpec = Field(default_factory=SearchSpec)
    reevaluate: ReevaluateSpec = Field(default_factory=ReevaluateSpec)
    store: str | None = None


@dataclass(frozen=True)
class Lever:
    """A resolved lever: key, kind (money, priced, setting), range, cost, integer or not."""

    key: str
    kind: Literal["money", "priced", "setting"]
    low: float
    high: float
    cost: float | None = None
    integer: bool = False
    cap: float | None = None  # largest value the scenario schema allows (priced levers)


@dataclass(frozen=True)
class Objective:
    name: str
    outcome: str
    per: str | None
    maximise: bool
    percentile: int | None  # None: the mean


@dataclass
class Optimisation:
    """An optimisation file, checked and resolved against its base scenario."""

    spec: OptimisationFile
    path: Path
    base: BaseFile
    overrides: dict[str, Any]       # fixed + scale + n_msos
    reference: Scenario             # the base scenario with the overrides: today's lever mix
    levers: list[Lever]
    objectives: list[Objective]
    particles: Path | None          # the particles file the draws come from, else None (uniform ranges)

    @property
    def years(self) -> float:
        return float(self.reference.years if self.spec.years is None else self.spec.years)

    @property
    def store(self) -> Path:
        return Path(self.spec.store or f"results/{self.spec.name}.duckdb")


def lever_kind(key: str, spec: LeverSpec) -> str:
    """money for budget keys, priced for a lever with a cost, else setting."""
    parts = key.split(".")
    if key in MONEY_KEYS or (parts[0] == "funders" and len(parts) == 3 and parts[2] == "budget"):
        return "money"
    return "priced" if spec.cost is not None else "setting"


def resolve_lever(key: str, spec: LeverSpec, reference: Scenario, source: str) -> Lever:
    """Check one lever against the schema and its kind's fields; one-line errors."""
    where = f"levers.{key}"
    row = schema_row(key, reference, source, where)
    if row["type"].split(" or ")[0] not in ("float", "int"):
        raise error(source, where, key, f"a numeric scenario key (this one is {row['type']})")
    kind = lever_kind(key, spec)
    if kind == "setting":
        for name in ("min", "max"):
            if getattr(spec, name) is None:
                raise error(source, f"{where}.{name}", None, "a number: a setting lever needs min and max "
                            "(or share and cost, for a lever that costs money)")
        if spec.share is not None:
            raise error(source, f"{where}.share", spec.share, "a cost besides share (a priced lever), or min/max only")
        if not spec.max > spec.min:
            raise error(source, f"{where}.max", spec.max, f"greater than min ({spec.min:g})")
        return Lever(key, "setting", spec.min, spec.max, integer=row["type"] == "int")
    if spec.min is not None or spec.max is not None:
        raise error(source, f"{where}.{'min' if spec.min is not None else 'max'}", spec.min if spec.min is not None
                    else spec.max, f"share: [low, high] for a {kind} lever (its share of the budget), not min/max")
    if spec.share is None:
        raise error(source, f"{where}.share", None, f"[low, high], the range of a {kind} lever's share of the budget")
    low, high = spec.share
    if not 0 <= low <= high <= 1:
        raise error(source, f"{where}.share", spec.share, "[low, high] with 0 <= low <= high <= 1")
    if kind == "money" and spec.cost is not None:
        raise error(source, f"{where}.cost", spec.cost, "nothing: a budget key is money already")
    cap = row.get("maximum")
    return Lever(key, kind, low, high, spec.cost, cap=None if cap is None else float(cap))


@functools.cache
def known_outcomes() -> tuple[str, ...]:
    """Every outcome a stored run has: `run_outcomes` with its parts by MSO type, funder level and Land."""
    from ..api import run_outcomes
    from ..model import MSOModel

    tiny = Scenario.model_validate({"population": {"scale": "district", "land": "HB"}})
    tables = MSOModel(tiny, seed=0).run(1 / 12).tables(only=("model", "msos", "funders"))
    return tuple(run_outcomes(tables["model"], 12, tables["funders"], tables["msos"]))


def resolve_objective(name: str, spec: ObjectiveSpec, source: str) -> Objective:
    known = known_outcomes()
    for field in ("outcome", "per"):
        value = getattr(spec, field)
        if value is not None and value not in known:
            raise error(source, f"objectives.{name}.{field}", value, "a run outcome, e.g. " + ", ".join(known[:8]) + " ...")
    found = STATISTIC.match(spec.statistic)
    if found is None:
        raise error(source, f"objectives.{name}.statistic", spec.statistic, "mean, or pNN for the NN-th percentile (p10)")
    return Objective(name, spec.outcome, spec.per, spec.direction == "maximise",
                     None if found.group(2) is None else int(found.group(2)))


def check_search(spec: OptimisationFile, levers: list[Lever], source: str) -> None:
    shares = [lever for lever in levers if lever.kind != "setting"]
    if not any(lever.kind == "money" for lever in levers):
        raise error(source, "levers", list(spec.levers), "at least one money lever (funders.<name>.budget, "
                    "policy.micro_grants_budget or policy.professionalisation_budget) to carry the budget")
    low, high = sum(lever.low for lever in shares), sum(lever.high for lever in shares)
    if not low <= 1 <= high:
        raise error(source, "levers", f"shares {low:g} .. {high:g}", "share ranges whose lows sum to at most 1 and "
                    "whose highs sum to at least 1 (the shares of the budget add up to 1)")
    epsilons = spec.search.epsilons
    if spec.search.algorithm == "eps_nsga2" and (epsilons is None or len(epsilons) != len(spec.objectives)):
        raise error(source, "search.epsilons", epsilons, f"{len(spec.objectives)} positive numbers (one per objective)")
    if epsilons is not None and any(not e > 0 for e in epsilons):
        raise error(source, "search.epsilons", epsilons, "positive numbers")


def check_uncertainties(spec: UncertaintySpec, reference: Scenario, folder: Path, source: str) -> Path | None:
    """The particles file to draw from (None: the uniform ranges); the ranges checked against the schema."""
    for key, bounds in spec.parameters.items():
        schema_row(key, reference, source, f"uncertainties.parameters.{key}")
        if len(bounds) != 2 or not bounds[0] < bounds[1]:
            raise error(source, f"uncertainties.parameters.{key}", bounds, "[low, high] with low < high")
    particles = None if spec.particles is None else (folder / spec.particles).resolve()
    if particles is not None and particles.is_file():
        return particles
    if not spec.parameters:
        raise error(source, "uncertainties", spec.particles, "an existing particles file (msosim calibrate writes "
                    "data/calibrated_particles.csv) or parameters: {key: [low, high]} to draw from")
    return None


def draw_probes(spec: OptimisationFile, particles: Path | None, reference: Scenario, source: str) -> list[tuple[str, dict]]:
    """Values to try in the scenario before anything runs: the first and last particle, or both ends of the ranges
    (lever keys left out: the candidate sets them)."""
    levers = set(spec.levers)
    if particles is None:
        ranges = {key: bounds for key, bounds in spec.uncertainties.parameters.items() if key not in levers}
        return [(f"uncertainties.parameters ({end})", {key: bounds[i] for key, bounds in ranges.items()})
                for i, end in enumerate(("low", "high"))]
    try:
        frame = read_particles(particles, "'uncertainties.particles'")
    except ExperimentError as exc:
        raise ExperimentError(f"{source}: key {exc}") from None
    columns = [c for c in frame.columns[:-2] if c not in levers]
    for column in columns:
        schema_row(column, reference, source, f"uncertainties.particles ({particles.name} column)")
    rows = frame[columns].iloc[[0, len(frame) - 1]]
    return [(f"uncertainties.particles ({particles.name} row {i})", {k: v.item() if hasattr(v, "item") else v
                                                                    for k, v in row.items()})
            for i, row in zip((0, len(frame) - 1), (r for _, r in rows.iterrows()))]


def load_optimisation(path: str | Path) -> Optimisation:
    """Read and check an optimisation file; every problem is one ExperimentError line."""
    spec, path = load_file(path, OptimisationFile, "optimisation")
    source = str(path)
    scenario_path = (path.parent / spec.scenario).resolve()
    if not scenario_path.is_file():
        raise error(source, "scenario", spec.scenario, "a scenario file, relative to the optimisation file")
    overrides = {**spec.fixed, **({"population.scale": spec.scale} if spec.scale else {}),
                 **({"population.n_msos": spec.n_msos} if spec.n_msos else {})}
    try:
        base = BaseFile(scenario_path)
        reference = base.with_overrides(overrides)
    except ScenarioError as exc:
        raise error(source, "fixed", overrides, f"overrides the scenario accepts ({error_tail(exc)})") from None
    if not reference.policy.budget_factor > 0:
        raise error(source, "fixed.policy.budget_factor", reference.policy.budget_factor, "a positive factor (the money "
                    "levers' budgets are divided by it)")
    levers = [resolve_lever(key, lever, reference, source) for key, lever in spec.levers.items()]
    objectives = [resolve_objective(name, objective, source) for name, objective in spec.objectives.items()]
    check_search(spec, levers, source)
    particles = check_uncertainties(spec.uncertainties, reference, path.parent, source)
    for where, values in draw_probes(spec, particles, reference, source):
        try:
            base.with_overrides({**overrides, **values})
        except ScenarioError as exc:
            raise error(source, where, values, f"values the scenario accepts ({error_tail(exc)})") from None
    return Optimisation(spec, path, base, overrides, reference, levers, objectives, particles)


def check_values(optimisation: Optimisation, values: dict[str, Any], where: str) -> Scenario:
    """The scenario with `values` set on top of the overrides; an ExperimentError naming `where` if it is refused."""
    try:
        return optimisation.base.with_overrides({**optimisation.overrides, **values})
    except ScenarioError as exc:
        raise ExperimentError(f"{optimisation.path}: key '{where}': the scenario refuses {values}: "
                              f"{error_tail(exc)}") from None
