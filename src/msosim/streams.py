"""The random streams of the worlds a model runs: one `numpy.random.Generator` per world (issue 20).

A model runs one world today; the ensemble engine (docs/engine.md) will run many worlds in one set of arrays.
A world's tables must then be identical whether it runs alone or in a batch, so at every draw site each world
makes exactly the call it makes alone, with its own Generator, its own rows (in their order) and the same
parameters. Every draw of a step goes through a `Streams`: with one world each method is the Generator call the
site made before (the same numbers, the same tables: tests/data/digests.json is unchanged); with several, it
calls each world's Generator for that world's draws and puts the numbers back in the site's order.

`worlds` is the world of each draw (an int array aligned with the draws, as `MSOModel.world_of` gives it), or
None with a single world. Draws of one world keep their relative order, so a world's k-th draw at a site is
its k-th draw alone. A world with no draws at a site makes no call: a call for zero numbers consumes nothing,
so skipping it matches a world that, alone, would have made the same empty call (tests/test_streams.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from . import kernels

POISSON_LAM_MAX = np.iinfo(np.int64).max - np.sqrt(np.iinfo(np.int64).max) * 10  # numpy's bound on a Poisson mean


def segment_sums(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """`values[a:b].sum()` for consecutive bounds a, b, as an array (every segment's pairwise sum in one compiled
    call when the kernels are on: kernels/sums.py)."""
    jit = kernels.compiled()
    if jit is not None and values.dtype == np.float64:
        return jit.segment_sums(np.ascontiguousarray(values), np.asarray(bounds, dtype=np.int64))
    return np.array([values[a:b].sum() for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())])


@dataclass(frozen=True)
class World:
    """One world of a model: its index, Generator, living MSOs, district rows (a slice: a world's districts are
    built together) and today's stock at its scale."""

    index: int
    rng: np.random.Generator
    alive: int
    districts: slice
    reference_stock: int


def uniforms(rng, size: int, worlds: np.ndarray | None) -> np.ndarray:
    """`size` uniforms from a Generator, or from a `Streams` with the world of each draw."""
    return rng.random(size) if worlds is None and isinstance(rng, np.random.Generator) else rng.random(size, worlds)


def sample(rng, name: str, worlds: np.ndarray | None, rows: np.ndarray, *args) -> np.ndarray:
    """numpy's sampler `name` (binomial, poisson) for the given rows of a draw, from a Generator or a `Streams`
    (with `worlds` the world of every row of the draw)."""
    if worlds is None and isinstance(rng, np.random.Generator):
        return getattr(rng, name)(*args)
    return getattr(rng, name)(*args, None if worlds is None else worlds[rows])


