"""Comparison report from a results store: the outcome table, figures (PNG) and a self-contained report.html."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..experiments import analysis
from ..experiments.batch import summarise
from ..experiments.store import Store
from ..i18n import label
from ..outputs import write_folder
from .figures import COLORS, band_panel, new_figure, png_bytes
from .findings import MEASURES
from .findings_format import localise_axes, number, plain, text
from .findings_section import from_report_data, render as render_findings, window_of
from .page import STYLE, render_page

# The outcomes of the comparison table, in order, with their number format.
OUTCOMES: tuple[tuple[str, str], ...] = (
    ("alive_end", ",.0f"), ("dissolved_total", ",.0f"), ("initial_cohort_survival", ".1%"),
    ("volunteers_end", ",.0f"), ("mean_burnout", ".3f"), ("volunteer_turnover", ".1%"),
    ("staff_fte_end", ",.0f"), ("staff_lost_at_cliff", ",.0f"), ("service_coverage", ".1%"),
    ("time_limited_share", ".1%"), ("funding_gini", ".3f"), ("ties_per_mso_end", ".2f"),
    ("coop_municipality_end", ",.0f"), ("mean_trust_end", ".3f"), ("public_money_per_service_hour", ",.2f"),
)
SERIES = ("year", "alive", "staff_fte", "volunteers", "mean_burnout", "service_coverage", "funding_gini",
          "revenue_concentration", "time_limited_share")


class ReportError(Exception):
    """The store holds nothing to report."""


@dataclass
class ReportData:
    """Everything a report shows, read from a store."""

    store_path: str
    comparison: pd.DataFrame
    outcomes: pd.DataFrame
    summary: pd.DataFrame
    runs: pd.DataFrame
    steps: pd.DataFrame
    lifetimes: pd.DataFrame

    @property
    def names(self) -> list[str]:
        return self.comparison["scenario_name"].tolist()


def load_report_data(store: Store, comparison_id: str | None = None) -> ReportData:
    """Read a comparison (default: the last one recorded) and its runs from a store."""
    comparison = store.comparison(comparison_id)
    if comparison.empty and comparison_id is not None:
        raise ReportError(f"{store.path}: no comparison with id {comparison_id!r}; see the comparisons table")
    if comparison.empty:
        raise ReportError(f"{store.path}: the store holds no comparison; run `msosim compare ... --store {store.path}`")
    cid = comparison["comparison_id"].iloc[0]
    outcomes = store.select("outcomes", cid)
    if outcomes.empty:
        raise ReportError(f"{store.path}: comparison {cid} has no finished runs yet; run the same compare command")
    runs = store.select("runs", cid)
    steps = store.select("model_steps", cid, [c for c in SERIES if c in store.columns("model_steps")])
    lifetimes = store.select("mso_lifetimes", cid, ["initial", "staffed_start", "died_step"])
    return ReportData(store.path, comparison, outcomes, summarise(outcomes), runs, steps,
                      lifetimes[lifetimes["initial"]])


# -- numbers ------------------------------------------------------------------------------------

def format_value(value: float, spec: str, lang: str, signed: bool = False) -> str:
    """A number in the outcome's format; shares as % (differences of shares in percentage points)."""
    if value is None or not math.isfinite(value):
        return label("na", lang)
    sign = "+" if signed else ""
    if spec.endswith("%"):
        digits = int(spec[1:-1] or 0)
        text = f"{value * 100:{sign},.{digits}f}" + (" pp" if signed else "%")
    else:
        text = f"{value:{sign}{spec}}"
    if lang == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".").replace("%", " %").replace(" pp", " PP")
    return text


def format_interval(mean: float, low: float, high: float, spec: str, lang: str, signed: bool = False,
                    joiner: str = " ") -> str:
    """`mean [low, high]` (German: `[low; high]`), or the mean alone without an interval."""
    centre = format_value(mean, spec, lang, signed)
    if not (math.isfinite(low) and math.isfinite(high)):
        return centre
    separator = "; " if lang == "de" else ", "
    return f"{centre}{joiner}[{format_value(low, spec, lang, signed)}{separator}{format_value(high, spec, lang, signed)}]"


