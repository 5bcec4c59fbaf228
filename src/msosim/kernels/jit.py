"""The compiled kernels, one module per submodel family (imported only through `msosim.kernels.compiled()`)."""

from __future__ import annotations

import numpy as np

from ..state import MSO_COLUMNS
from . import (applying, batch, calls, cooperation, demography, distributions, draws, finances, services, staff, sums, ufuncs,
               uniforms, volunteers)
from .applying import application_chances, financing_secured, within_budgets
from .calls import call_eligible, keen_applicants, project_asks, ranked, scored
from .batch import byte_columns, merge_blocks, move_blocks, remap_rows, world_aggregates
from .cooperation import (delegated_rows, delegation_payments, delegation_rates, federations, living_by_district,
                          municipal_cooperation, tie_partners, ties_breaking, update_trust)
from .distributions import addresses as generator_table
from .distributions import counts_and_picks, fill_binomial, fill_geometric, fill_normal, fill_poisson, founding_draws
from .demography import (by_secured_means, counter_causes, dissolved_rows, exhausted_rows, kill_rows,
                         merge_partners)
from .draws import (binomial_draw, binomial_invert, binomial_scan, binomial_searching, poisson_draw, poisson_invert,
                    poisson_scan)
from .finances import (after_costs, book_income, grant_costs, grant_payments, own_income, pay, reserves_spent,
                       unspent_money)
from .services import deliver_services, update_burnout
from .staff import staff_apply, staff_plan
from .sums import living_aggregates, segment_sums, world_bounds
from .ufuncs import addresses as ufunc_loops
from .ufuncs import call_loops
from .uniforms import addresses as uniform_addresses, fill_uniforms
from .volunteers import join_inputs, new_totals, quit_inputs

__all__ = ["after_costs", "application_chances", "binomial_draw", "binomial_invert", "binomial_scan", "binomial_searching", "book_income",
           "call_eligible", "call_loops", "keen_applicants", "project_asks", "ranked", "scored",
           "byte_columns", "counts_and_picks", "fill_binomial", "fill_geometric", "fill_normal", "fill_poisson",
           "fill_uniforms", "founding_draws", "generator_table", "merge_blocks", "move_blocks", "remap_rows", "uniform_addresses", "world_aggregates",
           "by_secured_means", "counter_causes", "delegated_rows", "delegation_payments", "delegation_rates",
           "deliver_services", "dissolved_rows", "exhausted_rows", "federations", "financing_secured", "grant_costs", "grant_payments", "join_inputs", "kill_rows",
           "living_aggregates", "living_by_district", "merge_partners", "municipal_cooperation", "new_totals",
           "own_income", "pay", "poisson_draw", "poisson_invert", "poisson_scan", "quit_inputs", "reserves_spent",
           "segment_sums", "staff_apply", "staff_plan", "tie_partners", "ties_breaking", "ufunc_loops",
           "unspent_money", "update_burnout", "update_trust", "warm", "within_budgets", "world_bounds"]


def _zeros(column: str) -> np.ndarray:
    return np.zeros(1, dtype=MSO_COLUMNS[column])


def warm() -> None:
    """Compile every kernel for the model's dtypes (or load it from numba's cache): once per process."""
    ufuncs.warm()
    for module in (applying, calls, batch, uniforms, distributions, services, draws, volunteers, cooperation, staff, demography, sums,
                   finances):
        module.warm(_zeros)
    ufunc_loops()  # numpy's exp and log loops for the kernels, checked once (kernels/ufuncs.py)
    call_loops()  # and its log1p and power loops for a call's kernels
