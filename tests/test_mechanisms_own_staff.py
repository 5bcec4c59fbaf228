"""A paid position from own income (issue 15; SVR 2020: 41% of MSOs purely volunteer): known answer and direction."""

from __future__ import annotations

import numpy as np
import pytest

from msosim.submodels.held_grants import adjust_staff
from msosim.submodels.own_staff import own_funded_fte

from .mechanism_helpers import assert_direction, hand_made, outcome, small_model

FINANCE = {"finance.fee_per_member": 40.0, "finance.base_costs_volunteer": 800.0, "finance.staff_cost_per_fte": 54000.0,
           "finance.office_costs": 6000.0, "finance.own_position_cost": 8100.0, "finance.vacancy_months": 0.0}


def test_an_mso_whose_own_income_covers_a_minijob_employs_one() -> None:
    """Position 8,100 / 54,000 = 0.15 FTE, needing 0.15 x (54,000 + 6,000) = 9,000 EUR of free own income:
    MSO 0 has 100 x 40 + 5,800 - 800 = 9,000 (just enough), MSO 1 100 EUR less, MSO 2 enough but dissolved."""
    model = hand_made(small_model(**FINANCE), 3, members=100, donations_base=[5800.0, 5700.0, 9000.0],
                      alive=[True, True, False], reserves=1000.0)
    assert own_funded_fte(model) == pytest.approx([0.15, 0.0, 0.0])
    adjust_staff(model)
    assert model.msos.staff_fte[:3] == pytest.approx([0.15, 0.0, 0.0])
    events = model.event_frame()
    assert events["event"].astype(str).tolist() == ["staff_hired"] and events["cause"].astype(str).tolist() == ["own_income"]
    none = hand_made(small_model(**{**FINANCE, "finance.own_position_cost": 0.0}), 3, members=100,
                     donations_base=[5800.0, 5700.0, 9000.0], staff_fte=[0.15, 0.0, 0.0])
    assert own_funded_fte(none) == pytest.approx([0.0, 0.0, 0.0])
    adjust_staff(none)  # without the mechanism the unpaid position goes (no reserves to bridge it)
    assert none.msos.staff_fte[:3] == pytest.approx([0.0, 0.0, 0.0])


def test_more_own_income_more_msos_with_paid_staff() -> None:
    """Paired seeds, district, 3 years: higher membership fees (36 -> 72 EUR) mean a higher staffed share at the end."""
    def staffed_share(tables, spy) -> float:
        end = tables["model"].iloc[-1]
        return float(end["alive_staffed"] / end["alive"])

    low = outcome({"finance.fee_per_member": 36.0}, staffed_share, years=3)
    high = outcome({"finance.fee_per_member": 72.0}, staffed_share, years=3)
    assert_direction(low, high, "staffed share with higher fees")
    none = outcome({"finance.own_position_cost": 0.0}, staffed_share, years=3)
    assert_direction(none, low, "staffed share with positions paid from own income")
    assert np.all(np.isfinite(low))