def table_rows(data: ReportData, lang: str, joiner: str = " ") -> tuple[list[str], list[list[str]]]:
    """Header and rows of the comparison table: outcome, per scenario mean [CI], per other scenario Δ [CI]."""
    names = data.names
    header = [label("outcome", lang), *names, *(label("diff_short", lang, name=n) for n in names[1:])]
    summary = data.summary.set_index(["outcome", "position"])
    window = window_of(data)
    rows = []
    for outcome, spec in OUTCOMES:
        if outcome not in summary.index.get_level_values(0):
            continue
        row = [f"{label(outcome, lang)} ({window.header(MEASURES[outcome].kind, lang)})"]
        for position in range(len(names)):
            s = summary.loc[(outcome, position)] if (outcome, position) in summary.index else None
            row.append(label("na", lang) if s is None
                       else format_interval(s["mean"], s["low"], s["high"], spec, lang, joiner=joiner))
        for position in range(1, len(names)):
            s = summary.loc[(outcome, position)] if (outcome, position) in summary.index else None
            row.append(label("na", lang) if s is None or "diff" not in s or pd.isna(s.get("diff"))
                       else format_interval(s["diff"], s["diff_low"], s["diff_high"], spec, lang, True, joiner))
        rows.append(row)
    return header, rows


def notes(data: ReportData, lang: str) -> list[str]:
    """The sentences under the table: common random numbers, interval definition, completeness."""
    c = data.comparison.iloc[0]
    seeds = f"{int(c['base_seed'])}-{int(c['base_seed'] + c['reps'] - 1)}" if c["reps"] > 1 else str(int(c["base_seed"]))
    counts = data.runs.groupby("position").size()
    n = int(counts.min()) if counts.size else 0
    expected = int(data.comparison["reps"].sum())
    result = [label("note_interval", lang, n=n)]
    if len(data.names) > 1:
        result[:0] = [label("diff_vs", lang, ref=data.names[0]), label("note_crn", lang, seeds=seeds, ref=data.names[0])]
    if len(data.runs) < expected:
        result.append(label("note_partial", lang, done=len(data.runs), expected=expected))
    versions = data.runs[["msosim_version", "git_commit"]].drop_duplicates()
    if len(versions) > 1:
        result.append(label("note_mixed_code", lang, count=len(versions)))
    return result


def console_table(data: ReportData, lang: str = "en", width: int = 200):
    """The comparison as a Rich table: one column per scenario, or (narrower than 110) one row per scenario."""
    from rich.table import Table

    c = data.comparison.iloc[0]
    title = label("table_title", lang, title=label("title", lang), scenarios=len(data.names), reps=int(c["reps"]),
                  years=f"{c['years']:g}")
    table = Table(title=title, show_header=True, header_style="bold", caption="\n".join(notes(data, lang)),
                  caption_justify="left")
    header, rows = table_rows(data, lang, joiner="\n")
    if width >= 110:
        for i, name in enumerate(header):
            table.add_column(name, justify="left" if i == 0 else "right", overflow="fold", min_width=14 if i == 0 else None)
        for row in rows:
            table.add_row(*row)
        return table
    names = data.names
    for i, name in enumerate((label("outcome", lang), label("scenario", lang), label("mean_ci_short", lang),
                              label("diff_short", lang, name=""))):
        # The outcome and the scenario name may wrap, the numbers may not; the outcome keeps a readable width
        # even beside a long scenario name ("institutional (budget-neutral)").
        table.add_column(name.strip(), overflow="fold", no_wrap=i >= 2, justify="right" if i >= 2 else "left",
                         min_width=14 if i == 0 else None)
    for row in rows:
        for position, name in enumerate(names):
            diff = row[len(names) + position] if position > 0 else ""
            table.add_row(row[0] if position == 0 else "", name, row[1 + position], diff,
                          end_section=position == len(names) - 1)
    return table


def dirty(value) -> bool:
    """Whether a run's `git_dirty` says its code had uncommitted changes (NULL: msosim ran outside a git checkout,
    e.g. installed from a wheel, so nothing is known; not dirty)."""
    return value is not None and not pd.isna(value) and bool(value)


def provenance_line(data: ReportData) -> str:
    """One line: the versions and commits the runs came from."""
    runs = data.runs
    commits = sorted({f"{c[:12]}{'+dirty' if dirty(d) else ''}" for c, d in zip(runs["git_commit"], runs["git_dirty"])})
    return (f"msosim {', '.join(sorted(set(runs['msosim_version'])))}, git {', '.join(commits)}, "
            f"numpy {', '.join(sorted(set(runs['numpy_version'])))}, mesa {', '.join(sorted(set(runs['mesa_version'])))}, "
            f"python {', '.join(sorted(set(runs['python_version'])))}")


