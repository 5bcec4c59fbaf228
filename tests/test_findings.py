"""Findings sentences: they agree with the summary table (sign, interval, significance) in both languages."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from msosim.reporting.findings import DIGITS, MEASURES, Window, basis, caveat, findings, measurable, paragraphs, shown
from msosim.reporting.findings_format import default_language, digits_for, number, percent, signed, text
from msosim.i18n.findings import MESSAGES

DIRECTIONS = {"en": {"more": "more", "fewer": "fewer", "higher": "higher", "lower": "lower"},
              "de": {"more": "mehr", "fewer": "weniger", "higher": "höher", "lower": "niedriger"}}


def synthetic_summary(seed: int, scenarios: int = 3) -> pd.DataFrame:
    """A summary like batch.summarise returns: every outcome, some intervals off zero, some across it."""
    rng = np.random.default_rng(seed)
    rows = []
    for position in range(scenarios):
        for outcome, measure in MEASURES.items():
            size = {"share": 0.5, "index": 0.3, "meur": 5e7, "eur": 40.0}.get(measure.unit, 3000.0)
            mean = size * rng.uniform(0.5, 1.5)
            row = {"outcome": outcome, "position": position, "scenario": f"scenario_{position}", "n": 5,
                   "mean": mean, "low": mean * 0.98, "high": mean * 1.02}
            if position:
                diff = size * rng.normal(0, 0.05)
                half = abs(diff) * rng.choice([0.3, 0.9, 1.5])
                row.update(n_pairs=5, diff=diff, diff_low=diff - half, diff_high=diff + half)
            rows.append(row)
    return pd.DataFrame(rows)


def expected_strings(outcome: str, row: pd.Series, lang: str) -> tuple[str, str, str, str]:
    """Value, low and high as the reader should see them, and the direction word, computed from the table row."""
    unit = MEASURES[outcome].unit
    diff, low, high = (shown(outcome, row[k]) for k in ("diff", "diff_low", "diff_high"))
    digits = digits_for((high - low) / 2, *DIGITS[unit])
    counted = unit in ("count", "fte")
    word = ("more" if diff > 0 else "fewer") if counted else ("higher" if diff > 0 else "lower")
    if diff < 0:
        diff, low, high = -diff, -high, -low
    while (low > 0) and round(low, digits) == 0 and digits < 6:
        digits += 1
    return number(diff, lang, digits), number(low, lang, digits), number(high, lang, digits), DIRECTIONS[lang][word]


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sentences_agree_with_the_table(seed: int, lang: str) -> None:
    summary = synthetic_summary(seed)
    found = findings(summary, Window(2014, 10), lang)
    table = summary[summary["position"] > 0].set_index(["outcome", "position"])
    assert len(found) == len(table)
    said = {p["position"]: " ".join(p["sentences"]) for p in paragraphs(found, lang)}
    seen = {True: 0, False: 0}
    for f in found:
        row = table.loc[(f.outcome, f.position)]
        excludes_zero = bool(row["diff_low"] > 0 or row["diff_high"] < 0)
        assert f.measurable is excludes_zero
        seen[excludes_zero] += 1
        if excludes_zero:
            value, low, high, word = expected_strings(f.outcome, row, lang)
            pattern = (rf"{re.escape(value)} (\S+ )*?{re.escape(word)}\b.*?"
                       rf"{re.escape(low)} (to|bis) {re.escape(high)}")
            assert re.search(pattern, f.sentence), (f.sentence, value, low, high, word)
            assert f.sentence in said[f.position]
            opposite = {"more": "fewer", "fewer": "more", "higher": "lower", "lower": "higher"}
            english = {v: k for k, v in DIRECTIONS[lang].items()}[word]
            assert f" {DIRECTIONS[lang][opposite[english]]} " not in f" {f.sentence} "
        else:
            assert f.sentence == ""
            name = text(f"finding.name.{f.outcome}", lang)
            none_sentence = [s for s in said[f.position].split(". ") if s.startswith(("No measurable", "Keine messbare"))]
            assert none_sentence and name in none_sentence[0]
    assert seen[True] and seen[False], "the synthetic table must hold both kinds"


def test_german_numbers_and_plurals() -> None:
    assert number(1234.5, "de", 1) == "1.234,5"
    assert number(1234.5, "en", 1) == "1,234.5"
    assert number(1234.5, "de", -1) == "1.230"
    assert signed(-0.25, "de", 2) == "-0,25" and signed(3, "en") == "+3"
    assert percent(0.0113, "de") == "1,1\xa0%" and percent(0.0113, "en") == "1.1%" and percent(0.5, "de", 0) == "50\xa0%"
    assert text("finding.noun.staff_fte_end", "de", plural=1) == "bezahlte Vollzeitstelle"
    assert text("finding.noun.staff_fte_end", "de", plural=2) == "bezahlte Vollzeitstellen"
    assert text("finding.noun.alive_end", "en", plural=1) == "MSO alive"
    assert text("finding.window.total", "en", plural=1, n="1", start=2014, end="2015") == "Over 1 year (2014-2015)"


def test_digits_keep_two_significant_digits_of_the_interval() -> None:
    assert digits_for(34.5) == 0
    assert digits_for(345.0) == -1
    assert digits_for(0.04) == 3 and digits_for(0.04, maximum=2) == 2
    assert digits_for(0.0) == 0


def test_shares_in_percentage_points_and_indices_on_their_scale() -> None:
    summary = pd.DataFrame([
        {"outcome": "service_coverage", "position": 1, "scenario": "b", "diff": -0.004, "diff_low": -0.005, "diff_high": -0.003},
        {"outcome": "mean_burnout", "position": 1, "scenario": "b", "diff": 0.002, "diff_low": 0.001, "diff_high": 0.003},
        {"outcome": "alive_end", "position": 0, "scenario": "a"},
    ])
    found = {f.outcome: f for f in findings(summary, Window(2014, 2), "en")}
    assert "0.40 percentage points lower" in found["service_coverage"].sentence
    assert re.findall(r"\d+ ?%", found["service_coverage"].sentence + found["mean_burnout"].sentence) == ["95%", "95%"]
    assert "mean burnout is 0.0020 higher on the 0-1 scale under b" in found["mean_burnout"].sentence
    assert not MEASURES["mean_burnout"].counted and not MEASURES["service_coverage"].counted
    assert MEASURES["alive_end"].counted and MEASURES["public_money_total"].counted


def test_a_measurable_interval_never_shows_a_bound_of_zero() -> None:
    summary = pd.DataFrame([{"outcome": "mean_burnout", "position": 0, "scenario": "a"},
                            {"outcome": "mean_burnout", "position": 1, "scenario": "b", "diff": 0.0016,
                             "diff_low": 0.0002, "diff_high": 0.0030}])
    (found,) = findings(summary, Window(2014, 10), "en")
    assert found.measurable and found.low_text == "0.0002" and found.value_text == "0.0016"


def test_no_interval_with_one_run_is_said_as_such() -> None:
    summary = pd.DataFrame([{"outcome": "alive_end", "position": 0, "scenario": "a"},
                            {"outcome": "alive_end", "position": 1, "scenario": "b", "diff": 3.0,
                             "diff_low": np.nan, "diff_high": np.nan}])
    found = findings(summary, Window(2014, 2), "de")
    assert found[0].measurable is None and measurable(np.nan, 1.0) is None
    assert paragraphs(found, "de")[0]["sentences"] == [text("finding.unknown", "de", items="aktive MSO")]


def test_catalogue_has_both_languages_and_the_frame_texts() -> None:
    for key, entry in MESSAGES.items():
        assert set(entry) == {"de", "en"}, key
        for value in entry.values():
            assert isinstance(value, str) or set(value) >= {"one", "other"}, key
    for outcome in MEASURES:
        assert f"finding.noun.{outcome}" in MESSAGES and f"finding.name.{outcome}" in MESSAGES
    assert "not a forecast" in caveat("en") and "keine Prognose" in caveat("de")
    assert basis(1, "district", "en").startswith("Basis: 1 paired run per scenario, one district")
    assert basis(3, "land", "de", scenarios=1).startswith("Grundlage: 3 Läufe, ein Land; nur ein Szenario")


@pytest.mark.parametrize("env, expected", [({"LC_ALL": "de_DE.UTF-8"}, "de"), ({"LANG": "de_AT.UTF-8"}, "de"),
                                           ({"LANG": "en_GB.UTF-8"}, "en"), ({"LC_ALL": "fr_FR.UTF-8"}, "en")])
def test_language_defaults_from_the_locale(monkeypatch, env, expected) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert default_language() == expected


def test_a_cost_per_unit_of_opposite_sign_is_said_in_words() -> None:
    from msosim.reporting.findings_section import incremental_text

    def row(effect: float, cost: float) -> pd.Series:
        ratio = cost / effect
        return pd.Series({"effect": effect, "extra_cost": cost, "mean": ratio, "low": ratio * 0.8, "high": ratio * 1.2})

    assert incremental_text(row(10.0, 1000.0), "en") == "100 [80 to 120]"
    assert incremental_text(row(10.0, -1000.0), "en") == "more for less money"
    assert incremental_text(row(-10.0, 1000.0), "de") == "weniger Leistung für mehr Geld"
    assert incremental_text(row(-10.0, -1000.0), "de") == "gespart: 100 [80 bis 120] EUR je Einheit weniger"
    said = [incremental_text(row(e, c), lang) for e in (-10.0, 10.0) for c in (-1000.0, 1000.0) for lang in ("en", "de")]
    assert not any(s.startswith("-") for s in said), "never a negative EUR per unit"


def test_the_budget_neutral_line_follows_the_language() -> None:
    from msosim.reporting.findings import budget_neutral_line

    german = budget_neutral_line("b", "a", 0.97312, -0.0042, 3, 2, "de")
    english = budget_neutral_line("b", "a", 0.97312, -0.0042, 3, 2, "en")
    assert german.startswith("Haushaltsneutral: b: Budgets x 0,9731") and "-0,42" in german and "gegenüber a" in german
    assert english.startswith("budget-neutral: b: budgets x 0.9731") and "-0.42%" in english
    assert german.endswith("(3 Auswertungen auf 2 Seeds)") and english.endswith("(3 evaluations on 2 seeds)")
    assert budget_neutral_line("b", "a", 1.0, 0.001, 1, 1, "de").endswith("(1 Auswertung auf 1 Seed)")


def test_a_run_of_some_months_ends_in_a_month_not_a_fraction_of_a_year() -> None:
    # The dashboard's brief after 16 months from January 2014 said "(2015.33)".
    window = Window(2014, 16 / 12)
    assert window.end("de") == "Mai 2015" and window.end("en") == "May 2015"
    assert window.end("en") in window.phrase("end", "en") and "2015.33" not in window.header("total", "en")
    assert Window(2014, 10).end("de") == "2024"
