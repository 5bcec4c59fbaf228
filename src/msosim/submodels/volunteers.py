"""Volunteer burnout, quitting and joining (with density dependence)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import draws
from .rates import per_step

if TYPE_CHECKING:
    from ..model import MSOModel


def update_burnout(model: MSOModel) -> None:
    """Load above the sustainable level raises burnout, load below it lets volunteers recover."""
    m, n, v, spy = model.msos, model.msos.n, model.config.volunteers, model.config.steps_per_year
    ratio = m.load_per_volunteer[:n] / v.sustainable_hours
    change = (v.burnout_gain * np.maximum(ratio - 1.0, 0.0) - v.burnout_recovery * np.maximum(1.0 - ratio, 0.0)) / spy
    m.burnout[:n] = np.where(m.alive[:n], np.clip(m.burnout[:n] + change, 0.0, 1.0), m.burnout[:n])


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
    m, v, spy, rng = model.msos, model.config.volunteers, model.config.steps_per_year, model.rng
    rows = np.flatnonzero(m.alive[: m.n])
    volunteers, members = m.volunteers[rows], m.members[rows]
    p_quit = per_step(v.dropout_rate * (1.0 + v.burnout_quit_factor * m.burnout[rows]), spy)
    quits = draws.binomial(rng, volunteers, p_quit)
    staying = volunteers - quits
    visibility = 1.0 - v.visibility_weight + v.visibility_weight * np.minimum(
        m.service_hours[rows] / np.maximum(m.requested_hours[rows], 1e-9), 1.0)
    embedding = 1.0 + v.embedding_effect * (m.coop_municipality[rows].astype(float) + m.federation[rows])
    join_year = v.join_rate * density_factor(model)[m.district[rows]] * visibility * embedding * model.factors.join
    joins = draws.binomial(rng, members - staying, per_step(join_year, spy))
    new_total = staying + joins
    m.burnout[rows] = np.where(new_total > 0, m.burnout[rows] * staying / np.maximum(new_total, 1), m.burnout[rows])
    m.volunteers[rows] = new_total
    m.members[rows] = members + draws.poisson(rng, members * v.member_growth_rate / spy)
    model.flow["volunteer_quits"] += int(quits.sum())
    model.flow["volunteer_joins"] += int(joins.sum())
