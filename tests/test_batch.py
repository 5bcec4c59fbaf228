"""The ensemble engine (issue 20): a world's tables are identical alone and in a batch (msosim/batch.py).

Each world of a batch is checked table by table, cell by cell, against the same seed run alone, for the
district scenario (10 years) and the national baseline (3 years, as tests/digests.py), in batches of 2, 7 and 50
that hold seeds 1, 2 and 7 at different positions."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from msosim.batch import Batch
from msosim.model import MSOModel

from .conftest import SCENARIOS

CASES = {"district": (SCENARIOS / "district.yaml", 10.0), "baseline": (SCENARIOS / "baseline.yaml", 3.0)}
CHECKED = (1, 2, 7)  # the seeds whose tables are compared in every batch


@cache
def alone(case: str, seed: int) -> dict[str, pd.DataFrame]:
    path, years = CASES[case]
    return MSOModel(path, seed=seed).run(years).tables()


def assert_worlds_as_alone(case: str, seeds: list[int]) -> None:
    path, years = CASES[case]
    batch = Batch(path, seeds).run(years)
    for world, seed in enumerate(seeds):
        if seed not in CHECKED:
            continue
        expected, got = alone(case, seed), batch.world_tables(world)
        assert list(got) == list(expected)
        for name in expected:
            pd.testing.assert_frame_equal(got[name], expected[name], check_exact=True,
                                          obj=f"{case}, world {world} of {len(seeds)} (seed {seed}), table {name}")


@pytest.mark.parametrize("case", sorted(CASES))
def test_two_worlds(case) -> None:
    assert_worlds_as_alone(case, [2, 1])


@pytest.mark.parametrize("case", sorted(CASES))
def test_seven_worlds(case) -> None:
    assert_worlds_as_alone(case, [3, 7, 1, 4, 5, 2, 6])


@pytest.mark.slow
def test_fifty_district_worlds() -> None:
    assert_worlds_as_alone("district", [*range(10, 30), 7, *range(30, 45), 1, *range(45, 55), 2, 55, 56])


@pytest.mark.slow
def test_fifty_national_worlds() -> None:
    assert_worlds_as_alone("baseline", [*range(10, 57), 7, 1, 2])


def test_a_world_given_another_worlds_stream_differs() -> None:
    """The check can fail: world 0 drawing from world 1's Generator changes its tables."""
    path = CASES["district"][0]
    batch = Batch(path, [1, 2])
    batch.streams.rngs.reverse()
    batch.run(1.0)
    expected = MSOModel(path, seed=1).run(1.0).tables()["events"]
    assert not batch.world_tables(0)["events"].equals(expected)


def test_money_is_conserved_per_world() -> None:
    """What each world's funders paid is what its MSOs received, to the cent, and what came back is what they
    returned (the invariants of tests/test_invariants.py, per world)."""
    batch = Batch(CASES["district"][0], [1, 2, 7]).run(5.0)
    for world in range(3):
        tables = batch.world_tables(world)
        row = tables["model"].iloc[-1]
        assert row["funders_paid_total"] == pytest.approx(row["msos_grant_income_total"], abs=0.01)
        assert row["funders_returned_total"] == pytest.approx(row["msos_grant_returned_total"], abs=0.01)
        assert row["municipal_paid_total"] == pytest.approx(row["msos_municipal_income_total"], abs=0.01)
        msos = tables["msos"]
        assert (msos[["members", "volunteers"]].to_numpy() >= 0).all()
        dead = msos[(msos["snapshot"] == "end") & ~msos["alive"]]
        assert (dead["staff_fte"] == 0).all() and np.isfinite(dead["reserves"]).all()
