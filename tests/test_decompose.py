"""Decompositions by MSO type, funder level and Land: in every run and in the summary, the parts sum to the whole."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msosim.api import run_outcomes
from msosim.experiments.batch import summarise
from msosim.model import MSOModel
from msosim.splits import DIMENSIONS, decomposition, dimensions_present, split_name
from msosim.scenario import load_scenario

from .conftest import SCENARIOS

# National scale with few MSOs: every Land present, a run in a fraction of a second.
NATIONAL_SMALL = {"population.n_msos": 300, "population.n_districts": 20}


@pytest.fixture(scope="module")
def outcomes() -> pd.DataFrame:
    """Tidy outcomes of 3 seeds of baseline and institutional (national, 300 MSOs, 2 years), as batch stores them."""
    rows = []
    for position, name in enumerate(("baseline.yaml", "institutional.yaml")):
        scenario = load_scenario(SCENARIOS / name, NATIONAL_SMALL)
        for seed in (1, 2, 3):
            tables = MSOModel(scenario, seed=seed).run(2).tables(only=("model", "funders", "msos"))
            found = run_outcomes(tables["model"], 12, tables["funders"], tables["msos"])
            rows += [{"position": position, "scenario": scenario.name, "seed": seed, "outcome": key, "value": value}
                     for key, value in found.items()]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("dimension", list(DIMENSIONS))
def test_parts_of_each_run_sum_to_its_whole(outcomes, dimension) -> None:
    for (_, _), run in outcomes.groupby(["position", "seed"]):
        values = run.set_index("outcome")["value"]
        for outcome in DIMENSIONS[dimension]:
            parts = [v for k, v in values.items() if split_name(k)[:2] == (outcome, dimension)]
            assert len(parts) >= 2
            assert sum(parts) == pytest.approx(values[outcome], rel=1e-12, abs=0.01), (outcome, dimension)


def test_every_land_and_level_appears_at_national_scale(outcomes) -> None:
    names = set(outcomes["outcome"])
    assert sum(1 for n in names if n.startswith("alive_end|land=")) == 16
    assert {f"public_money_total|level={lv}" for lv in ("federal", "land", "foundation", "municipal")} <= names


@pytest.mark.parametrize("dimension", list(DIMENSIONS))
def test_summary_parts_sum_to_the_whole_mean_and_difference(outcomes, dimension) -> None:
    summary = summarise(outcomes)
    for outcome in DIMENSIONS[dimension]:
        assert dimension in dimensions_present(summary, outcome)
        table = decomposition(summary, outcome, dimension)
        for position, block in table.groupby("position"):
            parts, total = block[block["part"] != "total"], block[block["part"] == "total"].iloc[0]
            assert parts["mean"].sum() == pytest.approx(total["mean"], rel=1e-9, abs=0.01)
            if position:
                assert parts["diff"].sum() == pytest.approx(total["diff"], rel=1e-9, abs=0.01)
                assert np.isfinite(parts["diff_low"]).all()


def test_institutional_funding_moves_money_to_staffed_msos_direction(outcomes) -> None:
    """Direction check of the type split: core funding pays staffed MSOs more than projects did (paired, 3 seeds)."""
    summary = summarise(outcomes).set_index(["outcome", "position"])
    staffed = summary.loc[("public_money_total|type=staffed", 1)]
    total = summary.loc[("public_money_total", 1)]
    assert staffed["mean"] / total["mean"] > summary.loc[("public_money_total|type=staffed", 0), "mean"] / \
        summary.loc[("public_money_total", 0), "mean"]
