"""The `msosim` command."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.table import Table as RichTable

from ..files import staged_folder
from ..scenario import ScenarioError, load_scenario

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Simulate migrant self-organisations (MSO) under funding and cooperation regimes.")
console = Console()
err = Console(stderr=True)


@app.callback()
def _group() -> None:
    """Simulate migrant self-organisations (MSO) under funding and cooperation regimes."""


def fail(message: str, code: int = 2) -> None:
    """One line on stderr and a clean exit (no traceback)."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def parse_overrides(items: list[str] | None) -> dict:
    """`--set policy.budget_factor=0.8` pairs as a dict (values parsed as YAML scalars)."""
    result = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"--set {item!r}: expected KEY=VALUE, e.g. policy.budget_factor=0.8")
        result[key.strip()] = yaml.safe_load(value)
    return result


def summary_table(title: str, rows: list[tuple[str, str]]) -> RichTable:
    table = RichTable(title=title, show_header=True, header_style="bold")
    table.add_column("outcome")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    return table


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    years: Annotated[float | None, typer.Option(help="years to simulate (default: the scenario's)")] = None,
    seed: Annotated[int, typer.Option(help="random seed")] = 1,
    out: Annotated[Path | None, typer.Option(help="folder for model/events/msos/grants Parquet tables")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a key, e.g. policy.budget_factor=0.8")] = None,
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
    started = time.perf_counter()
    model = MSOModel(config, seed=seed).run(years)
    tables = model.tables()
    wall = time.perf_counter() - started
    console.print(summary_table(f"{config.name}: {config.start_year} + {model.t / config.steps_per_year:g} years, seed {seed}",
                                summary_rows(tables, config)))
    console.print(f"{model.msos.n:,} MSOs simulated over {model.t} steps in {wall:.2f} s")
    if out is not None:
        write_tables(tables, out)
        console.print(f"tables written to {out}/")


def write_tables(tables: dict, out: Path) -> None:
    """Write every table as Parquet into `out`, atomically (a temporary folder renamed into place)."""
    with staged_folder(out) as staging:
        for name, frame in tables.items():
            frame.to_parquet(staging / f"{name}.parquet", index=False)


# Further commands live in msosim/cli/<name>.py, each with `register(app)`; one line here per module.
COMMAND_MODULES: tuple[str, ...] = ("compare", "dashboard", "validate", "sweep", "calibrate")


def _register_commands() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"msosim.cli.{name}").register(app)


_register_commands()


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
