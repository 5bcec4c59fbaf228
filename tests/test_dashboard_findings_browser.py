"""The dashboard's findings in Chromium (1280x720): the sentences on screen are the sentences of the one-page brief
(HTML download), in German and after switching to English; the page answers while a lever change reruns."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .browser_helpers import choose

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("require_chromium")]


def brief_sentences(page: Page, button: str) -> list[str]:
    """The findings sentences of the HTML brief the page downloads."""
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name=button).click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "msosim compare --brief" in text and "brief-levers" in text
    return [html.unescape(s) for s in re.findall(r"<li class='brief-finding'>(.*?)</li>", text)]


def screen_sentences(page: Page) -> list[str]:
    expect(page.locator(".msosim-findings .msosim-finding").first).to_be_visible(timeout=120_000)
    return page.locator(".msosim-findings .msosim-finding").all_inner_texts()


def test_brief_sentences_equal_the_findings_on_screen(dashboard: Page):
    page = dashboard
    page.set_viewport_size({"width": 1280, "height": 720})
    expect(page.locator(".msosim-findings")).to_contain_text("nach dem ersten Schritt")
    started = time.perf_counter()
    choose(page, "msosim-lever-B-funding_mode", "institutionelle Förderung")
    expect(page.locator(".msosim-lever-B-funding_mode")).to_contain_text("institutionelle Förderung")
    answered = time.perf_counter() - started
    for _ in range(3):
        page.locator(".msosim-step").click()
    expect(page.locator(".msosim-step-counter")).to_contain_text("Schritt 3", timeout=120_000)
    german = screen_sentences(page)
    assert any("Politik B" in s and "Politik A" in s for s in german), german
    assert brief_sentences(page, "Briefing (HTML)") == german
    page.locator(".msosim-language button", has_text="en").click()
    expect(page.locator(".msosim-findings")).to_contain_text("Policy B", timeout=120_000)
    english = screen_sentences(page)
    assert english != german and brief_sentences(page, "Brief (HTML)") == english
    assert answered < 30, f"the lever change answered after {answered:.1f} s"
