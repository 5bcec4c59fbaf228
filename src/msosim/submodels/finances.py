"""Income and spending: fees, donations, grants, municipal money in; staff, office, projects out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels
from .grant_returns import book_unspent
from .held_grants import grant_payments, running_grant_costs, running_grants
from .rates import per_step

if TYPE_CHECKING:
    from ..model import MSOModel


def collect_income(model: MSOModel) -> None:
    """Fees and donations (scaled by events), running grants and this step's municipal payments."""
    m, n, fin, spy = model.msos, model.msos.n, model.config.finance, model.config.steps_per_year
    alive, factor = m.alive[:n], model.factors.income
    jit = kernels.compiled()
    if jit is not None:  # the same operations, row by row (kernels/finances.py)
        fees, donations = jit.own_income(m.members[:n], m.staff_fte[:n], m.donations_base[:n], alive,
                                         fin.fee_per_member, fin.earned_income_per_fte, float(spy), factor,
                                         factor != 1.0)
        project, institutional = grant_payments(model)
        municipal, worlds = m.municipal_payment[:n], model.world_of(n)
        for k, values in enumerate((fees, donations, project, institutional, municipal)):
            if values is not None:  # the flows first: their sums of the sources as they are
                model.add_flow("income", values, worlds, k)
        jit.book_income(m.income_year, fees, donations, project, project if institutional is None else institutional,
                        institutional is not None, municipal, m.grant_income_total, m.municipal_income_total,
                        m.reserves)
        return
    fees = m.members[:n] * fin.fee_per_member
    fees /= spy
    donations = m.staff_fte[:n] * fin.earned_income_per_fte
    donations += m.donations_base[:n]
    donations /= spy
    if factor != 1.0:  # scaled by events
        fees *= factor
        donations *= factor
    fees *= alive  # nothing for dissolved MSOs (the amounts are never negative)
    donations *= alive
    project, institutional = grant_payments(model)  # institutional None: none running, adds nothing
    municipal = m.municipal_payment[:n]
    m.grant_income_total[:n] += project if institutional is None else project + institutional
    m.municipal_income_total[:n] += municipal
    sources = (fees, donations, project, institutional, municipal)
    worlds = model.world_of(n)
    total = fees  # fees + donations + project + institutional + municipal, in that order (after the sums)
    for k, values in enumerate(sources):
        if values is not None:
            m.income_year[:n, k] += values
            model.add_flow("income", values, worlds, k)
            if k > 0:
                total += values
    m.reserves[:n] += total


def pay_costs(model: MSOModel) -> None:
    """Staff, basic running costs, office per paid position, grant material and the overhead MSOs really need."""
    m, n, fin, spy = model.msos, model.msos.n, model.config.finance, model.config.steps_per_year
    alive, staff_fte = m.alive[:n], m.staff_fte[:n]
    material, overhead, admin, project_material = running_grant_costs(model)
    jit = kernels.compiled()
    if jit is not None:  # the same operations, row by row (kernels/finances.py)
        jit.pay(staff_fte, alive, material, overhead, m.delegated_funded_load[:n], m.reserves[:n],
                fin.staff_cost_per_fte * model.factors.staff_cost, float(spy), fin.office_costs,
                fin.base_costs_volunteer, fin.honorarium_per_hour)
        book_unspent(model, running_grants(model), staff_fte)
        jit.after_costs(project_material, fin.material_hours_share, fin.honorarium_per_hour, m.freelance_hours[:n],
                        m.insolvent_months[:n], alive, m.reserves[:n])
        model.admin_hours = admin
        return
    costs = staff_fte * (fin.staff_cost_per_fte * model.factors.staff_cost)  # short-time work in the pandemic
    costs /= spy
    running = staff_fte * fin.office_costs
    running += fin.base_costs_volunteer
    running /= spy
    costs += running
    costs += material
    costs += overhead
    costs += m.delegated_funded_load[:n] * fin.honorarium_per_hour  # task helpers
    costs *= alive  # nothing for dissolved MSOs (the costs are never negative)
    m.reserves[:n] -= costs
    book_unspent(model, running_grants(model), staff_fte)  # grant money not used is set aside for its funder
    freelance = m.freelance_hours[:n]
    np.multiply(project_material, fin.material_hours_share, out=freelance)
    freelance /= fin.honorarium_per_hour
    model.admin_hours = admin
    months = m.insolvent_months[:n]
    months += 1
    months *= alive & (m.reserves[:n] < 0)  # broke: one more month, else back to none


def spend_reserves(model: MSOModel) -> None:
    """Money above the reserves non-profit law allows goes to the association's purposes within about two years
    (§ 55 Abs. 1 Nr. 5 AO, zeitnahe Mittelverwendung; § 62 AO: operating reserve and free reserve)."""
    m, n, fin, spy = model.msos, model.msos.n, model.config.finance, model.config.steps_per_year
    jit = kernels.compiled()
    if jit is not None:  # the same operations, row by row (kernels/finances.py)
        spent = jit.reserves_spent(m.staff_fte[:n], m.alive[:n], m.reserves[:n], m.income_last_year[:n].sum(axis=1),
                                   fin.staff_cost_per_fte + fin.office_costs, fin.base_costs_volunteer,
                                   fin.operating_reserve_months / 12.0, fin.free_reserve_share,
                                   per_step(fin.spending_rate, spy))
        model.add_flow("reserves_spent", spent, model.world_of(n))
        return
    yearly_costs = m.staff_fte[:n] * (fin.staff_cost_per_fte + fin.office_costs)
    yearly_costs += fin.base_costs_volunteer
    allowed = yearly_costs * (fin.operating_reserve_months / 12.0)
    allowed += fin.free_reserve_share * m.income_last_year[:n].sum(axis=1)
    excess = m.reserves[:n] - allowed
    np.maximum(excess, 0.0, out=excess)
    excess *= m.alive[:n]
    spent = excess * per_step(fin.spending_rate, spy)
    m.reserves[:n] -= spent
    model.add_flow("reserves_spent", spent, model.world_of(n))
