"""The long-run checks of issue 15 (msosim.experiments.longrun): known answers on hand-made tables, and one small run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msosim import MSOModel
from msosim.experiments import longrun
from msosim.population import read_data

from .conftest import SMALL

SPY = 12


def model_table(years: int, *, alive=lambda y: 1000.0, burnout=lambda y: 0.2) -> pd.DataFrame:
    """A monthly model table with chosen yearly paths (step 0 included)."""
    steps = np.arange(years * SPY + 1)
    year = np.maximum(steps - 1, 0) // SPY
    count = np.array([alive(y) for y in year])
    return pd.DataFrame({
        "step": steps, "alive": count, "volunteers": 15.0 * count, "mean_burnout": [burnout(y) for y in year],
        "median_reserves": 5000.0, "service_coverage": 0.95, "dissolved": np.where(steps > 0, 0.02 * count / SPY, 0),
        "alive_volunteer_only": 0.41 * count,
    })


def test_trend_recovers_a_known_slope():
    slope, low, high = longrun.trend(3.0 + 0.5 * np.arange(20.0))
    assert slope == pytest.approx(0.5) and low == pytest.approx(0.5) and high == pytest.approx(0.5)


def test_a_flat_run_inside_its_bands_passes_and_a_drifting_one_fails():
    flat = {c.name: c for c in longrun.stationarity(model_table(30), SPY)}
    assert all(c.passed for c in flat.values()), {n: (c.value, c.details) for n, c in flat.items() if not c.passed}
    falling = {c.name: c for c in longrun.stationarity(model_table(30, burnout=lambda y: 0.3 - 0.009 * y), SPY)}
    assert not falling["long_run_mean_burnout"].passed            # inside its band on average, but trending
    assert falling["long_run_mean_burnout"].details["slope_95"][1] < 0
    assert falling["long_run_alive_relative"].passed


def test_volunteer_only_share_is_the_last_years_mean():
    check = longrun.volunteer_only_share(model_table(3), SPY)
    assert check.value == pytest.approx(0.41) and check.passed


def test_initial_cohort_newness_by_hand():
    # four initial MSOs: aged 1 and 2 years at the start (young), 10 and 20 (old); a 10-year horizon (step 120)
    msos = pd.DataFrame({"snapshot": "end", "initial": True, "alive": [False, True, False, True],
                         "founded_step": [-12, -24, -120, -240], "died_step": [12, -1, 60, -1], "land": 9})
    msos = pd.concat([msos, pd.DataFrame({"snapshot": ["end"], "initial": [False], "alive": [True],
                                          "founded_step": [120], "died_step": [-1], "land": [9]})])
    check = longrun.initial_cohort_newness(msos, SPY)
    # young: the first dies at age 2 after 1 year at risk; the second is young for 3 years -> 1 death / 4 years
    # old: the second for 10 - 3 = 7 years, the third 5 years (dies at 15), the fourth 10 years -> 1 / 22
    assert check.details["young"] == pytest.approx(1 / 4) and check.details["old"] == pytest.approx(1 / 22)
    assert check.value == pytest.approx(22 / 4) and check.passed


def test_laender_distribution_by_hand():
    codes = list(read_data("laender.csv")["code"])
    weights = {"NW": 50, "BW": 40, "BY": 35, "HE": 30, "NI": 20, "BB": 1, "MV": 1, "SN": 2, "ST": 1, "TH": 1}
    lands = [codes.index(code) for code, k in weights.items() for _ in range(k)]
    msos = pd.DataFrame({"snapshot": "end", "alive": True, "land": lands})
    check = longrun.laender_distribution(msos)
    assert check.passed and check.details["top_four"] == sorted(["NW", "BW", "BY", "HE"])
    east_heavy = pd.concat([msos, pd.DataFrame({"snapshot": "end", "alive": True, "land": [codes.index("SN")] * 60})])
    assert not longrun.laender_distribution(east_heavy).passed


def test_application_checks_on_a_small_run_read_the_event_log():
    model = MSOModel(None, seed=1, **SMALL).run(3)
    tables = model.tables()
    share = longrun.applying_share(tables)
    events = tables["events"]
    applied = events[events["event"] == "grant_applied"]
    first_year = applied[applied["step"] <= SPY]["mso"].nunique()
    assert 0 < share.value <= 1 and first_year > 0
    after_award, after_rejection, gap = longrun.reapplication(tables)
    assert 0 <= after_award.value <= 1 and 0 <= after_rejection.value <= 1
    assert gap.value == pytest.approx(after_award.value - after_rejection.value)
