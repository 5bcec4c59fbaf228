"""The design of an experiment: its points (sampled design values), each point's scenario, and the runs of the sweep.

`design()` turns an experiment into the points of the sweep and their runs (replication r of every
point uses seed + r); `plan()` does it from a file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from ..scenario import Scenario, ScenarioError
from .batch import RunSpec
from ..loading import usable_path
from .experiment import (TEST_FUNCTIONS, BaseFile, Experiment, ExperimentError, Varied, allowed_range, check_ends,
                         check_outcomes, check_sampler, error, error_tail, load_experiment, resolve_parameter, schema_row,
                         schema_rows)
from .samplers import SAMPLERS

MAX_POINTS = 2_000_000


@dataclass
class Design:
    """A resolved experiment: the sample (design values), each point's scenario, and the sweep's identity."""

    experiment: Experiment
    source: str
    sweep_id: str
    varied: list[Varied]
    options: dict[str, Any]
    problem: dict[str, Any]
    X: np.ndarray
    applied: list[dict[str, Any]]
    scenario_json: list[str]
    hashes: list[str]
    years: float
    store: Path

    @property
    def names(self) -> list[str]:
        return [v.key for v in self.varied]

    def specs(self) -> list[RunSpec]:
        """Every run, replication-major (a partial sweep holds whole replications); each key once."""
        e, specs, seen = self.experiment, [], set()
        for rep in range(e.replications):
            for point, (text, digest) in enumerate(zip(self.scenario_json, self.hashes)):
                spec = RunSpec(text, digest, f"{e.name}:{point}", e.seed + rep, self.years)
                if spec.key not in seen:
                    seen.add(spec.key)
                    specs.append(spec)
        return specs

    def sweep_row(self) -> dict[str, Any]:
        e = self.experiment
        return {"sweep_id": self.sweep_id, "name": e.name, "model": e.model, "experiment_path": self.source,
                "experiment_json": json.dumps({"experiment": e.model_dump(mode="json"), "options": self.options,
                                               "problem": self.problem}),
                "sampler": e.sampler, "n": e.n, "points": len(self.hashes), "replications": e.replications,
                "base_seed": e.seed, "years": self.years, "runs": len(self.hashes) * e.replications}

    def point_frames(self):
        """(sweep_points, sweep_values) rows of this design, without the sweep id."""
        import pandas as pd

        points = pd.DataFrame({"point": np.arange(len(self.hashes), dtype="int32"), "scenario_hash": self.hashes})
        values = pd.DataFrame({
            "point": np.repeat(np.arange(len(self.hashes), dtype="int32"), len(self.varied)),
            "parameter": self.names * len(self.hashes),
            "value": self.X.reshape(-1).astype(float),
            "applied": [json.dumps(a[k]) for a in self.applied for k in self.names]})
        return points, values


def _base(experiment: Experiment, path: Path | None, source: str) -> tuple[BaseFile, Scenario]:
    """The base scenario file and the base scenario with the fixed overrides, each fixed key checked on its own."""
    if experiment.scenario is None:
        raise error(source, "scenario", None, "a scenario file (relative to the experiment file) for model msosim")
    base_path = scenario_path(str(usable_path(experiment.scenario, f"{source}: key 'scenario'", ExperimentError)), path)
    try:
        base = BaseFile(base_path)
        plain = base.with_overrides({})
    except ScenarioError as exc:
        raise error(source, "scenario", experiment.scenario, f"a valid scenario file ({exc})") from None
    for key, value in experiment.fixed.items():
        schema_row(key, plain, source, f"fixed.{key}")
        try:
            base.with_overrides({key: value})
        except ScenarioError as exc:
            raise error(source, f"fixed.{key}", value, f"{error_tail(exc)}") from None
    try:
        return base, base.with_overrides(experiment.fixed)
    except ScenarioError as exc:
        raise error(source, "fixed", experiment.fixed, f"overrides that fit together ({error_tail(exc)})") from None


def scenario_path(scenario: str, path: Path | None) -> Path:
    """The base scenario file: next to the experiment file, else (a copied file) from here, else in ./scenarios/."""
    given = Path(scenario)
    first = (path.parent if path else Path.cwd()) / given
    if given.is_absolute() or first.exists():
        return first
    for candidate in (Path.cwd() / given, Path.cwd() / "scenarios" / given.name):
        if candidate.is_file():
            return candidate
    return first


def _check_sampled(varied: Varied, column: np.ndarray, source: str) -> None:
    """Values drawn from an unbounded distribution must lie within the schema's bounds."""
    row = schema_rows().get(varied.key) or schema_rows().get("funders.<name>." + varied.key.split(".")[-1])
    if row is None or varied.dist in ("unif", "triang", "truncnorm"):
        return
    low, high = row["minimum"], row["maximum"]
    bad = np.zeros(column.shape, dtype=bool)
    if low is not None:
        bad |= (column <= low) if row["exclusive_minimum"] else (column < low)
    if high is not None:
        bad |= (column >= high) if row["exclusive_maximum"] else (column > high)
    if bad.any():
        i = int(np.argmax(bad))
        raise error(source, f"parameters.{varied.key}", float(column[i]),
                    f"{allowed_range(row)} (scenario schema; drawn at point {i} of {column.size}: use dist "
                    "truncated_normal or a smaller sd)")


