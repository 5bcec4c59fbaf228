"""Every world's draws of a site in one compiled call (msosim/kernels/distributions.py): on the kernels, a batch's
Streams give each world exactly the numbers its own Generator's methods give it, in the site's order, and leave every
Generator where numpy's calls leave it; a bit generator the probe does not trust keeps numpy's calls."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msosim import kernels
from tests.test_kernels import need_numba

KINDS = [np.random.PCG64, np.random.MT19937, np.random.Philox, np.random.SFC64]


def batch_and_alone(kind, worlds: int):
    from msosim.streams import Streams

    return (Streams([np.random.Generator(kind(seed)) for seed in range(worlds)]),
            [np.random.Generator(kind(seed)) for seed in range(worlds)])


def per_world(labels: np.ndarray, worlds: int, draw, *arrays) -> np.ndarray:
    """What the worlds draw alone, one Generator call each, put back in the site's order."""
    out = None
    for w in range(worlds):
        at = (labels == w).nonzero()[0]
        values = draw(w, at.size, *(array[at] for array in arrays))
        if out is None:
            out = np.zeros(labels.size, dtype=np.asarray(values).dtype)
        out[at] = values
    return out


@settings(max_examples=25, deadline=None)
@given(labels=st.lists(st.integers(0, 4), max_size=60), kind=st.sampled_from(KINDS), seed=st.integers(0, 2**16))
def test_each_worlds_draws_are_its_generators_own(labels, kind, seed) -> None:
    """normal, lognormal, geometric, binomial (array and scalar p, inversion and BTPE), poisson (multiplication and
    PTRS) through Streams on the kernels, with the labels in no order (rows of a world scattered): each world gets
    its Generator's numbers at its positions, site after site, and every Generator ends in numpy's state."""
    need_numba()
    worlds = 5
    labels = np.array(labels, dtype=np.int16)
    rng = np.random.default_rng(seed)  # parameters only
    n = rng.integers(0, 300, labels.size)
    p = rng.random(labels.size) * np.where(rng.random(labels.size) < 0.5, 0.05, 1.0)
    lam = rng.random(labels.size) * np.where(rng.random(labels.size) < 0.5, 4.0, 50.0)
    with kernels.using("numba"):
        kernels.compiled()
        batch, alone = batch_and_alone(kind, worlds)
        assert batch.generators() is not None
        got = [batch.normal(0.5, 0.2, labels.size, labels), batch.lognormal(np.log(0.45), 0.5, labels.size, labels),
               batch.geometric(0.03, labels.size, labels), batch.geometric(0.6, labels.size, labels),
               batch.binomial(n, p, labels), batch.binomial(n, 0.4, labels), batch.poisson(lam, labels)]
    expected = [per_world(labels, worlds, lambda w, k: alone[w].normal(0.5, 0.2, k)),
                per_world(labels, worlds, lambda w, k: alone[w].lognormal(np.log(0.45), 0.5, k)),
                per_world(labels, worlds, lambda w, k: alone[w].geometric(0.03, k)),
                per_world(labels, worlds, lambda w, k: alone[w].geometric(0.6, k)),
                per_world(labels, worlds, lambda w, k, n, p: alone[w].binomial(n, p), n, p),
                per_world(labels, worlds, lambda w, k, n: alone[w].binomial(n, 0.4), n),
                per_world(labels, worlds, lambda w, k, lam: alone[w].poisson(lam), lam)]
    for site, (mine, theirs) in enumerate(zip(got, expected)):
        assert mine.dtype == theirs.dtype or labels.size == 0, site
        assert np.array_equal(mine, theirs), site
    np.testing.assert_equal([g.bit_generator.state for g in batch.rngs], [g.bit_generator.state for g in alone])


@settings(max_examples=25, deadline=None)
@given(labels=st.lists(st.integers(0, 3), max_size=50), rate=st.sampled_from([0.0, 0.02, 0.4, 3.0]),
       p=st.sampled_from([0.0, 0.05, 0.5]), kind=st.sampled_from(KINDS))
