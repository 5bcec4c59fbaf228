"""Outcome reporters: one row per step, computed from the state (stocks) and this step's flows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import kernels
from .state import INCOME_SOURCES, Table
from .streams import segment_sums

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


def median(values: np.ndarray) -> float:
    """The median (0 for none), by partitioning the array in place (it is a fresh copy)."""
    size = values.size
    if size == 0:
        return 0.0
    half = size // 2
    if size % 2:
        return float(np.partition(values, half)[half])
    # the lower middle is the largest value left of the upper one: one selection instead of numpy's two-index
    # partition, which costs nine times as much on a million values (13.4 against 1.5 ms) and as much on thousands
    parts = np.partition(values, half)
    return float((parts[:half].max() + parts[half]) / 2.0)


def yearly_indicators(m: Table) -> dict:
    """Inequality of funding and revenue concentration over the last full year, among the living MSOs of the MSO
    table `m` (or of a view of one world's rows: batch_state.RowsView)."""
    living = m.alive[: m.n].nonzero()[0]
    return yearly_of(m, living, np.array([0, living.size], dtype=np.int64))[0]


def yearly_of(m: Table, living: np.ndarray, bounds: np.ndarray) -> list[dict]:
    """`yearly_indicators` of each group of the living rows `living` (group g: living[bounds[g]:bounds[g + 1]]: a
    batch's worlds, batch_state.yearly_by_world): the arithmetic row by row once, then each group's sums over its
    own rows in their order (numpy's pairwise sums: segment_sums) and its funding sorted within it (as np.sort)."""
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
    paid_bounds = np.searchsorted(paid, bounds).astype(np.int64)
    sizes, paid_sizes = np.diff(bounds).tolist(), np.diff(paid_bounds).tolist()
    edges = bounds.tolist()
    ordered = np.concatenate([np.sort(grants[a:b]) for a, b in zip(edges[:-1], edges[1:])])  # each group's sorted
    ranks = np.arange(1, living.size + 1) - np.repeat(bounds[:-1], sizes)  # 1..k within each group
    sums, ordered_sums = segment_sums(grants, bounds), segment_sums(ordered, bounds)
    rank_sums, hhi_sums = segment_sums(ranks * ordered, bounds), segment_sums(hhi, paid_bounds)
    return [{"funding_gini": gini_of(size, sums[g], rank_sums[g], ordered_sums[g]),
             "revenue_concentration": float(hhi_sums[g] / paid_size) if paid_size else 0.0}
            for g, (size, paid_size) in enumerate(zip(sizes, paid_sizes))]


def gini_of(size: int, total, rank_sum, sorted_total) -> float:
    """The Gini coefficient of `size` non-negative values (0 equal, 1 all to one) from their sum, the sum of each
    sorted value times its rank (1..size) and the sum of the sorted values (0 when they sum to 0 or less)."""
    if size == 0 or total <= 0:
        return 0.0
    return float(2.0 * rank_sum / (size * sorted_total) - (size + 1.0) / size)


TOTALS = ("service_hours", "requested_hours", "grant_income_total", "grant_returned_total", "municipal_income_total")


def aggregates(model: MSOModel) -> dict:
    """The counts and sums a monthly row is made of (a batch computes them for all its worlds at once: batch.py)."""
    m, n, d = model.msos, model.msos.n, model.districts
    counts, sums, median_reserves, totals = _living(model)
    alive_count, staffed, initial_alive, coop, federation, volunteers = counts
    burnout_weight, staff_fte, trust = sums
    service, requested, grant_income, grant_returned, municipal_income = totals
    return {
        "alive": int(alive_count), "staffed": int(staffed), "volunteers": int(volunteers),
        "initial_alive": int(initial_alive), "burnout_weight": float(burnout_weight),
        "median_reserves": float(median_reserves), "staff_fte": float(staff_fte),
        "service": float(service), "requested": float(requested),
        "demand": float(d.demand_hours[: d.n].sum()), "coop": int(coop), "federation": int(federation),
        "mean_trust": float(trust / alive_count) if alive_count else 0.0,  # numpy's mean: the sum over the count
        "mean_openness": float(d.openness[: d.n].mean()),
        "ties": int(np.count_nonzero(model.ties.active[: model.ties.n])),
        "funders_paid": float(model.funder_paid.sum()), "grant_income": float(grant_income),
        "funders_returned": float(model.funder_returned.sum()),
        "grant_returned": float(grant_returned), "municipal_paid": float(d.paid_total[: d.n].sum()),
        "municipal_income": float(municipal_income),
    }


def _living(model: MSOModel) -> tuple[tuple, tuple, float, tuple]:
    """Over the living MSOs: their counts (living, staffed, initial, cooperating, federated, volunteers), float
    sums (burnout x volunteers, staff FTE, trust: numpy's sums over the living rows in their order) and the median
    of their reserves; and the sums of the TOTALS columns over every row. In one compiled call when the kernels
    are on (kernels/sums.py)."""
    m, n = model.msos, model.msos.n
    alive = m.alive[:n]
    totals = tuple(getattr(m, column)[:n] for column in TOTALS)
    jit = kernels.compiled()
    if jit is not None:
        counts, sums, reserves, column_sums = jit.living_aggregates(
            alive, m.staff_fte[:n], m.initial[:n], m.coop_municipality[:n], m.federation[:n], m.volunteers[:n],
            m.burnout[:n], m.trust[:n], m.reserves[:n], totals)
        return counts, sums, median(reserves), tuple(column_sums.tolist())
    living = alive.nonzero()[0]  # gathering by index is cheaper than by mask, and sums in the same order
    staffed = m.staff_fte[:n] > 0
    staffed &= alive  # counts of living MSOs by mask (exact in any order); float sums gather by index
    volunteers = m.volunteers[living]
    counts = (living.size, np.count_nonzero(staffed), np.count_nonzero(m.initial[:n] & alive),
              np.count_nonzero(m.coop_municipality[:n] & alive), np.count_nonzero(m.federation[:n] & alive),
              volunteers.sum())
    sums = ((m.burnout[living] * volunteers).sum(), m.staff_fte[living].sum(), m.trust[living].sum())
    return counts, sums, median(m.reserves[living]), tuple(column.sum() for column in totals)


def monthly_row(model: MSOModel) -> dict:
    """Every outcome of DESIGN.md for the step just finished."""
    return row_of(model, aggregates(model), model.flow, model.yearly, model.initial_count)


class Scalars:
    """The few operations of `row_of` that differ between one world's numbers and arrays over a batch's worlds
    (`Arrays`): with Python numbers, as a model has always made its row."""

    at_least = staticmethod(max)
    to_float = staticmethod(float)

    @staticmethod
    def ratio(x, y, default: float, positive: bool):
        """x / y where y > 0 (positive) or y is not 0, else `default`."""
        return x / y if (y > 0 if positive else y) else default

    @staticmethod
    def total(income):
        """The sum of the income sources, as numpy sums them."""
        return float(income.sum())


class Arrays:
    """`Scalars` over a batch's worlds: the same IEEE operations on arrays, one number per world (an integer count
    divided by another is converted to float first, exactly below 2**53, then divided, as Python does)."""

    at_least = staticmethod(np.maximum)

    @staticmethod
    def to_float(x):
        return np.asarray(x, dtype=np.float64)

    @staticmethod
    def ratio(x, y, default: float, positive: bool):
        y = np.asarray(y)
        out = np.full(y.shape, default)
        np.divide(x, y, out=out, where=y > 0 if positive else y != 0)
        return out

    @staticmethod
    def total(income):
        """Each world's sum of its income sources (`income[k]` one row per source): each world's row summed by
        numpy's loop, as `Scalars.total` sums one world's."""
        return np.ascontiguousarray(income.T).sum(axis=1)


def row_of(model: MSOModel, a: dict, flow: dict, yearly: dict, initial_count, ops=Scalars) -> dict:
    """The monthly row of one world from its aggregates, this step's flows and the yearly indicators; with
    `ops=Arrays`, the rows of a batch's worlds at once (every value an array over the worlds, or one shared)."""
    spy = model.config.steps_per_year
    alive_count, staffed_count, total_volunteers = a["alive"], a["staffed"], a["volunteers"]
    income = flow["income"]
    income_total = ops.total(income)
    service, requested = a["service"], a["requested"]
    public = ops.to_float(income[2] + income[3] + income[4])
    dissolved = (flow["dissolved_volunteers"] + flow["dissolved_insolvency"] + flow["dissolved_background"]
                 + flow["dissolved_burnout"] + flow["dissolved_merger"])
    live_ties = a["ties"]
    row = {
        "step": model.t, "year": model.config.start_year + model.t / spy,
        "alive": alive_count, "alive_staffed": staffed_count,
        "alive_volunteer_only": alive_count - staffed_count,
        "initial_cohort_survival": ops.to_float(a["initial_alive"] / ops.at_least(initial_count, 1)),
        "founded": flow["founded"], "dissolved": dissolved,
        "dissolved_volunteers": flow["dissolved_volunteers"], "dissolved_insolvency": flow["dissolved_insolvency"],
        "dissolved_background": flow["dissolved_background"], "dissolved_burnout": flow["dissolved_burnout"],
        "dissolved_merger": flow["dissolved_merger"],
        "volunteers": total_volunteers,
        "mean_burnout": a["burnout_weight"] / ops.at_least(total_volunteers, 1),
        "volunteer_quits": flow["volunteer_quits"], "volunteer_joins": flow["volunteer_joins"],
        "volunteer_turnover": flow["volunteer_quits"] * spy / ops.at_least(total_volunteers, 1),
        "median_reserves": a["median_reserves"],
        "staff_fte": a["staff_fte"], "staff_hired": flow["staff_hired"],
        "staff_let_go": flow["staff_let_go"], "staff_lost_at_cliff": flow["staff_lost_at_cliff"],
        "service_hours": service, "demand_hours": a["demand"],
        "requested_hours": requested, "service_coverage": service / ops.at_least(requested, 1e-9),
        **{f"income_{name}": ops.to_float(value) for name, value in zip(INCOME_SOURCES, income)},
        "time_limited_share": ops.to_float(ops.ratio(income[2], income_total, 0.0, True)),
        **yearly,
        "coop_municipality": a["coop"],
        "ties": live_ties, "ties_per_mso": 2.0 * live_ties / ops.at_least(alive_count, 1),
        "federation_members": a["federation"],
        "mean_trust": a["mean_trust"],
        "mean_openness": a["mean_openness"],
        "applications": flow["applications"], "awards": flow["awards"],
        "success_rate": ops.ratio(flow["awards"], flow["applications"], np.nan, False),
        "tasks_delegated": flow["tasks_delegated"],
        "unfunded_task_share": ops.ratio(flow["tasks_unfunded_hours"], flow["tasks_hours"], np.nan, False),
        "reserves_spent": ops.to_float(flow["reserves_spent"]),
        "public_money": public, "public_money_per_service_hour": ops.ratio(public, service, np.nan, True),
        "funders_paid_total": a["funders_paid"],
        "msos_grant_income_total": a["grant_income"],
        "grant_money_returned": ops.to_float(flow["grant_money_returned"]),
        "funders_returned_total": a["funders_returned"],
        "msos_grant_returned_total": a["grant_returned"],
        "municipal_paid_total": a["municipal_paid"],
        "msos_municipal_income_total": a["municipal_income"],
        "events_active": ",".join(model.factors.active),
    }
    return row
