"""The dashboard in the room (issue 17), in a real browser: ensemble bands and verdicts, the projector layout."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .browser_helpers import choose, wait_for_step

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("require_chromium")]

SERIES_JS = """(selector) => {
  const element = document.querySelector(selector + ' .solara-echarts');
  return element.msosimChart.getOption().series.filter(Boolean).map((s) => ({id: s.id, area: !!s.areaStyle, points: s.data.length}));
}"""


def drawn_series(page: Page, chart: str) -> list[dict]:
    return page.evaluate(SERIES_JS, f".msosim-chart-{chart}")


def test_ensemble_band_and_no_clear_difference_for_identical_policies(dashboard: Page):
    page = dashboard
    expect(page.locator(".msosim-replications")).to_contain_text("20 gepaarte Läufe")
    page.locator(".msosim-step").click()
    wait_for_step(page, 1)
    page.locator(".msosim-step").click()
    wait_for_step(page, 2)
    expect(page.locator('.msosim-chart-volunteers [data-rendered-step="2"]')).to_have_count(1)
    bands = [series for series in drawn_series(page, "volunteers") if series["area"]]
    assert [series["id"] for series in bands] == ["A-volunteers-band", "B-volunteers-band"], bands
    assert all(series["points"] == 3 for series in bands), bands
    for key in ("alive", "staff_fte", "volunteers", "service_coverage"):
        expect(page.locator(f".msosim-headline-{key} .msosim-headline-verdict")).to_contain_text("kein klarer Unterschied (90 %")
    expect(page.locator(".msosim-headline-volunteers .msosim-headline-verdict")).to_contain_text("90 %: ±0 bis ±0")
    choose(page, "msosim-replications", "1 (Geschichte: ein möglicher Verlauf)")
    expect(page.locator(".msosim-step-counter")).to_contain_text("Schritt 0")
    expect(page.locator(".msosim-headline-volunteers .msosim-headline-verdict")).to_contain_text("ein möglicher Verlauf")
    assert not any(series["area"] for series in drawn_series(page, "volunteers"))


FONTS_JS = """(selector) => {
  const sizes = [];
  const walk = (value, path) => {
    if (Array.isArray(value)) { value.forEach((inner, index) => walk(inner, path + '.' + index)); return; }
    if (value && typeof value === 'object') {
      Object.entries(value).forEach(([key, inner]) => {
        if (key === 'fontSize') sizes.push([inner, path]); else walk(inner, path + '.' + key);
      });
    }
  };
  document.querySelectorAll(selector).forEach((element) => walk(element.msosimChart.getOption(), ''));
  return sizes;
}"""

LABELS_JS = """(selector) => {
  const chart = document.querySelector(selector).msosimChart;
  const axis = chart.getModel().getComponent('yAxis', 0).axis;
  return {drawn: axis.getViewLabels().map((label) => label.formattedLabel),
          thousands: chart.getOption().yAxis[0].axisLabel.formatter(10000),
          fraction: chart.getOption().yAxis[0].axisLabel.formatter(0.8)};
}"""

FIRST_SCREEN = [".msosim-controls", ".msosim-play", ".msosim-step", ".msosim-headline-alive", ".msosim-headline-staff_fte",
                ".msosim-headline-volunteers", ".msosim-headline-service_coverage", ".msosim-chart-alive",
                ".msosim-chart-staff"]


@pytest.fixture(scope="module")
def pin_server(tmp_path_factory):
    """A second dashboard started with a PIN: its pages open in room view."""
    from .browser_helpers import running_dashboard

    root = Path(__file__).resolve().parents[1]
    with running_dashboard(tmp_path_factory.mktemp("dashboard-pin"), root, "--pin", "2468") as served:
        yield served


@pytest.fixture
def projector(browser, server):
    """The dashboard at 1280x720, a projector's resolution."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(server["url"])
    expect(page.locator(".msosim-step-counter")).to_contain_text("Schritt 0", timeout=60_000)
    expect(page.locator(".msosim-chart-staff canvas").first).to_be_visible()
    yield page
    context.close()


