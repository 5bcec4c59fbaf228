"""Every world's draws of one site from numpy's distributions in one compiled call, on each world's own bit generator.

A batch (msosim.batch) draws at each site what every world draws alone: world by world, one Generator call each
(msosim.streams). For the worlds of a district ensemble those calls are most of a site's cost (some 1-25 us each,
for a handful of numbers). numba ports numpy's distributions (`numba.np.random.distributions`, translated from
numpy's `distributions.c`: the ziggurat normal, the Poisson's multiplication and PTRS methods, the binomial's
inversion and BTPE, Lemire's bounded integers) and runs them on a bit generator given as its state and its
`next_*` functions. `bit_generator` builds that from the addresses numpy publishes (`BitGenerator.ctypes`), so a
kernel draws, world after world, with the very functions and state each world's Generator uses: the same numbers,
and each Generator left where numpy's calls leave it.

`addresses(rngs)` gives the worlds' bit generators as a table (a row per world: state, next_uint64, next_uint32,
next_double) and trusts it only when a probe, on fresh generators of the same kind, gives numpy's numbers for every
kernel here, on parameters that take each of their algorithms' branches, and leaves the same state; otherwise None,
and Streams keeps numpy's calls (tests/test_world_draws.py).
"""

from __future__ import annotations

import ctypes

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic
from .uniforms import trusted

try:  # numba's ports live in its own modules, not its public API: another numba without them keeps numpy's calls
    from numba.np.random.distributions import (random_beta, random_binomial, random_geometric, random_lognormal,
                                               random_normal, random_poisson, random_uniform)
    from numba.np.random.generator_core import next_double
    from numba.np.random.random_methods import bounded_lemire_uint64, buffered_bounded_lemire_uint32

    _BIT_GENERATOR = types.NumPyRandomBitGeneratorType("bit_generator")  # the type numba's distributions take
    PORTS = True
except (ImportError, AttributeError):
    _BIT_GENERATOR, PORTS = types.float64, False
_TRUSTED: dict[type, bool] = {}  # per bit generator type: the probe's verdict (once per process)


@intrinsic
def bit_generator(typingctx, state, next_uint64, next_uint32, next_double):
    """numba's bit generator value from a state address and the addresses of its three `next_*` functions."""
    signature = _BIT_GENERATOR(types.int64, types.int64, types.int64, types.int64)

    def codegen(context, builder, sig, values):
        made = cgutils.create_struct_proxy(_BIT_GENERATOR)(context, builder)
        made.parent = cgutils.get_null_value(context.get_value_type(types.pyobject))
        made.state_address = values[0]
        made.state = values[0]
        made.fnptr_next_uint64 = values[1]
        made.fnptr_next_uint32 = values[2]
        made.fnptr_next_double = values[3]
        made.bit_generator = context.get_constant(types.uintp, 0)
        return made._getvalue()

    return signature, codegen


@njit(cache=True, nogil=True, error_model="numpy")
def _world(table, w):
    return bit_generator(table[w, 0], table[w, 1], table[w, 2], table[w, 3])


@njit(cache=True, nogil=True, error_model="numpy")
def _bounded(generator, rng):
    """numpy's `random_bounded_uint64_fill` for one number in [0, rng] (Lemire's rejection, 32 bits below 2**32 - 1)."""
    if rng == 0:
        return np.uint64(0)
    if rng < 0xFFFFFFFF:
        return np.uint64(buffered_bounded_lemire_uint32(generator, rng))
    return np.uint64(bounded_lemire_uint64(generator, rng))


@njit(cache=True, nogil=True, error_model="numpy")
def fill_normal(out, bounds, table, loc, scale, log):
    """out[bounds[w]:bounds[w + 1]] = world w's `Generator.normal(loc, scale, k)` (`lognormal(loc, scale, k)` with
    `log`), world by world."""
    for w in range(table.shape[0]):
        if bounds[w + 1] > bounds[w]:
            generator = _world(table, w)
            for i in range(bounds[w], bounds[w + 1]):
                out[i] = random_lognormal(generator, loc, scale) if log else random_normal(generator, loc, scale)


@njit(cache=True, nogil=True, error_model="numpy")
def fill_geometric(out, bounds, table, p):
    """out[bounds[w]:bounds[w + 1]] = world w's `Generator.geometric(p, k)`."""
    for w in range(table.shape[0]):
        if bounds[w + 1] > bounds[w]:
            generator = _world(table, w)
            for i in range(bounds[w], bounds[w + 1]):
                out[i] = np.int64(random_geometric(generator, p))


