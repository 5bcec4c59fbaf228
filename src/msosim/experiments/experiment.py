"""Experiment files: what a sweep varies, how it samples, what it analyses (pydantic, with one-line errors).

An experiment names a base scenario (relative to the experiment file), fixed overrides, the
parameters to vary as dotted key paths into the scenario schema (checked against the schema and
its bounds), a sampler and its size, replications, years, outcomes and a seed. `design.design()`
turns it into the points of the sweep and their runs (replication r of every point uses seed + r).
"""

from __future__ import annotations

import ast
import copy
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..loading import did_you_mean, load_mapping, no_bool_numbers, printable, schema_keys, shown
from ..scenario import Scenario, ScenarioError, read_yaml, with_default_funders, validate_scenario
from ..schema_table import format_range, leaf_rows
from .samplers import SAMPLERS

DISTS = {"uniform": "unif", "triangular": "triang", "normal": "norm", "lognormal": "lognorm",
         "truncated_normal": "truncnorm"}
DIST_FIELDS = {"uniform": ("min", "max"), "triangular": ("min", "max", "mode"), "normal": ("mean", "sd"),
               "lognormal": ("mean", "sd"), "truncated_normal": ("min", "max", "mean", "sd")}
BOUNDED = ("uniform", "triangular", "truncated_normal")
TEST_FUNCTIONS = {"ishigami": (("x1", "x2", "x3"), ("y",))}
CONDITION_EXTRA = ("alive_start",)  # besides the outcomes, a --prim condition may use the MSOs alive at step 0


class ExperimentError(ValueError):
    """An experiment file that cannot be used; the message names file, key, value and what is allowed."""


def error(source: str, key: str, value: Any, allowed: str) -> ExperimentError:
    """The one-line error: file, key, value, allowed."""
    return ExperimentError(f"{source}: key '{printable(key)}': value {shown(value)}: allowed: {allowed}")


