"""The event ticker: notable events of the last step, read incrementally from a model's event log.

`model.event_frame()` rebuilds the whole log (hundreds of thousands of rows at national scale), so
the ticker reads only the log chunks appended since its last visit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..state import CAUSE_CODE, EVENT_CAUSES, EVENT_CODE, EventLog

if TYPE_CHECKING:
    from ..model import MSOModel

CLIFFS_SHOWN = 3          # grant cliffs listed one by one per step and policy; the rest are counted
DISSOLUTIONS_SHOWN = 2
KEPT_FTE = 0.05           # less staff than this let go counts as "staff kept"


@dataclass(frozen=True)
class TickerItem:
    """One line of the ticker; its text is made at render time in the chosen language."""

    policy: str
    step: int
    year: float
    key: str                                   # translation key, e.g. "ticker.cliff"
    params: dict[str, Any] = field(default_factory=dict)


def new_chunks(log: EventLog, since: int) -> tuple[list[dict[str, np.ndarray]], int]:
    """The log chunks appended after chunk `since`, and the new position."""
    return log.chunks_since(since)


def _rows(chunks: list[dict[str, np.ndarray]], event: str, cause: str | None = None) -> list[dict]:
    """Events of one kind (and cause) as small dicts."""
    code = EVENT_CODE[event]
    found = []
    for chunk in chunks:
        mask = chunk["event"] == code
        if cause is not None:
            mask &= chunk["cause"] == CAUSE_CODE[cause]
        for i in np.flatnonzero(mask):
            found.append({name: values[i].item() for name, values in chunk.items()})
    return found


def notable_events(model: MSOModel, policy: str, since: int) -> tuple[list[TickerItem], int]:
    """Ticker items for what happened since chunk `since`: grant cliffs, dissolutions, foundings, awards."""
    chunks, position = new_chunks(model.log, since)
    step, year = model.t, model.config.start_year + model.t / model.config.steps_per_year
    items = _cliff_items(model, policy, chunks, step, year)
    dissolved = _rows(chunks, "dissolved")
    for event in dissolved[:DISSOLUTIONS_SHOWN]:
        cause = EVENT_CAUSES[event["cause"]] or "background"
        items.append(TickerItem(policy, step, year, "ticker.dissolved", {"mso": event["mso"], "cause": cause}))
    if len(dissolved) > DISSOLUTIONS_SHOWN:
        items.append(TickerItem(policy, step, year, "ticker.dissolved_more_n", {"n": len(dissolved) - DISSOLUTIONS_SHOWN}))
    founded = _rows(chunks, "founded")
    if founded:
        items.append(TickerItem(policy, step, year, "ticker.founded_n", {"n": len(founded)}))
    awarded = _rows(chunks, "grant_awarded")
    if awarded:
        total = sum(e.get("amount", 0.0) for e in awarded)
        items.append(TickerItem(policy, step, year, "ticker.awarded_n", {"n": len(awarded), "amount": total}))
    return items, position


def _cliff_items(model: MSOModel, policy: str, chunks: list, step: int, year: float) -> list[TickerItem]:
    """'Grant ended, 0.8 FTE let go' for grants that ended without a successor this step."""
    ended = _rows(chunks, "grant_ended", "without_successor")
    let_go: dict[int, float] = defaultdict(float)
    for event in _rows(chunks, "staff_let_go", "grant_end"):
        let_go[event["mso"]] += event.get("staff_fte", 0.0)
    names = [f.name for f in model.funders]
    ended.sort(key=lambda e: -let_go.get(e["mso"], 0.0))
    items = []
    for event in ended[:CLIFFS_SHOWN]:
        fte = let_go.get(event["mso"], 0.0)
        key = "ticker.cliff" if fte >= KEPT_FTE else "ticker.cliff_kept"
        items.append(TickerItem(policy, step, year, key,
                                {"mso": event["mso"], "funder": names[event["funder"]], "fte": fte}))
    if len(ended) > CLIFFS_SHOWN:
        rest = sum(let_go.get(e["mso"], 0.0) for e in ended[CLIFFS_SHOWN:])
        items.append(TickerItem(policy, step, year, "ticker.cliff_more_n", {"n": len(ended) - CLIFFS_SHOWN, "fte": rest}))
    return items


def scenario_event_items(model: MSOModel, policy: str) -> list[TickerItem]:
    """A ticker line when a scheduled scenario event (surge, pandemic, ...) starts this step."""
    rows = model.datacollector.rows
    if len(rows) < 2:
        return []
    now = set(filter(None, rows[-1]["events_active"].split(",")))
    before = set(filter(None, rows[-2]["events_active"].split(",")))
    year = model.config.start_year + model.t / model.config.steps_per_year
    return [TickerItem(policy, model.t, year, "ticker.scenario_event", {"event": kind}) for kind in sorted(now - before)]
