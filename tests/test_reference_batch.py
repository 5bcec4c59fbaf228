"""The reference tests on the batched path: every vectorised submodel, run on a Batch of several worlds, agrees
world by world with its one-MSO-at-a-time reference (issue 20; tests/test_reference.py does it for one world).

Method. A Batch A of several worlds (seeds 7, 8, 9 of the district case; 7, 8 of the stress case, marked slow, and
of the national case, for run_call) and, per seed, a single-world model B_w of the same scenario and seed (`CASES`
of test_reference) are stepped side by side. In A the submodel under test runs vectorised on all worlds at once,
each world's Generator (`A.streams.rngs[w]`) wrapped in a recorder for the call; in B_w the same call runs the
reference of tests/reference.py, fed world w's recorded draws (replayed on B_w's own Generator, which keeps the two
streams in step and checks they are). Right after each call, world w's part of A must equal B_w's
`snapshot` (test_reference): every MSO column (its rows ordered by `local`, district as its world's row), district,
grant (mso local, funder its world's index) and tie column (a, b local), the per-MSO admin hours, world w's flows,
its funders' books, its living MSOs and its new events (WorldLog keeps them with local ids). Every other submodel
runs vectorised in all models. A call of A that draws from the batch's own Mesa Generator fails the test.

Calls that draw nothing. Some draw sites of the batch call every world's Generator, also for a world whose part is
empty (a call for zero numbers consumes nothing); alone, that world may not reach the site at all (a call
that goes on because another world has applicants, ending grants, ...). So world w's recorded calls are served to
its reference with the calls that consumed nothing passed over when the reference asks for another method, and
left unused at the end; every call that consumed numbers must be taken, in order, with the reference's parameters.
The other way round, a batch's world with no draws at a site makes no call at all (Streams: a call for zero numbers
consumes none), and one that thins none of its rows makes no choice call (Streams.thin): a call the reference asks
for that world w did not make is served as a draw of no numbers (any number taken from it fails the test); the
reference's choice of none for a world that made none is such a draw.

Admin hours: `pay_costs` writes one value per MSO row as the rows are then; the batch moves the step's new MSOs into
their world's rows afterwards, so a world's part is read by the row counts per world when pay_costs last ran.
Living MSOs: a batch keeps no Mesa agent handles (Batch.add_mso_agents); world w's living MSOs are its local rows
with `alive`, compared with B_w's living agents.
"""

from __future__ import annotations

import inspect
from collections import deque
from types import SimpleNamespace

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import msosim.model
from msosim import kernels
from msosim.batch import WORLD_COLUMNS, Batch
from msosim.state import EventLog
from msosim.streams import Streams
from tests.reference import Draw, Draws, RecordedCall, RecordingGenerator

from .test_kernels import need_numba
from .test_reference import BRANCHES, CASES, SUBMODELS, assert_same_state, new_events, snapshot

SEEDS = {"baseline-HB-district": (7, 8, 9), "stress-SL-land": (7, 8), "baseline-national-few": (7, 8)}
STEPS = {"baseline-HB-district": 24, "stress-SL-land": 12}  # the stress case's seed 7 reaches every branch in 12


class NotingRecorder(RecordingGenerator):
    """A RecordingGenerator that also notes, per call, whether the call consumed random numbers."""

    def __init__(self, rng: np.random.Generator) -> None:
        super().__init__(rng)
        self.consumed: list[bool] = []

    def __getattr__(self, name: str):
        record = super().__getattr__(name)

        def noting(*args, **kwargs):
            before = self.rng.bit_generator.state
            result = record(*args, **kwargs)
            self.consumed.append(self.rng.bit_generator.state != before)
            return result

        return noting


class WorldDraws(Draws):
    """One world's recorded calls, served to its reference; calls that drew nothing may be passed over."""

    def __init__(self, calls, consumed: list[bool]) -> None:
        super().__init__(calls)
        self.idle = [not used for used in consumed]

    def _pass_idle(self, method: str) -> None:
        while self.taken < len(self.calls) and self.idle[self.taken] and self.calls[self.taken].method != method:
            self.taken += 1

    def take(self, method: str):
        self._pass_idle(method)
        if not super().next_is(method):  # a world with no draws at a site makes no call (streams.py): the reference
            self.draws.append(Draw(RecordedCall(method, (), {}, np.zeros(0)), self.taken))  # gets none of it
            return self.draws[-1]
        return super().take(method)

    def next_is(self, method: str) -> bool:
        self._pass_idle(method)
        return super().next_is(method)

    def finish(self) -> None:
        left = [call.method for call, idle in zip(self.calls[self.taken:], self.idle[self.taken:]) if not idle]
        assert not left, f"the batch drew numbers for this world that the reference never used: {left}"
        self.taken = len(self.calls)
        super().finish()


