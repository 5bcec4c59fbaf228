"""Conversion of yearly rates to per-step quantities."""

from __future__ import annotations

import numpy as np


def per_step(p_year, steps_per_year: int):
    """Per-step probability from a yearly probability: 1 - (1 - p) ** (1 / steps_per_year)."""
    if isinstance(p_year, float | int):  # a scalar: plain Python is cheaper than a numpy round trip
        return 1.0 - (1.0 - min(max(p_year, 0.0), 1.0)) ** (1.0 / steps_per_year)
    return 1.0 - (1.0 - np.minimum(np.maximum(p_year, 0.0), 1.0)) ** (1.0 / steps_per_year)
