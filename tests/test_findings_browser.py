"""The comparison report in Chromium: the findings section is the first content, and no caption names a
scenario that is not in the comparison. Chromium is found as for every browser test (tests/conftest.py)."""

from __future__ import annotations

import re

import pytest

from msosim.experiments.batch import compare
from msosim.reporting.report import load_report_data, write_report
from msosim.experiments.store import Store

from .conftest import SCENARIOS

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("require_chromium")]
SHIPPED = {path.stem for path in SCENARIOS.glob("*.yaml")} | {"institutional funding", "institutionelle Förderung"}


@pytest.mark.parametrize("lang", ["en", "de"])
def test_findings_come_first_and_captions_name_only_compared_scenarios(tmp_path, lang, page) -> None:
    base = tmp_path / "small.yaml"
    base.write_text(f"extends: {SCENARIOS / 'district.yaml'}\nname: small\npopulation:\n  land: HB\n")
    other = tmp_path / "small_dialogue.yaml"
    other.write_text("extends: small.yaml\nname: small_dialogue\npolicy:\n  dialogue_formats: 0.8\n")
    compare([base, other], reps=2, years=1, workers=1, store=tmp_path / "s.duckdb")
    with Store.open(tmp_path / "s.duckdb") as store:
        page_path = write_report(load_report_data(store), tmp_path / "report", lang)
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(page_path.resolve().as_uri())
    first = page.evaluate("document.querySelector('h1').nextElementSibling.id")
    assert first == "findings"
    box = page.locator("#findings li").first.bounding_box()
    assert box is not None and box["y"] < 900, "the first finding is visible without scrolling"
    captions = page.locator("figcaption, caption").all_inner_texts()
    assert len(captions) >= 8
    compared = {"small", "small_dialogue"}
    for caption in captions:
        for name in SHIPPED - compared:
            assert not re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", caption), (name, caption)
