"""Dissolution causes that follow an MSO's state besides lost volunteers and insolvency (issue 15): its
volunteers' exhaustion, and merging into a tied MSO of the same origin group in its district."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .rates import per_step

if TYPE_CHECKING:
    from ..model import MSOModel


def exhausted(model: MSOModel, rows: np.ndarray) -> np.ndarray:
    """Of the candidate `rows` (in row order), those whose leaders give up: a yearly probability
    `burnout_dissolution_rate * burnout^2` (one uniform per candidate), so exhaustion ends rested MSOs almost never."""
    cfg = model.config
    if rows.size == 0:
        return rows
    p = per_step(cfg.burnout_dissolution_rate * model.msos.burnout[rows] ** 2, cfg.steps_per_year)
    return rows[model.rng.random(rows.size) < p]


def merging(model: MSOModel, free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(absorbed, partner): small MSOs (`free`, a mask of living MSOs with no other cause, volunteers below twice
    the core) that merge this step into a tied MSO of the same district and origin group with at least as many
    members, also free and not itself merging; yearly probability `merger_rate` (one uniform per candidate, in
    row order; a candidate with several such ties joins the one of its earliest tie)."""
    m, cfg, ties = model.msos, model.config, model.ties
    live = ties.active[: ties.n]
    a, b = ties.a[: ties.n][live], ties.b[: ties.n][live]
    small = free & (m.volunteers[: m.n] < 2 * cfg.min_active_volunteers)
    pairs = []
    for x, y in ((a, b), (b, a)):  # x is absorbed into y
        ok = small[x] & free[y] & (m.district[x] == m.district[y]) & (m.group[x] == m.group[y])
        ok &= (m.members[y] > m.members[x]) | ((m.members[y] == m.members[x]) & (y < x))
        pairs.append(np.flatnonzero(ok))
    order = np.concatenate(pairs)  # tie positions: first those where the absorbed is a, then b
    absorbed = np.concatenate([a[pairs[0]], b[pairs[1]]])
    partner = np.concatenate([b[pairs[0]], a[pairs[1]]])
    if absorbed.size == 0:
        return absorbed, partner
    earliest = np.lexsort((order, absorbed))  # per absorbed MSO, its earliest tie
    absorbed, partner = absorbed[earliest], partner[earliest]
    first = np.flatnonzero(np.r_[True, absorbed[1:] != absorbed[:-1]])
    absorbed, partner = absorbed[first], partner[first]
    chosen = model.rng.random(absorbed.size) < per_step(cfg.merger_rate, cfg.steps_per_year)
    absorbed, partner = absorbed[chosen], partner[chosen]
    keep = ~np.isin(partner, absorbed)  # a partner that merges itself this step takes in no one
    return absorbed[keep], partner[keep]


def merge_into(model: MSOModel, absorbed: np.ndarray, partner: np.ndarray) -> None:
    """Members, volunteers and reserves of each absorbed MSO move to its partner (before it dissolves)."""
    m = model.msos
    np.add.at(m.members, partner, m.members[absorbed])
    np.add.at(m.volunteers, partner, m.volunteers[absorbed])
    np.add.at(m.reserves, partner, m.reserves[absorbed])
    m.reserves[absorbed] = 0.0
    m.members[absorbed] = 0
    m.volunteers[absorbed] = 0
