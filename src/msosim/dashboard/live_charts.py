"""The charts shown while a run plays, as ECharts options built from the same `ChartSpec`s as the matplotlib charts.

The browser draws them, so a step costs the server only a few kilobytes of numbers; matplotlib
(charts.py) draws the same charts for the PNG download and the brief.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .charts import COLOURS, ChartSpec
from .runner import POLICIES, Snapshot
from .strings import t

LINE_TYPES = {"-": "solid", "--": "dashed", ":": "dotted"}
MS_PER_YEAR = 365.2425 * 86400 * 1000


def timestamp(year: float | np.ndarray):
    """A fractional calendar year as milliseconds since 1970 (ECharts' time axis)."""
    return np.round((np.asarray(year, dtype=float) - 1970.0) * MS_PER_YEAR)
HEIGHT = 240        # pixels


def _axis(name: str, limits: tuple[float | None, float | None], position: str = "left") -> dict:
    axis = {"type": "value", "name": name, "nameLocation": "middle", "nameGap": 42, "position": position,
            "nameTextStyle": {"fontSize": 11}, "axisLabel": {"fontSize": 10}, "scale": limits[0] is None}
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


def chart_option(spec: ChartSpec, snapshot: Snapshot, lang: str) -> dict:
    """One chart of both policies (policy colour; line style per series) as an ECharts option."""
    series = []
    for policy in POLICIES:
        for item in spec.series:
            name = t(f"policy.{policy}", lang) + (f": {t(item.label, lang)}" if item.label else "")
            series.append({"type": "line", "id": f"{policy}-{item.column}", "name": name, "showSymbol": False, "yAxisIndex": 1 if item.right else 0,
                           "lineStyle": {"color": COLOURS[policy], "type": LINE_TYPES[item.style], "width": 2},
                           "itemStyle": {"color": COLOURS[policy]},
                           "data": _points(snapshot, policy, item.column, spec.flows)})
    y_axes = [_axis(t(spec.ylabel, lang), spec.ylim)]
    if spec.right_label:
        y_axes.append(_axis(t(spec.right_label, lang), spec.right_ylim, "right") | {"splitLine": {"show": False}})
    return {
        "animation": False,
        "title": {"text": t(spec.title, lang), "textStyle": {"fontSize": 13, "fontWeight": "normal"}, "left": 4},
        "legend": {"top": 24, "textStyle": {"fontSize": 10}, "itemWidth": 18, "itemHeight": 8},
        "grid": {"left": 58, "right": 52 if spec.right_label else 16, "top": 66, "bottom": 28},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "time", "min": float(timestamp(snapshot.start_year)), "max": float(timestamp(snapshot.end_year)),
                  "minInterval": MS_PER_YEAR, "axisLabel": {"fontSize": 10, "formatter": "{yyyy}"}},
        "yAxis": y_axes,
        "series": series,
    }


def story_option(series: dict[str, pd.DataFrame], start_year: float, steps_per_year: int, lang: str) -> dict:
    """One MSO's volunteers (solid, left axis) and paid staff (dashed, right axis) under each policy."""
    lines = []
    for policy, frame in series.items():
        times = timestamp(start_year + frame["step"].to_numpy(dtype=float) / steps_per_year).tolist()
        for column, right, style in (("volunteers", False, "solid"), ("staff_fte", True, "dashed")):
            values = np.round(frame[column].to_numpy(dtype=float), 3)
            data = [[time, value if ok else None] for time, value, ok in zip(times, values.tolist(), np.isfinite(values).tolist(), strict=True)]
            lines.append({"type": "line", "id": f"{policy}-{column}", "showSymbol": False, "yAxisIndex": int(right),
                          "name": f"{t(f'policy.{policy}', lang)}: {t(f'fact.{column}', lang)}", "data": data,
                          "lineStyle": {"color": COLOURS[policy], "type": style, "width": 2}, "itemStyle": {"color": COLOURS[policy]}})
    return {
        "animation": False,
        "title": {"text": t("story.series", lang), "textStyle": {"fontSize": 12, "fontWeight": "normal"}, "left": 4},
        "legend": {"top": 20, "textStyle": {"fontSize": 10}, "itemWidth": 18, "itemHeight": 8},
        "grid": {"left": 52, "right": 52, "top": 62, "bottom": 26},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "time", "minInterval": MS_PER_YEAR, "axisLabel": {"fontSize": 10, "formatter": "{yyyy}"}},
        "yAxis": [_axis(t("fact.volunteers", lang), (0, None)),
                  _axis(t("fact.staff_fte", lang), (0, None), "right") | {"splitLine": {"show": False}}],
        "series": lines,
    }
