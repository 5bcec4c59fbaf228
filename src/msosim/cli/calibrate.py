"""`msosim calibrate`: fit uncertain priors to the patterns (ABC) over the sweep executors and store."""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path
from typing import Annotated

import typer

from ..outputs import check_folder, check_new_file, fresh_file
from . import shared as cli
from .guards import OPTIONS, bounded, check_runs, design_configs, size_option
from .shared import DaskMode, count_stored


def calibrate(
    experiment: Annotated[Path, typer.Argument(help="calibration YAML file (e.g. experiments/calibrate_baseline.yaml)")],
    workers: Annotated[int | None, typer.Option(callback=bounded(OPTIONS, "workers"), help="worker processes (default: all cores); with --dask local, Dask workers")] = None,
    dask: Annotated[DaskMode | None, typer.Option(help="'local': run on a Dask LocalCluster on 127.0.0.1")] = None,
    scheduler: Annotated[str | None, typer.Option(help="address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786")] = None,
    store: Annotated[Path | None, typer.Option(help="DuckDB results store (default: the file's store:, else results/<name>.duckdb)")] = None,
    out: Annotated[Path | None, typer.Option(help="new file for the fitted fragment (default: the file's output:; a free sibling name if it exists)")] = None,
    into: Annotated[Path | None, typer.Option(help="replace this fragment file, e.g. data/calibrated.yaml (which scenarios/baseline.yaml extends)")] = None,
    chunk: Annotated[int | None, typer.Option(callback=bounded(OPTIONS, "chunk"), help="runs per task sent to a worker")] = None,
    report: Annotated[Path | None, typer.Option(help="new folder for samples.csv, posterior.csv and posterior.png")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace msosim's previous --report there")] = False,
    max_memory: Annotated[str | None, typer.Option(help="refuse runs expected to need more, e.g. 2G (default: the free memory)", callback=size_option)] = None,
) -> None:
    """Fit the uncertain priors to the patterns by ABC (rejection, or ABC-SMC with importance weights) and write the fitted scenario fragment and its weighted particles.

    Samples the prior ranges (SALib latin or sobol) and runs every sample in every variant (replication r with seed + r, the same for every sample) on the sweep executors into the results store.

    Accepts the closest quantile by the scaled distance to the targets (method smc: further generations proposed from the weighted population, tolerance shrinking, effective sample size printed), runs the weighted posterior median again to measure its distance, and writes the fitted fragment to a new file; it replaces data/calibrated.yaml, which scenarios/baseline.yaml extends, only when named with --into (fitted values, distance, sample sizes, seed, date, experiment hash, git commit).

    Runs already in the store are not run again: an interrupted calibration resumes with the same command.
    """
    from ..experiments.batch import RunFailed, progress_bar
    from ..experiments.calibrate import plan, run_calibration
    from ..experiments.experiment import ExperimentError
    from ..experiments.store import StoreError
    from ..experiments.executors import ExecutorError
    from ..outputs import OutputError

    if report is not None:
        check_folder(report, "--report", overwrite=overwrite)
    if out is not None and into is not None:
        cli.fail("--out and --into: value both given; allowed: one of them (a new file, or the file to replace)")
    if dask is not None and scheduler is not None:
        cli.fail("--dask and --scheduler: value both given; allowed: one of them (local cluster, or a running scheduler)")
    try:
        checked = plan(experiment)
    except ExperimentError as exc:
        cli.fail(str(exc))
    c = checked.calibration
    if into is not None:
        check_new_file(into, "--into", allowed=True)
    else:  # --out must be new; the file's output: goes to a free sibling name when it exists
        check_new_file(out if out is not None else fresh_file(Path(c.output)), "--out" if out is not None else "output")
    check_runs(design_configs(checked.samples.scenario_json), checked.samples.years,
               len(checked.samples.hashes) * c.replications, workers, max_memory, local=scheduler is None)
    path = store or c.store or Path("results") / f"{c.name}.duckdb"
    workers = workers or os.cpu_count() or 1
    bar = progress_bar(cli.err)
    task = bar.add_task("runs", total=None)
    state = {"total": 0, "todo": 0, "done": 0}

    def on_start(stage: str, total: int, todo: int) -> None:
        state.update(total=state["total"] + total, todo=todo, done=0)
        what = (f"{checked.size} samples x {len(c.variants)} variants x {c.replications} replications"
                if stage != "fitted" else f"fitted point x {len(c.variants)} variants x {c.replications} replications")
        cli.err.print(f"calibrate {c.name}, {stage}: {what} = {total} runs; {total - todo} already in {path}; {todo} to run",
                      highlight=False, soft_wrap=True)
        bar.reset(task, total=todo)
        bar.start()

    on_stored = functools.partial(count_stored, bar, task, state)

    started = time.perf_counter()
    try:
        result = run_calibration(experiment, workers=workers, dask=dask.value if dask else None, scheduler=scheduler,
                                 store=path, out=out, into=into, chunk=chunk, on_start=on_start, on_stored=on_stored)
    except (ExperimentError, ExecutorError, StoreError, OutputError) as exc:
        bar.stop()
        cli.fail(str(exc))
    except KeyboardInterrupt:
        bar.stop()
        cli.err.print(f"interrupted: finished runs are in {path}; run the same command again to resume",
                      highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    except RunFailed as exc:
        bar.stop()
        cli.fail(f"run failed: {exc} (finished runs are in {path})", code=1)
    bar.stop()
    _print(cli, result, time.perf_counter() - started)
    if report is not None:
        from ..reporting.calibration import write_report

        cli.console.print(f"report {', '.join(str(p) for p in write_report(result, report, overwrite=overwrite))}", highlight=False,
                          soft_wrap=True)


def _print(cli, result, wall: float) -> None:
    """The posterior table, the targets at the fitted values, and where the fragment went."""
    from rich.table import Table

    for number, g in enumerate(result.generations):
        cli.console.print(f"generation {number}: {g['accepted']} of {g['samples']} samples kept, tolerance "
                          f"{g['tolerance']:.3g}, effective sample size {g['ess']:.1f}", highlight=False, soft_wrap=True)
    posterior = Table(title=f"posterior: {result.accepted} of {len(result.samples)} samples accepted "
                            f"(distance <= {result.threshold:.3g}), weighted; effective sample size {result.ess:.1f}",
                      header_style="bold")
    for column in ("parameter", "prior", "mean", "median", "5%-95%", "fitted"):
        posterior.add_column(column, justify="left" if column == "parameter" else "right")
    for _, row in result.posterior.iterrows():
        posterior.add_row(row["parameter"], f"{row['prior_min']:.4g} .. {row['prior_max']:.4g}", f"{row['mean']:.4g}",
                          f"{row['median']:.4g}", f"{row['q05']:.4g} .. {row['q95']:.4g}",
                          f"{result.fitted[row['parameter']]:.4g}")
    cli.console.print(posterior)
    targets = Table(title=f"targets at the fitted values: distance {result.fitted_distance:.3f}", header_style="bold")
    for column in ("target", "variant.metric", "band", "value", "fitted", "scaled error"):
        targets.add_column(column, justify="left" if column in ("target", "variant.metric") else "right")
    from ..experiments.particles import particles_path
    from ..experiments.rejection import scaled_errors

    c = result.plan.calibration
    import pandas as pd

    errors = scaled_errors(pd.DataFrame([result.fitted_means]), c.targets).iloc[0]
    for tid, t in c.targets.items():
        targets.add_row(tid, f"{t.variant}.{t.metric}", f"{t.low:.4g} .. {t.high:.4g}",
                        "" if t.value is None else f"{t.value:.4g}", f"{result.fitted_means[tid]:.4g}", f"{errors[tid]:.3f}")
    cli.console.print(targets)
    where = "" if result.output is None else (f"; fitted values written to {result.output}, weighted particles to "
                                              f"{particles_path(result.output)}")
    cli.console.print(f"{result.runs} runs (stored or new) in {wall:.1f} s{where}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add calibrate to the `msosim` command."""
    app.command("calibrate")(calibrate)
