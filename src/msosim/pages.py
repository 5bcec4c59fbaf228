"""Small pages while msosim steps and tabulates: numpy's huge-page advice is off inside `small_pages()`.

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
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

try:
    from numpy._core.multiarray import _set_madvise_hugepage
except ImportError:  # pragma: no cover - numpy without the switch (or before its 2.0 module name)
    _set_madvise_hugepage = None

_lock = threading.Lock()
_depth = 0
_before = True


@contextlib.contextmanager
def small_pages() -> Iterator[None]:
    """numpy's huge-page advice off inside (nested and concurrent uses count; the first sets, the last restores)."""
    global _depth, _before
    if _set_madvise_hugepage is None:
        yield
        return
    with _lock:
        if _depth == 0:
            _before = bool(_set_madvise_hugepage(False))
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _set_madvise_hugepage(_before)


def huge_page_advice() -> bool | None:
    """numpy's current setting (None: numpy has no switch)."""
    if _set_madvise_hugepage is None:
        return None
    with _lock:
        current = bool(_set_madvise_hugepage(True))
        _set_madvise_hugepage(current)
    return current
