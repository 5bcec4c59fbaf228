"""Cooperation: municipal delegation, cooperation with the municipality, ties among MSOs, federations, trust."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels
from ..state import CAUSE_CODE
from . import draws
from .rates import happens, per_step

if TYPE_CHECKING:
    from ..model import MSOModel

NEVER = np.iinfo(np.int32).max  # a step no run reaches


def delegate_tasks(model: MSOModel) -> None:
    """Municipalities hand tasks to cooperating MSOs; money comes with them only while the budget lasts, and
    budget cuts (austerity) lower the share of tasks that come with money.
    Funded task hours are done by paid helpers (booked in pay_costs); unfunded ones fall on the MSO's people."""
    m, n, d, mc = model.msos, model.msos.n, model.districts, model.config.municipality
    spy, streams, t = model.config.steps_per_year, model.streams, model.t
    task_steps = max(mc.task_months * spy / 12.0, 1.0)
    jit = kernels.compiled()
    if jit is not None:  # the same draws and operations in three passes (msosim.kernels.cooperation)
        _delegate_compiled(model, jit, task_steps)
        return
    m.municipal_payment[:n] = 0.0
    m.delegated_load[:n] *= 1.0 - 1.0 / task_steps
    m.delegated_funded_load[:n] *= 1.0 - 1.0 / task_steps
    coop = (m.alive[:n] & m.coop_municipality[:n]).nonzero()[0]
    home = m.district[coop]
    pressure = d.demand_hours[home] / np.maximum(model.base_demand[home], 1e-9)
    tasks = draws.poisson(streams, mc.delegation_rate / spy * pressure * model.factors.delegation, model.world_of(coop))
    got = tasks.nonzero()[0]  # positions in coop
    rows, home, tasks = coop[got], home[got], tasks[got]
    share = model.delegation_funded_share  # a number; in a batch of several policies one per world (batch.py)
    if isinstance(share, np.ndarray):
        share = share[model.world_of(rows)]
    funded_tasks = streams.binomial(tasks, share * model.factors.budget,  # cuts: fewer paid
                                    model.world_of(rows))
    hours = tasks * mc.task_hours * (1.0 + mc.admin_burden)
    cost = funded_tasks * mc.task_hours * mc.task_payment_per_hour
    asked = np.bincount(home, weights=cost, minlength=d.n)
    ratio = np.where(asked > 0, np.minimum(1.0, d.budget_left[: d.n] / np.maximum(asked, 1e-9)), 1.0)[home]
    paid = cost * ratio
    paid[paid < 0.01] = 0.0  # less than a cent is no payment (budget residue)
    funded_hours = np.where(paid > 0, funded_tasks * mc.task_hours * (1.0 + mc.admin_burden) * ratio, 0.0)
    paid_in = np.bincount(home, weights=paid, minlength=d.n)
    d.budget_left[: d.n] -= paid_in
    d.paid_total[: d.n] += paid_in
    m.municipal_payment[rows] = paid
    m.delegated_load[rows] += hours / task_steps
    m.delegated_funded_load[rows] += funded_hours / task_steps
    unfunded_now = 1.0 - funded_hours / np.maximum(hours, 1e-9)
    memory = 1.0 - 0.75 ** (12.0 / spy)  # a quarter of the gap closes per month
    m.unfunded_ratio[rows] += memory * (unfunded_now - m.unfunded_ratio[rows])
    cause = np.where(paid > 0, CAUSE_CODE["funded"], CAUSE_CODE["unfunded"])
    model.log.add(t, "task_delegated", rows, cause=cause, hours=hours, amount=paid)
    worlds = model.world_of(rows)
    model.add_flow("tasks_delegated", tasks, worlds)
    model.add_flow("tasks_unfunded_hours", hours - funded_hours, worlds)
    model.add_flow("tasks_hours", hours, worlds)


