"""Saltelli's extension of the Sobol' sequence (SALib.sample.sobol), scrambled."""

from __future__ import annotations

import numpy as np

from .salib import generator, salib_problem


def sample(problem: dict, n: int, seed: int | None = None, second_order: bool = False) -> np.ndarray:
    """n base points, each with its cross-sampled matrices (first order, and second order if asked)."""
    from SALib.sample import sobol  # SALib costs about 0.5 s CPU to import: only when a sweep samples

    return sobol.sample(salib_problem(problem), n, calc_second_order=second_order, seed=generator(seed))