def test_first_screen_at_1280x720_holds_controls_cards_and_two_charts(projector: Page):
    page = projector
    for selector in FIRST_SCREEN:
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 720, (selector, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, (selector, box)
    assert page.evaluate("window.scrollY") == 0
    expect(page.get_by_text("This website runs on Solara")).to_have_count(0)


def test_chart_text_is_at_least_14_px_and_numbers_are_german(projector: Page):
    page = projector
    page.locator(".msosim-step").click()
    expect(page.locator('.msosim-chart-volunteers [data-rendered-step="1"]')).to_have_count(1)
    sizes = page.evaluate(FONTS_JS, ".msosim-charts .solara-echarts")
    assert sizes and min(size for size, _ in sizes) >= 14, sorted(sizes)[:8]
    labels = page.evaluate(LABELS_JS, ".msosim-chart-volunteers .solara-echarts")
    assert (labels["thousands"], labels["fraction"]) == ("10.000", "0,8"), labels
    assert any("." in label for label in labels["drawn"]), labels          # e.g. 6.000 volunteers
    assert not any("," in label for label in labels["drawn"]), labels
    coverage = page.evaluate(LABELS_JS, ".msosim-chart-coverage .solara-echarts")["drawn"]
    assert any("," in label for label in coverage), coverage                # 0,2 ... 1,0
    tooltip = page.evaluate("""() => document.querySelector('.msosim-chart-volunteers .solara-echarts').msosimChart
        .getOption().tooltip[0].formatter([{value: [Date.UTC(2015, 2, 15), 10000.5], marker: '', seriesName: 'Politik A',
                                           seriesId: 'A-volunteers'}])""")
    assert tooltip == "März 2015<br/>Politik A: <b>10.000,5</b>", tooltip
    page.locator(".msosim-language button", has_text="en").click()
    expect(page.locator(".msosim-title")).to_have_text("MSO simulation: two policies side by side")
    page.wait_for_function("""() => document.querySelector('.msosim-chart-volunteers .solara-echarts').msosimChart
                              .getOption().yAxis[0].axisLabel.formatter(10000) === '10,000'""", timeout=30_000)
    english = page.evaluate(LABELS_JS, ".msosim-chart-volunteers .solara-echarts")
    assert (english["thousands"], english["fraction"]) == ("10,000", "0.8"), english
    assert any("," in label for label in english["drawn"]), english


def test_room_view_hides_file_names_seed_timings_and_the_facilitator_panel(projector: Page):
    page = projector
    expect(page.locator(".msosim-scenario")).to_contain_text("district.yaml")
    expect(page.locator(".msosim-timing")).to_have_count(1)
    page.get_by_text("Für Moderierende").click()
    page.locator(".msosim-preset-name input").fill("Raum")
    page.locator(".msosim-preset-save").click()
    expect(page.locator(".msosim-message-success")).to_contain_text("raum/policy_b.yaml")
    page.locator(".msosim-room-toggle input").check(force=True)
    expect(page.locator(".msosim-message-success")).to_have_count(0)               # no preset file names in the room
    expect(page.locator(".msosim-room")).to_have_count(1)
    for hidden in (".msosim-scenario", ".msosim-seed", ".msosim-timing", ".msosim-facilitator"):
        expect(page.locator(hidden)).to_have_count(0)
    expect(page.get_by_text("Für Moderierende")).to_have_count(0)
    assert ".yaml" not in page.locator("body").inner_text()
    page.locator(".msosim-room-toggle input").uncheck(force=True)           # no PIN set: the switch is free
    expect(page.locator(".msosim-scenario")).to_be_visible()


def test_with_a_pin_pages_open_in_room_view_and_only_the_pin_leaves_it(browser, pin_server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(pin_server["url"])
    expect(page.locator(".msosim-step-counter")).to_contain_text("Schritt 0", timeout=60_000)
    expect(page.locator(".msosim-room")).to_have_count(1)
    budget = page.locator(".msosim-lever-B-budget_factor input")             # levers stay on the table in room view
    budget.fill("2")
    budget.press("Enter")
    expect(page.locator(".msosim-lever:has(.msosim-lever-B-budget_factor) .msosim-lever-value")).to_have_text("2,00")
    page.locator(".msosim-play").click()
    wait_for_step(page, 18, timeout=120.0)
    page.locator(".msosim-play").click()
    expect(page.locator(".msosim-step")).to_be_enabled()
    step = int(page.locator(".msosim-step-counter").inner_text().split()[1])
    expect(page.locator(f'.msosim-chart-staff [data-rendered-step="{step}"]')).to_have_count(1)
    save_room_screenshot(page)
    page.locator(".msosim-room-toggle input").uncheck(force=True)
    pin = page.locator(".msosim-room-pin input")
    pin.fill("1111")
    pin.press("Enter")
    expect(page.locator(".msosim-room-pin")).to_contain_text("falsche PIN")
    expect(page.locator(".msosim-room")).to_have_count(1)
    expect(page.locator(".msosim-seed")).to_have_count(0)
    pin.fill("2468")
    pin.press("Enter")
    expect(page.locator(".msosim-room")).to_have_count(0)
    expect(page.get_by_text("Für Moderierende")).to_be_visible()
    context.close()


def save_room_screenshot(page: Page) -> None:
    """The room view at 1280x720 into test-artifacts/; into docs/img/ for the README with MSOSIM_UPDATE_SCREENSHOTS=1."""
    root = Path(__file__).resolve().parents[1]
    folder = root / "docs" / "img" if os.environ.get("MSOSIM_UPDATE_SCREENSHOTS") == "1" else root / "test-artifacts"
    target = folder / "dashboard-room-1280x720.png"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target))
    assert target.stat().st_size > 20_000


