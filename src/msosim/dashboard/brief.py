"""The one-page brief for facilitators: both policies' levers, the headline differences and the main charts (PDF)."""

from __future__ import annotations

import io

from matplotlib.figure import Figure

from .charts import COLOURS, SPEC_BY_NAME, draw_chart, update_chart
from .levers import LEVERS, Lever
from .runner import POLICIES, Setup, Snapshot
from .strings import month_label, number, option_label, signed, t, unit_label

HEADLINE_DIGITS = {"alive": 0, "staff_fte": 1, "volunteers": 0, "service_coverage": 3}


def lever_text(lever: Lever, value, lang: str) -> str:
    """A lever's value as a facilitator reads it ('3 Jahre', 'institutionelle Förderung', 'wie im Szenario')."""
    if value is None:
        return t("lever.keep", lang)
    if lever.kind == "select":
        return option_label(lever.name, value, lang)
    digits = lever.digits if lever.kind == "number" else (2 if (lever.step or 1) < 0.1 else 1)
    unit = unit_label(lever.unit, lang) if lever.unit not in ("share", "factor") else ""
    return f"{number(value, lang, digits)} {unit}".strip()


def _table(ax, rows: list[list[str]], header: list[str], colours: list[str] | None = None,
           bold_rows: frozenset[int] = frozenset()) -> None:
    ax.axis("off")
    table = ax.table(cellText=rows, colLabels=header, loc="upper center", cellLoc="left", colLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.scale(1, 1.25)
    for (row, col), cell in table.get_celld().items():
        cell.set_edgecolor("#dee2e6")
        if row == 0 or row - 1 in bold_rows:
            cell.set_text_props(weight="bold")
        if row > 0 and colours and col < len(colours) and colours[col]:
            cell.set_text_props(color=colours[col])


def brief_pdf(snapshot: Snapshot, setup: Setup, scenario_name: str, lang: str) -> bytes:
    """The brief as one A4 page of PDF."""
    buffer = io.BytesIO()
    brief_figure(snapshot, setup, scenario_name, lang).savefig(buffer, format="pdf")
    return buffer.getvalue()


def brief_figure(snapshot: Snapshot, setup: Setup, scenario_name: str, lang: str) -> Figure:
    """An A4 page: set-up line, both policies' levers, headline outcomes with B − A, two main charts."""
    figure = Figure(figsize=(8.27, 11.69))
    grid = figure.add_gridspec(4, 2, height_ratios=[0.12, 1.0, 0.42, 1.15], hspace=0.35, wspace=0.3,
                               left=0.07, right=0.95, top=0.93, bottom=0.05)
    figure.suptitle(t("brief.title", lang, name=scenario_name), fontsize=15, x=0.07, ha="left")
    header = figure.add_subplot(grid[0, :])
    header.axis("off")
    header.text(0, 0.8, t("brief.setup", lang, name=scenario_name, scale=t(f"scale.{setup.scale}", lang),
                          seed=setup.seed, date=month_label(snapshot.year, lang)), fontsize=9)
    lever_rows = [[t(f"lever.{lever.name}", lang), *[lever_text(lever, setup.levers[p][lever.name], lang) for p in POLICIES]]
                  for lever in LEVERS]
    differing = frozenset(i for i, lever in enumerate(LEVERS) if setup.levers["A"][lever.name] != setup.levers["B"][lever.name])
    _table(figure.add_subplot(grid[1, :]), lever_rows, [t("brief.lever", lang), t("policy.A", lang), t("policy.B", lang)],
           [None, COLOURS["A"], COLOURS["B"]], differing)
    headline_rows = []
    for key, (a, b) in snapshot.headline().items():
        digits = HEADLINE_DIGITS[key]
        headline_rows.append([t(f"headline.{key}", lang), number(a, lang, digits), number(b, lang, digits),
                              signed(b - a, lang, digits)])
    _table(figure.add_subplot(grid[2, :]), headline_rows,
           [t("brief.outcome", lang), t("policy.A", lang), t("policy.B", lang), t("headline.difference", lang)],
           [None, COLOURS["A"], COLOURS["B"], None])
    for column, name in enumerate(("alive", "staff")):
        ax = figure.add_subplot(grid[3, column])
        update_chart(SPEC_BY_NAME[name], draw_chart(ax, SPEC_BY_NAME[name], lang), snapshot, lang)
    return figure

