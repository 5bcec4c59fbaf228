"""What applying takes besides hours (issue 15): knowing of the call, and money to carry one's own share of the grants."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels
from .own_staff import own_funded_fte

if TYPE_CHECKING:
    from ..model import MSOModel


def funder_keys(model: MSOModel, funders: list) -> tuple[np.ndarray, int]:
    """Which of a call's `funders` (a programme's, in one or several Länder and worlds) takes an MSO's application:
    a table over the keys world * lands + Land (a national programme: its Land 0), each funder's position in
    `funders` at its key and -1 elsewhere; and `lands`, the keys per world (1 for a national programme)."""
    lands = len(model.land_codes) if funders[0].land >= 0 else 1
    by_key = np.full(model.streams.count * lands, -1, dtype=np.int16)
    by_key[[f.world * lands + max(f.land, 0) for f in funders]] = np.arange(len(funders))
    return by_key, lands

def uninformed(model: MSOModel, rows: np.ndarray) -> np.ndarray:
    """Chance a volunteer-only MSO does not learn of a call: the information gap, closed in part by application
    support, federation membership and each tie to another MSO (staffed MSOs: 0, staff follow the calls)."""
    out = np.zeros(rows.size)
    alone = (model.msos.staff_fte[rows] <= 0).nonzero()[0]
    out[alone] = _information_gap(model, rows[alone])
    return out


def _information_gap(model: MSOModel, who: np.ndarray, support: float | None = None) -> np.ndarray | float:
    """`uninformed` for volunteer-only MSOs `who` (a number when it is the same for all of them)."""
    m, a = model.msos, model.config.applications
    support = model.config.overlay.application_support if support is None else support
    gap = a.information_gap * (1.0 - support)
    if a.federation_information > 0:  # else the factor is 1 for every MSO
        gap = gap * np.where(m.federation[who], 1.0 - a.federation_information, 1.0)
    if a.tie_information > 0:  # else each tie's factor is 1: counting the ties (a pass over all of them) changes nothing
        gap = gap * (1.0 - a.tie_information) ** tie_counts(model, who)
    return gap


def tie_counts(model: MSOModel, rows: np.ndarray) -> np.ndarray:
    """Live ties of each of `rows` (only the ties touching them are counted)."""
    t, n = model.ties, model.msos.n
    if rows.size == 0:
        return np.zeros(0, dtype=np.int64)
    wanted = np.zeros(n, dtype=bool)
    wanted[rows] = True
    ends_a, ends_b = t.a[: t.n], t.b[: t.n]
    live = t.active[: t.n]
    touch_a, touch_b = live & wanted[ends_a], live & wanted[ends_b]
    counts = np.bincount(ends_a[touch_a], minlength=n) + np.bincount(ends_b[touch_b], minlength=n)
    return counts[rows]


def unaware(model: MSOModel, rows: np.ndarray, support: float | None = None) -> np.ndarray:
    """Whether each MSO misses a call: its access to information on calls (`information`, drawn once) is below
    its gap (`uninformed`); lasting, so the same MSOs miss call after call until support, a federation or ties
    close their gap (BIM 2018: half of the initiatives lack information on funding). `support`: the application
    support of the calling funder's world (None: the scenario's)."""
    m = model.msos
    out = np.zeros(rows.size, dtype=bool)  # staffed MSOs: a gap of 0, never above `information` (in [0, 1))
    alone = (m.staff_fte[rows] <= 0).nonzero()[0]
    who = rows[alone]
    out[alone] = m.information[who] < _information_gap(model, who, support)
    return out


def own_share(model: MSOModel, fte, material, amount):
    """What holding a grant costs an MSO itself per year: staff, their office, material and the overhead it
    needs, less the grant and the income its staff bring in (negative: the grant leaves a margin)."""
    fin = model.config.finance
    direct = fte * fin.staff_cost_per_fte + material
    return direct * (1.0 + fin.overhead_needed) + fte * (fin.office_costs - fin.earned_income_per_fte) - amount


def financing_secured(model: MSOModel, rows: np.ndarray, start: int, new_share: np.ndarray, years: float) -> np.ndarray:
    """Whether each MSO can carry the yearly own share of a new grant of `years` and of its grants still running
    at `start` from its reserves and free own income (less a position it pays from it, own_staff.py) until the last of them ends (times `financing_horizon`;
    VV zu § 44 BHO/LHO Nr. 1.2: no grant for a project whose total financing is not secured)."""
    m, fin, g, n = model.msos, model.config.finance, model.grants, model.grants.n
    jit = kernels.compiled()
    if jit is not None:  # the same sums and tests in two passes (kernels/applying.py)
        own_fte = fin.own_position_cost / fin.staff_cost_per_fte if fin.own_position_cost > 0 else 0.0
        position_cost = fin.staff_cost_per_fte + fin.office_costs
        factor = model.factors.income
        return jit.financing_secured(
            rows, g.active[:n], g.end[:n], g.mso[:n], g.staff_fte[:n], g.material_per_year[:n],
            g.amount_per_year[:n], start, model.config.steps_per_year, new_share, years, m.n, fin.staff_cost_per_fte,
            1.0 + fin.overhead_needed, fin.office_costs - fin.earned_income_per_fte, m.members, m.donations_base,
            m.reserves, m.alive, fin.fee_per_member, fin.base_costs_volunteer, own_fte, factor != 1.0, factor,
            own_fte * position_cost, position_cost, fin.financing_horizon)
    wanted = np.zeros(m.n, dtype=bool)  # only the grants of `rows` matter: sums and maxima below are per MSO
    wanted[rows] = True
    running = (g.active[:n] & (g.end[:n] > start) & wanted[g.mso[:n]]).nonzero()[0]
    shares = own_share(model, g.staff_fte[running], g.material_per_year[running], g.amount_per_year[running])
    carried = np.bincount(g.mso[running], weights=shares, minlength=m.n)[rows] + new_share
    horizon = np.zeros(m.n)
    np.maximum.at(horizon, g.mso[running], (g.end[running] - start) / model.config.steps_per_year)
    horizon = np.maximum(horizon[rows], years)
    free_income = m.members[rows] * fin.fee_per_member + m.donations_base[rows] - fin.base_costs_volunteer
    free_income -= own_funded_fte(model, rows) * (fin.staff_cost_per_fte + fin.office_costs)  # a position it pays itself
    np.maximum(free_income, 0.0, out=free_income)
    return m.reserves[rows] + fin.financing_horizon * horizon * (free_income - carried) >= 0.0
