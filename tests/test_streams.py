"""Per-world random streams (msosim/streams.py, issue 20): with several worlds in one draw, every world gets exactly
the numbers its own Generator gives it alone, at its positions and in its order; with one world, each method is the
Generator call the model made before (tests/test_digests.py holds the tables to that)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msosim.streams import Streams
from msosim.submodels import draws

SEEDS = (11, 12, 13)


def streams() -> Streams:
    return Streams([np.random.default_rng(seed) for seed in SEEDS])


def alone(world: int) -> np.random.Generator:
    return np.random.default_rng(SEEDS[world])


labels = st.lists(st.integers(0, len(SEEDS) - 1), min_size=0, max_size=60).map(lambda xs: np.array(xs, dtype=np.int64))


@settings(max_examples=60, deadline=None)
@given(worlds=labels)
def test_each_world_draws_its_own_numbers_in_its_own_order(worlds) -> None:
    """Several sites one after the other, as a step makes them: each world's numbers at each site are those of its
    Generator alone making the same calls for its own draws."""
    batch = streams()
    size = worlds.size
    n = (np.arange(size) % 7) * 3
    p = np.linspace(0.05, 0.9, size) if size else np.zeros(0)
    lam = np.linspace(0.1, 12.0, size) if size else np.zeros(0)
    got = [batch.random(size, worlds), batch.normal(0.0, 0.3, size, worlds), batch.lognormal(-0.8, 0.5, size, worlds),
           batch.geometric(0.1, size, worlds), batch.binomial(n, p, worlds), batch.binomial(n, 0.25, worlds),
           batch.poisson(lam, worlds)]
    for w in range(len(SEEDS)):
        rng, mine = alone(w), worlds == w
        k = int(mine.sum())
        expected = [rng.random(k), rng.normal(0.0, 0.3, k), rng.lognormal(-0.8, 0.5, k), rng.geometric(0.1, k),
                    rng.binomial(n[mine], p[mine]), rng.binomial(n[mine], 0.25), rng.poisson(lam[mine])]
        for site, (mine_got, mine_expected) in enumerate(zip(got, expected)):
            np.testing.assert_array_equal(mine_got[mine], mine_expected, err_msg=f"world {w}, site {site}")


@settings(max_examples=40, deadline=None)
@given(worlds=labels)
def test_inverted_binomial_and_poisson_draw_per_world(worlds) -> None:
    """`draws.binomial` and `draws.poisson` (uniforms for every row, numpy's sampler for the large rows) on a Streams
    with the world of each row: each world's rows are its draw alone, the large rows included."""
    size = worlds.size
    n = np.where(np.arange(size) % 5 == 0, 400, np.arange(size) % 9)  # every fifth row above the inversion limit
    p = np.linspace(0.01, 0.6, size) if size else np.zeros(0)
    lam = np.where(np.arange(size) % 4 == 0, 30.0, 0.7)
    batch = streams()
    got_binomial = draws.binomial(batch, n, p, 12, worlds)
    got_poisson = draws.poisson(batch, lam, worlds)
    for w in range(len(SEEDS)):
        rng, mine = alone(w), worlds == w
        np.testing.assert_array_equal(got_binomial[mine], draws.binomial(rng, n[mine], p[mine], 12))
        np.testing.assert_array_equal(got_poisson[mine], draws.poisson(rng, lam[mine]))


def test_thinning_per_world() -> None:
    rows = np.arange(100, 160)
    worlds = np.arange(60) % 3
    picked = streams().thin(rows, 0.3, worlds)
    for w in range(3):
        rng, mine = alone(w), rows[worlds == w]
        expected = mine[rng.choice(mine.size, rng.binomial(mine.size, 0.3), replace=False)]
        np.testing.assert_array_equal(np.sort(picked[np.isin(picked, mine)]), np.sort(expected))


@settings(max_examples=40, deadline=None)
@given(worlds=labels, p=st.sampled_from([0.0, 0.01, 0.05, 0.5]))
def test_thinning_that_picks_none_keeps_each_world_in_step(worlds, p) -> None:
    """A world that picks none makes no choice call (Streams.thin): its picks and its next numbers are still those of
    its Generator alone making both calls, also at a p where most worlds pick none."""
    worlds = np.sort(worlds).astype(np.int16)
    rows = np.arange(worlds.size) * 3 + 7
    batch = streams()
    picked = batch.thin(rows, p, worlds)
    after = batch.random(worlds.size, worlds)
    got = []
    for w in range(len(SEEDS)):
        rng, mine = alone(w), rows[worlds == w]
        got.append(mine[rng.choice(mine.size, rng.binomial(mine.size, p), replace=False)])
        np.testing.assert_array_equal(after[worlds == w], rng.random(mine.size), err_msg=f"world {w}")
    np.testing.assert_array_equal(picked, np.concatenate(got))
    assert picked.dtype == rows.dtype


def test_one_world_is_its_generator() -> None:
    """With one world the methods are the Generator's own calls (no labels needed)."""
    one = Streams([np.random.default_rng(5)])
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(one.random(8), rng.random(8))
    np.testing.assert_array_equal(one.binomial(np.arange(8), 0.5), rng.binomial(np.arange(8), 0.5))
    np.testing.assert_array_equal(one.thin(np.arange(20), 0.4), np.arange(20)[rng.choice(20, rng.binomial(20, 0.4),
                                                                                          replace=False)])


def test_several_worlds_need_the_world_of_each_draw() -> None:
    with pytest.raises(ValueError, match="world of each draw"):
        streams().random(4)
    with pytest.raises(ValueError, match="3 world labels for 4 draws"):
        streams().random(4, np.array([0, 1, 2]))


@settings(max_examples=30, deadline=None)
@given(worlds=labels)
def test_sorted_labels_take_the_slice_path_with_the_same_numbers(worlds) -> None:
    """Labels already grouped by world (a batch keeps each world's rows together) are drawn slice by slice, without
    a sort: each world still gets its own numbers."""
    worlds = np.sort(worlds)
    batch = streams()
    got = batch.random(worlds.size, worlds), batch.poisson(np.full(worlds.size, 2.5), worlds)
    for w in range(len(SEEDS)):
        rng, mine = alone(w), worlds == w
        np.testing.assert_array_equal(got[0][mine], rng.random(int(mine.sum())))
        np.testing.assert_array_equal(got[1][mine], rng.poisson(np.full(int(mine.sum()), 2.5)))


@settings(max_examples=60, deadline=None)
@given(worlds=labels, kind=st.sampled_from(["int64", "int32", "bool", "float64"]))
def test_sums_are_each_worlds_own_sum(worlds, kind) -> None:
    """Streams.sums gives each world the sum of its values as `values.sum().item()` gives it alone: an int of the
    same value for integers and flags, numpy's float sum for floats (the labels sorted or not)."""
    rng = np.random.default_rng(worlds.size)
    values = (rng.integers(-500, 500, worlds.size) if kind != "float64" else rng.standard_normal(worlds.size) * 1e3)
    values = values.astype(kind) if kind != "bool" else values > 0
    for labels_now in (worlds.astype(np.int16), np.sort(worlds).astype(np.int16)):
        got = streams().sums(values, labels_now)
        expected = [values[labels_now == w].sum().item() for w in range(len(SEEDS))]
        assert [type(v) for v in got] == [type(v) for v in expected]
        assert got == expected