class BaseFile:
    """A scenario file read once (its `extends` resolved); `with_overrides` is `load_scenario(path, overrides)`."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.data = with_default_funders(read_yaml(self.path, ()))  # as load_scenario reads it
        self.data.setdefault("name", self.path.stem)

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        data = copy.deepcopy(self.data)
        for dotted, value in overrides.items():
            node, *parts = [data, *dotted.split(".")]
            for part in parts[:-1]:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise ScenarioError(f"override: key '{dotted}': '{part}' is not a section; allowed: a dotted key into the schema")
            node[parts[-1]] = value
        return validate_scenario(data, str(self.path))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_numbers(cls, data: Any) -> Any:
        return no_bool_numbers(cls, data)


class ParameterSpec(Strict):
    """How one parameter varies: a range with a distribution (SALib `dists`), or listed `values` (grid)."""

    dist: Literal["uniform", "triangular", "normal", "lognormal", "truncated_normal"] = Field(
        "uniform", description="distribution of the sampled values")
    min: float | None = Field(None, description="lower end (uniform, triangular, truncated_normal)")
    max: float | None = Field(None, description="upper end (uniform, triangular, truncated_normal)")
    mode: float | None = Field(None, description="peak of a triangular distribution")
    mean: float | None = Field(None, description="mean (normal, truncated_normal); ln-space mean (lognormal)")
    sd: float | None = Field(None, gt=0, description="standard deviation (ln-space for lognormal)")
    values: list[Any] | None = Field(None, min_length=1, description="listed values or choices (grid sampler only)")


class Experiment(Strict):
    """A sweep: base scenario, fixed overrides, varied parameters, sampler, size, replications, outcomes."""

    name: str = Field(..., pattern=r"^[A-Za-z0-9_.-]+$", description="sweep name (default: the file name)")
    description: str = ""
    model: Literal["msosim", "ishigami"] = Field("msosim", description="msosim, or a SALib test function")
    scenario: str | None = Field(None, description="base scenario file, relative to the experiment file")
    fixed: dict[str, Any] = Field(default_factory=dict, description="dotted overrides applied to every point")
    parameters: dict[str, ParameterSpec] = Field(..., min_length=1, description="dotted key -> how it varies")
    sampler: Literal["grid", "latin", "sobol", "morris"]
    n: int = Field(..., ge=1, le=10_000_000, description="sample size: levels (grid), points (latin), "
                                                           "base samples (sobol), trajectories (morris)")
    options: dict[str, Any] = Field(default_factory=dict, description="sampler options (sobol: second_order; morris: levels)")
    replications: int = Field(1, ge=1, le=100_000, description="runs per point; replication r uses seed + r")
    years: float | None = Field(None, gt=0, le=200, description="years per run (default: the scenario's)")
    seed: int = Field(1, ge=0, le=2**62, description="base seed of the runs and of the sampler")
    outcomes: list[str] = Field(..., min_length=1, description="outcomes to analyse (names from run_outcomes)")
    prim: str | None = Field(None, description="default scenario-discovery condition, e.g. 'alive_end < 0.9 * alive_start'")
    store: str | None = Field(None, description="results store (default: results/<name>.duckdb, relative to the working directory)")


def _format(source: str, exc: ValidationError, schema: type[BaseModel] | None = None) -> ExperimentError:
    first = exc.errors()[0]
    key = printable(".".join(str(part) for part in first["loc"])) or "(top level)"
    allowed = "no such key" if first["type"] == "extra_forbidden" else first["msg"]
    if first["type"] == "extra_forbidden" and schema is not None:
        allowed += did_you_mean(str(first["loc"][-1]), schema_keys(schema, first["loc"][:-1]))
    value = "(missing)" if first["type"] == "missing" else first.get("input")
    return error(source, key, value, allowed)


def read_mapping(path: Path, kind: str) -> dict:
    """The YAML mapping of an experiment-like file (`kind`: 'experiment', 'calibration'), its name defaulting
    to the file's stem; a missing file, bad YAML or another top level raise one-line ExperimentErrors."""
    data = load_mapping(path, kind, ExperimentError)
    data.setdefault("name", path.stem)
    return data


def load_file(path: str | Path, schema: type[BaseModel], kind: str):
    """Read an experiment-like file and validate its structure against `schema`; returns (model, absolute path)."""
    path = Path(path)
    data = read_mapping(path, kind)
    try:
        return schema.model_validate(data), path.resolve()
    except ValidationError as exc:
        raise _format(str(path), exc, schema) from None


def load_experiment(path: str | Path) -> tuple[Experiment, Path]:
    """Read and validate an experiment file (structure only; `design` checks it against the schema)."""
    return load_file(path, Experiment, "experiment")


# -- the scenario schema ------------------------------------------------------------------------

@functools.cache
def schema_rows() -> dict[str, dict]:
    return {row["key"]: row for row in leaf_rows()}


def schema_row(key: str, base: Scenario, source: str, where: str) -> dict:
    """The parameter-table row of a dotted key (funders.<name>.<key> for a funder of `base`), or an error."""
    parts = key.split(".")
    if parts[0] == "funders" and len(parts) == 3:
        if parts[1] not in base.funders:
            raise error(source, where, key, "a funder of the base scenario: " + ", ".join(base.funders))
        lookup = f"funders.<name>.{parts[2]}"
    else:
        lookup = key
    row = schema_rows().get(lookup)
    if row is None:
        if parts[0] == "events":
            raise error(source, where, key, "no sweeps over events (a list); vary them through scenario files")
        prefix = [k for k in schema_rows() if k.startswith(lookup + ".")]
        hint = f"a key inside this section, e.g. {prefix[0]}" if prefix else "a leaf key of docs/scenarios.md, e.g. policy.budget_factor"
        raise error(source, where, key, f"no such scenario key; {hint}")
    return row


def allowed_range(row: dict) -> str:
    return format_range(row).replace("`", "")