def _delegate_compiled(model: MSOModel, jit, task_steps: float) -> None:
    """delegate_tasks on the kernels: payments cleared, loads decayed and the cooperating rows' Poisson means in
    one pass (the pressure formed per district, which gives each row the same number), the rows given tasks
    compacted, and after the funded draw the budgets, payments and writes in one more."""
    m, n, d, mc, spy = model.msos, model.msos.n, model.districts, model.config.municipality, model.config.steps_per_year
    streams = model.streams
    pressure = d.demand_hours[: d.n] / np.maximum(model.base_demand[: d.n], 1e-9)
    coop, lam = jit.delegation_rates(m.alive[:n], m.coop_municipality[:n], m.district[:n],
                                     mc.delegation_rate / spy * pressure * model.factors.delegation,
                                     m.municipal_payment[:n], m.delegated_load[:n], m.delegated_funded_load[:n],
                                     1.0 - 1.0 / task_steps)
    tasks = draws.poisson(streams, lam, model.world_of(coop))
    rows, home, tasks = jit.delegated_rows(coop, tasks, m.district)
    share = model.delegation_funded_share
    if isinstance(share, np.ndarray):
        share = share[model.world_of(rows)]
    funded_tasks = streams.binomial(tasks, share * model.factors.budget, model.world_of(rows))
    cause, hours, paid, unfunded = jit.delegation_payments(
        rows, home, tasks, funded_tasks, d.budget_left[: d.n], d.paid_total[: d.n], m.municipal_payment,
        m.delegated_load, m.delegated_funded_load, m.unfunded_ratio, mc.task_hours, 1.0 + mc.admin_burden,
        mc.task_payment_per_hour, task_steps, 1.0 - 0.75 ** (12.0 / spy), CAUSE_CODE["funded"], CAUSE_CODE["unfunded"])
    model.log.add(model.t, "task_delegated", rows, cause=cause, hours=hours, amount=paid)
    worlds = model.world_of(rows)
    model.add_flow("tasks_delegated", tasks, worlds)
    model.add_flow("tasks_unfunded_hours", unfunded, worlds)
    model.add_flow("tasks_hours", hours, worlds)


def cooperate_with_municipality(model: MSOModel) -> None:
    """Cooperation starts with openness, trust, experience and dialogue; power asymmetry and distrust end it."""
    m, n, d, mc = model.msos, model.msos.n, model.districts, model.config.municipality
    co, spy, t = model.config.cooperation, model.config.steps_per_year, model.t
    alive, coop = m.alive[:n], m.coop_municipality[:n]
    u = model.streams.random(n, model.world_of(n))
    jit = kernels.compiled()
    if jit is not None:  # the same rates and tests, row by row (msosim.kernels.cooperation)
        starts, ends = jit.municipal_cooperation(
            u, alive, coop, m.district[:n], m.trust[:n], m.staff_fte[:n], m.unfunded_ratio[:n],
            mc.cooperation_rate * d.openness[: d.n], 1.0 + np.minimum(d.experience[: d.n], 2.0),
            np.where(d.dialogue[: d.n], 1.0 + co.dialogue_trust_gain, 1.0), 1.0 - mc.power_asymmetry,
            1.0 - mc.admin_burden, mc.cooperation_end_rate, int(spy))
        _log_cooperation(model, starts, ends)
        return
    # Starting is for those not cooperating, ending for those cooperating: each computed on its own rows.
    outside = (alive & ~coop).nonzero()[0]
    district = m.district[outside]
    start_year = ((mc.cooperation_rate * d.openness[: d.n])[district] * (0.5 + m.trust[outside])
                  * (1.0 + np.minimum(d.experience[: d.n], 2.0))[district]
                  * np.where(m.staff_fte[outside] <= 0, 1.0 - mc.power_asymmetry, 1.0)
                  * (1.0 - mc.admin_burden)
                  * np.where(d.dialogue[: d.n], 1.0 + co.dialogue_trust_gain, 1.0)[district])
    starts = outside[happens(u[outside], np.minimum(start_year, 0.95), spy)]
    inside = (alive & coop).nonzero()[0]
    end_year = mc.cooperation_end_rate * (1.0 - m.trust[inside]) * (1.0 + m.unfunded_ratio[inside])
    ends = inside[happens(u[inside], np.minimum(end_year, 0.95), spy)]
    coop[starts] = True
    coop[ends] = False
    _log_cooperation(model, starts, ends)


