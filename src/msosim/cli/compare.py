"""`msosim compare`, `msosim report` and `msosim export`: paired scenario comparisons through a results store."""

from __future__ import annotations

import os
import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..outputs import OutputError, check_folder, check_new_file, staged_file
from . import posterior as posterior_cli, shared as cli
from .guards import EXPERIMENT, OPTIONS, SCENARIO, bounded, check_kept_tables, check_runs, one_line, size_option


class Lang(str, Enum):
    en = "en"
    de = "de"


class ExportFormat(str, Enum):
    parquet = "parquet"
    csv = "csv"


def _brief_in_report(brief: Path | None, report: Path) -> bool:
    """Whether the brief goes into the report folder (then it is one of the report's files)."""
    return brief is not None and brief.resolve().parent == report.resolve()


def _check_outputs(report: Path, brief: Path | None, overwrite: bool) -> None:
    """Refuse, before any run, a report folder or brief file msosim may not write (outputs' folder and file rules)."""
    from ..reporting.findings_brief import is_own_brief

    check_folder(report, "--report", overwrite=overwrite)
    if brief is None or _brief_in_report(brief, report):
        return
    if brief.resolve().is_relative_to(report.resolve()):
        raise OutputError(f"--brief: value '{brief}': inside a sub-folder of --report; allowed: a file directly in "
                          "the report folder, or outside it")
    own = brief.is_file() and is_own_brief(brief)
    check_new_file(brief, "--brief", allowed=own and overwrite,
                   hint="add --overwrite" if own else "choose a new name (msosim did not write this file)")


