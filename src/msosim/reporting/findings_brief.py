"""The one-page brief (A4 PDF) of a comparison: title from the scenarios' names, the findings, the levers, two
figures, the caveat and the provenance in one line, laid out top to bottom without gaps."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..experiments.batch import bands
from .findings_format import number, plain, text
from .findings_section import from_report_data

PAGE = (8.27, 11.69)  # A4 in inches
LINE = 0.0125  # height of a line of 8-point text, as a share of the page
MARGIN = 0.06
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
CREATOR = "msosim compare --brief"
# The headline outcomes a brief speaks about (the report has all of them).
HEADLINE = ("alive_end", "dissolved_total", "staff_fte_end", "service_coverage", "public_money_total",
            "public_money_per_service_hour")
TEXT_BUDGET = 0.5  # share of the page the findings text may take before its font shrinks


class Cursor:
    """Writes wrapped text down the page and says where the next block starts."""

    def __init__(self, figure: Figure) -> None:
        self.figure, self.y = figure, 1 - MARGIN

    def write(self, words: str, size: float = 8, weight: str = "normal", width: int = 118, indent: str = "") -> None:
        lines = textwrap.wrap(words, width=int(width * 8 / size), initial_indent=indent,
                              subsequent_indent=" " * len(indent)) or [""]
        for line in lines:
            self.figure.text(MARGIN, self.y, line, fontsize=size, weight=weight, va="top")
            self.y -= LINE * size / 8 * 1.15
        self.y -= LINE * 0.3


def lever_rows(context: dict[str, Any], limit: int = 8) -> list[list[str]]:
    """(scenario, key, reference value, scenario value) for the first levers of every scenario."""
    rows = []
    for card in context["cards"][1:]:
        rows += [[card["name"], key, reference, value] for key, reference, value in card["levers"][:limit]]
    return rows


def draw_levers(figure: Figure, cursor: Cursor, context: dict[str, Any], lang: str) -> None:
    """The lever table right below the text written so far."""
    rows = lever_rows(context)
    if not rows:
        return
    height = LINE * 1.4 * (len(rows) + 1)
    ax = figure.add_axes((MARGIN, cursor.y - height, 1 - 2 * MARGIN, height))
    ax.axis("off")
    header = [text("finding.brief.scenario", lang), text("finding.section.lever_key", lang), context["cards"][0]["name"],
              text("finding.brief.value", lang)]
    table = ax.table(cellText=rows, colLabels=header, cellLoc="left", colLoc="left", bbox=(0, 0, 1, 1),
                     colWidths=[0.22, 0.38, 0.2, 0.2])
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    for (row, _), cell in table.get_celld().items():
        cell.set_edgecolor("#dee2e6")
        cell.set_height(1 / (len(rows) + 1))
        if row == 0:
            cell.set_text_props(weight="bold")
    cursor.y -= height + LINE


def draw_series(figure: Figure, cursor: Cursor, data: Any, lang: str, bottom: float) -> None:
    """MSOs alive and paid staff over the run, mean and 95% band per scenario, side by side."""
    height = max(min(cursor.y - bottom - LINE * 2, 0.5), 0.16)
    titles = {"alive": text("finding.name.alive_end", lang), "staff_fte": text("finding.name.staff_fte_end", lang)}
    for column, name in enumerate(("alive", "staff_fte")):
        if name not in data.steps:
            continue
        ax = figure.add_axes((MARGIN + column * 0.46, cursor.y - height, 0.4, height - LINE * 2))
        table = bands(data.steps, name)
        for position, scenario in enumerate(data.names):
            line = table[table["position"] == position]
            colour = COLOURS[position % len(COLOURS)]
            ax.plot(line["year"], line["mean"], color=colour, label=scenario, linewidth=1.2)
            ax.fill_between(line["year"], line["low"], line["high"], color=colour, alpha=0.2, linewidth=0)
        ax.set_title(titles[name][:1].upper() + titles[name][1:], fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.xaxis.set_major_formatter(lambda x, _: plain(x, lang))
        ax.yaxis.set_major_formatter(lambda y, _: number(y, lang, 0 if float(y).is_integer() else 1))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    cursor.y -= height + LINE * 2.5  # below the tick labels


def brief_figure(data: Any, lang: str) -> Figure:
    """The brief as a matplotlib figure of one A4 page."""
    context = from_report_data(data, lang, HEADLINE)
    figure = Figure(figsize=PAGE)
    cursor = Cursor(figure)
    cursor.write(f"{text('finding.heading', lang)}: {context['title']}", size=14, weight="bold", width=70)
    cursor.write(context["basis"] + " " + text("finding.brief.more", lang), size=7.5)
    size = text_size(context)
    for paragraph in context["paragraphs"]:
        cursor.write(paragraph["heading"], size=size + 1, weight="bold")
        for sentence in paragraph["sentences"]:
            cursor.write(sentence, size=size, indent="- ")
    for flag in context["flags"]:
        cursor.write(flag, size=size, weight="bold")
    draw_levers(figure, cursor, context, lang)
    draw_series(figure, cursor, data, lang, bottom=MARGIN + LINE * 6)
    cursor.write(context["caveat"], size=7.5, weight="bold")
    cursor.write(provenance(data), size=6.5, width=140)
    return figure


def text_size(context: dict[str, Any]) -> float:
    """The font size (8 down to 5 points) at which the findings fit into TEXT_BUDGET of the page."""
    sentences = [s for p in context["paragraphs"] for s in p["sentences"]] + context["flags"]
    for size in (8.0, 7.0, 6.0, 5.0):
        lines = sum(len(textwrap.wrap(s, width=int(118 * 8 / size))) for s in sentences) + 2 * len(context["paragraphs"])
        if lines * LINE * size / 8 * 1.15 + len(sentences) * LINE * 0.3 <= TEXT_BUDGET:
            return size
    return 5.0


def provenance(data: Any) -> str:
    """One line: store, comparison id, runs, versions and commits."""
    runs = data.runs
    commits = ", ".join(sorted({c[:12] for c in runs["git_commit"]}))
    return (f"{data.store_path}, comparison {data.comparison['comparison_id'].iloc[0]}, {len(runs)} runs, "
            f"msosim {', '.join(sorted(set(runs['msosim_version'])))}, git {commits}")


def is_own_brief(path: Path) -> bool:
    """True if the file at `path` is a brief msosim wrote (so it may be replaced)."""
    with path.open("rb") as handle:
        return CREATOR.encode() in handle.read()


def write_brief(data: Any, path: str | Path, lang: str) -> Path:
    """Write the brief as a one-page PDF; returns its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.partial")
    FigureCanvasPdf(brief_figure(data, lang)).print_pdf(str(staging), metadata={"Creator": CREATOR})
    staging.replace(path)
    return path
