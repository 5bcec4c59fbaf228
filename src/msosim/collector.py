"""The model's data collector: Mesa's DataCollector API (model and agent variables, what batch_run reads)
over msosim's monthly rows and the MSO arrays.

Model variables are the monthly row of `metrics.monthly_row`, every step. Agent variables are collected
only when asked for, as in Mesa (`MSOModel(..., agent_reporters={"volunteers": "volunteers"})`): for the
MSOs alive at the step (the agents Mesa knows), one value per reporter. A reporter is the name of an
MSO column (read from the arrays at once), of another MSO attribute, or a function of the agent.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .metrics import monthly_row

if TYPE_CHECKING:
    from .model import MSOModel

Reporter = str | Callable[[Any], Any]


class MonthlyCollector:
    """A tidy model-level collector that Mesa's `batch_run` understands (one row per step), with agent variables."""

    def __init__(self, agent_reporters: dict[str, Reporter] | None = None) -> None:
        self.agent_reporters: dict[str, Reporter] = dict(agent_reporters or {})
        self.model_reporters: dict[str, Reporter] = {}
        self.agenttype_reporters: dict = {}
        self.tables: dict = {}
        self.rows: list[dict] = []
        self._collection_steps: list[float] = []
        self._agent_steps: list[tuple[float, np.ndarray, list[np.ndarray]]] = []
        self._agenttype_records: dict = {}
        self._ids = np.zeros(0, dtype=np.int64)  # unique_id of each MSO row

    def collect(self, model: MSOModel) -> None:
        self.rows.append(monthly_row(model))
        self._collection_steps.append(model.time)
        if self.agent_reporters:
            self._agent_steps.append(self._record_msos(model))

    def _record_msos(self, model: MSOModel) -> tuple[float, np.ndarray, list[np.ndarray]]:
        """The step, the living MSOs' unique ids, and one array per reporter (columns read at once)."""
        if len(self._ids) < len(model.mso_by_row):
            new = [agent.unique_id for agent in model.mso_by_row[len(self._ids):]]
            self._ids = np.concatenate([self._ids, np.asarray(new, dtype=np.int64)])
        rows = np.flatnonzero(model.msos.alive[: model.msos.n])
        values = []
        for reporter in self.agent_reporters.values():
            column = getattr(model.msos, reporter, None) if isinstance(reporter, str) else None
            if isinstance(column, np.ndarray) and column.ndim == 1:
                values.append(column[rows])  # fancy indexing copies
            else:
                read = reporter if callable(reporter) else (lambda agent, name=reporter: getattr(agent, name))
                values.append(np.asarray([read(model.mso_by_row[row]) for row in rows.tolist()]))
        return model.time, self._ids[rows], values

    @property
    def model_vars(self) -> dict[str, list]:
        return {key: [row[key] for row in self.rows] for key in self.rows[0]} if self.rows else {}

    @property
    def _agent_records(self) -> dict[float, list[tuple]]:
        """Mesa's layout of agent variables (step -> (step, agent id, values...) per agent), for batch_run."""
        return {step: list(zip(itertools.repeat(step), ids.tolist(), *(v.tolist() for v in values)))
                for step, ids, values in self._agent_steps}

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

    def get_agent_vars_dataframe(self) -> pd.DataFrame:
        """One row per step and living MSO (index Step, AgentID), one column per agent reporter (as Mesa's)."""
        if not self.agent_reporters:
            raise UserWarning("No agent reporters have been defined in the DataCollector, returning empty DataFrame. "
                              "Build the model with MSOModel(..., agent_reporters={'volunteers': 'volunteers'}).")
        names = list(self.agent_reporters)
        if not self._agent_steps:
            return pd.DataFrame(columns=["Step", "AgentID", *names]).set_index(["Step", "AgentID"])
        sizes = [len(ids) for _, ids, _ in self._agent_steps]
        frame = pd.DataFrame({"Step": np.repeat([step for step, _, _ in self._agent_steps], sizes),
                              "AgentID": np.concatenate([ids for _, ids, _ in self._agent_steps]),
                              **{name: np.concatenate([values[i] for _, _, values in self._agent_steps])
                                 for i, name in enumerate(names)}})
        return frame.set_index(["Step", "AgentID"])

    def get_agenttype_vars_dataframe(self, agent_type: type) -> pd.DataFrame:
        """Mesa's per-type frame: none are defined here (the MSOs' variables are the agent variables)."""
        warnings.warn(f"No agent-type reporters have been defined for {agent_type} in the DataCollector, "
                      "returning empty DataFrame.", UserWarning, stacklevel=2)
        return pd.DataFrame()

    def get_table_dataframe(self, table_name: str) -> pd.DataFrame:
        """Mesa's tables: msosim keeps its tables in `model.tables()`."""
        raise Exception(f"Table {table_name!r} does not exist; msosim's tables are in model.tables()")
