"""Matplotlib charts of both policies (shown in the page, downloaded as PNG, printed in the brief).

Only `matplotlib.figure.Figure` is used (no pyplot), so charts can be drawn in the play thread.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .runner import POLICIES, Snapshot
from .strings import t

COLOURS = {"A": "#1f5fa8", "B": "#d9480f"}
CHART_SIZE = (5.0, 2.6)
CHART_DPI = 80


def _style(ax: Axes, title: str, ylabel: str, lang: str) -> None:
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_xlabel(t("axis.year", lang), fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)


def _policy_lines(ax: Axes, snapshot: Snapshot, column: str, lang: str) -> None:
    for policy, frame in snapshot.frames.items():
        ax.plot(frame["year"], frame[column], color=COLOURS[policy], lw=1.6, label=t(f"policy.{policy}", lang))


def draw_alive(ax: Axes, snapshot: Snapshot, lang: str) -> None:
    """MSOs alive by type: solid with staff, dashed volunteer-only."""
    for policy, frame in snapshot.frames.items():
        name = t(f"policy.{policy}", lang)
        ax.plot(frame["year"], frame["alive_staffed"], color=COLOURS[policy], lw=1.6,
                label=f"{name}: {t('legend.staffed', lang)}")
        ax.plot(frame["year"], frame["alive_volunteer_only"], color=COLOURS[policy], lw=1.6, ls="--",
                label=f"{name}: {t('legend.volunteer_only', lang)}")
    _style(ax, t("chart.alive", lang), t("axis.msos", lang), lang)
    ax.legend(fontsize=6, ncol=2, loc="best")


def draw_staff(ax: Axes, snapshot: Snapshot, lang: str) -> None:
    """Paid staff in FTE: the saw-tooth of project cohorts."""
    _policy_lines(ax, snapshot, "staff_fte", lang)
    _style(ax, t("chart.staff", lang), t("axis.fte", lang), lang)
    ax.legend(fontsize=7)


def draw_volunteers(ax: Axes, snapshot: Snapshot, lang: str) -> None:
    """Volunteers (solid, left axis) and mean burnout (dotted, right axis)."""
    _policy_lines(ax, snapshot, "volunteers", lang)
    _style(ax, t("chart.volunteers", lang), t("axis.volunteers", lang), lang)
    right = ax.twinx()
    for policy, frame in snapshot.frames.items():
        right.plot(frame["year"], frame["mean_burnout"], color=COLOURS[policy], lw=1.2, ls=":",
                   label=f"{t(f'policy.{policy}', lang)}: {t('legend.burnout', lang)}")
    right.set_ylim(0, 1)
    right.set_ylabel(t("axis.burnout", lang), fontsize=8)
    right.tick_params(labelsize=7)
    lines = ax.get_lines() + right.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], fontsize=6, ncol=2, loc="lower left")


def draw_coverage(ax: Axes, snapshot: Snapshot, lang: str) -> None:
    _policy_lines(ax, snapshot, "service_coverage", lang)
    _style(ax, t("chart.coverage", lang), t("axis.share", lang), lang)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7)


def draw_time_limited(ax: Axes, snapshot: Snapshot, lang: str) -> None:
    _policy_lines(ax, snapshot, "time_limited_share", lang)
    _style(ax, t("chart.time_limited", lang), t("axis.share", lang), lang)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7)


CHARTS: dict[str, Callable[[Axes, Snapshot, str], None]] = {
    "alive": draw_alive, "staff": draw_staff, "volunteers": draw_volunteers,
    "coverage": draw_coverage, "time_limited": draw_time_limited,
}


def chart_figure(name: str, snapshot: Snapshot, lang: str) -> Figure:
    """One chart as its own figure."""
    figure = Figure(figsize=CHART_SIZE, dpi=CHART_DPI, layout="constrained")
    CHARTS[name](figure.subplots(), snapshot, lang)
    return figure


def png(figure: Figure, dpi: float | None = None) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def chart_png(name: str, snapshot: Snapshot, lang: str) -> bytes:
    return png(chart_figure(name, snapshot, lang))


def all_charts_figure(snapshot: Snapshot, lang: str) -> Figure:
    """Every chart on one sheet (the PNG download)."""
    figure = Figure(figsize=(15, 8), dpi=100, layout="constrained")
    axes = figure.subplots(2, 3).ravel()
    for ax, draw in zip(axes, CHARTS.values()):
        draw(ax, snapshot, lang)
    axes[-1].axis("off")
    return figure


def story_figure(series: dict[str, pd.DataFrame], start_year: int, steps_per_year: int, lang: str) -> Figure:
    """One MSO's volunteers (solid) and paid staff (dashed, right axis) under each policy."""
    figure = Figure(figsize=(4.6, 2.2), dpi=CHART_DPI, layout="constrained")
    ax = figure.subplots()
    right = ax.twinx()
    for policy in POLICIES:
        frame = series.get(policy)
        if frame is None:
            continue
        year = start_year + frame["step"] / steps_per_year
        ax.plot(year, frame["volunteers"], color=COLOURS[policy], lw=1.5, label=f"{t(f'policy.{policy}', lang)}: {t('fact.volunteers', lang)}")
        right.plot(year, frame["staff_fte"], color=COLOURS[policy], lw=1.2, ls="--", label=f"{t(f'policy.{policy}', lang)}: {t('fact.staff_fte', lang)}")
    _style(ax, t("story.series", lang), t("fact.volunteers", lang), lang)
    right.set_ylabel(t("fact.staff_fte", lang), fontsize=8)
    right.tick_params(labelsize=7)
    right.set_ylim(bottom=0)
    lines = ax.get_lines() + right.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], fontsize=6, ncol=2, loc="best")
    return figure