def test_picks_and_thinning_are_each_worlds_own(labels, rate, p, kind) -> None:
    """Streams.picks (a Poisson count, then bounded integers, per world) and Streams.thin (each world's binomial
    count in one call, then its choice) on the kernels: the rows numpy's calls pick world by world, and the same
    states; the same without the kernels."""
    need_numba()
    worlds = 4
    labels = np.array(labels, dtype=np.int16)
    rows = np.arange(100, 100 + labels.size)
    results = {}
    for backend in ("numba", "numpy"):
        with kernels.using(backend):
            kernels.compiled()
            batch, _ = batch_and_alone(kind, worlds)
            results[backend] = (batch.picks(rate, rows, labels), batch.thin(rows, p, labels),
                                [g.bit_generator.state for g in batch.rngs])
    alone = [np.random.Generator(kind(seed)) for seed in range(worlds)]
    picked, thinned = [], []
    for w, rng in enumerate(alone):
        mine = rows[labels == w]
        count = int(rng.poisson(rate * mine.size))
        picked.append(mine[rng.integers(0, max(mine.size, 1), count)])
    for w, rng in enumerate(alone):
        mine = rows[labels == w]
        count = rng.binomial(mine.size, p)
        if count:
            thinned.append(mine[rng.choice(mine.size, count, replace=False)])
    for backend, (picks, thin, states) in results.items():
        assert np.array_equal(picks, np.concatenate(picked)), backend
        assert np.array_equal(thin, np.concatenate(thinned) if thinned else rows[:0]), backend
        np.testing.assert_equal(states, [g.bit_generator.state for g in alone])


def test_an_untrusted_bit_generator_keeps_numpys_calls(monkeypatch) -> None:
    """With the probe's verdict against a bit generator, Streams calls each Generator, and gets the same numbers."""
    need_numba()
    from msosim.kernels import distributions

    labels = np.array([0, 1, 1, 0, 1], dtype=np.int16)
    with kernels.using("numba"):
        kernels.compiled()
        for untrusted in ("probe", "ports"):  # the probe's verdict against it, or a numba without its ports
            with monkeypatch.context() as patch:
                if untrusted == "probe":
                    patch.setitem(distributions._TRUSTED, np.random.PCG64, False)
                else:
                    patch.setattr(distributions, "PORTS", False)
                batch, alone = batch_and_alone(np.random.PCG64, 2)
                assert batch.generators() is None
                drawn = batch.normal(0.0, 1.0, labels.size, labels)
            assert np.array_equal(drawn, per_world(labels, 2, lambda w, k: alone[w].normal(0.0, 1.0, k)))


def test_the_probe_catches_a_kernel_one_ulp_off(monkeypatch) -> None:
    """A kernel that drew one normal a last bit off (a port of numpy's algorithm that rounds differently) is not
    trusted: the probe compares every kernel with numpy's methods."""
    need_numba()
    from msosim.kernels import distributions

    with kernels.using("numba"):
        kernels.compiled()
        honest = distributions.fill_normal

        def off_by_one_ulp(out, bounds, table, loc, scale, log):
            honest(out, bounds, table, loc, scale, log)
            if out.size:
                out[-1] = np.nextafter(out[-1], np.inf)

        assert distributions._probe(np.random.PCG64)
        monkeypatch.setattr(distributions, "fill_normal", off_by_one_ulp)
        assert not distributions._probe(np.random.PCG64)


@pytest.mark.parametrize("bad", [{"p": 1.5}, {"p": float("nan")}, {"n": -1}])
def test_parameters_numpy_refuses_still_raise(bad) -> None:
    """The kernels take only parameters numpy accepts: a probability above 1 or NaN, or a negative count, goes to
    numpy's calls, which raise numpy's error."""
    need_numba()
    labels = np.array([0, 1], dtype=np.int16)
    with kernels.using("numba"):
        kernels.compiled()
        batch, _ = batch_and_alone(np.random.PCG64, 2)
        with pytest.raises(ValueError):
            batch.binomial(np.array([bad.get("n", 3), 2]), np.array([bad.get("p", 0.5), 0.5]), labels)


def test_a_copied_batch_draws_from_its_own_generators() -> None:
    """Streams keep their bit generators' addresses; a pickled or deep-copied Streams (a batch sent to a worker, a
    saved state) has new Generators at other addresses and must find them again: the copy and the original then draw
    the same numbers, each from its own Generators, and drawing from one leaves the other where it was."""
    need_numba()
    import copy
    import pickle

    labels = np.array([0, 1, 1, 0, 2], dtype=np.int16)
    with kernels.using("numba"):
        kernels.compiled()
        batch, _ = batch_and_alone(np.random.PCG64, 3)
        batch.normal(0.0, 1.0, labels.size, labels)
        batch.random(labels.size, labels)
        for make_copy in (lambda streams: pickle.loads(pickle.dumps(streams)), copy.deepcopy):
            copied = make_copy(batch)
            before = [g.bit_generator.state for g in batch.rngs]
            drawn = (copied.normal(0.0, 1.0, labels.size, labels), copied.random(labels.size, labels))
            assert [g.bit_generator.state for g in batch.rngs] == before
            assert np.array_equal(drawn[0], batch.normal(0.0, 1.0, labels.size, labels))
            assert np.array_equal(drawn[1], batch.random(labels.size, labels))
            batch = copied
