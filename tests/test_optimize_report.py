"""The optimisation report: its files, and sentences generated from the same numbers as its tables."""

from __future__ import annotations

import pandas as pd
import pytest

from msosim.experiments.executors import ProcessPool
from msosim.experiments.optimize import optimise
from msosim.experiments.optimize_file import load_optimisation
from msosim.experiments.store import Store
from msosim.reporting.findings_format import signed
from msosim.reporting.optimize import FIGURES, TABLES, dominating, findings, measurable, write_report

from .optimize_helpers import write_optimisation


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    optimisation = load_optimisation(write_optimisation(tmp_path_factory.mktemp("report"), "report"))
    with Store.open(None) as store:
        return optimise(optimisation, store, ProcessPool(1))


def test_report_folder_holds_tables_figures_and_page(result, tmp_path) -> None:
    page = write_report(result, tmp_path / "report")
    names = {p.name for p in (tmp_path / "report").iterdir()}
    assert {*TABLES, *FIGURES, "report.html"} <= names
    text = page.read_text(encoding="utf-8")
    assert "data:image/png;base64," in text and "today" in text
    pareto = pd.read_csv(tmp_path / "report" / "pareto.csv")
    assert pareto["point"].iloc[0] == "today" and (pareto["lever_spending"] / result.budget - 1).abs().max() < 0.01


def test_sentences_carry_the_checked_numbers(result) -> None:
    lines = findings(result, "en")
    check = result.checked
    for point in result.pareto["point"].iloc[1:]:
        sentence = next(line for line in lines if line.startswith(f"{point} puts"))
        for _, row in check[check["point"] == point].iterrows():
            assert f"{row['objective']}:" in sentence
            said = [f"{signed(row['diff'], 'en', d) if measurable(row) else 'no measurable difference'} (95% interval "
                    f"{signed(row['diff_low'], 'en', d)} to {signed(row['diff_high'], 'en', d)})" for d in range(-2, 6)]
            assert any(text in sentence for text in said), (sentence, row.to_dict())
    better = dominating(check, result)
    assert lines[-1].startswith(f"{len(better)} of" if better else "None of")


def test_dominating_follows_the_intervals(result) -> None:
    check = result.checked.copy()
    check.loc[check["point"] != "today", ["diff_low", "diff_high"]] = [1.0, 2.0]  # every point better in everything
    maximise = {o.name: o.maximise for o in result.optimisation.objectives}
    assert all(maximise.values())  # the tiny file maximises both objectives
    assert dominating(check, result) == list(result.pareto["point"].iloc[1:].drop_duplicates())
    check.loc[check["objective"] == "alive", ["diff_low", "diff_high"]] = [-2.0, -1.0]  # measurably worse in one
    assert dominating(check, result) == []
