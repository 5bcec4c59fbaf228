"""The budget rule: every candidate's lever mix is projected onto the budget, so it spends it by construction.

Spending on the levers [EUR/year, national scale]: a money lever spends its value times policy.budget_factor
(funder_after_policy multiplies every budget by it), a priced lever its value times its cost. A candidate
gives each money and priced lever a weight in its share range; the weights are moved by one common amount t
and clipped to the ranges, with t chosen (bisection) so the shares sum to 1: the Euclidean projection onto
{shares in their ranges, sum 1}. Lever i then gets share_i x budget, set as the value that spends it. A priced
lever's range is cut where its value would pass the schema's maximum (a share cannot pass 1), so no value is
clipped after the projection and the spending is the budget up to rounding (tests/test_optimize_budget.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..scenario import Scenario
from .optimize_file import Lever, Optimisation

BISECTIONS = 200


def dotted_value(scenario: Scenario, key: str) -> Any:
    """The value of a dotted key in a scenario (funders.<name>.budget included)."""
    node: Any = scenario
    for part in key.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def lever_value(scenario: Scenario, key: str) -> float:
    """A lever's value; an empty professionalisation budget is the structure programme's own budget."""
    value = dotted_value(scenario, key)
    if value is None and key == "policy.professionalisation_budget":
        return float(sum(f.budget for f in scenario.funders.values() if f.role == "structure_programme"))
    return value


def lever_money(lever: Lever, value: float, budget_factor: float) -> float:
    """EUR a year a lever's value spends."""
    return float(value) * (budget_factor if lever.kind == "money" else lever.cost)


def spending(levers: Sequence[Lever], scenario: Scenario) -> float:
    """The scenario's spending on the money and priced levers [EUR/year, national]."""
    factor = scenario.policy.budget_factor
    return sum(lever_money(lever, lever_value(scenario, lever.key), factor) for lever in levers if lever.kind != "setting")


def target_budget(optimisation: Optimisation) -> float:
    """The budget: the given amount, or the reference's spending on the levers plus the change."""
    given = optimisation.spec.budget
    budget = given.amount if given.amount is not None else spending(optimisation.levers, optimisation.reference) + given.change
    if not budget > 0:
        raise ValueError(f"{optimisation.path}: key 'budget': value {budget:,.0f}: allowed: a positive budget "
                         "(the reference spends that on the levers, plus budget.change)")
    return float(budget)


def share_ranges(levers: Sequence[Lever], budget: float) -> tuple[np.ndarray, np.ndarray]:
    """Lows and highs of the money and priced levers' shares; a priced lever's high cut at its schema maximum."""
    paid = [lever for lever in levers if lever.kind != "setting"]
    lows = np.array([lever.low for lever in paid])
    highs = np.array([min(lever.high, lever.cap * lever.cost / budget) if lever.kind == "priced" and lever.cap is not None
                      else lever.high for lever in paid])
    return lows, np.maximum(highs, lows)


def project(weights: np.ndarray, lows: np.ndarray, highs: np.ndarray) -> np.ndarray:
    """The shares closest to `weights` within [lows, highs] that sum to 1 (the ranges must allow it)."""
    if lows.sum() > 1 + 1e-12 or highs.sum() < 1 - 1e-12:
        raise ValueError(f"share ranges {lows.sum():.4f} .. {highs.sum():.4f} cannot sum to 1")
    low, high = float(np.min(lows - weights)) - 1.0, float(np.max(highs - weights)) + 1.0
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        if np.clip(weights + middle, lows, highs).sum() < 1:
            low = middle
        else:
            high = middle
    return np.clip(weights + (low + high) / 2, lows, highs)


def values_from_shares(optimisation: Optimisation, shares: np.ndarray, budget: float) -> dict[str, float]:
    """The value of each money and priced lever that spends its share of the budget."""
    factor = optimisation.reference.policy.budget_factor
    paid = [lever for lever in optimisation.levers if lever.kind != "setting"]
    values = {}
    for lever, share in zip(paid, shares):
        value = float(share * budget / (factor if lever.kind == "money" else lever.cost))
        if lever.kind == "priced" and lever.cap is not None:  # a share cut at the cap may round to 1 + 2e-16
            value = min(value, lever.cap)
        values[lever.key] = value
    return values


def candidate(optimisation: Optimisation, variables: Sequence[float], budget: float) -> tuple[dict[str, Any], np.ndarray]:
    """A search candidate's scenario values (money on the budget, settings as given) and its shares of the budget."""
    paid = [i for i, lever in enumerate(optimisation.levers) if lever.kind != "setting"]
    lows, highs = share_ranges(optimisation.levers, budget)
    shares = project(np.array([variables[i] for i in paid], dtype=float), lows, highs)
    values: dict[str, Any] = values_from_shares(optimisation, shares, budget)
    for lever, x in zip(optimisation.levers, variables):
        if lever.kind == "setting":
            values[lever.key] = round(x) if lever.integer else float(x)
    return values, shares


def reference_shares(optimisation: Optimisation) -> np.ndarray:
    """Today's mix: each money and priced lever's share of the reference's spending on them."""
    factor = optimisation.reference.policy.budget_factor
    paid = [lever for lever in optimisation.levers if lever.kind != "setting"]
    money = np.array([lever_money(lever, lever_value(optimisation.reference, lever.key), factor) for lever in paid])
    return money / money.sum() if money.sum() > 0 else np.full(len(paid), 1 / len(paid))


def reference_values(optimisation: Optimisation, budget: float) -> dict[str, Any]:
    """Today's mix on the budget: the reference's shares times the budget (its settings as they are)."""
    return values_from_shares(optimisation, reference_shares(optimisation), budget)
