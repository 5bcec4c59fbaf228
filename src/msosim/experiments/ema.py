"""Drive msosim from the EMA Workbench: `make_model(base_scenario, levers, outcomes)` returns an ema_workbench Model.

Parameter names are the scenario's dotted keys with "." written "__" (EMA needs identifiers):
`policy.budget_factor` becomes `policy__budget_factor`. A lever or uncertainty is a `(low, high)`
tuple (a RealParameter, or an IntegerParameter for integer keys) or a list of choices (a
CategoricalParameter). Each experiment is one `msosim.run` with seed `seed` (replication r of a
ReplicatorModel uses `seed + r`, common random numbers as in `msosim sweep`).

EMA Workbench 3.0.0 cannot run a model that has levers but no uncertainties (perform_experiments
fails adding its empty uncertainty list to the levers). So without `uncertainties`, the run seed
is the model's uncertainty (`seed`, an integer from `seed` to `seed + 9999`): each EMA scenario is
then one random seed, and `perform_experiments(model, scenarios=k, policies=n)` runs n lever
settings under k seeds. With uncertainties, the seed is a constant (or the replications' seeds).

Besides the scalar outcomes, `series` names columns of the monthly model table (`alive`,
`staff_fte`, ...): each is a TimeSeriesOutcome (an ArrayOutcome of replications x months in a
ReplicatorModel), one value per month from step 0 (the initial state) to the last step.

EMA keeps one process-wide register of outcome classes by name (save_results reads it) and refuses
an outcome whose class differs from the one first registered under its name; a single-run and a
replicated model (or a scalar and a series) with the same outcome names would clash. `make_model`
therefore tells the register the class of the model it builds: the newest model's outcomes win.

    from ema_workbench import perform_experiments
    model = make_model("scenarios/district.yaml", {"policy.budget_factor": (0.5, 2.0)}, ["alive_end"],
                       series=["alive"])
    experiments, outcomes = perform_experiments(model, scenarios=2, policies=8)  # outcomes["alive"]: 16 x months
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import Any

from pandas.api.types import is_numeric_dtype

from ..api import run, run_outcomes
from .experiment import ExperimentError, error, outcome_names, schema_row
from ..scenario import Scenario, load_scenario, set_dotted

SEPARATOR = "__"
SOURCE = "msosim.experiments.ema.make_model"


def parameter_name(key: str) -> str:
    """The EMA parameter name of a dotted scenario key."""
    return key.replace(".", SEPARATOR)


def scenario_key(name: str) -> str:
    """The dotted scenario key of an EMA parameter name."""
    return name.replace(SEPARATOR, ".")


def _plain(value: Any) -> Any:
    """numpy scalars (as EMA passes them) as Python numbers."""
    return value.item() if hasattr(value, "item") else value


def _overridden(base: Scenario, overrides: dict[str, Any]) -> Scenario:
    """The base scenario with dotted overrides, validated as it stands (its funders are not merged with defaults)."""
    data = base.model_dump(mode="python")
    for key, value in overrides.items():
        data = set_dotted(data, key, value)
    return Scenario.model_validate(data)


class ScenarioFunction:
    """The callable EMA runs: keyword parameters (dots as "__") and a seed -> the chosen msosim outcomes."""

    def __init__(self, scenario_json: str, years: float | None, outcomes: list[str],
                 series: list[str] | None = None) -> None:
        self.scenario_json = scenario_json
        self.years = years
        self.outcomes = list(outcomes)
        self.series = list(series or [])

    def __call__(self, seed: int = 1, **parameters: Any) -> dict[str, Any]:
        base = Scenario.model_validate_json(self.scenario_json)
        scenario = _overridden(base, {scenario_key(k): _plain(v) for k, v in parameters.items()})
        tables = run(scenario, seed=int(seed), years=self.years)
        found = run_outcomes(tables["model"], scenario.steps_per_year)
        monthly = {name: tables["model"][name].to_numpy(dtype=float) for name in self.series}
        return {**{name: found[name] for name in self.outcomes}, **monthly}


@functools.cache
def series_names() -> tuple[str, ...]:
    """The numeric columns of the monthly model table (of a one-month run), the possible time-series outcomes."""
    tiny = Scenario.model_validate({"population": {"scale": "district", "land": "HB"}})
    table = run(tiny, seed=0, years=1 / 12)["model"]
    return tuple(name for name in table.columns if is_numeric_dtype(table[name]))


def _outcome(kind: type, name: str):
    """An EMA outcome of class `kind`; EMA's register of outcome classes by name is told this class first."""
    from ema_workbench.em_framework.outcomes import register

    known = register.outcomes.get(name)
    if known is not None and not issubclass(kind, known):
        del register.outcomes[name]  # the register would refuse a class other than the first one seen
    return kind(name)


