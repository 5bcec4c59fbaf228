"""Kernels of held_grants.adjust_staff (with own_staff.own_funded_fte): the whole-population passes, row by row.

adjust_staff runs in two calls around the vacancy draw (made in numpy): `staff_plan` sums the staff FTE the grants
pay now and within the successor window in one pass over the grant table (in row order, as np.bincount adds),
then finds each MSO's needs and compacts the rows to hire and to let go (branch-free: every row is written and the
count advances by the condition); `staff_apply` fills the positions the draw filled, changes the staff and gives
the events' causes and the rows summed for the flows."""

from __future__ import annotations

import numpy as np
from numba import njit

from .services import fmax


@njit(cache=True, nogil=True, error_model="numpy")
def staff_plan(active, start, end, mso, grant_fte, t, ahead, staff, alive, reserves, members, donations_base, pays,
               fee, factor, scaled, base_costs, threshold, fte, months, successor_months, cost_per_month):
    """adjust_staff up to the vacancy draw. The staff FTE per MSO paid by grants running at step `t` (as
    RunningGrants.funded_fte) and by those starting up to step `ahead` too; the FTE an MSO pays from its own income
    where `pays` (own_funded_fte, else 0); then per MSO the FTE to hire, staff above what grants within the
    successor window and own income pay (excess) and above what pays now (unfunded), each 0 below 1e-9 FTE or for
    a dissolved MSO; the rows to hire (ascending) and those letting staff go (unfunded, and reserves below what
    bridging them costs) with the FTE each lets go. Returns hire (every row), the hired rows, the fired rows, the
    FTE they let go and the FTE grants pay now."""
    size = staff.shape[0]
    now = np.zeros(size)
    within = np.zeros(size)
    for j in range(active.shape[0]):
        if active[j] and end[j] > t and start[j] <= ahead:  # paying now or within the window
            within[mso[j]] += grant_fte[j]
            if start[j] <= t:
                now[mso[j]] += grant_fte[j]
    hire = np.empty(size)
    unfunded = np.empty(size)
    fires = np.empty(size, dtype=np.bool_)
    for i in range(size):
        own = 0.0
        if pays:
            free = members[i] * fee + donations_base[i]
            if scaled:
                free *= factor
            free -= base_costs
            own = fte if (free >= threshold and alive[i]) else 0.0
        h = fmax(now[i] + own - staff[i], 0.0)
        h = h * (1.0 if (h >= 1e-9 and alive[i]) else 0.0)
        e = fmax(staff[i] - within[i] - own, 0.0)
        e = e * (1.0 if (e >= 1e-9 and alive[i]) else 0.0)
        u = fmax(staff[i] - now[i] - own, 0.0)
        u = u * (1.0 if (u >= 1e-9 and alive[i]) else 0.0)
        need = e * months + (u - e) * successor_months
        need *= cost_per_month
        hire[i] = h
        unfunded[i] = u
        fires[i] = (u > 0) & (reserves[i] < need)
    hired = np.empty(size, dtype=np.int64)
    fired = np.empty(size, dtype=np.int64)
    n_hired = n_fired = 0
    for i in range(size):
        hired[n_hired] = i
        fired[n_fired] = i
        n_hired += hire[i] > 0
        n_fired += fires[i]
    let_go = np.empty(n_fired)
    for k in range(n_fired):
        let_go[k] = unfunded[fired[k]]
    return hire, hired[:n_hired], fired[:n_fired], let_go, now


@njit(cache=True, nogil=True, error_model="numpy")
def staff_apply(hire, hired, u, draw, fill, fired, let_go, staff, by_grants, cliff, by_grant, by_own, at_end,
                by_finances):
    """adjust_staff after the vacancy draw: positions whose uniform `u` is not below `fill` stay vacant (their hire
    0) where `draw`, the others are filled, the fired rows let go their FTE, staff below 0 set to 0 (as np.maximum:
    -0.0 too); the causes of the events (hired: `by_grant` where grants pay more than the staff before, else
    `by_own`; let go: `at_end` at a staff cliff, else `by_finances`). Returns the hired rows, their causes and FTE,
    the causes of the fired rows, the FTE let go per row (0 elsewhere) and the fired rows at a cliff and their FTE."""
    size = staff.shape[0]
    kept = np.empty(hired.shape[0], dtype=np.int64)
    count = 0
    for k in range(hired.shape[0]):
        filled = (not draw) or u[k] < fill
        if not filled:
            hire[hired[k]] = 0.0
        kept[count] = hired[k]
        count += filled
    kept = kept[:count]
    for k in range(count):
        staff[kept[k]] += hire[kept[k]]
    for k in range(fired.shape[0]):
        staff[fired[k]] -= let_go[k]
    for i in range(size):
        s = staff[i]
        staff[i] = s if (s > 0.0 or s != s) else 0.0
    hired_cause = np.empty(count, dtype=np.int64)
    hired_fte = np.empty(count)
    for k in range(count):
        i = kept[k]
        hired_fte[k] = hire[i]
        hired_cause[k] = by_grant if by_grants[i] > staff[i] - hire[i] + 1e-9 else by_own
    fired_cause = np.empty(fired.shape[0], dtype=np.int64)
    lost = np.zeros(size)
    at_cliff = 0
    for k in range(fired.shape[0]):
        fired_cause[k] = at_end if cliff[fired[k]] else by_finances
        lost[fired[k]] = let_go[k]
        at_cliff += cliff[fired[k]]
    cliff_rows = np.empty(at_cliff, dtype=np.int64)
    cliff_fte = np.empty(at_cliff)
    count = 0
    for k in range(fired.shape[0]):
        if cliff[fired[k]]:
            cliff_rows[count] = fired[k]
            cliff_fte[count] = let_go[k]
            count += 1
    return kept, hired_cause, hired_fte, fired_cause, lost, cliff_rows, cliff_fte


def warm(zeros) -> None:
    """Compile (or load) each kernel for the dtypes the model passes."""
    from ..state import GRANT_COLUMNS
    f, flags, rows, one = zeros("staff_fte"), zeros("alive"), np.zeros(0, dtype=np.int64), np.zeros(1)
    grant = {name: np.zeros(1, dtype=GRANT_COLUMNS[name]) for name in ("active", "start", "end", "mso", "staff_fte")}
    hire, hired, fired, let_go, now = staff_plan(grant["active"], grant["start"], grant["end"], grant["mso"],
                                                 grant["staff_fte"], 1, 1, f, flags, zeros("reserves"),
                                                 zeros("members"), zeros("donations_base"), True, 1.0, 1.0, True, 1.0,
                                                 1.0, 0.5, 3.0, 3.0, 1.0)
    staff_apply(one, rows, one, True, 0.5, rows, one[:0], f, one, zeros("cliff"), 1, 2, 3, 4)
