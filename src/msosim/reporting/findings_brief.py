"""The one-page brief of a comparison (A4 PDF, or one HTML page): title from the scenarios' names, the findings,
the levers, two figures, the caveat and the provenance in one line, laid out top to bottom without gaps.

A `Brief` holds what the page shows: the findings section's values (`findings_section.section`, the same code
that writes the comparison report's findings), the monthly steps of every run for the two figures, and the
provenance line. `msosim compare --brief` makes one from a store (`brief_of_report`); the dashboard makes one
from its ensemble (dashboard/brief.py).
"""

from __future__ import annotations

import base64
import io
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..experiments.batch import bands
from .findings_format import number, plain, text
from .findings_section import TEMPLATES, from_report_data

PAGE = (8.27, 11.69)  # A4 in inches
LINE = 0.0125  # height of a line of 8-point text, as a share of the page
MARGIN = 0.06
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
CREATOR = "msosim compare --brief"
# The headline outcomes a brief speaks about (the report has all of them).
HEADLINE = ("alive_end", "dissolved_total", "staff_fte_end", "service_coverage", "public_money_total",
            "public_money_per_service_hour")
SERIES = ("alive", "staff_fte")  # the two figures: MSOs alive and paid staff over the run
TEXT_BUDGET = 0.5  # share of the page the findings text may take before its font shrinks
FOOTER = LINE * 4  # room kept at the bottom for the caveat and the provenance line


@dataclass(frozen=True)
class Brief:
    """What a brief shows: the findings section's values, every run's monthly steps, one provenance line."""

    context: dict[str, Any]      # findings_section.section(...): title, paragraphs, flags, cards, caveat, basis
    steps: pd.DataFrame          # position, seed, year and the SERIES columns, one row per run and month
    names: list[str]
    provenance: str
    more: str = "finding.brief.more"   # the message saying where every outcome is (the report, or the dashboard)

    @property
    def sentences(self) -> list[str]:
        """Every findings sentence, in the order shown."""
        return [s for paragraph in self.context["paragraphs"] for s in paragraph["sentences"]]


def brief_of_report(data: Any, lang: str) -> Brief:
    """The brief of a comparison read from a store (report.ReportData)."""
    return Brief(from_report_data(data, lang, HEADLINE), data.steps, list(data.names), provenance(data))


def provenance(data: Any) -> str:
    """One line: store, comparison id, runs, versions and commits."""
    runs = data.runs
    commits = ", ".join(sorted({c[:12] for c in runs["git_commit"]}))
    return (f"{data.store_path}, comparison {data.comparison['comparison_id'].iloc[0]}, {len(runs)} runs, "
            f"msosim {', '.join(sorted(set(runs['msosim_version'])))}, git {commits}")


def title(brief: Brief, lang: str) -> str:
    """'Findings: baseline / institutional' (the scenarios' names, never file names)."""
    return f"{text('finding.heading', lang)}: {brief.context['title']}"


def lever_rows(context: dict[str, Any], limit: int = 8) -> list[list[str]]:
    """(scenario, lever, reference value, scenario value) for the first levers of every scenario."""
    rows = []
    for card in context["cards"][1:]:
        rows += [[card["name"], key, reference, value] for key, reference, value in card["levers"][:limit]]
    return rows


def lever_header(context: dict[str, Any], lang: str) -> list[str]:
    return [text("finding.brief.scenario", lang), text("finding.brief.lever", lang), context["cards"][0]["name"],
            text("finding.brief.value", lang)]


def draw_series(axes: list[Axes], steps: pd.DataFrame, names: list[str], lang: str, size: float = 7) -> None:
    """MSOs alive and paid staff over the run, mean and 95% band per scenario; whole years on the time axis."""
    titles = {"alive": text("finding.name.alive_end", lang), "staff_fte": text("finding.name.staff_fte_end", lang)}
    for ax, name in zip(axes, SERIES, strict=True):
        table = bands(steps, name)
        for position, scenario in enumerate(names):
            line = table[table["position"] == position]
            colour = COLOURS[position % len(COLOURS)]
            ax.plot(line["year"], line["mean"], color=colour, label=scenario, linewidth=1.2)
            ax.fill_between(line["year"], line["low"], line["high"], color=colour, alpha=0.2, linewidth=0)
        ax.set_title(titles[name][:1].upper() + titles[name][1:], fontsize=size + 1)
        ax.tick_params(labelsize=size)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: plain(round(x), lang)))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))       # MSOs and positions: whole numbers
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: number(y, lang, 0 if float(y).is_integer() else 1)))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=size - 1)


class Cursor:
    """Writes wrapped text down the page and says where the next block starts."""

    def __init__(self, figure: Figure) -> None:
        self.figure, self.y = figure, 1 - MARGIN

    def write(self, words: str, size: float = 8, weight: str = "normal", width: int = 118, indent: str = "") -> None:
        width = int(width * 0.9) if weight == "bold" else width        # bold letters are wider
        lines = textwrap.wrap(words, width=int(width * 8 / size), initial_indent=indent,
                              subsequent_indent=" " * len(indent)) or [""]
        for line in lines:
            self.figure.text(MARGIN, self.y, line, fontsize=size, weight=weight, va="top")
            self.y -= LINE * size / 8 * 1.15
        self.y -= LINE * 0.3


