"""ABC distances: each sample's target means, scaled errors and distance; the weighted posterior and the fit.

The distance is the weighted root mean square of the scaled errors (see `msosim.experiments.calibrate`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .abc_smc import weighted_quantile
from .calibration_file import Target
from .experiment import ExperimentError

if TYPE_CHECKING:
    from .calibrate import Plan


def target_means(runs: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Per sample (rows 0..size-1): each target's metric, mean over replications, in its variant."""
    size, variants = plan.size, plan.variants
    runs = runs.assign(sample=runs["point"] % size, variant=[variants[p // size] for p in runs["point"]])
    columns = {}
    for tid, t in plan.calibration.targets.items():
        rows = runs[runs["variant"] == t.variant]
        if t.metric not in rows.columns or rows[t.metric].isna().all():
            raise ExperimentError(f"{plan.source}: key 'targets.{tid}.metric': value {t.metric!r}: allowed: a metric the "
                                  "stored runs hold (this store has runs without calibration metrics; use another store)")
        columns[tid] = rows.groupby("sample")[t.metric].mean().reindex(range(size))
    return pd.DataFrame(columns)


def scaled_errors(means: pd.DataFrame, targets: dict[str, Target]) -> pd.DataFrame:
    """e_k per sample and target (see the module docstring)."""
    out = {}
    for tid, t in targets.items():
        y, width = means[tid].to_numpy(dtype=float), t.high - t.low
        gap = np.abs(y - t.value) if t.value is not None else np.maximum(np.maximum(t.low - y, y - t.high), 0.0)
        out[tid] = gap / width
    return pd.DataFrame(out, index=means.index)


def distance(errors: pd.DataFrame, targets: dict[str, Target]) -> np.ndarray:
    """Weighted root mean square of the scaled errors (NaN where a target could not be measured)."""
    w = np.array([targets[tid].weight for tid in errors.columns], dtype=float)
    return np.sqrt((errors.to_numpy(dtype=float) ** 2 * w).sum(axis=1) / w.sum())


def posterior(plan: Plan, particles: np.ndarray, weights: np.ndarray) -> pd.DataFrame:
    """Weighted mean, median and 5-95% interval of the particles (closest first), per parameter; `best` is the closest."""
    rows = []
    for j, v in enumerate(plan.samples.varied):
        prior = plan.calibration.parameters[v.key]
        x = particles[:, j]
        rows.append({"parameter": v.key, "prior_min": prior.min, "prior_max": prior.max, "mean": float(weights @ x),
                     **{k: weighted_quantile(x, weights, q) for k, q in (("median", 0.5), ("q05", 0.05), ("q95", 0.95))},
                     "best": float(x[0])})
    return pd.DataFrame(rows)


def fitted_values(plan: Plan, table: pd.DataFrame) -> dict[str, Any]:
    """The estimate (median, mean or best accepted sample) per parameter, 4 significant digits, integers rounded."""
    column = plan.calibration.estimate
    out = {}
    for v, x in zip(plan.samples.varied, table[column]):
        value = v.applied(float(f"{x:.4g}"))
        out[v.key] = value
    return out
