"""Two policies, A and B, built from one scenario and run side by side with the same seed.

No Solara here: the UI calls `PolicyPair.step()` and renders the immutable `Snapshot` it returns,
so a play loop in a thread and the page's renders never read a model half-way through a step.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model import MSOModel
from ..scenario import Scenario, load_scenario, with_overrides
from .events import TickerItem, new_chunks, notable_events, scenario_event_items
from .ledger import LEDGER_COLUMNS, Ledger
from .levers import LEVERS

POLICIES = ("A", "B")
STATES = ("volunteer_only", "staffed", "struggling", "dissolved")
STRUGGLING_BURNOUT = 0.6
TICKER_LENGTH = 60
HEADLINE = ("alive", "staff_fte", "volunteers", "service_coverage")
CARDS = (*HEADLINE, "staff_let_go_at_grant_end", "dissolved_total", "application_hours_total",
         "public_money_volunteer_only_share")    # the facilitator picks four; HEADLINE by default
ENSEMBLE_DEFAULT = 20


@dataclass(frozen=True)
class Setup:
    """What the facilitator chose: scenario, scale, seed and the levers of both policies."""

    scenario_path: Path
    scale: str
    land: str
    seed: int
    levers: dict[str, dict[str, Any]]      # policy -> lever name -> value
    replications: int = 1                  # paired replications per policy; 1 is story mode (one history)

    def overrides(self, policy: str) -> dict[str, Any]:
        """Dotted-key overrides that turn the loaded scenario into this policy's scenario."""
        values = {f"policy.{name}": value for name, value in self.levers[policy].items()}
        return {"population.scale": self.scale, "population.land": self.land, **values}


def default_replications(scale: str) -> int:
    """Ensemble mode by default at district scale (20 paired replications), story mode (one history) above it."""
    return ENSEMBLE_DEFAULT if scale == "district" else 1


def levers_of(scenario: Scenario) -> dict[str, Any]:
    """The lever values a scenario sets (the starting point of both policies)."""
    policy = scenario.policy.model_dump()
    return {lever.name: policy[lever.name] for lever in LEVERS}


def initial_setup(scenario_path: str | Path, seed: int = 1) -> tuple[Setup, Scenario]:
    """A set-up with both policies equal to the scenario's own levers; raises ScenarioError."""
    path = Path(scenario_path).resolve()
    scenario = load_scenario(path)
    levers = levers_of(scenario)
    setup = Setup(path, scenario.population.scale, scenario.population.land, seed,
                  {policy: dict(levers) for policy in POLICIES}, default_replications(scenario.population.scale))
    return setup, scenario


def mso_states(model: MSOModel) -> np.ndarray:
    """State code per MSO row: index into STATES (struggling = negative reserves or burnout > 0.6)."""
    m, n = model.msos, model.msos.n
    states = np.where(m.staff_fte[:n] > 0, 1, 0).astype(np.int8)
    struggling = (m.reserves[:n] < 0) | (m.burnout[:n] > STRUGGLING_BURNOUT)
    states[struggling] = 2
    states[~m.alive[:n]] = 3
    return states


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Everything the page shows after a step; never changed once made."""

    step: int
    year: float
    steps_per_year: int
    frames: dict[str, pd.DataFrame]
    states: dict[str, np.ndarray]
    ticker: tuple[TickerItem, ...]
    compute_ms: float                 # wall time of the last step of both models
    start_year: float = 0.0
    end_year: float = 1.0             # the charts' time axis: the scenario's years, or further once run past them
    replications: int = 1             # paired replications per policy (1: story mode, one history)
    bands: dict[str, pd.DataFrame] | None = None     # ensemble: policy -> step, year, {column}_median/_low/_high
    differences: dict[str, Any] | None = None        # ensemble: headline key -> ensemble.Difference (B - A, paired)
    markers: tuple[tuple[str, float], ...] = ()      # the scenario's events (kind, start year): marked on every time axis
    pending: tuple[str, ...] = ()                     # ensemble: policies whose replications rerun after a lever change

    def headline(self, keys: tuple[str, ...] = HEADLINE) -> dict[str, tuple[float, float]]:
        """(A, B) of each card's outcome at the current step (the medians of the replications in an ensemble)."""
        if self.bands is not None:
            return {key: (float(self.bands["A"][f"{key}_median"].iloc[-1]), float(self.bands["B"][f"{key}_median"].iloc[-1]))
                    for key in keys}
        return {key: (float(self.frames["A"][key].iloc[-1]), float(self.frames["B"][key].iloc[-1]))
                for key in keys}


@dataclass
class History:
    """Volunteers and paid staff of every MSO row at every step (for one MSO's story)."""

    volunteers: list[np.ndarray] = field(default_factory=list)
    staff_fte: list[np.ndarray] = field(default_factory=list)

    def record(self, model: MSOModel) -> None:
        n = model.msos.n
        self.volunteers.append(model.msos.volunteers[:n].astype(np.int32))
        self.staff_fte.append(model.msos.staff_fte[:n].astype(np.float32))

    def of(self, row: int) -> pd.DataFrame:
        """One row's series; NaN before it was founded."""
        vol = [float(v[row]) if row < v.size else np.nan for v in self.volunteers]
        staff = [float(s[row]) if row < s.size else np.nan for s in self.staff_fte]
        return pd.DataFrame({"step": np.arange(len(vol)), "volunteers": vol, "staff_fte": staff})


