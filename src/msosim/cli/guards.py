"""CLI guards: option errors and input errors as one line with exit code 2, never a traceback or a box."""

from __future__ import annotations

import errno
import importlib
import json
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from ..loading import LoadError, printable, shown
from ..outputs import OutputError

if TYPE_CHECKING:
    from ..scenario import Scenario

# Schema classes named by "module:Class", imported when a value is checked: `msosim --help` and option errors
# stay free of pydantic, numpy and pandas (benchmarks/cli_startup.py).
SCENARIO = "msosim.scenario:Scenario"
EXPERIMENT = "msosim.experiments.experiment:Experiment"
OPTIONS = "msosim.cli.options:Options"

def one_line(text: str) -> str:
    """`text` on one line: line breaks and other control characters escaped (a key '\\r' shows as written)."""
    return printable(str(text).strip())


def say_error(message: str) -> None:
    """Write `error: message` as one line on stderr."""
    typer.echo(f"error: {one_line(message)}", err=True)


def option_message(exc: typer.TyperException) -> str:
    """A Click usage error in one line, prefixed with the command it concerns."""
    context = getattr(exc, "ctx", None)
    command = context.command_path if context is not None else "msosim"
    hint = f" (see `{command} --help`)" if context is not None else ""
    return f"{command}: {exc.format_message()}{hint}"


class ResourceError(ValueError):
    """A run that would not fit in memory; the message is one line."""


def user_errors() -> tuple[type[Exception], ...]:
    """The errors that mean bad input (one line, exit 2); ScenarioError is imported only when one is raised."""
    from ..kernels import KernelsError
    from ..scenario import ScenarioError

    return (LoadError, OutputError, ResourceError, ScenarioError, KernelsError)


# A path the machine cannot use (named on the command line and reached before msosim's own checks): one line, exit 2.
PATH_ERRORS = frozenset({errno.ENAMETOOLONG, errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.EPERM,
                         errno.ELOOP, errno.EROFS, errno.ENOSPC})


def path_message(exc: OSError) -> str:
    """An OSError about a path as one line: the path (shortened), the reason, what is allowed."""
    return f"{shown(str(exc.filename))}: {exc.strerror}; allowed: a path this machine can use (readable, writable, short enough)"


class OneLineGroup(TyperGroup):
    """The msosim command group: Click's errors and msosim's input errors end in one line and exit 2."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """Run the command; in standalone mode turn every known error into one line and an exit code."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            from .. import kernels

            kernels.backend()  # MSOSIM_KERNELS checked before any command starts (or a worker it spawns fails on it)
            result = super().main(*args, standalone_mode=False, **kwargs)
        except typer.TyperException as exc:
            say_error(option_message(exc))
            sys.exit(2)
        except typer.Abort:
            say_error("aborted")
            sys.exit(1)
        except OSError as exc:
            if not isinstance(exc, user_errors()) and exc.errno not in PATH_ERRORS:
                raise
            say_error(str(exc) if isinstance(exc, user_errors()) else path_message(exc))
            sys.exit(2)
        except Exception as exc:
            if not isinstance(exc, user_errors()):
                raise
            say_error(str(exc))
            sys.exit(2)
        sys.exit(result if isinstance(result, int) else 0)


def schema_class(model: type | str) -> type:
    """A pydantic class, or the class a "module:Class" string names."""
    if isinstance(model, str):
        module, _, name = model.partition(":")
        return getattr(importlib.import_module(module), name)
    return model


def field_bounds(model: type | str, name: str) -> tuple[float | None, float | None, bool, bool]:
    """(lower, upper, lower strict, upper strict) of a pydantic field, read from its metadata: one definition."""
    model = schema_class(model)
    lower = upper = None
    strict_lower = strict_upper = False
    for item in model.model_fields[name].metadata:
        for attribute, is_lower, strict in (("ge", True, False), ("gt", True, True), ("le", False, False), ("lt", False, True)):
            value = getattr(item, attribute, None)
            if value is None:
                continue
            if is_lower:
                lower, strict_lower = value, strict
            else:
                upper, strict_upper = value, strict
    return lower, upper, strict_lower, strict_upper


def describe_bounds(model: type | str, name: str) -> str:
    """The allowed range of a field in words, e.g. 'a finite number greater than 0 and at most 200'."""
    lower, upper, strict_lower, strict_upper = field_bounds(model, name)
    parts = []
    if lower is not None:
        parts.append(f"{'greater than' if strict_lower else 'at least'} {lower:,}")
    if upper is not None:
        parts.append(f"{'less than' if strict_upper else 'at most'} {upper:,}")
    kind = "a whole number" if schema_class(model).model_fields[name].annotation is int else "a finite number"
    return f"{kind} " + " and ".join(parts)


def within(model: type | str, name: str, value: float) -> bool:
    """Whether `value` is finite and inside the field's bounds."""
    if isinstance(value, float) and not math.isfinite(value):
        return False
    lower, upper, strict_lower, strict_upper = field_bounds(model, name)
    if lower is not None and (value < lower or (strict_lower and value == lower)):
        return False
    return upper is None or not (value > upper or (strict_upper and value == upper))


