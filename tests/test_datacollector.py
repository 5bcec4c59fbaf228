"""model.datacollector passes Mesa's DataCollector API: model variables, agent variables (of the living MSOs),
the layout batch_run reads."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from msosim import MSOModel
from msosim.agents import MSO

from .conftest import SCENARIOS, SMALL

REPORTERS = {"volunteers": "volunteers", "staff": "staff_fte", "kind": "kind", "twice": lambda agent: 2 * agent.volunteers}


@pytest.fixture(scope="module")
def model() -> MSOModel:
    return MSOModel(SCENARIOS / "district.yaml", seed=2, agent_reporters=REPORTERS, **SMALL).run(2)


def test_agent_variables_are_one_row_per_step_and_living_mso(model) -> None:
    frame = model.datacollector.get_agent_vars_dataframe()
    assert frame.index.names == ["Step", "AgentID"] and list(frame.columns) == list(REPORTERS)
    assert list(frame.groupby(level="Step").size().index) == list(range(25))
    living = model.agents_by_type[MSO]
    last = frame.xs(24, level="Step")
    assert len(last) == len(living) and not frame.index.duplicated().any()
    for agent in living:  # what Mesa's own DataCollector would record for these reporters
        row = last.loc[agent.unique_id]
        assert (row["volunteers"], row["staff"], row["kind"]) == (agent.volunteers, agent.staff_fte, agent.kind)
        assert row["twice"] == 2 * agent.volunteers
    np.testing.assert_array_equal(last.groupby("kind").size().sort_index().to_numpy(),
                                  pd.Series([a.kind for a in living]).value_counts().sort_index().to_numpy())


def test_dissolved_msos_leave_the_agent_variables_as_they_leave_model_agents(model) -> None:
    frame = model.datacollector.get_agent_vars_dataframe()
    counts = frame.groupby(level="Step").size().to_numpy()
    alive = model.datacollector.get_model_vars_dataframe()["alive"].to_numpy()
    np.testing.assert_array_equal(counts, alive)
    assert set(frame.xs(24, level="Step").index) == {agent.unique_id for agent in model.agents_by_type[MSO]}


def test_without_agent_reporters_it_behaves_as_mesa_s_collector() -> None:
    plain = MSOModel(SCENARIOS / "district.yaml", seed=2, **SMALL)
    with pytest.raises(UserWarning, match="No agent reporters"):
        plain.datacollector.get_agent_vars_dataframe()
    with pytest.warns(UserWarning):
        assert plain.datacollector.get_agenttype_vars_dataframe(MSO).empty
    assert plain.datacollector._agent_records == {}


def test_batch_run_returns_agent_rows_with_agent_reporters() -> None:
    results = mesa.batch_run(MSOModel, parameters={"scenario": str(SCENARIOS / "district.yaml"),
                                                   "agent_reporters": [{"volunteers": "volunteers"}]},
                             rng=[1], max_steps=2, data_collection_period=1, number_processes=1,
                             display_progress=False)
    frame = pd.DataFrame(results)
    assert {"AgentID", "volunteers", "alive", "Step"} <= set(frame.columns)
    per_step = frame.groupby("Step").size()
    assert (per_step.to_numpy() == frame.groupby("Step")["alive"].first().to_numpy()).all()


def test_the_agent_sets_agree_on_who_is_alive(model) -> None:
    """model.agents, agents_by_type[MSO] and model.mso_agents hold the living MSOs; model.mso_by_row every MSO ever."""
    living = set(model.agents_by_type[MSO])
    assert model.msos.n > model.initial_count and not model.msos.alive[: model.msos.n].all()
    assert set(model.mso_agents) == living == {a for a in model.agents if isinstance(a, MSO)}
    assert len(living) == int(model.msos.alive[: model.msos.n].sum())
    assert len(model.mso_by_row) == model.msos.n and all(a.row == row for row, a in enumerate(model.mso_by_row))
    assert {a for a in model.mso_by_row if a.alive} == living
    dissolved = [a for a in model.mso_by_row if not a.alive]
    assert dissolved and not any(a in model.agents for a in dissolved)
    assert all(len(a.story()) for a in dissolved[:3])  # a dissolved MSO's story stays readable by row
