"""Findings from a real tiny comparison (one district, 2 scenarios, 3 paired runs, 2 years): the sentences agree
with the comparison table in both languages, and the section renders with scenarios, levers and costs."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.numbers import parse_decimal
from matplotlib.backends.backend_agg import FigureCanvasAgg

from msosim.experiments.batch import compare
from msosim.i18n import label
from msosim.reporting.report import load_report_data, table_rows
from msosim.reporting.findings import MEASURES, shown
from msosim.reporting.findings_brief import brief_figure, brief_html, brief_of_report, text_size
from msosim.reporting.findings_format import text
from msosim.reporting.findings_section import console_lines, from_report_data, render
from msosim.experiments.store import Store

from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The report data of the tiny comparison, read back from its store."""
    folder: Path = tmp_path_factory.mktemp("findings")
    base = folder / "small.yaml"
    base.write_text(f"extends: {SCENARIOS / 'district.yaml'}\nname: small\npopulation:\n  land: HB\n")
    other = folder / "small_institutional.yaml"
    other.write_text("extends: small.yaml\nname: small_institutional\npolicy:\n  funding_mode: institutional\n")
    compare([base, other], reps=3, years=2, workers=1, store=folder / "store.duckdb")
    with Store.open(folder / "store.duckdb") as store:
        return load_report_data(store)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_sentences_agree_with_the_comparison_table(data, lang) -> None:
    context = from_report_data(data, lang)
    summary = data.summary.set_index(["outcome", "position"])
    header, rows = table_rows(data, lang)
    by_outcome = {o: next((r for r in rows if r[0].startswith(label(o, lang) + " (")), None) for o in MEASURES}
    assert sum(r is not None for r in by_outcome.values()) == 15, "every outcome of the table is matched"
    said = " ".join(s for p in context["paragraphs"] for s in p["sentences"])
    found = context["findings"]
    assert {f.outcome for f in found} == {o for o in MEASURES if (o, 1) in summary.index}
    assert any(f.measurable for f in found) and any(f.measurable is False for f in found)
    for f in found:
        row = summary.loc[(f.outcome, 1)]
        assert f.measurable is bool(row["diff_low"] > 0 or row["diff_high"] < 0)
        assert (f.diff > 0) == (row["diff"] > 0)
        cells = by_outcome[f.outcome]
        if cells is not None and row["diff"] != 0:  # in the comparison table: its difference cell has the same sign
            assert cells[-1].lstrip().startswith("+" if row["diff"] > 0 else "-"), (f.outcome, cells[-1])
        if f.measurable:
            assert f.sentence in said
            assert re.search(rf"{re.escape(f.low_text)} (to|bis) {re.escape(f.high_text)}", f.sentence)
            bounds = re.search(r"(?:interval|Intervall) ([\d.,]+) (?:to|bis) ([\d.,]+)", f.sentence).groups()
            read = sorted(float(parse_decimal(b, locale=lang)) for b in bounds)
            expected = sorted(abs(shown(f.outcome, row[k])) for k in ("diff_low", "diff_high"))
            for got, want, written in zip(read, expected, sorted(bounds, key=lambda b: float(parse_decimal(b, locale=lang)))):
                point = "," if lang == "de" else "."
                decimals = len(written.split(point)[1]) if point in written else 0
                assert abs(got - want) <= max(0.5 * 10 ** -decimals, 0.01 * abs(want)), (f.sentence, want)
        else:
            assert text(f"finding.name.{f.outcome}", lang) in said
    assert context["caveat"] in console_lines(context)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_section_renders_scenarios_levers_costs_and_splits(data, lang) -> None:
    context = from_report_data(data, lang)
    page = render(context)
    assert page.lstrip().startswith('<section id="findings"')
    assert page.index(context["caveat"]) < page.index(context["scenarios_heading"])
    assert "policy.funding_mode" in page and "institutional" in page
    assert context["costs"] is not None and "2014-2016" in context["costs"]["rows"][0][0]
    assert "million EUR" in context["costs"]["rows"][0][0] or "Mio. EUR" in context["costs"]["rows"][0][0]
    assert all(s["caption"] for s in context["splits"])
    assert not any("land" in s["caption"].lower() for s in context["splits"]), "one district: no split by Land"
    if lang == "de":
        assert re.search(r"\d,\d+ \[\d+,\d+ bis \d+,\d+\]", page), "German decimal commas in the tables"
        assert re.search(r"\d{1,3}\.\d{3} \[\d{1,3}\.\d{3} bis", page), "German thousands separators (EUR per MSO-year)"


