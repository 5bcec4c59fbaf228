"""The initial state from a spin-up (issue 15, item 4): reproducible, cached per what determines it, consistent, and its
initial cohort shows the liability of newness."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

from msosim import MSOModel
from msosim import spinup
from msosim.experiments import longrun
from msosim.scenario import ScenarioError, load_scenario
from msosim.spinup_state import extract_state, field_targets, rake, systematic_copies

from .conftest import SCENARIOS, SMALL

SPIN = {**SMALL, "population.initial": "spinup", "population.spinup_years": 5}


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("MSOSIM_CACHE_DIR", str(folder))
    return folder


def _start(seed: int, cache: str | None = None, **overrides) -> dict[str, pd.DataFrame]:
    """The initial MSO, grant and tie tables of a spun-up district model."""
    if cache is not None:
        os.environ["MSOSIM_CACHE_DIR"] = cache
    model = MSOModel(SCENARIOS / "district.yaml", seed=seed, **{**SPIN, **overrides})
    return {"msos": model.msos.frame(), "grants": model.grants.frame(), "ties": model.ties.frame()}


def _counting(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = spinup.burn_in

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(spinup, "burn_in", counted)
    return calls


def test_same_seed_same_initial_state_in_another_process(tmp_path) -> None:
    here = _start(4, str(tmp_path / "here"))
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        there = pool.submit(_start, 4, str(tmp_path / "there")).result()  # its own empty cache: built again
    for name in here:
        pd.testing.assert_frame_equal(here[name], there[name], check_exact=True)
    assert not here["msos"].equals(_start(5)["msos"])


def test_the_cache_is_used_and_rebuilt_only_when_the_world_changes(monkeypatch, cache_dir) -> None:
    calls = _counting(monkeypatch)
    first = _start(1)
    assert len(calls) == 1 and len(list(cache_dir.rglob("spinup-*.arrays"))) == 1
    again = _start(1)
    assert len(calls) == 1  # read from the cache
    pd.testing.assert_frame_equal(first["msos"], again["msos"], check_exact=True)
    policy = _start(1, **{"policy.budget_factor": 3.0, "policy.funding_mode": "institutional", "years": 3})
    assert len(calls) == 1  # the policy, the events and the run length do not change the world
    pd.testing.assert_frame_equal(first["msos"], policy["msos"], check_exact=True)
    _start(1, founding_rate=0.03)
    assert len(calls) == 2  # a parameter of the world does
    _start(2)
    assert len(calls) == 3  # and so does the seed


def test_a_corrupt_cache_file_is_rebuilt(monkeypatch, cache_dir) -> None:
    calls = _counting(monkeypatch)
    first = _start(1)
    (path,) = list(cache_dir.rglob("spinup-*.arrays"))
    path.write_bytes(b"not a spin-up")
    again = _start(1)
    assert len(calls) == 2
    pd.testing.assert_frame_equal(first["msos"], again["msos"], check_exact=True)
    assert spinup.read_cached(path) is not None


def test_a_spun_up_start_has_the_target_size_and_a_consistent_state() -> None:
    tables = MSOModel(SCENARIOS / "district.yaml", seed=3, **SMALL)
    model = MSOModel(SCENARIOS / "district.yaml", seed=3, **SPIN)
    m, g, ties = model.msos, model.grants, model.ties
    assert m.n == tables.msos.n and m.alive[: m.n].all() and m.initial[: m.n].all()
    assert (m.founded_step[: m.n] <= 0).all() and (m.founded_step[: m.n] > -5 * 12).any()  # foundings of the spin-up
    assert g.n > 0 and (g.end[: g.n] >= 1).all() and (g.mso[: g.n] < m.n).all()
    assert (g.paid[: g.n] == 0).all() and m.grant_income_total[: m.n].sum() == 0
    assert ties.n > 0 and (ties.a[: ties.n] != ties.b[: ties.n]).all() and (ties.breaks_step[: ties.n] >= 1).all()
    latest = np.full(m.n, -10_000)
    np.maximum.at(latest, g.mso[: g.n], g.start[: g.n])
    assert (m.last_grant_start[: m.n] >= latest).all()  # each MSO's record of its grants matches the grants it holds
    assert (m.staff_fte[: m.n][np.unique(g.mso[: g.n])] > 0).mean() > 0.5  # grants come with staff grown on them


def test_money_is_conserved_and_counts_stay_non_negative_after_a_spin_up() -> None:
    model = MSOModel(SCENARIOS / "district.yaml", seed=2, **SPIN)
    for _ in range(24):
        model.step()
        m, grants = model.msos, model.grants.columns()
        assert abs(model.funder_paid.sum() - m.grant_income_total[: m.n].sum()) < 0.01
        assert abs(grants["paid"].sum() - model.funder_paid.sum()) < 0.01
        assert abs(model.funder_returned.sum() - m.grant_returned_total[: m.n].sum()) < 0.01
        d = model.districts
        assert abs(d.paid_total[: d.n].sum() - m.municipal_income_total[: m.n].sum()) < 0.01
        assert (grants["unspent"] <= grants["paid"] + 1e-6).all()
        for name in ("volunteers", "members", "staff_fte", "service_hours"):
            assert (getattr(m, name)[: m.n] >= 0).all(), name
        dead = ~m.alive[: m.n]
        assert not (model.grants.active[: model.grants.n] & dead[model.grants.mso[: model.grants.n]]).any()


def test_raking_and_systematic_sampling_hit_their_targets() -> None:
    rng = np.random.default_rng(0)
    fields = rng.random((2000, 9)) < np.linspace(0.2, 0.6, 9)
    weights = rake(fields, field_targets())
    np.testing.assert_allclose((weights[:, None] * fields).sum(0) / weights.sum(), field_targets(), atol=1e-6)
    copies = systematic_copies(weights, 2500, rng)
    expected = 2500 * weights / weights.sum()
    assert copies.sum() == 2500 and ((copies == np.floor(expected)) | (copies == np.ceil(expected))).all()


def test_the_initial_cohort_of_a_spin_up_shows_the_liability_of_newness() -> None:
    """Pooled over seeds 1-3 (the largest NW district, 10 years): the cohort's young MSOs dissolve more often."""
    young = old = young_years = old_years = 0.0
    for seed in (1, 2, 3):
        model = MSOModel(SCENARIOS / "district.yaml", seed=seed, **{"population.initial": "spinup"}).run(10)
        measured = longrun.initial_cohort_newness(model.tables(("msos",))["msos"], 12)
        young += measured.details["young_deaths"]
        old += measured.details["old_deaths"]
        young_years += measured.details["young_deaths"] / max(measured.details["young"], 1e-12)
        old_years += measured.details["old_deaths"] / max(measured.details["old"], 1e-12)
    assert young > 0 and (young / young_years) > 1.5 * (old / old_years)


