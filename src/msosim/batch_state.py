"""The parts of a batch (msosim/batch.py): its grant table with ids per world, the concatenation of the worlds'
tables, its event log kept per world, and the views and sums its monthly rows are made of (batch_rows.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import kernels
from .metrics import TOTALS, Arrays, median, yearly_of
from .state import EventLog, Table
from .streams import segment_sums

if TYPE_CHECKING:
    from .batch import Batch
    from .model import MSOModel

WORLD_COLUMNS = {"world": "int16", "local": "int64"}  # the MSO table of a batch: whose row, and which row there


class GrantTable(Table):
    """The grants of all worlds: a grant's `id` counts the grants of its world, as it does alone."""

    def __init__(self, columns: dict[str, str], capacity: int, world_of_mso: callable, worlds: int) -> None:
        super().__init__(columns, capacity)
        self.world_of_mso = world_of_mso
        self.next_id = np.zeros(worlds, dtype=np.int64)

    def append(self, count: int, **values) -> np.ndarray:
        if "id" not in values and count:
            world = self.world_of_mso(np.broadcast_to(values["mso"], (count,)))
            counts = np.bincount(world, minlength=self.next_id.size)
            order = np.argsort(world, kind="stable")
            rank = np.empty(count, dtype=np.int64)
            rank[order] = np.arange(count) - (np.cumsum(counts) - counts)[world[order]]
            values["id"] = self.next_id[world] + rank
            self.next_id += counts
        return super().append(count, **values)


def concatenate_tables(target: Table, parts: list[Table], shift: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Fill `target` with the working rows of `parts` one after the other; `shift[name][k]` is added to column
    `name` of part k (row references). Returns each part's first row."""
    starts = np.concatenate([[0], np.cumsum([part.n for part in parts])])
    target.reserve(int(starts[-1]))
    names = [*target._columns, *target._matrices]
    for k, part in enumerate(parts):
        rows = slice(int(starts[k]), int(starts[k + 1]))
        for name in names:
            if hasattr(part, name):
                getattr(target, name)[rows] = getattr(part, name)[: part.n]
        for name, offsets in (shift or {}).items():
            getattr(target, name)[rows] += offsets[k]
    target.n = int(starts[-1])
    target.appended = target.n
    return starts[:-1]


class WorldLog(EventLog):
    """A batch's event log: each event kept with its world and that world's own MSO rows and funder indices (a
    batch moves rows when it keeps each world's rows together)."""

    def __init__(self, batch: Batch) -> None:
        super().__init__()
        self.batch = batch
        self.worlds: list[np.ndarray] = []
        self.events = 0  # events added so far (EventLog.count without a pass over the chunks)

    def add(self, step: int, event: str, mso: np.ndarray, cause: str | np.ndarray = "", **columns) -> None:
        mso = np.asarray(mso)
        if mso.size == 0:
            return
        m = self.batch.msos
        world = m.world[mso]
        partner = columns.get("partner")
        if partner is not None:
            partner = np.asarray(partner)
            columns["partner"] = np.where(partner >= 0, m.local[np.maximum(partner, 0)], partner)
        funder = columns.get("funder")
        if funder is not None:
            funder = np.asarray(funder)
            columns["funder"] = np.where(funder >= 0, funder - self.batch.funder_starts[world], funder)
        super().add(step, event, m.local[mso], cause, **columns)
        self.worlds.append(world)
        self.events += mso.size

    def count(self) -> int:
        return self.events


class RowsView:
    """One world's rows of a table, as the table (`view.x` is `table.x[rows]`, `view.n` their number)."""

    def __init__(self, table: Table, rows: np.ndarray | slice) -> None:
        self._table, self._rows = table, rows
        self.n = rows.stop - rows.start if isinstance(rows, slice) else int(rows.size)

    def __getattr__(self, name: str):
        return getattr(self._table, name)[self._rows]


def yearly_by_world(batch: Batch) -> list[dict]:
    """`metrics.yearly_indicators` of every world at once (metrics.yearly_of), a dict each with its numbers alone."""
    m, n, count = batch.msos, batch.msos.n, batch.streams.count
    living = m.alive[:n].nonzero()[0]
    world = m.world[living]
    order = np.argsort(world, kind="stable")  # each world's living rows together, in row order
    living, world = living[order], world[order]
    return yearly_of(m, living, np.searchsorted(world, np.arange(count + 1)).astype(np.int64))


def world_aggregates(batch: Batch) -> dict[str, np.ndarray]:
    """`metrics.aggregates` of every world at once, one array over the worlds each: counts by bincount, sums over
    each world's own rows in their order (the same numbers as alone: Streams.sums), medians and means per world. On
    the kernels, with the rows grouped by world (as between steps), the MSO rows' part is one pass
    (kernels/batch.world_aggregates)."""
    m, n, d, streams = batch.msos, batch.msos.n, batch.districts, batch.streams
    jit = kernels.compiled()
    order, bounds = streams.split(batch.world_of(n), n)
    columns = _by_rows(batch) if jit is None or order is not None else _by_rows_compiled(batch, jit, bounds)
    districts, funders = batch.district_bounds, batch.funder_bounds
    columns.update({
        "demand": segment_sums(d.demand_hours[: d.n], districts),
        "mean_openness": Arrays.ratio(segment_sums(d.openness[: d.n], districts), np.diff(districts), 0.0, True),
        "funders_paid": segment_sums(batch.funder_paid, funders),
        "funders_returned": segment_sums(batch.funder_returned, funders),
        "municipal_paid": segment_sums(d.paid_total[: d.n], districts),
    })
    return {name: np.asarray(values) for name, values in columns.items()}


def _by_rows(batch: Batch) -> dict[str, list]:
    """The aggregates of world_aggregates that come from MSO rows (and ties), per world, in numpy."""
    m, n, streams = batch.msos, batch.msos.n, batch.streams
    worlds = batch.world_of(n)
    count = streams.count

    def per_world(labels: np.ndarray) -> list[int]:
        return np.bincount(labels, minlength=count).tolist()

    alive = m.alive[:n]
    living = alive.nonzero()[0]
    labels = m.world[living]
    volunteers = m.volunteers[living]
    order, bounds = streams.split(labels, labels.size)
    reserves, trust = m.reserves[living], m.trust[living]
    if order is not None:
        reserves, trust = reserves[order], trust[order]
    spans = list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))
    ties = batch.ties
    live_ties = ties.a[: ties.n][ties.active[: ties.n]]
    return {
        "alive": per_world(labels), "staffed": per_world(worlds[(m.staff_fte[:n] > 0) & alive]),
        "volunteers": streams.sums(volunteers, labels),
        "initial_alive": per_world(worlds[m.initial[:n] & alive]),
        "burnout_weight": streams.sums(m.burnout[living] * volunteers, labels),
        "median_reserves": [median(reserves[a:b]) for a, b in spans],
        "staff_fte": streams.sums(m.staff_fte[living], labels),
        "service": streams.sums(m.service_hours[:n], worlds), "requested": streams.sums(m.requested_hours[:n], worlds),
        "coop": per_world(worlds[m.coop_municipality[:n] & alive]),
        "federation": per_world(worlds[m.federation[:n] & alive]),
        "mean_trust": Arrays.ratio(segment_sums(trust, bounds), np.diff(bounds), 0.0, True),
        "ties": per_world(m.world[live_ties]),
        "grant_income": streams.sums(m.grant_income_total[:n], worlds),
        "grant_returned": streams.sums(m.grant_returned_total[:n], worlds),
        "municipal_income": streams.sums(m.municipal_income_total[:n], worlds),
    }