class Streams:
    """One Generator per world; the draw methods of numpy's Generator, taking the world of each draw."""

    def __init__(self, rngs: Sequence[np.random.Generator]) -> None:
        if not rngs:
            raise ValueError("a model needs at least one world")
        self.rngs = list(rngs)
        self.count = len(self.rngs)
        self._splits: list[tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]] = []  # labels kept with their split
        self._addresses: tuple | None = None  # (the worlds' bit generators as addresses, or None): _pointers
        self._table: tuple | None = None  # (the worlds' bit generators for kernels/distributions, or None): generators

    def __getstate__(self) -> dict:
        """A copy (pickle, deepcopy) has new Generators at other addresses: it finds its own (_pointers, generators)."""
        return {**self.__dict__, "_addresses": None, "_table": None, "_splits": []}

    def split(self, worlds: np.ndarray, size: int) -> tuple[np.ndarray | None, np.ndarray]:
        """The draws' positions sorted by world (stable: each world's in its order) and each world's bounds in that
        order (world k: order[bounds[k]:bounds[k + 1]]); order None when the labels are sorted already (a batch
        keeps each world's rows together: then every world's draws are one slice). The splits of the last labels
        asked for are kept: a batch hands the same labels array for the whole population while it does not change
        (Batch.world_of)."""
        for known, split in self._splits:
            if worlds is known:
                return split
        worlds = np.asarray(worlds)
        if worlds.size != size:
            raise ValueError(f"{worlds.size} world labels for {size} draws")
        jit = kernels.compiled()
        if jit is not None and worlds.dtype == np.int16:  # a batch's labels: counted and checked in one pass
            bounds, ordered = jit.world_bounds(worlds, self.count)
        else:
            counts = np.bincount(worlds, minlength=self.count)
            bounds = np.concatenate([[0], np.cumsum(counts)])
            ordered = size < 2 or bool((worlds[1:] >= worlds[:-1]).all())
        order = None if ordered else np.argsort(worlds, kind="stable")
        self._splits = [(worlds, (order, bounds)), *self._splits[:2]]  # the last three label arrays asked for
        return order, bounds

    def _pointers(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The worlds' bit generators for kernels/uniforms.fill_uniforms (on the kernels; None on numpy, or when the
        kernel's probe did not give numpy's numbers)."""
        jit = kernels.compiled()
        if jit is None:
            return None
        if self._addresses is None:
            self._addresses = (jit.uniform_addresses(self.rngs),)
        return self._addresses[0]

    def generators(self) -> np.ndarray | None:
        """The worlds' bit generators for kernels/distributions (on the kernels with several worlds; None on numpy, or
        when the kernels' probe did not give numpy's numbers)."""
        jit = kernels.compiled()
        if jit is None or self.count == 1:
            return None
        if self._table is None:
            self._table = (jit.generator_table(self.rngs),)
        return self._table[0]

    def _one(self, worlds, size: int) -> bool:
        """Whether a site's draws are one world's, in their order (no labels, or one world: its labels are all 0,
        and splitting them by world would cost some 25 us a site for nothing)."""
        if worlds is None:
            if self.count != 1:
                raise ValueError("the world of each draw is needed with several worlds")
            return True
        if self.count == 1 and np.size(worlds) != size:
            raise ValueError(f"{np.size(worlds)} world labels for {size} draws")
        return self.count == 1

    def _in_order(self, worlds, size: int, dtype, arrays, fill) -> np.ndarray:
        """`fill(drawn, bounds, *parts)` fills `drawn` world after world (world w: drawn[bounds[w]:bounds[w + 1]],
        `parts` each of `arrays` in that order); returns the numbers in the site's order."""
        order, bounds = self.split(worlds, size)
        if order is not None:
            arrays = [array[order] for array in arrays]
        drawn = np.empty(size, dtype=dtype)
        fill(drawn, bounds, *arrays)
        if order is None:
            return drawn
        out = np.empty(size, dtype=dtype)
        out[order] = drawn
        return out

    def _fill(self, worlds, size: int, kernel, dtype, arrays: tuple, *parameters) -> np.ndarray:
        """`kernel(out, bounds, table, *parts, *parameters)`: every world's draws in one call (kernels/distributions)."""
        table = self.generators()
        return self._in_order(worlds, size, dtype, arrays,
                              lambda drawn, bounds, *parts: kernel(drawn, bounds, table, *parts, *parameters))

    def forget(self) -> None:
        """Drop the kept splits (their labels changed: a batch moved rows)."""
        self._splits = []

    def groups(self, worlds: np.ndarray | None, size: int) -> Iterator[tuple[np.random.Generator, np.ndarray | None]]:
        """Per world, its Generator and the positions (ascending) of its draws among `size`; with one world,
        its Generator and None (all positions)."""
        if worlds is None:
            if self.count != 1:
                raise ValueError("the world of each draw is needed with several worlds")
            yield self.rngs[0], None
            return
        order, bounds = self.split(worlds, size)
        for w, rng in enumerate(self.rngs):
            yield rng, np.arange(bounds[w], bounds[w + 1]) if order is None else order[bounds[w]: bounds[w + 1]]

    def _each(self, worlds, size: int, draw, dtype, *arrays) -> np.ndarray:
        """`draw(rng, k, *parts)` per world (k draws, `parts` its rows of each of `arrays`), assembled in the site's
        order; with one world `draw(rng, size, *arrays)`."""
        if self._one(worlds, size):
            return draw(self.rngs[0], size, *arrays)

        def fill(drawn, bounds, *parts) -> None:
            for rng, a, b in zip(self.rngs, bounds[:-1].tolist(), bounds[1:].tolist()):
                if b > a:  # a call for zero numbers consumes none: a world without draws here makes none
                    drawn[a:b] = draw(rng, b - a, *(part[a:b] for part in parts))

        return self._in_order(worlds, size, dtype, arrays, fill)

    # --- numpy's Generator methods, one draw per position -------------------------------------------------------

    def random(self, size: int, worlds: np.ndarray | None = None) -> np.ndarray:
        """`Generator.random(size)`."""
        pointers = None if self._one(worlds, size) else self._pointers()
        if pointers is not None:  # one compiled call: each world's bit generator as its Generator calls it
            return self._in_order(worlds, size, np.float64, (),
                                  lambda drawn, bounds: kernels.compiled().fill_uniforms(drawn, bounds, *pointers))
        return self._each(worlds, size, lambda rng, k: rng.random(k), np.float64)

    # With several worlds on the kernels, each of these draws every world's numbers in one compiled call of
    # kernels/distributions (numpy's algorithms on each world's bit generator: the same numbers).

    def _compiled(self, worlds, valid) -> bool:
        """Whether a site draws through kernels/distributions: several worlds on the kernels, and parameters numpy
        accepts (`valid`; otherwise numpy's calls raise numpy's error)."""
        return worlds is not None and self.generators() is not None and bool(valid)

    def normal(self, loc: float, scale: float, size: int, worlds: np.ndarray | None = None) -> np.ndarray:
        """`Generator.normal(loc, scale, size)` (scalar parameters)."""
        if self._compiled(worlds, scale >= 0):
            return self._fill(worlds, size, kernels.compiled().fill_normal, np.float64, (), float(loc), float(scale),
                              False)
        return self._each(worlds, size, lambda rng, k: rng.normal(loc, scale, k), np.float64)

    def lognormal(self, mean: float, sigma: float, size: int, worlds: np.ndarray | None = None) -> np.ndarray:
        """`Generator.lognormal(mean, sigma, size)` (scalar parameters)."""
        if self._compiled(worlds, sigma >= 0):
            return self._fill(worlds, size, kernels.compiled().fill_normal, np.float64, (), float(mean), float(sigma),
                              True)
        return self._each(worlds, size, lambda rng, k: rng.lognormal(mean, sigma, k), np.float64)

    def geometric(self, p: float, size: int, worlds: np.ndarray | None = None) -> np.ndarray:
        """`Generator.geometric(p, size)` (scalar p)."""
        if self._compiled(worlds, 0 < p <= 1):
            return self._fill(worlds, size, kernels.compiled().fill_geometric, np.int64, (), float(p))
        return self._each(worlds, size, lambda rng, k: rng.geometric(p, k), np.int64)

    def binomial(self, n, p, worlds: np.ndarray | None = None) -> np.ndarray:
        """`Generator.binomial(n, p)` for arrays `n` (and `p`, or a scalar p) of one draw per position."""
        n = np.asarray(n)
        if self._compiled(worlds, n.size == 0 or (n.min() >= 0 and np.min(p) >= 0 and np.max(p) <= 1)):
            fill = kernels.compiled().fill_binomial
            n = n.astype(np.int64, copy=False)
            if np.ndim(p) > 0:
                return self._fill(worlds, n.size, fill, np.int64, (n, np.asarray(p, dtype=np.float64)), 1)
            return self._fill(worlds, n.size, fill, np.int64, (n,), np.array([p], dtype=np.float64), 0)
        if np.ndim(p) > 0:
            return self._each(worlds, n.size, lambda rng, k, n, p: rng.binomial(n, p), np.int64, n, np.asarray(p))
        return self._each(worlds, n.size, lambda rng, k, n: rng.binomial(n, p), np.int64, n)

    def poisson(self, lam, worlds: np.ndarray | None = None) -> np.ndarray:
        """`Generator.poisson(lam)` for an array `lam` of one draw per position."""
        lam = np.asarray(lam)
        if self._compiled(worlds, lam.size == 0 or (lam.min() >= 0 and lam.max() < POISSON_LAM_MAX)):
            return self._fill(worlds, lam.size, kernels.compiled().fill_poisson, np.int64,
                              (lam.astype(np.float64, copy=False),))
        return self._each(worlds, lam.size, lambda rng, k, lam: rng.poisson(lam), np.int64, lam)

    def sums(self, values: np.ndarray, worlds: np.ndarray) -> list:
        """Per world, the sum of its `values` as `values.sum().item()` gives it alone (an int for integers and flags:
        exact, from one running total; a float as numpy's pairwise sum of the world's values in their order)."""
        return self.totals(values, worlds).tolist()

    def totals(self, values: np.ndarray, worlds: np.ndarray) -> np.ndarray:
        """`sums` as an array (int64 for integers and flags, float64 for floats)."""
        order, bounds = self.split(worlds, values.size)
        if values.dtype.kind in "biu":  # exact: each world's total as the difference of two running totals
            running = np.zeros(values.size + 1, dtype=np.int64)
            np.cumsum(values if order is None else values[order], out=running[1:])
            return running[bounds[1:]] - running[bounds[:-1]]
        return segment_sums(values if order is None else values[order], bounds)

    def thin(self, rows: np.ndarray, p: float, worlds: np.ndarray | None = None) -> np.ndarray:
        """Each world picks a binomial(count, p) number of its `rows` at random, without replacement:
        `rows[rng.choice(rows.size, rng.binomial(rows.size, p), replace=False)]` per world (worlds one after the
        other; within a world in the order its choice draws them). A world that picks none makes no choice call:
        numpy's choice of zero items without replacement consumes no numbers (tests/test_streams.py), and most
        worlds pick none at a small p (the call costs some 8 us)."""
        if self._one(worlds, rows.size):
            rng = self.rngs[0]
            return rows[rng.choice(rows.size, rng.binomial(rows.size, p), replace=False)]
        order, bounds = self.split(worlds, rows.size)
        # every world's count first (one draw each, in one call on the kernels), then its choice: each world's
        # Generator still draws its count before its choice
        counts = self.binomial(np.diff(bounds), p, np.arange(self.count, dtype=np.int16)).tolist()
        picked = []
        for rng, a, b, count in zip(self.rngs, bounds[:-1].tolist(), bounds[1:].tolist(), counts):
            if count:
                mine = rows[a:b] if order is None else rows[order[a:b]]
                picked.append(mine[rng.choice(b - a, count, replace=False)])
        return np.concatenate(picked) if picked else rows[:0].copy()

    def picks(self, rate: float, rows: np.ndarray, worlds: np.ndarray | None) -> np.ndarray:
        """Each world draws a Poisson number of picks from its `rows` with replacement: with k rows,
        `count = rng.poisson(rate * k)`, then `rows[rng.integers(0, max(k, 1), count)]`. The picks of all worlds,
        world after world (each world's in the order it draws them)."""
        if self._compiled(worlds, rate >= 0):  # one call (kernels/distributions)
            order, bounds = self.split(worlds, rows.size)
            sizes = np.diff(bounds)
            counts, picks = kernels.compiled().counts_and_picks(self.generators(), rate * sizes, sizes)
            picks += np.repeat(bounds[:-1], counts)
            return rows[picks] if order is None else rows[order[picks]]
        picked = []
        for rng, at in self.groups(worlds, rows.size):
            mine = rows if at is None else rows[at]
            count = int(rng.poisson(rate * mine.size))
            picked.append(mine[rng.integers(0, max(mine.size, 1), count)])
        return np.concatenate(picked)