def test_a_bad_initial_option_is_refused_in_one_line() -> None:
    with pytest.raises(ScenarioError) as error:
        load_scenario(SCENARIOS / "district.yaml", {"population.initial": "grown"})
    message = str(error.value)
    assert "\n" not in message and "key 'population.initial'" in message and "'grown'" in message
    assert "'tables' or 'spinup'" in message


def test_a_spin_up_without_survivors_is_refused_in_one_line() -> None:
    model = MSOModel(SCENARIOS / "district.yaml", seed=1, **SMALL)
    model.msos.alive[: model.msos.n] = False
    with pytest.raises(ValueError, match="no MSO survived") as error:
        extract_state(model)
    assert "\n" not in str(error.value)


def test_the_cache_file_keeps_every_array_exactly(tmp_path) -> None:
    state = {"a": np.arange(5, dtype=np.int8), "b": np.array([1.5, -0.0, np.nan, np.inf]), "c": np.array(7),
             "d": np.ones((3, 4), dtype=bool), "e": np.zeros(0, dtype=np.int32), "f": np.arange(6.0).reshape(2, 3).T}
    path = tmp_path / "spinup-x.arrays"
    spinup.write_cached(path, state)
    back = spinup.read_cached(path)
    assert list(back) == list(state)
    for name, value in state.items():
        assert back[name].dtype == value.dtype and back[name].shape == value.shape
        assert back[name].tobytes() == np.asarray(value, order="C").tobytes()
        back[name][...] = 0  # writable: the model installs and changes them
    data = path.read_bytes()
    for broken in (data[: len(data) - 3], data.replace(b'"format": 2', b'"format": 1'), data[:10], b""):
        path.write_bytes(broken)
        assert spinup.read_cached(path) is None  # truncated, another format, foreign: rebuilt
