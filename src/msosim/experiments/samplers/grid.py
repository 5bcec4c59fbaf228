"""Full factorial grid."""

from __future__ import annotations

import itertools

import numpy as np


def sample(problem: dict, n: int, seed: int | None = None) -> np.ndarray:
    """Full factorial grid: n evenly spaced levels per range, every listed value (index for choices)."""
    axes = []
    for bounds, values in zip(problem["bounds"], problem["values"]):
        if values is None:
            axes.append(np.linspace(bounds[0], bounds[1], n))
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            axes.append(np.asarray(values, dtype=float))
        else:
            axes.append(np.arange(len(values), dtype=float))
    return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, len(axes))
