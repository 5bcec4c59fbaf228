"""A spun-up world's survivors as a run's initial state: taken out of one model, brought to the target size and the
SVR activity-field shares, and put into another (issue 15, item 4; docs/ODD.md section 5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .population import read_data
from .state import GRANT_COLUMNS, MATRIX_COLUMNS, MSO_COLUMNS, TIE_COLUMNS, Table, mso_table

if TYPE_CHECKING:
    from .model import MSOModel

NO_GRANT_YET = -10_000  # `last_grant_start` of an MSO that never had a grant
DISTRICT_CARRIED = ("openness_base", "openness", "experience", "newcomers")
RESET_TO_ZERO = ("grant_income_total", "municipal_income_total", "grant_returned_total", "application_hours",
                 "below_core_months", "insolvent_months")  # flows and totals "since the start" start again
RAKING_ROUNDS = 50


def field_targets() -> np.ndarray:
    """The SVR activity-field shares (activity_fields.csv), pattern 1."""
    return read_data("activity_fields.csv")["share"].to_numpy(dtype=float)


def rake(fields: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Weights (mean 1) under which each binary column's weighted share is its target: iterative proportional
    fitting of the marginals (raking; Deming & Stephan 1940)."""
    weights = np.ones(fields.shape[0])
    if fields.shape[0] == 0:
        return weights
    for _ in range(RAKING_ROUNDS):
        for j, target in enumerate(targets):
            has = fields[:, j]
            share = weights[has].sum() / weights.sum()
            if 0.0 < share < 1.0:
                weights[has] *= target / share
                weights[~has] *= (1.0 - target) / (1.0 - share)
    return weights / weights.mean()


def systematic_copies(weights: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """How often each row is taken so that exactly `total` are taken, each row floor or ceil of its expected
    count `total * w / sum(w)`: systematic sampling proportional to size over a random order (Madow 1949)."""
    if weights.size == 0:
        return np.zeros(0, dtype=np.int64)
    expected = total * weights / weights.sum()
    order = rng.permutation(weights.size)
    upper = np.cumsum(expected[order])
    start = rng.random()
    taken = np.floor(upper + start) - np.floor(upper - expected[order] + start)
    copies = np.zeros(weights.size, dtype=np.int64)
    copies[order] = taken.astype(np.int64)
    return copies


def extract_state(model: MSOModel) -> dict[str, np.ndarray]:
    """The living MSOs of a finished model, taken proportionally to their raking weights until there are as many as
    it started with (a row taken twice is a clone: the MSO's state without its grants and ties), with their active
    grants and ties; steps counted back from the run's first step (the model's last step becomes step 0).
    Draws from the model's generator."""
    m, steps, rng = model.msos, model.t, model.rng
    alive = np.flatnonzero(m.alive[: m.n])
    if alive.size == 0:
        raise ValueError(f"population.initial 'spinup': no MSO survived the {steps} steps of the spin-up; "
                         "allowed: a world where MSOs survive, fewer population.spinup_years, or initial 'tables'")
    copies = systematic_copies(rake(m.fields[alive], field_targets()), model.initial_count, rng)
    rows = np.repeat(alive, copies)
    first = np.ones(rows.size, dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    position = np.full(m.n, -1, dtype=np.int64)
    position[rows[first]] = np.flatnonzero(first)
    state = {f"msos.{name}": getattr(m, name)[rows].copy() for name in (*MSO_COLUMNS, *MATRIX_COLUMNS)}
    _restart_msos(state, steps, ~first, model)
    g = model.grants
    grants = np.flatnonzero(g.active[: g.n])
    grants = grants[position[g.mso[grants]] >= 0]
    state.update({f"grants.{name}": getattr(g, name)[grants].copy() for name in GRANT_COLUMNS if name != "id"})
    state["grants.mso"] = position[state["grants.mso"]]
    for name in ("start", "end", "awarded_step"):
        state[f"grants.{name}"] -= steps
    for name in ("paid", "unspent", "returned"):
        state[f"grants.{name}"][:] = 0.0
    ties = model.ties
    live = np.flatnonzero(ties.active[: ties.n])
    live = live[(position[ties.a[live]] >= 0) & (position[ties.b[live]] >= 0)]
    state.update({f"ties.{name}": getattr(ties, name)[live].copy() for name in TIE_COLUMNS})
    state["ties.a"], state["ties.b"] = position[state["ties.a"]], position[state["ties.b"]]
    state["ties.formed_step"] -= steps
    state["ties.breaks_step"] -= steps
    state.update({f"districts.{name}": model.districts.view(name).copy() for name in DISTRICT_CARRIED})
    state["spinup_steps"] = np.array(steps)
    return state


def _restart_msos(state: dict[str, np.ndarray], steps: int, clone: np.ndarray, model: MSOModel) -> None:
    """Survivors as initial MSOs of a new run; clones hold no grant and set reserves aside for their staff
    (as staffed MSOs without a grant do in initial_grants)."""
    state["msos.initial"][:] = True
    state["msos.died_step"][:] = -1
    state["msos.death_cause"][:] = 0
    state["msos.cliff"][:] = False
    for name in RESET_TO_ZERO:
        state[f"msos.{name}"][:] = 0
    state["msos.founded_step"] -= steps
    last = state["msos.last_grant_start"]
    had = last > NO_GRANT_YET
    last[had] -= steps
    last[clone] = NO_GRANT_YET
    fin = model.config.finance
    months = fin.reserve_months_to_keep_staff + model.rng.uniform(0.0, 12.0, int(clone.sum()))
    staff = state["msos.staff_fte"][clone]
    state["msos.reserves"][clone] += staff * (fin.staff_cost_per_fte + fin.office_costs) / 12.0 * months


def install_msos(state: dict[str, np.ndarray]) -> Table:
    """The MSO table of a spun-up state."""
    count = state["msos.alive"].size
    msos = mso_table(int(count * 1.3) + 64)
    msos.append(count, **{name: state[f"msos.{name}"] for name in (*MSO_COLUMNS, *MATRIX_COLUMNS)})
    return msos


def install_grants_and_ties(model: MSOModel, state: dict[str, np.ndarray]) -> None:
    """The spun-up state's running grants, ties and district state into a model whose MSOs came from it."""
    if state["districts.openness"].size != model.districts.n:
        raise ValueError("the spun-up world has other districts than this run")
    count = state["grants.mso"].size
    model.grants.append(count, **{name: state[f"grants.{name}"] for name in GRANT_COLUMNS if name != "id"})
    count = state["ties.a"].size
    model.ties.append(count, **{name: state[f"ties.{name}"] for name in TIE_COLUMNS})
    model.log.add(0, "tie_formed", state["ties.a"], cause="initial", partner=state["ties.b"])
    for name in DISTRICT_CARRIED:
        model.districts.view(name)[:] = state[f"districts.{name}"]
