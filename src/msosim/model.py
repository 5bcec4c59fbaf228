"""The Mesa model: wiring, the monthly schedule (as in docs/ODD.md), data collection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from .agents import MSO, Funder, Municipality
from .agents.funder import build_funders, calling_programmes
from .agents.mso import defer_handles, flush_handles
from .collector import MonthlyCollector, Reporter
from .metrics import new_flow, yearly_indicators
from .pages import small_pages
from .population import build_landscape, build_msos, conflict_pairs, national_population
from .scenario import Scenario, load_scenario, with_overrides
from .spinup import spun_up_state
from .spinup_state import install_grants_and_ties, install_msos
from .streams import Streams, World
from .state import GRANT_COLUMNS, GRANT_KINDS, TIE_COLUMNS, EventLog, Table, labels_at
from .submodels.cooperation import (
    cooperate_with_municipality,
    delegate_tasks,
    form_and_break_ties,
    join_and_leave_federations,
    update_municipalities,
    update_trust,
)
from .submodels.demography import dissolve, found_new
from .submodels.events import Factors, apply_shocks, factors_at
from .submodels.finances import collect_income, pay_costs, spend_reserves
from .submodels.grants import decay_rejections, run_call
from .submodels.held_grants import adjust_staff, end_grants, initial_grants
from .submodels.services import arise_demand, deliver_services
from .submodels.volunteers import density_norm, update_burnout, volunteers_quit_and_join


def resolve_scenario(scenario: Scenario | str | Path | None, overrides: dict[str, Any]) -> Scenario:
    """A Scenario from an object, a YAML path or the defaults, with dotted-key overrides."""
    overrides = {key.replace("__", "."): value for key, value in overrides.items()}
    if isinstance(scenario, (str, Path)):
        return load_scenario(scenario, overrides)
    base = scenario if scenario is not None else Scenario()
    return with_overrides(base, overrides) if overrides else base


class MSOModel(mesa.Model):
    """MSOs, municipalities and funders over simulated years.

    `MSOModel(scenario, seed=1)`; `scenario` is a Scenario, a YAML path or None (defaults);
    further keyword arguments are dotted-key overrides, e.g. `**{"policy.budget_factor": 0.8}`
    or `policy__budget_factor=0.8`. `agent_reporters` (as Mesa's DataCollector) collects MSO variables per step.
    """

    def __init__(self, scenario: Scenario | str | Path | None = None, *, seed: int | None = None,
                 rng: Any = None, agent_reporters: dict[str, Reporter] | None = None, **overrides: Any) -> None:
        if seed is not None and rng is not None:
            raise ValueError("give either seed or rng, not both")
        super().__init__(rng=seed if rng is None else rng)
        self._handle_ops: list[tuple[np.ndarray, int]] = []  # MSO handles to add or remove when read (agents/mso.py)
        self.streams = Streams([self.rng])  # the step's draws, per world (one world: its Generator; streams.py)
        self.config = resolve_scenario(scenario, overrides)
        cfg = self.config
        self.t = 0
        self.flow = new_flow()
        landscape = build_landscape(cfg, self.rng)
        self.land_codes = landscape.land_codes
        self.districts = landscape.districts
        spun_up = None
        if cfg.population.initial == "spinup":  # the survivors of a calm spin-up of this world (spinup.py)
            spun_up = spun_up_state(cfg, self.rng, MSOModel.for_spinup, cache=seed is not None or rng is not None)
            self.msos = install_msos(spun_up)
        else:
            self.msos, _ = build_msos(cfg, landscape, self.rng)
        self.initial_count = self.msos.n
        self.grants = Table(GRANT_COLUMNS, 4 * self.msos.n + 64)
        self.ties = Table(TIE_COLUMNS, 4 * self.msos.n + 64)
        self.log = EventLog()
        self.conflicts = conflict_pairs()
        self.reference_stock = landscape.n_msos  # today's stock at this scale, as the tables draw it
        self._setup_districts(landscape)
        self.municipalities = [Municipality(self, row) for row in range(self.districts.n)]
        self.funders: list[Funder] = build_funders(self, landscape.land_mso_share, landscape.scale_factor)
        self.funder_paid = np.zeros(len(self.funders))
        self.funder_returned = np.zeros(len(self.funders))  # unspent grant money paid back (grant_returns.py)
        self.funder_renewal = np.array([f.config.renewal_probability for f in self.funders])
        spy = cfg.steps_per_year  # the funders whose call month falls on each step of the year
        self._callers = [[f for f in self.funders if k in f.calls] for k in range(spy)]
        self.delegation_funded_share = cfg.overlay.delegation_funded_share
        self.mso_by_row = []  # every MSO ever, by row
        self.add_mso_agents(np.arange(self.msos.n))
        if spun_up is None:
            initial_grants(self, (self.msos.staff_fte[: self.msos.n] > 0).nonzero()[0])
            form_and_break_ties(self, initial=True)
        else:
            install_grants_and_ties(self, spun_up)
        self.admin_hours = np.zeros(self.msos.n)
        self.factors = factors_at(self, float(cfg.start_year))
        self.yearly = yearly_indicators(self.msos)
        self._count_alive_per_district()
        self._start_snapshot = self.msos.columns()
        self.datacollector = MonthlyCollector(agent_reporters)
        self.datacollector.collect(self)

    @classmethod
    def for_spinup(cls, scenario: Scenario, rng: np.random.Generator) -> MSOModel:
        """A model of a spin-up's calm world (spinup.py builds it through this, not importing the model)."""
        return cls(scenario, rng=rng)

    def _setup_districts(self, landscape) -> None:
        d, cfg = self.districts, self.config
        n = d.n
        d.budget_year[:n] = d.migrants[:n] * cfg.municipality.budget_per_migrant
        d.budget_left[:n] = d.budget_year[:n]
        self.base_demand = d.migrants[:n] * cfg.services.demand_hours_per_migrant / cfg.steps_per_year
        d.demand_hours[:n] = self.base_demand
        d.delivered_hours[:n] = self.base_demand
        self.arrival_share = d.population[:n] / national_population()
        alive_per_district = np.bincount(self.msos.district[: self.msos.n], minlength=n)
        self.reference_density = float(self.reference_stock / (d.migrants[:n].sum() / 1e4))
        self.density_norm = density_norm(alive_per_district, d.migrants[:n], self.reference_density,
                                         cfg.volunteers.density_curvature)

    def world_of(self, rows: np.ndarray | int) -> np.ndarray | None:
        """The world of each MSO row in `rows` (or of the first `rows` rows), as the draw methods of `streams`
        take it: None, a model runs one world (a Batch, batch.py, several)."""
        return None

    def add_flow(self, key: str, values: np.ndarray, worlds: np.ndarray | None, column: int | None = None) -> None:
        """Add the sum of `values` (one per row, `worlds` the world of each as `world_of` gives it) to this step's
        flow `key` (of its element `column`); an integer array adds an int, a float array a float."""
        if column is None:
            self.flow[key] += values.sum().item()
        else:
            self.flow[key][column] += values.sum().item()

    def add_count(self, key: str, count: int, worlds: np.ndarray | None) -> None:
        """Add `count` things (of the worlds `worlds`, one each) to this step's flow `key`."""
        self.flow[key] += count

    def worlds(self) -> list[World]:
        """The worlds the model runs, each with its Generator, living MSOs and district rows: here the one world."""
        return [World(0, self.rng, int(self.msos.alive[: self.msos.n].sum()), slice(0, self.districts.n),
                      self.reference_stock)]

    def append_msos(self, world: int, count: int, values: dict) -> np.ndarray:
        """New MSO rows of a world, founded this step; returns their rows."""
        return self.msos.append(count, founded_step=self.t, **values)

    def add_mso_agents(self, rows: np.ndarray) -> None:
        """Mesa agent handles for new MSO rows: their ids taken now, the handles made when Mesa's agents are next
        read (agents/mso.py, deferred)."""
        defer_handles(self, rows, add=True)

    def remove_mso_agents(self, rows: np.ndarray) -> None:
        """Dissolved MSOs leave Mesa's agent sets (when they are next read)."""
        defer_handles(self, rows, add=False)

    # Mesa's agents, with the deferred handles made first (everything in Mesa reads them through these)
    @property
    def mso_by_row(self) -> list[MSO]:
        """Every MSO's handle ever, by row (a dissolved MSO's story stays readable)."""
        flush_handles(self)
        return self._mso_by_row

    @mso_by_row.setter
    def mso_by_row(self, handles: list[MSO]) -> None:
        self._mso_by_row = handles

    @property
    def agents(self) -> mesa.agent.AgentSet:
        flush_handles(self)
        return super().agents

    @property
    def agents_by_type(self) -> dict:
        flush_handles(self)
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        flush_handles(self)
        return super().agent_types

    def register_agent(self, agent) -> None:
        flush_handles(self)
        super().register_agent(agent)

    def deregister_agent(self, agent) -> None:
        flush_handles(self)
        super().deregister_agent(agent)

    def remove_all_agents(self) -> None:
        flush_handles(self)
        super().remove_all_agents()

    @property
    def mso_agents(self) -> mesa.agent.AgentSet:
        """The living MSOs, as Mesa holds them (`agents_by_type[MSO]`): a dissolved MSO leaves every agent set."""
        living = self.agents_by_type.get(MSO)
        return living if living is not None else mesa.agent.AgentSet([], random=self.random)

    def _count_alive_per_district(self) -> None:
        m, d = self.msos, self.districts
        d.alive_msos[: d.n] = np.bincount(m.district[: m.n][m.alive[: m.n]], minlength=d.n)

    def _new_year(self) -> None:
        """Year boundary: roll the income books, refresh yearly indicators, renew municipal budgets."""
        m, d = self.msos, self.districts
        m.income_last_year[: m.n] = m.income_year[: m.n]
        m.income_year[: m.n] = 0.0
        if self.t > 1:
            self.yearly = self._yearly_indicators()
        d.budget_left[: d.n] = d.budget_year[: d.n] * self.factors.budget
        # Ended grants and broken ties never come back: drop them from the rows the submodels scan
        # (ended grants stay in tables(); broken ties are in the event log).
        self.grants.retire(self.grants.active[: self.grants.n])
        self.ties.compact(self.ties.active[: self.ties.n])

    def _yearly_indicators(self) -> dict:
        """The yearly indicators of the year just ended (a batch: one dict per world)."""
        return yearly_indicators(self.msos)

    @property
    def year(self) -> float:
        """Calendar time at the start of the current step."""
        return self.config.start_year + max(self.t - 1, 0) / self.config.steps_per_year

    @property
    def year_starts(self) -> bool:
        """Whether the current step is the first of a simulated year (the yearly decisions: the new year's settings,
        the member register, mergers)."""
        return (self.t - 1) % self.config.steps_per_year == 0

    def step(self) -> None:
        """One step (a month by default): the schedule of docs/ODD.md, section 3."""
        self.t = self.steps
        self.flow = new_flow()
        self.factors: Factors = factors_at(self, self.year)
        if self.year_starts:
            self._new_year()
        apply_shocks(self, self.year)
        arise_demand(self)
        self.msos.application_hours[: self.msos.n] = 0.0
        end_grants(self)
        for programme in calling_programmes(self._callers[(self.t - 1) % self.config.steps_per_year]):
            run_call(self, programme)
        adjust_staff(self)
        delegate_tasks(self)
        collect_income(self)
        pay_costs(self)
        spend_reserves(self)
        deliver_services(self)
        update_burnout(self)
        volunteers_quit_and_join(self)
        cooperate_with_municipality(self)
        form_and_break_ties(self)
        join_and_leave_federations(self)
        update_trust(self)
        update_municipalities(self)
        decay_rejections(self)
        dissolve(self)
        found_new(self)
        self._count_alive_per_district()
        self.datacollector.collect(self)

    def run(self, years: float | None = None) -> MSOModel:
        """Advance the model by `years` (default: the scenario's `years`)."""
        years = self.config.years if years is None else years
        with small_pages():  # msosim/pages.py: numpy's huge-page advice costs large worlds' temporaries
            for _ in range(int(round(years * self.config.steps_per_year))):
                self.step()
        return self

    def event_frame(self) -> pd.DataFrame:
        return self.log.frame(self.config.steps_per_year, self.config.start_year, [f.name for f in self.funders])

    TABLES = ("model", "events", "msos", "grants", "funders", "districts")

    def tables(self, only: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
        """Tidy tables: `model` (one row per step), `events`, `msos` (start and end), `grants`, `funders`,
        `districts` (the municipalities at the end); `only` builds just the named ones."""
        return build_tables({
            "model": self.datacollector.get_model_vars_dataframe, "events": self.event_frame,
            "msos": lambda: mso_frame(self._start_snapshot, self.msos.columns(copy=False)),  # concatenated: no copy
            "grants": lambda: grant_frame(self.grants.columns(), [f.name for f in self.funders]),
            "funders": lambda: funder_frame(self.funders, self.land_codes, self.funder_paid, self.funder_returned),
            "districts": lambda: district_frame(self.districts.frame(), self.land_codes)}, only)


def build_tables(builders: dict, only: tuple[str, ...] | None) -> dict[str, pd.DataFrame]:
    """The tables named in `only` (all of MSOModel.TABLES: None), each from its builder."""
    names = MSOModel.TABLES if only is None else only
    unknown = [name for name in names if name not in builders]
    if unknown:
        raise ValueError(f"unknown table(s) {unknown}; allowed: {', '.join(MSOModel.TABLES)}")
    with small_pages():
        return {name: builders[name]() for name in names}


def mso_frame(start: dict[str, np.ndarray], end: dict[str, np.ndarray]) -> pd.DataFrame:
    """The MSO table at the start and at the end, one under the other (`snapshot` says which)."""
    sizes = [len(start["alive"]), len(end["alive"])]
    columns = {"mso": np.concatenate([np.arange(size) for size in sizes])}
    columns.update({name: np.concatenate([start[name], end[name]]) for name in start})
    columns["snapshot"] = labels_at(["start", "end"], np.repeat([0, 1], sizes))
    return pd.DataFrame(columns, copy=False)


def grant_frame(grants: dict[str, np.ndarray], funder_names: list[str]) -> pd.DataFrame:
    """The grant table from its columns (funder as an index into `funder_names`)."""
    grants["funder"] = labels_at(funder_names, grants["funder"])
    grants["kind"] = pd.Categorical.from_codes(grants["kind"], GRANT_KINDS)
    return pd.DataFrame(grants, copy=False)


def funder_frame(funders: list[Funder], land_codes, paid: np.ndarray, returned: np.ndarray) -> pd.DataFrame:
    """The funder table: settings, budget, and what each paid out and got back."""
    return pd.DataFrame({
        "funder": [f.name for f in funders], "level": [f.config.level for f in funders],
        "mode": [f.config.mode for f in funders], "budget": [f.budget for f in funders],
        "land": [land_codes[f.land] if f.land >= 0 else "" for f in funders],
        "paid_total": paid,
        "returned_total": returned,
        "calls_per_year": [f.config.calls_per_year for f in funders],
    })


def district_frame(districts: pd.DataFrame, land_codes) -> pd.DataFrame:
    """The district table (the municipalities) with each district's row number and Land code."""
    districts = districts.rename_axis("district").reset_index()
    districts.insert(1, "land_code", [land_codes[code] for code in districts["land"]])
    return districts
