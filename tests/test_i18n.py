"""The message catalogue: one shape for every message, fallbacks, plurals and number formats by language."""

from __future__ import annotations

import math

from msosim.dashboard.strings import STRINGS
from msosim.i18n import MESSAGES, label, number, percent, signed, t
from msosim.i18n import catalogue


def test_every_message_has_english_and_its_languages_only():
    for key, entry in MESSAGES.items():
        assert "." in key and "en" in entry and set(entry) <= {"de", "en"}, key


def test_fallbacks_and_placeholders():
    assert t("report.diff_vs", "de", ref="A").startswith("Δ: gepaarte Differenz zu A")
    assert t("no.such.message", "de") == "no.such.message"
    assert label("alive_end", "de") == "Aktive MSO am Ende" and label("not_a_label") == "not_a_label"


def test_plural_forms_follow_babel(monkeypatch):
    monkeypatch.setitem(catalogue.MESSAGES, "test.runs", {"de": {"one": "{n} Lauf", "other": "{n} Läufe"},
                                                          "en": {"one": "{n} run", "other": "{n} runs"}})
    assert [t("test.runs", "de", n=n) for n in (1, 2)] == ["1 Lauf", "2 Läufe"]
    assert [t("test.runs", "en", n=n) for n in (1, 0)] == ["1 run", "0 runs"]


def test_numbers_by_language():
    assert number(1234.5, "de", 1) == "1.234,5" and number(1234.5, "en", 1) == "1,234.5"
    assert number(math.nan, "de") == "–" and signed(-3, "de") == "−3" and signed(0.001, "en", 1) == "±0.0"
    assert percent(0.125, "de", 1) == "12,5\xa0%" and percent(0.125, "en", 1) == "12.5%"


def test_reports_and_dashboard_say_versorgungsgrad():
    """The disagreement of the two tables is resolved: service coverage is 'Versorgungsgrad' in German."""
    assert STRINGS["headline.service_coverage"]["de"] == "Versorgungsgrad"
    assert MESSAGES["report.fig_coverage"]["de"] == "Versorgungsgrad"
    assert MESSAGES["report.service_coverage"]["de"].startswith("Versorgungsgrad")
    assert not [key for key, entry in MESSAGES.items() if "Abdeckung" in str(entry.get("de"))]


def test_the_dashboard_reads_the_one_catalogue():
    """The dashboard's table is a view of msosim.i18n.MESSAGES (ids 'dashboard.*'), not a second table."""
    assert STRINGS, "the dashboard has texts"
    for key, entry in STRINGS.items():
        assert MESSAGES[f"dashboard.{key}"] is entry
    assert "tip.budget_factor" in STRINGS and STRINGS["tip.budget_factor"]["en"]
