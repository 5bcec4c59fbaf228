"""The comparison report in Chromium: the findings section is the first content, and no caption names a
scenario that is not in the comparison. Without /usr/bin/chromium this test fails (CI installs it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from msosim.experiments.batch import compare
from msosim.reporting.report import load_report_data, write_report
from msosim.experiments.store import Store

from .conftest import SCENARIOS

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
SHIPPED = {path.stem for path in SCENARIOS.glob("*.yaml")} | {"institutional funding", "institutionelle Förderung"}


@pytest.mark.parametrize("lang", ["en", "de"])
def test_findings_come_first_and_captions_name_only_compared_scenarios(tmp_path, lang) -> None:
    base = tmp_path / "small.yaml"
    base.write_text(f"extends: {SCENARIOS / 'district.yaml'}\nname: small\npopulation:\n  land: HB\n")
    other = tmp_path / "small_dialogue.yaml"
    other.write_text("extends: small.yaml\nname: small_dialogue\npolicy:\n  dialogue_formats: 0.8\n")
    compare([base, other], reps=2, years=1, workers=1, store=tmp_path / "s.duckdb")
    with Store.open(tmp_path / "s.duckdb") as store:
        page_path = write_report(load_report_data(store), tmp_path / "report", lang)
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: install it with `apt-get install -y chromium`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(page_path.resolve().as_uri())
            first = page.evaluate("document.querySelector('h1').nextElementSibling.id")
            assert first == "findings"
            box = page.locator("#findings li").first.bounding_box()
            assert box is not None and box["y"] < 900, "the first finding is visible without scrolling"
            captions = page.locator("figcaption, caption").all_inner_texts()
        finally:
            browser.close()
    assert len(captions) >= 8
    compared = {"small", "small_dialogue"}
    for caption in captions:
        for name in SHIPPED - compared:
            assert not re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", caption), (name, caption)
