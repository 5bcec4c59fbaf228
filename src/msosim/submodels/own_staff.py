"""Paid help an MSO pays from its own income (issue 15): a minijob where fees and other own income allow it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..model import MSOModel


def own_funded_fte(model: MSOModel, rows: np.ndarray | None = None) -> np.ndarray:
    """FTE each MSO (or each of `rows`) pays from its own income: one position costing `own_position_cost` a year
    (own_position_cost / staff_cost_per_fte FTE) where its free own income (fees and other own income less basic
    costs, as applying.financing_secured counts it, scaled by events) covers the position and its office share;
    else 0.

    SVR 2020 (Friedrichs & Mualem Sultan): only 41% of MSOs work purely with volunteers, 37% employ staff; the rest
    pay helpers otherwise. Minijob: 520 EUR a month (§ 8 Abs. 1a SGB IV from 10/2022) and the employer's lump
    sums (about 30%): about 8,100 EUR a year. On the kernels adjust_staff computes it row by row within
    kernels/staff.staff_plan."""
    m, fin = model.msos, model.config.finance
    rows = slice(0, m.n) if rows is None else rows
    if fin.own_position_cost <= 0:
        return np.zeros_like(m.members[rows], dtype=float)
    fte = fin.own_position_cost / fin.staff_cost_per_fte
    free = m.members[rows] * fin.fee_per_member + m.donations_base[rows]
    if model.factors.income != 1.0:  # scaled by events (times 1 changes nothing)
        free *= model.factors.income
    free -= fin.base_costs_volunteer
    pays = free >= fte * (fin.staff_cost_per_fte + fin.office_costs)
    pays &= m.alive[rows]
    return np.where(pays, fte, 0.0)
