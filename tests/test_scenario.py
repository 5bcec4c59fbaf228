"""Scenario loading: extends, overrides, and one clear error line (exit 2, nothing written) per bad file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from msosim import ScenarioError, load_scenario
from msosim.scenario import Scenario

from .conftest import ROOT, SCENARIOS

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenarios_load(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem


def test_extends_merges_mappings_and_keeps_parent_values() -> None:
    base = load_scenario(SCENARIOS / "baseline.yaml")
    inst = load_scenario(SCENARIOS / "institutional.yaml")
    assert inst.policy.funding_mode == "institutional"
    assert base.policy.funding_mode == "as_configured"
    assert inst.events == base.events
    assert inst.population == base.population
    assert inst.content_hash() != base.content_hash()


def test_content_hash_ignores_name_but_not_parameters(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text("name: one\nyears: 5\n")
    b.write_text("name: two\nyears: 5\n")
    assert load_scenario(a).content_hash() == load_scenario(b).content_hash()
    b.write_text("name: two\nyears: 6\n")
    assert load_scenario(a).content_hash() != load_scenario(b).content_hash()


def test_overrides_apply_dotted_keys() -> None:
    scenario = load_scenario(SCENARIOS / "baseline.yaml", {"policy.budget_factor": 0.5, "years": 3})
    assert scenario.policy.budget_factor == 0.5
    assert scenario.years == 3


BAD_FILES = {
    "unknown_key": ("population:\n  n_msoss: 10\n", "population.n_msoss", "no such key"),
    "wrong_type": ("years: ten\n", "'years'", "number"),
    "out_of_range": ("policy:\n  budget_factor: -1\n", "policy.budget_factor", "greater than or equal to 0"),
    "bad_choice": ("policy:\n  funding_mode: socialism\n", "policy.funding_mode", "'project'"),
    "bad_event": ("events:\n  - kind: meteor\n    start: 2020\n", "events.0", "refugee_surge"),
    "yaml_syntax": ("years: [1, 2\n", "YAML syntax error", "line"),
    "not_a_mapping": ("- 1\n- 2\n", "top level", "mapping"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_error_names_file_key_value_and_allowed(tmp_path: Path, case: str) -> None:
    text, key, allowed = BAD_FILES[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert str(path) in message
    assert key in message
    assert allowed in message
    assert "\n" not in message


def test_missing_file_and_extends_cycle(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.yaml")
    (tmp_path / "c.yaml").write_text("extends: missing.yaml\n")
    with pytest.raises(ScenarioError, match="'extends'.*file not found"):
        load_scenario(tmp_path / "c.yaml")


def test_shares_that_cannot_add_up_are_rejected() -> None:
    with pytest.raises(ValueError):
        Scenario.model_validate({"population": {"share_volunteer_only": 0.7, "share_permanent_staff": 0.5}})


@pytest.mark.parametrize("case", ["unknown_key", "yaml_syntax", "out_of_range"])
def test_cli_bad_scenario_exits_2_without_traceback_or_output(tmp_path: Path, case: str) -> None:
    text, key, _ = BAD_FILES[case]
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "msosim.cli", "run", str(path), "--out", str(out)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert key in result.stderr.replace("\n", "")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]


def test_policy_budgets_follow_the_funder_role_not_its_name():
    """policy.micro_grants_budget and professionalisation_budget set the budget of the funders with that role."""
    from msosim.scenario import FunderConfig, Scenario

    funders = {"small_grants": FunderConfig(role="micro_grants", budget=1.0),
               "micro_grants": FunderConfig(budget=7.0),
               "structure": FunderConfig(role="structure_programme", budget=3.0)}
    scenario = Scenario(funders=funders, policy={"micro_grants_budget": 5e6, "professionalisation_budget": 4e6,
                                                 "budget_factor": 0.5})
    after = scenario.overlay.funders
    assert after["small_grants"].budget == 2.5e6 and after["micro_grants"].budget == 3.5
    assert after["structure"].budget == 2e6 and scenario.funders["structure"].budget == 3.0  # the scenario keeps its own
    assert Scenario(funders=funders).overlay.funders["structure"].budget == 3.0  # no professionalisation budget: its own


def test_the_policy_overlay_is_applied_once_when_the_scenario_loads():
    """The overlay holds every lever the model reads (support, dialogue, paid delegation: the policy's, else the
    municipal setting); a loaded scenario is frozen, so the overlay cannot go stale; with_overrides makes a new one."""
    import pydantic

    from msosim.scenario import with_overrides

    scenario = Scenario(municipality={"delegation_funded_share": 0.3},
                        policy={"application_support": 0.4, "dialogue_formats": 0.7, "application_hours_factor": 0.5})
    overlay = scenario.overlay
    assert (overlay.application_support, overlay.dialogue_formats, overlay.delegation_funded_share) == (0.4, 0.7, 0.3)
    assert overlay.funders["foundations"].application_hours == 25.0 and scenario.funders["foundations"].application_hours == 50.0
    assert scenario.overlay is overlay  # computed once, not on each read
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        scenario.policy.application_support = 0.9
    changed = with_overrides(scenario, {"policy.delegation_funded_share": 0.9, "policy.application_support": 0.1})
    assert (changed.overlay.delegation_funded_share, changed.overlay.application_support) == (0.9, 0.1)
    assert scenario.overlay.application_support == 0.4
