"""The charts shown while a run plays, as ECharts options built from the same `ChartSpec`s as the matplotlib charts.

The browser draws them, so a step costs the server only a few kilobytes of numbers; matplotlib
(charts.py) draws the same charts for the PNG download and the brief.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .charts import COLOURS, MARKER_COLOUR, ChartSpec
from .runner import POLICIES, Snapshot
from .strings import t

LINE_TYPES = {"-": "solid", "--": "dashed", ":": "dotted"}
MS_PER_YEAR = 365.2425 * 86400 * 1000


def timestamp(year: float | np.ndarray):
    """A fractional calendar year as milliseconds since 1970 (ECharts' time axis)."""
    return np.round((np.asarray(year, dtype=float) - 1970.0) * MS_PER_YEAR)
HEIGHT = 262        # pixels
LOCALES = {"de": "de-DE", "en": "en-GB"}     # the browser formats axis numbers in the page's language (Intl)
FONT = 14           # the smallest text on a chart (readable from a projector's back row)
TITLE_FONT = 16
LEGEND = {"top": 26, "textStyle": {"fontSize": FONT}, "selectorLabel": {"fontSize": FONT}, "itemWidth": 34, "itemHeight": 12,
          "itemGap": 12}  # wide enough to show dashes


def _axis(name: str, limits: tuple[float | None, float | None], position: str = "left") -> dict:
    axis = {"type": "value", "name": name, "nameLocation": "middle", "nameGap": 50, "position": position,
            "nameTextStyle": {"fontSize": FONT}, "axisLabel": {"fontSize": FONT}, "scale": limits[0] is None}
    low, high = limits
    if low is not None:
        axis["min"] = low
    if high is not None:
        axis["max"] = high
    return axis


def _points(snapshot: Snapshot, policy: str, column: str, flows: bool) -> list[list[float]]:
    frame = snapshot.frames[policy]
    if flows:
        frame = frame[frame["step"] > 0]
    values = np.round(frame[column].to_numpy(dtype=float), 4)
    times = timestamp(frame["year"].to_numpy(dtype=float))
    finite = np.isfinite(values).tolist()
    return [[time, value if ok else None] for time, value, ok in zip(times.tolist(), values.tolist(), finite, strict=True)]


def _band_points(snapshot: Snapshot, policy: str, column: str, flows: bool) -> tuple[list, list, list]:
    """Median, lower edge and band height (95th minus 5th percentile) of an ensemble, as ECharts points."""
    frame = snapshot.bands[policy]
    if flows:
        frame = frame[frame["step"] > 0]
    times = timestamp(frame["year"].to_numpy(dtype=float)).tolist()

    def points(values: np.ndarray) -> list:
        values = np.round(values, 4)
        return [[time, value if ok else None] for time, value, ok in zip(times, values.tolist(), np.isfinite(values).tolist(), strict=True)]

    low, high = frame[f"{column}_low"].to_numpy(dtype=float), frame[f"{column}_high"].to_numpy(dtype=float)
    return points(frame[f"{column}_median"].to_numpy(dtype=float)), points(low), points(high - low)


def _band_series(policy: str, column: str, axis: int, low: list, height: list, name: str) -> list[dict]:
    """A 90% band: an invisible lower edge and the band's height stacked on it, filled in the policy's colour."""
    stack = f"{policy}-{column}-stack"
    hidden = {"opacity": 0}
    return [{"type": "line", "id": f"{policy}-{column}-low", "name": name, "stack": stack, "showSymbol": False,
             "yAxisIndex": axis, "lineStyle": hidden, "itemStyle": {"color": COLOURS[policy]}, "silent": True,
             "tooltip": {"show": False}, "data": low},
            {"type": "line", "id": f"{policy}-{column}-band", "name": name, "stack": stack, "showSymbol": False,
             "yAxisIndex": axis, "lineStyle": hidden, "itemStyle": {"color": COLOURS[policy]}, "silent": True,
             "areaStyle": {"color": COLOURS[policy], "opacity": 0.18}, "tooltip": {"show": False}, "data": height}]


def chart_option(spec: ChartSpec, snapshot: Snapshot, lang: str) -> dict:
    """One chart of both policies (policy colour; line style per series) as an ECharts option.

    In an ensemble each line is the median of the replications and the first series of each policy also gets
    its 90% band (shaded in the policy's colour, named "A: 90% band" in the legend)."""
    series = []
    for policy in POLICIES:
        for index, item in enumerate(spec.series):
            name = f"{policy}: {t(item.label, lang)}" if item.label else t(f"policy.{policy}", lang)
            axis = 1 if item.right else 0
            if snapshot.bands is not None:
                data, low, height = _band_points(snapshot, policy, item.column, spec.flows)
                if index == 0:
                    band_name = t("ensemble.band", lang, policy=t(f"policy.{policy}", lang))
                    series.extend(_band_series(policy, item.column, axis, low, height, band_name))
            else:
                data = _points(snapshot, policy, item.column, spec.flows)
            series.append({"type": "line", "id": f"{policy}-{item.column}", "name": name, "showSymbol": False, "yAxisIndex": axis,
                           "lineStyle": {"color": COLOURS[policy], "type": LINE_TYPES[item.style], "width": 2},
                           "itemStyle": {"color": COLOURS[policy]}, "data": data})
    names = [line["name"] for line in series if "areaStyle" not in line and "stack" not in line]
    series.append(marker_series(snapshot.markers, lang))
    y_axes = [_axis(t(spec.ylabel, lang), spec.ylim)]
    if spec.right_label:
        y_axes.append(_axis(t(spec.right_label, lang), spec.right_ylim, "right") | {"splitLine": {"show": False}})
    return {
        "animation": False,
        "textStyle": {"fontSize": FONT},
        "title": {"text": t(spec.title, lang), "textStyle": {"fontSize": TITLE_FONT, "fontWeight": "normal"},
                  "subtextStyle": {"fontSize": FONT}, "left": 4},
        "legend": LEGEND | {"data": names},
        "grid": {"left": 66, "right": 60 if spec.right_label else 16, "top": 82, "bottom": 30},
        "tooltip": {"trigger": "axis", "textStyle": {"fontSize": FONT}},
        "xAxis": {"type": "time", "min": float(timestamp(snapshot.start_year)), "max": float(timestamp(snapshot.end_year)),
                  "minInterval": MS_PER_YEAR, "axisLabel": {"fontSize": FONT, "formatter": "{yyyy}"}},
        "yAxis": y_axes,
        "series": series,
    }


def marker_series(markers: tuple[tuple[str, float], ...], lang: str) -> dict:
    """The scenario's events (2015/16 surge, pandemic, October 2023, ...) as labelled vertical lines on the time axis."""
    lines = [{"xAxis": float(timestamp(start)), "name": t(f"scenario_event.{kind}", lang)} for kind, start in markers]
    return {"type": "line", "id": "events", "name": "events", "data": [], "silent": True, "legendHoverLink": False,
            "markLine": {"symbol": "none", "silent": True, "animation": False, "data": lines,
                         "lineStyle": {"color": MARKER_COLOUR, "type": "solid", "width": 1.5},
                         "label": {"formatter": "{b}", "position": "insideEndTop", "fontSize": FONT, "color": MARKER_COLOUR}}}


def story_option(series: dict[str, pd.DataFrame], start_year: float, steps_per_year: int, lang: str,
                 markers: tuple[tuple[str, float], ...] = ()) -> dict:
    """One MSO's volunteers (solid, left axis) and paid staff (dashed, right axis) under each policy."""
    lines = []
    for policy, frame in series.items():
        times = timestamp(start_year + frame["step"].to_numpy(dtype=float) / steps_per_year).tolist()
        for column, right, style in (("volunteers", False, "solid"), ("staff_fte", True, "dashed")):
            values = np.round(frame[column].to_numpy(dtype=float), 3)
            data = [[time, value if ok else None] for time, value, ok in zip(times, values.tolist(), np.isfinite(values).tolist(), strict=True)]
            lines.append({"type": "line", "id": f"{policy}-{column}", "showSymbol": False, "yAxisIndex": int(right),
                          "name": f"{policy}: {t(f'fact.{column}', lang)}", "data": data,   # short: 2 per legend row
                          "lineStyle": {"color": COLOURS[policy], "type": style, "width": 2}, "itemStyle": {"color": COLOURS[policy]}})
    lines.append(marker_series(markers, lang))
    return {
        "animation": False,
        "textStyle": {"fontSize": FONT},
        "title": {"text": t("story.series", lang), "textStyle": {"fontSize": TITLE_FONT, "fontWeight": "normal"},
                  "subtextStyle": {"fontSize": FONT}, "left": 4},
        "legend": LEGEND | {"data": [line["name"] for line in lines if line["id"] != "events"]},
        "grid": {"left": 60, "right": 60, "top": 84, "bottom": 30},
        "tooltip": {"trigger": "axis", "textStyle": {"fontSize": FONT}},
        "xAxis": {"type": "time", "minInterval": MS_PER_YEAR, "axisLabel": {"fontSize": FONT, "formatter": "{yyyy}"}},
        "yAxis": [_axis(t("fact.volunteers", lang), (0, None)),
                  _axis(t("fact.staff_fte", lang), (0, None), "right") | {"splitLine": {"show": False}}],
        "series": lines,
    }