class PolicyPair:
    """Models for policies A and B with one seed; `step()` advances both under a lock."""

    def __init__(self, setup: Setup, base: Scenario | None = None) -> None:
        base = base if base is not None else load_scenario(setup.scenario_path)
        self.base = base
        self.setup = setup
        self.scenarios = {p: with_overrides(base, setup.overrides(p)) for p in POLICIES}
        self.models = {p: MSOModel(self.scenarios[p], seed=setup.seed) for p in POLICIES}
        self.lock = threading.Lock()
        self.history = {p: History() for p in POLICIES}
        self.ledgers = {p: Ledger(self.models[p]) for p in POLICIES}
        self._since = {p: 0 for p in POLICIES}
        self._ticker: deque[TickerItem] = deque(maxlen=TICKER_LENGTH)
        self._compute_ms = 0.0
        for policy in POLICIES:
            self.history[policy].record(self.models[policy])
        self._snapshot = self._make_snapshot()

    @property
    def steps_per_year(self) -> int:
        return self.scenarios["A"].steps_per_year

    def step(self, count: int = 1) -> Snapshot:
        """Advance both models by `count` steps and return the new snapshot."""
        with self.lock:
            started = time.perf_counter()
            for _ in range(count):
                for policy in POLICIES:
                    model = self.models[policy]
                    model.step()
                    self.history[policy].record(model)
                    self.ledgers[policy].record(model)
                    self._collect_ticker(policy, model)
            self._compute_ms = (time.perf_counter() - started) * 1000.0 / count
            self._snapshot = self._make_snapshot()
            return self._snapshot

    def snapshot(self) -> Snapshot:
        return self._snapshot

    def wait_ready(self, timeout: float | None = None) -> bool:
        """True: every run is complete (an ensemble's background reruns wait here; one history has none)."""
        return True

    def runs(self, policy: str) -> list[MSOModel]:
        """A policy's runs, replication i (seed + i) at index i: here the one history."""
        return [self.models[policy]]

    def close(self) -> None:
        """Stop background work before the pair is replaced (one history has none)."""

    def replace_policy(self, policy: str, levers: dict[str, Any]) -> Snapshot:
        """Give one policy new levers: rebuild its model and run it up to the other's step (same seed)."""
        setup = replace(self.setup, levers={**self.setup.levers, policy: dict(levers)})
        scenario = with_overrides(self.base, setup.overrides(policy))
        model = MSOModel(scenario, seed=setup.seed)
        history = History()
        history.record(model)
        ledger = Ledger(model)
        with self.lock:
            other = self.models["B" if policy == "A" else "A"]
            while model.t < other.t:
                model.step()
                history.record(model)
                ledger.record(model)
            self.setup, self.scenarios[policy], self.models[policy], self.history[policy] = setup, scenario, model, history
            self.ledgers[policy] = ledger
            self._since[policy] = new_chunks(model.log, 0)[1]
            self._ticker = deque((item for item in self._ticker if item.policy != policy), maxlen=TICKER_LENGTH)
            self._snapshot = self._make_snapshot()
            return self._snapshot

    def _collect_ticker(self, policy: str, model: MSOModel) -> None:
        items, self._since[policy] = notable_events(model, policy, self._since[policy])
        self._ticker.extend(scenario_event_items(model, policy))
        self._ticker.extend(items)

    def _make_snapshot(self) -> Snapshot:
        a = self.models["A"]
        return Snapshot(step=a.t, year=a.config.start_year + a.t / a.config.steps_per_year,
                        steps_per_year=a.config.steps_per_year,
                        frames={p: self._frame(p) for p in POLICIES},
                        states={p: mso_states(m) for p, m in self.models.items()},
                        ticker=tuple(reversed(self._ticker)), compute_ms=self._compute_ms,
                        start_year=float(a.config.start_year),
                        markers=tuple((event.kind, float(event.start)) for event in a.config.events),
                        end_year=max(a.config.start_year + a.config.years, a.config.start_year + a.t / a.config.steps_per_year))

    def _frame(self, policy: str) -> pd.DataFrame:
        """A policy's monthly table with the ledger's running totals (ledger.py) as further columns."""
        table = self.models[policy].datacollector.get_model_vars_dataframe()
        ledger = pd.DataFrame(self.ledgers[policy].rows, columns=list(LEDGER_COLUMNS))
        return pd.concat([table, ledger], axis=1)

    def story(self, policy: str, row: int) -> dict[str, Any] | None:
        """One MSO's story under a policy: current state, events, grants, volunteer/staff series."""
        with self.lock:
            model = self.models[policy]
            if not 0 <= row < model.msos.n:
                return None
            agent = model.mso_by_row[row]
            events = agent.story()
            grants = agent.grants()
            series = self.history[policy].of(row)
            state = STATES[int(mso_states(model)[row])]
            facts = {"alive": bool(agent.alive), "volunteers": int(agent.volunteers), "staff_fte": float(agent.staff_fte),
                     "reserves": float(agent.reserves), "burnout": float(agent.burnout), "members": int(agent.members),
                     "track_record": float(agent.track_record), "state": state}
        return {"facts": facts, "events": events, "grants": grants, "series": series,
                "steps_per_year": self.steps_per_year, "start_year": model.config.start_year}
