"""numpy's float sum, per segment: `values[a:b].sum()` for each segment of a batch's worlds in one call.

numpy sums a contiguous float64 array as 0.0 plus its pairwise sum (`pairwise_sum` in numpy's loops: fewer than 8
values one after another; up to 128 in eight interleaved partial sums combined as ((0+1)+(2+3))+((4+5)+(6+7)),
then the rest; above that the two halves, split at a multiple of 8). The same operations in the same order give
the same bits (tests/test_kernels.py compares them with numpy for thousands of lengths)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def pairwise(a, lo, n):
    """numpy's pairwise sum of a[lo:lo + n]."""
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[lo + i]
        return res
    if n <= 128:
        r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
        r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
        i = 8
        whole = n - n % 8
        while i < whole:
            r0 += a[lo + i]
            r1 += a[lo + i + 1]
            r2 += a[lo + i + 2]
            r3 += a[lo + i + 3]
            r4 += a[lo + i + 4]
            r5 += a[lo + i + 5]
            r6 += a[lo + i + 6]
            r7 += a[lo + i + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[lo + i]
            i += 1
        return res
    half = n // 2
    half -= half % 8
    return pairwise(a, lo, half) + pairwise(a, lo + half, n - half)


@njit(cache=True, nogil=True)
def segment_sums(values, bounds):
    """values[bounds[k]:bounds[k + 1]].sum() for each k, as numpy gives each."""
    out = np.empty(bounds.shape[0] - 1)
    for k in range(out.shape[0]):
        out[k] = 0.0 + pairwise(values, bounds[k], bounds[k + 1] - bounds[k])
    return out


def warm(zeros=None) -> None:
    """Compile (or load) the kernel for the arrays a batch passes."""
    segment_sums(np.zeros(3), np.array([0, 1, 3], dtype=np.int64))
