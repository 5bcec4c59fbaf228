"""Analysis helpers: known answers on tiny hand-made tables, and consistency with a real run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from msosim.experiments import analysis, grant_calls
from msosim.experiments.batch import compare
from msosim.cli import write_tables
from msosim.model import MSOModel
from msosim.state import EVENT_CAUSES, EVENT_KINDS

from .conftest import SCENARIOS, SMALL

# Freireich et al. (1963), 6-MP arm: remission times in weeks, + = censored. The Kaplan-Meier
# estimate is the textbook example (Kleinbaum & Klein, Survival Analysis, ch. 2).
SIX_MP = [6, 6, 6, 7, 10, 13, 16, 22, 23]
SIX_MP_CENSORED = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]
SIX_MP_SURVIVAL = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
SIX_MP_AT_RISK = {6: 21, 7: 17, 10: 15, 13: 12, 16: 11, 22: 7, 23: 6}


def make_tables(msos: list[dict], events: list[dict] = (), *, horizon: int = 24, per_year: int = 12,
                grants: list[dict] | None = None) -> dict[str, pd.DataFrame]:
    """Tables shaped like `MSOModel.tables()` for a hand-made population.

    Each MSO dict: founded, died (-1 alive), initial, staff (at start), federation, district, track.
    """
    steps = np.arange(horizon + 1)
    model = pd.DataFrame({"step": steps, "year": 2014 + steps / per_year})
    rows = []
    for i, m in enumerate(msos):
        base = {"mso": i, "initial": m.get("initial", True), "founded_step": m["founded"],
                "died_step": m.get("died", -1), "district": m.get("district", 0),
                "staff_fte": m.get("staff", 0.0), "federation": m.get("federation", False),
                "track_record": m.get("track", 0)}
        if base["initial"]:
            rows.append({**base, "snapshot": "start"})
        rows.append({**base, "snapshot": "end"})
    frame = pd.DataFrame(events, columns=["step", "mso", "event", "cause", "funder", "amount", "staff_fte"]).astype(
        {"step": "int64", "mso": "int64", "amount": "float64", "staff_fte": "float64"})
    frame["year"] = 2014 + frame["step"] / per_year
    frame["event"] = pd.Categorical(frame["event"], EVENT_KINDS)
    frame["cause"] = pd.Categorical(frame["cause"].fillna(""), EVENT_CAUSES)
    frame["funder"] = frame["funder"].fillna("")
    tables = {"model": model, "msos": pd.DataFrame(rows), "events": frame}
    if grants is not None:
        tables["grants"] = pd.DataFrame(grants)
    return tables


def event(step, mso, kind, cause="", funder="", amount=np.nan, staff=np.nan) -> dict:
    return {"step": step, "mso": mso, "event": kind, "cause": cause, "funder": funder, "amount": amount,
            "staff_fte": staff}


# -- survival ------------------------------------------------------------------------------------

def test_kaplan_meier_textbook() -> None:
    durations = SIX_MP + SIX_MP_CENSORED
    observed = [True] * len(SIX_MP) + [False] * len(SIX_MP_CENSORED)
    table = analysis.kaplan_meier(durations, observed).set_index("time")
    assert table.loc[0.0, "survival"] == 1.0 and table.loc[0.0, "at_risk"] == 21
    for time, survival in SIX_MP_SURVIVAL.items():
        assert table.loc[time, "survival"] == pytest.approx(survival, abs=5e-4)
        assert table.loc[time, "at_risk"] == SIX_MP_AT_RISK[time]
    assert table.loc[6.0, "events"] == 3 and table.loc[6.0, "censored"] == 1
    assert table.loc[6.0, "std_error"] == pytest.approx(0.076, abs=5e-4)  # Greenwood
    assert table.loc[35.0, "survival"] == pytest.approx(0.448, abs=5e-4)


def test_survival_curves_from_run_tables_match_the_textbook() -> None:
    horizon = 40
    msos = ([{"founded": 0, "died": t, "initial": False} for t in SIX_MP]
            + [{"founded": horizon - c, "initial": False} for c in SIX_MP_CENSORED])
    curves = analysis.survival_curves(make_tables(msos, horizon=horizon, per_year=1), by=()).set_index("time")
    for time, survival in SIX_MP_SURVIVAL.items():
        assert curves.loc[time, "survival"] == pytest.approx(survival, abs=5e-4)
        assert curves.loc[time, "at_risk"] == SIX_MP_AT_RISK[time]


def test_survival_curves_by_cohort_and_type() -> None:
    msos = [{"founded": -50, "staff": 1.0, "died": 6}, {"founded": -50, "staff": 1.0},
            {"founded": -80}, {"founded": 13, "initial": False, "died": 19}]
    curves = analysis.survival_curves(make_tables(msos))
    last = curves.groupby(["cohort", "type"]).tail(1).set_index(["cohort", "type"])
    assert last.loc[("initial", "staffed"), "survival"] == 0.5
    assert last.loc[("initial", "volunteer_only"), "survival"] == 1.0
    assert last.loc[("2015", "volunteer_only"), "survival"] == 0.0
    assert last.loc[("2015", "volunteer_only"), "time"] == 0.5  # six months from founding


# -- hazard ----------------------------------------------------------------------------------------

AGES = [{"founded": -48},                                # age 4 at start, alive: one year at 2-5, one at 5-10
        {"founded": 6, "initial": False, "died": 18},    # at risk steps 7..18 (age 0-1), dissolves
        {"founded": -240, "died": 6}]                    # age 20, six months, dissolves


def test_hazard_by_age_band_known_answer() -> None:
    table = analysis.dissolution_hazard(make_tables(AGES)).set_index("age_band")
    assert_allclose(table["mso_years"].to_numpy(), [1.0, 1.0, 1.0, 0.5])
    assert table.index.tolist() == ["0-2", "2-5", "5-10", "20+"]
    assert table["dissolutions"].tolist() == [1, 0, 0, 1]
    assert table.loc["0-2", "hazard"] == 1.0 and table.loc["20+", "hazard"] == 2.0
    total = analysis.dissolution_hazard(make_tables(AGES), by=())
    assert total["mso_years"].item() == 3.5 and total["dissolutions"].item() == 2


def test_hazard_window_and_year() -> None:
    tables = make_tables(AGES)
    window = analysis.dissolution_hazard(tables, by=(), window=(2014.5, 2015.0))  # steps 7..12
    assert window["mso_years"].item() == pytest.approx(12 / 12)  # two MSOs, six months each
    assert window["dissolutions"].item() == 0
    years = analysis.dissolution_hazard(tables, by=("year",)).set_index("year")
    assert_allclose(years["mso_years"], [1.0 + 0.5 + 0.5, 1.0 + 0.5])
    assert years["dissolutions"].tolist() == [1, 1]


TYPES = [{"founded": -100, "staff": 1.0, "died": 12}, {"founded": -100, "died": 9}]
TYPE_EVENTS = [event(6, 0, "staff_let_go", "finances", staff=1.0), event(3, 1, "staff_hired", "grant_start", staff=0.5),
               event(9, 1, "staff_let_go", "dissolution", staff=0.5), event(12, 0, "dissolved", "volunteers"),
               event(9, 1, "dissolved", "insolvency")]


def test_type_over_time_known_answer() -> None:
    """MSO 0: staffed steps 1-5, volunteer-only 6-12, dies volunteer-only; MSO 1: volunteer-only 1-2, staffed 3-9,
    dies staffed (its let-go at dissolution is no change of type)."""
    tables = make_tables(TYPES, TYPE_EVENTS)
    table = analysis.dissolution_hazard(tables, by=("type",)).set_index("type")
    assert_allclose(table["mso_years"].to_numpy() * 12, [12, 9])
    assert table["dissolutions"].tolist() == [1, 1]
    assert table.loc["staffed", "hazard"] == pytest.approx(1.0)
    assert table.loc["volunteer_only", "hazard"] == pytest.approx(12 / 9)
    spells = analysis.spells(tables)
    assert spells[["mso", "start", "stop", "staffed", "dissolved"]].values.tolist() == [
        [0, 0, 5, True, False], [0, 5, 12, False, True], [1, 0, 2, False, False], [1, 2, 9, True, True]]


def test_hazard_by_type_needs_the_event_log() -> None:
    tables = make_tables(TYPES)
    del tables["events"]
    with pytest.raises(ValueError, match="event log"):
        analysis.dissolution_hazard(tables, by=("type",))
    assert analysis.dissolution_hazard(tables, by=("entry_type",))["dissolutions"].sum() == 2


def test_district_density_and_bands() -> None:
    """Three districts of 10,000 migrants holding 1, 2 and 3 MSOs: densities 1, 2, 3 per 10,000."""
    msos = [{"founded": -100, "district": 0, "died": 6}] + [{"founded": -100, "district": 1}] * 2 \
        + [{"founded": -100, "district": 2}] * 3
    tables = make_tables(msos, horizon=12)
    density = analysis.district_density(tables, migrants=[1e4, 1e4, 1e4])
    assert density["density"].tolist() == [1.0, 2.0, 3.0]
    assert density["density_band"].astype(str).tolist() == ["low", "middle", "high"]
    assert_allclose(density["mso_years"], [0.5, 2.0, 3.0])
    hazard = analysis.dissolution_hazard(tables, by=("density_band",), migrants=[1e4, 1e4, 1e4])
    assert hazard["hazard"].tolist() == [2.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="migrants"):
        analysis.district_density(tables)


# -- funding -------------------------------------------------------------------------------------

FUNDING = [{"founded": -100, "staff": 1.0, "federation": True, "track": 2}, {"founded": -100},
           {"founded": -100, "died": 5}, {"founded": -100}]
FUNDING_EVENTS = [
    event(1, 0, "grant_applied", funder="F"), event(1, 0, "grant_awarded", funder="F", amount=50_000.0),
    event(1, 1, "grant_applied", funder="F"), event(1, 1, "grant_rejected", funder="F"),
    event(1, 2, "grant_applied", funder="F"), event(1, 2, "grant_rejected", funder="F"),
    event(1, 3, "grant_applied", funder="F"), event(1, 3, "grant_awarded", funder="F", amount=10_000.0),
    event(4, 1, "staff_hired", "grant_start", staff=0.5), event(4, 1, "federation_joined"),
    event(5, 2, "dissolved", "volunteers"),
    event(13, 0, "grant_applied", funder="F"), event(13, 0, "grant_awarded", funder="F", amount=50_000.0),
    event(13, 1, "grant_applied", funder="F"), event(13, 1, "grant_awarded", funder="F", amount=30_000.0),
    event(20, 3, "grant_applied", funder="F"), event(20, 3, "grant_rejected", funder="F"),
]


def test_applications_state_at_the_call() -> None:
    frame = grant_calls.applications(make_tables(FUNDING, FUNDING_EVENTS))
    assert frame["awarded"].tolist() == [True, False, False, True, True, True, False]
    assert frame["staffed"].tolist() == [True, False, False, False, True, True, False]  # MSO 1 hired at step 4
    assert frame["federation"].tolist() == [True, False, False, False, True, True, False]
    # the track record fades at the end of every step: keep = exp(-1 / (3 years * 12 steps)) by default
    keep = math.exp(-1.0 / (3.0 * 12))
    assert frame["track_record"].to_numpy() == pytest.approx([2, 0, 0, 0, 3 * keep ** 12, 0, keep ** 19], rel=1e-12)
    lasting = grant_calls.applications(make_tables(FUNDING, FUNDING_EVENTS), track_memory_years=100.0)
    assert lasting["track_record"].to_numpy() == pytest.approx([2, 0, 0, 0, 3, 0, 1], rel=0.02)  # a long memory counts


def test_award_rates_and_track_record() -> None:
    tables = make_tables(FUNDING, FUNDING_EVENTS)
    rates = grant_calls.award_rates(tables, by=("type",)).set_index("type")
    assert rates.loc["staffed", "award_rate"] == 1.0 and rates.loc["volunteer_only", "award_rate"] == 0.25
    assert rates.loc["staffed", "amount_awarded"] == 130_000.0
    track = grant_calls.funding_by_track_record(tables).set_index("track_record_band")
    assert track.index.tolist() == ["0", "1", "2-3", "4-7", "8+"]
    assert track.loc["0", "applications"] == 5 and track.loc["0", "awards"] == 2  # MSO 3's one award has faded below 1
    assert track.loc["2-3", "share_of_money"] == pytest.approx(100_000 / 140_000)
    assert track.loc["1", "applications"] == 0 and track.loc["8+", "applications"] == 0


def test_track_records_rebuilt_from_the_events_are_the_models_own() -> None:
    """The analysis's fading track record (entry record and awards, each fading every step) is the model's state."""
    model = MSOModel(SCENARIOS / "district.yaml", seed=3)
    model.run(years=4)
    tables = model.tables()
    end = tables["msos"][tables["msos"]["snapshot"] == "end"]
    alive = end[end["died_step"] < 0]
    after = np.full(len(alive), analysis.clock(tables).horizon + 1)
    rebuilt = grant_calls.track_records(tables, alive["mso"].to_numpy(), after)
    assert (alive["track_record"] > 0).mean() > 0.3 and (alive["track_record"] % 1 > 0).any()  # fading, not counts
    assert_allclose(rebuilt, alive["track_record"].to_numpy(), rtol=1e-12, atol=1e-12)


def test_reapplication_after_award_and_rejection() -> None:
    """Next call one year later: MSO 0 (awarded) and MSO 1 (rejected) apply again, MSO 3 (awarded) does not;
    MSO 2 dissolved before the next call and the call at step 20 has no next call inside the run."""
    grants = [{"mso": 0, "funder": "F", "awarded_step": 1, "start": 4, "end": 16},
              {"mso": 3, "funder": "F", "awarded_step": 1, "start": 4, "end": 28}]
    rates = grant_calls.reapplication_rates(make_tables(FUNDING, FUNDING_EVENTS, grants=grants),
                                         by=("outcome", "still_funded"))
    assert rates.values.tolist() == [["awarded", False, 1, 1, 1.0], ["awarded", True, 1, 0, 0.0],
                                     ["rejected", False, 1, 1, 1.0]]


# -- real runs -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_run() -> dict[str, pd.DataFrame]:
    return MSOModel(SCENARIOS / "baseline.yaml", seed=3, **SMALL).run(3).tables()


def test_types_rebuilt_from_events_match_the_model(small_run) -> None:
    spells, model = analysis.spells(small_run), small_run["model"].set_index("step")
    for step in (1, 12, 20, 36):
        alive = (spells["start"] < step) & (spells["stop"] >= step) & ~((spells["stop"] == step) & spells["dissolved"])
        founded_now = int((analysis.lives(small_run)["founded_step"] == step).sum())
        assert int((alive & spells["staffed"]).sum()) == model.loc[step, "alive_staffed"]
        assert int(alive.sum()) + founded_now == model.loc[step, "alive"]
    events = small_run["events"]
    at_death = int(((events["event"] == "staff_let_go") & (events["cause"] == "dissolution")).sum())
    assert int((spells["dissolved"] & spells["staffed"]).sum()) == at_death
    assert int(spells["dissolved"].sum()) == int(small_run["model"]["dissolved"].sum())


def test_parquet_folder_gives_the_same_answers(small_run, tmp_path) -> None:
    write_tables(small_run, tmp_path / "run")
    from_disk = analysis.load_tables(tmp_path / "run")
    for helper in (analysis.survival_curves, grant_calls.award_rates, grant_calls.reapplication_rates):
        pd.testing.assert_frame_equal(helper(from_disk), helper(small_run), check_categorical=False)
    pd.testing.assert_frame_equal(analysis.dissolution_hazard(from_disk, by=("age_band", "type")),
                                  analysis.dissolution_hazard(small_run, by=("age_band", "type")))
    with pytest.raises(FileNotFoundError):
        analysis.load_tables(tmp_path / "missing")


def test_runs_in_a_store(tmp_path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(f"extends: {SCENARIOS / 'district.yaml'}\nname: small\npopulation:\n  land: HB\n")
    compare([path], reps=2, years=1, workers=1, store=tmp_path / "s.duckdb")
    curves = analysis.per_run(tmp_path / "s.duckdb", analysis.survival_curves)
    assert sorted(curves["seed"].unique()) == [1, 2] and set(curves["scenario_name"]) == {"small"}
    assert curves.groupby("seed")["survival"].min().between(0, 1).all()
    ages = analysis.per_run(tmp_path / "s.duckdb", analysis.dissolution_hazard)
    assert (ages["mso_years"] > 0).all()
    with pytest.raises(ValueError, match="event log"):
        analysis.per_run(tmp_path / "s.duckdb", analysis.dissolution_hazard, by=("type",))
