"""The places of a population section (population._geography) are made once per process and shared by every world
built from it: each build gets the same districts as made afresh, and no world can change what the next one gets."""

from __future__ import annotations

import numpy as np
import pytest

from msosim import population
from msosim.scenario import load_scenario

from .conftest import SCENARIOS


@pytest.mark.parametrize("name", ["baseline.yaml", "district.yaml"])
def test_kept_places_are_the_places_made_afresh(name) -> None:
    """A landscape built from the kept places equals one built after the store was emptied, column for column;
    the world's own draws (openness, dialogue) still come from its Generator."""
    scenario = load_scenario(SCENARIOS / name)
    population._GEOGRAPHY.clear()
    fresh = population.build_landscape(scenario, np.random.default_rng(3))
    kept = population.build_landscape(scenario, np.random.default_rng(3))
    other_world = population.build_landscape(scenario, np.random.default_rng(4))
    assert len(population._GEOGRAPHY) == 1
    for name_ in fresh.districts._columns:
        assert np.array_equal(fresh.districts.view(name_), kept.districts.view(name_)), name_
    assert np.array_equal(fresh.districts.view("migrants"), other_world.districts.view("migrants"))
    assert not np.array_equal(fresh.districts.view("openness"), other_world.districts.view("openness"))
    assert (fresh.land_codes, fresh.scale_factor, fresh.n_msos) == (kept.land_codes, kept.scale_factor, kept.n_msos)
    assert np.array_equal(fresh.land_mso_share, kept.land_mso_share)


def test_a_world_cannot_change_the_kept_places() -> None:
    """The kept arrays are read-only, and a world's districts are its own copy: changing them (municipal budgets,
    newcomers, openness move during a run) leaves the next world's landscape as it was."""
    scenario = load_scenario(SCENARIOS / "district.yaml")
    first = population.build_landscape(scenario, np.random.default_rng(1))
    first.districts.view("migrants")[:] = -1.0
    first.land_codes.append("XX")
    second = population.build_landscape(scenario, np.random.default_rng(1))
    assert (second.districts.view("migrants") > 0).all()
    assert "XX" not in second.land_codes
    for array in population._geography(scenario.population)[1:5]:
        assert not array.flags.writeable
