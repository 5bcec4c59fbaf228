"""Grant money not used for its purpose goes back to the funder when the grant ends (issue 15).

A grant pays its yearly amount in equal parts. The money it pays for positions still vacant is not used for the
purpose: the funder's share of the costs that did not arise is kept as `unspent` on the grant and paid back at its end or at the grantee's dissolution
(ANBest-P Nr. 2.1: lower eligible expenses reduce the grant in proportion; Nr. 8: money not used for the purpose
is refunded; § 44 BHO / LHO). The MSO sets it aside from its reserves as it accrues (it is the funder's money:
ANBest-P Nr. 1.4 would have it not drawn at all), so paying it back never leaves an MSO broke.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels
from ..state import INSTITUTIONAL

if TYPE_CHECKING:
    from ..model import MSOModel


def book_unspent(model: MSOModel, running, staff_fte: np.ndarray) -> None:
    """Add this step's unused money to each paying grant: its staff the MSO does not employ (vacant positions:
    an MSO's staff below what its grants fund fill them in proportion), as the funder's share (amount / project
    cost) of the eligible costs that did not arise, with the grant's overhead rate on them."""
    if running.staff_fte.size == 0:
        return
    fin, spy, n = model.config.finance, model.config.steps_per_year, model.msos.n
    funded = running.funded_fte()
    jit = kernels.compiled()
    if jit is not None:  # the same operations and sums in one pass over the grants (kernels/finances.py)
        jit.unspent_money(staff_fte, funded, running.mso, running.kind, running.staff_fte, running.amount_per_year,
                          running.project_cost_per_year, running.rows, model.grants.unspent, model.msos.reserves[:n],
                          fin.staff_cost_per_fte, fin.office_costs, fin.overhead_needed, fin.overhead_allowed,
                          float(spy))
        return
    short = staff_fte < funded - 1e-12  # MSOs with positions still vacant (most have none)
    if not short.any():
        return
    at = np.flatnonzero(short[running.mso])  # the paying grants of those MSOs
    mso, kind = running.mso[at], running.kind[at]
    staffed = np.minimum(staff_fte[mso] / np.maximum(funded[mso], 1e-12), 1.0)
    office = np.where(kind == INSTITUTIONAL, fin.office_costs, 0.0)  # institutional grants pay their office too
    missing = 1.0 - staffed
    missing *= fin.staff_cost_per_fte + office
    missing *= running.staff_fte[at]
    missing *= 1.0 + np.where(kind == INSTITUTIONAL, fin.overhead_needed, fin.overhead_allowed)
    amount = running.amount_per_year[at]
    unspent = missing * amount / np.maximum(running.project_cost_per_year[at], 1e-12) / spy
    np.minimum(unspent, amount / spy, out=unspent)
    model.grants.unspent[running.rows[at]] += unspent
    model.msos.reserves[:n] -= np.bincount(mso, weights=unspent, minlength=n)


def return_unspent(model: MSOModel, ending: np.ndarray) -> None:
    """Grants ending (rows of the grant table): their unspent money, set aside by the MSO, goes back to the funder."""
    g, m = model.grants, model.msos
    amount = g.unspent[ending]
    back = (amount > 0).nonzero()[0]
    if back.size == 0:
        return
    rows, amount, mso = ending[back], amount[back], g.mso[ending[back]]
    g.returned[rows] = amount
    np.add.at(m.grant_returned_total, mso, amount)
    model.funder_returned += np.bincount(g.funder[rows], weights=amount, minlength=len(model.funders))
    model.add_flow("grant_money_returned", amount, model.world_of(mso))
