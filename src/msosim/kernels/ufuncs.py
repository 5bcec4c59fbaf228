"""numpy's own float64 loops of exp and log (and, for a call's kernels, log1p and power), called from inside compiled
kernels: the same bits as `np.exp`, `np.log`, `np.log1p`, `**`.

numpy computes `exp` and `log` of float64 with its own SIMD code where the CPU has it (Intel's SVML on AVX-512),
numba with the C library's: the two differ in the last bit for a few percent of values (docs/engine.md, section
5), so kernels had to leave every exp and log to numpy between two kernel calls. Here a kernel calls the very
loop that `np.exp(array)` runs: each ufunc's table of inner loops (`PyUFuncObject.functions`, numpy's C API,
ufuncobject.h) gives the address of its `d->d` loop, and `call_loop` calls it from compiled code
(`void loop(char **args, npy_intp *dimensions, npy_intp *steps, void *data)`).

A kernel takes the address as an argument (so numba can cache the kernel; the address changes per process).
`addresses()` reads the table once per process and trusts it only when the fields read agree with what the ufunc
says of itself (its number of inputs, outputs and loops, the loops' type signatures) and the loop, called from a
compiled kernel, gives numpy's results bit for bit on a probe of ordinary and special values (zeros, infinities,
NaN, subnormal, very large and small numbers); otherwise it is None and the callers keep numpy's calls.
"""

from __future__ import annotations

import ctypes
import functools

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

UFUNCS = {"exp": np.exp, "log": np.log}
MORE = {"log1p": np.log1p}  # with power: the loops of a call's kernels (kernels/calls.py), checked apart
_POINTER = ctypes.sizeof(ctypes.c_void_p)


@intrinsic
def call_loop(typingctx, address, args, dims, steps):
    """Call numpy's inner loop at `address` with the data pointers of the int64 arrays `args` (the operands'
    addresses), `dims` (the length) and `steps` (the strides in bytes), and no loop data."""
    signature = types.void(types.int64, args, dims, steps)

    def codegen(context, builder, sig, values):
        byte_pointer = ir.IntType(8).as_pointer()
        loop_type = ir.FunctionType(ir.VoidType(), [byte_pointer] * 4)
        loop = builder.inttoptr(values[0], loop_type.as_pointer())
        pointers = [builder.bitcast(context.make_array(ty)(context, builder, value).data, byte_pointer)
                    for ty, value in zip(sig.args[1:], values[1:])]
        builder.call(loop, [*pointers, ir.Constant(byte_pointer, None)])
        return context.get_dummy_value()

    return signature, codegen


@njit(cache=True, nogil=True, error_model="numpy")
def apply(address, x, out, size):
    """out[:size] = the loop at `address` of x[:size] (contiguous float64 arrays; `out` may be `x`)."""
    operands = np.empty(2, dtype=np.int64)
    operands[0] = x.ctypes.data
    operands[1] = out.ctypes.data
    length = np.empty(1, dtype=np.int64)
    length[0] = size
    steps = np.full(2, 8, dtype=np.int64)
    if size > 0:
        call_loop(address, operands, length, steps)


@njit(cache=True, nogil=True, error_model="numpy")
def apply2(address, x, y, out, size, step_x, step_y):
    """out[:size] = the binary loop at `address` of x and y (float64; a step of 0 bytes repeats x[0] or y[0], as
    numpy passes a scalar operand: `array ** scalar` is the loop with steps (8, 0, 8))."""
    operands = np.empty(3, dtype=np.int64)
    operands[0] = x.ctypes.data
    operands[1] = y.ctypes.data
    operands[2] = out.ctypes.data
    length = np.empty(1, dtype=np.int64)
    length[0] = size
    steps = np.empty(3, dtype=np.int64)
    steps[0] = step_x
    steps[1] = step_y
    steps[2] = 8
    if size > 0:
        call_loop(address, operands, length, steps)


