"""Helpers for the mechanism tests: hand-made populations, grants, and paired run comparisons."""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pandas as pd

from msosim import MSOModel, run_outcomes
from msosim.metrics import new_flow
from msosim.state import MATRIX_COLUMNS, MSO_COLUMNS, PROJECT, EventLog
from msosim.submodels.events import Factors

# Mechanism tests start from today's tables (no spin-up: a mechanism is tested on the population it is given).
SMALL = {"population.scale": "district", "population.land": "HB", "population.initial": "tables"}  # about 120 MSOs
LARGE = {"population.scale": "district", "population.land": "NW", "population.initial": "tables"}  # about 430 MSOs
SEEDS = (1, 2, 3, 4, 5)


def small_model(seed: int = 1, **overrides) -> MSOModel:
    """A one-district model (Bremen) with dotted-key overrides."""
    return MSOModel(None, seed=seed, **{**SMALL, **overrides})


def hand_made(model: MSOModel, count: int, *, t: int = 1, **columns) -> MSOModel:
    """Replace the population by `count` blank, alive MSOs in district 0 (no grants, ties, events), then set columns."""
    m = model.msos
    m.reserve(max(count - m.n, 0))
    m.n = count
    for name in (*MSO_COLUMNS, *MATRIX_COLUMNS):
        getattr(m, name)[:count] = 0
    m.alive[:count] = True
    m.died_step[:count] = -1
    m.last_grant_start[:count] = -10_000
    m.land[:count] = model.districts.land[0]
    model.grants.n = 0
    model.ties.n = 0
    model.admin_hours = np.zeros(count)
    model.factors = Factors()
    model.flow = new_flow()
    model.log = EventLog()
    model.t = t
    for name, value in columns.items():
        getattr(m, name)[:count] = value
    return model


def add_grant(model: MSOModel, mso, *, amount: float, start: int, end: int, staff_fte: float = 0.0,
              material: float = 0.0, in_kind: float = 0.0, kind: int = PROJECT, funder: int = 0) -> np.ndarray:
    """Append active grants (one per MSO row in `mso`) paying `amount` EUR/year from `start` to `end` (exclusive)."""
    mso = np.atleast_1d(np.asarray(mso, dtype=np.int64))
    rows = model.grants.append(mso.size, mso=mso, funder=funder, kind=kind, amount_per_year=amount,
                               project_cost_per_year=amount, staff_fte=staff_fte, material_per_year=material,
                               in_kind_per_year=in_kind, start=start, end=end, active=True, awarded_step=start)
    np.maximum.at(model.msos.last_grant_start, mso, start)
    return rows


def funder_named(model: MSOModel, name: str):
    """The funder agent with this name (per-Land funders are named 'programme:LAND')."""
    return next(f for f in model.funders if f.name == name or f.name.startswith(f"{name}:"))


def assert_binomial(successes: float, trials: float, p: float, z: float = 5.0) -> None:
    """A count of successes agrees with Binomial(trials, p) within z standard deviations."""
    expected = trials * p
    sd = np.sqrt(trials * p * (1.0 - p))
    assert abs(successes - expected) <= z * sd + 1e-9, f"{successes} successes, expected {expected:.1f} +- {z}*{sd:.1f}"


@lru_cache(maxsize=None)
def _run(overrides_json: str, seed: int, years: float) -> tuple[dict[str, pd.DataFrame], int]:
    model = MSOModel(None, seed=seed, **json.loads(overrides_json)).run(years)
    return model.tables(), model.config.steps_per_year


def run_tables(overrides: dict, seed: int, years: float = 5,
               place: dict = LARGE) -> tuple[dict[str, pd.DataFrame], int]:
    """(tidy tables, steps per year) of one district run, cached across tests; treat the tables as read-only."""
    return _run(json.dumps({**place, **overrides}, sort_keys=True), seed, years)


def outcome(overrides: dict, metric, seeds=SEEDS, years: float = 5, place: dict = LARGE) -> np.ndarray:
    """One number per seed: `metric` is a key of msosim.run_outcomes or a function (tables, steps per year) -> float."""
    values = []
    for seed in seeds:
        tables, spy = run_tables(overrides, seed, years, place)
        values.append(run_outcomes(tables["model"], spy)[metric] if isinstance(metric, str) else metric(tables, spy))
    return np.asarray(values, dtype=float)


def assert_direction(low: np.ndarray, high: np.ndarray, what: str) -> None:
    """Paired by seed, `high` exceeds `low`: every seed agrees, or the mean difference exceeds twice its SE."""
    diff = np.asarray(high, dtype=float) - np.asarray(low, dtype=float)
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    assert (diff > 0).all() or diff.mean() > 2.0 * se, (
        f"{what}: expected an increase; per-seed differences {np.round(diff, 4).tolist()} "
        f"(mean {diff.mean():.4g}, se {se:.3g})")