def _log_cooperation(model: MSOModel, starts: np.ndarray, ends: np.ndarray) -> None:
    """Log the MSOs starting (cause: dialogue formats in their district, or drift) and ending cooperation."""
    t, d = model.t, model.districts
    model.log.add(t, "municipal_cooperation_started", starts,
                  cause=np.where(d.dialogue[model.msos.district[starts]], CAUSE_CODE["dialogue"], CAUSE_CODE["drift"]))
    model.log.add(t, "municipal_cooperation_ended", ends, cause="drift")


def update_trust(model: MSOModel) -> None:
    """Trust moves towards a signal: openness, dialogue and funded work raise it; unfunded delegation lowers it."""
    m, n, d, mc = model.msos, model.msos.n, model.districts, model.config.municipality
    co, spy = model.config.cooperation, model.config.steps_per_year
    district = m.district[:n]
    jit = kernels.compiled()
    if jit is not None:  # the same operations, row by row (msosim.kernels.cooperation)
        jit.update_trust(district, m.coop_municipality[:n], m.unfunded_ratio[:n], m.alive[:n], m.trust[:n],
                         d.openness[: d.n] + co.dialogue_trust_gain * d.dialogue[: d.n], mc.unfunded_trust_penalty,
                         min(mc.trust_rate / spy, 1.0))
        return
    signal = ((d.openness[: d.n] + co.dialogue_trust_gain * d.dialogue[: d.n])[district]
              + 0.2 * m.coop_municipality[:n] - mc.unfunded_trust_penalty * m.unfunded_ratio[:n] * m.coop_municipality[:n])
    rate = min(mc.trust_rate / spy, 1.0)
    step = np.minimum(np.maximum(signal, 0.0, out=signal), 1.0, out=signal)
    step -= m.trust[:n]
    step *= rate
    step *= m.alive[:n]  # dead MSOs move by 0
    m.trust[:n] += step


def form_and_break_ties(model: MSOModel, initial: bool = False) -> None:
    """MSOs form ties with random MSOs of their district (more with dialogue formats); ties break at a rate.

    Each living MSO starts a Poisson number of ties: drawn as a Poisson total per rate class (with and
    without dialogue) spread uniformly over the class's MSOs, which gives every MSO its own Poisson count.
    A tie's life (the step it breaks, checked from the step it forms) is drawn when it forms: a geometric
    number of steps, as if it were tested every step. With `initial`, each MSO draws its ties at the
    stationary level (formation rate / break rate).
    """
    m, n, d, co = model.msos, model.msos.n, model.districts, model.config.cooperation
    spy, streams, t, ties = model.config.steps_per_year, model.streams, model.t, model.ties
    per_mso = co.tie_rate / max(co.tie_break_rate, 1e-9) if initial else co.tie_rate / spy
    jit = kernels.compiled()
    if jit is not None:  # the living rows, by dialogue and by district, in one counting pass (kernels/cooperation)
        plain, talking, order, offsets, counts = jit.living_by_district(m.alive[:n], m.district[:n], d.dialogue[: d.n],
                                                                        d.n)
    else:
        alive_rows = m.alive[:n].nonzero()[0]
        district = m.district[alive_rows]
        with_dialogue = d.dialogue[district]
        plain, talking = alive_rows[~with_dialogue], alive_rows[with_dialogue]
    initiators = np.sort(np.concatenate([  # per world: a Poisson total of its class's MSOs, then who
        streams.picks(rate, members, model.world_of(members))
        for members, rate in ((plain, per_mso), (talking, per_mso * co.dialogue_tie_factor))]))
    if jit is not None:
        a, b = jit.tie_partners(initiators, streams.random(initiators.size, model.world_of(initiators)), m.district,
                                order, offsets, counts)
    else:
        by_district = rows_by_district(model)
        order = by_district[m.alive[by_district]]  # living rows by district, in row order within a district
        counts = np.bincount(district, minlength=d.n)
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        home = m.district[initiators]
        partners = order[offsets[home] + (streams.random(initiators.size, model.world_of(initiators))
                                          * counts[home]).astype(np.int64)]
        keep = partners != initiators
        a, b = initiators[keep], partners[keep]
    if a.size:
        ties.append(a.size, a=a, b=b, active=True, formed_step=t, breaks_step=tie_lives(model, t + 1 if initial else t, a))
        model.log.add(t, "tie_formed", a, cause="initial" if initial else "", partner=b)
    if initial:
        return
    n_ties = ties.n
    if jit is not None:  # the same test in one pass (kernels/cooperation.py)
        breaking = jit.ties_breaking(ties.active[:n_ties], ties.breaks_step[:n_ties], t)
    else:
        breaking = (ties.active[:n_ties] & (ties.breaks_step[:n_ties] == t)).nonzero()[0]
    break_ties(model, breaking, "drift")


