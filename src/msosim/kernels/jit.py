"""The compiled kernels, one module per submodel family (imported only through `msosim.kernels.compiled()`)."""

from __future__ import annotations

import numpy as np

from ..state import MSO_COLUMNS
from . import draws, services, volunteers
from .draws import binomial_invert, binomial_scan, poisson_invert
from .services import deliver_services, update_burnout
from .volunteers import join_inputs, new_totals, quit_inputs

__all__ = ["binomial_invert", "binomial_scan", "deliver_services", "join_inputs", "new_totals", "poisson_invert",
           "quit_inputs", "update_burnout", "warm"]


def _zeros(column: str) -> np.ndarray:
    return np.zeros(1, dtype=MSO_COLUMNS[column])


def warm() -> None:
    """Compile every kernel for the model's dtypes (or load it from numba's cache): once per process."""
    services.warm(_zeros)
    draws.warm()
    volunteers.warm(_zeros)
