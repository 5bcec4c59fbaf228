"""Kernels of a batch's bookkeeping (msosim/batch.py): moving each step's new MSOs to the end of their worlds' rows.

`Batch._repack`'s numpy path moves every column of the rows after the first founding world through a gather by a
stable argsort of the world labels. The labels of the rows already grouped and those of the step's new rows (each
world's foundings appended in world order) are two sorted runs, so that order is a merge of runs: a few blocks,
each a world's old rows or its new ones. Here every column is copied as bytes, block by block (a world's rows are
contiguous before and after, moved in place), with the same result as the gather: rows are only moved, never
computed."""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ..batch_state import WORLD_COLUMNS
from ..state import MATRIX_COLUMNS, MSO_COLUMNS, TIE_COLUMNS, Table
from .sums import gather_living


@njit(cache=True, nogil=True, error_model="numpy")
def merge_blocks(world, before, n):
    """The blocks that group rows [0, n) by world when rows [0, before) and [before, n) are each sorted by world:
    the first row that moves (`start`: rows before it keep their place), then each block's first source row and
    length in the order they are laid down from `start` (ties: the old rows first, as a stable sort puts them).
    `start` is -1 when the new rows are not sorted (the caller then sorts); n when no row moves."""
    if before >= n:
        return n, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    for i in range(before + 1, n):
        if world[i] < world[i - 1]:
            return -1, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    first, lo, hi = world[before], 0, before  # start: the first old row of a later world than the first new row
    while lo < hi:
        mid = (lo + hi) // 2
        if world[mid] <= first:
            lo = mid + 1
        else:
            hi = mid
    start = lo
    if start == before:
        return n, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    source = np.empty(n - start, dtype=np.int64)
    length = np.empty(n - start, dtype=np.int64)
    blocks, i, j = 0, start, before
    while i < before or j < n:
        if j >= n or (i < before and world[i] <= world[j]):
            top, k = world[j] if j < n else world[before - 1], i  # old rows up to (and with) the next new row's world
            while k < before and world[k] <= top:
                k += 1
            source[blocks], length[blocks] = i, k - i
            i = k
        else:
            k = j  # new rows of the worlds before the next old row's
            while k < n and (i >= before or world[k] < world[i]):
                k += 1
            source[blocks], length[blocks] = j, k - j
            j = k
        blocks += 1
    return start, source[:blocks], length[:blocks]


@njit(cache=True, nogil=True, inline="never", error_model="numpy")
def _copy(target, source):
    """target[:] = source[:] for two arrays that do not overlap: as a loop over two views the compiler makes it a
    block copy (numba's slice assignment, and a loop with offsets, copy byte by byte: some 20-40x slower)."""
    for k in range(target.shape[0]):
        target[k] = source[k]


@intrinsic
def _memmove(typingctx, column, target, source, count):
    """Move `count` bytes of the byte array `column` from offset `source` to offset `target` (the C library's
    memmove: the two ranges may overlap)."""
    signature = types.void(column, types.int64, types.int64, types.int64)

    def codegen(context, builder, sig, values):
        data = context.make_array(sig.args[0])(context, builder, values[0]).data
        cgutils.raw_memmove(builder, builder.gep(data, [values[1]]), builder.gep(data, [values[2]]), values[3], 1)
        return context.get_dummy_value()

    return signature, codegen


@njit(cache=True, nogil=True, error_model="numpy")
def move_blocks(columns, widths, start, before, n, source, length, moved):
    """Lay down each column's rows [start, n) as the blocks `source`, `length` say (columns as bytes, `widths[c]`
    bytes a row): the new rows [before, n) are put aside, then the blocks are laid from the end down, an old block
    moved within its column (it only moves up, past the rows already laid), a new one copied back; `moved[r]`
    becomes row r's new position."""
    buffer = np.empty((n - before) * widths.max(), dtype=np.uint8)
    for c in range(len(columns)):
        column, width = columns[c], widths[c]
        _copy(buffer[: (n - before) * width], column[before * width: n * width])
        at = n
        for b in range(source.shape[0] - 1, -1, -1):
            at -= length[b]
            count = length[b] * width
            if source[b] >= before:
                lo = (source[b] - before) * width
                _copy(column[at * width: at * width + count], buffer[lo: lo + count])
            elif at != source[b]:
                _memmove(column, at * width, source[b] * width, count)
    at = start
    for b in range(source.shape[0]):
        for k in range(length[b]):
            moved[source[b] + k] = at + k
        at += length[b]


