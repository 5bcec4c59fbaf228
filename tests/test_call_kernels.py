"""A call's compiled passes (submodels/call_passes.py, kernels/calls.py) against its numpy path (grants.
_applicants_numpy): the same applicants, asks, scores and ranking, bit for bit, and the same draws, for every
selection and eligibility rule, a call's fields, several calls a year (the spread's square root and its power),
micro-grants without staff, the information gap closed by federations and ties, the Länder calling together and
the worlds of a batch."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from msosim import MSOModel, kernels
from msosim.agents.funder import call_steps
from msosim.batch import Batch
from msosim.submodels import call_passes, grants
from tests.conftest import SCENARIOS, SMALL
from tests.test_kernels import need_numba

VARIANTS = [{}, {"selection": "need"}, {"selection": "lottery"}, {"eligibility": "volunteer_only"},
            {"eligibility": "requires_staff"}, {"eligibility": "federation_member"},
            {"fields": ["education", "women"]}, {"calls_per_year": 2}, {"calls_per_year": 3}, {"calls_per_year": 12},
            {"staff_share": 0.0, "selection": "lottery"}, {"cofunding_share": 0.3, "min_award": 20_000.0}]


def variant(funders: list, steps_per_year: int, **update) -> list:
    """Copies of a programme's funders with its settings changed (`update`: FunderConfig fields)."""
    config = funders[0].config.model_copy(update=update)
    out = []
    for funder in funders:
        twin = copy.copy(funder)
        twin.config, twin.calls = config, call_steps(config, steps_per_year)
        out.append(twin)
    return out


def both_paths(model: MSOModel, funders: list) -> dict:
    """The applicants on each path from the same state of every world's Generator, and the states after."""
    states = [copy.deepcopy(rng.bit_generator.state) for rng in model.streams.rngs]
    start = model.t + funders[0].config.start_lag_months * model.config.steps_per_year // 12
    out = {}
    for backend in ("numpy", "numba"):
        for rng, state in zip(model.streams.rngs, states, strict=True):
            rng.bit_generator.state = copy.deepcopy(state)
        with kernels.using(backend):
            if backend == "numpy":
                found = grants._applicants_numpy(model, funders, start)
            else:
                jit = kernels.compiled()
                found = call_passes.applicants(model, funders, start, jit, jit.call_loops(),
                                               grants.hour_terms(model, funders[0]))
        out[backend] = (found, [rng.bit_generator.state for rng in model.streams.rngs])
    return out


def assert_same(results: dict, where: str) -> int:
    """Both paths' applicants equal bit for bit (floats as their bits), and the Generators left alike; their count."""
    (numpy_found, numpy_states), (numba_found, numba_states) = results["numpy"], results["numba"]
    assert numba_states == numpy_states, f"{where}: the draws differ"
    if numpy_found is None:
        assert numba_found is None, where
        return 0
    *numpy_arrays, numpy_terms = numpy_found
    *numba_arrays, numba_terms = numba_found
    for name, expected, actual in zip(("rows", "which", "applied", "scores", "hours", "ranks", "index"),
                                      numpy_arrays, numba_arrays, strict=True):
        assert actual.dtype.kind == expected.dtype.kind, f"{where}: {name}"
        if name == "applied":  # positions into the terms: compare what they point at
            continue
        assert np.array_equal(np.asarray(actual).view(f"i{actual.dtype.itemsize}"),
                              np.asarray(expected).view(f"i{expected.dtype.itemsize}")), f"{where}: {name}"
    for expected, actual in zip(numpy_terms, numba_terms, strict=True):
        assert np.array_equal(actual[numba_arrays[2]].view(np.int64), expected[numpy_arrays[2]].view(np.int64)), where
    return numpy_arrays[0].size


def stepped(model: MSOModel, steps: int) -> MSOModel:
    with kernels.using("numpy"):
        for _ in range(steps):
            model.step()
    return model


@pytest.mark.parametrize("settings", [{}, {"applications.federation_information": 0.5,
                                           "applications.tie_information": 0.3}])