@functools.cache
def outcome_names(model: str = "msosim") -> tuple[str, ...]:
    """The outcomes a run reports: `run_outcomes` of a one-month run, or a test function's."""
    if model in TEST_FUNCTIONS:
        return TEST_FUNCTIONS[model][1]
    from ..api import run_outcomes
    from ..model import MSOModel

    tiny = Scenario.model_validate({"population": {"scale": "district", "land": "HB"}})
    return tuple(run_outcomes(MSOModel(tiny, seed=0).run(1 / 12).tables()["model"], 12))


def condition_names(condition: str) -> list[str]:
    """The names a condition such as `alive_end < 0.9 * alive_start` uses; ValueError if it is not a plain comparison."""
    try:
        tree = ast.parse(condition, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"not an expression ({exc.msg})") from None
    plain = (ast.Expression, ast.Compare, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load,
             ast.cmpop, ast.boolop, ast.operator, ast.unaryop)
    for node in ast.walk(tree):
        if not isinstance(node, plain):
            raise ValueError(f"'{type(node).__name__}' is not allowed; use names, numbers, + - * /, comparisons, and/or/not")
    if not isinstance(tree.body, (ast.Compare, ast.BoolOp)) and not (
            isinstance(tree.body, ast.UnaryOp) and isinstance(tree.body.op, ast.Not)):
        raise ValueError("not a condition; compare an outcome, e.g. 'alive_end < 0.9 * alive_start'")
    return sorted({node.id for node in ast.walk(tree) if isinstance(node, ast.Name)})


# -- checks against the schema and the sampler -------------------------------------------------

@dataclass(frozen=True)
class Varied:
    """One varied parameter, resolved: key, SALib bounds and dist, listed values, integer or not."""

    key: str
    bounds: list[float]
    dist: str
    values: list[Any] | None
    integer: bool

    def applied(self, x: float) -> Any:
        """The value set in the scenario for a design value: the listed choice, a rounded integer, or x."""
        if self.values is not None:
            return self.values[int(x)] if not _numeric(self.values) else _plain(x, self.integer)
        return _plain(x, self.integer)


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _plain(x: float, integer: bool) -> float | int:
    return round(x) if integer else float(x)


def resolve_parameter(key: str, spec: ParameterSpec, experiment: Experiment, row: dict | None,
                       source: str) -> Varied:
    """Check one parameter's fields for its distribution and sampler; returns its SALib form."""
    where = f"parameters.{key}"
    rules = SAMPLERS[experiment.sampler]
    if spec.values is not None:
        if not rules.categorical:
            raise error(source, f"{where}.values", spec.values, f"listed values need sampler grid (not {experiment.sampler}); give min and max")
        given = [f for f in ("min", "max", "mode", "mean", "sd") if getattr(spec, f) is not None]
        if given:
            raise error(source, f"{where}.{given[0]}", getattr(spec, given[0]), "nothing besides values (a list is not a range)")
        integer = row is not None and row["type"] == "int"
        return Varied(key, [0.0, float(len(spec.values))], "unif", list(spec.values), integer)
    numeric_type = row is None or row["type"].split(" or ")[0] in ("float", "int")
    if not numeric_type:
        raise error(source, where, spec.model_dump(exclude_none=True),
                    f"listed values (sampler grid) for a key of type {row['type']}")
    needed = DIST_FIELDS[spec.dist]
    for field in needed:
        if getattr(spec, field) is None:
            raise error(source, f"{where}.{field}", None, f"a number; dist {spec.dist} needs {', '.join(needed)}")
    extra = [f for f in ("min", "max", "mode", "mean", "sd") if f not in needed and getattr(spec, f) is not None]
    if extra:
        raise error(source, f"{where}.{extra[0]}", getattr(spec, extra[0]), f"only {', '.join(needed)} for dist {spec.dist}")
    if "max" in needed and not spec.max > spec.min:
        raise error(source, f"{where}.max", spec.max, f"greater than min ({spec.min:g})")
    if spec.dist == "triangular" and not spec.min <= spec.mode < spec.max:
        raise error(source, f"{where}.mode", spec.mode, f"at least min ({spec.min:g}) and below max ({spec.max:g})")
    if rules.bounded and spec.dist not in BOUNDED:
        raise error(source, f"{where}.dist", spec.dist, f"{', '.join(BOUNDED)} for sampler {experiment.sampler} (it samples the ends of the range)")
    if not rules.distributions and spec.dist != "uniform":
        raise error(source, f"{where}.dist", spec.dist, f"uniform for sampler {experiment.sampler}")
    bounds = {"uniform": [spec.min, spec.max],
              "triangular": [spec.min, spec.max, None if spec.mode is None else (spec.mode - spec.min) / (spec.max - spec.min)],
              "normal": [spec.mean, spec.sd], "lognormal": [spec.mean, spec.sd],
              "truncated_normal": [spec.min, spec.max, spec.mean, spec.sd]}[spec.dist]
    return Varied(key, bounds, DISTS[spec.dist], None, row is not None and row["type"] == "int")