SPREAD = ((0.04, 0.06), (0.95, 0.1), (0.52, 0.5), (0.18, 0.9), (0.83, 0.66))   # fractions of the occupied grid


def test_a_click_on_the_population_view_hits_an_mso_at_5_of_5_spread_points(dashboard: Page):
    from msosim import MSOModel, load_scenario
    from msosim.dashboard.population import MARGIN, grid_columns, grid_lines

    page = dashboard
    initial = MSOModel(load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "district.yaml"), seed=1).initial_count
    columns = grid_columns(initial)
    lines, full_lines = grid_lines(initial, initial, columns), initial // columns
    box = page.locator(".msosim-population-A canvas").first.bounding_box()
    cell_width, cell_height = (box["width"] - 2 * MARGIN) / columns, (box["height"] - 2 * MARGIN) / lines
    assert min(cell_width, cell_height) >= 10, (cell_width, cell_height)
    hits = []
    for fx, fy in SPREAD:
        x, y = fx * columns * cell_width, fy * full_lines * cell_height
        row = int(y // cell_height) * columns + int(x // cell_width)
        page.mouse.click(box["x"] + MARGIN + x, box["y"] + MARGIN + y)
        expect(page.locator(".msosim-story-title")).to_have_text(f"Geschichte von MSO {row}")
        hits.append(row)
    assert len(set(hits)) == 5, hits
    x, y = 0.5 * cell_width, 0.5 * cell_height           # hover on the first MSO: its number and state, filled in
    page.mouse.move(box["x"] + MARGIN + x + 1, box["y"] + MARGIN + y + 1)
    page.mouse.move(box["x"] + MARGIN + x, box["y"] + MARGIN + y)
    tip = page.locator(".msosim-population-A div", has_text=re.compile(r"^MSO \d+ · ")).last
    expect(tip).to_have_text(re.compile(r"^MSO 0 · (nur Ehrenamt|mit Personal)"))


def test_the_facilitator_puts_the_msos_cards_on_top(dashboard: Page):
    page = dashboard
    page.get_by_text("Für Moderierende").click()
    page.locator(".msosim-cards-choice .v-input__append-inner").click()       # the arrow (a click on a chip does not open it)
    page.get_by_role("option", name="Ehrenamtliche", exact=True).click()
    page.get_by_role("option", name="Versorgungsgrad").click()
    expect(page.locator(".msosim-headline-volunteers")).to_have_count(1)          # three chosen: the page keeps four
    page.get_by_role("option", name="Aufgelöste MSO (bisher)").click()
    page.get_by_role("option", name="Öffentliches Geld an rein ehrenamtliche MSO").click()
    page.keyboard.press("Escape")
    expect(page.locator(".msosim-headline-dissolved_total")).to_contain_text("Ehrenamt / Insolvenz / sonstige")
    expect(page.locator(".msosim-headline-public_money_volunteer_only_share .msosim-headline-a")).to_contain_text(" %")
    expect(page.locator(".msosim-headline-volunteers")).to_have_count(0)
    expect(page.locator(".msosim-headline > div")).to_have_count(4)
