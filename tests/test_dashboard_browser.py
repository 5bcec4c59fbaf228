"""The dashboard in a real browser: `msosim dashboard` on a free loopback port, headless Chromium via Playwright.

Chromium is found as the machine has it (MSOSIM_CHROMIUM / CHROME_PATH, chromium or google-chrome on PATH,
Playwright's own); without one these tests are skipped with one line saying how to get one, and fail under CI=true
(tests/conftest.py). CI installs it: `apt-get install -y chromium`.
Screenshots and measured step times go to test-artifacts/.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from msosim import MSOModel, load_scenario
from msosim.dashboard.charts import CHART_SPECS
from msosim.dashboard.population import (
    HEADROOM,
    MARGIN,
    cell_of,
    grid_columns,
    grid_lines,
)
from .browser_helpers import choose, step_number, wait_for_step

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("require_chromium")]

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


def headline(page: Page, key: str) -> tuple[str, str]:
    card = page.locator(f".msosim-headline-{key}")
    return card.locator(".msosim-headline-a").inner_text(), card.locator(".msosim-headline-b").inner_text()


def lever_value(page: Page, policy: str, name: str) -> str:
    return page.locator(f".msosim-lever:has(.msosim-lever-{policy}-{name}) .msosim-lever-value").inner_text()


def press_on_slider(page: Page, policy: str, name: str, key: str, times: int = 1) -> None:
    thumb = page.locator(f".msosim-lever-{policy}-{name} [role=slider]")
    thumb.focus()
    for _ in range(times):
        thumb.press(key)


def save_screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def type_number(page: Page, policy: str, name: str, text: str) -> None:
    field = page.locator(f".msosim-lever-{policy}-{name} input")
    field.fill(text)
    field.press("Enter")


def test_lever_step_and_play_move_both_policies(dashboard: Page):
    page = dashboard
    assert lever_value(page, "B", "application_support") == "0,00"
    track = page.locator(".msosim-lever-B-application_support .v-slider")
    box = track.bounding_box()
    page.mouse.click(box["x"] + 0.7 * box["width"], box["y"] + box["height"] / 2)
    expect(page.locator(".msosim-lever:has(.msosim-lever-B-application_support) .msosim-lever-value")).not_to_have_text("0,00")
    assert 0.5 < float(lever_value(page, "B", "application_support").replace(",", ".")) < 0.9
    type_number(page, "B", "budget_factor", "1,5")
    expect(page.locator(".msosim-lever:has(.msosim-lever-B-budget_factor) .msosim-lever-value")).to_have_text("1,50")
    assert lever_value(page, "A", "budget_factor") == "1,00"
    assert lever_value(page, "A", "application_support") == "0,00"
    chart = page.locator(".msosim-chart-staff canvas").first
    before = chart.screenshot()
    page.locator(".msosim-step").click()
    wait_for_step(page, 1)
    time.sleep(0.5)
    assert chart.screenshot() != before, "the staff chart did not change after a step"
    page.locator(".msosim-play").click()
    wait_for_step(page, 6)
    page.locator(".msosim-play").click()
    expect(page.locator(".msosim-step")).to_be_enabled()
    staff_a, staff_b = headline(page, "staff_fte")
    assert staff_a[2:] != staff_b[2:], (staff_a, staff_b)
    assert page.locator(".msosim-headline-staff_fte .msosim-headline-diff").inner_text().startswith("B − A: +")
    a_view = page.locator(".msosim-population-A canvas").first.screenshot()
    b_view = page.locator(".msosim-population-B canvas").first.screenshot()
    assert a_view != b_view, "the population views of A and B look the same"
    expect(page.locator(".msosim-ticker-item").first).to_be_visible()
    save_screenshot(page, "dashboard-after-play.png")


def test_every_chart_marks_the_step_it_drew(dashboard: Page):
    """The live charts and both population views say which step they show (benchmarks/dashboard_browser.py waits for it)."""
    page = dashboard
    drawn = len(CHART_SPECS) + 2
    expect(page.locator('[data-rendered-step="0"]')).to_have_count(drawn)
    page.locator(".msosim-step").click()
    expect(page.locator(".msosim-step-counter")).to_contain_text("Schritt 1")
    expect(page.locator('[data-rendered-step="1"]')).to_have_count(drawn)
    expect(page.locator(".msosim-charts [data-rendered-step]")).to_have_count(len(CHART_SPECS))
    page.locator(".msosim-step").click()
    expect(page.locator('[data-rendered-step="2"]')).to_have_count(drawn)


def test_language_toggle_switches_labels_live(dashboard: Page):
    page = dashboard
    expect(page.locator(".msosim-title")).to_have_text("MSO-Simulation: zwei Politiken im Vergleich")
    expect(page.locator(".msosim-headline-alive")).to_contain_text("MSO aktiv")
    page.locator(".msosim-language button", has_text="en").click()
    expect(page.locator(".msosim-title")).to_have_text("MSO simulation: two policies side by side")
    expect(page.locator(".msosim-headline-alive")).to_contain_text("MSOs alive")
    expect(page.locator(".msosim-policy-B")).to_contain_text("Funding budget (factor)")
    expect(page.locator(".msosim-step-counter")).to_contain_text("Step 0")
    page.locator(".msosim-language button", has_text="de").click()
    expect(page.locator(".msosim-policy-B")).to_contain_text("Förderbudget (Faktor)")


def test_clicking_an_mso_shows_its_story(dashboard: Page):
    page = dashboard
    page.locator(".msosim-step").click()
    wait_for_step(page, 1)
    initial = MSOModel(load_scenario(ROOT / "scenarios" / "district.yaml"), seed=1).initial_count
    columns = grid_columns(initial)
    lines = grid_lines(initial, initial, columns)
    assert HEADROOM > 1
    row = 12
    x, y = cell_of(row, columns)
    canvas = page.locator(".msosim-population-A canvas").first
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + MARGIN + (x + 0.5) / columns * (box["width"] - 2 * MARGIN),
                     box["y"] + MARGIN + (y + 0.5) / lines * (box["height"] - 2 * MARGIN))
    expect(page.locator(".msosim-story-title")).to_have_text(f"Geschichte von MSO {row}")
    expect(page.locator(".msosim-story-facts")).to_contain_text("Ehrenamtliche")
    expect(page.locator(".msosim-story")).to_contain_text("Ereignis")
    expect(page.locator(".msosim-story-events-A")).to_be_visible()          # each policy's events in its own column
    expect(page.locator(".msosim-story-events-B")).to_be_visible()
    page.locator(".msosim-mso-picker input").fill("3")
    page.locator(".msosim-mso-picker input").press("Enter")
    expect(page.locator(".msosim-story-title")).to_have_text("Geschichte von MSO 3")
    save_screenshot(page, "dashboard-story.png")


def test_bad_input_shows_a_message_never_a_crash(dashboard: Page, server):
    page = dashboard
    choose(page, "msosim-scenario", "broken.yaml")
    message = page.locator(".msosim-message-error")
    expect(message).to_contain_text("broken.yaml")
    expect(message).to_contain_text("YAML")
    press_on_slider(page, "B", "application_hours_factor", "End")
    hours = page.locator(".msosim-lever:has(.msosim-lever-B-application_hours_factor)")
    expect(hours.locator(".msosim-lever-value")).to_have_text("10,00")
    expect(hours.locator(".msosim-limit-note")).to_be_visible()
    press_on_slider(page, "B", "application_hours_factor", "Home")
    expect(hours.locator(".msosim-lever-value")).to_have_text("0,00")
    press_on_slider(page, "B", "application_support", "End")
    type_number(page, "B", "budget_factor", "1001")
    expect(page.locator(".msosim-message-error")).to_contain_text("Förderbudget (Faktor)")
    expect(page.locator(".msosim-lever:has(.msosim-lever-B-budget_factor) .msosim-lever-value")).to_have_text("1,00")
    page.locator(".msosim-step").click()
    wait_for_step(page, 1)
    budget = page.locator(".msosim-lever-B-micro_grants_budget input")
    budget.fill("viel Geld")
    budget.press("Enter")
    expect(page.locator(".msosim-lever:has(.msosim-lever-B-micro_grants_budget)")).to_contain_text("keine Zahl")
    budget.fill("99.000.000.000")
    budget.press("Enter")
    expect(page.locator(".msosim-message-error")).to_contain_text("Budget Mikroförderung")
    page.locator(".msosim-step").click()
    wait_for_step(page, 2)
    save_screenshot(page, "dashboard-bad-input.png")
    assert "Traceback" not in server["log"].read_text(errors="replace")


def test_facilitator_preset_lock_and_downloads(dashboard: Page, server, monkeypatch):
    page = dashboard
    choose(page, "msosim-lever-B-funding_mode", "institutionelle Förderung")
    expect(page.locator(".msosim-lever-B-funding_mode")).to_contain_text("institutionelle Förderung")
    page.get_by_text("Für Moderierende").click()
    page.locator(".msosim-table-dialogue_formats label").click()
    expect(page.locator(".msosim-table-dialogue_formats input")).not_to_be_checked()
    expect(page.locator(".msosim-lever-A-dialogue_formats")).to_have_class(re.compile("v-input--is-disabled"))
    page.locator(".msosim-preset-name input").fill("Workshop 1")
    page.locator(".msosim-preset-save").click()
    expect(page.locator(".msosim-message-success")).to_contain_text("workshop-1/policy_b.yaml")
    folder = server["presets"] / "workshop-1"
    monkeypatch.chdir(server["presets"].parent)  # a facilitator's project folder: presets/ beside scenarios/
    assert load_scenario(folder / "policy_b.yaml").policy.funding_mode == "institutional"
    page.locator(".msosim-step").click()
    wait_for_step(page, 1)
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Lauf als CSV").click()
    text = Path(csv_download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# Szenario: ") and "\nPolitik;Schritt;Jahr;MSO aktiv;" in text and "\nB;" in text
    with page.expect_download() as brief_download:
        page.get_by_role("button", name="Einseitiges Briefing (PDF)").click()
    assert Path(brief_download.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as charts_download:
        page.get_by_role("button", name="Diagramme als PNG").click()
    assert Path(charts_download.value.path()).read_bytes().startswith(b"\x89PNG")
    page.locator(".msosim-table-dialogue_formats label").click()
    expect(page.locator(".msosim-table-dialogue_formats input")).to_be_checked()
    expect(page.locator(".msosim-lever-A-dialogue_formats")).not_to_have_class(re.compile("v-input--is-disabled"))
    choose(page, "msosim-preset-list", "workshop-1")
    page.locator(".msosim-preset-load").click()
    expect(page.locator(".msosim-message-success")).to_contain_text("workshop-1")
    expect(page.locator(".msosim-lever-A-dialogue_formats")).to_have_class(re.compile("v-input--is-disabled"))
    expect(page.locator(".msosim-lever-B-funding_mode")).to_contain_text("institutionelle Förderung")


def play_rate(page: Page, seconds: float) -> dict:
    """Steps per second while playing at full speed, and the page's own timing line."""
    start = step_number(page)
    page.locator(".msosim-play").click()
    started = time.monotonic()
    time.sleep(seconds)
    end = step_number(page)
    elapsed = time.monotonic() - started
    timing = page.locator(".msosim-timing").inner_text()
    page.locator(".msosim-play").click()
    steps = end - start
    return {"steps": steps, "seconds": round(elapsed, 2), "ms_per_step": round(1000 * elapsed / max(steps, 1), 1),
            "page_timing": timing}


def test_step_times_at_district_and_national_scale(dashboard: Page):
    page = dashboard
    speed = page.locator(".msosim-speed [role=slider]")
    speed.focus()
    speed.press("End")
    district = play_rate(page, 6.0)
    assert district["steps"] >= 6, district
    assert district["ms_per_step"] < 1000, district
    choose(page, "msosim-scale", "National")
    expect(page.locator(".msosim-step-counter")).to_contain_text("Schritt 0", timeout=60_000)
    expect(page.locator(".msosim-headline-alive .msosim-headline-a")).to_contain_text(re.compile(r"A \d+\.\d{3}"))
    national = play_rate(page, 10.0)
    assert national["steps"] >= 3, national
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "dashboard-step-times.json").write_text(json.dumps({"district": district, "national": national}, indent=2))
    print(f"\ndistrict: {district}\nnational: {national}")
    save_screenshot(page, "dashboard-national.png")
