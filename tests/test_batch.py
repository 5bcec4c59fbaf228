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
from .test_kernels import need_numba

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


def test_compare_gives_the_same_store_batched_and_one_by_one(tmp_path) -> None:
    """`msosim compare` batches replications by default; its stored outcomes and monthly tables are those of the
    runs one by one (`--batch 1`), for every scenario and seed."""
    from msosim.experiments.batch import load_scenarios, run_comparison
    from msosim.experiments.store import Store

    paths = [SCENARIOS / "district.yaml", tmp_path / "district_institutional.yaml"]
    paths[1].write_text(f"extends: {paths[0]}\nname: district_institutional\npolicy:\n  funding_mode: institutional\n")
    scenarios = load_scenarios(paths)
    frames = {}
    for batch in (1, None, 3):
        with Store.open(tmp_path / f"store-{batch}.duckdb", create=True) as store:
            cid = run_comparison(store, scenarios, paths, reps=5, years=2.0, workers=2, base_seed=1, batch=batch)
            outcomes = store.select("outcomes", cid).sort_values(["position", "seed", "outcome"], ignore_index=True)
            steps = store.con.sql("select * from model_steps order by scenario_hash, seed, step").df()
            frames[batch] = (outcomes, steps)
    for batch in (None, 3):
        pd.testing.assert_frame_equal(frames[batch][0], frames[1][0], check_exact=True)
        pd.testing.assert_frame_equal(frames[batch][1], frames[1][1], check_exact=True)


def test_batches_group_replications_of_one_scenario_in_turn() -> None:
    from msosim.experiments.batch import RunSpec
    from msosim.experiments.batching import batch_jobs, default_batch
    from msosim.scenario import load_scenario

    district = load_scenario(SCENARIOS / "district.yaml")
    national = load_scenario(SCENARIOS / "baseline.yaml")
    specs = [RunSpec(s.model_dump_json(), s.content_hash(), s.name, seed, 2.0)
             for seed in range(1, 8) for s in (district, national)]
    jobs = batch_jobs(specs, 3, workers=2)
    assert [[spec.seed for spec in job] for job in jobs] == [[1, 2, 3], [1, 2, 3], [4, 5, 6], [4, 5, 6], [7], [7]]
    assert all(len({spec.scenario_hash for spec in job}) == 1 for job in jobs)
    assert default_batch(district, 40, workers=2) == 20       # every worker busy
    assert default_batch(district, 400, workers=2) == 50      # at most 50 worlds
    assert default_batch(national, 40, workers=2) == 1        # large worlds run one by one (batching.py)


@pytest.mark.parametrize("compiled", [False, True])
def test_new_msos_of_several_worlds_are_each_worlds_alone(compiled) -> None:
    """population.new_msos_by_world (a batch's founding: each world's draws on its Generator, the arithmetic once
    over all rows; `compiled`: every world's draws in kernels/distributions' calls) gives every world's new MSOs,
    column for column, as that world founding alone; and each world's Generator is left where it is left alone."""
    from msosim import kernels
    from msosim.population import new_msos, new_msos_by_world
    from msosim.streams import Streams

    model = MSOModel(SCENARIOS / "district.yaml", seed=1)
    cfg, d = model.config, model.districts
    districts = [np.array([0, 0, 0]), np.array([0]), np.array([0] * 7)]
    rngs = [np.random.default_rng(40 + k) for k in range(len(districts))]
    table = None
    if compiled:
        need_numba()
        with kernels.using("numba"):
            table = Streams(rngs).generators()
            assert table is not None
            together = new_msos_by_world(cfg, d, list(zip(rngs, districts)), table)
    else:
        together = new_msos_by_world(cfg, d, list(zip(rngs, districts)))
    start = 0
    for k, rows in enumerate(districts):
        rng = np.random.default_rng(40 + k)
        alone_values = new_msos(cfg, d, rows, rng)
        for name, value in alone_values.items():
            mine = np.broadcast_to(together[name], (sum(map(len, districts)), *np.shape(value)[1:]))
            expected = np.broadcast_to(value, (rows.size, *np.shape(value)[1:]))
            assert np.array_equal(mine[start: start + rows.size], expected), (k, name)
        assert rngs[k].bit_generator.state == rng.bit_generator.state
        start += rows.size


