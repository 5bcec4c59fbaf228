"""The pandemic's money channel: funders make up the earned income a grant's staff lose (Fehlbedarfsfinanzierung),
so the pandemic hits volunteer-only MSOs hardest (validate check L6), not the staffed ones through thin margins."""

from __future__ import annotations

import numpy as np

from msosim import MSOModel
from msosim.submodels.events import factors_at

from .conftest import SCENARIOS
from .mechanism_helpers import assert_direction

DISTRICT = SCENARIOS / "district.yaml"
PANDEMIC_YEARS = (2020.2, 2022.7)  # the pandemic and the year after it, as check L6 counts


def insolvencies_in_the_pandemic(seed: int, cover: float) -> int:
    events = [{"kind": "pandemic", "start": 2020.2, "shortfall_cover": cover}]
    model = MSOModel(DISTRICT, seed=seed, events=events, **{"policy.budget_factor": 10.0}).run(9)
    table = model.tables(("events",))["events"]
    year = model.config.start_year + table["step"] / model.config.steps_per_year
    window = (year >= PANDEMIC_YEARS[0]) & (year < PANDEMIC_YEARS[1])
    return int(((table["event"] == "dissolved") & (table["cause"] == "insolvency") & window).sum())


def test_the_cover_is_paid_only_while_the_pandemic_lasts():
    model = MSOModel(DISTRICT, seed=1)
    assert factors_at(model, 2019.0).shortfall_cover == 0.0
    assert factors_at(model, 2020.5).shortfall_cover == 1.0 and factors_at(model, 2020.5).income < 1.0
    assert factors_at(model, 2022.0).shortfall_cover == 0.0


def test_funders_making_up_lost_earned_income_cut_insolvencies_in_the_pandemic():
    """Ten times today's budgets (many MSOs hold several grants): without the cover the pandemic's loss of a quarter
    of earned income ruins grant holders; with it, fewer go insolvent (paired seeds)."""
    seeds = (1, 2, 3)
    without = np.array([insolvencies_in_the_pandemic(seed, 0.0) for seed in seeds])
    covered = np.array([insolvencies_in_the_pandemic(seed, 1.0) for seed in seeds])
    assert_direction(covered, without, "insolvencies in the pandemic without the cover")


def test_the_cover_is_grant_money_and_money_stays_conserved():
    events = [{"kind": "pandemic", "start": 2014.0, "duration_years": 2.0}]
    covered = MSOModel(DISTRICT, seed=2, events=events).run(1)
    plain = MSOModel(DISTRICT, seed=2, events=[{**events[0], "shortfall_cover": 0.0}]).run(1)
    assert covered.funder_paid.sum() > plain.funder_paid.sum()
    m = covered.msos
    assert abs(covered.funder_paid.sum() - m.grant_income_total[: m.n].sum()) < 0.01
    grants = covered.tables(("grants",))["grants"]
    assert abs(grants["paid"].sum() - covered.funder_paid.sum()) < 0.01
