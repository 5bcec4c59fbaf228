"""glibc's heap is kept while a model runs (msosim/pages.py): a step's large temporaries are not faulted in again."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from msosim import pages

ROUNDS = """
import json, resource
import numpy as np
from msosim import pages

def rounds(grown):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):  # a step's pattern: five 1 MB temporaries alive at once, a little longer each step
        grown += 100
        arrays = [np.empty(134_000 + grown) for _ in range(5)]
        for array in arrays:
            array.fill(1.0)
        del arrays
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

rounds(0)  # the first round faults the memory in either way
plain = rounds(2_000)
with pages.small_pages():
    rounds(4_000)
    kept = rounds(6_000)
after = rounds(8_000)
print(json.dumps({"plain": plain, "kept": kept, "after": after}))
"""


@pytest.mark.skipif(pages._glibc is None, reason="glibc's malloc only (on other C libraries nothing changes)")
def test_inside_a_run_the_heap_is_kept_for_the_next_temporaries():
    """Without the setting glibc maps each block a little larger than any freed before afresh and faults it in
    (up to 20 x 5 x 262 pages); inside `small_pages` the heap's free blocks are reused. After the last model it keeps blocks below 32 MB on
    its heap and trims its free top above 64 MB, as its own adaptation would after a 32 MB block."""
    result = subprocess.run([sys.executable, "-c", ROUNDS], capture_output=True, text=True, check=True)
    faults = json.loads(result.stdout)
    assert faults["plain"] > 3_000  # faulted in again round after round
    assert faults["kept"] < 300
    assert faults["after"] < 300  # 5 MB of temporaries stay below the trim threshold left behind


def test_without_glibc_nothing_is_set(monkeypatch):
    calls = []

    class Recorder:
        def mallopt(self, *args):
            calls.append(args)
            return 1

    monkeypatch.setattr(pages, "_glibc", None)
    with pages.small_pages():
        pass
    assert calls == []
    monkeypatch.setattr(pages, "_glibc", Recorder())
    with pages.small_pages():
        with pages.small_pages():
            pass
        assert calls == [(pages.M_MMAP_THRESHOLD, 32 << 20), (pages.M_TRIM_THRESHOLD, 256 << 20)]  # set once
    assert calls[-1] == (pages.M_TRIM_THRESHOLD, 64 << 20)  # the last one out lowers the trim threshold
