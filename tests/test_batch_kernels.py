"""The kernels of a batch's bookkeeping (msosim/kernels/batch.py) do what the numpy path does: the compiled re-packing
of each step's new MSOs moves every column as the stable sort by world does and points rows where they went."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from msosim import kernels
from msosim.batch_state import WORLD_COLUMNS
from msosim.state import MATRIX_COLUMNS, MSO_COLUMNS, Table
from tests.test_kernels import need_numba


def filled_table(rng: np.random.Generator, size: int) -> Table:
    """A batch's MSO table of `size` rows, every column and every matrix column random."""
    table = Table({**MSO_COLUMNS, **WORLD_COLUMNS}, size + 5, MATRIX_COLUMNS)
    for name in (*table._columns, *table._matrices):
        array = getattr(table, name)
        array[...] = rng.integers(-1000, 1000, array.shape) if array.dtype.kind in "iu" else \
            rng.random(array.shape) < 0.5 if array.dtype.kind == "b" else rng.standard_normal(array.shape)
    table.n = size
    return table


@settings(max_examples=80, deadline=None)
@given(old=st.lists(st.integers(0, 6), min_size=1, max_size=40), new=st.lists(st.integers(0, 6), max_size=12),
       seed=st.integers(0, 2**16))
def test_compiled_repacking_is_the_stable_sort_by_world(old, new, seed) -> None:
    """Rows grouped by world, then new rows of some worlds (in world order, as found_new appends them): every column
    after `merge_blocks` and `move_blocks` equals the gather by the stable argsort of the labels from the first row
    that moves, rows before it untouched, and `moved` is each row's new position."""
    need_numba()
    with kernels.using("numba"):
        jit = kernels.compiled()
    rng = np.random.default_rng(seed)
    labels = np.array(sorted(old) + sorted(new), dtype=np.int16)
    before, n = len(old), labels.size
    table = filled_table(rng, n)
    table.world[:n] = labels
    expected = {name: getattr(table, name).copy() for name in (*table._columns, *table._matrices)}
    order = np.argsort(labels, kind="stable")
    for values in expected.values():
        values[:n] = values[order]
    start, source, length = jit.merge_blocks(table.world[:n], before, n)
    first_moved = int((order != np.arange(n)).argmax()) if (order != np.arange(n)).any() else n
    assert start <= first_moved and (start == n) == (first_moved == n)
    moved = np.arange(n, dtype=np.int64)
    if start < n:
        jit.move_blocks(*jit.byte_columns(table), start, before, n, source, length, moved)
    for name, values in expected.items():
        assert np.array_equal(getattr(table, name), values), name
    where = np.empty(n, dtype=np.int64)
    where[order] = np.arange(n)
    assert np.array_equal(moved, where)


def test_unsorted_new_rows_are_left_to_the_sort() -> None:
    """New rows not in world order are refused (start -1: Batch._repack then sorts with numpy)."""
    need_numba()
    with kernels.using("numba"):
        jit = kernels.compiled()
    start, _, _ = jit.merge_blocks(np.array([0, 1, 2, 2, 0], dtype=np.int16), 3, 5)
    assert start == -1


def test_compiled_monthly_aggregates_are_the_numpy_ones() -> None:
    """batch_state's per-world aggregates of MSO rows and ties, compiled and in numpy, are the same numbers of the
    same types (one array over the worlds each in the monthly rows: ints for counts, floats for sums), for worlds
    with no, one, an odd and an even number of living MSOs (ties in the reserves)."""
    need_numba()
    from msosim.batch import Batch
    from msosim.batch_state import _by_rows, _by_rows_compiled
    from tests.conftest import SCENARIOS

    with kernels.using("numba"):
        jit = kernels.compiled()
        batch = Batch(SCENARIOS / "district.yaml", [3, 1, 2, 4]).run(1.0)
    m, n = batch.msos, batch.msos.n
    rng = np.random.default_rng(8)
    m.reserves[:n] = np.round(rng.lognormal(8, 1.5, n), -2)  # many equal values
    m.trust[:n] = rng.random(n)
    for world, living in enumerate((0, 1, 7, 8)):
        rows = np.flatnonzero(m.world[:n] == world)
        m.alive[rows] = False
        m.alive[rng.choice(rows, living, replace=False)] = True
    _, bounds = batch.streams.split(batch.world_of(n), n)
    expected, got = _by_rows(batch), _by_rows_compiled(batch, jit, bounds)
    assert list(got) == list(expected)
    for name, values in expected.items():
        assert np.asarray(got[name]).dtype == np.asarray(values).dtype, name  # ints stay ints in the rows
        assert np.array_equal(np.array(got[name]), np.array(values)), name
        assert np.array_equal(np.signbit(got[name]), np.signbit(values)), name


@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.integers(0, 40), min_size=1, max_size=6),
       kind=st.sampled_from([np.random.PCG64, np.random.MT19937, np.random.Philox, np.random.SFC64]))
def test_compiled_uniforms_are_each_generators_own(sizes, kind) -> None:
    """Streams.random on the kernels (kernels/uniforms.py: each world's bit generator called from one kernel) gives
    every world the numbers its Generator's `random` gives it, and leaves every Generator in the same state, for
    numpy's bit generators, worlds without draws included, over two sites in a row."""
    need_numba()
    from msosim.streams import Streams

    with kernels.using("numba"):
        kernels.compiled()
        batch = Streams([np.random.Generator(kind(seed)) for seed in range(len(sizes))])
        labels = np.repeat(np.arange(len(sizes)), sizes).astype(np.int16)
        assert batch._pointers() is not None
        got = [batch.random(labels.size, labels), batch.random(labels.size, labels)]
    alone = [np.random.Generator(kind(seed)) for seed in range(len(sizes))]
    for site in got:
        expected = np.concatenate([rng.random(size) for rng, size in zip(alone, sizes)])
        assert np.array_equal(site, expected)
    np.testing.assert_equal([rng.bit_generator.state for rng in batch.rngs], [rng.bit_generator.state for rng in alone])


def test_an_untrusted_bit_generator_keeps_numpys_calls(monkeypatch) -> None:
    """A bit generator whose probe failed is not called from the kernel: Streams.random then calls each Generator."""
    need_numba()
    from msosim.kernels import uniforms
    from msosim.streams import Streams

    with kernels.using("numba"):
        kernels.compiled()
        monkeypatch.setitem(uniforms._TRUSTED, np.random.PCG64, False)
        batch = Streams([np.random.default_rng(1), np.random.default_rng(2)])
        assert batch._pointers() is None
        drawn = batch.random(5, np.array([0, 0, 1, 1, 1], dtype=np.int16))
    expected = np.concatenate([np.random.default_rng(1).random(2), np.random.default_rng(2).random(3)])
    assert np.array_equal(drawn, expected)