def rows_by_district(model: MSOModel) -> np.ndarray:
    """Every MSO row sorted by district (stable: in row order within a district). Kept on the model and
    brought up to date as rows are appended: new rows come last in their district, so each is inserted
    at the end of its district's run instead of sorting again."""
    m, n = model.msos, model.msos.n
    cached = getattr(model, "_rows_by_district", None)
    if cached is None or cached[0] > n:
        order = np.argsort(m.district[:n].astype(np.int16), kind="stable")  # radix sort
        keys = m.district[order]
    else:
        known, order, keys = cached
        if known < n:
            new = known + np.argsort(m.district[known:n], kind="stable")
            at = np.searchsorted(keys, m.district[new], side="right")
            order, keys = np.insert(order, at, new), np.insert(keys, at, m.district[new])
    model._rows_by_district = (n, order, keys)
    return order


def tie_lives(model: MSOModel, first_check: int, a: np.ndarray) -> np.ndarray:
    """The steps at which new ties (started by the MSO rows `a`) break: the first success of a per-step test
    from `first_check` on."""
    p = per_step(model.config.cooperation.tie_break_rate, model.config.steps_per_year)
    if p <= 0.0:
        return np.full(a.size, NEVER, dtype=np.int32)
    return np.minimum(first_check - 1 + model.streams.geometric(p, a.size, model.world_of(a)), NEVER).astype(np.int32)


def break_ties(model: MSOModel, rows: np.ndarray, cause: str) -> None:
    """Deactivate the given ties and log them."""
    ties = model.ties
    ties.active[rows] = False
    model.log.add(model.t, "tie_broken", ties.a[rows], cause=cause, partner=ties.b[rows])


def join_and_leave_federations(model: MSOModel) -> None:
    """Staffed MSOs join umbrella federations more readily; members leave at a small rate."""
    m, n, co, spy, t = model.msos, model.msos.n, model.config.cooperation, model.config.steps_per_year, model.t
    alive = m.alive[:n]
    u = model.streams.random(n, model.world_of(n))
    jit = kernels.compiled()
    if jit is not None:  # the same tests, row by row (msosim.kernels.cooperation)
        joins, leaves = jit.federations(u, alive, m.staff_fte[:n], m.federation[:n],
                                        per_step(2.0 * co.federation_join_rate, spy),
                                        per_step(co.federation_join_rate, spy), per_step(co.federation_leave_rate, spy))
        model.log.add(t, "federation_joined", joins)
        model.log.add(t, "federation_left", leaves, cause="drift")
        return
    join_step = np.where(m.staff_fte[:n] > 0, per_step(2.0 * co.federation_join_rate, spy),
                         per_step(co.federation_join_rate, spy))
    joins = alive & ~m.federation[:n] & (u < join_step)
    leaves = alive & m.federation[:n] & (u < per_step(co.federation_leave_rate, spy))
    m.federation[:n] = (m.federation[:n] | joins) & ~leaves
    model.log.add(t, "federation_joined", joins.nonzero()[0])
    model.log.add(t, "federation_left", leaves.nonzero()[0], cause="drift")


def update_municipalities(model: MSOModel) -> None:
    """Openness follows the services MSOs deliver and the municipality's experience with migration."""
    d, mc, spy = model.districts, model.config.municipality, model.config.steps_per_year
    n = d.n
    coverage = d.delivered_hours[:n] / np.maximum(d.demand_hours[:n], 1e-9)
    target = np.minimum(np.maximum(
        d.openness_base[:n] + 0.3 * (np.minimum(coverage, 1.5) - 0.5) + 0.2 * np.minimum(d.experience[:n], 1.0), 0), 1)
    d.openness[:n] += min(mc.openness_rate / spy, 1.0) * (target - d.openness[:n])
    d.experience[:n] *= 1.0 - per_step(0.05, spy)
    d.experience[:n] += mc.experience_gain * model.factors.arrivals / np.maximum(d.population[:n], 1.0) * 100.0