def provenance_rows(data: ReportData, lang: str) -> list[dict[str, str]]:
    """One record per scenario: hash, runs, seeds, versions, commit, dates, wall time, resolved scenario."""
    records = []
    for _, c in data.comparison.iterrows():
        runs = data.runs[data.runs["position"] == c["position"]]
        if runs.empty:
            continue
        commits = sorted({f"{r.git_commit[:12]}{' (' + label('dirty', lang) + ')' if dirty(r.git_dirty) else ''}"
                          for r in runs.itertuples()})
        libraries = sorted({f"{r.numpy_version} / {r.mesa_version} / {r.python_version}" for r in runs.itertuples()})
        records.append({
            "scenario": c["scenario_name"], "scenario_hash": c["scenario_hash"],
            "runs": f"{len(runs)} / {int(c['reps'])}", "seeds": f"{runs['seed'].min()}-{runs['seed'].max()}",
            "years": plain(c["years"], lang), "msosim_version": ", ".join(sorted(set(runs["msosim_version"]))),
            "git_commit": ", ".join(commits), "libraries": ", ".join(libraries),
            "run_dates": f"{runs['finished_at'].min():%Y-%m-%d %H:%M} - {runs['finished_at'].max():%Y-%m-%d %H:%M}",
            "wall_time": f"{number(runs['wall_seconds'].mean(), lang, 2)} s, {number(runs['wall_seconds'].sum(), lang)} s",
            "scenario_json": runs["scenario_json"].iloc[0],
        })
    return records


# -- figures -------------------------------------------------------------------------------------

