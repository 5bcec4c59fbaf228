"""Conversion of yearly rates to per-step quantities."""

from __future__ import annotations

import numpy as np


def per_step(p_year, steps_per_year: int):
    """Per-step probability from a yearly probability: 1 - (1 - p) ** (1 / steps_per_year)."""
    if isinstance(p_year, float | int):  # a scalar: plain Python is cheaper than a numpy round trip
        return 1.0 - (1.0 - min(max(p_year, 0.0), 1.0)) ** (1.0 / steps_per_year)
    return 1.0 - (1.0 - np.minimum(np.maximum(p_year, 0.0), 1.0)) ** (1.0 / steps_per_year)


def happens(u: np.ndarray, p_year: np.ndarray, steps_per_year: int) -> np.ndarray:
    """`u < per_step(p_year, steps_per_year)` for uniforms `u`, without a fractional power per row.

    u < 1 - (1 - p) ** (1 / s) is the same event as p > 1 - (1 - u) ** s, and an integer power is a few
    multiplications (by squaring). No clipping is needed: p <= 0 never happens, p >= 1 always (u < 1)."""
    base, power, exponent = 1.0 - u, None, int(steps_per_year)
    while exponent:
        if exponent & 1:
            power = base if power is None else power * base
        exponent >>= 1
        if exponent:
            base = base * base
    return p_year > 1.0 - power