def test_a_calls_kernels_are_its_numpy_path(settings):
    need_numba()
    model = stepped(MSOModel(SCENARIOS / "baseline.yaml", seed=7, **SMALL, **settings), 14)
    counts = {}
    for funder in model.funders:
        for update in VARIANTS:
            counts[funder.name, str(update)] = assert_same(
                both_paths(model, variant([funder], model.config.steps_per_year, **update)), f"{funder.name} {update}")
    assert sum(counts.values()) > 300  # the calls have applicants to compare
    for update in VARIANTS:  # each variant for at least one funder
        assert max(count for (_, key), count in counts.items() if key == str(update)) > 0, update


def test_the_laender_calling_together_on_the_kernels_are_numpys():
    """A Land programme's funders in all sixteen Länder in one call (the national world), for each selection rule."""
    need_numba()
    model = stepped(MSOModel(SCENARIOS / "baseline.yaml", seed=2), 3)
    group = [f for f in model.funders if f.config.per_land and f.budget > 0]
    group = [f for f in group if f.config is group[0].config]
    assert len(group) == 16
    for update in ({}, {"selection": "need"}, {"selection": "lottery", "calls_per_year": 4}):
        funders = variant(group, model.config.steps_per_year, **update)
        assert assert_same(both_paths(model, funders), str(update)) > 100
        found = both_paths(model, funders)["numba"][0]
        assert len(set(found[1].tolist())) > 8  # the applicants of many Länder, each ranked from 1
        assert (found[5][np.r_[True, found[1][1:] != found[1][:-1]]] == 1).all()


def test_the_worlds_of_a_batch_call_on_the_kernels_as_on_numpy():
    need_numba()
    with kernels.using("numpy"):
        batch = Batch(SCENARIOS / "district.yaml", [1, 2, 7])
    stepped(batch, 14)
    seen = 0
    for funder_name in sorted({f.name for f in batch.funders}):  # a programme's funders in every world together
        group = [f for f in batch.funders if f.name == funder_name]
        for update in ({}, {"selection": "need"}):
            seen += assert_same(both_paths(batch, variant(group, batch.config.steps_per_year, **update)), funder_name)
    assert seen > 100


def test_the_compiled_call_differs_when_its_arithmetic_does(monkeypatch):
    """The comparison can fail: a call whose merit score weighs track records otherwise is told apart."""
    need_numba()
    model = stepped(MSOModel(SCENARIOS / "baseline.yaml", seed=7, **SMALL), 14)
    funder = max(model.funders, key=lambda f: f.budget)
    results = both_paths(model, [funder])
    assert_same(results, "as it is")
    weights = model.config.applications
    changed = weights.model_copy(update={"track_weight": weights.track_weight * 1.01})
    real = grants.score_applications

    def other_weight(model_, funder_, rows):
        kept = model_.config
        model_.config = kept.model_copy(update={"applications": changed})
        try:
            return real(model_, funder_, rows)
        finally:
            model_.config = kept

    monkeypatch.setattr(grants, "score_applications", other_weight)
    with pytest.raises(AssertionError):
        assert_same(both_paths(model, [funder]), "a changed weight")


@pytest.mark.parametrize("funders", [1, 5])
def test_the_ranking_with_equal_scores_is_numpys(funders):
    """Equal scores keep row order (the stable sort the numpy path falls back on), funders in order, ranks from 1."""
    need_numba()
    with kernels.using("numba"):
        jit = kernels.compiled()
    rng = np.random.default_rng(3)
    for ties in (True, False):
        size = 400
        scores = rng.integers(0, 30, size).astype(np.float64) if ties else rng.normal(size=size)
        rows = np.sort(rng.choice(5000, size, replace=False))
        which = rng.integers(0, funders, size).astype(np.int16)
        applied, hours = rng.permutation(size), rng.random(size)
        index = np.arange(funders, dtype=np.int64) * 3 + 1
        got = jit.ranked(np.argsort(scores), scores, rows, which, applied, hours, index, funders)
        order = np.argsort(scores)[::-1]  # grants._applicants_numpy's lines
        if not (scores[order][:-1] > scores[order][1:]).all():
            order = np.argsort(-scores, kind="stable")
        if funders > 1:
            order = order[np.argsort(which[order], kind="stable")]
        first_of = np.searchsorted(which[order], np.arange(funders + 1))
        expected = (rows[order], which[order], applied[order], scores[order], hours[applied[order]],
                    np.arange(1, size + 1) - first_of[which[order]], index[which[order]])
        for name, a, b in zip(("rows", "which", "applied", "scores", "hours", "ranks", "index"), got, expected):
            assert np.array_equal(a, b), (name, ties)
