"""Invariants over random valid scenarios (hypothesis): money conserved, no negative counts, the dead do not act."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msosim import MSOModel, Scenario

LANDS = ["HB", "SL", "HH", "BE", "MV"]

events = st.lists(
    st.one_of(
        st.builds(lambda s: {"kind": "refugee_surge", "start": s, "newcomers": [500000.0, 200000.0]},
                  st.floats(2014, 2016)),
        st.builds(lambda s, d: {"kind": "pandemic", "start": s, "duration_years": d},
                  st.floats(2014, 2016), st.floats(0.2, 2)),
        st.builds(lambda s: {"kind": "polarisation", "start": s}, st.floats(2014, 2016)),
        st.builds(lambda s, c: {"kind": "austerity", "start": s, "budget_cut": c},
                  st.floats(2014, 2016), st.floats(0, 0.9)),
    ),
    max_size=3,
)

scenarios = st.builds(
    lambda land, spy, mode, share, budget, hours, support, dialogue, micro, funded, evs, cofund: {
        "start_year": 2014, "steps_per_year": spy,
        "population": {"scale": "district", "land": land},
        "policy": {"funding_mode": mode, "institutional_share": share, "budget_factor": budget,
                   "application_hours_factor": hours, "application_support": support,
                   "dialogue_formats": dialogue, "micro_grants_budget": micro,
                   "delegation_funded_share": funded, "cofunding_share": cofund},
        "events": evs,
    },
    st.sampled_from(LANDS), st.sampled_from([4, 12]),
    st.sampled_from(["as_configured", "project", "institutional", "mixed"]), st.floats(0, 1),
    st.floats(0, 3), st.floats(0, 2), st.floats(0, 1), st.floats(0, 1), st.floats(0, 5e7), st.floats(0, 1),
    events, st.one_of(st.none(), st.floats(0, 0.5)),
)

WATCHED = ("volunteers", "members", "staff_fte", "reserves", "coop_municipality", "federation", "track_record",
           "grant_returned_total")


def _dead_snapshot(model: MSOModel) -> tuple[np.ndarray, dict]:
    m = model.msos
    dead = np.flatnonzero(~m.alive[: m.n])
    return dead, {name: getattr(m, name)[dead].copy() for name in WATCHED}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenarios, seed=st.integers(0, 2**31 - 1))
def test_invariants_hold_every_step(data: dict, seed: int) -> None:
    model = MSOModel(Scenario.model_validate(data), seed=seed)
    steps = 3 * model.config.steps_per_year
    for _ in range(steps):
        dead, before = _dead_snapshot(model)
        model.step()
        m, d = model.msos, model.districts
        # money is conserved, to the cent
        assert abs(model.funder_paid.sum() - m.grant_income_total[: m.n].sum()) < 0.01
        # ... including unspent grant money paid back (ANBest-P Nr. 8): what funders got back is what MSOs returned,
        # grant by grant what was paid, and never more than was left unspent
        assert abs(model.funder_returned.sum() - m.grant_returned_total[: m.n].sum()) < 0.01
        grants = model.grants.columns()
        assert abs(grants["paid"].sum() - model.funder_paid.sum()) < 0.01
        assert abs(grants["returned"].sum() - model.funder_returned.sum()) < 0.01
        assert (grants["returned"] <= grants["unspent"] + 1e-9).all() and (grants["unspent"] <= grants["paid"] + 1e-6).all()
        assert (grants["returned"][grants["active"]] == 0).all()  # returned only once a grant has ended
        assert abs(d.paid_total[: d.n].sum() - m.municipal_income_total[: m.n].sum()) < 0.01
        # counts and hours are never negative
        for name in ("volunteers", "members", "staff_fte", "service_hours", "requested_hours", "delegated_load",
                     "load_per_volunteer", "application_hours"):
            assert (getattr(m, name)[: m.n] >= 0).all(), name
        assert (m.volunteers[: m.n] <= m.members[: m.n]).all()
        assert (d.budget_left[: d.n] >= -1e-6).all()
        assert ((m.burnout[: m.n] >= 0) & (m.burnout[: m.n] <= 1)).all()
        # a dissolved MSO never acts again: its state stays, it holds no grant, tie or cooperation
        for name, values in before.items():
            np.testing.assert_array_equal(getattr(m, name)[dead], values, err_msg=name)
        dead_now = ~m.alive[: m.n]
        g, ties = model.grants, model.ties
        assert not (g.active[: g.n] & dead_now[g.mso[: g.n]]).any()
        assert not (ties.active[: ties.n] & (dead_now[ties.a[: ties.n]] | dead_now[ties.b[: ties.n]])).any()
        assert not (m.coop_municipality[: m.n] & dead_now).any()
    events = model.event_frame()
    died = events[events["event"] == "dissolved"].set_index("mso")["step"]
    later = events[events["mso"].isin(died.index) & (events["event"] != "dissolved")]
    assert (later["step"] <= later["mso"].map(died)).all()
    table = model.datacollector.get_model_vars_dataframe()
    assert (table.select_dtypes("number").fillna(0) >= 0).all().all()
    assert len(model.agents_by_type[type(model.mso_by_row[0])]) == int(model.msos.alive[: model.msos.n].sum())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["append", "compact"]), st.integers(1, 40), st.booleans()), max_size=25))
def test_appended_rows_hold_zeros_where_no_value_is_given(operations) -> None:
    """`Table.append` leaves the columns it is not given at zero, also on rows that compact() freed (it skips
    the zero-filling only on rows never written since the arrays were made)."""
    from msosim.state import Table

    table = Table({"x": "float64", "k": "int32", "flag": "bool"}, 16)
    rng = np.random.default_rng(0)
    for operation, count, keep_most in operations:
        if operation == "compact" and table.n:
            table.compact(rng.random(table.n) < (0.8 if keep_most else 0.2))
            continue
        rows = table.append(count, x=rng.random(count) + 1.0)
        assert (table.k[rows] == 0).all() and not table.flag[rows].any() and (table.x[rows] >= 1.0).all()
        table.k[rows] = rng.integers(1, 9, count)  # written: a later compact() frees rows holding values
        table.flag[rows] = True
