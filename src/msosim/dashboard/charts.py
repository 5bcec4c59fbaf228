"""Matplotlib charts of both policies (the PNG download in export.py and the brief; the page draws them with ECharts).

A chart is declared once (`ChartSpec`); live_charts.py shows the same specs in the browser (ECharts),
which is much faster per step than drawing PNGs here. Only `matplotlib.figure.Figure` is used (no
pyplot), so downloads can be drawn in any thread.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from babel.numbers import format_decimal
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from .runner import POLICIES, Snapshot
from .strings import t

COLOURS = {"A": "#1f5fa8", "B": "#d9480f"}
MARKER_COLOUR = "#5c940d"     # the scenario's events; never the colour of A or B


@dataclass(frozen=True)
class Series:
    column: str
    style: str = "-"
    label: str | None = None        # translation key; None: the policy's name only
    right: bool = False             # on the right-hand axis


@dataclass(frozen=True)
class ChartSpec:
    name: str
    title: str
    ylabel: str
    series: tuple[Series, ...]
    ylim: tuple[float | None, float | None] = (None, None)
    right_label: str | None = None
    right_ylim: tuple[float | None, float | None] = (None, None)
    legend: str = "upper left"
    flows: bool = False             # a flow of the step: nothing to show before the first step


CHART_SPECS: tuple[ChartSpec, ...] = (
    ChartSpec("alive", "chart.alive", "axis.msos",
              (Series("alive_staffed", "-", "legend.staffed"), Series("alive_volunteer_only", "--", "legend.volunteer_only")),
              ylim=(0, None), legend="center left"),
    ChartSpec("staff", "chart.staff", "axis.fte", (Series("staff_fte"),), ylim=(0, None), legend="lower left"),
    ChartSpec("volunteers", "chart.volunteers_only", "axis.volunteers", (Series("volunteers"),), ylim=(0, None),
              legend="lower left"),
    ChartSpec("burnout", "chart.burnout", "axis.burnout", (Series("mean_burnout"),), ylim=(0, 1), legend="upper left"),
    ChartSpec("coverage", "chart.coverage", "axis.share", (Series("service_coverage"),), ylim=(0, 1.05),
              legend="lower left", flows=True),
    ChartSpec("time_limited", "chart.time_limited", "axis.share", (Series("time_limited_share"),), ylim=(0, 1), flows=True),
)
SPEC_BY_NAME = {spec.name: spec for spec in CHART_SPECS}


def _style(ax: Axes, title: str, ylabel: str, lang: str) -> None:
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_xlabel(t("axis.year", lang), fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.ticklabel_format(axis="x", useOffset=False, style="plain")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: format_decimal(round(value, 6), locale=lang)))
    ax.grid(alpha=0.3)


def draw_chart(ax: Axes, spec: ChartSpec, lang: str) -> dict[tuple[str, str], tuple[Axes, Line2D, bool]]:
    """Axes, labels and empty lines of one chart; returns (policy, column) -> (axes, line, on the right axis)."""
    _style(ax, t(spec.title, lang), t(spec.ylabel, lang), lang)
    right = ax.twinx() if spec.right_label else None
    if right is not None:
        right.set_ylabel(t(spec.right_label, lang), fontsize=8)
        right.tick_params(labelsize=7)
    lines = {}
    for policy in POLICIES:
        for series in spec.series:
            target = right if series.right else ax
            label = t(f"policy.{policy}", lang) + (f": {t(series.label, lang)}" if series.label else "")
            (line,) = target.plot([], [], color=COLOURS[policy], ls=series.style, lw=1.6, label=label)
            lines[(policy, series.column)] = (target, line, series.right)
    handles = [line for _, line, _ in lines.values()]
    ax.legend(handles, [h.get_label() for h in handles], fontsize=6, ncol=2, loc=spec.legend, framealpha=0.7)
    return lines


def mark_events(ax: Axes, markers: tuple[tuple[str, float], ...], lang: str) -> None:
    """The scenario's events as labelled vertical lines (as on the page's time axes)."""
    for kind, start in markers:
        ax.axvline(start, color=MARKER_COLOUR, lw=1.0)
        ax.text(start, 0.98, f" {t(f'scenario_event.{kind}', lang)}", transform=ax.get_xaxis_transform(), rotation=90,
                va="top", ha="right", fontsize=7, color=MARKER_COLOUR)


def update_chart(spec: ChartSpec, lines: dict, snapshot: Snapshot, lang: str | None = None) -> None:
    """Put the snapshot's series into the lines and rescale the axes; with `lang`, mark the scenario's events."""
    axes = {}
    first = {policy: spec.series[0].column for policy in POLICIES}
    for (policy, column), (ax, line, right) in lines.items():
        ensemble = snapshot.bands is not None
        frame = snapshot.bands[policy] if ensemble else snapshot.frames[policy]
        frame = frame[frame["step"] > 0] if spec.flows else frame
        years = frame["year"].to_numpy()
        line.set_data(years, frame[f"{column}_median" if ensemble else column].to_numpy(dtype=float))
        if ensemble and column == first[policy]:     # the 90% band of the replications, as on the page
            ax.fill_between(years, frame[f"{column}_low"].to_numpy(dtype=float), frame[f"{column}_high"].to_numpy(dtype=float),
                            color=COLOURS[policy], alpha=0.18, linewidth=0)
        axes[ax] = right
    for ax, right in axes.items():
        ax.set_xlim(snapshot.start_year, snapshot.end_year)
        ax.relim()
        ax.autoscale_view(scalex=False)
        low, high = spec.right_ylim if right else spec.ylim
        if low is not None or high is not None:
            ax.set_ylim(bottom=low, top=high)
    if lang is not None and axes:
        mark_events(next(iter(axes)), snapshot.markers, lang)


def png(figure: Figure, dpi: float | None = None) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
