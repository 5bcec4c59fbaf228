"""Income and spending: fees, donations, grants, municipal money in; staff, office, projects out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .grants import grant_payments, running_grant_costs

if TYPE_CHECKING:
    from ..model import MSOModel


def collect_income(model: MSOModel) -> None:
    """Fees and donations (scaled by events), running grants and this step's municipal payments."""
    m, n, fin, spy = model.msos, model.msos.n, model.config.finance, model.config.steps_per_year
    alive = m.alive[:n]
    fees = np.where(alive, m.members[:n] * fin.fee_per_member / spy * model.factors.income, 0.0)
    own = m.donations_base[:n] + m.staff_fte[:n] * fin.earned_income_per_fte
    donations = np.where(alive, own / spy * model.factors.income, 0.0)
    project, institutional = grant_payments(model)
    municipal = m.municipal_payment[:n]
    m.grant_income_total[:n] += project + institutional
    m.municipal_income_total[:n] += municipal
    sources = (fees, donations, project, institutional, municipal)
    for k, values in enumerate(sources):
        m.income_year[:n, k] += values
        model.flow["income"][k] += values.sum()
    m.reserves[:n] += fees + donations + project + institutional + municipal


def pay_costs(model: MSOModel) -> None:
    """Staff, basic running costs, office per paid position, grant material and the overhead MSOs really need."""
    m, n, fin, spy = model.msos, model.msos.n, model.config.finance, model.config.steps_per_year
    alive = m.alive[:n]
    material, overhead, admin, project_material = running_grant_costs(model)
    staff = m.staff_fte[:n] * fin.staff_cost_per_fte / spy
    running = (fin.base_costs_volunteer + m.staff_fte[:n] * fin.office_costs) / spy
    task_helpers = m.delegated_funded_load[:n] * fin.honorarium_per_hour
    costs = np.where(alive, staff + running + material + overhead + task_helpers, 0.0)
    m.reserves[:n] -= costs
    m.freelance_hours[:n] = project_material * fin.material_hours_share / fin.honorarium_per_hour
    model.admin_hours = admin
    broke = alive & (m.reserves[:n] < 0)
    m.insolvent_months[:n] = np.where(broke, m.insolvent_months[:n] + 1, 0)
