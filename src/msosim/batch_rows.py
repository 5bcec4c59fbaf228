"""A batch's flows and monthly rows as arrays over its worlds (msosim/batch.py): one pass per step for all worlds.

Each world alone keeps its step's flows in a dict of Python numbers and makes its monthly row as a dict
(`metrics.row_of`). Here the flows are one array per key over the worlds, and `row_of` runs once per step with
`metrics.Arrays`, the same IEEE operations on arrays. A number keeps its Python type as alone: a flow is an int
until a float is added in that step (`WorldFlows.floats`), and so are the row columns that copy it, while every
other column has the type of the world's first row; a world's model table and its rows (`WorldRows`, read by the
dashboard every step) are made from these arrays with those types, the same table as alone (tests/test_batch.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .batch_state import world_aggregates
from .metrics import FLOW_KEYS, Arrays, new_flow, row_of
from .state import INCOME_SOURCES

if TYPE_CHECKING:
    from .batch import Batch
    from .model import MSOModel

# the row columns that copy flows (an int in a step without a float added, as alone), with the flows they add up;
# the other flows are in the row as floats (`float(...)`) or only through a ratio
COPIES = {**{key: (key,) for key in FLOW_KEYS if key not in ("reserves_spent", "grant_money_returned", "tasks_hours",
                                                             "tasks_unfunded_hours")},
          "dissolved": tuple(key for key in FLOW_KEYS if key.startswith("dissolved_"))}


class WorldFlows:
    """This step's flows of every world: `values[key]` one number per world (`values["income"]` one row per
    source); `floats` the keys a float was added to in this step."""

    def __init__(self, worlds: int) -> None:
        self.worlds = worlds
        self.values = {key: np.zeros(worlds) for key in FLOW_KEYS}
        self.values["income"] = np.zeros((len(INCOME_SOURCES), worlds))
        self.floats: set[str] = set()

    def add(self, key: str, totals, is_float: bool, column: int | None = None) -> None:
        """Add each world's total (int totals are exact in the float64 arrays up to 2**53)."""
        target = self.values[key] if column is None else self.values[key][column]
        target += totals
        if is_float:
            self.floats.add(key)

    def as_dicts(self) -> list[dict]:
        """Each world's flows as a model keeps them alone (`metrics.new_flow`, ints where no float was added)."""
        dicts = []
        for w in range(self.worlds):
            flow = new_flow()
            for key in FLOW_KEYS:
                value = self.values[key][w]
                flow[key] = float(value) if key in self.floats else int(value)
            flow["income"] = self.values["income"][:, w].copy()
            dicts.append(flow)
        return dicts


class BatchCollector:
    """The monthly rows of every world: the first from its own build (a dict), then one set of arrays a step."""

    def __init__(self, worlds: list[MSOModel]) -> None:
        self.first = [world.datacollector.rows[0] for world in worlds]
        if any(len(world.datacollector.rows) != 1 for world in worlds):
            raise RuntimeError("a world of a batch is collected once, at its build")
        self.steps: list[tuple[dict, frozenset]] = []  # per step: the columns (arrays or shared) and float flows
        self.rows = [WorldRows(self, w) for w in range(len(worlds))]
        self._yearly: tuple[list, dict] | None = None
        self._initial = np.array([world.initial_count for world in worlds], dtype=np.int64)
        self._kept: tuple[int, tuple[dict, set]] | None = None  # _stacked's columns, for this many steps

    def collect(self, batch: Batch) -> None:
        flows = batch.flow_arrays
        if self._yearly is None or self._yearly[0] is not batch.yearly:  # new each year (Batch._new_year)
            self._yearly = (batch.yearly, {key: np.array([mine[key] for mine in batch.yearly])
                                           for key in batch.yearly[0]})
        columns = row_of(batch, world_aggregates(batch), flows.values, self._yearly[1], self._initial, Arrays)
        self.steps.append((columns, frozenset(flows.floats)))

    def is_float(self, world: int, name: str, floats: frozenset) -> bool:
        """Whether column `name` holds a float in a step whose float flows are `floats`."""
        copied = COPIES.get(name)
        if copied is not None:
            return not floats.isdisjoint(copied)
        return isinstance(self.first[world][name], float)

    def row(self, world: int, step: int) -> dict:
        """World `world`'s row of step `step` (0: its build's) with the Python types of its row alone."""
        if step == 0:
            return self.first[world]
        columns, floats = self.steps[step - 1]
        row = {}
        for name, value in columns.items():
            if isinstance(value, np.ndarray):
                value = value[world]
                value = float(value) if self.is_float(world, name, floats) else int(value)
                if value != value:  # numpy's nan, as the row alone holds it (equal to itself in a comparison of rows)
                    value = np.nan
            row[name] = value
        return row

    def frame(self, world: int) -> pd.DataFrame:
        """World `world`'s model table: its rows as `pd.DataFrame(rows)` types them alone (a column of ints is
        int64, one with a float float64, strings str), from each column's steps stacked once for all worlds."""
        first, (stacked, floated) = self.first[world], self._stacked()
        data = {}
        for name, value in first.items():
            later = stacked[name]
            if isinstance(later, list):  # shared by the worlds (step, year, the active events)
                data[name] = [value, *later] if isinstance(value, str) else np.array([value, *later])
                continue
            floating = isinstance(value, float) or name in floated
            column = np.empty(later.shape[0] + 1, dtype=np.float64 if floating else np.int64)
            column[0] = value
            column[1:] = later[:, world]
            data[name] = column
        return pd.DataFrame(data)

    def _stacked(self) -> tuple[dict, set]:
        """Each column over the steps (an array, steps x worlds, or a list of the value the worlds share), and the
        columns copying a flow that held a float in some step."""
        kept = self._kept
        if kept is None or kept[0] != len(self.steps):
            stacked = {name: [] for name in self.first[0]}
            if self.steps:
                stacked = {name: np.stack([columns[name] for columns, _ in self.steps])
                           if isinstance(self.steps[0][0][name], np.ndarray) else [columns[name] for columns, _ in self.steps]
                           for name in stacked}
            floats = set().union(*(floats for _, floats in self.steps))
            floated = {name for name, keys in COPIES.items() if not floats.isdisjoint(keys)}
            kept = self._kept = (len(self.steps), (stacked, floated))
        return kept[1]


class WorldRows(Sequence):
    """One world's monthly rows, read as a list of dicts (`datacollector.rows` of the world: batch.WorldHandle)."""

    def __init__(self, collector: BatchCollector, world: int) -> None:
        self.collector, self.world = collector, world

    def __len__(self) -> int:
        return len(self.collector.steps) + 1

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[k] for k in range(*index.indices(len(self)))]
        size = len(self)
        if not -size <= index < size:
            raise IndexError("row index out of range")
        return self.collector.row(self.world, index % size)
