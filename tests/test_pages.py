"""numpy's huge-page advice is off while a model runs or builds its tables, and given back as it was (msosim/pages.py)."""

from __future__ import annotations

import threading

import pytest

from msosim import pages
from msosim.model import MSOModel

pytestmark = pytest.mark.skipif(pages.huge_page_advice() is None, reason="this numpy has no huge-page switch")


def test_the_advice_is_off_inside_and_restored_after_nesting():
    before = pages.huge_page_advice()
    with pages.small_pages():
        assert pages.huge_page_advice() is False
        with pages.small_pages():
            assert pages.huge_page_advice() is False
        assert pages.huge_page_advice() is False  # the inner exit does not give it back early
    assert pages.huge_page_advice() is before


@pytest.mark.parametrize("setting", [True, False])
def test_a_setting_of_the_caller_survives_a_run(setting, scenarios):
    from numpy._core.multiarray import _set_madvise_hugepage

    previous = _set_madvise_hugepage(setting)
    try:
        seen = []
        model = MSOModel(scenarios / "district.yaml", seed=1)
        original = model.step

        def step():
            seen.append(pages.huge_page_advice())
            original()

        model.step = step
        model.run(0.25)
        model.tables(only=("model",))
        assert seen and not any(seen)  # off during every step
        assert pages.huge_page_advice() is setting  # the caller's setting, whatever it was
    finally:
        _set_madvise_hugepage(previous)


def test_concurrent_runs_give_the_setting_back_once_the_last_ends():
    before = pages.huge_page_advice()
    entered, release = threading.Barrier(3), threading.Event()

    def hold():
        with pages.small_pages():
            entered.wait()
            release.wait()

    threads = [threading.Thread(target=hold) for _ in range(2)]
    for thread in threads:
        thread.start()
    entered.wait()
    assert pages.huge_page_advice() is False
    release.set()
    for thread in threads:
        thread.join()
    assert pages.huge_page_advice() is before
