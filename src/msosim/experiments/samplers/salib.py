"""What the SALib samplers share: the problem as SALib reads it and a generator from the seed."""

from __future__ import annotations

import numpy as np


def salib_problem(problem: dict) -> dict:
    """The problem as SALib reads it (without the grid's listed values)."""
    return {key: problem[key] for key in ("num_vars", "names", "bounds", "dists")}


def generator(seed: int | None) -> np.random.Generator | None:
    """A generator from the seed (SALib would treat seed 0 as no seed)."""
    return None if seed is None else np.random.default_rng(seed)
