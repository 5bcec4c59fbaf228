"""The findings section of a comparison report: what each scenario is, what was found, what it cost, who gains.

`section(...)` takes plain inputs (the tidy outcomes and their `batch.summarise` table, the resolved scenarios)
and returns the values the template `templates/findings.html.j2` shows; `render(...)` makes the HTML fragment
and `console_lines(...)` the same findings as plain lines for a terminal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..experiments.batch import summarise
from .costs import UNITS, cost_rows, finite, spends_more
from ..splits import LEVELS, SPLIT_OUTCOMES, decomposition, dimensions_present, part_name
from .findings import MEASURES, Window, basis, caveat, findings, paragraphs
from .findings_format import digits_for, number, percent, signed, text
from .scenario_levers import changed_levers, description, key_text, setting_text

TEMPLATES = Path(__file__).parent / "templates"
MILLION = 1e-6  # spending is shown in million EUR


def interval_text(mean: float, low: float, high: float, lang: str, plus: bool = False, digits: int | None = None,
                  scale: float = 1.0) -> str:
    """'1,234 [1,100 to 1,300]' / '1.234 [1.100 bis 1.300]', rounded to two significant digits of the half-width
    (values multiplied by `scale` first, e.g. 1e-6 for million EUR)."""
    mean, low, high = mean * scale, low * scale, high * scale
    if not finite(mean):
        return text("finding.na", lang)
    if digits is None:
        digits = digits_for((high - low) / 2 if finite(low) and finite(high) else abs(mean) / 100 or 1.0)
    show = signed if plus else number
    if not (finite(low) and finite(high)):
        return show(mean, lang, digits)
    joiner = text("finding.to", lang)
    return f"{show(mean, lang, digits)} [{show(low, lang, digits)} {joiner} {show(high, lang, digits)}]"


def upper_first(words: str) -> str:
    """The words with the first letter capitalised and the rest kept ('Paid positions', not 'Paid Positions')."""
    return words[:1].upper() + words[1:]


def scenario_cards(scenarios: list[Any], names: list[str], lang: str) -> list[dict[str, Any]]:
    """Per scenario: name, description, and (after the reference) the levers it changes as table rows."""
    cards = []
    for position, (name, scenario) in enumerate(zip(names, scenarios)):
        levers = [] if position == 0 else [
            (key_text(key, lang), setting_text(a, lang, key), setting_text(b, lang, key))
            for key, a, b in changed_levers(scenarios[0], scenario)]
        cards.append({"name": name, "reference": position == 0,
                      "description": description(scenario, lang) or text("finding.section.no_description", lang),
                      "levers_title": text("finding.section.levers", lang, scenario=name, ref=names[0]),
                      "no_levers": text("finding.section.no_levers", lang, ref=names[0]), "levers": levers,
                      "lever_header": [text("finding.section.lever_key", lang), names[0], name]})
    return cards


def cost_table(outcomes: pd.DataFrame, names: list[str], window: Window, lang: str) -> dict[str, Any] | None:
    """Header and rows: spending (total, per year, by funder level) and cost per unit, per scenario, with intervals."""
    if "public_money_total" not in set(outcomes["outcome"]):
        return None
    rows = cost_rows(outcomes)
    header = [text("finding.section.column.measure", lang), *names,
              *(f"Δ {name}" for name in names[1:])]
    body = []
    for measure, unit in [("public_money_total", "EUR"), ("public_money_per_year", "EUR"),
                          *(("average", u) for u in UNITS), *(("incremental", u) for u in UNITS)]:
        chosen = rows[(rows["measure"] == measure) & (rows["unit"] == unit)].set_index("position")
        key = f"finding.section.cost.{measure}" if unit == "EUR" else f"finding.section.cost.{measure}.{unit}"
        cells = [text(key, lang, start=window.start_year, end=window.end(lang))]
        scale = MILLION if unit == "EUR" else 1.0
        for position in range(len(names)):
            if measure == "incremental":
                continue
            r = chosen.loc[position] if position in chosen.index else None
            cells.append(interval_text(r["mean"], r["low"], r["high"], lang, scale=scale) if r is not None else "")
        for position in range(1, len(names)):
            r = chosen.loc[position] if position in chosen.index else None
            if measure == "incremental":
                cells.append(incremental_text(r, lang))
            else:
                cells.append(interval_text(r["diff"], r["diff_low"], r["diff_high"], lang, plus=True, scale=scale)
                             if r is not None else "")
        if measure == "incremental":
            cells[1:1] = [""] * len(names)
        body.append(cells)
    body[2:2] = level_rows(outcomes, names, window, lang)
    return {"header": header, "rows": body,
            "note": text("finding.section.costs_note", lang, start=window.start_year, end=window.end(lang), ref=names[0])}


def incremental_text(row: pd.Series | None, lang: str) -> str:
    """Extra EUR per extra unit with its interval; in words where money and units move in opposite directions (more
    for less money, fewer for more money) and where both fall (EUR saved per unit fewer), never a negative price."""
    if row is None or not finite(row["mean"]):
        return text("finding.section.not_measurable", lang)
    if row["effect"] > 0 and row["extra_cost"] <= 0:
        return text("finding.section.cost.more_for_less", lang)
    if row["effect"] < 0 and row["extra_cost"] >= 0:
        return text("finding.section.cost.fewer_for_more", lang)
    shown = interval_text(row["mean"], row["low"], row["high"], lang)
    return text("finding.section.cost.saved_per_fewer", lang, value=shown) if row["effect"] < 0 else shown


def level_rows(outcomes: pd.DataFrame, names: list[str], window: Window, lang: str) -> list[list[str]]:
    """Spending by funder level: mean per scenario and paired difference, one row per level."""
    chosen = outcomes[outcomes["outcome"].isin([part_name("public_money_total", "level", lv) for lv in LEVELS])]
    if chosen.empty:
        return []
    summary = summarise(chosen).set_index(["outcome", "position"])
    rows = []
    for level in LEVELS:
        key = part_name("public_money_total", "level", level)
        cells = [text("finding.section.cost.level", lang, level=text(f"finding.part.level.{level}", lang))]
        cells += [interval_text(*summary.loc[(key, p), ["mean", "low", "high"]], lang, scale=MILLION)
                  for p in range(len(names))]
        cells += [interval_text(*summary.loc[(key, p), ["diff", "diff_low", "diff_high"]], lang, plus=True, scale=MILLION)
                  for p in range(1, len(names))]
        rows.append(cells)
    return rows


def split_tables(summary: pd.DataFrame, found: list, names: list[str], window: Window, lang: str) -> list[dict[str, Any]]:
    """For every split outcome with a measurable finding: its parts by type, funder level and Land."""
    tables = []
    for outcome in SPLIT_OUTCOMES:
        if not any(f.outcome == outcome and f.measurable for f in found):
            continue
        for dimension in dimensions_present(summary, outcome):
            table = decomposition(summary, outcome, dimension)
            unit = MEASURES[outcome].unit
            caption = text("finding.section.split", lang, outcome=upper_first(text(f"finding.name.{outcome}", lang)),
                           dimension=text(f"finding.dimension.{dimension}", lang), window=window.header(MEASURES[outcome].kind, lang))
            caption += text(f"finding.section.split_unit.{unit}", lang) if unit in ("fte", "meur") else ""
            scale = MILLION if unit == "meur" else 1.0
            header = [text("finding.section.part", lang), *names, *(f"Δ {name}" for name in names[1:])]
            rows = []
            for part, block in table.groupby("part", sort=False):
                block = block.set_index("position")
                label = text("finding.section.total", lang) if part == "total" else \
                    text(f"finding.part.{dimension}.{part}", lang) if dimension != "land" else part
                digits = 1 if unit in ("fte", "meur") else 0
                cells = [label, *(number(block.loc[p, "mean"] * scale, lang, digits) if p in block.index else ""
                                  for p in range(len(names)))]
                cells += [interval_text(block.loc[p, "diff"], block.loc[p, "diff_low"], block.loc[p, "diff_high"], lang,
                                        plus=True, scale=scale) if p in block.index else "" for p in range(1, len(names))]
                rows.append(cells)
            if dimension == "land":  # the Laender with a measurable part first would reorder; keep the code order
                rows = [r for r in rows[:-1] if any(c not in ("0", "+0", "") for c in r[1:])] + rows[-1:]
            tables.append({"caption": caption, "header": header, "rows": rows})
    return tables


def section(outcomes: pd.DataFrame, summary: pd.DataFrame, scenarios: list[Any], names: list[str], window: Window,
            scale: str, lang: str, chosen: tuple[str, ...] = tuple(MEASURES)) -> dict[str, Any]:
    """Everything the findings section shows (findings on the `chosen` outcomes), as plain values for the template."""
    found = findings(summary, window, lang, chosen)
    pairs = int(summary["n_pairs"].min()) if "n_pairs" in summary and summary["n_pairs"].notna().any() else \
        int(summary["n"].min())
    excess = spends_more(outcomes) if "public_money_total" in set(outcomes["outcome"]) else {}
    return {
        "lang": lang, "title": " / ".join(names), "heading": text("finding.heading", lang),
        "caveat": caveat(lang), "basis": basis(pairs, scale, lang, len(names)),
        "paragraphs": paragraphs(found, lang),
        "flags": [text("finding.section.spends_more", lang, scenario=names[p], ref=names[0],
                       excess=percent(value, lang, 1))
                  for p, value in excess.items()],
        "scenarios_heading": text("finding.section.scenarios", lang), "reference_word": text("finding.section.reference", lang),
        "cards": scenario_cards(scenarios, names, lang),
        "costs_heading": text("finding.section.costs", lang), "costs": cost_table(outcomes, names, window, lang),
        "why_heading": text("finding.section.why", lang), "why_note": text("finding.section.why_note", lang),
        "splits": split_tables(summary, found, names, window, lang),
        "findings": found,
    }


def render(context: dict[str, Any]) -> str:
    """The section as an HTML fragment (jinja2, autoescaped)."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2", "html"]),
                              trim_blocks=True, lstrip_blocks=True)
    return environment.get_template("findings.html.j2").render(**context)


