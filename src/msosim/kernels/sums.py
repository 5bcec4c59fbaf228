"""numpy's float sum, per segment: `values[a:b].sum()` for each segment of a batch's worlds in one call.

numpy sums a contiguous float64 array as 0.0 plus its pairwise sum (`pairwise_sum` in numpy's loops: fewer than 8
values one after another; up to 128 in eight interleaved partial sums combined as ((0+1)+(2+3))+((4+5)+(6+7)),
then the rest; above that the two halves, split at a multiple of 8). The same operations in the same order give
the same bits (tests/test_kernels.py compares them with numpy for thousands of lengths)."""

from __future__ import annotations

import numpy as np
from numba import njit, uint64


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _block(a, lo, n):
    """numpy's pairwise sum of at most 128 values a[lo:lo + n]."""
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[lo + i]
        return res
    b = a[lo:lo + n]  # indexed by unsigned integers: no test for negative indices before each load (twice as fast)
    r0, r1, r2, r3 = b[0], b[1], b[2], b[3]
    r4, r5, r6, r7 = b[4], b[5], b[6], b[7]
    i = uint64(8)
    whole = uint64(n - n % 8)
    while i < whole:
        r0 += b[i]
        r1 += b[i + uint64(1)]
        r2 += b[i + uint64(2)]
        r3 += b[i + uint64(3)]
        r4 += b[i + uint64(4)]
        r5 += b[i + uint64(5)]
        r6 += b[i + uint64(6)]
        r7 += b[i + uint64(7)]
        i += uint64(8)
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < uint64(n):
        res += b[i]
        i += uint64(1)
    return res


@njit(cache=True, nogil=True, error_model="numpy")
def pairwise(a, lo, n):
    """numpy's pairwise sum of a[lo:lo + n]: blocks of at most 128 values, and above that the two halves (split at
    a multiple of 8) added, left + right, as numpy's recursion does; here with an explicit stack (numba's cache
    does not keep recursive functions safely)."""
    if n <= 128:
        return _block(a, lo, n)
    frames_lo = np.empty(64, dtype=np.int64)
    frames_n = np.empty(64, dtype=np.int64)
    frames_state = np.empty(64, dtype=np.int64)
    values = np.empty(64)
    depth, held = 1, 0
    frames_lo[0], frames_n[0], frames_state[0] = lo, n, 0
    while depth:
        top = depth - 1
        start, count = frames_lo[top], frames_n[top]
        if count <= 128:
            values[held] = _block(a, start, count)
            held += 1
            depth -= 1
            continue
        half = count // 2
        half -= half % 8
        state = frames_state[top]
        if state == 0:  # the left half first
            frames_state[top] = 1
            frames_lo[depth], frames_n[depth], frames_state[depth] = start, half, 0
            depth += 1
        elif state == 1:  # then the right half
            frames_state[top] = 2
            frames_lo[depth], frames_n[depth], frames_state[depth] = start + half, count - half, 0
            depth += 1
        else:  # both done: left + right
            held -= 1
            values[held - 1] = values[held - 1] + values[held]
            depth -= 1
    return values[0]


@njit(cache=True, nogil=True, error_model="numpy")
def segment_sums(values, bounds):
    """values[bounds[k]:bounds[k + 1]].sum() for each k, as numpy gives each."""
    out = np.empty(bounds.shape[0] - 1)
    for k in range(out.shape[0]):
        out[k] = 0.0 + pairwise(values, bounds[k], bounds[k + 1] - bounds[k])
    return out


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def gather_living(lo, hi, found, alive, staff, initial, coop, federation, volunteers, burnout, trust, reserves, totals,
                  weight, fte, confidence, money, counts, sums, column_sums):
    """metrics.aggregates' part over the MSO rows lo:hi (one world's): its living rows' burnout x volunteers, staff
    FTE, trust and reserves gathered into `weight`, `fte`, `confidence`, `money` from position `found` on; into
    counts[0:6] the living rows' counts (living, staffed, initial alive, cooperating, federated, volunteers), into
    sums[0:3] the float sums numpy forms over the gathered values (pairwise, in their order), into column_sums each
    of `totals` summed over rows lo:hi as `column.sum()` does. Returns the next free position."""
    first = found
    staffed = started = together = federated = people = 0
    for i in range(lo, hi):  # every row written at the next place, which only a living row keeps: no branch
        living = alive[i]
        weight[found] = burnout[i] * volunteers[i]
        fte[found] = staff[i]
        confidence[found] = trust[i]
        money[found] = reserves[i]
        staffed += living & (staff[i] > 0)
        started += living & initial[i]
        together += living & coop[i]
        federated += living & federation[i]
        people += volunteers[i] if living else 0
        found += living
    count = found - first
    counts[0], counts[1], counts[2], counts[3], counts[4], counts[5] = count, staffed, started, together, federated, \
        people
    sums[0] = 0.0 + pairwise(weight, first, count)
    sums[1] = 0.0 + pairwise(fte, first, count)
    sums[2] = 0.0 + pairwise(confidence, first, count)
    for k in range(len(totals)):
        column_sums[k] = 0.0 + pairwise(totals[k], lo, hi - lo)
    return found


@njit(cache=True, nogil=True, error_model="numpy")
def living_aggregates(alive, staff, initial, coop, federation, volunteers, burnout, trust, reserves, totals):
    """metrics.aggregates' counts and sums in one call (gather_living over every row): the living rows' counts, the
    float sums over them, their reserves gathered (for their median: numpy's partition is faster than numba's),
    and each of the columns `totals` summed."""
    size = alive.shape[0]
    weight, fte, confidence, money = np.empty(size), np.empty(size), np.empty(size), np.empty(size)
    counts, sums, column_sums = np.zeros(6, dtype=np.int64), np.empty(3), np.empty(len(totals))
    count = gather_living(0, size, 0, alive, staff, initial, coop, federation, volunteers, burnout, trust, reserves,
                          totals, weight, fte, confidence, money, counts, sums, column_sums)
    return ((counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]), (sums[0], sums[1], sums[2]),
            money[:count], column_sums)


@njit(cache=True, nogil=True, error_model="numpy")
def world_bounds(worlds, count):
    """Streams.split's counting in one pass: each world's first position among the draws sorted by world (and the
    end), as np.concatenate([[0], np.cumsum(np.bincount(worlds, minlength=count))]), and whether `worlds` is sorted
    already."""
    bounds = np.zeros(count + 1, dtype=np.int64)
    ordered = True
    for i in range(worlds.shape[0]):
        if worlds[i] < 0 or worlds[i] >= count:
            raise ValueError("a world label outside 0..count-1")
        bounds[worlds[i] + 1] += 1
        if i > 0 and worlds[i] < worlds[i - 1]:
            ordered = False
    for w in range(count):
        bounds[w + 1] += bounds[w]
    return bounds, ordered


def warm(zeros=None) -> None:
    """Compile (or load) the kernels for the arrays the model and a batch pass."""
    segment_sums(np.zeros(3), np.array([0, 1, 3], dtype=np.int64))
    world_bounds(np.zeros(2, dtype=np.int16), 2)  # a batch's world labels (batch.WORLD_COLUMNS)
    if zeros is not None:
        flags, f = zeros("alive"), zeros("burnout")
        living_aggregates(flags, f, flags, flags, flags, zeros("volunteers"), f, f, f, (f, f, f, f, f))