def _varied(experiment: Experiment, path: Path | None, source: str) -> tuple[BaseFile | None, Scenario | None, list[Varied]]:
    """The base scenario (None for a test function) and the varied parameters, checked against the schema."""
    if experiment.model == "msosim":
        base_file, base = _base(experiment, path, source)
        rows = {key: schema_row(key, base, source, f"parameters.{key}") for key in experiment.parameters}
        varied = [resolve_parameter(k, s, experiment, rows[k], source) for k, s in experiment.parameters.items()]
        for v in varied:
            check_ends(v, experiment.parameters[v.key], experiment, base_file, source)
        return base_file, base, varied
    names, _ = TEST_FUNCTIONS[experiment.model]
    for key in ("scenario", "fixed"):
        if getattr(experiment, key):
            raise error(source, key, getattr(experiment, key), f"nothing for test function {experiment.model}")
    if sorted(experiment.parameters) != list(names):
        raise error(source, "parameters", sorted(experiment.parameters), f"exactly {', '.join(names)} for {experiment.model}")
    return None, None, [resolve_parameter(k, experiment.parameters[k], experiment, None, source) for k in names]


def design(experiment: Experiment, path: Path | None = None) -> Design:
    """Check an experiment against the scenario schema and its sampler, sample it, and build every point's scenario."""
    source = str(path) if path is not None else f"<experiment {experiment.name}>"
    options = check_sampler(experiment, source)
    check_outcomes(experiment, source)
    rules = SAMPLERS[experiment.sampler]
    base_file, base, varied = _varied(experiment, path, source)
    problem = {"num_vars": len(varied), "names": [v.key for v in varied], "bounds": [v.bounds for v in varied],
               "dists": [v.dist for v in varied], "values": [v.values for v in varied]}
    count = rules.points(experiment.n, problem, options)
    if count > MAX_POINTS:
        raise error(source, "n", experiment.n, f"a size giving at most {MAX_POINTS:,} points (this gives {count:,})")
    X = np.asarray(rules.sample(problem, experiment.n, seed=experiment.seed, **options), dtype=float)
    for j, v in enumerate(varied):
        _check_sampled(v, X[:, j], source)
    applied = [{v.key: v.applied(x) for v, x in zip(varied, row)} for row in X]
    if base is not None:
        texts, hashes = point_scenarios(experiment, base_file, applied, source)
        years = float(experiment.years if experiment.years is not None else base.years)
    else:
        texts = [json.dumps({"model": experiment.model, "x": [float(x) for x in row]}) for row in X]
        hashes = [hashlib.sha256(t.encode()).hexdigest()[:16] for t in texts]
        years = 0.0
    identity = {**experiment.model_dump(mode="json", exclude={"description", "outcomes", "prim", "store"}),
                "options": options, "base_hash": base.content_hash() if base is not None else None,
                "scenario": None, "years": years}
    sweep_id = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:12]
    store = Path(experiment.store) if experiment.store else Path("results") / f"{experiment.name}.duckdb"
    return Design(experiment, source, sweep_id, varied, options, problem, X, applied, texts, hashes, years, store)


def point_scenarios(experiment: Experiment, base: BaseFile, applied: list[dict], source: str) -> tuple[list[str], list[str]]:
    """Each point's resolved scenario (as JSON) and content hash; identical points are built once."""
    texts, hashes, cache = [], [], {}
    for point, overrides in enumerate(applied):
        marker = json.dumps(overrides, sort_keys=True)
        if marker not in cache:
            try:
                scenario = base.with_overrides({**experiment.fixed, **overrides})
            except ScenarioError as exc:
                raise error(source, f"parameters (point {point})", overrides, error_tail(exc)) from None
            scenario = scenario.model_copy(update={"name": f"{experiment.name}:{point}"})
            cache[marker] = (scenario.model_dump_json(), scenario.content_hash())
        texts.append(cache[marker][0])
        hashes.append(cache[marker][1])
    return texts, hashes


def plan(path_or_experiment: str | Path | Experiment, **changes: Any) -> Design:
    """Load (if a path) and design an experiment; `changes` (n, replications, years) replace the file's values."""
    if isinstance(path_or_experiment, Experiment):
        experiment, path = path_or_experiment, None
    else:
        experiment, path = load_experiment(path_or_experiment)
    changes = {key: value for key, value in changes.items() if value is not None}
    if changes:
        experiment = changed(experiment, changes, str(path) if path else f"<experiment {experiment.name}>")
    return design(experiment, path)


def changed(experiment: Experiment, changes: dict[str, Any], source: str) -> Experiment:
    """The experiment with some keys replaced, checked by its schema (a bad value names the key)."""
    try:
        return Experiment.model_validate({**experiment.model_dump(), **changes})
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise error(source, key, changes.get(key, first.get("input")), first["msg"]) from None
