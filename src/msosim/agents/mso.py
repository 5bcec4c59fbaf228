"""An MSO agent: a thin handle onto its row in the model's struct of arrays."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import mesa
import numpy as np
import pandas as pd
from mesa.agentset import _HardKeyAgentSet
from mesa.experimental.mesa_signals import ModelSignals
from mesa.model import _mesa_logger

from ..state import FIELDS, FUNCTIONS, GRANT_KINDS

if TYPE_CHECKING:
    from ..model import MSOModel


def _column(name: str, doc: str) -> property:
    """A property reading and writing one column of the MSO table at this agent's row."""

    def get(self: MSO):
        return getattr(self.model.msos, name)[self.row].item()

    def set_(self: MSO, value) -> None:
        getattr(self.model.msos, name)[self.row] = value

    return property(get, set_, doc=doc)


class MSO(mesa.Agent):
    """A migrant self-organisation (registered association); state lives in `model.msos`."""

    alive = _column("alive", "still an active association")
    district = _column("district", "row of its municipality")
    group = _column("group", "origin/community group code")
    members = _column("members", "members [persons]")
    volunteers = _column("volunteers", "active volunteers [persons]")
    burnout = _column("burnout", "mean burnout of its volunteers [0-1]")
    staff_fte = _column("staff_fte", "paid staff [FTE]")
    reserves = _column("reserves", "reserves [EUR]")
    track_record = _column("track_record", "recent grants received, fading with a mean memory of track_memory_years [awards]")
    professionalisation = _column("professionalisation", "routines and know-how for applications [0-1]")
    trust = _column("trust", "trust in the municipality [0-1]")
    coop_municipality = _column("coop_municipality", "cooperates with its municipality")
    federation = _column("federation", "member of an umbrella federation")
    service_hours = _column("service_hours", "service hours delivered last step [h]")

    def __init__(self, model: MSOModel, row: int) -> None:
        super().__init__(model)
        self.row = int(row)

    @property
    def kind(self) -> str:
        """'staffed' if it has paid staff, else 'volunteer_only'."""
        return "staffed" if self.staff_fte > 0 else "volunteer_only"

    @property
    def fields(self) -> list[str]:
        return [name for name, on in zip(FIELDS, self.model.msos.fields[self.row]) if on]

    @property
    def functions(self) -> list[str]:
        return [name for name, on in zip(FUNCTIONS, self.model.msos.functions[self.row]) if on]

    def grants(self) -> pd.DataFrame:
        """Every grant this MSO has held or holds."""
        g = self.model.grants
        frame = g.frame()
        frame = frame[frame["mso"] == self.row].copy()
        frame["kind"] = [GRANT_KINDS[k] for k in frame["kind"]]
        frame["funder"] = [self.model.funders[f].name for f in frame["funder"]]
        return frame

    def story(self) -> pd.DataFrame:
        """This MSO's events, oldest first."""
        events = self.model.event_frame()
        return events[events["mso"] == self.row].reset_index(drop=True)

    def __repr__(self) -> str:
        return (f"MSO(row={self.row}, alive={self.alive}, volunteers={self.volunteers}, "
                f"staff_fte={self.staff_fte:.2f}, reserves={self.reserves:.0f})")


# -- many handles at once --------------------------------------------------------------------------
# A national run creates about 15,000 MSO handles and removes about 3,000. `mesa.Agent.__init__` and
# `Agent.remove` do it one agent at a time through `Model.register_agent` / `deregister_agent` (a
# signal-emitting wrapper, a debug log line, two set inserts each): about a tenth of a national decade.
# The functions below do the same in bulk (Mesa 3.5.1 is pinned): ids from the model's counter in
# order, the same two agent sets in the same order. Where that would skip something Mesa does (someone
# subscribed to the model's agent signals, a signal batch open, dataset-tracked agents, Mesa's debug log
# on) they take Mesa's own path, agent by agent. tests/test_mesa_api.py checks both give the same model.
#
# Deferred: a model records each bulk addition (its rows and the ids it takes from the counter at once)
# and removal, and makes the handles when something first reads Mesa's agents (`MSOModel.agents`,
# `agents_by_type`, `agent_types`, `mso_by_row`, or registers or removes an agent): the same operations
# in the same order, so Mesa sees the same model; a run that never reads them never makes them (about 6%
# of a national decade). tests/test_mesa_api.py compares deferred, bulk and agent-by-agent models.

