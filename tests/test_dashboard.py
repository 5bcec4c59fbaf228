"""The dashboard's logic without a browser: levers from the schema, translations, the two-policy runner,
the ticker, presets, downloads and the `msosim dashboard` command."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import typing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from msosim import MSOModel, load_scenario
from msosim.cli import COMMAND_MODULES, app
from msosim.dashboard import strings
from msosim.dashboard.brief import brief_pdf_bytes, lever_text
from msosim.dashboard.charts import CHART_SPECS
from msosim.dashboard.export import all_charts_png, run_csv
from msosim.dashboard.components.lever_panel import parse_number
from msosim.dashboard.components.outcomes import HEADLINE_DIGITS, ticker_text
from msosim.dashboard.levers import LEVER_BY_NAME, LEVERS, SCALES
from msosim.dashboard.live_charts import chart_option, story_option
from msosim.dashboard.population import (
    cell_of,
    clicked_row,
    grid_columns,
    population_option,
)
from msosim.dashboard.presets import list_presets, load_preset, save_preset
from msosim.dashboard.runner import (
    CARDS,
    HEADLINE,
    POLICIES,
    STATES,
    PolicyPair,
    initial_setup,
    mso_states,
)
from msosim.dashboard.session import Session, Settings
from msosim.dashboard.strings import STRINGS, month_label, number, signed, t
from msosim.scenario import Event, PolicyConfig
from msosim.state import EVENT_CAUSES, EVENT_KINDS

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = ROOT / "scenarios" / "district.yaml"
DASHBOARD_SOURCES = sorted((ROOT / "src" / "msosim" / "dashboard").rglob("*.py"))


@pytest.fixture
def pair() -> PolicyPair:
    """Story mode (one run per policy)."""
    setup, scenario = initial_setup(DISTRICT)
    return PolicyPair(dataclasses.replace(setup, replications=1), scenario)


@pytest.fixture
def session(tmp_path: Path) -> Session:
    return Session(Settings(DISTRICT, "de", tmp_path / "presets"))


# --- levers come from the schema -------------------------------------------------------------

def test_every_policy_field_is_a_lever_with_the_schema_bounds_and_default():
    schema = PolicyConfig.model_json_schema()["properties"]
    assert [lever.name for lever in LEVERS] == list(PolicyConfig.model_fields)
    for lever in LEVERS:
        field = PolicyConfig.model_fields[lever.name]
        assert lever.default == field.default
        assert lever.description == field.description
        if lever.kind == "select":
            assert set(lever.options) == set(schema[lever.name]["enum"])
            continue
        spec = next(s for s in schema[lever.name].get("anyOf", [schema[lever.name]]) if s.get("type") == "number")
        assert lever.maximum == spec["maximum"]
        assert lever.minimum == spec.get("minimum", spec.get("exclusiveMinimum"))
        assert lever.exclusive_minimum == ("exclusiveMinimum" in spec)
        assert lever.optional == any(s.get("type") == "null" for s in schema[lever.name].get("anyOf", []))


def test_lever_validation_matches_the_schema():
    for lever in LEVERS:
        candidates = list(lever.options) if lever.kind == "select" else [lever.minimum, lever.maximum,
                                                                         lever.maximum * 1.5 + 1, -1.0, None]
        for value in candidates:
            try:
                PolicyConfig(**{lever.name: value})
                accepted = True
            except ValueError:
                accepted = False
            assert lever.allows(value) == accepted, (lever.name, value)


def test_sliders_have_a_usable_step_and_budgets_are_typed():
    for lever in LEVERS:
        if lever.kind == "slider":
            assert (lever.maximum - lever.minimum) / lever.step <= 200
            if lever.default:
                assert lever.step <= lever.default / 10, lever.name
    assert LEVER_BY_NAME["micro_grants_budget"].kind == "number"
    hours = LEVER_BY_NAME["application_hours_factor"]
    assert hours.at_limit(hours.maximum) and hours.at_limit(hours.minimum) and not hours.at_limit(hours.default)


# --- translations ----------------------------------------------------------------------------

def test_every_string_exists_in_both_languages():
    for key, entry in STRINGS.items():
        assert set(entry) == set(strings.LANGUAGES), key
        if key != "cause.":
            texts = [entry[lang] for lang in strings.LANGUAGES]
            forms = [text for value in texts for text in (value.values() if isinstance(value, dict) else [value])]
            assert all(text.strip() for text in forms), key
            assert all("other" in value for value in texts if isinstance(value, dict)), key


def test_every_key_the_dashboard_uses_is_in_the_table():
    literal = re.compile(r"""\bt\(\s*["']([a-z_]+\.[A-Za-z_./]+|months)["']""")
    used = {key for path in DASHBOARD_SOURCES for key in literal.findall(path.read_text(encoding="utf-8"))}
    assert used, "no t('...') calls found"
    assert used <= set(STRINGS), sorted(used - set(STRINGS))


def test_generated_keys_are_all_translated():
    needed = {f"lever.{lever.name}" for lever in LEVERS} | {f"tip.{lever.name}" for lever in LEVERS}
    needed |= {f"option.{lever.name}.{option}" for lever in LEVERS for option in lever.options}
    needed |= {f"unit.{lever.unit}" for lever in LEVERS if lever.unit}
    needed |= {f"scale.{scale}" for scale in SCALES} | {f"state.{state}" for state in STATES}
    needed |= {f"event.{kind}" for kind in EVENT_KINDS} | {f"cause.{cause}" for cause in EVENT_CAUSES}
    needed |= {f"headline.{key}" for key in HEADLINE} | {f"policy.{policy}" for policy in POLICIES}
    needed |= {spec.title for spec in CHART_SPECS} | {spec.ylabel for spec in CHART_SPECS}
    event_classes = typing.get_args(typing.get_args(Event)[0])
    kinds = {typing.get_args(cls.model_fields["kind"].annotation)[0] for cls in event_classes}
    assert "pandemic" in kinds
    needed |= {f"scenario_event.{kind}" for kind in kinds}
    assert needed <= set(STRINGS), sorted(needed - set(STRINGS))
    for lever in LEVERS:
        assert t(f"tip.{lever.name}", "en") == lever.description
        assert t(f"tip.{lever.name}", "de") != lever.description


def test_numbers_and_months_follow_the_language():
    assert number(12345.678, "de", 1) == "12.345,7"
    assert number(12345.678, "en", 1) == "12,345.7"
    assert signed(-3.0, "en") == "−3" and signed(2.0, "de") == "+2" and signed(0.0, "de") == "±0"
    assert month_label(2016.25, "de") == "Apr 2016"
    assert month_label(2014 + 11 / 12, "en") == "Dec 2014"
    assert parse_number("10.000.000", "de") == 1e7
    assert parse_number("10,000,000", "en") == 1e7
    assert parse_number("2.5e6", "en") == 2.5e6
    with pytest.raises(ValueError):
        parse_number("viel", "de")


# --- the two-policy runner -------------------------------------------------------------------

def test_equal_levers_give_identical_runs_and_match_a_plain_model(pair: PolicyPair):
    for _ in range(6):
        snapshot = pair.step()
    pd.testing.assert_frame_equal(snapshot.frames["A"], snapshot.frames["B"])
    plain = MSOModel(load_scenario(DISTRICT), seed=1)
    for _ in range(6):
        plain.step()
    table = plain.datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(snapshot.frames["A"][list(table.columns)], table)


def test_a_lever_of_b_changes_b_only_and_catches_up(pair: PolicyPair):
    for _ in range(5):
        pair.step()
    before_a = pair.snapshot().frames["A"]
    levers = {**pair.setup.levers["B"], "budget_factor": 2.0}
    snapshot = pair.replace_policy("B", levers)
    assert snapshot.step == 5 and pair.models["B"].t == 5
    pd.testing.assert_frame_equal(snapshot.frames["A"], before_a)
    a, b = snapshot.headline()["staff_fte"]
    assert b > a
    assert pair.scenarios["B"].policy.budget_factor == 2.0 and pair.scenarios["A"].policy.budget_factor == 1.0


def test_mso_states_and_population_option(pair: PolicyPair):
    for _ in range(3):
        pair.step()
    model = pair.models["A"]
    states = mso_states(model)
    n = model.msos.n
    assert states.shape == (n,)
    assert np.array_equal(states == 3, ~model.msos.alive[:n])
    struggling = model.msos.alive[:n] & ((model.msos.reserves[:n] < 0) | (model.msos.burnout[:n] > 0.6))
    assert np.array_equal(states == 2, struggling)
    option = population_option(states, model.initial_count, "en", selected=7)
    points = [point for series in option["series"][:4] for point in series["data"]]
    assert sorted(point[2] for point in points) == list(range(n))
    columns = grid_columns(model.initial_count)
    for x, y, row in points[:50]:
        assert (x, y) == cell_of(row, columns)
    assert clicked_row({"seriesName": "with staff", "value": [1, 0, 42]}) == 42
    assert clicked_row({"seriesName": "selected", "value": [1, 0, 42]}) is None
    national = population_option(np.zeros(13_000, dtype=np.int8), 13_000, "en")
    columns = grid_columns(13_000)
    assert national["series"][0]["symbol"] == "rect" and national["series"][0]["symbolSize"] >= 384 / columns   # no gaps
    assert clicked_row({"grid": [2.4, 1.45]}, columns=10, count=30) == 12          # between marks: the cell's MSO
    assert clicked_row({"grid": [2.4, 3.2]}, columns=10, count=30) is None          # an empty cell
    assert clicked_row({"grid": [10.2, 0.0]}, columns=10, count=30) is None
    from msosim.dashboard.charts import COLOURS
    from msosim.dashboard.population import SELECTED_COLOUR, STATE_COLOURS

    assert not {*STATE_COLOURS.values(), SELECTED_COLOUR} & set(COLOURS.values())


def test_ticker_reports_cliffs_and_reads_in_both_languages(pair: PolicyPair):
    for _ in range(14):
        snapshot = pair.step()
    keys = {item.key for item in snapshot.ticker}
    assert keys & {"ticker.cliff", "ticker.cliff_kept", "ticker.dissolved", "ticker.founded_n", "ticker.awarded_n"}
    assert keys <= set(STRINGS)
    for item in snapshot.ticker:
        for lang in strings.LANGUAGES:
            text = ticker_text(item, lang)
            assert "{" not in text and text
    assert {item.policy for item in snapshot.ticker} == {"A", "B"}


def test_story_of_one_mso(pair: PolicyPair):
    for _ in range(12):
        pair.step()
    story = pair.story("B", 3)
    assert set(story) >= {"facts", "events", "grants", "series"}
    assert len(story["series"]) == 13
    assert story["series"]["volunteers"].iloc[-1] == pair.models["B"].msos.volunteers[3]
    assert pair.story("A", 10**6) is None
    from msosim.dashboard.components.population_view import event_rows

    busiest = max(range(pair.models["A"].msos.n), key=lambda row: len(pair.story("A", row)["events"]))
    events = pair.story("A", busiest)["events"]
    rows = event_rows(pair.story("A", busiest), "de")
    assert len(rows) == len(events) > 1                       # complete: every event, none cut off
    assert rows[0][0] == month_label(float(events["year"].max()), "de")     # newest first
    series = {policy: pair.story(policy, 3)["series"] for policy in POLICIES}
    series["A"].loc[0, "staff_fte"] = np.nan          # a step before the MSO was founded
    option = story_option(series, story["start_year"], story["steps_per_year"], "en")
    assert [line["id"] for line in option["series"]] == ["A-volunteers", "A-staff_fte", "B-volunteers", "B-staff_fte", "events"]
    assert option["series"][1]["data"][0][1] is None and option["series"][1]["yAxisIndex"] == 1
    assert option["series"][2]["data"][-1][1] == pair.models["B"].msos.volunteers[3]
    json.dumps(option, allow_nan=False)


def font_sizes(option) -> list[float]:
    """Every fontSize in an ECharts option."""
    if isinstance(option, dict):
        return [value for key, value in option.items() if key == "fontSize"] + [
            size for value in option.values() for size in font_sizes(value)]
    if isinstance(option, list):
        return [size for value in option for size in font_sizes(value)]
    return []


def test_live_chart_options_hold_both_policies(pair: PolicyPair):
    for _ in range(4):
        snapshot = pair.step()
    for spec in CHART_SPECS:
        option = chart_option(spec, snapshot, "de")
        lines, events = option["series"][:-1], option["series"][-1]
        assert len(lines) == len(POLICIES) * len(spec.series)
        assert option["title"]["text"] == t(spec.title, "de")
        assert all(len(series["data"]) == (4 if spec.flows else 5) for series in lines)
        assert [line["name"] for line in events["markLine"]["data"]] == ["Fluchtzuwanderung", "Pandemie", "Polarisierung"]
        assert min(font_sizes(option)) >= 14


def test_downloads_csv_png_and_brief(pair: PolicyPair):
    for _ in range(3):
        snapshot = pair.step()
    text = run_csv(snapshot.frames, pair.setup, "district", "en")
    table = pd.read_csv(io.StringIO(text), comment="#")
    assert list(table.columns[:3]) == ["policy", "step", "year"] and "MSOs alive" in table.columns
    assert list(table["policy"].unique()) == ["A", "B"] and len(table) == 2 * 4
    assert all_charts_png(snapshot, "en", pair.setup, "district").startswith(b"\x89PNG")
    from matplotlib.figure import Figure

    from msosim.dashboard.charts import SPEC_BY_NAME, draw_chart, update_chart

    ax = Figure().subplots()
    update_chart(SPEC_BY_NAME["volunteers"], draw_chart(ax, SPEC_BY_NAME["volunteers"], "de"), snapshot, "de")
    assert [text.get_text().strip() for text in ax.texts] == ["Fluchtzuwanderung", "Pandemie", "Polarisierung"]
    ax.set_ylim(0, 10_000)
    labels = [ax.yaxis.get_major_formatter()(value, 0) for value in (10_000, 0.8)]
    assert labels == ["10.000", "0,8"]
    pdf = brief_pdf_bytes(pair, "district", "de")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    assert set(HEADLINE_DIGITS) == set(CARDS)
    assert lever_text(LEVER_BY_NAME["project_years"], None, "de") == "wie im Szenario"
    assert lever_text(LEVER_BY_NAME["funding_mode"], "institutional", "en") == "institutional funding"


# --- one browser session's actions -----------------------------------------------------------

def test_session_bad_inputs_become_messages(session: Session, tmp_path: Path):
    assert session.pair is not None
    broken = tmp_path / "broken.yaml"
    broken.write_text("policy: [unclosed\n", encoding="utf-8")
    pair = session.pair
    message = session.load_scenario(broken)
    assert message.kind == "error" and "broken.yaml" in message.params["detail"]
    assert session.pair is pair
    budget = LEVER_BY_NAME["budget_factor"]
    message = session.set_lever("B", "budget_factor", budget.maximum + 1)
    assert message.kind == "error" and message.params["high"] == budget.maximum
    assert session.pair.setup.levers["B"]["budget_factor"] == 1.0
    hours, support = LEVER_BY_NAME["application_hours_factor"], LEVER_BY_NAME["application_support"]
    for lever, value in ((budget, 10.0), (hours, hours.minimum), (support, support.maximum)):
        assert session.set_lever("B", lever.name, value) is None
    assert session.step(2) is None and session.snapshot.step == 2
    district_count = session.pair.models["A"].msos.n
    assert session.change_setup(scale="land", land="HB") is None
    assert session.snapshot.step == 0 and session.pair.models["A"].msos.n != district_count
    assert session.change_setup(land="XX").kind == "error"
    session.set_on_table(frozenset({"budget_factor"}))
    assert session.set_lever("B", "dialogue_formats", 0.5).key == "lever.locked"


def test_session_presets_round_trip(session: Session):
    session.set_lever("B", "funding_mode", "institutional")
    session.set_lever("B", "project_years", 5.0)
    session.change_setup(seed=7)
    session.set_on_table(frozenset({"funding_mode", "budget_factor"}))
    message = session.save_preset("Workshop Köln 1")
    assert message.kind == "success", message
    folder = session.settings.presets_dir / "workshop-k-ln-1"
    assert list_presets(session.settings.presets_dir) == [folder.name]
    text_b = yaml.safe_load((folder / "policy_b.yaml").read_text(encoding="utf-8"))
    assert text_b["extends"].endswith("district.yaml")
    assert load_scenario(folder / "policy_b.yaml").policy.funding_mode == "institutional"
    assert load_scenario(folder / "policy_a.yaml").policy.funding_mode == "as_configured"
    saved = session.pair.setup
    session.set_on_table(frozenset(LEVER_BY_NAME))
    session.change_setup(seed=1)
    assert session.load_preset(folder.name).kind == "success"
    assert session.pair.setup.levers == saved.levers and session.pair.setup.seed == 7
    assert session.on_table == {"funding_mode", "budget_factor"}
    assert session.save_preset("???").key == "error.preset_name"
    assert session.load_preset("missing").kind == "error"


def test_save_preset_leaves_nothing_half_written(tmp_path: Path, pair: PolicyPair):
    bad = pair.setup.__class__(**{**pair.setup.__dict__, "scale": "planet"})
    with pytest.raises(ValueError):
        save_preset(tmp_path, "bad", bad, [])
    assert list(tmp_path.iterdir()) == []
    files = save_preset(tmp_path, "good", pair.setup, [])
    assert all(path.is_file() for path in files)
    setup, on_table = load_preset(tmp_path, "good", pair.setup)
    assert setup.levers == pair.setup.levers and on_table == []


# --- the command ----------------------------------------------------------------------------

def test_dashboard_command_is_registered_and_checks_its_scenario(tmp_path: Path):
    assert "dashboard" in COMMAND_MODULES
    runner = CliRunner()
    result = runner.invoke(app, ["dashboard", "--help"])
    assert result.exit_code == 0
    for option in ("--port", "--scenario", "--lang"):
        assert option in result.output
    result = runner.invoke(app, ["dashboard", "--scenario", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    result = runner.invoke(app, ["dashboard", "--lang", "fr"])
    assert result.exit_code != 0


def test_settings_come_from_the_environment(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("MSOSIM_DASHBOARD_SCENARIO", str(DISTRICT))
    monkeypatch.setenv("MSOSIM_DASHBOARD_LANG", "en")
    monkeypatch.setenv("MSOSIM_DASHBOARD_PRESETS", str(tmp_path / "p"))
    settings = Settings.from_environment()
    assert (settings.scenario, settings.lang, settings.presets_dir) == (DISTRICT, "en", tmp_path / "p")
    monkeypatch.setenv("MSOSIM_DASHBOARD_LANG", "fr")
    assert Settings.from_environment().lang == "de"


def test_dashboard_command_line():
    from msosim.cli.dashboard import solara_command

    command = solara_command(8123)
    assert command[-9:] == ["run", "msosim.dashboard.app:Page", "--host", "127.0.0.1", "--port", "8123", "--no-open",
                            "--production", "--no-check-version"]