def _by_rows_compiled(batch: Batch, jit, bounds: np.ndarray) -> dict[str, list]:
    """_by_rows in one compiled pass over the rows grouped by world (world w: rows bounds[w]:bounds[w + 1]); the
    medians of the gathered reserves by numpy's partition (metrics.median)."""
    m, n, ties = batch.msos, batch.msos.n, batch.ties
    counts, sums, totals, reserves, living = jit.world_aggregates(
        bounds, m.alive[:n], m.staff_fte[:n], m.initial[:n], m.coop_municipality[:n], m.federation[:n],
        m.volunteers[:n], m.burnout[:n], m.trust[:n], m.reserves[:n], tuple(getattr(m, c)[:n] for c in TOTALS),
        ties.a[: ties.n], ties.active[: ties.n], m.world)
    alive, staffed, initial, coop, federation, volunteers, live_ties = counts.T
    weight, fte, trust = sums.T
    service, requested, grant_income, grant_returned, municipal_income = totals.T
    spans = list(zip(living[:-1].tolist(), living[1:].tolist()))
    return {
        "alive": alive, "staffed": staffed, "volunteers": volunteers, "initial_alive": initial,
        "burnout_weight": weight, "median_reserves": [median(reserves[a:b]) for a, b in spans], "staff_fte": fte,
        "service": service, "requested": requested, "coop": coop, "federation": federation,
        "mean_trust": Arrays.ratio(trust, np.diff(living), 0.0, True),
        "ties": live_ties, "grant_income": grant_income, "grant_returned": grant_returned,
        "municipal_income": municipal_income,
    }
