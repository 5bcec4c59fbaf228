"""`msosim optimize`: a robust, budget-neutral search for the lever mix; resumes from the store; writes a report."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer

from ..outputs import OutputError, check_folder
from . import shared as cli
from .guards import OPTIONS, bounded
from .shared import DaskMode


def optimize(
    optimisation: Annotated[Path, typer.Argument(help="optimisation YAML file (see experiments/land_budget.yaml)")],
    workers: Annotated[int | None, typer.Option(callback=bounded(OPTIONS, "workers"), help="worker processes (default: all cores)")] = None,
    store: Annotated[Path | None, typer.Option(help="DuckDB results store (default: the file's store:, else results/<name>.duckdb); a rerun re-uses its runs")] = None,
    report: Annotated[Path | None, typer.Option(help="new folder for the report (default: reports/<name>)")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace msosim's previous report there")] = False,
    lang: Annotated[str, typer.Option(help="language of the report: en or de")] = "en",
    dask: Annotated[DaskMode | None, typer.Option(help="'local': run on a Dask LocalCluster on 127.0.0.1")] = None,
    scheduler: Annotated[str | None, typer.Option(help="address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786")] = None,
) -> None:
    """Search the lever mix that spends the budget best (NSGA-II over robust objectives), check it, report it."""
    from ..experiments.batch import RunFailed
    from ..experiments.executors import ExecutorError, executor
    from ..experiments.experiment import ExperimentError
    from ..experiments.optimize import optimise
    from ..experiments.optimize_budget import target_budget
    from ..experiments.optimize_file import load_optimisation
    from ..experiments.store import Store, StoreError

    if lang not in ("en", "de"):
        cli.fail(f"--lang: value '{lang}': allowed: en, de")
    if dask is not None and scheduler is not None:
        cli.fail("--dask and --scheduler: value both given; allowed: one of them (local cluster, or a running scheduler)")
    try:
        loaded = load_optimisation(optimisation)
        target_budget(loaded)  # a budget of 0 or less fails here, before the store is made
        folder = report if report is not None else Path("reports") / loaded.spec.name
        check_folder(folder, "--report", overwrite=overwrite)
    except (ExperimentError, OutputError, ValueError) as exc:
        cli.fail(str(exc))
    path = store or loaded.store
    workers = workers or os.cpu_count() or 1
    spec = loaded.spec
    runs_each = spec.uncertainties.draws * spec.replications
    where = f"Dask scheduler {scheduler}" if scheduler else ("a Dask LocalCluster" if dask else f"{workers} worker(s)")
    bar = generation_bar()
    task = bar.add_task("generations", total=spec.search.generations)
    stored = {"runs": 0}
    started = time.perf_counter()

    def on_generation(generation: int, volume: float, points: int) -> None:
        bar.update(task, advance=1)
        message = (f"generation {generation + 1}/{spec.search.generations}: hypervolume {volume:.4f}, "
                   f"{points} Pareto points, {stored['runs']} runs made so far")
        bar.console.print(message, highlight=False) if cli.err.is_terminal else cli.err.print(message, highlight=False)

    def on_stored(count: int) -> None:
        stored["runs"] += count

    opened = None
    try:
        with executor(workers, dask.value if dask else None, scheduler) as execute:
            cli.err.print(f"optimize {spec.name}: {spec.search.algorithm}, {spec.search.generations} generations x "
                          f"{spec.search.population} candidates, each {spec.uncertainties.draws} draws x "
                          f"{spec.replications} seeds = {runs_each} runs; store {path}; {where}", highlight=False,
                          soft_wrap=True)
            opened = Store.open(path, create=True)
            bar.start()
            result = optimise(loaded, opened, execute, on_generation=on_generation, on_stored=on_stored,
                              on_phase=lambda text: cli.err.print(text, highlight=False))
    except (ExperimentError, StoreError, ExecutorError, ValueError) as exc:
        bar.stop()
        cli.fail(str(exc))
    except KeyboardInterrupt:
        bar.stop()
        cli.err.print(f"interrupted: {stored['runs']} new runs are in {path}; run the same command again to resume "
                      "(stored runs are not run again)", highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    except RunFailed as exc:
        bar.stop()
        cli.fail(f"run failed: {exc} ({stored['runs']} runs stored in {path})", code=1)
    finally:
        bar.stop()
        if opened is not None:
            opened.close()
    show(result, folder, overwrite, lang, time.perf_counter() - started)


def generation_bar():
    """A Rich progress bar of the search's generations: done of total, elapsed and remaining time."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("ETA"), TimeRemainingColumn(), console=cli.err)


def show(result, folder: Path, overwrite: bool, lang: str, wall: float) -> None:
    """Print the Pareto set and the check against today's mix, then write the report."""
    from rich.table import Table

    from ..reporting.optimize import check_rows, findings, write_report

    header, rows = check_rows(result, lang)
    table = Table(title=f"Pareto set re-evaluated with fresh seeds (budget {result.budget:,.0f} EUR/year): value "
                        "[95% interval], Δ to today's mix", header_style="bold")
    for column in header:
        table.add_column(column, justify="left" if column == "point" else "right")
    for row in rows:
        table.add_row(*[cell.replace("\n", " ") for cell in row])
    cli.console.print(table)
    for line in findings(result, lang):
        cli.console.print(line, highlight=False, soft_wrap=True)
    page = write_report(result, folder, overwrite=overwrite, lang=lang)
    cli.console.print(f"{result.runs} runs made in {wall:.1f} s (the rest from the store); report {page}; figure "
                      f"{folder / 'pareto_parallel.png'}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add optimize to the `msosim` command."""
    app.command("optimize")(optimize)