def rows_per_world(batch: Batch) -> np.ndarray:
    """Each world's number of MSO rows; the rows must be grouped by world (Batch._repack)."""
    world = batch.msos.world[: batch.msos.n]
    assert (world[1:] >= world[:-1]).all(), "the batch's MSO rows are not grouped by world"
    return np.bincount(world, minlength=batch.streams.count)


class AdminLayout:
    """Stands in for `pay_costs` (wrapping whatever the schedule calls): notes the batch's rows per world when it
    runs, the layout of `admin_hours` until it runs again."""

    def __init__(self, pay_costs, batch: Batch) -> None:
        self.pay_costs, self.batch = pay_costs, batch
        self.counts = rows_per_world(batch)  # the built batch: each world's admin hours, concatenated

    def __call__(self, model, *args):
        if model is self.batch:
            self.counts = rows_per_world(model)
        return self.pay_costs(model, *args)


def world_state(batch: Batch, w: int, events_before: int, admin_counts: np.ndarray) -> dict:
    """World w's part of the batch, as `snapshot` gives a single world's state (its own rows, ids and indices)."""
    m, state = batch.msos, {}
    rows = np.flatnonzero(m.world[: m.n] == w)
    rows = rows[np.argsort(m.local[rows], kind="stable")]
    assert_array_equal(m.local[rows], np.arange(rows.size), err_msg=f"world {w}: local rows not 0..n-1")
    state["msos.n"] = rows.size
    for name in (*m._columns, *m._matrices):
        if name not in WORLD_COLUMNS:
            state[f"msos.{name}"] = getattr(m, name)[rows].copy()
    state["msos.district"] -= batch.district_slices[w].start
    districts, funders = batch.district_slices[w], batch.funder_slices[w]
    state["districts.n"] = districts.stop - districts.start
    for name in batch.districts._columns:
        state[f"districts.{name}"] = getattr(batch.districts, name)[districts].copy()
    g = batch.grants
    mine = np.flatnonzero(m.world[g.mso[: g.n]] == w)  # in table order, as the world's own table holds them
    state["grants.n"] = mine.size
    for name in g._columns:
        state[f"grants.{name}"] = getattr(g, name)[mine].copy()
    state["grants.mso"] = m.local[g.mso[mine]]
    state["grants.funder"] -= funders.start
    state["grants.next_id"] = np.array(g.next_id[w])
    ties = batch.ties
    mine = np.flatnonzero(m.world[ties.a[: ties.n]] == w)
    assert (m.world[ties.b[mine]] == w).all(), f"world {w}: a tie reaches into another world"
    state["ties.n"] = mine.size
    for name in ties._columns:
        state[f"ties.{name}"] = getattr(ties, name)[mine].copy()
    state["ties.a"], state["ties.b"] = m.local[ties.a[mine]], m.local[ties.b[mine]]
    assert batch.admin_hours.size == admin_counts.sum(), "admin_hours does not have the layout pay_costs left"
    start = int(admin_counts[:w].sum())
    state["admin_hours"] = batch.admin_hours[start: start + admin_counts[w]].copy()
    state["funder_paid"] = batch.funder_paid[funders].copy()
    state["funder_returned"] = batch.funder_returned[funders].copy()
    for key, value in batch.flows[w].items():
        state[f"flow.{key}"] = np.array(value, dtype=float)
    state["living_agents"] = np.flatnonzero(m.alive[rows])  # local rows of the living MSOs
    state["events"] = world_events(batch, w, events_before)
    return state


def world_events(batch: Batch, w: int, events_before: int):
    """World w's events logged since event `events_before` of the batch's log, as `new_events` orders them."""
    data = batch.log.arrays()
    worlds = np.concatenate(batch.log.worlds) if batch.log.worlds else np.zeros(0, dtype=np.int16)
    mine = events_before + np.flatnonzero(worlds[events_before:] == w)
    data = {name: values[mine] for name, values in data.items()}
    cfg = batch.config
    names = [f.name for f in batch.funders[batch.funder_slices[w]]]
    frame = EventLog.frame_of(data, cfg.start_year + data["step"] / cfg.steps_per_year, names)
    return new_events(SimpleNamespace(event_frame=lambda: frame), 0)


