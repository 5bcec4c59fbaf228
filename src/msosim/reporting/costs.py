"""Public money and what it buys: spending per scenario, cost per unit of outcome with paired intervals, the flag
for a scenario that spends more than the reference, and the budget-neutral scaling of a scenario's budgets.

"Public money" is what the model pays MSOs from funders (federal, Land, foundation programmes) and
municipalities over the run (the `public_money` column of the model table).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..experiments.batch import t_interval
from ..model import MSOModel
from ..scenario import Scenario, with_overrides
from ..splits import spending_outcomes

# Units public money buys, each an outcome of every run: EUR per MSO-year alive, per paid position-year, per hour.
UNITS = ("mso_years", "fte_years", "service_hours_total")
SPENDS_MORE = 0.01  # a scenario spending more than 1% above the reference is flagged (and the budget-neutral tolerance)
BOOTSTRAP_DRAWS = 4000


def paired(outcomes: pd.DataFrame, name: str) -> pd.DataFrame:
    """One outcome as a seed x position table (tidy outcomes as the store holds them)."""
    chosen = outcomes[outcomes["outcome"] == name]
    return chosen.pivot(index="seed", columns="position", values="value")


def ratio_interval(cost: np.ndarray, effect: np.ndarray, seed: int = 0, level: float = 0.95) -> tuple[float, float, float]:
    """Ratio of mean paired cost to mean paired effect, with a percentile bootstrap interval over seeds."""
    if cost.size < 2 or effect.mean() == 0:
        return (float("nan"),) * 3
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, cost.size, size=(BOOTSTRAP_DRAWS, cost.size))
    effects = effect[draws].mean(axis=1)
    ratios = np.where(effects != 0, cost[draws].mean(axis=1) / np.where(effects != 0, effects, 1.0), np.nan)
    low, high = np.nanquantile(ratios, [(1 - level) / 2, (1 + level) / 2])
    return float(cost.mean() / effect.mean()), float(low), float(high)


def cost_rows(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: spending (total, per year; paired difference), average cost per unit, incremental cost per unit.

    Columns: position, scenario, measure, unit, mean, low, high, (for position > 0) diff, diff_low, diff_high.
    `average` is public money / units per run (t-interval over runs); `incremental` is the paired difference in
    money over the paired difference in units (bootstrap over seeds), given only where the unit difference's
    interval excludes zero; its rows also hold the mean paired `effect` (units) and `extra_cost` (EUR).
    """
    names = outcomes.drop_duplicates("position").set_index("position")["scenario"]
    money = paired(outcomes, "public_money_total")
    rows = []
    for position in money.columns:
        base = {"position": position, "scenario": names[position]}
        for measure in ("public_money_total", "public_money_per_year"):
            table = paired(outcomes, measure)
            rows.append({**base, "measure": measure, "unit": "EUR", **_interval(table, position)})
        for unit in UNITS:
            units = paired(outcomes, unit)
            average = (money / units).replace([np.inf, -np.inf], np.nan)
            rows.append({**base, "measure": "average", "unit": unit, **_interval(average, position)})
            if position != 0:
                effect = (units[position] - units[0]).dropna()
                _, effect_low, effect_high = t_interval(effect)
                cost = (money[position] - money[0]).loc[effect.index].to_numpy()
                measurable = effect_low > 0 or effect_high < 0
                rows.append({**base, "measure": "incremental", "unit": unit,
                             "effect": float(effect.mean()) if effect.size else np.nan,
                             "extra_cost": float(cost.mean()) if cost.size else np.nan,
                             **dict(zip(("mean", "low", "high"), ratio_interval(cost, effect.to_numpy())
                                        if measurable else (np.nan,) * 3))})
    return pd.DataFrame(rows)


def _interval(table: pd.DataFrame, position: int) -> dict[str, float]:
    mean, low, high = t_interval(table[position])
    result = {"mean": mean, "low": low, "high": high}
    if position != 0:
        result["diff"], result["diff_low"], result["diff_high"] = t_interval((table[position] - table[0]).dropna())
    return result


