"""Volunteer burnout, quitting and joining (with density dependence)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import draws

if TYPE_CHECKING:
    from ..model import MSOModel


def update_burnout(model: MSOModel) -> None:
    """Load above the sustainable level raises burnout, load below it lets volunteers recover."""
    m, n, v, spy = model.msos, model.msos.n, model.config.volunteers, model.config.steps_per_year
    ratio = m.load_per_volunteer[:n] / v.sustainable_hours
    change = (v.burnout_gain * np.maximum(ratio - 1.0, 0.0) - v.burnout_recovery * np.maximum(1.0 - ratio, 0.0)) / spy
    m.burnout[:n] = np.where(m.alive[:n], np.minimum(np.maximum(m.burnout[:n] + change, 0.0), 1.0), m.burnout[:n])


def density_factor(model: MSOModel) -> np.ndarray:
    """Joining multiplier per district: legitimation rises with MSO density, competition falls with it."""
    d, v = model.districts, model.config.volunteers
    density = d.alive_msos[: d.n] / np.maximum(d.migrants[: d.n] / 1e4, 1e-9)

    def shape(x):
        return x / (x + v.density_legitimation) * np.exp(-x / v.density_competition)

    return shape(density) / shape(model.reference_density)


def volunteers_quit_and_join(model: MSOModel) -> None:
    """Volunteers quit (more when burned out); inactive members join (more where the MSO is visible and
    embedded, and by district density); members grow slowly."""
    m, v, spy, rng, n = model.msos, model.config.volunteers, model.config.steps_per_year, model.rng, model.msos.n
    alive = m.alive[:n]  # every row draws (one uniform each): cheaper than gathering the living ones
    volunteers, members, burnout = m.volunteers[:n], m.members[:n], m.burnout[:n]
    quit_year = burnout * v.burnout_quit_factor
    quit_year += 1.0
    quit_year *= v.dropout_rate
    quits = draws.binomial(rng, volunteers * alive, quit_year, spy)  # per-step probability from the yearly one
    staying = volunteers - quits
    visibility = m.service_hours[:n] / np.maximum(m.requested_hours[:n], 1e-9)
    np.minimum(visibility, 1.0, out=visibility)
    visibility *= v.visibility_weight
    visibility += 1.0 - v.visibility_weight
    links = m.coop_municipality[:n].astype(np.int8)  # cooperation and federation: 0, 1 or 2
    links += m.federation[:n]
    embedding = np.array([1.0 + v.embedding_effect * k for k in (0.0, 1.0, 2.0)])[links]
    join_year = density_factor(model)[m.district[:n]]
    join_year *= v.join_rate
    join_year *= visibility
    join_year *= embedding
    join_year *= model.factors.join
    joins = draws.binomial(rng, (members - staying) * alive, join_year, spy)
    new_total = staying + joins
    m.burnout[:n] = np.where(alive & (new_total > 0), burnout * staying / np.maximum(new_total, 1), burnout)
    m.volunteers[:n] = new_total
    members += draws.poisson(rng, members * alive * (v.member_growth_rate / spy))
    model.flow["volunteer_quits"] += int(quits.sum())
    model.flow["volunteer_joins"] += int(joins.sum())
