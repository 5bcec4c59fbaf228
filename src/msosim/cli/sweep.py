"""`msosim sweep` and `msosim analyze`: parameter sweeps through the results store, and their analysis."""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path
from typing import Annotated

import typer

from ..outputs import check_folder
from . import shared as cli
from .guards import EXPERIMENT, OPTIONS, bounded, check_kept_tables, check_runs, design_configs, size_option
from .shared import DaskMode, count_stored


def sweep(
    experiment: Annotated[Path, typer.Argument(help="experiment YAML file (see experiments/)")],
    workers: Annotated[int | None, typer.Option(callback=bounded(OPTIONS, "workers"), help="worker processes (default: all cores); with --dask local, Dask workers")] = None,
    dask: Annotated[DaskMode | None, typer.Option(help="'local': run on a Dask LocalCluster on 127.0.0.1")] = None,
    scheduler: Annotated[str | None, typer.Option(help="address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786")] = None,
    store: Annotated[Path | None, typer.Option(help="DuckDB results store (default: the experiment's store:, else results/<name>.duckdb)")] = None,
    chunk: Annotated[int | None, typer.Option(callback=bounded(OPTIONS, "chunk"), help="runs per task sent to a worker, whole batches (default: about 16 tasks per worker, at most 16 runs)")] = None,
    batch: Annotated[int | None, typer.Option(callback=bounded(OPTIONS, "batch"), help="runs of points that differ only in policy levers (replications included) run together in one set of arrays, the same results (default: from the population size and the workers, at most --chunk; 1: one by one)")] = None,
    n: Annotated[int | None, typer.Option("--n", callback=bounded(EXPERIMENT, "n"), help="sample size, replacing the file's n: (a new sweep)")] = None,
    reps: Annotated[int | None, typer.Option(callback=bounded(EXPERIMENT, "replications"), help="replications per point, replacing the file's replications:")] = None,
    years: Annotated[float | None, typer.Option(callback=bounded(EXPERIMENT, "years"), help="years per run, replacing the file's years:")] = None,
    keep_tables: Annotated[bool, typer.Option(help="also keep each run's events, grants and msos tables (Parquet files in <store>.tables/, listed in the store's run_tables)")] = False,
    max_memory: Annotated[str | None, typer.Option(help="refuse runs expected to need more, e.g. 2G (default: the free memory)", callback=size_option)] = None,
) -> None:
    """Run (or resume) a parameter sweep: sample, run every point's replications, store each chunk as it returns."""
    from ..experiments.batch import RunFailed, progress_bar
    from ..experiments.design import plan
    from ..experiments.experiment import ExperimentError
    from ..experiments.store import Store, StoreError
    from ..experiments.executors import ExecutorError, executor
    from ..experiments.sweep import run_design

    if dask is not None and scheduler is not None:
        cli.fail("--dask and --scheduler: value both given; allowed: one of them (local cluster, or a running scheduler)")
    try:
        design = plan(experiment, n=n, replications=reps, years=years)
    except ExperimentError as exc:
        cli.fail(str(exc))
    check_runs(design_configs(design.scenario_json), design.years, len(design.hashes) * design.experiment.replications,
               workers, max_memory, local=scheduler is None)
    workers = workers or os.cpu_count() or 1
    path = store or design.store
    if keep_tables:
        check_kept_tables(path)
    where = f"Dask scheduler {scheduler}" if scheduler else ("a Dask LocalCluster" if dask else "a process pool")
    started = time.perf_counter()
    bar = progress_bar(cli.err)
    task = bar.add_task("runs", total=None)
    state = {"total": 0, "todo": 0, "done": 0}

    def on_start(total: int, todo: int) -> None:
        state.update(total=total, todo=todo)
        e = design.experiment
        cli.err.print(f"sweep {e.name} ({design.sweep_id}): {len(design.hashes)} points x {e.replications} "
                      f"replications = {total} runs ({e.sampler}, n={e.n}); {total - todo} already in {path}; "
                      f"{todo} to run on {where}", highlight=False, soft_wrap=True)
        bar.update(task, total=todo)
        bar.start()

    on_stored = functools.partial(count_stored, bar, task, state)

    opened = None
    try:
        with executor(workers, dask.value if dask else None, scheduler) as execute:
            opened = Store.open(path, create=True)
            run_design(opened, design, execute, size=chunk, on_start=on_start, on_stored=on_stored,
                       keep_tables=keep_tables, batch=batch)
    except (ExecutorError, StoreError) as exc:
        bar.stop()
        cli.fail(str(exc))
    except KeyboardInterrupt:
        bar.stop()
        cli.err.print(f"interrupted: {state['total'] - state['todo'] + state['done']} of {state['total']} runs are in "
                      f"{path}; run the same command again to resume", highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    except RunFailed as exc:
        bar.stop()
        cli.fail(f"run failed: {exc} ({state['done']} runs stored in {path})", code=1)
    finally:
        if opened is not None:
            opened.close()
    bar.stop()
    wall = time.perf_counter() - started
    rate = f", {state['done'] / wall:.2f} runs/s" if state["done"] and wall > 0 else ""
    cli.console.print(f"{state['done']} runs in {wall:.1f} s{rate}; sweep {design.sweep_id} complete in {path}; "
                      f"analyse with `msosim analyze {path} --report reports/{design.experiment.name}`",
                      highlight=False, soft_wrap=True)


def analyze(
    store: Annotated[Path, typer.Argument(help="DuckDB results store written by `msosim sweep`")],
    sweep: Annotated[str | None, typer.Option(help="sweep name or id (default: the last one recorded)")] = None,
    report: Annotated[Path | None, typer.Option(help="folder for CSV tables, PNG figures and report.html (default: reports/<sweep name>)")] = None,
    prim: Annotated[str | None, typer.Option(help="scenario discovery: a condition on outcomes per run, e.g. 'alive_end < 0.8 * alive_start' (default: the experiment's prim:)")] = None,
    prim_density: Annotated[float, typer.Option(callback=bounded(OPTIONS, "prim_density"), help="PRIM: least density of the chosen box")] = 0.8,
    outcome: Annotated[list[str] | None, typer.Option(help="outcome to analyse (repeatable; default: the experiment's outcomes)")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace msosim's previous report there")] = False,
) -> None:
    """Sobol or Morris indices of a stored sweep, and PRIM boxes; writes CSV, PNG and a self-contained HTML."""
    from rich.table import Table

    from ..experiments.sensitivity import AnalysisError, analyze_sweep
    from ..experiments.store import Store, StoreError

    if report is not None:
        check_folder(report, "--report", overwrite=overwrite)
    try:
        with Store.open(store) as opened:
            name = sweep
            if report is None:
                row = opened.sweep(sweep)
                name = row["name"].iloc[0] if not row.empty else None
            folder = report if report is not None else Path("reports") / (name or store.stem)
            check_folder(folder, "--report", overwrite=overwrite)
            result = analyze_sweep(opened, sweep=sweep, report=folder, prim=prim, prim_density=prim_density,
                                  outcomes=outcome, overwrite=overwrite)
    except (StoreError, AnalysisError) as exc:
        cli.fail(str(exc))
    for title, table, columns in (("Sobol indices", result.sobol, ["S1", "S1_conf", "ST", "ST_conf"]),
                                  ("Morris screening", result.morris, ["mu_star", "mu_star_conf", "sigma"])):
        if table is None:
            continue
        shown = Table(title=f"{title}: sweep {result.sweep['name']} ({result.sweep['sweep_id']})", header_style="bold")
        for column in ["outcome", "parameter", *columns, "flags"]:
            shown.add_column(column, justify="right" if column in columns else "left", overflow="fold")
        order = table.sort_values(["outcome", columns[0]], ascending=[True, False])
        for _, r in order.groupby("outcome", sort=False).head(8).iterrows():
            shown.add_row(r["outcome"], r["parameter"], *(f"{r[c]:.3f}" for c in columns), r["flags"])
        cli.console.print(shown)
    if result.prim is not None:
        p = result.prim
        cli.console.print(f"PRIM '{p.condition}': {p.cases} of {p.total} runs; box {p.chosen}: coverage "
                          f"{p.stats['coverage']:.2f}, density {p.stats['density']:.2f}, mass {p.stats['mass']:.2f}",
                          highlight=False)
        for _, r in p.box.iterrows():
            low, high, first, last = (f"{v:.4g}" if isinstance(v, float) else v
                                      for v in (r["min"], r["max"], r["range_min"], r["range_max"]))
            cli.console.print(f"  {r['parameter']}: {low} .. {high} (sampled {first} .. {last})", highlight=False)
    for text in result.warnings:
        cli.err.print(f"[bold yellow]warning:[/] {text}", highlight=False, soft_wrap=True)
    for note in result.notes:
        cli.err.print(f"note: {note}", highlight=False, soft_wrap=True)
    cli.console.print(f"report {result.report}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add sweep and analyze to the `msosim` command."""
    app.command("sweep")(sweep)
    app.command("analyze")(analyze)