def _parameter(key: str, spec: Any, base: Scenario, where: str):
    from ema_workbench import CategoricalParameter, IntegerParameter, RealParameter

    row = schema_row(key, base, SOURCE, where)
    name = parameter_name(key)
    if SEPARATOR in key:
        raise error(SOURCE, where, key, f"a key without '{SEPARATOR}' (it stands for '.')")
    if isinstance(spec, list):
        values = spec
        parameter = CategoricalParameter(name, values)
    elif isinstance(spec, tuple) and len(spec) == 2 and all(isinstance(v, (int, float)) for v in spec):
        low, high = spec
        if not high > low:
            raise error(SOURCE, f"{where}.high", high, f"greater than low ({low:g})")
        integer = row["type"] == "int"
        values = [int(low), int(high)] if integer else [float(low), float(high)]
        parameter = (IntegerParameter if integer else RealParameter)(name, *values)
    else:
        raise error(SOURCE, where, spec, "a (low, high) tuple of numbers, or a list of choices")
    for value in values:
        try:
            _overridden(base, {key: value})
        except ValueError as exc:
            message = str(exc).splitlines()
            raise error(SOURCE, where, value, " ".join(message[1:3]).strip() or message[0]) from None
    return parameter


def make_model(base_scenario: str | Path | Scenario, levers: dict[str, Any], outcomes: list[str], *,
               uncertainties: dict[str, Any] | None = None, years: float | None = None, seed: int = 1,
               replications: int = 1, name: str = "msosim", series: list[str] | None = None):
    """An ema_workbench Model (ReplicatorModel if replications > 1) running msosim on the base scenario."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "ipyparallel not installed"
        from ema_workbench import (ArrayOutcome, Constant, IntegerParameter, Model, ReplicatorModel, ScalarOutcome,
                                   TimeSeriesOutcome)

    base = base_scenario if isinstance(base_scenario, Scenario) else load_scenario(base_scenario)
    series = list(series or [])
    _check_names(outcomes, series)
    if replications < 1 or (replications > 1 and not uncertainties):
        raise ExperimentError(f"{SOURCE}: key 'replications': value {replications}: allowed: 1, or more with at least "
                              "one uncertainty (without uncertainties each EMA scenario is a seed)")
    function = ScenarioFunction(base.model_dump_json(), years, outcomes, series)
    model = (Model if replications == 1 else ReplicatorModel)(name, function=function)
    model.levers = [_parameter(k, v, base, f"levers.{k}") for k, v in levers.items()]
    model.uncertainties = [_parameter(k, v, base, f"uncertainties.{k}") for k, v in (uncertainties or {}).items()]
    if replications > 1:
        model.replications = [{"seed": seed + r} for r in range(replications)]
    elif uncertainties:
        model.constants = [Constant("seed", seed)]
    else:
        model.uncertainties = [IntegerParameter("seed", seed, seed + 9999)]
    model.outcomes = ([_outcome(ScalarOutcome if replications == 1 else ArrayOutcome, name) for name in outcomes]
                      + [_outcome(TimeSeriesOutcome if replications == 1 else ArrayOutcome, name) for name in series])
    return model


def _check_names(outcomes: list[str], series: list[str]) -> None:
    """Scalar outcomes among run_outcomes', series among the monthly table's columns, no name in both."""
    for where, names, known in (("outcomes", outcomes, outcome_names("msosim")), ("series", series, series_names())):
        for i, name in enumerate(names):
            if name not in known:
                raise error(SOURCE, f"{where}[{i}]", name, "one of " + ", ".join(known))
    both = sorted(set(outcomes) & set(series))
    if both:
        raise error(SOURCE, "series", both[0], "a name not also among the scalar outcomes (EMA needs distinct names)")
