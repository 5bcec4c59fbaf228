"""A funder agent: a federal programme, a Land programme or a foundation, with its calls of the year."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from ..scenario import FunderConfig
from ..state import INSTITUTIONAL, PROJECT

if TYPE_CHECKING:
    from ..model import MSOModel


class Funder(mesa.Agent):
    """Holds a budget per year and a mode; opens `calls_per_year` calls a year and awards grants.

    The model runs the calls (`submodels.grants.run_call`): a programme's funders in the Länder that call
    in the same step share one vectorised call."""

    def __init__(self, model: MSOModel, index: int, name: str, config: FunderConfig, original: FunderConfig,
                 land: int, budget: float) -> None:
        super().__init__(model)
        self.index = index
        self.world = 0              # the world of a batch it belongs to (msosim.batch)
        self.name = name
        self.config = config        # after the scenario's policy levers
        self.original = original    # as configured (today's programmes, used for the initial grants)
        self.land = land            # Land row, or -1 for a national funder
        self.budget = budget        # EUR per year at this run's scale
        scale = budget / config.budget if config.budget > 0 else 0.0
        self.original_budget = original.budget * scale  # today's budget at this scale (initial grants)
        self.calls = call_steps(config, model.config.steps_per_year)  # steps of the year with a call
        # the application support of its world's policy (in a batch, worlds may differ in their policy levers)
        self.application_support = model.config.overlay.application_support

    def pools(self) -> list[tuple[int, float]]:
        """(grant kind, share of the budget) in the order the pools are filled."""
        if self.config.mode == "project":
            return [(PROJECT, 1.0)]
        if self.config.mode == "institutional":
            return [(INSTITUTIONAL, 1.0)]
        share = self.config.institutional_share
        return [(INSTITUTIONAL, share), (PROJECT, 1.0 - share)]

    def calls_now(self) -> bool:
        """True in a step that holds one of this funder's calls."""
        return (self.model.t - 1) % self.model.config.steps_per_year in self.calls and self.budget > 0

    def __repr__(self) -> str:
        return f"Funder({self.name!r}, mode={self.config.mode}, budget={self.budget:,.0f})"


def call_steps(config: FunderConfig, steps_per_year: int) -> set[int]:
    """Steps of the year of a funder's calls: `calls_per_year` calls from `call_month` on, evenly spread (fewer
    when two fall in one step, e.g. twelve calls at four steps a year are four)."""
    months = {(config.call_month - 1 + round(k * 12 / config.calls_per_year)) % 12 for k in range(config.calls_per_year)}
    return {month * steps_per_year // 12 for month in months}


def calling_programmes(funders: list[Funder]) -> list[list[Funder]]:
    """The funders whose call is this step, grouped by programme (a Land programme's copies share settings)."""
    groups: dict[int, list[Funder]] = {}
    for funder in funders:
        if funder.calls_now():
            groups.setdefault(id(funder.config), []).append(funder)
    return list(groups.values())


def build_funders(model: MSOModel, land_mso_share, scale_factor: float) -> list[Funder]:
    """One Funder per programme, or per programme and Land; budgets scaled to the run's share of MSOs."""
    funders: list[Funder] = []
    after_policy = model.config.overlay.funders
    for name, original in model.config.funders.items():
        config = after_policy[name]
        if not config.per_land:
            funders.append(Funder(model, len(funders), name, config, original, -1, config.budget * scale_factor))
            continue
        for land, share in enumerate(land_mso_share):
            if share > 0:
                label = f"{name}:{model.land_codes[land]}"
                funders.append(Funder(model, len(funders), label, config, original, land,
                                      config.budget * scale_factor * share))
    return funders
