"""Ensemble mode: paired replications, medians and 90% bands, differences with their interval."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from msosim import MSOModel
from msosim.dashboard.ensemble import TRACKED, Difference, EnsemblePair, build_pair, difference
from msosim.dashboard.live_charts import chart_option
from msosim.dashboard.charts import CHART_SPECS
from msosim.dashboard.components.outcomes import headline_card
from msosim.dashboard.runner import HEADLINE, PolicyPair, initial_setup
from msosim.dashboard.session import Session, Settings

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = ROOT / "scenarios" / "district.yaml"
REPLICATIONS = 4          # small, for speed; the page offers 10 to 30


@pytest.fixture(scope="module")
def identical() -> EnsemblePair:
    setup, scenario = initial_setup(DISTRICT, seed=3)
    pair = EnsemblePair(replace(setup, replications=REPLICATIONS), scenario)
    pair.step(3)
    return pair


def test_district_starts_in_ensemble_mode_and_national_in_story_mode(tmp_path):
    setup, _ = initial_setup(DISTRICT)
    assert setup.scale == "district" and setup.replications == 20
    assert isinstance(build_pair(replace(setup, replications=1)), PolicyPair)
    session = Session(Settings(DISTRICT, "de", tmp_path / "presets"))
    assert isinstance(session.pair, EnsemblePair)
    session.change_setup(scale="land")
    assert session.setup.replications == 1 and not isinstance(session.pair, EnsemblePair)


def test_replication_i_of_a_and_b_share_seed_i(identical):
    seeds = [identical.setup.seed + index for index in range(REPLICATIONS)]
    for policy in ("A", "B"):
        models = [identical.models[policy], *identical.extras[policy]]
        assert len(models) == REPLICATIONS and all(model.t == 3 for model in models)
    alone = MSOModel(identical.scenarios["A"], seed=seeds[2])
    for _ in range(3):
        alone.step()
    assert alone.datacollector.rows[-1]["volunteers"] == identical.extras["A"][1].datacollector.rows[-1]["volunteers"]
    assert identical.extras["A"][1].datacollector.rows == identical.extras["B"][1].datacollector.rows


def test_identical_policies_show_no_clear_difference_and_a_band_around_the_median(identical):
    snapshot = identical.snapshot()
    assert snapshot.replications == REPLICATIONS and snapshot.step == 3
    for key in HEADLINE:
        assert snapshot.differences[key] == Difference(0.0, 0.0, 0.0) and not snapshot.differences[key].clear
    band = snapshot.bands["A"]
    assert len(band) == 4
    low, median, high = (band[f"volunteers_{name}"].to_numpy() for name in ("low", "median", "high"))
    assert np.all(low <= median) and np.all(median <= high) and high[-1] > low[-1], "chance leaves no spread"
    values = np.array([m.datacollector.rows[-1]["volunteers"] for m in [identical.models["A"], *identical.extras["A"]]])
    assert median[-1] == np.median(values)
    assert set(TRACKED) >= set(HEADLINE)


def test_a_difference_is_clear_only_when_its_interval_excludes_zero():
    a = np.array([10.0, 11.0, 12.0, 13.0])
    assert difference(a, a + 5).clear and difference(a, a - 5).clear
    mixed = difference(a, a + np.array([-1.0, 2.0, 3.0, 4.0]))
    assert mixed.low < 0 < mixed.high and not mixed.clear


def test_card_and_chart_show_the_interval_and_the_band(identical):
    snapshot = identical.snapshot()
    card = headline_card("volunteers", *snapshot.headline()["volunteers"], "de", snapshot.differences["volunteers"])
    assert "kein klarer Unterschied" in card and "90 %" in card
    card = headline_card("volunteers", 100.0, 120.0, "en", Difference(20.0, 5.0, 31.0))
    assert "no clear difference" not in card and "+20" in card and "+5" in card and "+31" in card
    option = chart_option(CHART_SPECS[2], snapshot, "de")
    bands = [series for series in option["series"] if series["id"].endswith("-band")]
    assert len(bands) == 2 and all(series["areaStyle"] for series in bands)


def test_a_lever_change_reruns_every_replication_of_that_policy(identical):
    setup, scenario = initial_setup(DISTRICT, seed=3)
    pair = EnsemblePair(replace(setup, replications=3), scenario)
    pair.step(2)
    snapshot = pair.replace_policy("B", {**pair.setup.levers["B"], "budget_factor": 3.0})
    assert pair.models["B"].t == 2 and pair.models["B"].config.policy.budget_factor == 3.0, "the story run at once"
    if snapshot.pending:      # the other replications come back in the background: no interval meanwhile
        assert snapshot.pending == ("B",) and snapshot.differences is None
    assert pair.wait_ready(timeout=60)
    assert all(model.t == 2 for model in pair.extras["B"]) and len(pair.extras["B"]) == 2
    assert all(model.config.policy.budget_factor == 3.0 for model in pair.extras["B"])
    assert len(pair.snapshot().bands["B"]) == 3 and pair.snapshot().differences is not None


def test_a_background_rerun_catches_up_with_steps_and_yields_to_a_newer_change():
    setup, scenario = initial_setup(DISTRICT, seed=5)
    pair = EnsemblePair(replace(setup, replications=3), scenario)
    pair.step(2)
    pair.replace_policy("B", {**pair.setup.levers["B"], "budget_factor": 2.0})
    pair.step(2)                                    # the page goes on while the replications rerun
    pair.replace_policy("B", {**pair.setup.levers["B"], "budget_factor": 0.5})
    assert pair.wait_ready(timeout=60) and not pair.snapshot().pending
    assert [model.t for model in pair.extras["B"]] == [4, 4]
    assert all(model.config.policy.budget_factor == 0.5 for model in pair.extras["B"]), "the newest levers win"
    fresh = EnsemblePair(replace(pair.setup, replications=3), scenario)
    fresh.step(4)
    assert [m.datacollector.rows for m in fresh.extras["B"]] == [m.datacollector.rows for m in pair.extras["B"]], \
        "the same histories as a pair built with these levers"
    assert np.array_equal(np.stack(fresh.values["B"]), np.stack(pair.values["B"]))


def test_the_facilitator_picks_four_cards_and_shares_show_in_percent(tmp_path, identical):
    session = Session(Settings(DISTRICT, "de", tmp_path / "presets"))
    assert session.cards == HEADLINE
    assert session.set_cards(["alive", "dissolved_total"]).key == "facilitator.cards_hint" and session.cards == HEADLINE
    chosen = ["staff_let_go_at_grant_end", "dissolved_total", "application_hours_total", "public_money_volunteer_only_share"]
    assert session.set_cards(chosen) is None and session.cards == tuple(chosen)
    snapshot = identical.snapshot()
    values = snapshot.headline(tuple(chosen))
    card = headline_card("public_money_volunteer_only_share", *values["public_money_volunteer_only_share"], "de",
                         snapshot.differences["public_money_volunteer_only_share"], snapshot)
    share = 100 * values["public_money_volunteer_only_share"][0]
    assert f"A {share:.1f} %".replace(".", ",") in card and "kein klarer Unterschied" in card
    card = headline_card("dissolved_total", *values["dissolved_total"], "de", None, snapshot)
    assert "Ehrenamt / Insolvenz / sonstige" in card and "ein möglicher Verlauf" in card


def test_the_png_sheet_shows_medians_and_bands_in_an_ensemble(identical):
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    from msosim.dashboard.charts import SPEC_BY_NAME, draw_chart, update_chart

    snapshot = identical.snapshot()
    ax = Figure().subplots()
    lines = draw_chart(ax, SPEC_BY_NAME["volunteers"], "de")
    update_chart(SPEC_BY_NAME["volunteers"], lines, snapshot, "de")
    assert sum(isinstance(item, PolyCollection) for item in ax.collections) == 2          # a band for A and for B
    median = lines[("A", "volunteers")][1].get_ydata()
    assert list(median) == list(snapshot.bands["A"]["volunteers_median"])


def test_service_coverage_has_no_value_before_the_first_month():
    setup, scenario = initial_setup(DISTRICT, seed=3)
    snapshot = PolicyPair(replace(setup, replications=1), scenario).snapshot()
    card = headline_card("service_coverage", *snapshot.headline()["service_coverage"], "de", None, snapshot)
    assert "A –" in card and "B –" in card and "erst nach dem ersten Monat" in card and "0,000" not in card


def test_the_batched_replications_track_what_each_run_alone_does():
    """Replications 1..N-1 run as one batch (msosim.batch): every tracked outcome of every step (the monthly row and
    the ledger's running totals) equals that of the same seed run alone as a model with its own ledger."""
    from msosim.dashboard.ensemble import outcome_row
    from msosim.dashboard.ledger import Ledger

    setup, scenario = initial_setup(DISTRICT, seed=4)
    pair = EnsemblePair(replace(setup, replications=REPLICATIONS), scenario)
    pair.replace_policy("B", {**pair.setup.levers["B"], "budget_factor": 2.0}, wait=True)
    pair.step(3)
    for policy in ("A", "B"):
        assert pair.batches[policy] is not None and len(pair.batches[policy].seeds) == REPLICATIONS - 1
        for index in range(1, REPLICATIONS):
            alone = MSOModel(pair.scenarios[policy], seed=setup.seed + index)
            ledger = Ledger(alone)
            expected = [outcome_row(alone.datacollector.rows[0], ledger.rows[0])]
            for _ in range(3):
                alone.step()
                expected.append(outcome_row(alone.datacollector.rows[-1], ledger.record(alone)))
            got = np.stack([values[index] for values in pair.values[policy]])
            assert np.array_equal(got, np.stack(expected), equal_nan=True), f"policy {policy}, replication {index}"
