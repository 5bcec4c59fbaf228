"""A batch of worlds with different policy levers (issue 20: sweep points that share a population): each world's
tables are identical to its own scenario's run alone, cell for cell; worlds that differ in more than their policy
levers are refused."""

from __future__ import annotations

import pandas as pd
import pytest

from msosim.batch import Batch
from msosim.model import MSOModel
from msosim.scenario import load_scenario, with_overrides

from .conftest import SCENARIOS

YEARS = 4.0
LEVERS = [  # one world each: every lever of PolicyConfig, alone or together
    {},
    {"policy.funding_mode": "institutional"},
    {"policy.funding_mode": "mixed", "policy.institutional_share": 0.7, "policy.project_years": 4.0},
    {"policy.application_support": 0.6, "policy.application_hours_factor": 0.4},
    {"policy.dialogue_formats": 0.8, "policy.delegation_funded_share": 0.9},
    {"policy.budget_factor": 2.5, "policy.cofunding_share": 0.0, "policy.micro_grants_budget": 2e7},
    {"policy.professionalisation_budget": 5e6, "policy.funding_mode": "project"},
]
SEEDS = [3, 1, 2, 7, 1, 5, 4]


def variants() -> list:
    base = load_scenario(SCENARIOS / "district.yaml")
    return [with_overrides(base, levers) for levers in LEVERS]


def test_each_world_runs_its_own_policy_as_alone() -> None:
    scenarios = variants()
    batch = Batch(scenarios, SEEDS).run(YEARS)
    outcomes = set()
    for world, (scenario, seed) in enumerate(zip(scenarios, SEEDS)):
        expected, got = MSOModel(scenario, seed=seed).run(YEARS).tables(), batch.world_tables(world)
        assert list(got) == list(expected)
        for name in expected:
            pd.testing.assert_frame_equal(got[name], expected[name], check_exact=True,
                                          obj=f"world {world} ({LEVERS[world]}, seed {seed}), table {name}")
        outcomes.add(round(float(got["model"]["alive_staffed"].iloc[-1]), 6))
    assert len(outcomes) > 3  # the levers do change the worlds (else the test would prove little)


def test_the_same_seed_under_two_policies_differs_as_alone() -> None:
    """Worlds 1 and 4 share seed 1: institutional funding and dialogue formats give different runs, as alone."""
    scenarios = variants()
    batch = Batch([scenarios[1], scenarios[4]], [1, 1]).run(2.0)
    a, b = batch.world_tables(0)["model"], batch.world_tables(1)["model"]
    assert not a.equals(b)
    pd.testing.assert_frame_equal(b, MSOModel(scenarios[4], seed=1).run(2.0).tables()["model"], check_exact=True)


def test_worlds_differing_beyond_the_policy_are_refused() -> None:
    base = load_scenario(SCENARIOS / "district.yaml")
    other = with_overrides(base, {"volunteers.dropout_rate": 0.3, "policy.budget_factor": 2.0})
    with pytest.raises(ValueError, match=r"world 1 .* differs from world 0 .* in \['volunteers'\]: a batch's worlds "
                                         r"may differ in their policy levers only"):
        Batch([base, other], [1, 2])
    with pytest.raises(ValueError, match="3 scenarios for 2 seeds"):
        Batch([base, base, base], [1, 2])
    renamed = base.model_copy(update={"name": "renamed"})
    assert renamed.world_hash() == base.world_hash() != other.world_hash()
