"""The kernels for what running grants pay and cost (kernels/finances.py: grant_payments, grant_costs,
unspent_money) give numpy's numbers bit for bit, on the branches a stepped model rarely shows at once:
institutional and project grants running together, the pandemic's cover for lost earned income, only project
grants, and MSOs short of the staff their grants fund."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from msosim import kernels
from msosim.state import INSTITUTIONAL
from msosim.submodels import grant_returns, held_grants
from tests.test_kernels import need_numba, step_on
from tests.test_reference import CASES


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(np.ascontiguousarray(a).view(np.uint8),
                                                 np.ascontiguousarray(b).view(np.uint8))


@pytest.fixture(scope="module")
def stepped():
    need_numba()
    with kernels.using("numpy"):
        model = CASES["stress-SL-land"](seed=7)
    for _ in range(6):
        step_on("numpy", model)
    return model


@pytest.mark.parametrize("only_projects", [False, True])
@pytest.mark.parametrize("cover", [0.0, 0.8])
def test_grant_kernels_are_numpys(stepped, cover, only_projects):
    model = copy.deepcopy(stepped)
    model.factors = dataclasses.replace(model.factors, shortfall_cover=cover, income=0.7 if cover else 1.0)
    g = model.grants
    if only_projects:
        g.kind[: g.n] = 0
    model._running_grants = None
    running = held_grants.running_grants(model)
    assert running.rows.size > 50 and running.only_projects == only_projects
    assert only_projects or (running.kind == INSTITUTIONAL).any()
    m, n = model.msos, model.msos.n
    staff = m.staff_fte[:n].copy()
    short = running.mso[::3]  # a third of the grant holders lose staff: positions vacant
    staff[short] *= 0.5
    results = {}
    for backend in ("numpy", "numba"):
        mine = copy.deepcopy(model)
        mine._running_grants = None
        with kernels.using(backend):
            paid = held_grants.grant_payments(mine)
            costs = held_grants.running_grant_costs(mine)
            grant_returns.book_unspent(mine, held_grants.running_grants(mine), staff)
        results[backend] = (*paid, *costs, mine.funder_paid, mine.grants.paid[: g.n], mine.grants.unspent[: g.n],
                            mine.msos.reserves[:n])
    assert (results["numpy"][1] is None) == only_projects and (results["numba"][1] is None) == only_projects
    for numba_values, numpy_values in zip(results["numba"], results["numpy"], strict=True):
        if numpy_values is not None:
            assert same_bits(numba_values, numpy_values)
    assert (results["numpy"][-2] > 0).any()  # money was set aside for vacant positions
    assert not np.array_equal(results["numpy"][-1], m.reserves[:n])


def test_the_comparison_sees_one_grant_off(stepped, monkeypatch):
    """The comparison above fails when one grant's payment differs in its last bit."""
    model = copy.deepcopy(stepped)
    with kernels.using("numba"):
        jit = kernels.compiled()
    original = jit.grant_payments

    def off(amount_per_year, *args):
        amount = amount_per_year.copy()
        amount[0] = np.nextafter(amount[0], np.inf)
        return original(amount, *args)

    monkeypatch.setattr(jit, "grant_payments", off)
    results = {}
    for backend in ("numpy", "numba"):
        mine = copy.deepcopy(model)
        mine._running_grants = None
        with kernels.using(backend):
            results[backend] = held_grants.grant_payments(mine)[0]
    assert not same_bits(results["numba"], results["numpy"])
