"""The population view: every MSO one mark on a fixed grid, coloured by its state (an ECharts option).

A grid keeps each organisation at the same place for the whole run (row i of the MSO table at
column i % columns, line i // columns), so policy A's and B's views can be compared mark by mark
and a mark can be clicked while the run plays.
"""

from __future__ import annotations

import math

import numpy as np

from .runner import STATES
from .strings import t

# Never the colours of policy A (blue) and B (orange) used everywhere else on the page.
STATE_COLOURS = {"volunteer_only": "#2f9e44", "staffed": "#7048e8", "struggling": "#fab005", "dissolved": "#ced4da"}
SELECTED_COLOUR = "#212529"
HEADROOM = 1.35          # room for MSOs founded during the run
ASPECT = 1.7             # columns / lines of the grid
MARGIN = 8               # pixels around the plotting area (the browser test aims with it)
HEIGHT = 250             # pixels
MARKS_PER_UPDATE = 2500  # while playing, the view is redrawn every ceil(n / this) steps (national: about twice a year)


def grid_columns(initial_count: int) -> int:
    """Columns of the grid for a run that starts with `initial_count` MSOs."""
    return max(4, math.ceil(math.sqrt(initial_count * HEADROOM * ASPECT)))


def grid_lines(count: int, initial_count: int, columns: int) -> int:
    return max(math.ceil(max(count, initial_count * HEADROOM) / columns), 1)


def cell_of(row: int, columns: int) -> tuple[int, int]:
    """(x, y) grid cell of an MSO row."""
    return row % columns, row // columns


MOSAIC_ABOVE = 60        # columns beyond which marks are squares that overlap (national scale: no moiré of tiny dots)


def symbol_size(columns: int, width_px: float = 400.0) -> float:
    """Marks nearly fill their cell (a click between marks still finds the cell: see clicked_row); in a mosaic
    (more than MOSAIC_ABOVE columns) squares a little larger than their cell, so no gaps form a pattern."""
    cell = (width_px - 2 * MARGIN) / columns
    return float(np.clip(1.25 * cell, 2.0, 16.0)) if columns > MOSAIC_ABOVE else float(np.clip(0.9 * cell, 2.0, 16.0))


def population_option(states: np.ndarray, initial_count: int, lang: str, selected: int | None = None) -> dict:
    """An ECharts option: one scatter series per state; each point is [x, y, MSO row]."""
    columns = grid_columns(initial_count)
    lines = grid_lines(states.size, initial_count, columns)
    rows = np.arange(states.size)
    xs, ys = rows % columns, rows // columns
    size = symbol_size(columns)
    series = []
    for code, state in enumerate(STATES):
        mask = states == code
        data = np.column_stack([xs[mask], ys[mask], rows[mask]]).tolist()
        series.append({"type": "scatter", "id": state, "name": t(f"state.{state}", lang), "data": data, "symbolSize": size,
                       "symbol": "rect" if columns > MOSAIC_ABOVE else "roundRect",
                       "itemStyle": {"color": STATE_COLOURS[state]}, "dimensions": ["x", "y", "MSO"],
                       "encode": {"x": 0, "y": 1, "tooltip": [2]}, "progressive": 0,
                       # drawn in one batch (several times faster per step than one element per mark); ECharts 5.4
                       # fails to paint a batch of no marks, so an empty state is an ordinary series
                       "large": bool(data), "largeThreshold": 1})
    if selected is not None and 0 <= selected < states.size:
        x, y = cell_of(selected, columns)
        series.append({"type": "scatter", "id": "selected", "name": "selected", "data": [[x, y, selected]], "symbol": "emptyCircle",
                       "symbolSize": size * 2.2, "itemStyle": {"color": SELECTED_COLOUR, "borderWidth": 2},
                       "silent": True, "z": 10})
    return {
        "animation": False,
        "grid": {"left": MARGIN, "right": MARGIN, "top": MARGIN, "bottom": MARGIN},
        "textStyle": {"fontSize": 14},
        "tooltip": {"trigger": "item", "formatter": t("population.tooltip", lang), "textStyle": {"fontSize": 14}},
        "xAxis": {"type": "value", "min": -0.5, "max": columns - 0.5, "show": False},
        "yAxis": {"type": "value", "min": -0.5, "max": lines - 0.5, "show": False, "inverse": True},
        "series": series,
    }


def redraw_every(count: int) -> int:
    """Steps between redraws of the population view while a run plays (1 at district scale)."""
    return max(1, math.ceil(count / MARKS_PER_UPDATE))


def clicked_row(event: dict, columns: int | None = None, count: int = 0) -> int | None:
    """The MSO row of a click: on a mark (the ECharts event's value [x, y, row]) or anywhere in a cell (`grid`:
    the clicked point in grid coordinates, with the grid's columns and the number of MSOs); else None."""
    value = (event or {}).get("value")
    if isinstance(value, list) and len(value) >= 3 and event.get("seriesName") != "selected":
        return int(value[2])
    point = (event or {}).get("grid")
    if columns and isinstance(point, list) and len(point) == 2 and all(isinstance(p, (int, float)) for p in point):
        x, y = round(point[0]), round(point[1])
        row = y * columns + x
        if 0 <= x < columns and 0 <= row < count:
            return row
    return None


def state_counts(states: np.ndarray) -> dict[str, int]:
    counts = np.bincount(states, minlength=len(STATES))
    return {state: int(counts[code]) for code, state in enumerate(STATES)}