def spends_more(outcomes: pd.DataFrame) -> dict[int, float]:
    """Scenarios that spend more than SPENDS_MORE above the reference: position -> relative excess (mean over seeds)."""
    money = paired(outcomes, "public_money_total")
    if 0 not in money.columns:
        return {}
    reference = money[0].mean()
    excess = {position: float(money[position].mean() / reference - 1) for position in money.columns if position != 0}
    return {position: value for position, value in excess.items() if value > SPENDS_MORE}


# -- budget-neutral scaling ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BudgetNeutral:
    """The factor on a scenario's budgets that makes its spending match the reference's, and how closely it does."""

    factor: float
    spending: float
    target: float
    iterations: int

    @property
    def gap(self) -> float:
        """Relative difference of the scaled scenario's spending to the reference's."""
        return self.spending / self.target - 1


def neutral_factor(spending: Callable[[float], float], target: float, tolerance: float = SPENDS_MORE,
                   max_iterations: int = 12) -> BudgetNeutral:
    """The factor f with spending(f) within `tolerance` of `target`: a proportional first step, then secant steps
    (spending is not linear in f: municipal money does not scale, and funders may not spend all they have)."""
    if not target > 0:
        raise ValueError(f"the reference spends {target:,.0f} EUR of public money; there is no spending to match")
    previous, spent_before = 1.0, spending(1.0)
    if abs(spent_before / target - 1) <= tolerance:
        return BudgetNeutral(1.0, spent_before, target, 1)
    factor = target / spent_before if spent_before > 0 else 2.0
    for iteration in range(2, max_iterations + 1):
        spent = spending(factor)
        if abs(spent / target - 1) <= tolerance:
            return BudgetNeutral(factor, spent, target, iteration)
        slope = (spent - spent_before) / (factor - previous) if factor != previous else 0.0
        step = (target - spent) / slope if slope > 0 else factor * (target / max(spent, 1e-9) - 1)
        previous, spent_before = factor, spent
        factor = max(factor + step, factor / 4)
    raise ValueError(f"budget-neutral scaling did not reach {tolerance:.0%} of {target:,.0f} EUR in {max_iterations} "
                     f"steps (last factor {factor:.4f}, spending {spent:,.0f} EUR)")


def mean_spending(scenario: Scenario, seeds: list[int], years: float) -> float:
    """Mean public money a scenario spends over `years`, over the given seeds."""
    totals = []
    for seed in seeds:
        model_table = MSOModel(scenario, seed=seed).run(years).tables(only=("model",))["model"]
        totals.append(spending_outcomes(model_table, scenario.steps_per_year)["public_money_total"])
    return float(np.mean(totals))


def budget_neutral(scenario: Scenario, reference: Scenario, seeds: list[int], years: float,
                   tolerance: float = SPENDS_MORE) -> tuple[Scenario, BudgetNeutral]:
    """The scenario with `policy.budget_factor` scaled so that it spends what the reference spends (same seeds)."""
    target = mean_spending(reference, seeds, years)
    base = scenario.policy.budget_factor

    def spending(factor: float) -> float:
        return mean_spending(with_overrides(scenario, {"policy.budget_factor": base * factor}), seeds, years)

    result = neutral_factor(spending, target, tolerance)
    scaled = with_overrides(scenario, {"policy.budget_factor": base * result.factor,
                                       "name": f"{scenario.name} (budget-neutral)"})
    return scaled, result


def finite(value: float) -> bool:
    """A number to show (not NaN or infinite)."""
    return value is not None and math.isfinite(value)


def neutral_scenarios(scenarios: list[Scenario], seeds: list[int], years: float | None,
                      tolerance: float = SPENDS_MORE) -> list[tuple[Scenario, BudgetNeutral | None]]:
    """Every scenario after the first scaled to the first one's spending (the reference is kept as it is)."""
    result: list[tuple[Scenario, BudgetNeutral | None]] = [(scenarios[0], None)]
    for scenario in scenarios[1:]:
        result.append(budget_neutral(scenario, scenarios[0], seeds, years if years is not None else scenarios[0].years,
                                     tolerance))
    return result
