"""Speed must never change the model: each vectorised submodel agrees with its one-MSO-at-a-time reference.

Two models are built from the same scenario and seed, so they are identical. Both are stepped; in
model A the submodel under test runs vectorised, with its random draws recorded; in model B the
same call runs the reference in `tests/reference.py`, fed the same draws (replayed on B's own
generator, which keeps the two streams in step). Right after each call the whole state of B
(every MSO, district, grant and tie column, flows, funders' books, living agents, new events)
must equal A's. Every other submodel runs vectorised in both models.
"""

from __future__ import annotations

import inspect
from collections import deque

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import msosim.model
import msosim.submodels.events
from msosim import MSOModel, kernels, load_scenario
from tests import reference
from msosim.agents import MSO
from msosim.streams import Streams
from tests.reference import Draws, RecordingGenerator
from msosim.scenario import with_overrides

from .conftest import SCENARIOS, SMALL

STEPS = 24
RTOL, ATOL = 1e-10, 1e-8

# (module holding the name the schedule calls, name, reference)
SUBMODELS = [
    (msosim.model, "arise_demand", reference.arise_demand),
    (msosim.model, "end_grants", reference.end_grants),
    (msosim.model, "run_call", reference.run_call),
    (msosim.model, "adjust_staff", reference.adjust_staff),
    (msosim.model, "delegate_tasks", reference.delegate_tasks),
    (msosim.model, "collect_income", reference.collect_income),
    (msosim.model, "pay_costs", reference.pay_costs),
    (msosim.model, "spend_reserves", reference.spend_reserves),
    (msosim.model, "deliver_services", reference.deliver_services),
    (msosim.model, "update_burnout", reference.update_burnout),
    (msosim.model, "volunteers_quit_and_join", reference.volunteers_quit_and_join),
    (msosim.model, "cooperate_with_municipality", reference.cooperate_with_municipality),
    (msosim.model, "form_and_break_ties", reference.form_and_break_ties),
    (msosim.model, "join_and_leave_federations", reference.join_and_leave_federations),
    (msosim.model, "update_trust", reference.update_trust),
    (msosim.model, "update_municipalities", reference.update_municipalities),
    (msosim.model, "decay_rejections", reference.decay_rejections),
    (msosim.model, "dissolve", reference.dissolve),
    (msosim.submodels.events, "polarise", reference.polarise),
]


def stress_scenario():
    """A Land with several districts, quarterly steps and every branch made likely within a few years."""
    base = load_scenario(SCENARIOS / "mixed.yaml")
    return with_overrides(base, {
        "population.scale": "land", "population.land": "SL", "steps_per_year": 4, "population.initial": "tables",
        "policy.micro_grants_budget": 2e7, "policy.dialogue_formats": 0.5, "policy.institutional_share": 0.6,
        "policy.application_support": 0.5,
        "funders.foundations.selection": "need", "funders.federal_integration.institutional_years": 1.0,
        "funders.land_programmes.institutional_years": 1.5, "min_active_volunteers": 5,
        "volunteer_grace_months": 3, "background_dissolution_rate": 0.2, "finance.insolvency_months": 2,
        "burnout_dissolution_rate": 1.0, "merger_rate": 0.5,
        "finance.reserve_months_to_keep_staff": 2.0, "municipality.budget_per_migrant": 0.2,
        "municipality.delegation_rate": 6.0, "cooperation.tie_rate": 2.0, "cooperation.tie_break_rate": 0.3,
        "cooperation.federation_join_rate": 0.2, "cooperation.federation_leave_rate": 0.2,
        "events": [{"kind": "refugee_surge", "start": 2014.0, "newcomers": [900000.0, 300000.0]},
                   {"kind": "polarisation", "start": 2015.1, "tie_break_probability": 0.9},
                   {"kind": "pandemic", "start": 2015.5, "duration_years": 1.0},
                   {"kind": "austerity", "start": 2016.0, "budget_cut": 0.5}],
    })


CASES = {
    "baseline-HB-district": lambda seed: MSOModel(SCENARIOS / "baseline.yaml", seed=seed, **SMALL),
    "stress-SL-land": lambda seed: MSOModel(stress_scenario(), seed=seed),
    # national, few MSOs: a Land programme calls in every Land at once (one call, many funders)
    "baseline-national-few": lambda seed: MSOModel(SCENARIOS / "baseline.yaml", seed=seed, **{"population.n_msos": 500}),
}


def snapshot(model: MSOModel, events_before: int) -> dict:
    """Everything a submodel may change, copied: all table columns, flows, books, living agents, new events."""
    state = {}
    for table in ("msos", "districts", "grants", "ties"):
        rows = getattr(model, table)
        state[f"{table}.n"] = rows.n
        for name, column in vars(rows).items():
            if isinstance(column, np.ndarray):
                state[f"{table}.{name}"] = column[: rows.n].copy()
    state["admin_hours"] = np.array(model.admin_hours, copy=True)
    state["funder_paid"] = model.funder_paid.copy()
    state["funder_returned"] = model.funder_returned.copy()
    for key, value in model.flow.items():
        state[f"flow.{key}"] = np.array(value, dtype=float)
    state["living_agents"] = np.array(sorted(agent.row for agent in model.agents_by_type[MSO]))
    state["events"] = new_events(model, events_before)
    return state


