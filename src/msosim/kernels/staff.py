"""Kernels of held_grants.adjust_staff and own_staff.own_funded_fte: the whole-population passes, row by row."""

from __future__ import annotations

import numpy as np
from numba import njit

from .services import fmax


@njit(cache=True, nogil=True)
def own_funded_fte(members, donations_base, alive, fee, factor, scaled, base_costs, threshold, fte):
    """FTE an MSO pays from its own income: `fte` where its free own income reaches `threshold`, else 0."""
    size = members.shape[0]
    out = np.empty(size)
    for i in range(size):
        free = members[i] * fee + donations_base[i]
        if scaled:
            free *= factor
        free -= base_costs
        out[i] = fte if (free >= threshold and alive[i]) else 0.0
    return out


@njit(cache=True, nogil=True)
def staff_needs(staff, by_grants, ahead, own, alive):
    """Per MSO: FTE to hire (grants and own income pay more than its staff), staff above what grants running now
    or within the successor window and own income pay (`excess`), and staff above what pays now (`unfunded`);
    each 0 below 1e-9 FTE or for a dissolved MSO."""
    size = staff.shape[0]
    hire, excess, unfunded = np.empty(size), np.empty(size), np.empty(size)
    for i in range(size):
        h = fmax(by_grants[i] + own[i] - staff[i], 0.0)
        hire[i] = h * (1.0 if (h >= 1e-9 and alive[i]) else 0.0)
        e = fmax(staff[i] - ahead[i] - own[i], 0.0)
        excess[i] = e * (1.0 if (e >= 1e-9 and alive[i]) else 0.0)
        u = fmax(staff[i] - by_grants[i] - own[i], 0.0)
        unfunded[i] = u * (1.0 if (u >= 1e-9 and alive[i]) else 0.0)
    return hire, excess, unfunded


def warm(zeros) -> None:
    """Compile (or load) each kernel for the dtypes the model passes."""
    f, flags = zeros("staff_fte"), zeros("alive")
    own_funded_fte(zeros("members"), f, flags, 1.0, 1.0, True, 1.0, 1.0, 0.5)
    staff_needs(f, np.zeros(1), np.zeros(1), np.zeros(1), flags)
