"""The `msosim` command."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from ..experiments.experiment import Experiment
from ..outputs import OutputError, check_folder
from ..scenario import Scenario, ScenarioError, load_scenario
from . import calibrate, compare, dashboard, store, sweep, validate
from .guards import OneLineGroup, ResourceError, bounded, check_memory, parse_size, run_size, size_option
from .shared import console, err, fail, parse_overrides, summary_table, write_tables

app = typer.Typer(cls=OneLineGroup, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Simulate migrant self-organisations (MSO) under funding and cooperation regimes.")


@app.callback()
def _group() -> None:
    """Simulate migrant self-organisations (MSO) under funding and cooperation regimes."""


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    years: Annotated[float | None, typer.Option(help="years to simulate (default: the scenario's)", callback=bounded(Scenario, "years"))] = None,
    seed: Annotated[int, typer.Option(help="random seed", callback=bounded(Experiment, "seed"))] = 1,
    out: Annotated[Path | None, typer.Option(help="new folder for model/events/msos/grants Parquet tables")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace the previous msosim output in --out")] = False,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a key, e.g. policy.budget_factor=0.8")] = None,
    max_memory: Annotated[str | None, typer.Option(help="refuse a run expected to need more, e.g. 2G (default: the free memory)", callback=size_option)] = None,
) -> None:
    """Run one scenario and print a summary; with --out, write tidy Parquet tables."""
    from ..model import MSOModel
    from ..summary import summary_rows

    try:
        config = load_scenario(scenario, parse_overrides(set_))
    except ScenarioError as exc:
        fail(str(exc))
    if years is not None and years <= 0:
        fail(f"--years: value {years}: must be greater than 0")
    try:
        if out is not None:
            check_folder(out, "--out", overwrite=overwrite)
        check_memory(run_size(config), years or config.years, config.steps_per_year,
                     None if max_memory is None else parse_size(max_memory))
    except (OutputError, ResourceError) as exc:
        fail(str(exc))
    started = time.perf_counter()
    model = MSOModel(config, seed=seed).run(years)
    tables = model.tables()
    wall = time.perf_counter() - started
    console.print(summary_table(f"{config.name}: {config.start_year} + {model.t / config.steps_per_year:g} years, seed {seed}",
                                summary_rows(tables, config)))
    console.print(f"{model.msos.n:,} MSOs simulated over {model.t} steps in {wall:.2f} s")
    if out is not None:
        try:
            write_tables(tables, out, overwrite=overwrite)
        except OutputError as exc:
            fail(str(exc))
        console.print(f"tables written to {out}/")


# Further commands live in msosim/cli/<name>.py, each with `register(app)`; one entry here per module.
COMMANDS = (compare, dashboard, validate, sweep, calibrate, store)
COMMAND_MODULES: tuple[str, ...] = tuple(module.__name__.rsplit(".", 1)[1] for module in COMMANDS)
for module in COMMANDS:
    module.register(app)


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