def single_state(model, events_before: int) -> dict:
    """`snapshot` of a single world, with its next grant id (the batch counts grant ids per world)."""
    state = snapshot(model, events_before)
    state["grants.next_id"] = np.array(model.grants.appended)
    return state


class BatchLockstep:
    """Stands in for one submodel: vectorised (each world's draws recorded) in the batch, the reference on world
    w's draws in single model w. `crossed`: world w's reference gets the draws of world w + 1 (negative control)."""

    def __init__(self, vectorised, reference_function, batch: Batch, singles: list, name: str,
                 crossed: bool = False) -> None:
        self.vectorised, self.reference, self.name = vectorised, reference_function, name
        self.batch, self.singles, self.crossed = batch, singles, crossed
        self.layout: AdminLayout | None = None  # set by `start`
        self.takes_draws = "draws" in inspect.signature(reference_function).parameters
        self.pending = [deque() for _ in singles]
        self.compared = [0] * len(singles)
        self.widest = (0, 0)  # the most worlds, and funders, one call of the batch covered

    def __call__(self, model, *args):
        if model is self.batch:
            return self.run_batch(model, *args)
        w = next(k for k, single in enumerate(self.singles) if single is model)
        events_before = model.log.count()
        assert self.pending[w], f"{self.name}: single model {w} made a call the batch did not"
        recorded, expected = self.pending[w].popleft()
        calls, consumed = recorded[w]
        for call in calls:  # the same draws on B_w's generator keep it in step with world w's
            kwargs = dict(call.kwargs)
            if "out" in kwargs:  # Streams.random draws into a slice of its buffer
                kwargs["out"] = np.empty_like(kwargs["out"])
            assert_array_equal(getattr(model.rng, call.method)(*call.args, **kwargs), call.result,
                               err_msg=f"{self.name}: world {w}'s stream diverged from its single model's")
        if self.crossed:
            calls, consumed = recorded[(w + 1) % len(recorded)]
        if self.takes_draws:
            draws = WorldDraws(calls, consumed)
            self.reference(model, *args, draws=draws)
            draws.finish()
        else:
            self.reference(model, *args)
        assert_same_state(single_state(model, events_before), expected, f"{self.name}, world {w}, step {model.t}")
        self.compared[w] += 1

    def run_batch(self, batch: Batch, *args) -> None:
        events_before = batch.log.count()
        streams, rng = batch.streams, batch.rng
        recorders = [NotingRecorder(r) for r in streams.rngs]
        own = RecordingGenerator(rng)
        batch.streams, batch.rng = Streams(recorders), own
        try:
            self.vectorised(batch, *args)
        finally:
            batch.streams, batch.rng = streams, rng
        assert not own.calls, f"{self.name} draws from the batch's own Generator, not from a world's stream"
        # a call covers the worlds whose funders call (run_call: a programme's funders of every world), else all
        funders = args[0] if self.name == "run_call" else None
        worlds = sorted({f.world for f in funders}) if funders is not None else range(len(self.singles))
        self.widest = max(self.widest, (len(worlds), len(funders or ())))
        recorded = [(recorder.calls, recorder.consumed) for recorder in recorders]
        for w, recorder in enumerate(recorders):
            if not self.takes_draws:
                assert not recorder.calls, f"{self.name} draws random numbers but its reference takes none"
            if w not in worlds:
                assert not any(recorder.consumed), f"{self.name} drew for world {w}, which has no funder in the call"
                continue
            state = world_state(batch, w, events_before, self.layout.counts)
            self.pending[w].append((recorded, state))


def start(case: str, name: str, reference_function, monkeypatch, crossed: bool = False):
    """The batch and its single models of `case`, with the submodel `name` in lockstep (and the admin layout)."""
    module = next(module for module, known, _ in SUBMODELS if known == name)
    seeds = SEEDS[case]
    singles = [CASES[case](seed=seed) for seed in seeds]
    batch = Batch(singles[0].config, seeds)
    for rng, single in zip(batch.streams.rngs, singles):
        assert rng.bit_generator.state == single.rng.bit_generator.state
    lockstep = BatchLockstep(getattr(module, name), reference_function, batch, singles, name, crossed)
    monkeypatch.setattr(module, name, lockstep)
    lockstep.layout = AdminLayout(msosim.model.pay_costs, batch)  # outside the lockstep when pay_costs is tested
    monkeypatch.setattr(msosim.model, "pay_costs", lockstep.layout)
    built = [single.log.count() for single in singles]  # the single models' build events (the batch's are apart)
    for w, single in enumerate(singles):
        assert_same_state(single_state(single, built[w]), world_state(batch, w, 0, lockstep.layout.counts),
                          f"world {w} as built")
    return batch, singles, lockstep, built