def kaplan_meier(durations: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier estimate (analysis.kaplan_meier) at its event times: times and survival just after each."""
    table = analysis.kaplan_meier(durations, observed)
    table = table[table["events"] > 0]
    return table["time"].to_numpy(), table["survival"].to_numpy()


def survival_on_grid(times: np.ndarray, survival: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The Kaplan-Meier step function evaluated at the grid points."""
    if times.size == 0:
        return np.ones(len(grid))
    index = np.searchsorted(times, grid, side="right") - 1
    return np.where(index < 0, 1.0, survival[np.maximum(index, 0)])


def survival_frame(data: ReportData) -> pd.DataFrame:
    """Per scenario, run, MSO type and month: Kaplan-Meier survival of the initial cohort."""
    frames = []
    spy = data.runs.set_index(["position", "seed"])["steps_per_year"]
    start = int(data.steps["year"].min()) if not data.steps.empty else 0
    for (position, seed, years), run in data.lifetimes.groupby(["position", "seed", "years"]):
        per_year = int(spy.loc[(position, seed)])
        horizon = int(round(years * per_year))
        grid = np.arange(horizon + 1)
        for kind, members in (("staffed", run["staffed_start"] == True), ("volunteer_only", run["staffed_start"] == False)):  # noqa: E712
            died = run.loc[members, "died_step"].to_numpy()
            if died.size == 0:
                continue
            observed = died >= 0
            times, survival = kaplan_meier(np.where(observed, died, horizon), observed)
            frames.append(pd.DataFrame({"position": position, "seed": seed, "kind": kind,
                                        "year": start + grid / per_year,
                                        "survival": survival_on_grid(times, survival, grid)}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# Series without a value at the start (flows need a step, yearly indicators a full year): years to skip.
SKIP_YEARS = {"service_coverage": 0.0, "time_limited_share": 0.0, "funding_gini": 1.0, "revenue_concentration": 1.0}


def _series_figure(data: ReportData, columns: list[tuple[str, str]], lang: str) -> bytes | None:
    if not all(column in data.steps for column, _ in columns):
        return None  # a store from a model that did not report this series
    figure, axes = new_figure(len(columns))
    steps = data.steps
    for ax, (column, title) in zip(axes, columns):
        skip = SKIP_YEARS.get(column)
        frame = steps if skip is None else steps[steps["year"] > steps["year"].min() + skip]
        band_panel(ax, frame, column, data.names, label(title, lang), lang)
    return png_bytes(figure)


def _survival_figure(data: ReportData, lang: str) -> bytes | None:
    frame = survival_frame(data)
    if frame.empty:
        return None
    figure, axes = new_figure(2)
    for ax, kind in zip(axes, ("volunteer_only", "staffed")):
        band_panel(ax, frame[frame["kind"] == kind], "survival", data.names, label(kind, lang), lang)
        ax.set_ylabel(label("surviving", lang))
    figure.suptitle(label("fig_survival", lang), fontsize=11)
    return png_bytes(figure)


def _differences_figure(data: ReportData, lang: str) -> bytes | None:
    summary = data.summary.set_index(["outcome", "position"])
    names = data.names
    keys = [key for key, _ in OUTCOMES if (key, 0) in summary.index and MEASURES[key].counted]  # no % of 0-1 indices
    if len(names) < 2 or not keys:
        return None
    figure, (ax,) = new_figure(1, width=8.0)
    figure.set_size_inches(8.0, 0.45 * len(keys) + 1.5)
    for position in range(1, len(names)):
        y = np.arange(len(keys)) + (position - len(names) / 2) * 0.15
        ref = np.array([abs(summary.loc[(k, 0), "mean"]) for k in keys])
        rows = [summary.loc[(k, position)] if (k, position) in summary.index else None for k in keys]
        scaled = {field: np.array([np.nan if r is None or ref_i == 0 else r.get(field, np.nan) / ref_i * 100
                                   for r, ref_i in zip(rows, ref)]) for field in ("diff", "diff_low", "diff_high")}
        error = np.vstack([scaled["diff"] - scaled["diff_low"], scaled["diff_high"] - scaled["diff"]])
        ax.errorbar(scaled["diff"], y, xerr=np.nan_to_num(error), fmt="o", color=COLORS[position % len(COLORS)],
                    label=names[position], capsize=3, markersize=4)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(np.arange(len(keys)), [label(k, lang) for k in keys], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(label("relative_difference", lang, ref=names[0]))
    localise_axes(ax, lang, axes="x", years=False)
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8)
    return png_bytes(figure)


def make_figures(data: ReportData, lang: str = "en") -> dict[str, tuple[str, bytes]]:
    """File name -> (caption, PNG bytes) for every figure of the report."""
    figures = {
        "timeseries_alive.png": ("fig_alive", _series_figure(data, [("alive", "alive")], lang)),
        "timeseries_staff.png": ("fig_staff", _series_figure(data, [("staff_fte", "staff_fte")], lang)),
        "timeseries_volunteers.png": ("fig_volunteers", _series_figure(
            data, [("volunteers", "volunteers"), ("mean_burnout", "burnout")], lang)),
        "timeseries_coverage.png": ("fig_coverage", _series_figure(data, [("service_coverage", "coverage")], lang)),
        "survival.png": ("fig_survival", _survival_figure(data, lang)),
        "funding.png": ("fig_funding", _series_figure(
            data, [("funding_gini", "gini"), ("revenue_concentration", "revenue_concentration"),
                   ("time_limited_share", "time_limited")], lang)),
        "differences.png": ("fig_differences", _differences_figure(data, lang)),
    }
    window = window_of(data)
    kinds = {name: "finding.figure." + ("differences" if name == "differences.png" else "monthly") for name in figures}
    return {name: (f"{label(caption, lang)} ({text(kinds[name], lang, start=window.start_year, end=window.end(lang))})", png)
            for name, (caption, png) in figures.items() if png is not None}


# -- html --------------------------------------------------------------------------------------

def render_html(data: ReportData, figures: dict[str, tuple[str, bytes]], lang: str = "en") -> str:
    """A self-contained HTML page (templates/comparison.html.j2): findings, table, notes, figures, provenance."""
    header, rows = table_rows(data, lang, joiner="\n")
    records = provenance_rows(data, lang)
    fields = ["scenario_hash", "runs", "seeds", "years", "msosim_version", "git_commit", "libraries",
              "run_dates", "wall_time"]
    return render_page(
        "comparison.html.j2",
        lang=lang, title=label("title", lang), names=data.names, style=STYLE,
        findings=render_findings(from_report_data(data, lang)),
        outcome_heading=text("finding.section.outcome_table", lang), header=header, rows=rows,
        notes=notes(data, lang), figures_heading=label("figures", lang), band_note=label("band_note", lang),
        figures=[{"name": name, "caption": caption, "png": base64.b64encode(png).decode("ascii")}
                 for name, (caption, png) in figures.items()],
        provenance_heading=label("provenance", lang),
        provenance_header=[label("scenario", lang), *(label(f, lang) for f in fields)],
        provenance_rows=[[r["scenario"], *(str(r[f]) for f in fields)] for r in records],
        store_label=label("store", lang), store=data.store_path, generated_label=label("generated", lang),
        now=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), resolved_label=label("resolved_scenario", lang),
        scenarios=[{"name": r["scenario"], "hash": r["scenario_hash"],
                    "json": json.dumps(json.loads(r["scenario_json"]), indent=2, ensure_ascii=False)} for r in records])


def write_report(data: ReportData, folder: str | Path, lang: str = "en", *, overwrite: bool = False,
                 extra: dict[str, Callable[[Path], object]] | None = None) -> Path:
    """Write the PNGs, report.html and `extra` files (name -> writer) as the folder `folder` (outputs.write_folder:
    a new folder, or msosim's previous output with `overwrite`); returns the HTML path."""
    folder = Path(folder)
    figures = make_figures(data, lang)
    page = render_html(data, figures, lang)
    writers = {name: (lambda path, png=png: path.write_bytes(png)) for name, (_, png) in figures.items()}
    writers["report.html"] = lambda path: path.write_text(page, encoding="utf-8")
    write_folder(folder, writers | (extra or {}), "--report", overwrite=overwrite)
    return folder / "report.html"
