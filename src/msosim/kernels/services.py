"""Kernels of services.deliver_services and volunteers.update_burnout: the numpy code's operations, row by row."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(inline="always", error_model="numpy")
def fmin(a, b):
    """np.minimum of two floats (a when a <= b or a is NaN)."""
    return a if (a <= b or a != a) else b


@njit(inline="always", error_model="numpy")
def fmax(a, b):
    """np.maximum of two floats (a when a >= b or a is NaN)."""
    return a if (a >= b or a != a) else b


@njit(cache=True, nogil=True, error_model="numpy")
def deliver_services(members, alive, district, demand, staff, freelance, volunteers, funded_load, delegated_load,
                     admin_hours, application_hours, staff_service, accepted_per_volunteer, staff_admin,
                     max_per_volunteer, load_unit, requested_out, service_out, load_out, delivered_out):
    """services.deliver_services on rows [0, n): the same sums (bincount order) and the same operations."""
    n, nd = members.shape[0], demand.shape[0]
    need_per_reach = np.zeros(nd)
    for i in range(n):  # bincount of the living MSOs' members per district, in row order
        need_per_reach[district[i]] += float(members[i]) * (1.0 if alive[i] else 0.0)
    for k in range(nd):
        need_per_reach[k] = demand[k] / fmax(need_per_reach[k], 1.0)
        delivered_out[k] = 0.0
    for i in range(n):
        living = 1.0 if alive[i] else 0.0
        need = need_per_reach[district[i]] * (float(members[i]) * living)
        own_paid = staff[i] * staff_service
        own_paid += freelance[i]
        accepted = float(volunteers[i]) * accepted_per_volunteer
        accepted += own_paid
        accepted = fmin(need, accepted)
        paid = own_paid + funded_load[i]
        delegated = delegated_load[i] * living
        requested = accepted + delegated
        overhead = admin_hours[i] + application_hours[i]
        overhead -= staff[i] * staff_admin
        overhead = fmax(overhead, 0.0)
        needed = requested + overhead
        needed -= paid
        needed = fmax(needed, 0.0)
        worked = fmin(needed, float(volunteers[i]) * max_per_volunteer)
        worked += paid
        worked -= overhead
        delivered = fmax(fmin(requested, worked), 0.0)
        delivered *= living
        requested_out[i] = need + delegated
        service_out[i] = delivered
        load = float(max(volunteers[i], 1)) * load_unit
        load_out[i] = needed / load * living
        delivered_out[district[i]] += delivered


@njit(cache=True, nogil=True, error_model="numpy")
def update_burnout(ratio, alive, burnout, offset, gain, recovery):
    """volunteers.update_burnout after its power (kept in numpy): target, gap, the exact step, clipped to [0, 1]."""
    for i in range(ratio.shape[0]):
        target = ratio[i] / (ratio[i] + offset)
        gap = target - burnout[i]
        change = gap * (gain if gap > 0 else recovery)
        if alive[i]:
            burnout[i] = fmin(fmax(burnout[i] + change, 0.0), 1.0)


def warm(zeros) -> None:
    """Compile (or load) each kernel for the dtypes the model passes; `zeros(name)` is a one-row column."""
    f = zeros("burnout")
    deliver_services(zeros("members"), zeros("alive"), zeros("district"), f.copy(), f.copy(), f.copy(),
                     zeros("volunteers"), f.copy(), f.copy(), f.copy(), f.copy(), 1.0, 1.0, 1.0, 1.0, 1.0,
                     f.copy(), f.copy(), f.copy(), f.copy())
    update_burnout(f.copy(), zeros("alive"), f.copy(), 1.0, 0.1, 0.1)
