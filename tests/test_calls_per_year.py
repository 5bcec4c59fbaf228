"""Funders with several calls a year (issue 15: realistic numbers of calls per funder and year)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msosim.agents.funder import call_steps
from msosim.experiments import grant_calls
from msosim.model import MSOModel
from msosim.policy import FunderConfig, default_funders
from msosim.scenario import load_scenario

from .conftest import SCENARIOS, SMALL


def test_calls_are_spread_evenly_from_the_first_call_month() -> None:
    assert call_steps(FunderConfig(call_month=2, calls_per_year=4), 12) == {1, 4, 7, 10}
    assert call_steps(FunderConfig(call_month=11, calls_per_year=2), 12) == {10, 4}
    assert call_steps(FunderConfig(call_month=3), 12) == {2}
    assert call_steps(FunderConfig(calls_per_year=12), 4) == {0, 1, 2, 3}  # quarterly steps: one call each
    funders = default_funders()
    assert funders["foundations"].calls_per_year == 12 and funders["federal_projects"].calls_per_year == 1


def _run(calls: int, seed: int = 3, years: float = 3.0) -> tuple[MSOModel, dict[str, pd.DataFrame]]:
    scenario = load_scenario(SCENARIOS / "baseline.yaml", {**SMALL, "funders.foundations.calls_per_year": calls})
    model = MSOModel(scenario, seed=seed)
    return model, model.run(years).tables()


def test_a_call_awards_at_most_its_share_of_the_yearly_budget() -> None:
    """Foundations calling four times a year: applications in four steps a year and awards only in them, each
    call's new grants within a quarter of the budget, and the money a year awards close to what one yearly call
    awards. Not every call need award: the fourth of a year has what the first three left of the year's budget
    (34-45k EUR here), and applications are funded in rank order while the running total fits (the funding
    line), so an over-large ask at the top takes the call (calibration of 2026-12-06, seed 3: Bremen's fourth
    calls award nothing)."""
    model, tables = _run(4)
    funder = next(f for f in model.funders if f.name == "foundations")
    events = tables["events"]
    mine = events[events["funder"].astype(str) == "foundations"]
    applied, awarded = mine[mine["event"] == "grant_applied"], mine[mine["event"] == "grant_awarded"]
    assert {(int(step) - 1) % 12 for step in applied["step"]} == {2, 5, 8, 11}
    per_call = awarded.groupby("step")["amount"].sum()
    assert {(int(step) - 1) % 12 for step in per_call.index} <= {2, 5, 8, 11} and len(per_call) >= 6
    assert (per_call <= funder.budget / 4 + 1e-6).all()
    _, yearly = _run(1)
    once = yearly["events"]
    once = once[(once["event"] == "grant_awarded") & (once["funder"].astype(str) == "foundations")]
    assert awarded["amount"].sum() == pytest.approx(once["amount"].sum(), rel=0.35)


def test_the_chance_to_apply_is_spread_over_the_calls() -> None:
    """An MSO applies to a funder with twelve calls about as often in a year as to one with a single call, not
    twelve times as often (the year's chance spread over the calls); reapplication finds the next call a month on."""
    _, monthly = _run(12)
    _, yearly = _run(1)

    def per_mso_year(tables: dict[str, pd.DataFrame]) -> float:
        calls = grant_calls.applications(tables)
        calls = calls[calls["funder"] == "foundations"]
        return len(calls) / tables["model"]["alive"].mean() / 3.0

    ratio = per_mso_year(monthly) / per_mso_year(yearly)
    assert 0.5 < ratio < 2.5, ratio
    calls = grant_calls.applications(monthly)
    calls = calls[calls["funder"] == "foundations"]
    gaps = np.diff(np.sort(calls["step"].unique()))
    assert np.mean(gaps == 1) >= 0.9, gaps  # a month without an applicant in one district can happen; most have one
    assert (grant_calls.next_calls(calls, 12, monthly["funders"]) - calls["step"].to_numpy() == 1).all()
    assert (grant_calls.next_calls(calls, 12) - calls["step"].to_numpy() == 12).all()  # without the table: a year
