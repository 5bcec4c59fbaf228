"""The compiled kernels (msosim.kernels) change nothing: a model stepped on the numba backend is, after every step,
bit for bit the model stepped on the numpy reference; the backend is chosen as documented."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from msosim import MSOModel, kernels
from tests.test_reference import CASES, snapshot

STEPS = 24


def need_numba() -> None:
    """numba is in the test extras: under CI its absence fails the test; elsewhere it skips, saying why."""
    import os

    try:
        import numba  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("numba is missing under CI: `pip install -e '.[test]'` installs it")
        pytest.skip("SKIPPED LOUDLY: numba is not installed (`pip install -e '.[test]'`); the compiled kernels are untested")


def assert_identical(numba_state: dict, numpy_state: dict, where: str) -> None:
    assert numba_state.keys() == numpy_state.keys()
    for key, expected in numpy_state.items():
        actual = numba_state[key]
        if isinstance(expected, pd.DataFrame):
            pd.testing.assert_frame_equal(actual, expected, check_exact=True, obj=f"{where}: {key}")
        else:
            assert np.array_equal(actual, expected, equal_nan=np.asarray(expected).dtype.kind == "f"), \
                f"{where}: {key} differs between the numba and the numpy backend"
            if np.asarray(expected).dtype.kind == "f":  # the same bits: a -0.0 for a 0.0 is a difference too
                assert np.array_equal(np.signbit(actual), np.signbit(expected)), f"{where}: {key}: signs of zero"


def step_on(backend: str, model: MSOModel) -> None:
    with kernels.using(backend):
        model.step()


@pytest.mark.parametrize("case", sorted(CASES))
def test_numba_backend_steps_exactly_like_numpy(case):
    need_numba()
    on_numpy, on_numba = CASES[case](seed=7), CASES[case](seed=7)
    for _ in range(STEPS):
        step_on("numpy", on_numpy)
        step_on("numba", on_numba)
        assert_identical(snapshot(on_numba, 0), snapshot(on_numpy, 0), f"{case} at step {on_numpy.t}")
    assert on_numba.rng.bit_generator.state == on_numpy.rng.bit_generator.state


@pytest.mark.parametrize("settings", [{"finance.own_position_cost": 0.0}, {"finance.vacancy_months": 0.0}],
                         ids=["no-own-position", "no-vacancy"])
def test_staff_kernels_on_their_other_branches(settings):
    """adjust_staff's kernels on the branches the cases above do not take: no position paid from own income (its
    FTE 0 for every MSO) and positions filled at once (no vacancy draw)."""
    need_numba()
    from tests.conftest import SCENARIOS, SMALL

    on_numpy, on_numba = (MSOModel(SCENARIOS / "baseline.yaml", seed=7, **SMALL, **settings) for _ in range(2))
    hired = let_go = 0.0
    for _ in range(12):
        step_on("numpy", on_numpy)
        step_on("numba", on_numba)
        assert_identical(snapshot(on_numba, 0), snapshot(on_numpy, 0), f"{settings} at step {on_numpy.t}")
        hired, let_go = hired + on_numpy.flow["staff_hired"], let_go + on_numpy.flow["staff_let_go"]
    assert hired > 0 and let_go > 0  # both kernels' rows were exercised


def test_kernel_differs_when_its_arithmetic_does(monkeypatch):
    """The comparison above can fail: a kernel whose arithmetic is off by one unit in the last place is caught."""
    need_numba()
    with kernels.using("numba"):
        jit = kernels.compiled()
    original = jit.update_burnout

    def off_by_one_ulp(ratio, alive, burnout, *args):
        original(ratio, alive, burnout, *args)
        burnout[alive & (burnout > 0)] = np.nextafter(burnout[alive & (burnout > 0)], 2.0)

    monkeypatch.setattr(jit, "update_burnout", off_by_one_ulp)
    on_numpy, on_numba = CASES["baseline-HB-district"](seed=7), CASES["baseline-HB-district"](seed=7)
    step_on("numpy", on_numpy)
    step_on("numba", on_numba)
    with pytest.raises(AssertionError, match="burnout"):
        assert_identical(snapshot(on_numba, 0), snapshot(on_numpy, 0), "step 1")


def run_python(code: str, env_value: str | None) -> subprocess.CompletedProcess:
    import os

    env = {k: v for k, v in os.environ.items() if k != "MSOSIM_KERNELS"}
    if env_value is not None:
        env["MSOSIM_KERNELS"] = env_value
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)


def test_backend_from_the_environment():
    code = "from msosim import kernels; print(kernels.backend(), kernels.compiled() is None)"
    assert run_python(code, "numpy").stdout.split() == ["numpy", "True"]
    assert run_python(code, None).stdout.split() == ["numpy", "True"]  # the default: the numpy reference
    expected = ["numba", "False"] if _has_numba() else ["numpy", "True"]
    assert run_python(code, "auto").stdout.split() == expected
    bad = run_python(code, "fortran")
    assert bad.returncode != 0 and "MSOSIM_KERNELS='fortran': allowed are auto, numba, numpy" in bad.stderr


def test_workers_of_many_runs_prefer_the_kernels():
    """A pool whose workers run many MSO-years (batching.kernels_pay) runs them on the kernels where numba is
    installed, and a Dask task told so too; the parent process and a small pool stay on numpy; MSOSIM_KERNELS
    decides everywhere when set."""
    code = ("from msosim import kernels; from msosim.experiments.batch import execute; "
            "from tests.test_kernels import worker_backend; seen = []; "
            "execute([1, 2], 2, seen.append, worker=worker_backend, compiled={}); print(kernels.backend(), *sorted(seen))")
    preferred = "numba" if _has_numba() else "numpy"
    assert run_python(code.format(True), None).stdout.split() == ["numpy", preferred, preferred]
    assert run_python(code.format(False), None).stdout.split() == ["numpy"] * 3
    assert run_python(code.format(True), "numpy").stdout.split() == ["numpy"] * 3
    done = run_python("from msosim import kernels; from msosim.experiments.executors import run_chunk_on_worker; "
                      "run_chunk_on_worker(True, None, []); print(kernels.backend())", None)
    assert done.stdout.split() == [preferred], done.stderr
    kept = run_python("from msosim import kernels; kernels.backend(); kernels.prefer_compiled(); "
                      "print(kernels.backend())", None)
    assert kept.stdout.split() == ["numpy"]  # a process that chose already keeps its choice


def test_the_kernels_pay_for_many_large_runs_per_worker():
    from msosim.experiments.batch import RunSpec
    from msosim.experiments.batching import kernels_pay
    from msosim.scenario import load_scenario
    from tests.conftest import SCENARIOS

    def specs(name: str, runs: int, years: float) -> list:
        s = load_scenario(SCENARIOS / f"{name}.yaml")
        return [RunSpec(s.model_dump_json(), s.content_hash(), s.name, seed, years) for seed in range(runs)]

    assert kernels_pay(specs("baseline", 30, 15.0), workers=2)        # make demo's share: 30 x 1.5 national decades
    assert not kernels_pay(specs("baseline", 4, 10.0), workers=2)     # 2 national decades per worker
    assert not kernels_pay(specs("district", 40, 10.0), workers=2)    # a small district sweep
    mixed = specs("baseline", 1, 10.0) + specs("district", 40, 10.0)
    assert not kernels_pay(mixed, workers=2)
    assert kernels_pay(mixed, workers=2, most_worlds=1)  # worlds beyond the first measured count at its size
    broken = RunSpec("{}", "x", "x", 1, 1.0)
    assert not kernels_pay([broken], workers=1)                       # no msosim scenario (a SALib test function)


def worker_backend(_job) -> str:
    """The backend a pool worker runs on (a job for `execute`)."""
    return kernels.backend()


def test_a_bad_backend_is_one_line_on_the_command_line():
    """MSOSIM_KERNELS naming no backend: `msosim` says so in one line and exits 2 before any command runs."""
    done = run_python("import sys; from msosim.cli import main; sys.argv = ['msosim', 'run', 'scenarios/district.yaml', "
                      "'--years', '0.1']; main()", "fortran")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines() == ["error: MSOSIM_KERNELS='fortran': allowed are auto, numba, numpy"]


def test_numba_asked_for_but_missing_names_the_extra(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "numba" else real(name, *a))
    monkeypatch.setenv("MSOSIM_KERNELS", "numba")
    monkeypatch.setattr(kernels, "_chosen", None)
    with pytest.raises(kernels.KernelsError, match=r"numba is not installed; allowed: auto or numpy.*\[kernels\]"):
        kernels.backend()
    monkeypatch.setenv("MSOSIM_KERNELS", "auto")
    assert kernels.backend() == "numpy"


def test_load_is_timed_once_per_process():
    need_numba()
    code = ("from msosim import kernels; a = kernels.compiled(); b = kernels.compiled(); "
            "print(a is b, sorted(kernels.LOAD_SECONDS), all(v >= 0 for v in kernels.LOAD_SECONDS.values()))")
    assert run_python(code, "numba").stdout.split() == ["True", "['collect',", "'import',", "'warm']", "True"]


def _has_numba() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def test_draws_are_the_same_numbers_on_both_backends():
    """draws.binomial (yearly and per-step p, numpy's sampler for large means, p of 0 and 1) and draws.poisson give
    the same numbers, and leave the generator in the same state, on either backend."""
    need_numba()
    from msosim.submodels import draws

    setup = np.random.default_rng(3)
    n = setup.integers(0, 400, 5_000)
    p = np.concatenate([setup.uniform(0, 1, 4_990), [0.0, 1.0, 1.0, 0.0, 0.5, 1e-12, 0.999, 0.3, 0.02, 1.0]])
    lam = np.concatenate([setup.exponential(2.0, 4_990), [0.0, 20.0, 8.0, 8.1, 1e-9, 50, 0.5, 3, 7.99, 0]])
    results = {}
    for backend in ("numpy", "numba"):
        rng = np.random.default_rng(11)
        with kernels.using(backend):
            results[backend] = (draws.binomial(rng, n, p, 12), draws.binomial(rng, n, p), draws.binomial(rng, n, 0.01),
                                draws.poisson(rng, lam), rng.bit_generator.state)
    for k in range(4):
        assert np.array_equal(results["numba"][k], results["numpy"][k])
    assert results["numba"][4] == results["numpy"][4]
    assert results["numba"][0].max() > 8 and results["numba"][3].max() > 8  # both samplers were used


def test_segment_sums_are_numpys_sums():
    """kernels.sums.segment_sums gives each segment's `values[a:b].sum()` bit for bit: every length up to 600 and
    random longer ones, values over 12 orders of magnitude of both signs, zeros of both signs, inf and nan."""
    need_numba()
    with kernels.using("numba"):
        jit = kernels.compiled()
    rng = np.random.default_rng(5)
    lengths = [*range(0, 600), *rng.integers(600, 60_000, 60).tolist()]
    values = rng.standard_normal(sum(lengths)) * 10.0 ** rng.uniform(-6, 6, sum(lengths))
    values[rng.integers(0, values.size, 50)] = -0.0
    bounds = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    got = jit.segment_sums(values, bounds)
    expected = np.array([values[a:b].sum() for a, b in zip(bounds[:-1], bounds[1:])])
    assert np.array_equal(got, expected) and np.array_equal(np.signbit(got), np.signbit(expected))
    special = np.array([1.0, np.inf, -0.0, 2.0, np.nan, 3.0, -np.inf, 4.0] * 20)
    cuts = np.array([0, 3, 9, 40, 41, 160], dtype=np.int64)
    assert np.array_equal(jit.segment_sums(special, cuts),
                          np.array([special[a:b].sum() for a, b in zip(cuts[:-1], cuts[1:])]), equal_nan=True)


def test_within_budgets_is_numpys_cumsum_per_funder():
    """run_call's awards of funders calling together: the kernel's running totals within each funder's budget are
    numpy's `np.cumsum(asked[a:b]) <= budget` per funder, empty funders and budgets met exactly included."""
    need_numba()
    from msosim.submodels.grants import _within_budgets

    rng = np.random.default_rng(11)
    lengths = rng.integers(0, 40, 30)
    lengths[[0, 7, 29]] = 0
    asked = np.round(rng.uniform(5_000, 80_000, lengths.sum()), 2)
    bounds = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    budgets = np.array([asked[a:b].sum() * rng.uniform(0.2, 1.2) for a, b in zip(bounds[:-1], bounds[1:])])
    budgets[3] = np.cumsum(asked[bounds[3]:bounds[4]])[lengths[3] // 2]  # one running total equals its budget
    with kernels.using("numpy"):
        expected = _within_budgets(asked, bounds, budgets)
    with kernels.using("numba"):
        got = _within_budgets(asked, bounds, budgets)
    assert np.array_equal(got, expected) and 0 < expected.sum() < expected.size


def test_world_bounds_count_and_check_as_numpy():
    """Streams.split's bounds and sortedness from the kernel equal numpy's for sorted, unsorted, empty labels."""
    need_numba()
    from msosim.kernels import jit

    with kernels.using("numba"):
        kernels.compiled()
    rng = np.random.default_rng(5)
    for size, count in ((0, 3), (1, 1), (7, 3), (500, 20), (2000, 50)):
        labels = rng.integers(0, count, size).astype(np.int16)
        for worlds in (labels, np.sort(labels)):
            bounds, ordered = jit.world_bounds(worlds, count)
            expected = np.concatenate([[0], np.cumsum(np.bincount(worlds, minlength=count))])
            assert bounds.dtype == expected.dtype and (bounds == expected).all()
            assert ordered == (size < 2 or bool((worlds[1:] >= worlds[:-1]).all()))
    with pytest.raises(ValueError, match="outside"):
        jit.world_bounds(np.array([0, 3], dtype=np.int16), 3)


def test_a_batch_on_the_kernels_equals_each_world_alone_on_numpy():
    """The batched path with the kernels (per-world sums in one call included) gives each world's tables as the
    numpy code alone."""
    need_numba()
    from msosim.batch import Batch
    from tests.conftest import SCENARIOS

    with kernels.using("numba"):
        batch = Batch(SCENARIOS / "district.yaml", [2, 1, 3]).run(2.0)
    for world, seed in enumerate([2, 1, 3]):
        with kernels.using("numpy"):
            expected = MSOModel(SCENARIOS / "district.yaml", seed=seed).run(2.0).tables()
        got = batch.world_tables(world)
        for name in expected:
            pd.testing.assert_frame_equal(got[name], expected[name], check_exact=True, obj=f"world {world}: {name}")


def test_the_monthly_aggregates_are_numpys_on_both_backends():
    """metrics._living (counts, sums over the living rows, the median of their reserves, column totals) is the same
    on both backends for no, one, an odd and an even number of living MSOs, ties in the reserves included."""
    need_numba()
    from msosim import metrics
    from tests.conftest import SCENARIOS

    model = MSOModel(SCENARIOS / "district.yaml", seed=2)
    m, n = model.msos, model.msos.n
    rng = np.random.default_rng(6)
    m.reserves[:n] = np.round(rng.lognormal(8, 1.5, n), -2)  # many equal values
    for living in (0, 1, 7, 8, n - 1):
        m.alive[:n] = False
        m.alive[rng.choice(n, living, replace=False)] = True
        results = {}
        for backend in ("numpy", "numba"):
            with kernels.using(backend):
                results[backend] = metrics._living(model)
        numba_counts, numba_sums, numba_median, numba_totals = results["numba"]
        counts, sums, middle, totals = results["numpy"]
        assert [int(c) for c in numba_counts] == [int(c) for c in counts]
        assert np.array_equal(np.array(numba_sums + numba_totals), np.array(sums + totals))
        assert float(numba_median) == float(middle), living


def test_volunteers_draw_large_rows_with_numpys_sampler_as_numpy(monkeypatch):
    """volunteers_quit_and_join on the kernels hands the rows of large mean of both its draws to numpy's sampler,
    in the numpy path's order: the same counts and generator state."""
    need_numba()
    from msosim.submodels import draws, volunteers

    sampled = []
    original = draws.sample
    monkeypatch.setattr(draws, "sample", lambda *args: sampled.append(args[3].size) or original(*args))
    states = {}
    for backend in ("numpy", "numba"):
        model = CASES["baseline-HB-district"](seed=7)
        step_on(backend, model)
        step_on(backend, model)  # a month inside the year: the members' yearly draws stay out
        m, n = model.msos, model.msos.n
        m.volunteers[: n: 3] += 3_000  # quits of large mean in every third row
        m.burnout[: n: 3] = 0.9
        m.members[: n: 5] = m.volunteers[: n: 5] + 500_000  # joins of large mean in every fifth
        sampled.clear()
        with kernels.using(backend):
            assert not model.year_starts
            volunteers.volunteers_quit_and_join(model)
        assert len(sampled) == 2 and min(sampled) > 0  # both draws took numpy's sampler
        states[backend] = (snapshot(model, 0), model.rng.bit_generator.state)
    assert_identical(states["numba"][0], states["numpy"][0], "volunteers_quit_and_join")
    assert states["numba"][1] == states["numpy"][1]


@pytest.mark.parametrize("settings", [{}, {"finance.own_position_cost": 0.0}])
def test_application_kernels_are_numpys(settings):
    """A call's application kernels (kernels/applying.py) against the numpy code: who applies and with what hours,
    for a funder with one call a year and one with several, and whose financing is secured, also with an income
    factor of an event (the own-income position scaled) and without an own-income position."""
    need_numba()
    import copy
    import dataclasses

    from msosim.submodels import applying, grants
    from tests.conftest import SCENARIOS, SMALL

    with kernels.using("numpy"):  # its spin-up on numpy too
        model = MSOModel(SCENARIOS / "baseline.yaml", seed=7, **SMALL, **settings)
    for _ in range(14):
        step_on("numpy", model)
    m = model.msos
    rows = m.alive[: m.n].nonzero()[0]
    new_share = np.random.default_rng(5).normal(0.0, 20_000.0, rows.size)
    by_calls = {len(f.calls) > 1: f for f in model.funders}
    assert set(by_calls) == {False, True}
    for factor in (1.0, 0.6):
        model.factors = dataclasses.replace(model.factors, income=factor)
        secured = {}
        for backend in ("numpy", "numba"):
            with kernels.using(backend):
                secured[backend] = applying.financing_secured(model, rows, model.t + 3, new_share, 2.0)
        assert np.array_equal(secured["numba"], secured["numpy"]), factor
        assert 0 < secured["numpy"].sum() < rows.size  # both outcomes occur
    for funder in by_calls.values():
        state = copy.deepcopy(model.rng.bit_generator.state)
        chosen = {}
        for backend in ("numpy", "numba"):
            model.rng.bit_generator.state = state
            with kernels.using(backend):
                chosen[backend] = grants._applying(model, funder, rows)
        for numba_values, numpy_values in zip(chosen["numba"], chosen["numpy"], strict=True):
            assert np.array_equal(numba_values.view(np.int64), numpy_values.view(np.int64))
        assert chosen["numpy"][0].size > 0


def test_kernels_divide_as_numpy_does():
    """Every kernel is compiled with numpy's error model: a division by zero gives numpy's inf or nan, as the numpy
    path does, instead of Python's ZeroDivisionError and its test before every division (a branch that keeps loops
    from being vectorised)."""
    need_numba()
    from numba.core.registry import CPUDispatcher

    with kernels.using("numba"):
        jit = kernels.compiled()
    dispatchers = {f"{module.__name__}.{name}": value for module in vars(jit).values() if isinstance(module, type(jit))
                   and module.__name__.startswith("msosim.kernels.") for name, value in vars(module).items()
                   if isinstance(value, CPUDispatcher)}
    assert len(dispatchers) > 40
    assert {name for name, kernel in dispatchers.items() if kernel.targetoptions.get("error_model") != "numpy"} == set()
    ratio, alive, burnout = np.array([0.0, 1.0]), np.array([True, True]), np.array([0.5, 0.5])
    jit.update_burnout(ratio, alive, burnout, 0.0, 0.1, 0.2)  # the first row's target is 0 / (0 + 0)
    with np.errstate(invalid="ignore"):
        target = ratio / (ratio + 0.0)
    assert np.isnan(target[0]) and np.isnan(burnout[0]) and burnout[1] == 0.5 + (target[1] - 0.5) * 0.1
