"""Dissolution (volunteer core lost, sustained insolvency, exhaustion, merger, other causes) and founding of new MSOs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels
from ..population import new_msos_by_world
from ..state import CAUSE_CODE
from .draws import chosen
from .dissolution_causes import exhausted, merge_into, merging
from .grant_returns import return_unspent
from .held_grants import running_grants
from .rates import per_step

if TYPE_CHECKING:
    from ..model import MSOModel

DEATH_CAUSES = ("volunteers", "insolvency", "background", "burnout", "merger")
DEATH_EVENT_CAUSES = np.array([CAUSE_CODE[name] for name in DEATH_CAUSES])  # the event log's cause of each
NO_LABELS = np.zeros(0, dtype=np.int16)  # the world labels of a model of one world (kernels.dissolved_rows)


def dissolve(model: MSOModel) -> None:
    """Dissolve MSOs below the volunteer core for the grace period, insolvent too long, exhausted, merged into a
    tied MSO, or by other causes."""
    m, n, cfg = model.msos, model.msos.n, model.config
    alive = m.alive[:n]
    grace_steps = max(1, round(cfg.volunteer_grace_months * cfg.steps_per_year / 12))
    insolvency_steps = max(1, round(cfg.finance.insolvency_months * cfg.steps_per_year / 12))
    jit = kernels.compiled()
    if jit is not None:  # the same counters and causes, row by row (kernels/demography.py)
        cause, free, candidates = jit.counter_causes(alive, m.volunteers[:n], m.below_core_months[:n],
                                                     m.insolvent_months[:n], cfg.min_active_volunteers, grace_steps,
                                                     insolvency_steps)
    else:
        below = alive & (m.volunteers[:n] < cfg.min_active_volunteers)
        m.below_core_months[:n] = np.where(below, m.below_core_months[:n] + 1, 0)
        by_volunteers = alive & (m.below_core_months[:n] >= grace_steps)
        by_insolvency = alive & ~by_volunteers & (m.insolvent_months[:n] >= insolvency_steps)
        cause = by_volunteers * np.int8(1) + by_insolvency * np.int8(2)
        free = alive & (cause == 0)  # exhaustion and mergers (issue 15), each a function of the MSO's state
        candidates = free.nonzero()[0]
    gone = exhausted(model, candidates)
    cause[gone] = 4
    free[gone] = False
    absorbed, partner = merging(model, free)
    cause[absorbed] = 5
    merge_into(model, absorbed, partner)
    # Other causes: each remaining MSO with the per-step probability, drawn as a binomial number of them
    # chosen at random (the same as a uniform per MSO, with a handful of draws); first the MSOs without secured
    # means, then those with them, whose rate is lower.
    if jit is not None:  # the same split, row by row, reading the grants (kernels/demography.py)
        fin, g = cfg.finance, model.grants
        exposed, secure = jit.by_secured_means(alive, cause, g.active[: g.n], g.end[: g.n], g.mso[: g.n],
                                               model.t, m.staff_fte[:n], m.reserves[:n],
                                               fin.staff_cost_per_fte + fin.office_costs, fin.base_costs_volunteer,
                                               fin.operating_reserve_months)
    else:
        remaining = alive & (cause == 0)
        protected = secured(model)
        exposed, secure = (remaining & ~protected).nonzero()[0], (remaining & protected).nonzero()[0]
    for rows, factor in ((exposed, 1.0), (secure, cfg.secured_dissolution_factor)):
        p_other = per_step(cfg.background_dissolution_rate * factor, cfg.steps_per_year)
        other = model.streams.thin(rows, p_other, model.world_of(rows))
        cause[other] = 3
    if jit is not None:  # the rows and each world's count of each cause in one pass (kernels/demography.py)
        labels = model.world_of(n)
        rows, cause, counts = jit.dissolved_rows(cause, NO_LABELS if labels is None else labels, model.streams.count)
        worlds = None if labels is None else np.arange(model.streams.count)  # each world's counts, added as ints
        for code, name in enumerate(DEATH_CAUSES, start=1):
            model.add_flow(f"dissolved_{name}", counts[:, code], worlds)
    else:
        rows = cause.nonzero()[0]
        cause = cause[rows]
        worlds = model.world_of(rows)
        for code, name in enumerate(DEATH_CAUSES, start=1):
            model.add_flow(f"dissolved_{name}", cause == code, worlds)
    if absorbed.size == 0:
        kill(model, rows, cause, np.full(rows.size, -1, dtype=np.int64))
        return
    partners = np.full(m.n, -1, dtype=np.int64)
    partners[absorbed] = partner
    kill(model, rows, cause, partners[rows])


def secured(model: MSOModel) -> np.ndarray:
    """MSOs with secured means: a grant paying now or awarded, or reserves covering their operating reserve."""
    m, n, fin = model.msos, model.msos.n, model.config.finance
    funded = funded_now(model)
    yearly_costs = m.staff_fte[:n] * (fin.staff_cost_per_fte + fin.office_costs) + fin.base_costs_volunteer
    return funded | (m.reserves[:n] >= yearly_costs * fin.operating_reserve_months / 12.0)


def funded_now(model: MSOModel) -> np.ndarray:
    """Per MSO row: a grant paying now or awarded (active and not yet ended; gathered once per step)."""
    g = model.grants
    funded = np.zeros(model.msos.n, dtype=bool)
    funded[g.mso[: g.n][running_grants(model).live]] = True
    return funded


def kill(model: MSOModel, rows: np.ndarray, cause: np.ndarray, partner: np.ndarray | int = -1) -> None:
    """MSOs dissolve: staff let go, grants stop, ties and cooperation end, their agents leave the model.

    `cause` holds, per row, 1 + the index of its cause in DEATH_CAUSES; `partner` the MSO merged into (-1: none).
    """
    if rows.size == 0:
        return
    m, t, g, ties = model.msos, model.t, model.grants, model.ties
    jit = kernels.compiled()
    if jit is not None:  # the same writes, events and flows; one pass over each table (kernels/demography.py)
        n, gn = m.n, g.n
        staffed, let_go, mso, funder, amount, back, back_mso, a, b = jit.kill_rows(
            rows, cause, t, m.alive[:n], m.died_step[:n], m.death_cause[:n], m.staff_fte[:n],
            m.coop_municipality[:n], g.active[:gn], g.mso[:gn], g.funder[:gn], g.amount_per_year[:gn],
            g.unspent[:gn], g.returned[:gn], m.grant_returned_total[:n], model.funder_returned,
            ties.active[: ties.n], ties.a[: ties.n], ties.b[: ties.n])
        model.log.add(t, "staff_let_go", staffed, cause="dissolution", staff_fte=let_go)
        model.add_flow("staff_let_go", let_go, model.world_of(staffed))
        if back.size:  # as return_unspent
            model.add_flow("grant_money_returned", back, model.world_of(back_mso))
        model.log.add(t, "grant_ended", mso, cause="dissolution", funder=funder, amount=amount)
        model.log.add(t, "tie_broken", a, cause="dissolution", partner=b)
    else:
        m.alive[rows] = False
        m.died_step[rows] = t
        m.death_cause[rows] = cause
        staffed = rows[m.staff_fte[rows] > 0]
        model.log.add(t, "staff_let_go", staffed, cause="dissolution", staff_fte=m.staff_fte[staffed])
        model.add_flow("staff_let_go", m.staff_fte[staffed], model.world_of(staffed))
        m.staff_fte[rows] = 0.0
        m.coop_municipality[rows] = False
        dead = np.zeros(m.n, dtype=bool)
        dead[rows] = True
        stopped = (g.active[: g.n] & dead[g.mso[: g.n]]).nonzero()[0]
        g.active[stopped] = False
        return_unspent(model, stopped)
        model.log.add(t, "grant_ended", g.mso[stopped], cause="dissolution", funder=g.funder[stopped],
                      amount=g.amount_per_year[stopped])
        cut = (ties.active[: ties.n] & (dead[ties.a[: ties.n]] | dead[ties.b[: ties.n]])).nonzero()[0]
        ties.active[cut] = False
        model.log.add(t, "tie_broken", ties.a[cut], cause="dissolution", partner=ties.b[cut])
    model.log.add(t, "dissolved", rows, cause=DEATH_EVENT_CAUSES[cause - 1], partner=partner)
    model.remove_mso_agents(rows)


def found_new(model: MSOModel) -> None:
    """New MSOs appear in proportion to the stock, fewer the more the stock exceeds today's (competition for the same
    communities, funds and rooms) and more the less it does, where migrants and newcomers live. Each world draws its
    count, districts and new MSOs on its own Generator (a batch on the kernels: every world's in one compiled call per
    draw, kernels/distributions); the new MSOs of all worlds are then made and appended at once
    (population.new_msos_by_world), one world after the other."""
    d, cfg, streams = model.districts, model.config, model.streams
    worlds = model.worlds()  # each world with its own Generator, MSOs and districts (one world: all of them)
    expected = []
    for world in worlds:
        pressure = (world.reference_stock / max(world.alive, 1)) ** cfg.founding_density_exponent
        expected.append(cfg.founding_rate / cfg.steps_per_year * world.alive * pressure * model.factors.founding)
    counts = streams.poisson(np.array(expected), np.arange(len(worlds), dtype=np.int16)).tolist()  # one per world
    founding = [k for k, count in enumerate(counts) if count]
    if not founding:
        return
    sizes = [counts[k] for k in founding]
    labels = np.repeat(np.array(founding, dtype=np.int16), sizes)
    uniforms = np.split(streams.random(labels.size, labels), np.cumsum(sizes)[:-1])  # choose's draws, per world
    table = streams.generators()
    placed = []
    for k, drawn in zip(founding, uniforms):
        rows = worlds[k].districts
        weight = d.migrants[rows] + 3.0 * d.newcomers[rows]
        district = chosen(weight / weight.sum(), drawn)
        district += rows.start
        placed.append((worlds[k].rng, district))
    values = new_msos_by_world(cfg, d, placed, None if table is None else table[founding])
    worlds = founding[0] if len(founding) == 1 else np.repeat(founding, sizes)
    rows = model.append_msos(worlds, sum(sizes), values)
    model.add_mso_agents(rows)
    model.log.add(model.t, "founded", rows)
    model.add_count("founded", rows.size, model.world_of(rows))