def _loop_address(ufunc: np.ufunc) -> int | None:
    """The address of `ufunc`'s float64 loop read from its C struct, or None when the struct does not read as
    this ufunc (a numpy whose layout differs)."""
    base = id(ufunc)
    ints = [ctypes.c_int.from_address(base + 16 + 4 * k).value for k in range(3)]  # after PyObject_HEAD
    if ints != [ufunc.nin, ufunc.nout, ufunc.nargs]:
        return None
    functions, count, type_codes = (ctypes.c_void_p.from_address(base + 32).value,
                                    ctypes.c_int.from_address(base + 48).value,
                                    ctypes.c_void_p.from_address(base + 64).value)
    if count != ufunc.ntypes or not functions or not type_codes:
        return None
    codes = ctypes.string_at(type_codes, count * ufunc.nargs)
    expected = [[np.dtype(char).num for char in signature.replace("->", "")] for signature in ufunc.types]
    if [list(codes[k * ufunc.nargs: (k + 1) * ufunc.nargs]) for k in range(count)] != expected:
        return None
    double = [np.dtype(np.float64).num] * ufunc.nargs
    for k in range(count):
        if expected[k] == double:
            return ctypes.c_void_p.from_address(functions + _POINTER * k).value
    return None


def probe_values() -> np.ndarray:
    """Ordinary and special float64 values on which a loop must give numpy's bits."""
    rng = np.random.default_rng(20)
    tiny, huge = np.finfo(np.float64).tiny, np.finfo(np.float64).max
    special = np.array([0.0, -0.0, 1.0, -1.0, 0.5, 2.0, np.inf, -np.inf, np.nan, tiny, tiny / 4, huge, -huge,
                        709.78, 709.79, -745.1, -745.2, 1e-300, 1 - 2 ** -53, 1 + 2 ** -52])
    return np.concatenate([special, rng.normal(0.0, 5.0, 3000), rng.random(3000), -rng.random(3000) * 40.0,
                           np.exp(rng.normal(0.0, 30.0, 1000))])


def _same_bits(run, expected, values: np.ndarray) -> bool:
    """Whether `run(part, out)` writes `expected(part)` bit for bit for the values from the first, second and fourth
    on (numpy's SIMD loops take unaligned heads and short tails too)."""
    for offset in (0, 1, 3):
        part = values[offset:]
        out = np.empty_like(part)
        run(part, out)
        if not np.array_equal(out.view(np.int64), expected(part).view(np.int64)):
            return False
    return True


def _unary(ufuncs: dict[str, np.ufunc]) -> dict[str, int] | None:
    """The addresses of `ufuncs`' float64 loops, each giving numpy's bits on `probe_values`; None if one does not."""
    found, x = {}, probe_values()
    with np.errstate(all="ignore"):
        for name, ufunc in ufuncs.items():
            address = _loop_address(ufunc)
            if address is None or not _same_bits(lambda part, out, a=address: apply(a, part, out, part.size), ufunc, x):
                return None
            found[name] = address
    return found


@functools.cache
def addresses() -> dict[str, int] | None:
    """{"exp": address, "log": address} of numpy's float64 loops, checked on `probe_values`; None if unusable."""
    return _unary(UFUNCS)


@functools.cache
def call_loops() -> dict[str, int] | None:
    """{"log1p": address, "power": address} of numpy's float64 loops, each checked on `probe_values` as numpy calls
    it in a call's arithmetic (log1p of an array; `array ** scalar` and `scalar ** array`, the scalar's step 0);
    None if either is unusable (the call then runs on numpy, grants.run_call)."""
    found, address = _unary(MORE), _loop_address(np.power)
    if found is None or address is None:
        return None
    x = probe_values()
    bases = np.concatenate([np.abs(x[np.isfinite(x)]), 1.0 - np.random.default_rng(21).random(3000)])
    exponents = np.concatenate([np.arange(0.0, 40.0), np.abs(x[20:1020]), x[20:1020]])
    with np.errstate(all="ignore"):
        for scalar in (1.0 / 3, 0.25, 1.0 / 12, 1.0 / 6, 2.5, -1.0, 0.9, 0.0):  # array ** scalar
            if not _same_bits(lambda part, out, s=scalar: apply2(address, part, np.array([s]), out, part.size, 8, 0),
                              lambda part, s=scalar: part ** s, bases):
                return None
        for scalar in (0.5, 0.7, 0.9, 0.99, 1.0, 0.0):  # scalar ** array
            if not _same_bits(lambda part, out, s=scalar: apply2(address, np.array([s]), part, out, part.size, 0, 8),
                              lambda part, s=scalar: s ** part, exponents):
                return None
    return {**found, "power": address}


def warm() -> None:
    apply(0, np.zeros(1), np.zeros(1), 0)
    apply2(0, np.zeros(1), np.zeros(1), np.zeros(1), 0, 8, 0)