def console_lines(context: dict[str, Any]) -> list[str]:
    """The findings as plain lines: heading, caveat, per scenario its heading and sentences, the flags."""
    lines = [context["heading"], context["caveat"], context["basis"]]
    for paragraph in context["paragraphs"]:
        lines += ["", paragraph["heading"], *paragraph["sentences"]]
    return lines + ([""] + context["flags"] if context["flags"] else [])


def resolved_scenarios(data: Any) -> list[dict[str, Any]]:
    """The resolved scenario of each position of a report's comparison (from its runs)."""
    first = data.runs.sort_values(["position", "seed"]).drop_duplicates("position").set_index("position")
    return [json.loads(first.loc[p, "scenario_json"]) if p in first.index else {} for p in range(len(data.names))]


def window_of(data: Any) -> Window:
    """The years a report's comparison covers: the reference's start year and the comparison's run length."""
    return Window(int(resolved_scenarios(data)[0].get("start_year", 2014)), float(data.comparison["years"].iloc[0]))


def from_report_data(data: Any, lang: str, chosen: tuple[str, ...] = tuple(MEASURES)) -> dict[str, Any]:
    """The section of a report's data (report.ReportData: outcomes, summary, runs, comparison, names)."""
    scenarios = resolved_scenarios(data)
    scale = scenarios[0].get("population", {}).get("scale", "national")
    return section(data.outcomes, data.summary, scenarios, data.names, window_of(data), scale, lang, chosen)
