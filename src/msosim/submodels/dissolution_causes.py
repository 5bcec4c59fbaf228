"""Dissolution causes that follow an MSO's state besides lost volunteers and insolvency (issue 15): its
volunteers' exhaustion, and merging into a tied MSO of the same origin group in its district."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels
from .rates import happens

if TYPE_CHECKING:
    from ..model import MSOModel


def exhausted(model: MSOModel, rows: np.ndarray) -> np.ndarray:
    """Of the candidate `rows` (in row order), those whose leaders give up: a yearly probability
    `burnout_dissolution_rate * burnout^2` (one uniform per candidate), so exhaustion ends rested MSOs almost never."""
    cfg = model.config
    if rows.size == 0:
        return rows
    u = model.streams.random(rows.size, model.world_of(rows))
    jit = kernels.compiled()
    if jit is not None:  # the same test row by row (kernels/demography.py)
        return jit.exhausted_rows(rows, u, model.msos.burnout, cfg.burnout_dissolution_rate, int(cfg.steps_per_year))
    burnout = model.msos.burnout[rows]
    p_year = cfg.burnout_dissolution_rate * burnout * burnout
    return rows[happens(u, p_year, cfg.steps_per_year)]  # u < per_step(p_year)


def merging(model: MSOModel, free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(absorbed, partner): small MSOs (`free`, a mask of living MSOs with no other cause, volunteers below twice
    the core) that merge this step into a tied MSO of the same district and origin group with more members (equal:
    the lower row), also free and not itself merging. Mergers are decided once a year, in the first step of the
    year (a general meeting decides them, § 99 UmwG): each small MSO draws one uniform (in row order) against the
    yearly `merger_rate`; a drawn one merges if it has such a tie (with several, the earliest tie's partner)."""
    m, cfg, ties = model.msos, model.config, model.ties
    if not model.year_starts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    small = np.flatnonzero(free & (m.volunteers[: m.n] < 2 * cfg.min_active_volunteers))
    drawn = small[model.streams.random(small.size, model.world_of(small)) < cfg.merger_rate]
    if drawn.size == 0:
        return drawn, drawn
    a, b = ties.a[: ties.n], ties.b[: ties.n]
    jit = kernels.compiled()
    if jit is not None:  # the same choice in one pass over the ties (kernels/demography.py)
        return jit.merge_partners(drawn, ties.active[: ties.n], a, b, free, m.district[: m.n], m.group[: m.n],
                                  m.members[: m.n])
    mark = np.zeros(m.n, dtype=bool)
    mark[drawn] = True
    near = np.flatnonzero(ties.active[: ties.n] & (mark[a] | mark[b]))  # live ties of the drawn MSOs, in order
    absorbed, partner = [], []
    for x in drawn:
        ends = near[(a[near] == x) | (b[near] == x)]
        others = np.where(a[ends] == x, b[ends], a[ends])
        ok = free[others] & (m.district[others] == m.district[x]) & (m.group[others] == m.group[x])
        ok &= (m.members[others] > m.members[x]) | ((m.members[others] == m.members[x]) & (others < x))
        if ok.any():
            absorbed.append(x)
            partner.append(others[ok.argmax()])
    absorbed, partner = np.array(absorbed, dtype=np.int64), np.array(partner, dtype=np.int64)
    keep = ~np.isin(partner, absorbed)  # a partner that merges itself this step takes in no one
    return absorbed[keep], partner[keep]


def merge_into(model: MSOModel, absorbed: np.ndarray, partner: np.ndarray) -> None:
    """Members, volunteers and reserves of each absorbed MSO move to its partner (before it dissolves)."""
    m = model.msos
    if absorbed.size == 0:  # most steps (mergers are decided in the first step of a year)
        return
    np.add.at(m.members, partner, m.members[absorbed])
    np.add.at(m.volunteers, partner, m.volunteers[absorbed])
    np.add.at(m.reserves, partner, m.reserves[absorbed])
    m.reserves[absorbed] = 0.0
    m.members[absorbed] = 0
    m.volunteers[absorbed] = 0
