"""Same seed -> identical tables, in this process and in another one; different seeds -> different runs."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

from msosim import MSOModel, run

from .conftest import SCENARIOS, SMALL


def _tables(seed: int) -> dict[str, pd.DataFrame]:
    return MSOModel(SCENARIOS / "district.yaml", seed=seed, **SMALL).run(2).tables()


def _assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)


def test_same_seed_same_tables() -> None:
    _assert_same(_tables(7), _tables(7))


def test_same_seed_same_tables_in_another_process() -> None:
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        remote = pool.submit(_tables, 7).result()
    _assert_same(_tables(7), remote)


def test_different_seeds_give_different_runs() -> None:
    a, b = _tables(1)["model"], _tables(2)["model"]
    assert not a.equals(b)
    assert not a["volunteers"].equals(b["volunteers"])


def test_run_function_matches_model_api() -> None:
    from msosim import load_scenario

    config = load_scenario(SCENARIOS / "district.yaml", SMALL)
    _assert_same(run(config, seed=3, years=1), MSOModel(config, seed=3).run(1).tables())
