"""Morris trajectories (SALib.sample.morris)."""

from __future__ import annotations

import numpy as np

from .salib import generator, salib_problem


def sample(problem: dict, n: int, seed: int | None = None, levels: int = 4) -> np.ndarray:
    """n Morris trajectories on a grid of `levels` levels."""
    from SALib.sample import morris  # SALib costs about 0.5 s CPU to import: only when a sweep samples

    return morris.sample(salib_problem(problem), n, num_levels=levels, seed=generator(seed))
