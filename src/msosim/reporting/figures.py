"""The figure toolkit of every report: a figure with panels, PNG bytes, mean-and-band panels."""

from __future__ import annotations

import io

import pandas as pd

from ..experiments.batch import bands
from ..i18n import label
from .findings_format import localise_axes

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def new_figure(panels: int, width: float = 6.4):
    """A figure with `panels` axes side by side (constrained layout)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width if panels == 1 else 5.2 * panels, 4.0), layout="constrained")
    return figure, [figure.add_subplot(1, panels, i + 1) for i in range(panels)]


def png_bytes(figure) -> bytes:
    """The figure as PNG bytes (Agg, no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def band_panel(ax, frame: pd.DataFrame, column: str, names: list[str], title: str, lang: str,
               by: tuple[str, ...] = ("position", "year")) -> None:
    """Mean lines with their interval bands, one colour per scenario."""
    table = bands(frame, column, by=by)
    for position, name in enumerate(names):
        line = table[table["position"] == position]
        color = COLORS[position % len(COLORS)]
        ax.plot(line["year"], line["mean"], color=color, label=name, linewidth=1.4)
        ax.fill_between(line["year"], line["low"], line["high"], color=color, alpha=0.2, linewidth=0)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(label("year", lang))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    localise_axes(ax, lang)
