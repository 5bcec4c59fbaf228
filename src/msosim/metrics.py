"""Outcome reporters: one row per step, computed from the state (stocks) and this step's flows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .state import INCOME_SOURCES

if TYPE_CHECKING:
    from .model import MSOModel

FLOW_KEYS = ("founded", "dissolved_volunteers", "dissolved_insolvency", "dissolved_background", "dissolved_burnout",
             "dissolved_merger",
             "volunteer_quits", "volunteer_joins", "staff_hired", "staff_let_go", "staff_lost_at_cliff",
             "applications", "awards", "tasks_delegated", "tasks_hours", "tasks_unfunded_hours", "reserves_spent",
             "grant_money_returned")


def new_flow() -> dict:
    """Counters for what happens during one step."""
    flow = {key: 0 for key in FLOW_KEYS}
    flow["income"] = np.zeros(len(INCOME_SOURCES))
    return flow


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 equal, 1 all to one)."""
    if values.size == 0 or values.sum() <= 0:
        return 0.0
    x = np.sort(values)
    n = x.size
    return float(2.0 * (np.arange(1, n + 1) * x).sum() / (n * x.sum()) - (n + 1.0) / n)


def median(values: np.ndarray) -> float:
    """The median (0 for none), by partitioning the array in place (it is a fresh copy)."""
    size = values.size
    if size == 0:
        return 0.0
    half = size // 2
    if size % 2:
        return float(np.partition(values, half)[half])
    parts = np.partition(values, (half - 1, half))
    return float((parts[half - 1] + parts[half]) / 2.0)


def yearly_indicators(model: MSOModel) -> dict:
    """Inequality of funding and revenue concentration over the last full year, among living MSOs."""
    m, n = model.msos, model.msos.n
    living = m.alive[:n].nonzero()[0]
    sources = [m.income_last_year[living, k] for k in range(m.income_last_year.shape[1])]  # one column at a time
    grants = sources[2] + sources[3]
    total = sources[0].copy()
    for values in sources[1:]:
        total += values
    paid = (total > 0).nonzero()[0]  # MSOs with no income have no shares
    hhi = np.zeros(paid.size)
    for values in sources:
        share = values[paid] / total[paid]
        hhi += share * share
    return {"funding_gini": gini(grants), "revenue_concentration": float(hhi.mean()) if hhi.size else 0.0}


def monthly_row(model: MSOModel) -> dict:
    """Every outcome of DESIGN.md for the step just finished."""
    m, n, d, flow, spy = model.msos, model.msos.n, model.districts, model.flow, model.config.steps_per_year
    alive = m.alive[:n]
    living = alive.nonzero()[0]  # gathering by index is cheaper than by mask, and sums in the same order
    alive_count = int(living.size)
    staffed = m.staff_fte[:n] > 0
    staffed &= alive  # counts of living MSOs by mask (exact in any order); float sums gather by index
    staffed_count = int(np.count_nonzero(staffed))
    volunteers = m.volunteers[living]
    total_volunteers = int(volunteers.sum())
    income = flow["income"]
    income_total = float(income.sum())
    service = float(m.service_hours[:n].sum())
    requested = float(m.requested_hours[:n].sum())
    public = float(income[2] + income[3] + income[4])
    dissolved = (flow["dissolved_volunteers"] + flow["dissolved_insolvency"] + flow["dissolved_background"]
                 + flow["dissolved_burnout"] + flow["dissolved_merger"])
    live_ties = int(np.count_nonzero(model.ties.active[: model.ties.n]))
    row = {
        "step": model.t, "year": model.config.start_year + model.t / spy,
        "alive": alive_count, "alive_staffed": staffed_count,
        "alive_volunteer_only": alive_count - staffed_count,
        "initial_cohort_survival": float(np.count_nonzero(m.initial[:n] & alive) / max(model.initial_count, 1)),
        "founded": flow["founded"], "dissolved": dissolved,
        "dissolved_volunteers": flow["dissolved_volunteers"], "dissolved_insolvency": flow["dissolved_insolvency"],
        "dissolved_background": flow["dissolved_background"], "dissolved_burnout": flow["dissolved_burnout"],
        "dissolved_merger": flow["dissolved_merger"],
        "volunteers": total_volunteers,
        "mean_burnout": float((m.burnout[living] * volunteers).sum() / max(total_volunteers, 1)),
        "volunteer_quits": flow["volunteer_quits"], "volunteer_joins": flow["volunteer_joins"],
        "volunteer_turnover": flow["volunteer_quits"] * spy / max(total_volunteers, 1),
        "median_reserves": median(m.reserves[living]),
        "staff_fte": float(m.staff_fte[living].sum()), "staff_hired": flow["staff_hired"],
        "staff_let_go": flow["staff_let_go"], "staff_lost_at_cliff": flow["staff_lost_at_cliff"],
        "service_hours": service, "demand_hours": float(d.demand_hours[: d.n].sum()),
        "requested_hours": requested, "service_coverage": service / max(requested, 1e-9),
        **{f"income_{name}": float(value) for name, value in zip(INCOME_SOURCES, income)},
        "time_limited_share": float(income[2] / income_total) if income_total > 0 else 0.0,
        **model.yearly,
        "coop_municipality": int(np.count_nonzero(m.coop_municipality[:n] & alive)),
        "ties": live_ties, "ties_per_mso": 2.0 * live_ties / max(alive_count, 1),
        "federation_members": int(np.count_nonzero(m.federation[:n] & alive)),
        "mean_trust": float(m.trust[living].mean()) if alive_count else 0.0,
        "mean_openness": float(d.openness[: d.n].mean()),
        "applications": flow["applications"], "awards": flow["awards"],
        "success_rate": flow["awards"] / flow["applications"] if flow["applications"] else np.nan,
        "tasks_delegated": flow["tasks_delegated"],
        "unfunded_task_share": flow["tasks_unfunded_hours"] / flow["tasks_hours"] if flow["tasks_hours"] else np.nan,
        "reserves_spent": float(flow["reserves_spent"]),
        "public_money": public, "public_money_per_service_hour": public / service if service > 0 else np.nan,
        "funders_paid_total": float(model.funder_paid.sum()),
        "msos_grant_income_total": float(m.grant_income_total[:n].sum()),
        "grant_money_returned": float(flow["grant_money_returned"]),
        "funders_returned_total": float(model.funder_returned.sum()),
        "msos_grant_returned_total": float(m.grant_returned_total[:n].sum()),
        "municipal_paid_total": float(d.paid_total[: d.n].sum()),
        "msos_municipal_income_total": float(m.municipal_income_total[:n].sum()),
        "events_active": ",".join(model.factors.active),
    }
    return row
