"""Volunteer burnout, quitting and joining (with density dependence)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels
from ..population import group_shares
from . import draws

if TYPE_CHECKING:
    from ..model import MSOModel


def update_burnout(model: MSOModel) -> None:
    """Burnout moves towards the level its load sets (rising at `burnout_gain`, falling at `burnout_recovery`)."""
    m, n, v, spy = model.msos, model.msos.n, model.config.volunteers, model.config.steps_per_year
    ratio = m.load_per_volunteer[:n] / v.sustainable_hours
    ratio **= v.burnout_steepness
    jit = kernels.compiled()
    if jit is not None:  # the same operations below, row by row (msosim.kernels.services)
        jit.update_burnout(ratio, m.alive[:n], m.burnout[:n], 1.0 / v.burnout_at_sustainable_load - 1.0,
                           -np.expm1(-v.burnout_gain / spy), -np.expm1(-v.burnout_recovery / spy))
        return
    target = ratio / (ratio + (1.0 / v.burnout_at_sustainable_load - 1.0))
    gap = target - m.burnout[:n]
    change = gap * np.where(gap > 0, -np.expm1(-v.burnout_gain / spy), -np.expm1(-v.burnout_recovery / spy))  # exact over a step
    m.burnout[:n] = np.where(m.alive[:n], np.minimum(np.maximum(m.burnout[:n] + change, 0.0), 1.0), m.burnout[:n])


def density_shape(density: np.ndarray, reference: float, curvature: float) -> np.ndarray:
    """exp(-curvature * ln(density / reference)^2): 1 at the reference density, lower on either side."""
    log_ratio = np.log(np.maximum(density, 1e-9) / reference)
    return np.exp(-curvature * log_ratio * log_ratio)


def msos_per_10k(msos_per_district: np.ndarray, migrants: np.ndarray) -> np.ndarray:
    """District density: MSOs per 10,000 migrant residents."""
    return msos_per_district / np.maximum(migrants / 1e4, 1e-9)


def density_norm(msos_per_district: np.ndarray, migrants: np.ndarray, reference: float, curvature: float) -> float:
    """The initial MSOs' mean of `density_shape`, so that density moves joining between districts, not its level."""
    if not msos_per_district.any():
        return 1.0
    density = msos_per_10k(msos_per_district, migrants)
    return float(np.average(density_shape(density, reference, curvature), weights=msos_per_district))


def density_factor(model: MSOModel) -> np.ndarray:
    """Joining multiplier per district, log-quadratic in log density: 1 at the reference density, lower below it
    (legitimation lacking) and above it (competition for members): exp(-density_curvature * ln(x / x_ref)^2)."""
    d, v = model.districts, model.config.volunteers
    density = msos_per_10k(d.alive_msos[: d.n], d.migrants[: d.n])
    factor = density_shape(density, model.reference_density, v.density_curvature)
    factor /= model.density_norm
    return factor


def community_room(model: MSOModel) -> np.ndarray:
    """Per MSO row: the share of its community's base not yet members of the district's MSOs of its origin group
    (0 when full); the base is `community_reach` of the district's migrants of that group."""
    m, n, d = model.msos, model.msos.n, model.districts
    shares = group_shares()
    cell = m.district[:n].astype(np.int64) * shares.size + m.group[:n]
    members = np.bincount(cell, weights=m.members[:n] * m.alive[:n], minlength=d.n * shares.size)
    base = model.config.volunteers.community_reach * np.outer(d.migrants[: d.n], shares).ravel()
    room = 1.0 - members / np.maximum(base, 1e-9)
    np.maximum(room, 0.0, out=room)
    return room[cell]


def volunteers_quit_and_join(model: MSOModel) -> None:
    """Volunteers quit (more when burned out, fewer where paid staff look after them); inactive members join (more
    where the MSO is visible and embedded, and by district density); once a year, in the year's first step,
    inactive members leave and members grow while their community's base has room."""
    m, v, spy, streams, n = model.msos, model.config.volunteers, model.config.steps_per_year, model.streams, model.msos.n
    worlds = model.world_of(n)
    alive = m.alive[:n]  # every row draws (one uniform each): cheaper than gathering the living ones
    volunteers, members, burnout = m.volunteers[:n], m.members[:n], m.burnout[:n]
    jit = kernels.compiled()
    if jit is not None:  # the same operations, row by row, around the same draws (msosim.kernels.volunteers)
        trials, quit_year = jit.quit_inputs(volunteers, alive, burnout, m.staff_fte[:n], v.burnout_quit_factor,
                                            v.dropout_rate, v.staff_retention)
        quits = draws.binomial(streams, trials, quit_year, spy, worlds)
        embedding = np.array([1.0 + v.embedding_effect * k for k in (0.0, 1.0, 2.0)])
        staying, trials, join_year = jit.join_inputs(
            volunteers, quits, members, alive, m.service_hours[:n], m.requested_hours[:n], m.coop_municipality[:n],
            m.federation[:n], m.district[:n], density_factor(model), embedding, v.visibility_weight,
            1.0 - v.visibility_weight, v.join_rate, model.factors.join)
        joins = draws.binomial(streams, trials, join_year, spy, worlds)
        jit.new_totals(staying, joins, alive, burnout, volunteers)
        new_total = volunteers
    else:
        quits, joins, new_total = _quit_and_join(model, alive, volunteers, members, burnout, worlds)
    if model.year_starts:  # the member register changes once a year (the annual general meeting)
        room = community_room(model)  # before the exits and growth: members of the same district and group compete
        leaves = draws.binomial(streams, (members - new_total) * alive, v.member_exit_rate, worlds=worlds)  # inactive members leave
        members -= leaves
        growth = members * alive * v.member_growth_rate
        growth *= room
        members += draws.poisson(streams, growth, worlds)
    model.add_flow("volunteer_quits", quits, worlds)
    model.add_flow("volunteer_joins", joins, worlds)


def _quit_and_join(model: MSOModel, alive, volunteers, members, burnout, worlds):
    """The monthly quitting and joining on the numpy path: (quits, joins, new volunteer counts)."""
    m, v, spy, streams, n = model.msos, model.config.volunteers, model.config.steps_per_year, model.streams, model.msos.n
    quit_year = burnout * v.burnout_quit_factor
    quit_year += 1.0
    quit_year *= v.dropout_rate
    if v.staff_retention > 0:  # paid staff supervise, train and recognise volunteers (Hager & Brudney 2004)
        quit_year *= 1.0 - v.staff_retention * np.minimum(m.staff_fte[:n], 1.0)
    quits = draws.binomial(streams, volunteers * alive, quit_year, spy, worlds)  # per-step probability from the yearly one
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
    joins = draws.binomial(streams, (members - staying) * alive, join_year, spy, worlds)
    new_total = staying + joins
    m.burnout[:n] = np.where(alive & (new_total > 0), burnout * staying / np.maximum(new_total, 1), burnout)
    m.volunteers[:n] = new_total
    return quits, joins, new_total
