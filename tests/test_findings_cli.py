"""`msosim compare` with findings: German findings first, the brief (one PDF page), budget-neutral scaling, bad --brief."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from msosim.cli import app

from .conftest import SCENARIOS


@pytest.fixture
def small(tmp_path) -> list[Path]:
    """A tiny district and the same with micro-grants (which spends more)."""
    base = tmp_path / "small.yaml"
    base.write_text(f"extends: {SCENARIOS / 'district.yaml'}\nname: small\npopulation:\n  land: HB\n")
    other = tmp_path / "small_micro.yaml"
    other.write_text("extends: small.yaml\nname: small_micro\npolicy:\n  micro_grants_budget: 20000000\n")
    return [base, other]


def test_compare_prints_findings_first_and_writes_the_brief(small, tmp_path) -> None:
    brief = tmp_path / "out" / "brief.pdf"
    args = ["compare", *map(str, small), "--reps", "3", "--years", "2", "--workers", "1", "--store",
            str(tmp_path / "s.duckdb"), "--report", str(tmp_path / "report"), "--lang", "de", "--brief", str(brief)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("Ergebnisse") < out.index("Szenarienvergleich") and "keine Prognose" in out
    assert "gibt" in out and "mehr öffentliche Mittel aus als small" in out  # the spends-more flag
    pdf = brief.read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type /Page\b", pdf)) == 1
    html = (tmp_path / "report" / "report.html").read_text()
    assert html.index('id="findings"') < html.index("class='outcomes'")
    refused = CliRunner().invoke(app, args)  # the report and brief msosim wrote are replaced only with --overwrite
    assert refused.exit_code == 2 and "--overwrite" in refused.output, refused.output
    again = CliRunner().invoke(app, [*args, "--overwrite"])
    assert again.exit_code == 0, again.output


def test_a_brief_named_html_is_one_html_page_in_and_outside_the_report_folder(small, tmp_path) -> None:
    for brief in (tmp_path / "elsewhere" / "brief.html", tmp_path / "report" / "brief.html"):
        args = ["compare", *map(str, small), "--reps", "2", "--years", "1", "--workers", "1", "--store",
                str(tmp_path / "s.duckdb"), "--report", str(tmp_path / "report"), "--lang", "en", "--brief", str(brief),
                "--overwrite"]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        page = brief.read_text(encoding="utf-8")
        assert page.startswith("<!doctype html>") and "msosim compare --brief" in page and "Findings: small / small_micro" in page


def test_a_brief_path_holding_a_user_file_is_refused_before_running(small, tmp_path) -> None:
    mine = tmp_path / "notes.pdf"
    mine.write_text("my notes")
    result = CliRunner().invoke(app, ["compare", *map(str, small), "--reps", "1", "--years", "1", "--store",
                                      str(tmp_path / "s.duckdb"), "--brief", str(mine)])
    assert result.exit_code == 2 and "--brief" in result.output and "Traceback" not in result.output
    assert mine.read_text() == "my notes" and not (tmp_path / "s.duckdb").exists()


def test_budget_neutral_scales_the_scenario_that_spends_more(small, tmp_path) -> None:
    result = CliRunner().invoke(app, ["compare", *map(str, small), "--reps", "2", "--years", "2", "--workers", "1",
                                      "--store", str(tmp_path / "s.duckdb"), "--report", str(tmp_path / "r"),
                                      "--budget-neutral", "--lang", "en"])
    assert result.exit_code == 0, result.output
    line = re.search(r"budget-neutral: small_micro \(budget-neutral\): budgets x ([\d.]+), public spending ([-+][\d.]+)%",
                     result.output)
    assert line, result.output
    assert float(line.group(1)) < 1 and abs(float(line.group(2))) <= 1.0
    assert "spends" not in result.stdout.split("Scenario comparison")[0]  # no longer flagged as spending more
