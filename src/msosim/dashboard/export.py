"""Exports for the room: the run as CSV in the language's style with a header block, the charts as one PNG sheet
with a title and the levers of both policies."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from babel.dates import format_datetime
from matplotlib.figure import Figure

from .brief import lever_text
from .charts import CHART_SPECS, draw_chart, png, update_chart
from .levers import LEVERS
from .runner import POLICIES, Setup, Snapshot
from .strings import STRINGS, month_label, t

SEPARATORS = {"de": (";", ","), "en": (",", ".")}       # column separator, decimal mark


def column_label(column: str, lang: str) -> str:
    """A column's header in the language (the snake_case name where no label exists)."""
    key = f"csv.{column}"
    return t(key, lang) if key in STRINGS else column


def lever_lines(setup: Setup, lang: str) -> list[str]:
    """One line per policy: every lever with its value."""
    return [f"{t(f'policy.{policy}', lang)}: " + "; ".join(
        f"{t(f'lever.{lever.name}', lang)} = {lever_text(lever, setup.levers[policy].get(lever.name), lang)}" for lever in LEVERS)
        for policy in POLICIES]


def header_lines(setup: Setup, scenario_name: str, lang: str, now: datetime | None = None) -> list[str]:
    """Scenario, levers of A and B, seeds, date: what a reader of the file needs to know where it came from."""
    seeds = (t("export.seeds_ensemble", lang, seed=setup.seed, last=setup.seed + setup.replications - 1, n=setup.replications)
             if setup.replications > 1 else t("export.seed", lang, seed=setup.seed))
    when = format_datetime(now or datetime.now(), "medium", locale=lang)
    return [f"{t('export.scenario', lang)}: {scenario_name} ({t(f'scale.{setup.scale}', lang)}, {setup.land})",
            *lever_lines(setup, lang), seeds, f"{t('export.date', lang)}: {when}"]


def run_csv(frames: dict[str, pd.DataFrame], setup: Setup, scenario_name: str, lang: str, now: datetime | None = None) -> str:
    """Both policies' step tables (the story run) as CSV: '#' header block, then the language's headers and separators."""
    separator, decimal = SEPARATORS[lang]
    table = pd.concat([frame.assign(policy=policy) for policy, frame in frames.items()], ignore_index=True)
    table = table[["policy", *[column for column in table.columns if column != "policy"]]]
    table.columns = [column_label(column, lang) for column in table.columns]
    header = "".join(f"# {line}\n" for line in header_lines(setup, scenario_name, lang, now))
    return header + table.to_csv(index=False, sep=separator, decimal=decimal)


def all_charts_png(snapshot: Snapshot, lang: str, setup: Setup | None = None, scenario_name: str = "") -> bytes:
    """Every chart on one sheet with a title; the levers of A and B in the panels after the charts."""
    figure = Figure(figsize=(15, 11), dpi=100, layout="constrained")
    title = t("app.title", lang) + (f" – {scenario_name}" if scenario_name else "")
    figure.suptitle(f"{title} · {t('status.step', lang, step=snapshot.step, date=month_label(snapshot.year, lang))}", fontsize=14)
    axes = figure.subplots(3, 3).ravel()
    for ax, spec in zip(axes, CHART_SPECS, strict=False):
        update_chart(spec, draw_chart(ax, spec, lang), snapshot, lang)
    spare = axes[len(CHART_SPECS):]
    for ax in spare:
        ax.axis("off")
    if setup is not None:
        for ax, line in zip(spare, lever_lines(setup, lang), strict=False):
            ax.text(0.0, 1.0, line.replace(": ", ":\n  ", 1).replace("; ", "\n  "), va="top", ha="left", fontsize=8,
                    transform=ax.transAxes)
    return png(figure)
