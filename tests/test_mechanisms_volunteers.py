"""Mechanisms of volunteer work: service delivery, burnout, quitting, joining and density dependence."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from msosim.submodels.rates import per_step
from msosim.submodels.services import deliver_services
from msosim.submodels.volunteers import density_factor, update_burnout, volunteers_quit_and_join

from .mechanism_helpers import assert_binomial, hand_made, small_model

HOURS = {"volunteers.sustainable_hours": 14.0, "volunteers.max_hours": 30.0, "services.overcommitment": 1.25,
         "services.staff_service_hours": 110.0, "services.staff_admin_hours": 30.0}
BURNOUT = {"volunteers.sustainable_hours": 14.0, "volunteers.burnout_gain": 1.0, "volunteers.burnout_recovery": 0.8}


def _services(count: int, demand: float, **columns):
    model = hand_made(small_model(**HOURS), count, members=50, **columns)
    model.districts.demand_hours[0] = demand          # shared by reach (members): equal members, equal shares
    deliver_services(model)
    return model.msos


def test_more_volunteers_or_staff_deliver_more_hours_capped_by_capacity_times_overcommitment() -> None:
    # demand far above capacity: each MSO accepts (paid hours + 14 h x volunteers x 1.25)
    m = _services(4, demand=1e6, volunteers=[4, 8, 4, 4], staff_fte=[0.0, 0.0, 1.0, 0.0],
                  delegated_load=[0.0, 0.0, 0.0, 60.0])
    assert_allclose(m.service_hours[:4], [70.0, 140.0, 110.0 + 70.0, 4 * 30.0])   # row 3: delegated tasks hit max hours
    assert_allclose(m.load_per_volunteer[:4], [17.5, 17.5, 17.5, (70.0 + 60.0) / 4])
    assert_allclose(m.requested_hours[:4], [250000.0, 250000.0, 250000.0, 250060.0])


def test_demand_below_capacity_is_met_in_full() -> None:
    m = _services(2, demand=100.0, volunteers=[4, 8])
    assert_allclose(m.service_hours[:2], [50.0, 50.0])
    assert_allclose(m.load_per_volunteer[:2], [12.5, 6.25])


def test_overcommitment_sets_how_far_beyond_sustainable_hours_an_mso_accepts_work() -> None:
    model = hand_made(small_model(**{**HOURS, "services.overcommitment": 1.0}), 1, members=50, volunteers=4)
    model.districts.demand_hours[0] = 1e6
    deliver_services(model)
    assert_allclose(model.msos.service_hours[0], 56.0)      # 4 x 14, against 70 at 1.25


def test_application_hours_come_out_of_service_hours() -> None:
    m = _services(3, demand=1e6, volunteers=4, application_hours=[0.0, 40.0, 80.0])
    # needed = 70 accepted + application hours, worked at most 4 x 30 = 120
    assert_allclose(m.service_hours[:3], [70.0, 70.0, 120.0 - 80.0])
    assert_allclose(m.load_per_volunteer[:3], [70.0 / 4, 110.0 / 4, 150.0 / 4])


def test_burnout_moves_towards_the_level_its_load_sets() -> None:
    # issue 15: the level is r^2 / (r^2 + 1 / 0.2 - 1) at load ratio r = load / 14 (0.2 at the sustainable load)
    model = hand_made(small_model(**BURNOUT), 6, burnout=[0.1, 0.1, 0.5, 0.02, 0.99, 0.1],
                      load_per_volunteer=[28.0, 14.0, 7.0, 7.0, 28.0, 28.0])
    model.msos.alive[5] = False
    update_burnout(model)
    level = {2.0: 4.0 / 8.0, 1.0: 0.2, 0.5: 0.25 / 4.25}
    up, down = 1 - np.exp(-1.0 / 12), 1 - np.exp(-0.8 / 12)  # rising at gain 1 a year, falling at recovery 0.8
    assert_allclose(model.msos.burnout[:6], [0.1 + (level[2.0] - 0.1) * up, 0.1 + (0.2 - 0.1) * up,
                                             0.5 + (level[0.5] - 0.5) * down, 0.02 + (level[0.5] - 0.02) * up,
                                             0.99 + (level[2.0] - 0.99) * down, 0.1])


def test_more_load_per_volunteer_raises_burnout_through_service_delivery() -> None:
    model = hand_made(small_model(**{**HOURS, **BURNOUT}), 2, members=50, volunteers=[10, 3], burnout=0.1)
    model.districts.demand_hours[0] = 1e6                     # both stretched to 1.25 x sustainable
    model.msos.delegated_load[:2] = [0.0, 30.0]             # row 1 also carries delegated tasks
    for _ in range(6):
        deliver_services(model)
        update_burnout(model)
    level = 1.25**2 / (1.25**2 + 4.0)
    assert_allclose(model.msos.burnout[0], level + (0.1 - level) * np.exp(-6 / 12))
    assert model.msos.burnout[1] > model.msos.burnout[0] + 0.02


def test_burned_out_volunteers_quit_more() -> None:
    rows = 1000
    model = hand_made(small_model(**{"volunteers.dropout_rate": 0.25, "volunteers.burnout_quit_factor": 1.5,
                                     "volunteers.join_rate": 0.0, "volunteers.member_growth_rate": 0.0}),
                      2 * rows, members=50, volunteers=50, burnout=np.repeat([0.0, 1.0], rows))
    volunteers_quit_and_join(model)
    quits = 50 * rows - model.msos.volunteers[: 2 * rows].reshape(2, rows).sum(axis=1)
    assert_binomial(quits[0], 50 * rows, per_step(0.25, 12))
    assert_binomial(quits[1], 50 * rows, per_step(0.25 * 2.5, 12))
    assert quits[1] > 2 * quits[0]
    assert quits.sum() == model.flow["volunteer_quits"]


def test_paid_staff_keep_volunteers_longer() -> None:
    # Hager & Brudney 2004: volunteer management by paid staff raises retention; up to one FTE, in proportion below
    rows = 1000
    model = hand_made(small_model(**{"volunteers.dropout_rate": 0.25, "volunteers.staff_retention": 0.3,
                                     "volunteers.join_rate": 0.0, "volunteers.member_growth_rate": 0.0}),
                      3 * rows, members=50, volunteers=50, burnout=0.0, staff_fte=np.repeat([0.0, 0.5, 2.0], rows))
    volunteers_quit_and_join(model)
    quits = 50 * rows - model.msos.volunteers[: 3 * rows].reshape(3, rows).sum(axis=1)
    for k, factor in enumerate((1.0, 1.0 - 0.3 * 0.5, 1.0 - 0.3)):
        assert_binomial(quits[k], 50 * rows, per_step(0.25 * factor, 12))
    assert quits[0] > quits[1] > quits[2]


JOIN = {"volunteers.dropout_rate": 0.0, "volunteers.join_rate": 0.12, "volunteers.member_growth_rate": 0.0,
        "volunteers.visibility_weight": 0.5, "volunteers.embedding_effect": 0.2}


def test_more_inactive_members_bring_more_joins_and_newcomers_dilute_burnout() -> None:
    rows = 1000
    model = hand_made(small_model(**JOIN), 2 * rows, members=np.repeat([200, 20], rows), volunteers=10, burnout=0.6,
                      service_hours=10.0, requested_hours=10.0)
    assert_allclose(density_factor(model), 1.0)               # at the starting density the factor is 1
    volunteers_quit_and_join(model)
    m = model.msos
    joins = m.volunteers[: 2 * rows].reshape(2, rows).sum(axis=1) - 10 * rows
    assert_binomial(joins[0], 190 * rows, per_step(0.12, 12))
    assert_binomial(joins[1], 10 * rows, per_step(0.12, 12))
    assert joins[0] > 5 * joins[1]
    assert_allclose(m.burnout[: 2 * rows], 0.6 * 10 / m.volunteers[: 2 * rows])   # fresh volunteers carry no burnout


def test_visible_and_embedded_msos_draw_more_volunteers() -> None:
    rows = 1000
    groups = np.repeat(np.arange(3), rows)
    model = hand_made(small_model(**JOIN), 3 * rows, members=200, volunteers=10, requested_hours=10.0,
                      service_hours=np.where(groups == 0, 0.0, 10.0),     # group 0 meets none of its requests
                      coop_municipality=groups == 2, federation=groups == 2)
    volunteers_quit_and_join(model)
    joins = model.msos.volunteers[: 3 * rows].reshape(3, rows).sum(axis=1) - 10 * rows
    # join rate x (1 - w + w x coverage) x (1 + embedding x (cooperation + federation))
    assert_binomial(joins[0], 190 * rows, per_step(0.12 * 0.5, 12))
    assert_binomial(joins[1], 190 * rows, per_step(0.12, 12))
    assert_binomial(joins[2], 190 * rows, per_step(0.12 * 1.4, 12))
    assert joins[0] < joins[1] < joins[2]


def test_density_dependence_legitimation_then_competition() -> None:
    """Joining peaks at the reference density and falls on either side, log-quadratically in log density; the
    initial MSOs' mean factor is 1 (density moves joining between districts, not its level)."""
    model = small_model(**{"volunteers.density_curvature": 3.0})
    d = model.districts
    per_10k = d.migrants[0] / 1e4
    saved = d.alive_msos[: d.n].copy()
    densities, factors = [], []
    for ratio in np.array([0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 4.0]):
        d.alive_msos[0] = np.round(ratio * model.reference_density * per_10k)
        densities.append(d.alive_msos[0] / per_10k)
        factors.append(density_factor(model)[0])
    densities, factors = np.array(densities), np.array(factors)
    logs = np.log(densities / model.reference_density)
    assert_allclose(factors, np.exp(-3.0 * logs**2) / model.density_norm)
    peak = model.reference_density
    assert (np.diff(factors[densities <= peak]) > 0).all()   # legitimation: more MSOs, more joining
    assert (np.diff(factors[densities >= peak]) < 0).all()   # competition: more MSOs, less joining
    d.alive_msos[: d.n] = saved
    start = np.bincount(model.msos.district[: model.msos.n], minlength=d.n)
    d.alive_msos[: d.n] = start
    assert np.average(density_factor(model), weights=start) == pytest.approx(1.0)


