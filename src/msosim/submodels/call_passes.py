"""A programme's call on the kernels: grants.run_call's applicants, asks, scores and ranking in compiled passes
(kernels/calls.py) around the call's three draws and numpy's sort of the scores, where the numpy path
(grants._applicants_numpy) makes some hundred numpy calls. The same draws on the same Generators, the same numbers
(tests/test_call_kernels.py, and on the whole model tests/test_kernels.py, tests/test_digests.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..state import FIELDS
from .applying import funder_keys

if TYPE_CHECKING:
    from types import ModuleType

    from ..agents.funder import Funder
    from ..model import MSOModel

ELIGIBILITY = {"requires_staff": 1, "volunteer_only": 2, "federation_member": 3}  # any other rule: every MSO (0)
SELECTION = {"need": 1, "lottery": 2}  # any other rule: merit (0)
NO_WORLDS = np.zeros(1, dtype=np.int16)


def applicants(model: MSOModel, funders: list[Funder], start: int, jit: ModuleType, loops: dict[str, int],
               hour_terms: tuple[float, float]):
    """What grants._applicants_numpy returns, from the kernels: None when nobody applies, else the applicants' rows,
    funder positions, positions in the project terms, scores, hours, ranks and funder indices (best first by funder),
    and the project terms (amount, cost, staff FTE, material, in kind). `hour_terms`: grants.hour_terms of the call."""
    m, g, t, n, first = model.msos, model.grants, model.ties, model.msos.n, funders[0]
    cfg, a, fin, spy = first.config, model.config.applications, model.config.finance, model.config.steps_per_year
    worlds = model.world_of(n)
    has_land = first.land >= 0
    by_key, lands = funder_keys(model, funders)
    called = np.zeros(len(model.funders), dtype=bool)
    called[[f.index for f in funders]] = True
    columns = np.array([FIELDS.index(name) for name in cfg.fields], dtype=np.int64)
    rows, which = jit.call_eligible(n, m.alive, NO_WORLDS if worlds is None else worlds, worlds is not None, m.land,
                                    has_land, lands, by_key, ELIGIBILITY.get(cfg.eligibility, 0), m.staff_fte,
                                    m.federation, m.independent, m.fields, columns, g.funder, g.active, g.end, g.mso,
                                    g.n, called, start)
    draws = model.streams.random(rows.size, model.world_of(rows))
    calls, vol = len(first.calls), model.config.volunteers
    bound = a.apply_rate if calls == 1 else 1.0 - (1.0 - a.apply_rate) ** (1.0 / calls)
    rows, which, hours = jit.keen_applicants(
        rows, which, draws, bound, m.load_per_volunteer, m.volunteers, m.staff_fte, m.professionalisation,
        vol.sustainable_hours, model.config.services.staff_admin_hours, a.preparation_months, *hour_terms,
        a.apply_rate, calls, 1.0 / calls, loops["power"], 1.0 - a.discouragement, m.rejections, m.information,
        a.information_gap * (1.0 - first.application_support), m.federation,
        1.0 - a.federation_information if a.federation_information > 0 else -1.0,
        1.0 - a.tie_information if a.tie_information > 0 else -1.0, t.a, t.b, t.active, t.n, n)
    drawn = cfg.staff_share > 0
    fte = model.streams.lognormal(np.log(0.45), 0.5, rows.size, model.world_of(rows)) if drawn else hours
    own_fte = fin.own_position_cost / fin.staff_cost_per_fte if fin.own_position_cost > 0 else 0.0
    position_cost = fin.staff_cost_per_fte + fin.office_costs
    factor = model.factors.income
    applied, *terms = jit.project_asks(
        rows, fte, drawn, cfg.max_award, cfg.min_award, fin.staff_cost_per_fte, cfg.staff_share, fin.overhead_allowed,
        cfg.cofunding_share * fin.cofunding_in_kind, cfg.cofunding_share, m.reserves, fin.overhead_needed,
        fin.office_costs - fin.earned_income_per_fte, g.active[: g.n], g.end[: g.n], g.mso[: g.n], g.staff_fte[: g.n],
        g.material_per_year[: g.n], g.amount_per_year[: g.n], start, spy, cfg.project_years, n, m.members,
        m.donations_base, m.alive, fin.fee_per_member, fin.base_costs_volunteer, own_fte, factor != 1.0, factor,
        own_fte * position_cost, position_cost, fin.financing_horizon)
    if applied.size == 0:
        return None
    rows, which = rows[applied], which[applied]
    rule = SELECTION.get(cfg.selection, 0)
    noise = model.streams.random(rows.size, model.world_of(rows)) if rule == 2 else \
        model.streams.normal(0.0, a.score_noise, rows.size, model.world_of(rows))
    d = model.districts
    scores = jit.scored(rows, noise, rule, loops["log1p"], m.staff_fte, m.professionalisation, m.track_record,
                        m.federation, first.application_support, a.staff_weight, a.track_weight, a.federation_weight,
                        a.professionalisation_weight, m.district, d.demand_hours[: d.n], d.delivered_hours[: d.n])
    # numpy's sort (SIMD here, twice as fast as a compiled one): the kernel reads it backwards, as the numpy path
    ranking = jit.ranked(np.argsort(scores), scores, rows, which, applied, hours,
                         np.array([f.index for f in funders], dtype=np.int64), len(funders))
    return (*ranking, tuple(terms))