def _bulk_ok(model: MSOModel, signal) -> bool:
    return (("agents", signal) not in model.subscribers and model._batch_context is None
            and not MSO._datasets and not _mesa_logger.isEnabledFor(logging.DEBUG))


def defer_handles(model: MSOModel, rows: np.ndarray, add: bool) -> None:
    """Add (`add`) or remove the handles of MSO rows `rows` when the model's agents are next read
    (`flush_handles`); added handles take their ids now. Where Mesa's own path is needed, at once."""
    rows = np.array(rows, dtype=np.int64)  # a copy: the caller's array may change
    if not _bulk_ok(model, ModelSignals.AGENT_ADDED if add else ModelSignals.AGENT_REMOVED):
        flush_handles(model)
        if add:
            model.mso_by_row.extend(add_handles(model, rows))
        else:
            remove_handles(model, rows)
        return
    model._handle_ops.append((rows, model.agent_id_counter if add else -1))
    if add:
        model.agent_id_counter += rows.size


def flush_handles(model: MSOModel) -> None:
    """Make and remove the handles `defer_handles` recorded, in their order."""
    ops = getattr(model, "_handle_ops", None)  # a Batch keeps none
    if not ops:
        return
    model._handle_ops = []
    for rows, first in ops:
        if first >= 0:
            model._mso_by_row.extend(_register(model, rows, first))
        else:
            _deregister(model, [model._mso_by_row[row] for row in rows.tolist()])


def add_handles(model: MSOModel, rows: np.ndarray) -> list[MSO]:
    """Mesa agents for the MSO rows `rows` (registered with the model), as `[MSO(model, row) for row in rows]`."""
    if not _bulk_ok(model, ModelSignals.AGENT_ADDED):
        return [MSO(model, row) for row in rows]
    first = model.agent_id_counter
    model.agent_id_counter = first + len(rows)
    return _register(model, rows, first)


def _register(model: MSOModel, rows: np.ndarray, first: int) -> list[MSO]:
    """Handles for `rows` with ids from `first` on, in Mesa's two agent sets (after the agents there)."""
    new = object.__new__
    handles = []
    keep = handles.append
    for unique_id, row in enumerate(np.asarray(rows).tolist(), start=first):
        handle = new(MSO)
        handle.__dict__ = {"model": model, "unique_id": unique_id, "pos": None, "row": row}  # a dict display: cheaper
        keep(handle)                                                                           # than update(**names)
    keyed = dict.fromkeys(handles)
    model._all_agents._agents.update(keyed)
    by_type = model._agents_by_type.get(MSO)
    if by_type is None:
        model._agents_by_type[MSO] = _HardKeyAgentSet(handles, random=model.random)
    else:
        by_type._agents.update(keyed)
    return handles


def remove_handles(model: MSOModel, rows: np.ndarray) -> None:
    """Remove the agents of the MSO rows `rows` from the model, as `model.mso_by_row[row].remove()` for each."""
    handles = [model.mso_by_row[row] for row in np.asarray(rows).tolist()]
    if not _bulk_ok(model, ModelSignals.AGENT_REMOVED):
        for handle in handles:
            handle.remove()
        return
    _deregister(model, handles)


def _deregister(model: MSOModel, handles: list[MSO]) -> None:
    everyone, of_type = model._all_agents._agents, model._agents_by_type[MSO]._agents
    for handle in handles:
        if handle in of_type:  # Agent.remove ignores an agent already removed
            del of_type[handle]
            del everyone[handle]
