"""Local demand for MSO services and its delivery with staff, freelance and volunteer hours."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels

if TYPE_CHECKING:
    from ..model import MSOModel


def arise_demand(model: MSOModel) -> None:
    """Demand per district: a base per migrant resident plus extra for recent newcomers (times the event
    multiplier: austerity's cuts to public services send people to MSOs)."""
    d, s, spy = model.districts, model.config.services, model.config.steps_per_year
    n = d.n
    d.newcomers[:n] *= np.exp(-1.0 / (s.newcomer_decay_years * spy))
    d.newcomers[:n] += model.factors.arrivals
    d.demand_hours[:n] = (d.migrants[:n] * s.demand_hours_per_migrant + d.newcomers[:n] * s.newcomer_hours) \
        * (model.factors.demand / spy)


def deliver_services(model: MSOModel) -> None:
    """Each MSO faces a share of its district's demand by reach (members), accepts what its people can carry
    (stretched by overcommitment) plus delegated tasks, and meets it with staff, freelance and volunteer hours."""
    m, n, d, cfg = model.msos, model.msos.n, model.districts, model.config
    months = 12.0 / cfg.steps_per_year  # capacities are per month, demand and load per step
    alive = m.alive[:n]
    district = m.district[:n]
    hours_factor = model.factors.volunteer_hours
    jit = kernels.compiled()
    if jit is not None:  # the same operations below, row by row (msosim.kernels.services)
        jit.deliver_services(
            m.members[:n], alive, district, d.demand_hours[: d.n], m.staff_fte[:n], m.freelance_hours[:n],
            m.volunteers[:n], m.delegated_funded_load[:n], m.delegated_load[:n], model.admin_hours[:n],
            m.application_hours[:n], cfg.services.staff_service_hours * months,
            cfg.volunteers.sustainable_hours * hours_factor * months * cfg.services.overcommitment,
            cfg.services.staff_admin_hours * months, cfg.volunteers.max_hours * hours_factor * months,
            months * max(hours_factor, 1e-9), m.requested_hours[:n], m.service_hours[:n],
            m.load_per_volunteer[:n], d.delivered_hours[: d.n])
        return
    volunteers, staff = m.volunteers[:n], m.staff_fte[:n]
    reach = np.multiply(m.members[:n], alive, dtype=np.float64)  # members of living MSOs
    total_reach = np.bincount(district, weights=reach, minlength=d.n)
    need = (d.demand_hours[: d.n] / np.maximum(total_reach, 1.0))[district]
    need *= reach
    own_paid_hours = staff * (cfg.services.staff_service_hours * months)
    own_paid_hours += m.freelance_hours[:n]
    accepted = volunteers * (cfg.volunteers.sustainable_hours * hours_factor * months * cfg.services.overcommitment)
    accepted += own_paid_hours
    np.minimum(need, accepted, out=accepted)
    paid_hours = own_paid_hours
    paid_hours += m.delegated_funded_load[:n]  # task helpers work only on the tasks
    delegated = m.delegated_load[:n] * alive
    requested = accepted
    requested += delegated
    overhead_hours = model.admin_hours[:n] + m.application_hours[:n]
    overhead_hours -= staff * (cfg.services.staff_admin_hours * months)
    np.maximum(overhead_hours, 0.0, out=overhead_hours)
    volunteer_needed = requested + overhead_hours
    volunteer_needed -= paid_hours
    np.maximum(volunteer_needed, 0.0, out=volunteer_needed)
    worked = np.minimum(volunteer_needed, volunteers * (cfg.volunteers.max_hours * hours_factor * months))
    worked += paid_hours
    worked -= overhead_hours
    delivered = np.minimum(requested, worked, out=worked)
    np.maximum(delivered, 0.0, out=delivered)
    delivered *= alive
    np.add(need, delegated, out=m.requested_hours[:n])
    m.service_hours[:n] = delivered
    load = np.maximum(volunteers, 1) * (months * max(hours_factor, 1e-9))
    np.divide(volunteer_needed, load, out=load)
    np.multiply(load, alive, out=m.load_per_volunteer[:n])
    d.delivered_hours[: d.n] = np.bincount(district, weights=delivered, minlength=d.n)