def test_event_tables_are_the_same_made_together_or_world_by_world() -> None:
    """Replications' events are one frame, made once, that each world's table is a slice of; worlds whose funders are
    named differently get a frame each (Batch._world_events): the same tables either way."""
    batch = Batch(CASES["district"][0], [2, 1, 3]).run(1.0)
    together = [batch.world_tables(world, ("events",))["events"] for world in range(3)]
    funder = batch.funders[batch.funder_slices[1]][0]
    original, funder.name = funder.name, "renamed"
    batch._splits.clear()
    apart = [batch.world_tables(world, ("events",))["events"] for world in range(3)]
    apart[1]["funder"] = apart[1]["funder"].cat.rename_categories({"renamed": original})
    for world in range(3):
        pd.testing.assert_frame_equal(apart[world], together[world], check_exact=True)
    assert (together[1]["funder"] == original).any()


def test_a_worlds_monthly_rows_are_its_rows_alone_with_their_python_types():
    """A world's `datacollector.rows` (the dashboard reads the last every step) are its rows alone: the same keys,
    values and Python types (an int stays an int, a flow is a float only in a step a float was added to it, nan where
    alone there is nan), although the batch keeps them as arrays over its worlds (batch_rows.py)."""
    seeds = [5, 1, 3]
    batch = Batch(SCENARIOS / "district.yaml", seeds).run(2.0)
    assert len(batch.handle(1).datacollector.rows) == 25
    for world, seed in enumerate(seeds):
        rows = MSOModel(SCENARIOS / "district.yaml", seed=seed).run(2.0).datacollector.rows
        got = batch.handle(world).datacollector.rows
        assert got == rows and got[-1] == rows[-1] and got[3:5] == rows[3:5]
        for mine, theirs in zip(got, rows):
            assert {k: type(v) for k, v in mine.items()} == {k: type(v) for k, v in theirs.items()}
    floats = {type(row["staff_hired"]) for row in rows}
    assert floats == {int, float}, "the flows' types change from step to step: both are checked"


def reference_yearly(view) -> dict:
    """The yearly indicators of one world's rows, written out with numpy's own sums, sort and mean (the formulas of
    docs/ODD.md 7.23)."""
    living = view.alive[: view.n].nonzero()[0]
    sources = [view.income_last_year[living, k] for k in range(view.income_last_year.shape[1])]
    grants = sources[2] + sources[3]
    total = sources[0].copy()
    for values in sources[1:]:
        total += values
    paid = (total > 0).nonzero()[0]
    hhi = np.zeros(paid.size)
    for values in sources:
        share = values[paid] / total[paid]
        hhi += share * share
    gini = 0.0
    if grants.size and grants.sum() > 0:
        x = np.sort(grants)
        gini = float(2.0 * (np.arange(1, x.size + 1) * x).sum() / (x.size * x.sum()) - (x.size + 1.0) / x.size)
    return {"funding_gini": gini, "revenue_concentration": float(hhi.mean()) if hhi.size else 0.0}


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_every_worlds_yearly_indicators_at_once_are_its_own(backend) -> None:
    """A batch works out the yearly indicators of all its worlds at once (batch_state.yearly_by_world, with
    metrics.yearly_of): each world's are, value and type, those of numpy's formulas on its own rows, year after year,
    and those the model alone computes from a view of them (metrics.yearly_indicators)."""
    from msosim import kernels
    from msosim.batch_state import RowsView, yearly_by_world
    from msosim.metrics import yearly_indicators

    if backend == "numba":
        need_numba()
    with kernels.using(backend):
        batch = Batch(SCENARIOS / "district.yaml", [3, 1, 4, 1, 5])
        for _ in range(3):
            batch.run(1.0)
            got = yearly_by_world(batch)
            views = [RowsView(batch.msos, batch.world_rows(k)) for k in range(5)]
            expected = [reference_yearly(view) for view in views]
            assert got == expected == [yearly_indicators(view) for view in views]
            assert [{k: type(v) for k, v in row.items()} for row in got] == \
                [{k: type(v) for k, v in row.items()} for row in expected]
            assert any(row["funding_gini"] > 0 for row in got)