def test_inactive_members_leave_and_active_ones_stay() -> None:
    """Once a year (the year's first step) inactive members leave at the yearly rate; in the other steps nobody."""
    rows = 1000
    settings = {"volunteers.dropout_rate": 0.0, "volunteers.join_rate": 0.0, "volunteers.member_growth_rate": 0.0,
                "volunteers.member_exit_rate": 0.3}
    later = hand_made(small_model(**settings), 2 * rows, t=2, members=np.repeat([50, 10], rows), volunteers=10)
    volunteers_quit_and_join(later)
    assert (later.msos.members[: 2 * rows] == np.repeat([50, 10], rows)).all()
    model = hand_made(small_model(**settings), 2 * rows, t=1, members=np.repeat([50, 10], rows), volunteers=10)
    volunteers_quit_and_join(model)
    m = model.msos
    left = np.repeat([50, 10], rows).reshape(2, rows).sum(axis=1) - m.members[: 2 * rows].reshape(2, rows).sum(axis=1)
    assert_binomial(left[0], 40 * rows, 0.3)
    assert left[1] == 0                                       # all ten are active: nobody leaves
    assert (m.volunteers[: 2 * rows] == 10).all() and (m.members[: 2 * rows] >= m.volunteers[: 2 * rows]).all()


def test_members_settle_where_growth_into_the_free_base_meets_exits() -> None:
    """From a small and from a large membership, the district's members approach the same level (bounded pool)."""
    ends = []
    for start in (5, 60):
        model = hand_made(small_model(**{"volunteers.dropout_rate": 0.25, "volunteers.join_rate": 0.12}), 200,
                          members=start, volunteers=min(start, 5), service_hours=1.0, requested_hours=1.0)
        for _ in range(12 * 40):
            volunteers_quit_and_join(model)
        ends.append(int(model.msos.members[:200].sum()))
    assert ends[0] == pytest.approx(ends[1], rel=0.1), ends
