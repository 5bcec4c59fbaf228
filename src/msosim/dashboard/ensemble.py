"""Chance made visible: each policy runs as N paired replications (replication i of A and of B share seed + i).

Replication 0 is the story run (seed as chosen): the population view, an MSO's story and the ticker follow it.
Per step the ensemble keeps, for every tracked outcome, the median and the 90% band (5th to 95th percentile) of
the replications, and for the headline outcomes the paired differences B - A: their median and 90% interval.
An interval that covers zero is "no clear difference": in at least one history in twenty B is not above A, or
not below it.

Replications 1..N-1 of a policy run as one batch (msosim.batch: one set of arrays, each world's numbers those of
its run alone), read through each world's handle as a model is (`extras`).

A lever change reruns the policy's story run at once (the page waits only for that) and its other replications in a
background thread; until they are back, the policy is `pending`: its charts show the story run, the cards no
interval, and `wait_ready()` waits for the full ensemble.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..batch import Batch, WorldHandle
from ..model import MSOModel
from ..scenario import Scenario, ScenarioError, with_overrides
from .charts import CHART_SPECS
from .ledger import CAUSES, Ledger
from .runner import CARDS, POLICIES, PolicyPair, Setup, Snapshot

REPLICATION_CHOICES = (10, 15, 20, 25, 30)
BAND = (0.05, 0.95)
TRACKED = tuple(dict.fromkeys([*CARDS, *(f"dissolved_{cause}_total" for cause in CAUSES),
                               *(series.column for spec in CHART_SPECS for series in spec.series)]))


@dataclass(frozen=True)
class Difference:
    """B - A of one outcome over the paired replications: the median and the 90% interval."""

    median: float
    low: float
    high: float

    @property
    def clear(self) -> bool:
        """True when the interval lies wholly above or wholly below zero."""
        return self.low > 0 or self.high < 0


def difference(a: np.ndarray, b: np.ndarray) -> Difference:
    """The paired differences b - a (replication by replication) summarised."""
    paired = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    low, median, high = np.quantile(paired, [BAND[0], 0.5, BAND[1]])
    return Difference(float(median), float(low), float(high))


def outcome_row(row: dict, ledger_row: dict) -> np.ndarray:
    """The tracked outcomes of one step: the collector's row and the ledger's running totals."""
    both = {**row, **ledger_row}
    return np.array([both[column] for column in TRACKED], dtype=float)


class EnsemblePair(PolicyPair):
    """A PolicyPair whose policies each run as `setup.replications` paired replications."""

    def __init__(self, setup: Setup, base: Scenario | None = None) -> None:
        self.extras: dict[str, list[WorldHandle]] = {policy: [] for policy in POLICIES}   # replications 1..N-1
        self.batches: dict[str, Batch | None] = {policy: None for policy in POLICIES}     # they run in it
        self.extra_ledgers: dict[str, list[Ledger]] = {policy: [] for policy in POLICIES}
        self.values: dict[str, list[np.ndarray]] = {policy: [] for policy in POLICIES}   # per step: (N, tracked)
        self.summaries: dict[str, list[np.ndarray]] = {policy: [] for policy in POLICIES}  # per step: (3, tracked)
        self.pending: set[str] = set()                    # policies whose replications rerun in the background
        self.generation = {policy: 0 for policy in POLICIES}   # a newer lever change (or close) abandons a rerun
        super().__init__(setup, base)
        self.ready = threading.Condition(self.lock)
        for policy in POLICIES:
            self.batches[policy], self.extras[policy], self.extra_ledgers[policy] = self._replications(
                self.scenarios[policy], 0)
            self._restart_values(policy)
        self._snapshot = self._make_snapshot()

    def _replications(self, scenario: Scenario, steps: int) -> tuple[Batch, list[WorldHandle], list[Ledger]]:
        """Replications 1..N-1 of one policy (seed + i) as one batch, their handles and ledgers, run `steps` steps."""
        batch = Batch(scenario, [self.setup.seed + index for index in range(1, self.setup.replications)])
        handles = [batch.handle(world) for world in range(len(batch.seeds))]
        ledgers = [Ledger(handle) for handle in handles]
        for _ in range(steps):
            self._advance(batch, handles, ledgers)
        return batch, handles, ledgers

    @staticmethod
    def _advance(batch: Batch, handles: list[WorldHandle], ledgers: list[Ledger]) -> list[dict]:
        """One step of a policy's batch; each replication's ledger row."""
        batch.step()
        return [ledger.record(handle) for handle, ledger in zip(handles, ledgers, strict=True)]

    def _restart_values(self, policy: str) -> None:
        """Tracked values of every step so far, from the models' collectors (after a build or a lever change)."""
        models = [self.models[policy], *self.extras[policy]]
        ledgers = [self.ledgers[policy], *self.extra_ledgers[policy]]
        steps = len(models[0].datacollector.rows)
        self.values[policy] = [np.stack([outcome_row(model.datacollector.rows[step], ledger.rows[step])
                                         for model, ledger in zip(models, ledgers, strict=True)])
                               for step in range(steps)]
        self.summaries[policy] = [self._summary(values) for values in self.values[policy]]

    @staticmethod
    def _summary(values: np.ndarray) -> np.ndarray:
        """Median, 5th and 95th percentile of each tracked outcome over the replications (NaN-tolerant)."""
        with np.errstate(all="ignore"):
            return np.nanquantile(values, [0.5, BAND[0], BAND[1]], axis=0)

    def step(self, count: int = 1) -> Snapshot:
        """Advance every replication of both policies by `count` steps."""
        with self.lock:
            started = time.perf_counter()
            for _ in range(count):
                for policy in POLICIES:
                    story = self.models[policy]
                    story.step()
                    self.history[policy].record(story)
                    rows = [outcome_row(story.datacollector.rows[-1], self.ledgers[policy].record(story))]
                    self._collect_ticker(policy, story)
                    handles = self.extras[policy]
                    if self.batches[policy] is not None:  # None while they rerun in the background
                        recorded = self._advance(self.batches[policy], handles, self.extra_ledgers[policy])
                        rows += [outcome_row(handle.datacollector.rows[-1], ledger_row)
                                 for handle, ledger_row in zip(handles, recorded, strict=True)]
                    values = np.stack(rows)
                    self.values[policy].append(values)
                    self.summaries[policy].append(self._summary(values))
            self._compute_ms = (time.perf_counter() - started) * 1000.0 / count
            self._snapshot = self._make_snapshot()
            return self._snapshot

    def replace_policy(self, policy: str, levers: dict, wait: bool = False) -> Snapshot:
        """New levers for one policy: its story run rebuilt now, its other replications in the background (`wait`:
        return only once they are back)."""
        super().replace_policy(policy, levers)
        with self.lock:
            self.generation[policy] += 1
            self.pending.add(policy)
            self.batches[policy], self.extras[policy], self.extra_ledgers[policy] = None, [], []
            self._restart_values(policy)
            self._snapshot = self._make_snapshot()
            job = threading.Thread(target=self._rerun, args=(policy, self.scenarios[policy], self.generation[policy]),
                                   name=f"ensemble-{policy}", daemon=True)
        job.start()
        if wait:
            self.wait_ready()
        return self.snapshot()

    def _rerun(self, policy: str, scenario: Scenario, generation: int) -> None:
        """Build replications 1..N-1 of a policy and run them up to its story run's step, then swap them in."""
        batch, handles, ledgers = self._replications(scenario, 0)
        while True:
            with self.lock:
                if self.generation[policy] != generation:
                    return
                target = self.models[policy].t
                if batch.t >= target:
                    self.batches[policy], self.extras[policy], self.extra_ledgers[policy] = batch, handles, ledgers
                    self._restart_values(policy)
                    self.pending.discard(policy)
                    self._snapshot = self._make_snapshot()
                    self.ready.notify_all()
                    return
            while batch.t < target and self.generation[policy] == generation:   # outside the lock: the page goes on
                self._advance(batch, handles, ledgers)

    def runs(self, policy: str) -> list[MSOModel | WorldHandle]:
        """A policy's replications, replication i (seed + i) at index i: the story run first, then the batch's
        worlds (each read as a model: t, config, datacollector.rows, msos, tables)."""
        return [self.models[policy], *self.extras[policy]]

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until no policy's replications are rerunning; False if `timeout` seconds passed first."""
        with self.ready:
            return self.ready.wait_for(lambda: not self.pending, timeout)

    def close(self) -> None:
        """Abandon the background reruns (the pair is being replaced)."""
        with self.lock:
            for policy in POLICIES:
                self.generation[policy] += 1
            self.pending.clear()
            self.ready.notify_all()

    def _bands(self, policy: str, years: np.ndarray) -> pd.DataFrame:
        summaries = np.stack(self.summaries[policy])          # (steps, 3, tracked)
        columns = {"step": np.arange(summaries.shape[0]), "year": years[: summaries.shape[0]]}
        for index, column in enumerate(TRACKED):
            for which, name in enumerate(("median", "low", "high")):
                columns[f"{column}_{name}"] = summaries[:, which, index]
        return pd.DataFrame(columns)

    def _make_snapshot(self) -> Snapshot:
        snapshot = super()._make_snapshot()
        if not self.summaries["A"] or len(self.summaries["A"]) != len(self.summaries["B"]):
            return snapshot
        years = snapshot.frames["A"]["year"].to_numpy(dtype=float)
        last = {policy: self.values[policy][-1] for policy in POLICIES}
        differences = None if self.pending else {
            key: difference(last["A"][:, TRACKED.index(key)], last["B"][:, TRACKED.index(key)]) for key in CARDS}
        return replace(snapshot, replications=self.setup.replications, differences=differences,
                       bands={policy: self._bands(policy, years) for policy in POLICIES},
                       pending=tuple(sorted(self.pending)))


def build_pair(setup: Setup, base: Scenario | None = None) -> PolicyPair:
    """A new pair from a set-up (an ensemble when it asks for replications); raises ScenarioError (one line)."""
    try:
        if setup.replications > 1:
            return EnsemblePair(setup, base)
        return PolicyPair(setup, base)
    except ScenarioError:
        raise
    except (ValueError, KeyError) as exc:
        raise ScenarioError(f"{setup.scenario_path}: {exc}") from None