def covered_gaps(figure) -> float:
    """The largest vertical stretch of the page, between the first and the last thing on it, that nothing covers."""
    renderer = FigureCanvasAgg(figure).get_renderer()
    height = figure.bbox.height
    boxes = [text.get_window_extent(renderer) for text in figure.texts] + [ax.get_tightbbox(renderer) for ax in figure.axes]
    spans = [(box.y0 / height, box.y1 / height) for box in boxes]
    spans.sort()
    gap, reach = 0.0, spans[0][1]
    for low, high in spans[1:]:
        gap, reach = max(gap, low - reach), max(reach, high)
    return gap


@pytest.mark.parametrize("lang", ["en", "de"])
def test_brief_stays_on_its_page_without_large_gaps(data, lang) -> None:
    brief = brief_of_report(data, lang)
    figure = brief_figure(brief, lang)
    tops = [t.get_position()[1] for t in figure.texts]
    assert min(tops) > 0 and max(tops) < 1
    assert all(ax.get_position().y0 > 0 for ax in figure.axes)
    title = " ".join(t.get_text() for t in figure.texts if t.get_fontsize() == 14)   # wrapped over its lines
    assert title.endswith(" / ".join(data.names)), "the title names the scenarios"
    assert covered_gaps(figure) < 0.05, "no large empty gap between the blocks"
    assert min(t.get_position()[1] for t in figure.texts) < 0.1, "the page is filled down to its footer"
    years = [label.get_text() for ax in figure.axes[1:] for label in ax.get_xticklabels() if label.get_text()]
    assert years and all(y.isdigit() and len(y) == 4 for y in years), years
    cells = [cell.get_text().get_text() for ax in figure.axes for table in ax.tables for cell in table.get_celld().values()]
    assert {"en": "institutional funding", "de": "institutionelle Förderung"}[lang] in cells, "options in words"


@pytest.mark.parametrize("lang", ["en", "de"])
def test_html_brief_has_the_same_sentences_levers_and_caveat(data, lang) -> None:
    brief = brief_of_report(data, lang)
    page = brief_html(brief, lang)
    assert brief.sentences and all(html.escape(s, quote=True) in page for s in brief.sentences)
    assert html.escape(brief.context["caveat"]) in page and html.escape(brief.provenance) in page
    assert "data:image/svg+xml;base64," in page and "msosim compare --brief" in page
    assert {"en": "institutional funding", "de": "institutionelle Förderung"}[lang] in page


def test_brief_text_shrinks_to_fit_many_findings() -> None:
    long = "At the end of the run (2029), scenario has about 440 more MSOs alive (95% interval 406 to 475) than baseline."
    few = {"paragraphs": [{"sentences": [long] * 4}], "flags": []}
    many = {"paragraphs": [{"sentences": [long] * 8} for _ in range(4)], "flags": [long]}
    assert text_size(few) == 8.0 and text_size(many) < 8.0


def test_narrow_console_table_keeps_the_outcome_readable_beside_a_long_scenario_name(data) -> None:
    """On an 80-column terminal with a scenario named as --budget-neutral names it, every outcome's label is still
    printed whole words, not one character per line (the outcome column squeezed to width 1 before)."""
    import dataclasses

    from rich.console import Console

    from msosim.reporting.report import console_table

    comparison = data.comparison.copy()
    comparison["scenario_name"] = comparison["scenario_name"] + " (budget-neutral)"
    long_named = dataclasses.replace(data, comparison=comparison)
    console = Console(width=80, record=True, color_system=None)
    console.print(console_table(long_named, "en", width=80))
    printed = console.export_text()
    first_column = [line.split("│")[1].strip() for line in printed.splitlines() if line.startswith("│")]
    assert "MSOs alive at" in first_column, first_column[:8]
    assert max(len(cell) for cell in first_column) >= 12
