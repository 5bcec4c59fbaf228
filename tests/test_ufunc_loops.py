"""Kernels call numpy's own exp and log loops (msosim/kernels/ufuncs.py): the same bits as np.exp and np.log for
every value, length and alignment, checked before use; without them the draws take numpy's calls, same numbers."""

from __future__ import annotations

import numpy as np
import pytest

from msosim import kernels
from tests.test_kernels import need_numba


@pytest.fixture
def ufuncs():
    need_numba()
    from msosim.kernels import ufuncs

    return ufuncs


def test_the_loops_are_found_and_give_numpys_bits(ufuncs):
    loops = ufuncs.addresses()
    assert loops is not None, "numpy's float64 exp/log loops were not found or failed their check on this numpy"
    rng = np.random.default_rng(8)
    values = np.concatenate([ufuncs.probe_values(), rng.normal(0, 300, 20_000), rng.random(20_000) * 1e-6])
    with np.errstate(all="ignore"):
        for name, ufunc in ufuncs.UFUNCS.items():
            expected = ufunc(values).view(np.int64)
            for start, stop in ((0, values.size), (1, 18), (7, 7), (5, 6), (3, 40_003)):  # lengths 0, 1, odd, unaligned
                out = np.full(values.size, 7.0)
                ufuncs.apply(loops[name], values[start:stop], out[start:stop], stop - start)
                assert np.array_equal(out[start:stop].view(np.int64), expected[start:stop]), (name, start, stop)
                assert (out[:start] == 7.0).all() and (out[stop:] == 7.0).all()  # nothing written outside


def test_a_struct_that_does_not_read_as_the_ufunc_is_not_used(ufuncs, monkeypatch):
    class Impostor:  # an object (96 bytes: 8 slots) whose memory is not a ufunc's, though it claims a ufunc's numbers
        __slots__ = tuple(f"slot{k}" for k in range(8))
        nin, nout, nargs, ntypes, types = 1, 1, 2, 1, ["d->d"]

    assert ufuncs._loop_address(Impostor()) is None
    ufuncs.addresses.cache_clear()
    monkeypatch.setattr(ufuncs, "_loop_address", lambda ufunc: None)
    try:
        assert ufuncs.addresses() is None
    finally:
        ufuncs.addresses.cache_clear()


def test_draws_without_the_loops_are_the_same_numbers(ufuncs, monkeypatch):
    """The kernels' draws with numpy's loops inside, and with numpy's calls between kernels, and numpy alone."""
    from msosim.submodels import draws

    setup = np.random.default_rng(4)
    n = setup.integers(0, 300, 8_000)
    p = setup.uniform(0, 1, 8_000)
    lam = setup.exponential(3.0, 8_000)
    results = []
    for backend, loops in (("numpy", True), ("numba", True), ("numba", False)):
        rng = np.random.default_rng(12)
        with kernels.using(backend):
            jit = kernels.compiled()
            if not loops:
                monkeypatch.setattr(jit, "ufunc_loops", lambda: None)
            results.append([draws.binomial(rng, n, p, 12), draws.binomial(rng, n, p), draws.poisson(rng, lam)])
            monkeypatch.undo()
    for other in results[1:]:
        for got, expected in zip(other, results[0]):
            assert np.array_equal(got, expected)
    assert results[0][2].max() > 0


def test_the_call_loops_give_numpys_power_and_log1p(ufuncs):
    """log1p of an array, `array ** scalar` and `scalar ** array` as numpy computes them, on other values than the
    probe's (a call's spread over its calls, its discouragement by rejections, its gap closed by ties, its scores)."""
    loops = ufuncs.call_loops()
    assert loops is not None, "numpy's float64 log1p/power loops were not found or failed their check on this numpy"
    rng = np.random.default_rng(9)
    values = np.concatenate([rng.random(5_000), rng.exponential(30.0, 5_000), np.arange(0.0, 60.0)])
    out = np.empty_like(values)
    ufuncs.apply(loops["log1p"], values, out, values.size)
    assert np.array_equal(out.view(np.int64), np.log1p(values).view(np.int64))
    for scalar in (1.0 / 4, 1.0 / 12, 0.8):
        ufuncs.apply2(loops["power"], values, np.array([scalar]), out, values.size, 8, 0)
        assert np.array_equal(out.view(np.int64), (values ** scalar).view(np.int64)), scalar
        ufuncs.apply2(loops["power"], np.array([scalar]), values, out, values.size, 0, 8)
        assert np.array_equal(out.view(np.int64), (scalar ** values).view(np.int64)), scalar


def test_a_loop_that_is_not_numpys_power_is_not_used(ufuncs, monkeypatch):
    """The check can fail: power's address taken from another ufunc (log1p's, say) gives other bits, and the call then
    runs on numpy (grants.run_call keeps its numpy path when `call_loops()` is None)."""
    real = ufuncs._loop_address
    monkeypatch.setattr(ufuncs, "_loop_address", lambda ufunc: real(np.arctan2 if ufunc is np.power else ufunc))
    ufuncs.call_loops.cache_clear()
    try:
        assert ufuncs.call_loops() is None
    finally:
        ufuncs.call_loops.cache_clear()
