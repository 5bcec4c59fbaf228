"""Latin hypercube (SALib.sample.latin)."""

from __future__ import annotations

import numpy as np

from .salib import generator, salib_problem


def sample(problem: dict, n: int, seed: int | None = None) -> np.ndarray:
    """n points of a Latin hypercube."""
    from SALib.sample import latin  # SALib costs about 0.5 s CPU to import: only when a sweep samples

    return latin.sample(salib_problem(problem), n, seed=generator(seed))
