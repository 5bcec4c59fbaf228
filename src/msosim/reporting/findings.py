"""Findings in words: per scenario against the reference, one sentence per outcome whose paired 95% interval
excludes zero, and one sentence naming the outcomes without a measurable difference.

Input is the table `batch.summarise` returns (outcome, position, scenario, mean, low, high, diff, diff_low,
diff_high), so the sentences come from the same numbers as the comparison table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..i18n import month_label
from .findings_format import digits_for, join, number, percent, text


@dataclass(frozen=True)
class Measure:
    """How an outcome is measured: when (`end` stock, `total` over the run, `last_year` mean) and in what unit."""

    kind: str  # end | total | last_year
    unit: str  # count | fte | share | index | ties | eur | meur

    @property
    def counted(self) -> bool:
        """Counts and money: the only outcomes for which a relative change is meaningful."""
        return self.unit in ("count", "fte", "eur", "meur")


MEASURES: dict[str, Measure] = {
    "alive_end": Measure("end", "count"),
    "dissolved_total": Measure("total", "count"),
    "initial_cohort_survival": Measure("end", "share"),
    "volunteers_end": Measure("end", "count"),
    "mean_burnout": Measure("last_year", "index"),
    "volunteer_turnover": Measure("last_year", "share"),
    "staff_fte_end": Measure("end", "fte"),
    "staff_lost_at_cliff": Measure("total", "fte"),
    "service_coverage": Measure("last_year", "share"),
    "time_limited_share": Measure("last_year", "share"),
    "funding_gini": Measure("last_year", "index"),
    "ties_per_mso_end": Measure("end", "ties"),
    "coop_municipality_end": Measure("end", "count"),
    "mean_trust_end": Measure("end", "index"),
    "public_money_per_service_hour": Measure("total", "eur"),
    "public_money_total": Measure("total", "meur"),
}
SCALE = {"share": 100.0, "meur": 1e-6}  # shown in percentage points and million EUR
# Digits: two significant digits of the interval's half-width, within these bounds per unit.
DIGITS = {"count": (-6, 1), "fte": (-6, 1), "share": (1, 2), "index": (1, 4), "ties": (1, 3), "eur": (1, 3),
          "meur": (1, 1)}
UNIT_TEXT = {"share": "finding.unit.pp", "eur": "finding.unit.eur", "meur": "finding.unit.meur", "ties": "finding.unit.ties"}


@dataclass(frozen=True)
class Window:
    """The years a comparison covers: first calendar year and run length."""

    start_year: int
    years: float

    def end(self, lang: str) -> str:
        """The point in time the run ends: '2024' after whole years, 'Mai 2015' after 16 months from 2014."""
        end = self.start_year + self.years
        return f"{round(end)}" if abs(end - round(end)) < 1e-6 else month_label(end, lang)

    @property
    def last(self) -> str:
        return f"{math.ceil(self.start_year + self.years) - 1}"

    def phrase(self, kind: str, lang: str) -> str:
        """'Over 10 years (2014-2024)', 'At the end of the run (2024)', 'In the last year of the run (2023)'."""
        if kind == "total":
            return text("finding.window.total", lang, plural=self.years, start=self.start_year, end=self.end(lang),
                        n=number(self.years, lang, 0 if self.years == int(self.years) else 1))
        return text(f"finding.window.{kind}", lang, end=self.end(lang), last=self.last)

    def header(self, kind: str, lang: str) -> str:
        """Stock, total or last-year mean, with its years, for table headers and captions."""
        return text(f"finding.kind.{kind}", lang, start=self.start_year, end=self.end(lang), last=self.last)


@dataclass(frozen=True)
class Finding:
    """One outcome of one scenario against the reference, with the numbers and the words said about it."""

    outcome: str
    position: int
    scenario: str
    reference: str
    diff: float
    low: float
    high: float
    measurable: bool | None  # None: too few runs for an interval
    value_text: str
    low_text: str
    high_text: str
    sentence: str


def measurable(low: float, high: float) -> bool | None:
    """True if the 95% interval excludes zero, False if it contains it, None without an interval."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return None
    return bool(low > 0 or high < 0)


def shown(outcome: str, value: float) -> float:
    """The value in the unit the reader sees (percentage points for shares, million EUR for spending)."""
    return value * SCALE.get(MEASURES[outcome].unit, 1.0)