@njit(cache=True, nogil=True, error_model="numpy")
def remap_rows(rows, moved, start):
    """MSO rows held elsewhere (a grant's MSO, a tie's ends) pointed at their new positions after `move_blocks`, in
    place: `moved[r]` for r >= start (rows before `start` keep their place)."""
    for i in range(rows.shape[0]):
        if rows[i] >= start:
            rows[i] = moved[rows[i]]


def byte_columns(table: Table) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Every column of `table` (each column of a matrix apart: a matrix is stored column by column) as a byte view
    of its whole length, and each one's bytes a row (views of the arrays now held: remade after `reserve`)."""
    views, widths = [], []
    for name in (*table._columns, *table._matrices):
        array = getattr(table, name)
        for column in ([array] if array.ndim == 1 else [array[:, j] for j in range(array.shape[1])]):
            views.append(column.view(np.uint8))
            widths.append(column.itemsize)
    return tuple(views), np.array(widths, dtype=np.int64)


def warm(zeros=None) -> None:
    """Compile (or load) the kernels for a batch's MSO table (its columns, `world` and `local` included)."""
    world = np.zeros(3, dtype=WORLD_COLUMNS["world"])
    world[1] = 1
    start, source, length = merge_blocks(world, 2, 3)
    columns, widths = byte_columns(Table({**MSO_COLUMNS, **WORLD_COLUMNS}, 16, MATRIX_COLUMNS))
    move_blocks(columns, widths, start, 2, 3, source, length, np.arange(3))
    remap_rows(np.zeros(1, dtype=TIE_COLUMNS["a"]), np.arange(3), start)
    if zeros is not None:
        flags, f = zeros("alive"), zeros("burnout")
        rows = np.zeros(1, dtype=TIE_COLUMNS["a"])
        world_aggregates(np.array([0, 1], dtype=np.int64), flags, f, flags, flags, flags, zeros("volunteers"), f, f, f,
                         (f, f, f, f, f), rows, np.zeros(1, dtype=TIE_COLUMNS["active"]), world)


@njit(cache=True, nogil=True, error_model="numpy")
def world_aggregates(bounds, alive, staff, initial, coop, federation, volunteers, burnout, trust, reserves, totals,
                     tie_a, tie_active, world):
    """batch_state.world_aggregates for every world at once, the rows grouped by world (world w: rows
    bounds[w]:bounds[w + 1]): per world the counts of its living rows (living, staffed, initial, cooperating,
    federated, volunteers) and its live ties (by the world of their first MSO); numpy's pairwise sums over its
    living rows in their order (burnout x volunteers, staff FTE, trust) and over all its rows (each of `totals`);
    and its living rows' reserves, gathered one world after the other (living: their bounds), for the medians."""
    worlds = bounds.shape[0] - 1
    size = alive.shape[0]
    counts = np.zeros((worlds, 7), dtype=np.int64)
    sums = np.empty((worlds, 3))
    column_sums = np.empty((worlds, len(totals)))
    weight, fte, confidence, money = np.empty(size), np.empty(size), np.empty(size), np.empty(size)
    living = np.zeros(worlds + 1, dtype=np.int64)
    found = 0
    for w in range(worlds):
        found = gather_living(bounds[w], bounds[w + 1], found, alive, staff, initial, coop, federation, volunteers,
                              burnout, trust, reserves, totals, weight, fte, confidence, money, counts[w], sums[w],
                              column_sums[w])
        living[w + 1] = found
    for j in range(tie_a.shape[0]):
        if tie_active[j]:
            counts[world[tie_a[j]], 6] += 1
    return counts, sums, column_sums, money[:found], living
