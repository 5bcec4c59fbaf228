"""`msosim validate`: pattern-oriented checks of the baseline, PASS/FAIL per pattern and literature direction."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from . import shared as cli
from ..outputs import check_folder
from .guards import EXPERIMENT, OPTIONS, SCENARIO, bounded, check_runs, size_option


class Scale(str, Enum):
    national = "national"
    land = "land"
    district = "district"


def checks_table(result, width: int = 200):
    """The checks as a Rich table, one section per pattern or direction: id, target, measured [95% CI], status,
    detail (below the target when the console is narrower than 120 columns)."""
    from rich.markup import escape
    from rich.table import Table

    from ..reporting.validation import format_measured

    plan, wide = result.plan, width >= 120
    title = (f"Validation: {len(plan.scenarios)} scenarios x {plan.reps} runs, {plan.years:g} years "
             f"(long calm run: {plan.long_reps} x {plan.long_years:g} years), "
             f"scale {plan.scenarios['baseline'].population.scale}")
    table = Table(title=title, show_header=True, header_style="bold",
                  caption="measured: mean [95% t-interval] over replications; PASS: the whole interval meets the target",
                  caption_justify="left")
    columns = [("id", "left"), ("target", "left"), ("measured [95% CI]", "right"), ("status", "left")]
    for name, justify in columns + ([("detail", "left")] if wide else []):
        table.add_column(name, justify=justify, overflow="fold")
    style = {"PASS": "green", "FAIL": "bold red", "N/A": "yellow"}
    for group, rows in result.checks.groupby("group", sort=False):
        table.add_row("", f"[bold]{escape(group)}[/]", "", "", *([""] if wide else []))
        for i, (_, row) in enumerate(rows.iterrows()):
            target = escape(row["target"]) + ("" if wide or not row["detail"] else f"\n[dim]{escape(row['detail'])}[/]")
            cells = [row["id"], target, format_measured(row), f"[{style[row['status']]}]{row['status']}[/]"]
            table.add_row(*cells, *([escape(row["detail"])] if wide else []), end_section=i == len(rows) - 1)
    return table


def validate(
    reps: Annotated[int, typer.Option(callback=bounded(EXPERIMENT, "replications"), help="replications per scenario (rep i uses seed SEED + i)")] = 10,
    years: Annotated[float, typer.Option(help="years to simulate", callback=bounded(SCENARIO, "years"))] = 10.0,
    workers: Annotated[int | None, typer.Option(callback=bounded(OPTIONS, "workers"), help="worker processes (default: all cores)")] = None,
    scale: Annotated[Scale, typer.Option(help="population scale (district: a quick check; targets are national)")] = Scale.national,
    seed: Annotated[int, typer.Option(callback=bounded(EXPERIMENT, "seed"), help="base seed: replication i of every scenario uses SEED + i")] = 1,
    report: Annotated[Path | None, typer.Option(help="new folder for report.html and one PNG per pattern")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace msosim's previous report there")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="exit 1 if any check does not pass (FAIL or N/A)")] = False,
    baseline: Annotated[Path, typer.Option(help="baseline scenario file")] = Path("scenarios/baseline.yaml"),
    institutional: Annotated[Path, typer.Option(help="institutional-funding scenario file")] = Path("scenarios/institutional.yaml"),
    max_memory: Annotated[str | None, typer.Option(help="refuse runs expected to need more, e.g. 2G (default: the free memory)", callback=size_option)] = None,
    long_years: Annotated[float, typer.Option(help="years of the long calm run (checks 7a-7g)", callback=bounded(SCENARIO, "years"))] = 50.0,
    long_reps: Annotated[int, typer.Option(min=0, max=1000, help="replications of the long calm run (the first of --reps; 0: none)")] = 5,
) -> None:
    """Run the baseline and its counterfactuals, check the calibration patterns and literature directions."""
    from ..experiments.batch import RunFailed, progress_bar
    from ..scenario import ScenarioError
    from ..experiments.validate import build_plan, run_plan
    from ..reporting.validation import write_report

    if report is not None:
        check_folder(report, "--report", overwrite=overwrite)
    try:
        plan = build_plan(baseline, institutional, reps=reps, years=years, scale=scale.value, base_seed=seed,
                          long_years=long_years, long_reps=long_reps)
    except ScenarioError as exc:
        cli.fail(str(exc))
    if plan.long_reps and long_years < 1.0:  # the long run's checks compare whole years (its table failed below 2 steps)
        cli.fail(f"--long-years: value '{long_years:g}': shorter than a year; allowed: at least 1 year, or --long-reps 0")
    jobs = len(plan.jobs())
    check_runs(list(plan.scenarios.values()), years, jobs, workers, None, local=False)  # --years: at least one step
    check_runs(list(plan.scenarios.values()), max(years, long_years if plan.long_reps else 0.0), jobs, workers,
               max_memory)
    workers = workers or os.cpu_count() or 1
    cli.err.print(f"{jobs} runs ({', '.join(plan.scenarios)} x {reps} reps; long_calm: {plan.long_reps} x "
                  f"{plan.long_years:g} years) on {min(workers, jobs)} worker(s)",
                  highlight=False, soft_wrap=True)
    bar = progress_bar(cli.err)
    task = bar.add_task("runs", total=jobs)
    bar.start()
    try:
        result = run_plan(plan, workers=workers, on_result=lambda measured: bar.advance(task))
    except KeyboardInterrupt:
        bar.stop()
        cli.err.print("interrupted", highlight=False)
        raise typer.Exit(130) from None
    except RunFailed as exc:
        bar.stop()
        cli.fail(f"run failed: {exc}", code=1)
    bar.stop()
    cli.console.print(checks_table(result, cli.console.width))
    passed = int((result.checks["status"] == "PASS").sum())
    cli.console.print(f"{passed} of {len(result.checks)} checks pass; {jobs} runs in {result.wall_seconds:.1f} s",
                      highlight=False)
    if report is not None:
        cli.console.print(f"report {write_report(result, report, overwrite=overwrite)}", highlight=False)
    if strict and not result.passed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add validate to the `msosim` command."""
    app.command("validate")(validate)
