"""Samplers, one design a module, each `sample(problem, n, seed=None, **options) -> ndarray` (SALib's signature).

`SAMPLERS` says what each accepts: its options with defaults, which sizes, whether ranges must be
bounded, distributions, listed (categorical) values, and how many points a size gives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import grid, latin, morris, sobol


@dataclass(frozen=True)
class SamplerRules:
    """A sampler and what it accepts: options with defaults, sizes, distributions, listed values."""

    sample: Callable[..., np.ndarray]
    options: dict[str, Any]
    check_n: Callable[[int], str | None]
    points: Callable[[int, dict, dict], int]
    bounded: bool
    distributions: bool
    categorical: bool


def _power_of_two(n: int) -> str | None:
    return None if n >= 2 and n & (n - 1) == 0 else "a power of 2 (2, 4, 8, ..., e.g. 64 or 128)"


def _at_least(k: int) -> Callable[[int], str | None]:
    return lambda n: None if n >= k else f"at least {k}"


SAMPLERS: dict[str, SamplerRules] = {
    "grid": SamplerRules(grid.sample, {}, _at_least(1),
                         lambda n, p, o: math.prod(n if v is None else len(v) for v in p["values"]),
                         bounded=True, distributions=False, categorical=True),
    "latin": SamplerRules(latin.sample, {}, _at_least(1), lambda n, p, o: n,
                          bounded=False, distributions=True, categorical=False),
    "sobol": SamplerRules(sobol.sample, {"second_order": False}, _power_of_two,
                          lambda n, p, o: n * ((2 if o["second_order"] else 1) * p["num_vars"] + 2),
                          bounded=False, distributions=True, categorical=False),
    "morris": SamplerRules(morris.sample, {"levels": 4}, _at_least(2), lambda n, p, o: n * (p["num_vars"] + 1),
                           bounded=True, distributions=True, categorical=False),
}
