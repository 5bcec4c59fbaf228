"""Compiled kernels (numba) for whole-population passes of the step, with the numpy code as the reference.

A submodel asks `compiled()` for the kernels: the module `msosim.kernels.jit` when the backend is numba, None
when it is numpy, and then runs its own numpy code. A kernel does the same floating-point operations in the same
order as the numpy code it replaces (IEEE arithmetic gives the same bits), so the tables are identical on either
path (tests/test_kernels.py, tests/test_digests.py on both). What numpy computes with its own SIMD code (exp,
log, expm1, power: their last bit depends on the CPU's dispatch) is numpy's: exp and log (and a call's log1p and
power) through numpy's own loops called from the kernels (ufuncs.py), the others as numpy calls between kernels;
every random draw is made on the worlds' Generators in numpy, and kernels take the uniforms as arrays.
Every kernel is compiled with numpy's error model (`error_model="numpy"`): a division by zero gives inf or nan as
numpy does, not Python's ZeroDivisionError, and no test precedes each division (national decade 0.96x).

The backend comes from the environment variable MSOSIM_KERNELS: `numpy` (the default), `numba`, or `auto` (numba
when it can be imported; `pip install -e '.[kernels]'` installs it). numba is imported, and every kernel compiled
(or loaded from numba's cache next to the source), the first time a model asks for them: once per process, timed
in `LOAD_SECONDS` (benchmarks/engine_targets.py reports it). numpy is the default of a process that runs one
model, because that load (about 0.7 s on the 2 shared cores, 2026-12-06) costs more than the kernels save in a
national decade (about 0.05-0.09 s); the workers of sweeps and comparisons take the kernels when numba is
installed and each runs enough MSO-years for the load to pay (`prefer_compiled`, experiments/batching.kernels_pay).
They are the first part of issue 20's compiled step (docs/engine.md section 8).

For maintainers: numba's cache checks only the file a kernel is defined in. A kernel that calls a helper of
another module (services.fmin/fmax, ufuncs.apply, draws' scans and inversions) keeps the helper's old compiled
code after that module alone is edited: delete `src/msosim/kernels/__pycache__/*.nb[ci]` after such an edit
(a fresh clone, CI and an installed package start without them).
"""

from __future__ import annotations

import gc
import importlib.util
import os
import time
from contextlib import contextmanager
from types import ModuleType

BACKENDS = ("auto", "numba", "numpy")
# The submodels with a compiled path (tests/test_reference.py checks each on both backends against its reference).
SUBMODELS = ("deliver_services", "update_burnout", "volunteers_quit_and_join", "update_trust",
             "join_and_leave_federations", "cooperate_with_municipality",
             "adjust_staff", "dissolve", "collect_income", "pay_costs", "spend_reserves",
             "delegate_tasks", "form_and_break_ties", "run_call")
# "import": numba and the kernel modules; "warm": compiling or loading each kernel; "collect": one garbage collection
LOAD_SECONDS: dict[str, float] = {}


class KernelsError(ValueError):
    """MSOSIM_KERNELS names no backend, or numba, which is not installed (the command line: one line, exit 2)."""


_chosen: str | None = None  # the backend in force: "numba" or "numpy"; None until first asked
_module: ModuleType | None = None
_default = "numpy"  # without MSOSIM_KERNELS; "auto" in processes that run many models (prefer_compiled)


def backend() -> str:
    """The backend in force, "numba" or "numpy" (decided once per process from MSOSIM_KERNELS)."""
    global _chosen
    if _chosen is None:
        wanted = os.environ.get("MSOSIM_KERNELS", _default).strip().lower() or _default
        if wanted not in BACKENDS:
            raise KernelsError(f"MSOSIM_KERNELS={wanted!r}: allowed are {', '.join(BACKENDS)}")
        found = wanted != "numpy" and importlib.util.find_spec("numba") is not None  # found, not imported: the
        if wanted == "numba" and not found:                                        # import is paid in compiled()
            raise KernelsError("MSOSIM_KERNELS='numba': numba is not installed; allowed: auto or numpy, or install "
                               "it with pip install -e '.[kernels]'")
        if wanted == "auto":
            wanted = "numba" if found else "numpy"
        _chosen = wanted
    return _chosen


def prefer_compiled() -> None:
    """In a process that runs many models (a worker of a large sweep or comparison, on the process pool or Dask:
    experiments/batching.kernels_pay decides): the kernels when numba is installed, numpy otherwise, unless
    MSOSIM_KERNELS names a backend or this process has chosen one already. Their load (about 0.7 s) is paid once
    there and saves more over the worker's runs: the 1,024 national runs of benchmarks/sobol_national.yaml,
    `msosim sweep --workers 2`, took 447 s on the kernels and 522 s on numpy (2026-12-07, 2 shared cores); all
    141,312 stored outcomes the same."""
    global _default
    if _chosen is None:
        _default = "auto"


def compiled() -> ModuleType | None:
    """The compiled kernels (`msosim.kernels.jit`), loaded on first use; None on the numpy backend."""
    global _module
    if backend() == "numpy":
        return None
    if _module is None:
        started = time.perf_counter()
        from . import jit
        imported = time.perf_counter()
        jit.warm()
        warmed = time.perf_counter()
        # numba leaves some 75,000 objects behind; collected now, they no longer count towards a full collection of
        # the cyclic garbage collector (about 0.1 s) that would otherwise fall inside the next run's steps
        gc.collect()
        LOAD_SECONDS["import"] = imported - started
        LOAD_SECONDS["warm"] = warmed - imported
        LOAD_SECONDS["collect"] = time.perf_counter() - warmed
        _module = jit
    return _module


@contextmanager
def using(name: str):
    """Run the body on backend `name` ("numba" or "numpy"), then restore the one before (tests, benchmarks)."""
    global _chosen
    if name not in ("numba", "numpy"):
        raise ValueError(f"backend {name!r}: allowed are numba, numpy")
    before = backend()
    _chosen = name
    try:
        yield
    finally:
        _chosen = before