def bounded(model: type | str, name: str) -> Callable[[Any], Any]:
    """A Typer option callback that refuses values outside the schema field's bounds (None passes)."""

    def check(value: Any) -> Any:
        if value is not None and not within(model, name, value):
            raise typer.BadParameter(f"value {value!r}: allowed: {describe_bounds(model, name)}")
        return value

    return check


BASE_BYTES = 250e6  # the process before the model: Python, numpy, pandas, msosim (measured 175 MB) with margin
MSO_BYTES = 4e3  # per MSO at start (measured about 2.6 kB: arrays, tables, districts) with margin
MSO_YEAR_BYTES = 1e3  # per MSO and year at 12 steps a year (measured 0.4-0.6 kB: events, grants) with margin
SIZE_UNITS = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def parse_size(text: str) -> float:
    """Bytes of a size such as '2G', '512M' or '1500000000'; BadParameter otherwise."""
    cleaned = str(text).strip().upper().removesuffix("B")
    unit = cleaned[-1:] if cleaned[-1:] in SIZE_UNITS and cleaned[-1:] else ""
    try:
        number = float(cleaned[: len(cleaned) - len(unit)])
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise typer.BadParameter(f"value {shown(text)}: allowed: a size such as 2G, 512M or 800000000")
    return number * SIZE_UNITS[unit]


def size_option(value: str | None) -> str | None:
    """A Typer option callback that refuses a size `parse_size` cannot read (None passes)."""
    if value is not None:
        parse_size(value)
    return value


def available_memory() -> float:
    """Bytes of memory available to a new run (psutil's estimate of what can be used without swapping)."""
    import psutil

    return float(psutil.virtual_memory().available)


def estimated_memory(n_msos: int, years: float, steps_per_year: int) -> float:
    """Bytes a run of `n_msos` MSOs over `years` is expected to need (measured on 13,400 and 100,000 MSOs)."""
    return BASE_BYTES + n_msos * (MSO_BYTES + MSO_YEAR_BYTES * years * steps_per_year / 12)


def check_memory(n_msos: int, years: float, steps_per_year: int, limit: float | None = None, parallel: int = 1) -> None:
    """Raise ResourceError when `parallel` runs at once (worker processes beside this one when more than one)
    would need more memory than `limit` (default: what the machine has free)."""
    one = estimated_memory(n_msos, years, steps_per_year)
    need = one if parallel == 1 else BASE_BYTES + parallel * one
    have = available_memory() if limit is None else limit
    if need <= have:
        return
    source = "--max-memory" if limit is not None else "available memory"
    fits = int((have - BASE_BYTES) // one) if parallel > 1 else 0
    workers = f"--workers {fits}, " if fits >= 1 else ""
    at_once = f"{parallel} runs at once of" if parallel > 1 else "a run of"
    verb = "need" if parallel > 1 else "needs"
    raise ResourceError(f"{at_once} {n_msos:,} MSOs over {years:g} years {verb} about {need / 1e9:.1f} GB; "
                        f"{source}: {have / 1e9:.1f} GB; allowed: {workers}fewer MSOs (population.n_msos, "
                        "population.scale) or fewer years")


def check_runs(configs: list[Scenario], years: float | None, runs: int, workers: int | None, max_memory: str | None,
               *, local: bool = True) -> None:
    """Refuse before starting a run shorter than one step, or when the largest of `configs`, run `workers` at a time
    (default: all cores), would not fit in memory (or in --max-memory); with a remote executor (`local` False) only
    --max-memory per run is checked."""
    for c in configs:
        span = years if years is not None else c.years
        if int(round(span * c.steps_per_year)) < 1:
            raise ResourceError(f"years: value '{span:g}': shorter than one step of scenario '{c.name}'; allowed: at "
                                f"least {1 / c.steps_per_year:.4g} years (one step, 1/{c.steps_per_year} year)")
    if not configs or (not local and max_memory is None):
        return
    limit = None if max_memory is None else parse_size(max_memory)
    parallel = max(1, min(workers or os.cpu_count() or 1, runs)) if local else 1
    sized = [(run_size(c), years if years is not None else c.years, c.steps_per_year) for c in configs]
    largest = max(sized, key=lambda s: estimated_memory(*s))
    check_memory(*largest, limit, parallel)


def design_configs(scenario_json: list[str]) -> list[Scenario]:
    """One scenario per distinct population among a sweep's points (what sets a run's size), for `check_runs`."""
    scenario = schema_class(SCENARIO)
    chosen: dict[str, str] = {}
    for text in scenario_json:
        population = json.loads(text).get("population")
        if population is not None:
            chosen.setdefault(json.dumps(population, sort_keys=True), text)
    return [scenario.model_validate_json(text) for text in chosen.values()]


def run_size(scenario: Scenario) -> int:
    """MSOs at the start of a run of `scenario` (its landscape only: districts, no MSOs built)."""
    import numpy as np

    from ..population import build_landscape

    landscape = build_landscape(scenario, np.random.default_rng(scenario.population.geography_seed))
    return landscape.n_msos


def check_kept_tables(store: Path) -> None:
    """--keep-tables writes into `<store>.tables/`: refuse, before any run, a file or an unwritable place there."""
    from ..outputs import check_writable

    folder = Path(f"{store}.tables")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"--keep-tables: value '{folder}': is a file msosim did not write; allowed: no file of that "
                          "name beside the store (move it away)")
    check_writable(folder, "--keep-tables")
