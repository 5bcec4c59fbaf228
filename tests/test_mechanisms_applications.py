"""Who applies (issue 15): fit with the call's activity fields, MSOs that seek no public money, application shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msosim.experiments.application_metrics import application_shares, reapplication_within
from msosim.state import FIELDS
from msosim.submodels.grants import _eligible, run_call

from .mechanism_helpers import assert_direction, funder_named, hand_made, outcome, small_model

SURE = {"applications.apply_rate": 1.0, "funders.federal_integration.application_hours": 0.0,
        "finance.financing_horizon": 0.0}


def test_only_msos_that_fit_the_call_and_seek_public_money_apply() -> None:
    model = hand_made(small_model(**SURE), 4, volunteers=10, members=30, staff_fte=1.0, reserves=1e6)
    m = model.msos
    m.fields[:4, FIELDS.index("culture_of_origin")] = True       # every MSO keeps its culture of origin ...
    m.fields[[1, 2], FIELDS.index("education")] = True           # ... rows 1 and 2 also teach
    m.fields[3, FIELDS.index("arts_culture")] = True             # ... row 3 does arts: no federal integration field
    m.independent[2] = True                                      # row 2 wants no public money (BIM 2018)
    funder = funder_named(model, "federal_integration")
    assert "education" in funder.config.fields and "culture_of_origin" not in funder.config.fields
    run_call(model, funder)
    applied = model.event_frame().query("event == 'grant_applied'")["mso"].tolist()
    assert applied == [1]


def _applied_within_5_years(tables, spy) -> float:
    return application_shares(tables)["applied_within_5_years"]


def test_msos_seeking_no_public_money_lower_the_share_that_ever_applies() -> None:
    assert_direction(outcome({"applications.independent_share": 0.4}, _applied_within_5_years, years=6),
                     outcome({"applications.independent_share": 0.0}, _applied_within_5_years, years=6),
                     "share applying within five years, none independent minus 40% independent")


def test_calls_for_integration_fields_are_open_to_fewer_msos_than_calls_for_any_field() -> None:
    counts = []
    for fields in (None, []):
        overrides = {} if fields is None else {"funders.federal_integration.fields": fields}
        model = small_model(seed=3, **overrides)
        counts.append(int(_eligible(model, funder_named(model, "federal_integration"), 1)[0].sum()))
    integration_only, any_field = counts
    assert 0 < integration_only < any_field


def test_reapplication_counts_later_applications_within_the_window_only() -> None:
    """Known answer on a hand-made event log: MSO 0 rejected at step 1 reapplies at 30 (inside 36 steps), MSO 1
    awarded at step 1 applies again only at 40 (outside); MSO 2's window runs past the end and is not counted."""
    events = pd.DataFrame({"step": [1, 30, 1, 1, 40, 60], "mso": [0, 0, 1, 1, 1, 2],
                           "event": ["grant_applied", "grant_applied", "grant_applied", "grant_awarded",
                                     "grant_applied", "grant_applied"],
                           "funder": ["f"] * 6, "year": 0.0})
    model = pd.DataFrame({"step": np.arange(0, 61), "year": 2014 + np.arange(0, 61) / 12})
    msos = pd.DataFrame({"mso": [0, 1, 2] * 2, "snapshot": ["start"] * 3 + ["end"] * 3, "initial": True,
                         "founded_step": 0, "died_step": -1, "district": 0, "staff_fte": 0.0, "federation": False,
                         "track_record": 0})
    tables = {"events": events, "model": model, "msos": msos}
    rates = reapplication_within(tables, years=3)
    assert rates == {"reapply_3y_awarded": 0.0, "reapply_3y_rejected": 1.0}


def test_an_msos_access_to_information_lasts_from_call_to_call() -> None:
    """Volunteer-only MSOs with information below their gap (0.5) miss every call, those above hear of each;
    application support halves the gap and lets the middle ones hear too (issue 15; BIM 2018)."""
    for support, expected in ((0.0, [3, 4]), (0.5, [2, 3, 4])):
        model = hand_made(small_model(**{**SURE, "policy.application_support": support,
                                         "funders.federal_integration.application_hours": 0.0}),
                          5, volunteers=10, members=30, reserves=1e6, information=[0.1, 0.2, 0.3, 0.6, 0.9])
        model.msos.fields[:5, FIELDS.index("education")] = True
        applied = []
        for t in (1, 13):     # two calls a year apart: the same MSOs
            model.t = t
            model.log = type(model.log)()
            model.grants.n, model.msos.rejections[:5] = 0, 0.0   # neither a grant held nor a rejection in between
            run_call(model, funder_named(model, "federal_integration"))
            applied.append(sorted(model.event_frame().query("event == 'grant_applied'")["mso"].tolist()))
        assert applied == [expected, expected], (support, applied)


def test_application_shares_by_hand() -> None:
    """Three MSOs over six years: MSO 0 applies in years 0 and 2, MSO 2 in year 5, MSO 1 never."""
    events = pd.DataFrame({"step": [5, 30, 70], "mso": [0, 0, 2], "event": "grant_applied", "funder": "f",
                           "year": 0.0})
    model = pd.DataFrame({"step": np.arange(0, 73), "year": 2014 + np.arange(0, 73) / 12})
    msos = pd.DataFrame({"mso": [0, 1, 2] * 2, "snapshot": ["start"] * 3 + ["end"] * 3, "initial": True,
                         "founded_step": 0, "died_step": -1, "district": 0, "staff_fte": 0.0, "federation": False,
                         "track_record": 0})
    shares = application_shares({"events": events, "model": model, "msos": msos})
    assert shares["applying_share_per_year"] == pytest.approx((1 / 3 + 0 + 1 / 3 + 0 + 0 + 1 / 3) / 6)
    assert shares["applied_within_5_years"] == pytest.approx(2 / 3)