def new_events(model: MSOModel, events_before: int) -> pd.DataFrame:
    """The events logged since `events_before`, in a canonical order (the log's order is not part of the model)."""
    frame = model.event_frame().iloc[events_before:]
    keys = ["step", "event", "mso", "cause", "funder", "partner", "rank", "amount", "hours", "score", "staff_fte"]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def assert_same_state(reference_state: dict, vectorised_state: dict, where: str) -> None:
    assert reference_state.keys() == vectorised_state.keys()
    for key, expected in vectorised_state.items():
        actual = reference_state[key]
        message = f"{where}: {key} differs between reference and vectorised code"
        if isinstance(expected, pd.DataFrame):
            pd.testing.assert_frame_equal(actual, expected, check_exact=False, rtol=RTOL, atol=ATOL, obj=message)
        elif np.asarray(expected).dtype.kind == "f":
            assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=message)
        else:
            assert_array_equal(actual, expected, err_msg=message)


class Lockstep:
    """Stands in for one submodel: vectorised (recorded) in model A, the reference on the same draws in model B."""

    def __init__(self, vectorised, reference_function, model_a: MSOModel, model_b: MSOModel, name: str) -> None:
        self.vectorised, self.reference, self.name = vectorised, reference_function, name
        self.model_a, self.model_b = model_a, model_b
        self.takes_draws = "draws" in inspect.signature(reference_function).parameters
        self.pending: deque = deque()
        self.compared = 0

    def __call__(self, model: MSOModel, *args):
        events_before = model.log.count()
        if model is self.model_a:
            recorder = RecordingGenerator(model.rng)
            streams = model.streams
            model.rng, model.streams = recorder, Streams([recorder])  # the step draws through streams (streams.py)
            try:
                self.vectorised(model, *args)
            finally:
                model.rng, model.streams = recorder.rng, streams
            if not self.takes_draws:
                assert not recorder.calls, f"{self.name} draws random numbers but its reference takes none"
            self.pending.append((recorder.calls, snapshot(model, events_before)))
            return
        assert model is self.model_b
        calls, expected = self.pending.popleft()
        for call in calls:  # the same draws on B's generator keep both streams in step
            assert_array_equal(getattr(model.rng, call.method)(*call.args, **call.kwargs), call.result,
                               err_msg=f"{self.name}: the two models' random streams diverged")
        if self.takes_draws:
            draws = Draws(calls)
            self.reference(model, *args, draws=draws)
            draws.finish()
        else:
            self.reference(model, *args)
        assert_same_state(snapshot(model, events_before), expected, f"{self.name} at step {model.t}")
        self.compared += 1


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("module, name, reference_function", SUBMODELS, ids=[s[1] for s in SUBMODELS])
def test_vectorised_submodel_matches_reference(case, module, name, reference_function, monkeypatch):
    """On the backend in force (msosim.kernels: the numpy code unless MSOSIM_KERNELS says numba)."""
    compare_with_reference(case, module, name, reference_function, monkeypatch)


COMPILED = [s for s in SUBMODELS if s[1] in kernels.SUBMODELS]


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("module, name, reference_function", COMPILED, ids=[s[1] for s in COMPILED])
def test_compiled_submodel_matches_reference(case, module, name, reference_function, monkeypatch):
    """A submodel with compiled kernels matches its reference on the compiled path too (the test above runs the
    numpy code, the default)."""
    from tests.test_kernels import need_numba

    need_numba()
    with kernels.using("numba"):
        compare_with_reference(case, module, name, reference_function, monkeypatch)


def compare_with_reference(case, module, name, reference_function, monkeypatch):
    model_a, model_b = CASES[case](seed=7), CASES[case](seed=7)
    lockstep = Lockstep(getattr(module, name), reference_function, model_a, model_b, name)
    monkeypatch.setattr(module, name, lockstep)
    for _ in range(STEPS):
        model_a.step()
        model_b.step()
        assert not lockstep.pending
    if name != "polarise" or case.startswith("stress"):
        assert lockstep.compared > 0, f"{name} never ran in {STEPS} steps of {case}"
    assert model_a.rng.bit_generator.state == model_b.rng.bit_generator.state
    assert_same_state(snapshot(model_b, 0), snapshot(model_a, 0), f"{case} after {STEPS} steps")


# Which branches the comparison above went through: each (event, cause) must occur in the stress case.
BRANCHES = [
    ("dissolved", "volunteers"), ("dissolved", "insolvency"), ("dissolved", "background"),
    ("dissolved", "burnout"), ("dissolved", "merger"),
    ("grant_renewed", ""), ("grant_ended", "with_successor"), ("grant_ended", "without_successor"),
    ("grant_ended", "dissolution"), ("staff_hired", "grant_start"), ("staff_let_go", "grant_end"),
    ("staff_let_go", "finances"), ("staff_let_go", "dissolution"), ("task_delegated", "funded"),
    ("task_delegated", "unfunded"), ("tie_formed", ""), ("tie_broken", "drift"), ("tie_broken", "polarisation"),
    ("tie_broken", "dissolution"), ("federation_joined", ""), ("federation_left", "drift"),
    ("federation_left", "polarisation"), ("municipal_cooperation_started", "dialogue"),
    ("municipal_cooperation_started", "drift"), ("municipal_cooperation_ended", "drift"),
    ("grant_applied", ""), ("grant_awarded", ""), ("grant_rejected", ""),
]


def test_stress_case_reaches_every_branch():
    model = CASES["stress-SL-land"](seed=7)
    model.run(STEPS / model.config.steps_per_year)
    events = model.event_frame()
    seen = set(zip(events["event"].astype(str), events["cause"].astype(str)))
    missing = [branch for branch in BRANCHES if branch not in seen]
    assert not missing, f"the stress case never reaches {missing}; the reference comparison does not cover them"
    awarded = events[events["event"] == "grant_awarded"]
    by_name = {f.name: f.config.selection for f in model.funders}  # awards, not grant rows (ended ones are retired)
    funders = {by_name[name] for name in awarded["funder"].astype(str)}
    assert {"score", "need", "lottery"} <= funders and len(awarded) > 0
    assert set(model.grants.kind[: model.grants.n]) == {0, 1}
