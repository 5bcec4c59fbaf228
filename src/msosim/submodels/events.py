"""Scheduled events: refugee surge, pandemic, polarisation, austerity.

Each step the schedule yields multipliers (`Factors`) the submodels read, arrivals per district,
and one-off shocks (polarisation) applied once when their time comes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..scenario import Austerity, Pandemic, Polarisation, RefugeeSurge
from .cooperation import break_ties

if TYPE_CHECKING:
    from ..model import MSOModel


@dataclass
class Factors:
    """Multipliers for this step (1 = no event) and arrivals per district."""

    join: float = 1.0
    founding: float = 1.0
    volunteer_hours: float = 1.0
    income: float = 1.0
    staff_cost: float = 1.0
    delegation: float = 1.0
    budget: float = 1.0
    demand: float = 1.0
    shortfall_cover: float = 0.0
    arrivals: np.ndarray | float = 0.0
    active: list[str] = field(default_factory=list)


def factors_at(model: MSOModel, year: float) -> Factors:
    """The event multipliers in force at a (fractional) calendar year."""
    f = Factors()
    spy = model.config.steps_per_year
    arrivals = 0.0
    for event in model.config.events:
        if isinstance(event, RefugeeSurge):
            k = int(np.floor(year - event.start))
            if 0 <= k < len(event.newcomers):
                arrivals += event.newcomers[k] / spy
                f.join *= event.volunteer_join_factor
                f.founding *= event.founding_factor
                f.active.append(event.kind)
        elif isinstance(event, Pandemic) and event.start <= year < event.start + event.duration_years:
            f.volunteer_hours *= event.volunteer_hours_factor
            f.income *= event.income_factor
            f.staff_cost *= event.staff_cost_factor
            f.join *= event.join_factor
            f.delegation *= event.delegation_factor
            f.shortfall_cover = max(f.shortfall_cover, event.shortfall_cover)
            f.active.append(event.kind)
        elif isinstance(event, Austerity) and event.start <= year < event.start + event.duration_years:
            f.budget *= 1.0 - event.budget_cut
            f.delegation *= event.delegation_factor
            f.demand *= event.demand_factor
            f.active.append(event.kind)
    f.arrivals = arrivals * model.arrival_share
    return f


def apply_shocks(model: MSOModel, year: float) -> None:
    """One-off shocks whose start falls in this step: polarisation breaks ties and strains federations."""
    step_length = 1.0 / model.config.steps_per_year
    for event in model.config.events:
        if isinstance(event, Polarisation) and year <= event.start < year + step_length:
            polarise(model, event)


def polarise(model: MSOModel, event: Polarisation) -> None:
    """Ties across a conflict line break; members of conflict groups leave federations and lose trust."""
    m, n, ties, streams, t = model.msos, model.msos.n, model.ties, model.streams, model.t
    live = ties.active[: ties.n].nonzero()[0]
    across = model.conflicts[m.group[ties.a[live]], m.group[ties.b[live]]]
    break_ties(model, live[across & (streams.random(live.size, model.world_of(ties.a[live])) < event.tie_break_probability)], "polarisation")
    involved = m.alive[:n] & model.conflicts[m.group[:n]].any(axis=1)
    leave = involved & m.federation[:n] & (streams.random(n, model.world_of(n)) < event.federation_leave_probability)
    m.federation[:n] &= ~leave
    model.log.add(t, "federation_left", leave.nonzero()[0], cause="polarisation")
    m.trust[:n] = np.where(involved, np.maximum(m.trust[:n] - event.trust_shock, 0.0), m.trust[:n])
    m.burnout[:n] = np.where(involved, np.minimum(m.burnout[:n] + event.trust_shock, 1.0), m.burnout[:n])