def compare(
    scenarios: Annotated[list[Path], typer.Argument(help="scenario YAML files; the first is the reference")],
    reps: Annotated[int, typer.Option(callback=bounded(EXPERIMENT, "replications"), help="replications per scenario (rep i uses seed SEED + i)")] = 30,
    years: Annotated[float | None, typer.Option(help="years to simulate (default: each scenario's)", callback=bounded(SCENARIO, "years"))] = None,
    workers: Annotated[int | None, typer.Option(callback=bounded(OPTIONS, "workers"), help="worker processes (default: all cores)")] = None,
    batch: Annotated[int | None, typer.Option(callback=bounded(OPTIONS, "batch"), help="replications of a scenario run together in one set of arrays, the same results (default: from the population size and the workers; 1: one by one)")] = None,
    seed: Annotated[int, typer.Option(callback=bounded(EXPERIMENT, "seed"), help="base seed: replication i of every scenario uses SEED + i")] = 1,
    store: Annotated[Path, typer.Option(help="DuckDB results store (runs already there are skipped)")] = Path("results/compare.duckdb"),
    report: Annotated[Path, typer.Option(help="folder for report.html and the PNG figures")] = Path("reports/compare"),
    lang: Annotated[Lang | None, typer.Option(help="language of the findings, table and report (default: from the locale)")] = None,
    budget_neutral: Annotated[bool, typer.Option(help="scale each scenario's budgets to the reference's public spending (within 1%)")] = False,
    brief: Annotated[Path | None, typer.Option(help="also write the one-page brief to this file (PDF; HTML for a name ending in .html)")] = None,
    keep_tables: Annotated[bool, typer.Option(help="also keep each run's events, grants and msos tables (Parquet files in <store>.tables/, listed in the store's run_tables)")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace msosim's previous report (and brief) there")] = False,
    max_memory: Annotated[str | None, typer.Option(help="refuse runs expected to need more, e.g. 2G (default: the free memory)", callback=size_option)] = None,
    posterior: Annotated[int | None, typer.Option(min=1, max=1000, help="draw N parameter sets from the calibration's weighted particles (--particles), each run --reps times; prints parameter uncertainty against chance per outcome")] = None,
    particles: Annotated[Path | None, typer.Option(help="weighted particles written by `msosim calibrate` (for --posterior; default: the calibration msosim ships, data/calibrated_particles.csv)")] = None,
) -> None:
    """Run replications of scenarios in parallel, store every run, print the findings and the paired comparison, write the report."""
    from ..experiments.batch import RunFailed, load_scenarios, progress_bar, run_comparison
    from ..reporting.costs import neutral_scenarios
    from ..reporting.findings import budget_neutral_line
    from ..reporting.findings_format import default_language
    from ..reporting.report import console_table, load_report_data, write_report
    from ..scenario import ScenarioError
    from ..experiments.store import Store, StoreError

    lang = lang or Lang(default_language())
    try:
        configs = load_scenarios(scenarios)
    except ScenarioError as exc:
        *others, last = str(exc).splitlines()
        for line in others:
            cli.err.print(f"[bold red]error:[/] {escape(one_line(line))}", highlight=False, soft_wrap=True)
        cli.fail(last)
    _check_outputs(report, brief, overwrite)
    if keep_tables:
        check_kept_tables(store)
    check_runs(configs, years, reps * len(configs), workers, max_memory)
    if budget_neutral and len(configs) > 1:
        try:
            scaled = neutral_scenarios(configs, list(range(seed, seed + min(reps, 3))), years)
        except ValueError as exc:
            cli.fail(f"--budget-neutral: {exc}", code=1)
        configs = [config for config, _ in scaled]
        for config, result in scaled[1:]:
            cli.err.print(budget_neutral_line(config.name, configs[0].name, result.factor, result.gap, result.iterations,
                                              min(reps, 3), lang.value), highlight=False, soft_wrap=True)
    if particles is None:  # the shipped calibration's particles, wherever the command runs from
        from importlib import resources

        particles = Path(str(resources.files("msosim.data").joinpath("calibrated_particles.csv")))
    drawn = posterior_cli.prepare(particles, posterior, seed, configs)
    workers = workers or os.cpu_count() or 1
    try:
        opened = Store.open(store, create=True)
    except StoreError as exc:
        cli.fail(str(exc))
    started = time.perf_counter()
    bar = progress_bar(cli.err)
    task = bar.add_task("runs", total=None)
    state = {"total": 0, "todo": 0, "done": 0}

    def on_start(total: int, todo: int) -> None:
        state.update(total=total, todo=todo)
        plan = f"{todo} to run on {min(workers, todo)} worker(s)" if todo else "0 to run"
        draws = f"{posterior} draws x " if posterior else ""
        cli.err.print(f"{total} runs planned ({len(configs)} scenarios x {draws}{reps} reps), {total - todo} already in "
                      f"{store}, {plan}", highlight=False, soft_wrap=True)
        bar.update(task, total=todo)
        bar.start()

    def on_stored(result) -> None:
        state["done"] += 1
        bar.advance(task)
        if not cli.err.is_terminal and state["done"] % max(1, state["todo"] // 100) == 0:
            cli.err.print(f"stored {state['done']}/{state['todo']}: {result.spec.scenario_name} seed "
                          f"{result.spec.seed} ({result.wall_seconds:.2f} s)", highlight=False, soft_wrap=True)

    try:
        comparison_id = (run_comparison if drawn is None else drawn.run)(opened, configs, scenarios, reps=reps, years=years, workers=workers,
                                       base_seed=seed, on_start=on_start, on_stored=on_stored, keep_tables=keep_tables,
                                       batch=batch)
    except KeyboardInterrupt:
        bar.stop()
        opened.close()
        cli.err.print(f"interrupted: {state['total'] - state['todo'] + state['done']} of {state['total']} runs are "
                      f"in {store}; run the same command again to resume", highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    except RunFailed as exc:
        bar.stop()
        opened.close()
        cli.fail(f"run failed: {exc} ({state['done']} runs stored in {store})", code=1)
    bar.stop()
    with opened:
        data = load_report_data(opened, comparison_id)
    _print_findings(data, lang.value)
    cli.console.print(console_table(data, lang.value, cli.console.width))
    _print_provenance(data, lang.value)
    inside = _brief_in_report(brief, report)
    extra = {brief.name: lambda path: _write_brief(data, path, lang.value, brief.name)} if inside else None
    extra = posterior_cli.show(drawn, store, reps, extra)
    page = write_report(data, report, lang.value, overwrite=overwrite, extra=extra)
    if brief is not None and not inside:
        with staged_file(brief, "--brief", allowed=overwrite) as staging:
            _write_brief(data, staging, lang.value, brief.name)
    if brief is not None:
        cli.console.print(f"brief {brief}", highlight=False)
    cli.console.print(f"{state['done']} runs in {time.perf_counter() - started:.1f} s; store {store}; report {page}",
                      highlight=False)


def report(
    store: Annotated[Path, typer.Argument(help="DuckDB results store written by `msosim compare`")],
    report: Annotated[Path | None, typer.Option(help="folder for report.html and the PNGs (default: reports/<store name>)")] = None,
    lang: Annotated[Lang | None, typer.Option(help="language of the findings, table and report (default: from the locale)")] = None,
    comparison: Annotated[str | None, typer.Option(help="comparison id (default: the last one recorded)")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace msosim's previous report there")] = False,
) -> None:
    """Rebuild the findings, comparison table and report from a store, without running anything."""
    from ..experiments.store import Store, StoreError
    from ..reporting.findings_format import default_language
    from ..reporting.report import ReportError, console_table, load_report_data, write_report

    lang = lang or Lang(default_language())
    folder = report if report is not None else Path("reports") / store.stem
    check_folder(folder, "--report", overwrite=overwrite)
    try:
        with Store.open(store) as opened:
            data = load_report_data(opened, comparison)
    except (StoreError, ReportError) as exc:
        cli.fail(str(exc))
    _print_findings(data, lang.value)
    cli.console.print(console_table(data, lang.value, cli.console.width))
    _print_provenance(data, lang.value)
    cli.console.print(f"report {write_report(data, folder, lang.value, overwrite=overwrite)}", highlight=False)


def export(
    store: Annotated[Path, typer.Argument(help="DuckDB results store written by `msosim compare`")],
    format: Annotated[ExportFormat, typer.Option("--format", help="file format")] = ExportFormat.parquet,
    out: Annotated[Path, typer.Option(help="new folder for one file per table")] = Path("exports"),
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace msosim's previous export there")] = False,
) -> None:
    """Write every table of a store as Parquet (or CSV) files, one per table."""
    from ..experiments.store import Store, StoreError

    check_folder(out, "--out", overwrite=overwrite)
    try:
        with Store.open(store) as opened:
            written = opened.export(out, format.value, overwrite=overwrite)
            counts = {name: opened.con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in opened.tables()}
    except StoreError as exc:
        cli.fail(str(exc))
    for path in written:
        cli.console.print(f"{path}  ({counts[path.stem]:,} rows)", highlight=False)


def _print_findings(data, lang: str) -> None:
    """The findings sentences first, as the report opens with them."""
    from ..reporting.findings_section import console_lines, from_report_data

    cli.console.print("\n".join(console_lines(from_report_data(data, lang))) + "\n", highlight=False, soft_wrap=True)


def _write_brief(data, path: Path, lang: str, name: str) -> Path:
    """The one-page brief of the comparison (PDF, or HTML for a `name` ending in .html), by the findings' own code."""
    from ..reporting.findings_brief import brief_of_report, write_brief

    return write_brief(brief_of_report(data, lang), path, lang, name)


def _print_provenance(data, lang: str) -> None:
    """Per scenario: content hash, runs, wall time; then one line of versions and commits."""
    from rich.table import Table

    from ..i18n import label
    from ..reporting.report import provenance_line, provenance_rows

    table = Table(title=label("provenance", lang), show_header=True, header_style="bold")
    fields = ["scenario_hash", "runs", "seeds", "wall_time"]
    for name in ["scenario", *fields]:
        table.add_column(label(name, lang), overflow="fold")
    for record in provenance_rows(data, lang):
        table.add_row(record["scenario"], *(record[f] for f in fields))
    console = cli.console
    console.print(table)
    console.print(provenance_line(data), highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add compare, report and export to the `msosim` command."""
    app.command("compare")(compare)
    app.command("report")(report)
    app.command("export")(export)