def finding(row: pd.Series, reference: str, window: Window, lang: str) -> Finding:
    """The finding of one summary row (an outcome of a scenario at position > 0)."""
    outcome, measure = row["outcome"], MEASURES[row["outcome"]]
    diff, low, high = (shown(outcome, float(row[k])) for k in ("diff", "diff_low", "diff_high"))
    found = measurable(low, high)
    digits = digits_for((high - low) / 2, *DIGITS[measure.unit])
    magnitude, lower, upper = (abs(diff), abs(high), abs(low)) if diff < 0 else (diff, low, high)
    while found and round(lower, digits) == 0 and digits < 6:  # a measurable interval never shows a bound of 0
        digits += 1
    value_text, low_text, high_text = (number(v, lang, digits) for v in (magnitude, lower, upper))
    sentence = ""
    if found:
        values = {"window": window.phrase(measure.kind, lang), "scenario": row["scenario"], "ref": reference,
                  "value": value_text, "low": low_text, "high": high_text}
        if measure.unit in ("count", "fte"):
            sentence = text("finding.count", lang, **values, direction=text(f"finding.{'more' if diff > 0 else 'fewer'}", lang),
                            noun=text(f"finding.noun.{outcome}", lang, plural=round(magnitude, max(digits, 0))))
        else:
            unit = text(UNIT_TEXT[measure.unit], lang) if measure.unit in UNIT_TEXT else ""
            scale = text("finding.unit.index", lang) if measure.unit == "index" else ""
            sentence = text("finding.level", lang, **values, unit=unit, scale=scale,
                            direction=text(f"finding.{'higher' if diff > 0 else 'lower'}", lang),
                            noun=text(f"finding.noun.{outcome}", lang))
        sentence = sentence[0].upper() + sentence[1:]
    return Finding(outcome, int(row["position"]), row["scenario"], reference, diff, low, high, found,
                   value_text, low_text, high_text, sentence)


def findings(summary: pd.DataFrame, window: Window, lang: str,
             outcomes: tuple[str, ...] = tuple(MEASURES)) -> list[Finding]:
    """Every (scenario, outcome) finding against position 0, scenarios in order, outcomes in `outcomes` order."""
    if summary.empty or "diff" not in summary:
        return []
    reference = summary.loc[summary["position"] == 0, "scenario"].iloc[0]
    rank = {key: i for i, key in enumerate(outcomes)}
    rows = summary[(summary["position"] > 0) & summary["outcome"].isin(rank)]
    rows = rows.assign(rank=rows["outcome"].map(rank)).sort_values(["position", "rank"])
    return [finding(row, reference, window, lang) for _, row in rows.iterrows()]


def paragraphs(found: list[Finding], lang: str) -> list[dict[str, object]]:
    """Per scenario: a heading, the sentences of measurable differences, and the sentences naming the rest."""
    result = []
    for position in sorted({f.position for f in found}):
        own = [f for f in found if f.position == position]
        first = own[0]
        sentences = [f.sentence for f in own if f.measurable]
        quiet = [text(f"finding.name.{f.outcome}", lang) for f in own if f.measurable is False]
        unknown = [text(f"finding.name.{f.outcome}", lang) for f in own if f.measurable is None]
        if quiet:
            sentences.append(text("finding.none", lang, scenario=first.scenario, ref=first.reference, items=join(quiet, lang)))
        if unknown:
            sentences.append(text("finding.unknown", lang, items=join(unknown, lang)))
        result.append({"position": position, "scenario": first.scenario,
                       "heading": text("finding.scenario_heading", lang, scenario=first.scenario, ref=first.reference),
                       "sentences": sentences})
    return result


def caveat(lang: str) -> str:
    """The line that says what the comparison is and is not."""
    return text("finding.caveat", lang)


def basis(pairs: int, scale: str, lang: str, scenarios: int = 2) -> str:
    """'Basis: 10 paired runs per scenario, national scale; 95% intervals of the paired differences.'"""
    key = "finding.basis" if scenarios > 1 else "finding.basis_single"
    return text(key, lang, n=pairs, scale=text(f"finding.scale.{scale}", lang))



def budget_neutral_line(scenario: str, reference: str, factor: float, gap: float, evaluations: int, seeds: int,
                        lang: str) -> str:
    """The line `--budget-neutral` prints per scaled scenario, in the report's language."""
    sign = "+" if gap >= 0 else "-"
    return text("finding.budget_neutral", lang, scenario=scenario, ref=reference, factor=number(factor, lang, 4),
                gap=sign + percent(abs(gap), lang, 2), evaluations=text("finding.evaluations", lang, n=evaluations),
                seeds=text("finding.seeds", lang, n=seeds))
