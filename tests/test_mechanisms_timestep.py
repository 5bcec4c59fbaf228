"""Time-step invariance: monthly and quarterly steps tell the same story (DESIGN.md: rates are per year)."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from msosim.submodels.services import deliver_services
from msosim.submodels.volunteers import update_burnout

from .mechanism_helpers import hand_made, outcome, small_model

HOURS = {"volunteers.sustainable_hours": 14.0, "volunteers.max_hours": 30.0, "services.overcommitment": 1.25,
         "volunteers.burnout_gain": 1.0, "volunteers.burnout_recovery": 0.8}


def _one_year(steps_per_year: int, yearly_demand: float) -> tuple[float, float]:
    """Service hours over one year and burnout at its end, for one MSO of 4 volunteers."""
    model = hand_made(small_model(steps_per_year=steps_per_year, **HOURS), 1, members=50, volunteers=4, burnout=0.5)
    model.districts.demand_hours[0] = yearly_demand / steps_per_year
    delivered = 0.0
    for _ in range(steps_per_year):
        deliver_services(model)
        update_burnout(model)
        delivered += model.msos.service_hours[0]
    return delivered, float(model.msos.burnout[0])


def test_a_year_of_service_and_burnout_is_the_same_at_monthly_and_quarterly_steps() -> None:
    monthly, quarterly = _one_year(12, 600.0), _one_year(4, 600.0)   # 50 h a month: within 4 volunteers' capacity
    level = (12.5 / 14) ** 2 / ((12.5 / 14) ** 2 + 4)                  # issue 15: burnout relaxes to its level
    assert_allclose(monthly, (600.0, level + (0.5 - level) * np.exp(-0.8)))  # known answer at monthly steps
    assert_allclose(quarterly, monthly, rtol=0.01)
    monthly, quarterly = _one_year(12, 2400.0), _one_year(4, 2400.0)  # 200 h a month: beyond capacity
    level = 1.25**2 / (1.25**2 + 4)                                     # 70 h a month accepted, load 17.5 h
    assert_allclose(monthly, (12 * 4 * 14 * 1.25, level + (0.5 - level) * np.exp(-0.8)))
    assert_allclose(quarterly, monthly, rtol=0.01)


def test_monthly_and_quarterly_runs_agree_on_survival_staff_burnout_and_coverage() -> None:
    monthly, quarterly = {"steps_per_year": 12}, {"steps_per_year": 4}
    for metric, tolerance in (("alive_end", 0.05), ("staff_fte_end", 0.10)):            # relative, of seed means
        m, q = outcome(monthly, metric).mean(), outcome(quarterly, metric).mean()
        assert abs(q - m) <= tolerance * m, f"{metric}: monthly {m:.1f}, quarterly {q:.1f}, tolerance {tolerance:.0%}"
    for metric, tolerance in (("mean_burnout", 0.02), ("service_coverage", 0.05)):     # absolute
        m, q = outcome(monthly, metric).mean(), outcome(quarterly, metric).mean()
        assert np.isfinite([m, q]).all() and abs(q - m) <= tolerance, f"{metric}: monthly {m:.3f}, quarterly {q:.3f}"
