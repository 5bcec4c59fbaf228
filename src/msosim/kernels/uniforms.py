"""Every world's uniforms of one draw site in one compiled call, from each world's own bit generator.

`Generator.random(k)` fills its k numbers with `next_double` of its bit generator, one call each (numpy's
`random_standard_uniform_fill`: `out[i] = bitgen->next_double(bitgen->state)`); a batch makes that call once per world
at each site, and the per-call cost (about 1 us) is most of a small site. numpy publishes each bit generator's
`next_double` and state as addresses (`BitGenerator.ctypes`), so a kernel can call the very function numpy calls,
world after world, on the same state: the same numbers, and each Generator left where `random` leaves it.

`addresses(rngs)` gives the functions and states, and trusts them only when a probe, on fresh generators of the same
kind and seed, gives `Generator.random`'s numbers and leaves the same state; otherwise None, and Streams keeps
numpy's calls (tests/test_batch_kernels.py).
"""

from __future__ import annotations

import ctypes

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_TRUSTED: dict[type, bool] = {}  # per bit generator type: the probe's verdict (once per process)


@intrinsic
def next_double(typingctx, function, state):
    """Call the bit generator function `double next_double(void *state)` at address `function` on `state`."""
    signature = types.float64(types.int64, types.int64)

    def codegen(context, builder, sig, values):
        pointer = ir.IntType(8).as_pointer()
        function_type = ir.FunctionType(ir.DoubleType(), [pointer])
        called = builder.inttoptr(values[0], function_type.as_pointer())
        return builder.call(called, [builder.inttoptr(values[1], pointer)])

    return signature, codegen


@njit(cache=True, nogil=True, error_model="numpy")
def fill_uniforms(out, bounds, functions, states):
    """out[bounds[w]:bounds[w + 1]] = world w's next uniforms (its `next_double` on its state), world by world."""
    for w in range(functions.shape[0]):
        function, state = functions[w], states[w]
        for i in range(bounds[w], bounds[w + 1]):
            out[i] = next_double(function, state)


def _pointers(rngs: list[np.random.Generator]) -> tuple[np.ndarray, np.ndarray]:
    faces = [rng.bit_generator.ctypes for rng in rngs]
    functions = [ctypes.cast(face.next_double, ctypes.c_void_p).value for face in faces]
    return np.array(functions, dtype=np.int64), np.array([face.state_address for face in faces], dtype=np.int64)


def _probe(kind: type) -> bool:
    """Whether the kernel draws what `Generator.random` draws from a bit generator of type `kind` (two fresh ones,
    seeded alike: one drawn by numpy, one by the kernel, also in two sites in a row)."""
    try:
        ours, theirs = np.random.Generator(kind(2026)), np.random.Generator(kind(2026))
    except Exception:  # a bit generator that cannot be seeded so: not trusted
        return False
    functions, states = _pointers([ours])
    drawn = np.empty(1000)
    for size in (1, 7, 992):
        fill_uniforms(drawn, np.array([0, size], dtype=np.int64), functions, states)
        if not np.array_equal(drawn[:size], theirs.random(size)):
            return False
    try:  # the states (dicts, with arrays for some bit generators) alike
        np.testing.assert_equal(ours.bit_generator.state, theirs.bit_generator.state)
    except AssertionError:
        return False
    return True


def trusted(rngs: list[np.random.Generator], verdicts: dict[type, bool], probe) -> bool:
    """Whether `probe(kind)` trusts every kind of bit generator among `rngs` (each kind probed once per process, its
    verdict kept in `verdicts`)."""
    for kind in {type(rng.bit_generator) for rng in rngs}:
        if kind not in verdicts:
            verdicts[kind] = probe(kind)
        if not verdicts[kind]:
            return False
    return True


def addresses(rngs: list[np.random.Generator]) -> tuple[np.ndarray, np.ndarray] | None:
    """Each Generator's `next_double` function and state, as addresses for fill_uniforms; None unless the probe trusts
    every kind of bit generator among them."""
    return _pointers(rngs) if trusted(rngs, _TRUSTED, _probe) else None


def warm(zeros=None) -> None:
    """Compile (or load) the kernel and probe numpy's default bit generator."""
    addresses([np.random.default_rng(1)])
