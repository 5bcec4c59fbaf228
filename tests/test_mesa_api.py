"""Mesa users' habits work: agents are mesa.Agent, keyword construction, datacollector, batch_run."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from msosim import MSOModel
from msosim.agents import MSO, Funder, Municipality

from .conftest import SCENARIOS, SMALL


def test_agents_are_mesa_agents_and_mso_is_a_handle_onto_its_row() -> None:
    model = MSOModel(SCENARIOS / "district.yaml", seed=1, **SMALL)
    assert isinstance(model, mesa.Model)
    msos = model.agents_by_type[MSO]
    assert len(msos) == model.msos.n
    assert len(model.agents_by_type[Municipality]) == model.districts.n
    assert len(model.agents_by_type[Funder]) >= 3
    agent = model.mso_by_row[5]
    agent.volunteers = 42
    assert model.msos.volunteers[5] == 42
    model.msos.reserves[5] = 1234.5
    assert agent.reserves == 1234.5
    assert agent.kind in {"staffed", "volunteer_only"}


def test_keyword_construction_with_path_overrides_and_rng() -> None:
    model = MSOModel(scenario=str(SCENARIOS / "district.yaml"), rng=3, policy__budget_factor=0.5, **SMALL)
    assert model.config.policy.budget_factor == 0.5
    assert model.config.population.land == "HB"
    twin = MSOModel(scenario=str(SCENARIOS / "district.yaml"), seed=3, policy__budget_factor=0.5, **SMALL)
    assert np.array_equal(model.msos.members[: model.msos.n], twin.msos.members[: twin.msos.n])


def test_datacollector_gives_the_monthly_table() -> None:
    model = MSOModel(SCENARIOS / "district.yaml", seed=1, **SMALL)
    for _ in range(5):
        model.step()
    table = model.datacollector.get_model_vars_dataframe()
    assert list(table["step"]) == [0, 1, 2, 3, 4, 5]
    pd.testing.assert_frame_equal(table, model.tables()["model"])


def test_mesa_batch_run_returns_rows() -> None:
    results = mesa.batch_run(MSOModel, parameters={"scenario": str(SCENARIOS / "district.yaml")},
                             rng=[1, 2, 3], max_steps=24, data_collection_period=1, number_processes=1,
                             display_progress=False)
    frame = pd.DataFrame(results)
    assert len(frame) == 3 * 25
    assert {"alive", "staff_fte", "volunteers", "Step", "RunId"} <= set(frame.columns)
    final = frame[frame["Step"] == 24]
    assert final["alive"].nunique() > 1 or final["volunteers"].nunique() > 1


def _mesa_view(model: MSOModel) -> tuple:
    """What Mesa knows of a model's agents: ids and types in registration order, MSO rows, the id counter."""
    msos = model.agents_by_type[MSO]
    return ([(a.unique_id, type(a).__name__) for a in model.agents], [(a.unique_id, a.row) for a in msos],
            model.agent_id_counter, sorted(a.row for a in model.mso_by_row if a in msos))


def test_bulk_handles_register_and_remove_exactly_as_mesa_agent_by_agent(monkeypatch) -> None:
    import msosim.agents.mso as mso_module

    def build_and_run() -> tuple[MSOModel, tuple]:
        model = MSOModel(SCENARIOS / "district.yaml", seed=4, **SMALL)
        model.run(4)  # long enough to found and dissolve MSOs
        return model, _mesa_view(model)

    bulk, bulk_view = build_and_run()
    monkeypatch.setattr(mso_module, "_bulk_ok", lambda model, signal: False)  # Mesa's own path, agent by agent
    plain, plain_view = build_and_run()
    assert bulk.msos.n > bulk.initial_count and not bulk.msos.alive[: bulk.msos.n].all()  # founded and dissolved
    assert bulk_view == plain_view
    assert len(bulk.agents_by_type[MSO]) == int(bulk.msos.alive[: bulk.msos.n].sum())
    pd.testing.assert_frame_equal(bulk.tables()["model"], plain.tables()["model"])


def test_agent_signals_reach_subscribers_for_founded_and_dissolved_msos() -> None:
    from mesa.experimental.mesa_signals import ModelSignals

    model = MSOModel(SCENARIOS / "district.yaml", seed=4, **SMALL)
    added, removed = [], []

    def on_added(signal) -> None:
        added.append(signal.additional_kwargs["args"][0])

    def on_removed(signal) -> None:
        removed.append(signal.additional_kwargs["args"][0])

    model.observe("agents", ModelSignals.AGENT_ADDED, on_added)
    model.observe("agents", ModelSignals.AGENT_REMOVED, on_removed)
    count = model.msos.n
    model.run(3)
    assert [a.row for a in added] == list(range(count, model.msos.n))
    assert sorted(a.row for a in removed) == sorted((~model.msos.alive[: model.msos.n]).nonzero()[0].tolist())
    assert all(a not in model.agents for a in removed)


def test_handles_are_made_when_first_read_as_mesa_would_have_made_them(monkeypatch) -> None:
    """A run that never reads Mesa's agents makes no MSO handles; reading them (or registering another agent
    mid-run) makes them, with the ids, order and agent sets of Mesa's own path, agent by agent."""
    import msosim.agents.mso as mso_module

    def build_and_run(read: bool) -> tuple[MSOModel, tuple]:
        model = MSOModel(SCENARIOS / "district.yaml", seed=4, **SMALL)
        model.run(2)
        if read:
            assert MSO not in model._agents_by_type and model._handle_ops  # deferred: none made yet
            assert len(model._all_agents) == len(model.funders) + model.districts.n
        visitor = mesa.Agent(model)  # another agent mid-run: after every MSO handle so far, in Mesa's order
        model.run(2)
        return model, (_mesa_view(model), visitor.unique_id)

    deferred, deferred_view = build_and_run(read=True)
    monkeypatch.setattr(mso_module, "_bulk_ok", lambda model, signal: False)
    plain, plain_view = build_and_run(read=False)
    assert deferred.msos.n > deferred.initial_count and not deferred.msos.alive[: deferred.msos.n].all()
    assert deferred_view == plain_view
    assert [agent.row for agent in deferred.mso_by_row] == list(range(deferred.msos.n))