@njit(cache=True, nogil=True, error_model="numpy")
def fill_binomial(out, bounds, table, n, p, p_step):
    """out[bounds[w]:bounds[w + 1]] = world w's `Generator.binomial(n[a:b], p[a:b])` (p[0] for every draw with
    `p_step` 0)."""
    for w in range(table.shape[0]):
        if bounds[w + 1] > bounds[w]:
            generator = _world(table, w)
            for i in range(bounds[w], bounds[w + 1]):
                out[i] = random_binomial(generator, n[i], p[i * p_step])


@njit(cache=True, nogil=True, error_model="numpy")
def fill_poisson(out, bounds, table, lam):
    """out[bounds[w]:bounds[w + 1]] = world w's `Generator.poisson(lam[a:b])`."""
    for w in range(table.shape[0]):
        if bounds[w + 1] > bounds[w]:
            generator = _world(table, w)
            for i in range(bounds[w], bounds[w + 1]):
                out[i] = random_poisson(generator, lam[i])


@njit(cache=True, nogil=True, error_model="numpy")
def counts_and_picks(table, lam, sizes):
    """Per world w: `count = Generator.poisson(lam[w])`, then `Generator.integers(0, max(sizes[w], 1), count)` on the
    same Generator. Returns the counts and every world's picks, world after world."""
    worlds = table.shape[0]
    counts = np.empty(worlds, dtype=np.int64)
    for w in range(worlds):
        counts[w] = random_poisson(_world(table, w), lam[w])
    picks = np.empty(counts.sum(), dtype=np.int64)
    at = 0
    for w in range(worlds):
        if counts[w] > 0:
            generator = _world(table, w)
            rng = np.uint64(max(sizes[w], 1) - 1)
            for _ in range(counts[w]):
                picks[at] = np.int64(_bounded(generator, rng))
                at += 1
    return counts, picks


@njit(cache=True, nogil=True, error_model="numpy")
def founding_draws(table, bounds, members, fields, donation):
    """What each founding world draws for its new MSOs after their members (population.new_msos_by_world), world w's
    rows bounds[w]:bounds[w + 1] of the results, in its Generator's order of calls: `binomial(members, 0.4)`,
    `random((k, fields))`, `random((4, k))`, `random(k)`, `beta(1.5, 10, k)`, `uniform(200, 2000, k)`,
    `lognormal(donation, 0.7, k)`, `beta(1.2, 8, k)`, `normal(0, 0.15, k)`, `random(k)`, `random(k)`. Returns them in
    that order (`random((4, k))` as four rows of all worlds' columns)."""
    size = bounds[-1]
    joined = np.empty(size, dtype=np.int64)
    field_uniforms = np.empty((size, fields))
    function_uniforms = np.empty((4, size))
    doubles = np.empty((8, size))  # groups, burnout, reserves, donations, professionalisation, noise, independent, information
    for w in range(table.shape[0]):
        a, b = bounds[w], bounds[w + 1]
        if b == a:
            continue
        generator = _world(table, w)
        for i in range(a, b):
            joined[i] = random_binomial(generator, members[i], 0.4)
        for i in range(a, b):
            for f in range(fields):
                field_uniforms[i, f] = next_double(generator)
        for r in range(4):
            for i in range(a, b):
                function_uniforms[r, i] = next_double(generator)
        for i in range(a, b):
            doubles[0, i] = next_double(generator)
        for i in range(a, b):
            doubles[1, i] = random_beta(generator, 1.5, 10.0)
        for i in range(a, b):
            doubles[2, i] = random_uniform(generator, 200.0, 1800.0)
        for i in range(a, b):
            doubles[3, i] = random_lognormal(generator, donation, 0.7)
        for i in range(a, b):
            doubles[4, i] = random_beta(generator, 1.2, 8.0)
        for i in range(a, b):
            doubles[5, i] = random_normal(generator, 0.0, 0.15)
        for r in (6, 7):
            for i in range(a, b):
                doubles[r, i] = next_double(generator)
    return joined, field_uniforms, function_uniforms, doubles


def _table(rngs: list[np.random.Generator]) -> np.ndarray:
    rows = []
    for rng in rngs:
        face = rng.bit_generator.ctypes
        rows.append([face.state_address, *(ctypes.cast(function, ctypes.c_void_p).value
                                           for function in (face.next_uint64, face.next_uint32, face.next_double))])
    return np.array(rows, dtype=np.int64).reshape(len(rngs), 4)


def _bounds(sizes) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


