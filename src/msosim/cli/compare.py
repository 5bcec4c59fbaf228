"""`msosim compare`, `msosim report` and `msosim export`: paired scenario comparisons through a results store."""

from __future__ import annotations

import os
import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..outputs import OutputError, check_files
from . import posterior as posterior_cli, shared as cli
from .guards import EXPERIMENT, SCENARIO, ResourceError, bounded, check_memory, one_line, run_size


class Lang(str, Enum):
    en = "en"
    de = "de"


class ExportFormat(str, Enum):
    parquet = "parquet"
    csv = "csv"


def _check_brief_file(path: Path | None) -> None:
    from ..reporting.findings_brief import is_own_brief

    if path is not None and (path.is_dir() or (path.exists() and not is_own_brief(path))):
        cli.fail(f"--brief: value '{path}': an existing file msosim did not write; allowed: a new PDF file name")


def _check_report_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        cli.fail(f"--report: value '{folder}': is a file; allowed: a folder for report.html and the PNGs")
    try:
        check_files(folder, ["report.html"], "--report")
    except OutputError as exc:
        cli.fail(str(exc))


def compare(
    scenarios: Annotated[list[Path], typer.Argument(help="scenario YAML files; the first is the reference")],
    reps: Annotated[int, typer.Option(callback=bounded(EXPERIMENT, "replications"), help="replications per scenario (rep i uses seed SEED + i)")] = 30,
    years: Annotated[float | None, typer.Option(help="years to simulate (default: each scenario's)", callback=bounded(SCENARIO, "years"))] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="worker processes (default: all cores)")] = None,
    seed: Annotated[int, typer.Option(callback=bounded(EXPERIMENT, "seed"), help="base seed: replication i of every scenario uses SEED + i")] = 1,
    store: Annotated[Path, typer.Option(help="DuckDB results store (runs already there are skipped)")] = Path("results/compare.duckdb"),
    report: Annotated[Path, typer.Option(help="folder for report.html and the PNG figures")] = Path("reports/compare"),
    lang: Annotated[Lang | None, typer.Option(help="language of the findings, table and report (default: from the locale)")] = None,
    budget_neutral: Annotated[bool, typer.Option(help="scale each scenario's budgets to the reference's public spending (within 1%)")] = False,
    brief: Annotated[Path | None, typer.Option(help="also write the one-page brief (PDF) to this file")] = None,
    keep_tables: Annotated[bool, typer.Option(help="also keep each run's events, grants and msos tables (Parquet files in <store>.tables/, listed in the store's run_tables)")] = False,
    posterior: Annotated[int | None, typer.Option(min=1, max=1000, help="draw N parameter sets from the calibration's weighted particles (--particles), each run --reps times; prints parameter uncertainty against chance per outcome")] = None,
    particles: Annotated[Path, typer.Option(help="weighted particles written by `msosim calibrate` (for --posterior)")] = Path("data/calibrated_particles.csv"),
) -> None:
    """Run replications of scenarios in parallel, store every run, print the findings and the paired comparison, write the report."""
    from ..experiments.batch import RunFailed, load_scenarios, progress_bar, run_comparison
    from ..reporting.costs import neutral_scenarios
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
    if years is not None and not 0 < years <= 200:
        cli.fail(f"--years: value {years:g}: allowed: greater than 0 and at most 200")
    _check_report_folder(report)
    try:
        for config in configs:
            check_memory(run_size(config), years or config.years, config.steps_per_year)
    except ResourceError as exc:
        cli.fail(str(exc))
    _check_brief_file(brief)
    if budget_neutral and len(configs) > 1:
        try:
            scaled = neutral_scenarios(configs, list(range(seed, seed + min(reps, 3))), years)
        except ValueError as exc:
            cli.fail(f"--budget-neutral: {exc}", code=1)
        configs = [config for config, _ in scaled]
        for config, result in scaled[1:]:
            cli.err.print(f"budget-neutral: {config.name}: budgets x {result.factor:.4f}, public spending "
                          f"{result.gap:+.2%} against {configs[0].name} ({result.iterations} evaluations on "
                          f"{min(reps, 3)} seed(s))", highlight=False, soft_wrap=True)
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
        cli.err.print(f"{total} runs planned ({len(configs)} scenarios x {reps} reps), {total - todo} already in "
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
                                       base_seed=seed, on_start=on_start, on_stored=on_stored, keep_tables=keep_tables)
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
    page = write_report(data, report, lang.value)
    posterior_cli.show(drawn, store, report, reps)
    if brief is not None:
        cli.console.print(f"brief {_write_brief(data, brief, lang.value)}", highlight=False)
    cli.console.print(f"{state['done']} runs in {time.perf_counter() - started:.1f} s; store {store}; report {page}",
                      highlight=False)


def report(
    store: Annotated[Path, typer.Argument(help="DuckDB results store written by `msosim compare`")],
    report: Annotated[Path | None, typer.Option(help="folder for report.html and the PNGs (default: reports/<store name>)")] = None,
    lang: Annotated[Lang | None, typer.Option(help="language of the findings, table and report (default: from the locale)")] = None,
    comparison: Annotated[str | None, typer.Option(help="comparison id (default: the last one recorded)")] = None,
) -> None:
    """Rebuild the findings, comparison table and report from a store, without running anything."""
    from ..experiments.store import Store, StoreError
    from ..reporting.findings_format import default_language
    from ..reporting.report import ReportError, console_table, load_report_data, write_report

    lang = lang or Lang(default_language())
    folder = report if report is not None else Path("reports") / store.stem
    _check_report_folder(folder)
    try:
        with Store.open(store) as opened:
            data = load_report_data(opened, comparison)
    except (StoreError, ReportError) as exc:
        cli.fail(str(exc))
    _print_findings(data, lang.value)
    cli.console.print(console_table(data, lang.value, cli.console.width))
    _print_provenance(data, lang.value)
    cli.console.print(f"report {write_report(data, folder, lang.value)}", highlight=False)


def export(
    store: Annotated[Path, typer.Argument(help="DuckDB results store written by `msosim compare`")],
    format: Annotated[ExportFormat, typer.Option("--format", help="file format")] = ExportFormat.parquet,
    out: Annotated[Path, typer.Option(help="folder for one file per table")] = Path("exports"),
) -> None:
    """Write every table of a store as Parquet (or CSV) files, one per table."""
    from ..experiments.store import Store, StoreError

    if out.exists() and not out.is_dir():
        cli.fail(f"--out: value '{out}': is a file; allowed: a folder")
    try:
        with Store.open(store) as opened:
            written = opened.export(out, format.value)
            counts = {name: opened.con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in opened.tables()}
    except StoreError as exc:
        cli.fail(str(exc))
    for path in written:
        cli.console.print(f"{path}  ({counts[path.stem]:,} rows)", highlight=False)


def _print_findings(data, lang: str) -> None:
    """The findings sentences first, as the report opens with them."""
    from ..reporting.findings_section import console_lines, from_report_data

    cli.console.print("\n".join(console_lines(from_report_data(data, lang))) + "\n", highlight=False, soft_wrap=True)


def _write_brief(data, path: Path, lang: str) -> Path:
    """The one-page brief (PDF) of the comparison."""
    from ..reporting.findings_brief import write_brief

    return write_brief(data, path, lang)


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
