"""The `msosim` command."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from . import calibrate, compare, dashboard, docs, optimize, store, sweep, validate
from . import shared
from ..outputs import check_folder
from .guards import EXPERIMENT, SCENARIO, OneLineGroup, bounded, check_runs, size_option
from .shared import fail, parse_overrides, summary_table, write_tables

# Start-up (benchmarks/cli_startup.py): plain help and errors (rich_markup_mode=None spares Typer's rich help
# module, about 0.1 s of CPU), and the group's --help as a flag whose default is False, since Typer coerces
# a default of None through pydantic (about 0.12 s of imports) before any subcommand's argument error shows.
app = typer.Typer(cls=OneLineGroup, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None, add_help_option=False,
                  help="Simulate migrant self-organisations (MSO) under funding and cooperation regimes.")


def _show_help(context: typer.Context, value: bool) -> None:
    if value:
        typer.echo(context.get_help())
        raise typer.Exit()


@app.callback()
def _group(show_help: Annotated[bool, typer.Option("--help", is_eager=True, expose_value=False, callback=_show_help,
                                                   help="Show this message and exit.")] = False) -> None:
    """Simulate migrant self-organisations (MSO) under funding and cooperation regimes."""


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    years: Annotated[float | None, typer.Option(help="years to simulate (default: the scenario's)", callback=bounded(SCENARIO, "years"))] = None,
    seed: Annotated[int, typer.Option(help="random seed", callback=bounded(EXPERIMENT, "seed"))] = 1,
    out: Annotated[Path | None, typer.Option(help="new folder for model/events/msos/grants Parquet tables")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace the previous msosim output in --out")] = False,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a key, e.g. policy.budget_factor=0.8")] = None,
    max_memory: Annotated[str | None, typer.Option(help="refuse a run expected to need more, e.g. 2G (default: the free memory)", callback=size_option)] = None,
) -> None:
    """Run one scenario and print a summary; with --out, write tidy Parquet tables."""
    from ..scenario import ScenarioError, load_scenario

    try:
        config = load_scenario(scenario, parse_overrides(set_))
    except ScenarioError as exc:
        fail(str(exc))
    if out is not None:
        check_folder(out, "--out", overwrite=overwrite)
    check_runs([config], years, 1, 1, max_memory)
    from ..model import MSOModel  # after the checks: a bad file fails before numpy, pandas and Mesa load
    from ..summary import summary_rows

    started = time.perf_counter()
    model = MSOModel(config, seed=seed).run(years)
    tables = model.tables()
    wall = time.perf_counter() - started
    shared.console.print(summary_table(f"{config.name}: {config.start_year} + {model.t / config.steps_per_year:g} years, seed {seed}",
                                summary_rows(tables, config)))
    shared.console.print(f"{model.msos.n:,} MSOs simulated over {model.t} steps in {wall:.2f} s")
    if out is not None:
        write_tables(tables, out, overwrite=overwrite)
        shared.console.print(f"tables written to {out}/")


# Further commands live in msosim/cli/<name>.py, each with `register(app)`; one entry here per module.
COMMANDS = (compare, dashboard, validate, sweep, calibrate, optimize, store, docs)
COMMAND_MODULES: tuple[str, ...] = tuple(module.__name__.rsplit(".", 1)[1] for module in COMMANDS)
for module in COMMANDS:
    module.register(app)


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        shared.err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