def _probe(kind: type) -> bool:
    """Whether every kernel draws what numpy's Generator methods draw from bit generators of type `kind`: three
    fresh pairs seeded alike (one drawn by numpy world by world, one by the kernels), parameters that reach each
    algorithm's branches (the normal's ziggurat tail and wedges over many numbers; the Poisson's multiplication and
    PTRS methods; the binomial's inversion and BTPE, with p on either side of one half; the geometric's search and
    inversion; bounded integers of 1, 2 and many values), and the states alike afterwards."""
    try:
        ours = [np.random.Generator(kind(seed)) for seed in (2026, 7, 1)]
        theirs = [np.random.Generator(kind(seed)) for seed in (2026, 7, 1)]
    except Exception:  # a bit generator that cannot be seeded so: not trusted
        return False
    table, sizes = _table(ours), np.array([3000, 0, 1500])
    bounds = _bounds(sizes)
    total = int(bounds[-1])

    def same(kernel_values, numpy_values) -> bool:
        return np.array_equal(kernel_values, np.concatenate(numpy_values))

    checks = []
    for log, loc, scale in ((False, 0.0, 1.0), (True, np.log(0.45), 0.5), (False, 1.5, 0.15)):
        out = np.empty(total)
        fill_normal(out, bounds, table, loc, scale, log)
        method = "lognormal" if log else "normal"
        checks.append(same(out, [getattr(rng, method)(loc, scale, k) for rng, k in zip(theirs, sizes)]))
    for p in (0.02, 0.5):
        out = np.empty(total, dtype=np.int64)
        fill_geometric(out, bounds, table, p)
        checks.append(same(out, [rng.geometric(p, k) for rng, k in zip(theirs, sizes)]))
    spread = np.random.default_rng(5)  # parameters only: not a stream under test
    n = spread.integers(0, 400, total)
    p = np.concatenate([spread.random(total // 2) * 0.2, spread.random(total - total // 2)])
    out = np.empty(total, dtype=np.int64)
    fill_binomial(out, bounds, table, n, p, 1)
    checks.append(same(out, [rng.binomial(n[a:b], p[a:b]) for rng, a, b in zip(theirs, bounds[:-1], bounds[1:])]))
    fill_binomial(out, bounds, table, n, np.array([0.4]), 0)
    checks.append(same(out, [rng.binomial(n[a:b], 0.4) for rng, a, b in zip(theirs, bounds[:-1], bounds[1:])]))
    lam = spread.random(total) * np.where(spread.random(total) < 0.5, 3.0, 60.0)
    fill_poisson(out, bounds, table, lam)
    checks.append(same(out, [rng.poisson(lam[a:b]) for rng, a, b in zip(theirs, bounds[:-1], bounds[1:])]))
    for rates, population in (([4.0, 0.0, 30.0], [0, 1, 5000]), ([2.5, 1.0, 7.0], [2, 431, 1])):
        counts, picks = counts_and_picks(table, np.array(rates), np.array(population))
        numpy_counts = [int(rng.poisson(rate * 1.0)) for rng, rate in zip(theirs, rates)]
        numpy_picks = [rng.integers(0, max(size, 1), count) for rng, size, count in zip(theirs, population, numpy_counts)]
        checks.append(counts.tolist() == numpy_counts and same(picks, numpy_picks))
    from ..population import founding_by_numpy

    members = spread.integers(7, 60, total)
    joined, field_uniforms, function_uniforms, doubles = founding_draws(table, bounds, members, 12, np.log(40.0))
    for rng, a, b in zip(theirs, bounds[:-1], bounds[1:]):
        expected = founding_by_numpy(rng, members[a:b], 12, np.log(40.0))
        got = [joined[a:b], field_uniforms[a:b], function_uniforms[:, a:b], *doubles[:, a:b]]
        checks.append(all(np.array_equal(mine, reference) for mine, reference in zip(got, expected)))
    if not all(checks):
        return False
    try:  # the states (dicts, with arrays for some bit generators) alike
        for mine, reference in zip(ours, theirs):
            np.testing.assert_equal(mine.bit_generator.state, reference.bit_generator.state)
    except AssertionError:
        return False
    return True


def addresses(rngs: list[np.random.Generator]) -> np.ndarray | None:
    """The worlds' bit generators as a table for the kernels here (a row per world); None unless the probe trusts
    every kind of bit generator among them."""
    return _table(rngs) if PORTS and trusted(rngs, _TRUSTED, _probe) else None


def warm(zeros=None) -> None:
    """Compile (or load) the kernels and probe numpy's default bit generator."""
    addresses([np.random.default_rng(1)])