def step_all(batch: Batch, singles: list, lockstep: BatchLockstep, steps: int) -> None:
    for _ in range(steps):
        batch.step()
        for single in singles:
            single.step()
        assert not any(lockstep.pending), f"{lockstep.name}: the batch made calls a single model did not"


CHECKED = ["baseline-HB-district", pytest.param("stress-SL-land", marks=pytest.mark.slow)]


@pytest.mark.parametrize("case", CHECKED)
@pytest.mark.parametrize("name, reference_function", [s[1:] for s in SUBMODELS], ids=[s[1] for s in SUBMODELS])
def test_batched_submodel_matches_reference(case, name, reference_function, monkeypatch):
    batch, singles, lockstep, built = start(case, name, reference_function, monkeypatch)
    steps = STEPS[case]
    step_all(batch, singles, lockstep, steps)
    for w, single in enumerate(singles):
        if name != "polarise" or case.startswith("stress"):
            assert lockstep.compared[w] > 0, f"{name} never ran in world {w} in {steps} steps of {case}"
        assert batch.streams.rngs[w].bit_generator.state == single.rng.bit_generator.state
        assert_same_state(single_state(single, built[w]), world_state(batch, w, 0, lockstep.layout.counts),
                          f"{case}, world {w} after {steps} steps")


COMPILED = [s[1:] for s in SUBMODELS if s[1] in kernels.SUBMODELS]


@pytest.mark.parametrize("name, reference_function", COMPILED, ids=[s[0] for s in COMPILED])
def test_batched_compiled_submodel_matches_reference(name, reference_function, monkeypatch):
    """The submodels with compiled kernels, on the batched path with the kernels (the test above runs the backend
    in force, the numpy code unless MSOSIM_KERNELS says otherwise)."""
    need_numba()
    with kernels.using("numba"):
        test_batched_submodel_matches_reference("baseline-HB-district", name, reference_function, monkeypatch)


@pytest.mark.slow
def test_stress_batch_reaches_every_branch():
    """The comparison above goes through every branch of test_reference.BRANCHES on the batched path: world 0
    (seed 7) of the stress batch reaches each in its steps."""
    single = CASES["stress-SL-land"](seed=7)
    batch = Batch(single.config, SEEDS["stress-SL-land"]).run(STEPS["stress-SL-land"] / single.config.steps_per_year)
    events = batch.world_tables(0, only=("events",))["events"]
    seen = set(zip(events["event"].astype(str), events["cause"].astype(str)))
    missing = [branch for branch in BRANCHES if branch not in seen]
    assert not missing, f"the stress batch never reaches {missing}; the batched comparison does not cover them"


def test_national_call_across_worlds_matches_reference(monkeypatch):
    """A Land programme calls in every Land at once: one call of the batch holds the funders of all Länder of all
    worlds, each ranking and paying its own world's applicants."""
    reference_function = next(ref for _, name, ref in SUBMODELS if name == "run_call")
    batch, singles, lockstep, built = start("baseline-national-few", "run_call", reference_function, monkeypatch)
    step_all(batch, singles, lockstep, 10)  # the Land programmes call in step 10
    assert min(lockstep.compared) > 0
    lands = sum(f.name.startswith("land_programmes:") for f in singles[0].funders)
    assert lands > 1 and lockstep.widest == (len(singles), lands * len(singles))
    for w, single in enumerate(singles):
        assert_same_state(single_state(single, built[w]), world_state(batch, w, 0, lockstep.layout.counts),
                          f"national, world {w} after 10 steps")


def test_another_worlds_draws_fail_the_comparison(monkeypatch):
    """The check can fail: world w's reference given the draws of world w + 1 (its own stream kept in step) leaves
    a state that differs (the district worlds have equally many MSOs, so the draws fit and only the state tells)."""
    name, reference_function = next((name, ref) for _, name, ref in SUBMODELS if name == "cooperate_with_municipality")
    batch, singles, lockstep, _ = start("baseline-HB-district", name, reference_function, monkeypatch, crossed=True)
    assert len({single.msos.n for single in singles}) == 1
    with pytest.raises(AssertionError, match="coop_municipality differs between reference and vectorised code"):
        step_all(batch, singles, lockstep, 6)
