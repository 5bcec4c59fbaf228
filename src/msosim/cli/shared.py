"""What every command shares: the consoles, one-line failures, `--set` overrides, tables, progress lines."""

from __future__ import annotations

import functools
from enum import Enum
from pathlib import Path

import typer

from ..loading import LoadError, parse
from ..outputs import staged_folder
from .guards import one_line


@functools.cache
def consoles():
    """The rich consoles of stdout and stderr, made on first use (importing rich costs start-up time)."""
    from rich.console import Console

    return Console(), Console(stderr=True)


def __getattr__(name: str):
    """`console` and `err` (PEP 562): the consoles of `consoles()`."""
    if name in ("console", "err"):
        return consoles()[name == "err"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fail(message: str, code: int = 2) -> None:
    """One line on stderr and a clean exit (no traceback)."""
    from rich.markup import escape

    consoles()[1].print(f"[bold red]error:[/] {escape(one_line(message))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def parse_overrides(items: list[str] | None) -> dict:
    """`--set policy.budget_factor=0.8` pairs as a dict (values parsed as YAML scalars)."""
    import yaml

    result = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"--set {item!r}: expected KEY=VALUE, e.g. policy.budget_factor=0.8")
        try:
            result[key.strip()] = parse(value, f"--set {key.strip()}")
        except LoadError as exc:
            fail(str(exc))
    return result


def summary_table(title: str, rows: list[tuple[str, str]]):
    """A rich table of (outcome, value) rows."""
    from rich.table import Table as RichTable

    table = RichTable(title=title, show_header=True, header_style="bold")
    table.add_column("outcome")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    return table


def write_tables(tables: dict, out: Path, *, overwrite: bool = False) -> None:
    """Write every table as Parquet into `out`, atomically (a temporary folder renamed into place)."""
    with staged_folder(out, "--out", overwrite=overwrite) as staging:
        for name, frame in tables.items():
            frame.to_parquet(staging / f"{name}.parquet", index=False)


class DaskMode(str, Enum):
    local = "local"


def count_stored(bar, task, state: dict, results) -> None:
    """Advance the bar by the runs just stored; without a terminal, print a line every twentieth of the runs
    to do (the `on_stored` of sweeps and calibrations)."""
    state["done"] += len(results)
    bar.advance(task, len(results))
    step = max(1, state["todo"] // 20)
    err = consoles()[1]
    if not err.is_terminal and (state["done"] // step) != ((state["done"] - len(results)) // step):
        err.print(f"stored {state['done']}/{state['todo']} runs", highlight=False)