def draw_levers(figure: Figure, cursor: Cursor, context: dict[str, Any], lang: str) -> None:
    """The lever table right below the text written so far."""
    rows = lever_rows(context)
    if not rows:
        return
    height = LINE * 1.4 * (len(rows) + 1)
    ax = figure.add_axes((MARGIN, cursor.y - height, 1 - 2 * MARGIN, height))
    ax.axis("off")
    table = ax.table(cellText=rows, colLabels=lever_header(context, lang), cellLoc="left", colLoc="left",
                     bbox=(0, 0, 1, 1), colWidths=[0.22, 0.38, 0.2, 0.2])
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    for (row, _), cell in table.get_celld().items():
        cell.set_edgecolor("#dee2e6")
        if row == 0:
            cell.set_text_props(weight="bold")
    cursor.y -= height + LINE


def place_series(figure: Figure, cursor: Cursor, brief: Brief, lang: str) -> None:
    """The two figures in the room left above the footer: one above the other where that room is tall, else side by
    side, so that the page has no large empty gap."""
    room = cursor.y - MARGIN - FOOTER
    if room >= 0.44:
        height = room / 2
        boxes = [(MARGIN + 0.03, cursor.y - (i + 1) * height + LINE * 2, 1 - 2 * MARGIN - 0.03, height - LINE * 4)
                 for i in range(2)]
    else:
        height = max(room, 0.16)
        boxes = [(MARGIN + 0.03 + i * 0.46, cursor.y - height + LINE * 2, 0.4, height - LINE * 4) for i in range(2)]
    draw_series([figure.add_axes(box) for box in boxes], brief.steps, brief.names, lang)
    cursor.y = min(box[1] for box in boxes) - LINE * 2  # below the tick labels


def brief_figure(brief: Brief, lang: str) -> Figure:
    """The brief as a matplotlib figure of one A4 page."""
    context = brief.context
    figure = Figure(figsize=PAGE)
    cursor = Cursor(figure)
    cursor.write(title(brief, lang), size=14, weight="bold", width=70)
    cursor.write(context["basis"] + " " + text(brief.more, lang), size=7.5)
    size = text_size(context)
    for paragraph in context["paragraphs"]:
        cursor.write(paragraph["heading"], size=size + 1, weight="bold")
        for sentence in paragraph["sentences"]:
            cursor.write(sentence, size=size, indent="- ")
    for flag in context["flags"]:
        cursor.write(flag, size=size, weight="bold")
    draw_levers(figure, cursor, context, lang)
    place_series(figure, cursor, brief, lang)
    cursor.write(context["caveat"], size=7.5, weight="bold")
    cursor.write(brief.provenance, size=6.5, width=140)
    return figure


def text_size(context: dict[str, Any]) -> float:
    """The font size (8 down to 5 points) at which the findings fit into TEXT_BUDGET of the page."""
    sentences = [s for p in context["paragraphs"] for s in p["sentences"]] + context["flags"]
    for size in (8.0, 7.0, 6.0, 5.0):
        lines = sum(len(textwrap.wrap(s, width=int(118 * 8 / size))) for s in sentences) + 2 * len(context["paragraphs"])
        if lines * LINE * size / 8 * 1.15 + len(sentences) * LINE * 0.3 <= TEXT_BUDGET:
            return size
    return 5.0


def series_svg(brief: Brief, lang: str) -> str:
    """The two figures side by side as one SVG (for the HTML brief)."""
    figure = Figure(figsize=(10, 3.6), layout="constrained")
    draw_series(list(figure.subplots(1, 2)), brief.steps, brief.names, lang, size=9)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue().split("?>", 1)[-1]  # without the XML declaration: inline in HTML


def brief_html(brief: Brief, lang: str) -> str:
    """The brief as one self-contained HTML page (templates/brief.html.j2, autoescaped)."""
    from jinja2 import Environment, FileSystemLoader

    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    context = brief.context
    svg = base64.b64encode(series_svg(brief, lang).encode()).decode("ascii")
    return environment.get_template("brief.html.j2").render(
        lang=lang, creator=CREATOR, title=title(brief, lang), basis=context["basis"], more=text(brief.more, lang),
        paragraphs=context["paragraphs"], flags=context["flags"], lever_header=lever_header(context, lang),
        lever_rows=lever_rows(context), figure=svg, figure_alt=text("finding.brief.figure", lang),
        caveat=context["caveat"], provenance=brief.provenance)


def brief_pdf(brief: Brief, lang: str) -> bytes:
    """The brief as one A4 page of PDF."""
    buffer = io.BytesIO()
    FigureCanvasPdf(brief_figure(brief, lang)).print_pdf(buffer, metadata={"Creator": CREATOR})
    return buffer.getvalue()


def is_own_brief(path: Path) -> bool:
    """True if the file at `path` is a brief msosim wrote (so it may be replaced)."""
    with path.open("rb") as handle:
        return CREATOR.encode() in handle.read()


def write_brief(brief: Brief, path: str | Path, lang: str, name: str | None = None) -> Path:
    """Write the brief as HTML (`name`, default the path's name, ending in .html or .htm) or else as a one-page PDF
    (a caller writing to a temporary path passes the final name); returns its path. Callers write into a staged
    file or folder (outputs.staged_file / the report's staged folder), which makes the write atomic."""
    path = Path(path)
    if Path(name or path.name).suffix.lower() in (".html", ".htm"):
        path.write_text(brief_html(brief, lang), encoding="utf-8")
    else:
        path.write_bytes(brief_pdf(brief, lang))
    return path
