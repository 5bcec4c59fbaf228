"""Small pages and a kept heap while msosim steps and tabulates: numpy's huge-page advice is off and glibc's
malloc keeps its heap inside `small_pages()`.

numpy asks Linux for transparent huge pages (`madvise(MADV_HUGEPAGE)`) on every array of 4 MB or more. A step
of a large world makes and frees dozens of such temporaries (at 1.34 million MSOs a float column is 10.7 MB),
and each new one is faulted in, and zeroed, 2 MB at a time although most of it is written once and freed: the
step then spends a quarter of its time in the kernel. Without the advice the same step took 10-14% less time and
`tables()` a third less (`MSOSIM_KERNELS=numba python benchmarks/run.py --probe 1340000 1`, fresh processes
alternating, docs/engine.md section 8 step 7); worlds below about 500,000 MSOs have no array that large and
are unchanged. The advice is numpy's process-wide setting: it is switched off while any model runs or builds
its tables (counted across threads) and given back as it was when the last one ends, so code around msosim
keeps numpy's default. Where numpy lacks the switch (`numpy._core.multiarray._set_madvise_hugepage`, numpy
1.20 on), nothing changes.

The heap is kept, too. glibc's malloc maps a block above its mmap threshold afresh and unmaps it when freed; the
threshold adapts to the largest block freed so far, so when the MSO table grows a little every step, the step's
temporaries are a little larger than any freed before and are mapped, faulted in and zeroed again a page at a
time: at 1.34 million MSOs some 34,000 page faults a step, a fifth of the step spent in the kernel, most in the
compiled kernels' outputs (a binomial's candidate rows, the volunteers' inputs). Inside `small_pages()` on glibc,
blocks below 32 MB (`M_MMAP_THRESHOLD`: glibc's own upper limit for the threshold it adapts) come from the heap,
and up to 256 MB of its free top is kept for the next step (`M_TRIM_THRESHOLD`); when the last model ends, the trim
threshold is 64 MB (what glibc's adaptation sets with a 32 MB threshold), so glibc gives the free top of the heap
back at the next free. glibc cannot read its settings back, and setting one ends its adaptation for the process:
after a run the thresholds stay at those fixed values (the ones the adaptation reaches once a 32 MB array has been
freed). Elsewhere (macOS, musl) nothing changes. Measured on the 2 shared cores, 2026-12-07, a year of 1.34 million
MSOs on the kernels after one month (fresh processes alternating with the code before): 0.199-0.200 against
0.215-0.240 us per MSO-step, 22,000 against 34,000 page faults a step, peak memory 3.58 against 3.23 GB; the
national decade 0.44-0.50 against 0.48-0.51 s (tests/test_heap.py shows the faults).
"""

from __future__ import annotations

import contextlib
import ctypes
import platform
import sys
import threading
from collections.abc import Iterator

try:
    from numpy._core.multiarray import _set_madvise_hugepage
except ImportError:  # pragma: no cover - numpy without the switch (or before its 2.0 module name)
    _set_madvise_hugepage = None

_lock = threading.Lock()
_depth = 0
_before = True

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
MMAP_THRESHOLD = 32 << 20  # DEFAULT_MMAP_THRESHOLD_MAX on 64-bit: blocks below come from the heap
KEEP = 256 << 20  # free heap top kept while a model runs
AFTER = 2 * MMAP_THRESHOLD  # glibc's adaptive trim threshold for that mmap threshold


def _load_glibc():
    """The C library when it is glibc (with mallopt), else None."""
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError):  # pragma: no cover - a glibc without them
        return None
    return libc


_glibc = _load_glibc()


def _keep_heap(keep: bool) -> None:
    """glibc's malloc: the heap kept for the step's temporaries (True), or the fixed thresholds after (False: glibc
    trims the free top of its heap down to 64 MB at the next free). Nothing without glibc."""
    if _glibc is None:
        return
    if keep:
        _glibc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        _glibc.mallopt(M_TRIM_THRESHOLD, KEEP)
    else:
        _glibc.mallopt(M_TRIM_THRESHOLD, AFTER)


@contextlib.contextmanager
def small_pages() -> Iterator[None]:
    """numpy's huge-page advice off and glibc's heap kept inside (nested and concurrent uses count; the first sets,
    the last restores the advice and lets glibc give the free heap back)."""
    global _depth, _before
    with _lock:
        if _depth == 0:
            if _set_madvise_hugepage is not None:
                _before = bool(_set_madvise_hugepage(False))
            _keep_heap(True)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                if _set_madvise_hugepage is not None:
                    _set_madvise_hugepage(_before)
                _keep_heap(False)


def huge_page_advice() -> bool | None:
    """numpy's current setting (None: numpy has no switch)."""
    if _set_madvise_hugepage is None:
        return None
    with _lock:
        current = bool(_set_madvise_hugepage(True))
        _set_madvise_hugepage(current)
    return current
