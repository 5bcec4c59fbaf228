"""What the room needs from the dashboard's logic: plural forms, the MSO ledger, the CSV export in the language."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from msosim.dashboard.export import run_csv
from msosim.dashboard.runner import PolicyPair, initial_setup
from msosim.dashboard.strings import t

DISTRICT = Path(__file__).resolve().parents[1] / "scenarios" / "district.yaml"


@pytest.fixture
def pair() -> PolicyPair:
    """Story mode (one run per policy)."""
    setup, scenario = initial_setup(DISTRICT)
    return PolicyPair(dataclasses.replace(setup, replications=1), scenario)


def test_counts_take_the_languages_plural_forms():
    assert t("ticker.awarded_n", "de", n=1, amount="5.000") == "1 Förderung bewilligt (5.000 EUR/Jahr)"
    assert t("ticker.awarded_n", "de", n=3, amount="5.000") == "3 Förderungen bewilligt (5.000 EUR/Jahr)"
    assert t("ticker.founded_n", "en", n=1) == "1 new MSO founded"
    assert t("ticker.founded_n", "en", n=1200) == "1,200 new MSOs founded"
    assert t("ticker.founded_n", "de", n=1200) == "1.200 neue MSO gegründet"
    assert t("option.funding_mode.as_configured", "de") == "wie im Szenario"
    assert "Kreis" in t("tip.scale", "de") and "Bezirk" not in t("tip.scale", "de")


def test_ledger_adds_up_what_msos_came_to_see(pair: PolicyPair):
    for _ in range(14):
        snapshot = pair.step()
    frame, model = snapshot.frames["B"], pair.models["B"]
    table = model.datacollector.get_model_vars_dataframe()
    assert frame["staff_let_go_at_grant_end"].iloc[-1] == pytest.approx(table["staff_lost_at_cliff"].sum())
    assert frame["dissolved_total"].iloc[-1] == table["dissolved"].sum()
    assert frame["dissolved_insolvency_total"].iloc[-1] == table["dissolved_insolvency"].sum()
    assert np.all(np.diff(frame["application_hours_total"]) >= 0) and frame["application_hours_total"].iloc[-1] > 0
    n = model.msos.n
    public = float((model.msos.grant_income_total[:n] + model.msos.municipal_income_total[:n]).sum())
    assert frame["public_money_total"].iloc[-1] == pytest.approx(public)
    assert 0 <= frame["public_money_volunteer_only_share"].iloc[-1] <= 1


def test_csv_in_german_has_a_header_block_and_german_separators(pair: PolicyPair):
    from datetime import datetime

    pair.replace_policy("B", {**pair.setup.levers["B"], "budget_factor": 1.5})
    snapshot = pair.step()
    text = run_csv(snapshot.frames, pair.setup, "district", "de", now=datetime(2026, 12, 4, 17, 40))
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert header[0] == "# Szenario: district (Kreis, NW)"
    assert header[1].startswith("# Politik A: ") and "Förderbudget (Faktor) = 1,00" in header[1]
    assert "Förderbudget (Faktor) = 1,50" in header[2]
    assert header[3].startswith("# Zufallszahl (Seed): 1") and header[4] == "# Erstellt: 04.12.2026, 17:40:00"
    table = pd.read_csv(io.StringIO(text), comment="#", sep=";", decimal=",")
    assert list(table.columns[:4]) == ["Politik", "Schritt", "Jahr", "MSO aktiv"]
    assert table["Versorgungsgrad"].dtype == float and 0 < table["Versorgungsgrad"].iloc[-1] <= 1.05
    assert "bisher" in " ".join(table.columns)
    snake = [column for column in table.columns if "_" in column]
    assert not snake, f"every column has a header in the language: {snake}"
