"""Lever tables: what a scenario changes against the reference, from the resolved scenarios; descriptions."""

from __future__ import annotations

import pytest

from msosim.reporting.scenario_levers import changed_levers, description, flatten, lever_table, setting_text
from msosim.scenario import load_scenario

from .conftest import SCENARIOS


def test_flatten_gives_dotted_keys_and_list_indices() -> None:
    assert flatten({"a": {"b": 1, "c": [{"d": 2}, 3]}, "e": []}) == {"a.b": 1, "a.c.0.d": 2, "a.c.1": 3, "e": []}


def test_institutional_changes_the_funding_mode_only() -> None:
    reference, scenario = load_scenario(SCENARIOS / "baseline.yaml"), load_scenario(SCENARIOS / "institutional.yaml")
    changes = changed_levers(reference, scenario)
    assert ("policy.funding_mode", "as_configured", "institutional") in changes
    assert all(key.startswith(("policy.", "funders.")) for key, _, _ in changes), changes
    assert changed_levers(reference, reference) == []


def test_lever_table_per_language() -> None:
    files = ["baseline.yaml", "micro_grants.yaml", "less_bureaucracy.yaml"]
    loaded = [load_scenario(SCENARIOS / name) for name in files]
    tables = lever_table(loaded, [s.name for s in loaded], "de")
    micro = tables["micro_grants"].set_index("Schlüssel")
    assert micro.loc["Budget Mikroförderung (policy.micro_grants_budget)", "Szenario"] == "10.000.000"
    assert micro.loc["Budget Mikroförderung (policy.micro_grants_budget)", "Referenz"] == "0"
    english = lever_table(loaded, [s.name for s in loaded], "en")["less_bureaucracy"].set_index("key")
    assert english.loc["Application effort (factor) (policy.application_hours_factor)", "scenario"] == "0.5"
    assert setting_text(None, "en") == "(not set)" and setting_text(True, "de") == "ja"


def test_options_are_said_in_words_per_language() -> None:
    loaded = [load_scenario(SCENARIOS / name) for name in ("baseline.yaml", "institutional.yaml")]
    german = lever_table(loaded, [s.name for s in loaded], "de")["institutional"].set_index("Schlüssel")
    assert german.loc["Förderart (policy.funding_mode)", "Szenario"] == "institutionelle Förderung"
    assert german.loc["Förderart (policy.funding_mode)", "Referenz"] == "wie im Szenario"
    assert setting_text("lottery", "en", "funders.0.selection") == "by lottery"
    assert setting_text("NW", "de", "population.land") == "NW", "a value without words stays as it is"


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_has_a_paragraph_of_description(path) -> None:
    text = description(load_scenario(path))
    assert len(text) >= 150 and text.count(".") >= 2, (path.name, text)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_is_described_in_german_too(path) -> None:
    scenario = load_scenario(path)
    german, english = description(scenario, "de"), description(scenario, "en")
    assert len(german) >= 150 and german != english and any(c in german for c in "äöüß"), (path.name, german)


def test_a_child_file_never_inherits_its_parents_name_or_descriptions(tmp_path) -> None:
    (tmp_path / "parent.yaml").write_text("name: parent\ndescription: The parent.\ndescription_de: Die Eltern.\n"
                                          "policy:\n  budget_factor: 2\n", encoding="utf-8")
    (tmp_path / "child.yaml").write_text("extends: parent.yaml\n", encoding="utf-8")
    child = load_scenario(tmp_path / "child.yaml")
    assert child.policy.budget_factor == 2
    assert (child.name, child.description, description(child, "de")) == ("child", "", "")
    (tmp_path / "english.yaml").write_text("extends: parent.yaml\ndescription: Only English.\n", encoding="utf-8")
    assert description(load_scenario(tmp_path / "english.yaml"), "de") == "Only English."
