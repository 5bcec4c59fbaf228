"""Many worlds of one scenario in one set of arrays: the ensemble engine of issue 20 (docs/engine.md, section 8).

`Batch(scenario, seeds)` builds each world alone (`MSOModel(scenario, seed=s)`: its landscape, spin-up, MSOs,
initial grants and ties from its own Generator) and puts the worlds together: the districts, funders, MSOs,
grants and ties of all worlds in one table each. It steps with `MSOModel.step`, the same submodels on the shared
arrays: every draw goes through each world's own Generator for that world's rows (streams.py), sums that feed a
world's numbers are taken over its own rows, and each funder ranks and pays its own world's applicants. So
`batch.world_tables(w)` equals `MSOModel(scenario, seed=seeds[w]).run(years).tables()` (tests/test_batch.py).

Worlds may differ in their policy levers: `Batch([scenario_1, ..., scenario_k], seeds)` takes one scenario per
seed, equal but for their `policy` sections (`Scenario.world_hash`). The levers reach the model only through the
scenario's `overlay`: funders' settings (each world's funders are its own), dialogue formats (its own districts),
application support (each funder carries its world's) and the funded share of delegated tasks (one per world).

Layout: a world's districts and funders are contiguous; its MSOs are contiguous at the start and new ones are
appended at the end of the table, so a world's rows keep their order (the MSO columns `world` and `local` say
whose they are and which row they are in their world). Grant ids count per world, as alone.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import mesa
import numpy as np
import pandas as pd

from . import kernels
from .batch_rows import BatchCollector, WorldFlows
from .batch_state import WORLD_COLUMNS, GrantTable, RowsView, WorldLog, concatenate_tables, yearly_by_world
from .submodels.events import factors_at
from .model import (MSOModel, build_tables, district_frame, funder_frame, grant_frame, mso_frame,
                    resolve_scenario)
from .scenario import OWN_KEYS, Scenario
from .state import MATRIX_COLUMNS, MSO_COLUMNS, EventLog, Table
from .streams import Streams, World


class WorldHandle:
    """One world of a batch, read between steps as a model is: `t`, `config` (its scenario), `datacollector.rows`
    (its monthly rows), `msos` (its MSO rows in their order alone: `msos.x[: msos.n]`) and `tables(only)`."""

    def __init__(self, batch: Batch, world: int) -> None:
        self.batch, self.world = batch, world
        self.config = batch.scenarios[world]
        self.datacollector = SimpleNamespace(rows=batch.datacollector.rows[world])

    @property
    def t(self) -> int:
        return self.batch.t

    @property
    def msos(self) -> RowsView:
        return RowsView(self.batch.msos, self.batch.world_rows(self.world))

    def tables(self, only: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
        return self.batch.world_tables(self.world, only)


def one_per_world(scenario, count: int, overrides: dict) -> list[Scenario]:
    """The scenario of each of `count` worlds: one for all, or a list of one per world equal but for their policy
    levers (else a ValueError naming the first world that differs)."""
    if isinstance(scenario, (list, tuple)):
        scenarios = [resolve_scenario(each, overrides) for each in scenario]
        if len(scenarios) != count:
            raise ValueError(f"{len(scenarios)} scenarios for {count} seeds: give one scenario, or one per seed")
    else:
        scenarios = [resolve_scenario(scenario, overrides)] * count
    shared = scenarios[0].world_hash()
    for k, other in enumerate(scenarios[1:], start=1):
        if other is not scenarios[0] and other.world_hash() != shared:
            first, mine = scenarios[0].model_dump(mode="json"), other.model_dump(mode="json")
            keys = sorted(key for key in first if key not in (*OWN_KEYS, "policy") and first[key] != mine.get(key))
            raise ValueError(f"world {k} ('{other.name}') differs from world 0 ('{scenarios[0].name}') in {keys}: "
                             "a batch's worlds may differ in their policy levers only")
    return scenarios


class BatchWorld(MSOModel):
    """One world as a batch builds it: the model alone, without Mesa agent handles (the batch keeps none)."""

    def add_mso_agents(self, rows: np.ndarray) -> None:
        """No handles (Batch.add_mso_agents)."""


class Batch(MSOModel):
    """The worlds of `seeds` (one each) of one scenario, stepped together; `world_tables(w)` are world w's tables."""

    def __init__(self, scenario: Scenario | str | Path | list | tuple | None, seeds, **overrides) -> None:
        self.seeds = [int(seed) for seed in seeds]
        scenarios = one_per_world(scenario, len(self.seeds), overrides)
        scenario = scenarios[0]  # what the worlds share (all but the policy levers)
        worlds = [BatchWorld(mine, seed=seed) for mine, seed in zip(scenarios, self.seeds)]
        self.scenarios = scenarios
        mesa.Model.__init__(self, rng=self.seeds[0])  # Mesa's step and time; the worlds draw from their own streams
        self.config, self.t = scenario, 0
        self.streams = Streams([world.rng for world in worlds])
        self._labels: np.ndarray | None = None
        self.flow_arrays = WorldFlows(len(worlds))  # this step's flows, one array per key (batch_rows.py)
        first = worlds[0]
        self.land_codes, self.conflicts = first.land_codes, first.conflicts
        shares = [w.delegation_funded_share for w in worlds]  # a number, or one per world (delegate_tasks)
        self.delegation_funded_share = shares[0] if len(set(shares)) == 1 else np.array(shares)
        self.districts = Table(first.districts._columns, sum(w.districts.n for w in worlds))
        district_starts = concatenate_tables(self.districts, [w.districts for w in worlds])
        self.district_slices = [slice(int(s), int(s) + w.districts.n) for s, w in zip(district_starts, worlds)]
        funder_starts = np.cumsum([0] + [len(w.funders) for w in worlds])
        self.funder_slices = [slice(int(a), int(b)) for a, b in zip(funder_starts[:-1], funder_starts[1:])]
        # each world's districts and funders as segment bounds (world w: bounds[w]:bounds[w + 1]; the monthly rows)
        self.district_bounds = np.array([0, *(rows.stop for rows in self.district_slices)], dtype=np.int64)
        self.funder_bounds = funder_starts.astype(np.int64)
        self.msos = Table({**MSO_COLUMNS, **WORLD_COLUMNS}, 2 * sum(w.msos.capacity for w in worlds), MATRIX_COLUMNS)
        mso_starts = concatenate_tables(self.msos, [w.msos for w in worlds], {"district": district_starts})
        for k, world in enumerate(worlds):
            rows = slice(int(mso_starts[k]), int(mso_starts[k]) + world.msos.n)
            self.msos.world[rows] = k
            self.msos.local[rows] = np.arange(world.msos.n)
        self.next_local = np.array([w.msos.n for w in worlds], dtype=np.int64)
        self.grants = GrantTable(first.grants._columns, sum(w.grants.capacity for w in worlds),
                                 lambda mso: self.msos.world[mso], len(worlds))
        if any(w.grants._retired for w in worlds):
            raise RuntimeError("a world retired grants before its first step")
        concatenate_tables(self.grants, [w.grants for w in worlds], {"mso": mso_starts, "funder": funder_starts[:-1]})
        self.grants.next_id[:] = [w.grants.appended for w in worlds]
        self.ties = Table(first.ties._columns, sum(w.ties.capacity for w in worlds))
        concatenate_tables(self.ties, [w.ties for w in worlds], {"a": mso_starts, "b": mso_starts})
        self.funders = []
        for k, world in enumerate(worlds):
            for funder in world.funders:
                funder.index += int(funder_starts[k])
                funder.world, funder.model = k, self
                self.funders.append(funder)
        self.funder_paid = np.concatenate([w.funder_paid for w in worlds])
        self.funder_returned = np.concatenate([w.funder_returned for w in worlds])
        self.funder_renewal = np.concatenate([w.funder_renewal for w in worlds])
        self._callers = [[f for w in worlds for f in w._callers[k]] for k in range(scenario.steps_per_year)]
        self.municipalities, self.mso_by_row = [], []
        self.base_demand = np.concatenate([w.base_demand for w in worlds])
        self.arrival_share = np.concatenate([w.arrival_share for w in worlds])
        size = [w.districts.n for w in worlds]
        self.reference_density = np.repeat([w.reference_density for w in worlds], size)  # per district
        self.density_norm = np.repeat([w.density_norm for w in worlds], size)
        self.reference_stocks = [w.reference_stock for w in worlds]
        self.initial_counts = [w.initial_count for w in worlds]
        self.admin_hours = np.concatenate([w.admin_hours for w in worlds])
        self.factors = factors_at(self, float(scenario.start_year))
        self.yearly = [w.yearly for w in worlds]
        self.funder_starts = funder_starts[:-1]
        self.log = WorldLog(self)
        self._appended = False
        self._sorted_rows = self.msos.n  # rows [0, this) are grouped by world (Batch._repack)
        self._bytes: tuple | None = None  # the MSO columns as bytes, for the compiled _repack
        self._initial_logs = [w.log for w in worlds]
        self._splits: dict[str, tuple] = {}  # "events", "grants": (their state, columns by world, bounds): _by_world
        self._start_snapshots = [w._start_snapshot for w in worlds]
        self._count_alive_per_district()
        self.datacollector = BatchCollector(worlds)

    # --- what the submodels ask of a model, per world ---------------------------------------------------------

    @property
    def flow(self) -> list[dict]:
        """Each world's flows of this step as a dict, as alone (`flow_arrays` holds them)."""
        return self.flow_arrays.as_dicts()

    @flow.setter
    def flow(self, _) -> None:  # MSOModel.step starts each step with fresh flows
        self.flow_arrays = WorldFlows(self.streams.count)

    flows = flow

    def world_of(self, rows: np.ndarray | int) -> np.ndarray:
        """The world of each row; for the first `n` rows the same array object while `n` stays (a row's world never
        changes), so that the streams sort it once (Streams.split)."""
        if isinstance(rows, (int, np.integer)):
            if self._labels is None or self._labels.size != rows:
                self._labels = self.msos.world[:rows]
            return self._labels
        return self.msos.world[rows]

    def worlds(self) -> list[World]:
        n = self.msos.n
        alive = np.bincount(self.msos.world[:n][self.msos.alive[:n]], minlength=self.streams.count).tolist()
        return [World(k, rng, alive[k], self.district_slices[k], self.reference_stocks[k])
                for k, rng in enumerate(self.streams.rngs)]

    def append_msos(self, world: int | np.ndarray, count: int, values: dict) -> np.ndarray:
        """New MSO rows founded this step: of world `world`, or of the world of each row (an array, each world's
        rows in their order), each numbered after its world's rows (`local`)."""
        if np.ndim(world) == 0:
            local = self.next_local[world] + np.arange(count)
            self.next_local[world] += count
        else:
            counts = np.bincount(world, minlength=self.streams.count)
            order = np.argsort(world, kind="stable")
            local = np.empty(count, dtype=np.int64)
            local[order] = np.arange(count) - (np.cumsum(counts) - counts)[world[order]]
            local += self.next_local[world]
            self.next_local += counts
        self._appended = True
        return self.msos.append(count, founded_step=self.t, world=world, local=local, **values)

    def _count_alive_per_district(self) -> None:
        if self._appended:  # the step's foundings: each world's rows together again
            self._repack()
        super()._count_alive_per_district()

    def _repack(self) -> None:
        """Move this step's new MSOs (appended at the end of the table) to the end of their worlds' rows, so that
        every world's rows are one slice again (its draws and sums then need no sort, gather or scatter), and
        point the grants and ties at the moved rows."""
        m, n, before = self.msos, self.msos.n, self._sorted_rows
        self._appended, self._sorted_rows = False, self.msos.n
        world = m.world[:n]
        jit = kernels.compiled()
        start, source, length = jit.merge_blocks(world, before, n) if jit is not None else (-1, None, None)
        if start == n:  # only the last worlds founded: already in order
            return
        moved = np.arange(n, dtype=np.int64)
        if start >= 0:  # the same moves block by block, every column as bytes (kernels/batch.py)
            jit.move_blocks(*self._byte_columns(), start, before, n, source, length, moved)
        else:
            # rows up to the end of the first world that founded stay where they are
            start = int(np.searchsorted(world[:before], world[before:].min(), side="right"))
            if start == before:  # only the last worlds founded: already in order
                return
            perm = start + np.argsort(world[start:], kind="stable")
            for name in (*m._columns, *m._matrices):
                column = getattr(m, name)
                column[start:n] = column[perm]
            moved[perm] = np.arange(start, n)
        g, ties = self.grants, self.ties
        held = (g.mso[: g.n], *(part["mso"] for part in g._retired), ties.a[: ties.n], ties.b[: ties.n])
        for rows in held:  # every grant's MSO and tie's ends at the moved rows, in place
            if jit is not None:
                jit.remap_rows(rows, moved, start)
            else:
                rows[:] = moved[rows]
        self._rows_by_district = self._running_grants = self._labels = None  # caches of row positions
        self.streams.forget()

    def _byte_columns(self) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """The MSO columns as bytes for kernels/batch.move_blocks, made again when the table has new arrays."""
        kept = self._bytes
        if kept is None or kept[0] is not self.msos.alive:  # Table.reserve replaces every array at once
            kept = self._bytes = (self.msos.alive, kernels.compiled().byte_columns(self.msos))
        return kept[1]

    def add_flow(self, key: str, values: np.ndarray, worlds: np.ndarray | None, column: int | None = None) -> None:
        self.flow_arrays.add(key, self.streams.totals(values, worlds), values.dtype.kind == "f", column)

    def add_count(self, key: str, count: int, worlds: np.ndarray | None) -> None:
        self.flow_arrays.add(key, np.bincount(worlds, minlength=self.streams.count), False)

    def add_mso_agents(self, rows: np.ndarray) -> None:
        """A batch keeps no Mesa agent handles (`msos.alive` says which MSOs live)."""

    def remove_mso_agents(self, rows: np.ndarray) -> None:
        """No handles to remove (see add_mso_agents)."""

    def world_rows(self, world: int) -> slice:
        """World `world`'s MSO rows, in their order alone (between steps every world's rows are one slice)."""
        n = self.msos.n
        labels = self.msos.world[:n]
        if self._sorted_rows != n or self._appended:
            raise RuntimeError("a batch's rows are grouped by world only between steps")
        start, stop = np.searchsorted(labels, [world, world + 1])
        return slice(int(start), int(stop))

    def handle(self, world: int) -> WorldHandle:
        """World `world` as the parts of a model its callers read between steps (WorldHandle)."""
        return WorldHandle(self, world)

    def _yearly_indicators(self):
        return yearly_by_world(self)

    # --- each world's tables, as alone ------------------------------------------------------------------------

    def world_tables(self, world: int, only: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
        """World `world`'s tables, as `MSOModel(scenario, seed=seeds[world])` gives them after the same steps
        (`only`: just the named ones, as `MSOModel.tables`)."""
        funders = self.funder_slices[world]
        districts = self.district_slices[world]
        return build_tables({
            "model": lambda: self.datacollector.frame(world),
            "events": lambda: self._world_events(world), "msos": lambda: self._world_msos(world),
            "grants": lambda: self._world_grants(world),
            "funders": lambda: funder_frame(self.funders[funders], self.land_codes, self.funder_paid[funders],
                                            self.funder_returned[funders]),
            "districts": lambda: district_frame(self.districts.frame(np.arange(districts.start, districts.stop)),
                                                self.land_codes)}, only)

    def _world_events(self, world: int) -> pd.DataFrame:
        """The world's build events, then its events of the batch's log in their order (kept with its own rows and
        funder indices: WorldLog). When the worlds' funders have the same names (replications), every world's
        events are one frame, made once, and a world's table is its rows of it."""
        def split() -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
            built = [log.arrays() for log in self._initial_logs]  # each world's build events first (a stable sort)
            labels = [np.full(part["step"].size, k, dtype=np.int16) for k, part in enumerate(built)] + self.log.worlds
            worlds = np.concatenate(labels)
            return self.log.arrays(head=built), worlds, np.argsort(worlds, kind="stable")

        data, bounds = self._by_world("events", (self.t, self.log.count()), split)
        spy, start = self.config.steps_per_year, self.config.start_year
        names = [[f.name for f in self.funders[rows]] for rows in self.funder_slices]
        if all(mine == names[0] for mine in names):
            kept = self._splits.get("event_frame")
            if kept is None or kept[0] is not data:
                frame = EventLog.frame_of({**data, "funder": data["funder"].copy()}, start + data["step"] / spy,
                                          names[0])  # (frame_of shifts the funder codes in place)
                kept = self._splits["event_frame"] = (data, frame)
            return kept[1].iloc[bounds[world]: bounds[world + 1]].reset_index(drop=True)
        mine = {name: values[bounds[world]: bounds[world + 1]].copy() for name, values in data.items()}
        return EventLog.frame_of(mine, start + mine["step"] / spy, names[world])

    def _by_world(self, name: str, state: tuple, split) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """A table of all worlds (the event log, the grants) grouped by world once per `state` of it: `split()`
        gives its columns, each row's world and an order grouping the rows by world; returns the columns in that
        order and each world's bounds in it (world w: rows bounds[w]:bounds[w + 1])."""
        kept = self._splits.get(name)
        if kept is None or kept[0] != state:
            columns, worlds, order = split()
            bounds = np.concatenate([[0], np.cumsum(np.bincount(worlds, minlength=self.streams.count))])
            kept = self._splits[name] = (state, {key: values[order] for key, values in columns.items()}, bounds)
        return kept[1], kept[2]

    def _world_msos(self, world: int) -> pd.DataFrame:
        end = self.msos.columns(self.world_rows(world))
        for name in WORLD_COLUMNS:
            del end[name]
        end["district"] = end["district"] - self.district_slices[world].start
        return mso_frame(self._start_snapshots[world], end)

    def _world_grants(self, world: int) -> pd.DataFrame:
        """The world's grants (retired ones included) in `id` order, as alone."""
        g = self.grants

        def split() -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
            grants = g.columns()
            worlds = self.msos.world[grants["mso"]]
            return grants, worlds, np.lexsort((grants["id"], worlds))  # by world, then id (stable, as alone)

        data, bounds = self._by_world("grants", (self.t, g.n, g.appended, len(g._retired)), split)
        grants = {name: values[bounds[world]: bounds[world + 1]].copy() for name, values in data.items()}
        grants["mso"] = self.msos.local[grants["mso"]]
        grants["funder"] = grants["funder"] - self.funder_slices[world].start
        return grant_frame(grants, [f.name for f in self.funders[self.funder_slices[world]]])
