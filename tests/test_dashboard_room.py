"""The dashboard in the room (issue 17), in a real browser: ensemble bands and verdicts, the projector layout."""

from __future__ import annotations

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
        expect(page.locator(f".msosim-headline-{key} .msosim-headline-verdict")).to_have_text("kein klarer Unterschied")
    expect(page.locator(".msosim-headline-volunteers .msosim-headline-diff")).to_contain_text("90 %: ±0 bis ±0")
    choose(page, "msosim-replications", "1 (Geschichte: ein möglicher Verlauf)")
    expect(page.locator(".msosim-step-counter")).to_contain_text("Schritt 0")
    expect(page.locator(".msosim-headline-volunteers .msosim-headline-verdict")).to_contain_text("ein möglicher Verlauf")
    assert not any(series["area"] for series in drawn_series(page, "volunteers"))