def check_ends(varied: Varied, spec: ParameterSpec, experiment: Experiment, base: BaseFile, source: str) -> None:
    """Validate the scenario at both ends of a range (or at every listed value)."""
    where = f"parameters.{varied.key}"
    if spec.values is not None:
        probes = [(f"{where}.values", v) for v in spec.values]
    elif spec.min is not None:
        probes = [(f"{where}.min", varied.applied(spec.min)), (f"{where}.max", varied.applied(spec.max))]
    else:
        return  # unbounded distributions: every sampled value is checked in design()
    for key, value in probes:
        try:
            base.with_overrides({**experiment.fixed, varied.key: value})
        except ScenarioError as exc:
            raise error(source, key, value, f"{_allowed_by(varied.key)} (the scenario says: {error_tail(exc)})") from None


def _allowed_by(key: str) -> str:
    parts = key.split(".")
    lookup = f"funders.<name>.{parts[2]}" if parts[0] == "funders" and len(parts) == 3 else key
    row = schema_rows()[lookup]
    return f"{allowed_range(row)} (scenario schema)"


def error_tail(exc: Exception) -> str:
    """The part of an error message after its ': key ' preamble (what was wrong with the value)."""
    text = str(exc)
    return text.split(": key ", 1)[-1] if ": key " in text else text


def check_sampler(experiment: Experiment, source: str) -> dict[str, Any]:
    rules = SAMPLERS[experiment.sampler]
    problem = rules.check_n(experiment.n)
    if problem:
        raise error(source, "n", experiment.n, f"{problem} for sampler {experiment.sampler}")
    for name, value in experiment.options.items():
        if name not in rules.options:
            allowed = ", ".join(rules.options) or "none"
            raise error(source, f"options.{name}", value, f"options of sampler {experiment.sampler}: {allowed}")
        default = rules.options[name]
        if type(value) is not type(default):
            raise error(source, f"options.{name}", value, f"a {type(default).__name__}")
    options = {**rules.options, **experiment.options}
    if "levels" in options and options["levels"] < 2:
        raise error(source, "options.levels", options["levels"], "an integer of at least 2")
    return options


def check_outcomes(experiment: Experiment, source: str) -> None:
    known = outcome_names(experiment.model)
    for i, name in enumerate(experiment.outcomes):
        if name not in known:
            raise error(source, f"outcomes[{i}]", name, "one of " + ", ".join(known))
    if experiment.prim is not None:
        try:
            names = condition_names(experiment.prim)
        except ValueError as exc:
            raise error(source, "prim", experiment.prim, str(exc)) from None
        unknown = [n for n in names if n not in (*known, *CONDITION_EXTRA)]
        if unknown:
            raise error(source, "prim", experiment.prim, f"names among {', '.join((*known, *CONDITION_EXTRA))} (not {unknown[0]})")
