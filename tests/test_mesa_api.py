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
    agent = model.mso_agents[5]
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
