"""`msosim compare --posterior N`: a comparison over N draws from the calibration's weighted particles.

The uncertain parameters are not fixed at the fitted point but drawn, with their importance weights,
from the particles file `msosim calibrate` writes (data/calibrated_particles.csv; seeded: the same
seed and N give the same draws, and every draw is one of the calibration's particles). Draw k sets
the particle's values in every scenario of the comparison (the scenarios stay paired) and runs
`reps` replications with seeds SEED + k * reps + r, so no two runs share their chance. Each draw is
an ordinary comparison in the store; draw 0 alone is exactly `msosim compare` when the posterior is
one particle at the calibrated values.

For each scenario and outcome (and each scenario's paired difference to the reference) the spread
of the N x reps runs is split into parameter uncertainty and chance (one-way random-effects
analysis of variance over draws): noise variance W = mean over draws of the variance over
replications; parameter variance B = variance of the draw means - W / reps (at least 0). B / (B + W)
is the share of a run's variance that comes from what we do not know about the parameters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..scenario import Scenario, ScenarioError, with_overrides
from .batch import RunResult, plan_runs, run_comparison
from .experiment import ExperimentError
from .particles import draw, read_particles


@dataclasses.dataclass
class PosteriorComparison:
    """N draws from the particles, each draw's scenarios, and (after `run`) each draw's comparison id."""

    particles_file: Path
    draws: pd.DataFrame                  # one row per draw: parameter values, `particle` (row in the file)
    scenarios: list[list[Scenario]]      # per draw: the compared scenarios with the draw's values
    comparison_ids: list[str] = dataclasses.field(default_factory=list)

    @classmethod
    def load(cls, particles_file: Path, count: int, seed: int, configs: list[Scenario]) -> PosteriorComparison:
        """Read the particles, draw `count` of them (seeded), set each draw's values in every scenario; one-line errors."""
        drawn = draw(read_particles(particles_file), count, seed)
        scenarios = []
        for k, row in drawn.drop(columns="particle").iterrows():
            values = {key: _plain(value) for key, value in row.items()}
            try:
                scenarios.append([with_overrides(config, values) for config in configs])
            except ScenarioError as exc:
                raise ExperimentError(f"--particles: value '{particles_file}': particle {drawn['particle'][k]} does "
                                      f"not fit the scenarios ({str(exc).splitlines()[-1]})") from None
        return cls(Path(particles_file), drawn, scenarios)

    def seeds(self, base_seed: int, reps: int) -> list[int]:
        """The first seed of each draw: draw k uses SEED + k * reps ... SEED + k * reps + reps - 1."""
        return [base_seed + k * reps for k in range(len(self.scenarios))]

    def run(self, store, configs: list[Scenario], paths: list[str | Path], *, reps: int, years: float | None, workers: int, base_seed: int,
            on_start: Callable[[int, int], None] | None = None, on_stored: Callable[[RunResult], None] | None = None,
            keep_tables: bool = False, batch: int | None = None) -> str:
        """Run (or resume) every draw's comparison; returns the first draw's comparison id (the tables of draw 1).
        The signature is `run_comparison`'s; `configs` are the scenarios the draws were made for."""
        if [c.name for c in configs] != [s[0].name for s in zip(*self.scenarios)]:
            raise ValueError("the draws were made for other scenarios")
        starts = self.seeds(base_seed, reps)
        specs = [s for scenarios, seed in zip(self.scenarios, starts) for s in plan_runs(scenarios, reps, years, seed)]
        done = store.done_keys()
        if on_start is not None:
            on_start(len(specs), sum(spec.key not in done for spec in specs))
        self.comparison_ids = [run_comparison(store, scenarios, paths, reps=reps, years=years, workers=workers,
                                              base_seed=seed, on_stored=on_stored, keep_tables=keep_tables,
                                              batch=batch)
                               for scenarios, seed in zip(self.scenarios, starts)]
        return self.comparison_ids[0]

    def outcomes(self, store) -> pd.DataFrame:
        """Every run's outcomes, tidy, with its draw."""
        return pd.concat([store.select("outcomes", cid).assign(draw=k) for k, cid in enumerate(self.comparison_ids)],
                         ignore_index=True)


def _plain(value: Any) -> Any:
    """A CSV cell as the scenario expects it: numpy scalars to Python numbers."""
    return value.item() if isinstance(value, np.generic) else value


def split_variance(frame: pd.DataFrame, column: str) -> dict[str, float]:
    """Mean, 95% range of the runs, and parameter vs noise standard deviation of `column` over draws x replications."""
    values = frame[["draw", column]].dropna()
    groups = values.groupby("draw")[column]
    reps = int(groups.size().min()) if len(values) else 0
    noise = float(groups.var(ddof=1).mean()) if reps > 1 else np.nan
    means = groups.mean()
    parameter = max(float(means.var(ddof=1)) - noise / reps, 0.0) if len(means) > 1 and reps > 1 else np.nan
    share = parameter / (parameter + noise) if parameter + noise > 0 else np.nan
    x = values[column].to_numpy(dtype=float)
    return {"mean": float(x.mean()) if len(x) else np.nan, "low": float(np.quantile(x, 0.025)) if len(x) else np.nan,
            "high": float(np.quantile(x, 0.975)) if len(x) else np.nan, "parameter_sd": float(np.sqrt(parameter)),
            "noise_sd": float(np.sqrt(noise)), "parameter_share": float(share), "draws": int(len(means)), "reps": reps}


def decomposition(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and outcome: the runs' spread split into parameter uncertainty and chance; for every scenario but
    the reference also its difference to the reference, paired by draw and seed."""
    reference = outcomes[outcomes["position"] == 0][["draw", "seed", "outcome", "value"]].rename(
        columns={"value": "reference_value"})
    rows = []
    for (position, scenario, outcome), group in outcomes.groupby(["position", "scenario", "outcome"], sort=True):
        rows.append({"position": position, "scenario": scenario, "outcome": outcome, "quantity": "value",
                     **split_variance(group, "value")})
        if position > 0:
            paired = group.merge(reference, on=["draw", "seed", "outcome"])
            rows.append({"position": position, "scenario": scenario, "outcome": outcome,
                         "quantity": "difference to the reference",
                         **split_variance(paired.assign(difference=paired["value"] - paired["reference_value"]),
                                          "difference")})
    return pd.DataFrame(rows)
