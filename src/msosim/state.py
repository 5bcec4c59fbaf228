"""Struct-of-arrays state: one numpy array per attribute, one row per MSO (or grant, tie, event).

The model owns these tables; every submodel reads and writes whole columns at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .schema_base import FIELDS  # the SVR activity fields (defined there so the schema loads without numpy)

FUNCTIONS = ("homemaking", "services", "bridging", "advocacy")
INCOME_SOURCES = ("fees", "donations", "project_grants", "institutional", "municipal")
PROJECT, INSTITUTIONAL = 0, 1
GRANT_KINDS = ("project", "institutional")

# MSO columns: name -> dtype. Every state variable of an MSO lives here.
MSO_COLUMNS: dict[str, str] = {
    "alive": "bool", "initial": "bool", "district": "int64", "land": "int16", "group": "int16",
    "founded_step": "int32", "died_step": "int32", "death_cause": "int8",
    "members": "int64", "volunteers": "int64", "burnout": "float64", "below_core_months": "int32",
    "staff_fte": "float64", "reserves": "float64", "insolvent_months": "int32",
    "donations_base": "float64", "track_record": "float64", "rejections": "float64",
    "professionalisation": "float64", "trust": "float64", "coop_municipality": "bool",
    "federation": "bool", "delegated_load": "float64", "unfunded_ratio": "float64",
    "application_hours": "float64", "last_grant_start": "int32", "load_per_volunteer": "float64",
    "requested_hours": "float64", "service_hours": "float64", "grant_income_total": "float64",
    "municipal_income_total": "float64", "grant_returned_total": "float64", "cliff": "bool", "freelance_hours": "float64",
    "municipal_payment": "float64", "delegated_funded_load": "float64", "independent": "bool",
    "information": "float64",
}
MATRIX_COLUMNS: dict[str, tuple[int, str]] = {
    "fields": (len(FIELDS), "bool"),
    "functions": (len(FUNCTIONS), "bool"),
    "income_year": (len(INCOME_SOURCES), "float64"),
    "income_last_year": (len(INCOME_SOURCES), "float64"),
}


class Table:
    """A growable struct of arrays with a fixed column spec; rows [0, n) are in use."""

    def __init__(self, columns: dict[str, str], capacity: int,
                 matrices: dict[str, tuple[int, str]] | None = None) -> None:
        self._columns = dict(columns)
        self._matrices = dict(matrices or {})
        self.n = 0
        self.appended = 0  # rows ever appended (an `id` column, if any, counts them)
        self._used = 0  # rows from here on have never been written since the arrays were made: they hold zeros
        self._retired: list[dict[str, np.ndarray]] = []
        self.capacity = max(int(capacity), 16)
        for name, dtype in self._columns.items():
            setattr(self, name, np.zeros(self.capacity, dtype=dtype))
        for name, (width, dtype) in self._matrices.items():  # column-major: submodels work on one column at a time
            setattr(self, name, np.zeros((self.capacity, width), dtype=dtype, order="F"))

    def reserve(self, extra: int) -> None:
        """Make room for `extra` more rows (doubling capacity), keeping existing data."""
        needed = self.n + extra
        if needed <= self.capacity:
            return
        new_capacity = max(needed, 2 * self.capacity)
        for name in (*self._columns, *self._matrices):
            old = getattr(self, name)
            new = np.zeros((new_capacity, *old.shape[1:]), dtype=old.dtype, order="F")
            new[: self.n] = old[: self.n]
            setattr(self, name, new)
        self.capacity = new_capacity
        self._used = self.n

    def append(self, count: int, **values) -> np.ndarray:
        """Append `count` rows with the given column values; returns their row indices."""
        self.reserve(count)
        rows = slice(self.n, self.n + count)
        for name, value in values.items():
            getattr(self, name)[rows] = value
        used = max(self._used, self.n)  # (n may have been set directly after writing rows: batch_state.stack)
        if rows.start < used:  # rows freed by compact() may hold old values; rows never written hold zeros
            for name in self._columns.keys() - values.keys():
                getattr(self, name)[rows] = 0
        if "id" in self._columns and "id" not in values:
            self.id[rows] = np.arange(self.appended, self.appended + count)
        self.n += count
        self._used = max(used, self.n)
        self.appended += count
        return np.arange(rows.start, rows.stop)

    def compact(self, keep: np.ndarray) -> None:
        """Keep only the rows where `keep` (length n) is true, in their order."""
        rows = np.flatnonzero(keep)
        self._used = max(self._used, self.n)
        for name in (*self._columns, *self._matrices):
            column = getattr(self, name)
            column[: rows.size] = column[rows]
        self.n = int(rows.size)

    def retire(self, keep: np.ndarray) -> None:
        """Move the rows where `keep` (length n) is false out of the working rows into the retired store;
        `frame()` still shows them (in `id` order). Submodels see only the working rows."""
        gone = np.flatnonzero(~keep)
        if gone.size:
            self._retired.append({name: getattr(self, name)[gone] for name in (*self._columns, *self._matrices)})
            self.compact(keep)

    def view(self, name: str) -> np.ndarray:
        """The used part of one column."""
        return getattr(self, name)[: self.n]

    def columns(self, rows: np.ndarray | None = None, copy: bool = True) -> dict[str, np.ndarray]:
        """The table (or selected rows) as fresh arrays by column name, matrix columns spread to name_i (views
        into one fresh 2-D array). Without `rows`, retired rows are included and all rows come in `id` order.
        `copy=False` returns views of the working rows where no copy is needed (for a caller that copies)."""
        if rows is None and self._retired:
            arrays = self._with_retired()
        elif rows is None:
            arrays = {name: getattr(self, name)[: self.n] for name in (*self._columns, *self._matrices)}
            if copy:
                arrays = {name: values.copy() for name, values in arrays.items()}
        else:
            arrays = {name: getattr(self, name)[rows] for name in (*self._columns, *self._matrices)}
        data = {name: arrays[name] for name in self._columns}
        for name, (width, _) in self._matrices.items():
            for j in range(width):
                data[f"{name}_{j}"] = arrays[name][:, j]
        return data

    def _with_retired(self) -> dict[str, np.ndarray]:
        """Retired and working rows together, in `id` order (the retired parts and the working rows are each
        in `id` order already, so the stable sort only merges them)."""
        def merged(name: str) -> np.ndarray:
            return np.concatenate([*(part[name] for part in self._retired), getattr(self, name)[: self.n]])

        if "id" not in self._columns:
            return {name: merged(name) for name in (*self._columns, *self._matrices)}
        ids = merged("id")
        order = np.argsort(ids, kind="stable")
        return {name: (ids if name == "id" else merged(name))[order] for name in (*self._columns, *self._matrices)}

    def frame(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """The table (or selected rows) as a DataFrame; see `columns`."""
        return pd.DataFrame(self.columns(rows), copy=False)


def labels_at(labels: list[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """`labels[codes]` as the `str` array pandas infers from an object array of strings, without making
    that object array (one Python reference per row)."""
    return pd.array(labels, dtype="str").take(codes)


def mso_table(capacity: int) -> Table:
    return Table(MSO_COLUMNS, capacity, MATRIX_COLUMNS)


GRANT_COLUMNS = {
    "id": "int64", "mso": "int64", "funder": "int32", "kind": "int8", "amount_per_year": "float64",
    "project_cost_per_year": "float64", "staff_fte": "float64", "material_per_year": "float64",
    "in_kind_per_year": "float64", "start": "int32", "end": "int32",
    "active": "bool", "awarded_step": "int32", "paid": "float64", "unspent": "float64", "returned": "float64",
}
TIE_COLUMNS = {"a": "int64", "b": "int64", "active": "bool", "formed_step": "int32", "breaks_step": "int32"}

EVENT_KINDS = ("founded", "dissolved", "grant_applied", "grant_awarded", "grant_rejected",
               "grant_ended", "staff_hired", "staff_let_go", "tie_formed", "tie_broken",
               "municipal_cooperation_started", "municipal_cooperation_ended",
               "federation_joined", "federation_left", "task_delegated", "grant_renewed")
EVENT_CAUSES = ("", "volunteers", "insolvency", "background", "with_successor", "without_successor",
                "renewed", "grant_start", "grant_end", "finances", "dissolution", "funded", "unfunded",
                "polarisation", "drift", "dialogue", "initial", "burnout", "merger", "own_income")
EVENT_CODE = {name: i for i, name in enumerate(EVENT_KINDS)}
CAUSE_CODE = {name: i for i, name in enumerate(EVENT_CAUSES)}


class EventLog:
    """The event log, appended as arrays per submodel call (never a dict per event).

    A chunk holds one call's events: its step, kind and count as numbers, the MSO rows and the other
    columns as arrays (or as one number shared by every event of the chunk)."""

    COLUMNS = ("step", "mso", "event", "cause", "funder", "partner", "amount", "hours",
               "score", "rank", "staff_fte")
    DEFAULTS = {"funder": -1, "partner": -1, "amount": np.nan, "hours": np.nan, "score": np.nan, "rank": -1,
                "staff_fte": np.nan}
    DTYPES = {"step": np.int32, "mso": np.int32, "event": np.int8, "cause": np.int8, "funder": np.int16,
              "partner": np.int32, "amount": np.float64, "hours": np.float64, "score": np.float64,
              "rank": np.int32, "staff_fte": np.float64}

    def __init__(self) -> None:
        self._chunks: list[tuple[int, int, int, dict]] = []

    def add(self, step: int, event: str, mso: np.ndarray, cause: str | np.ndarray = "",
            **columns) -> None:
        """Append one event of kind `event` for each MSO row in `mso`."""
        count = len(mso)
        if count == 0:
            return
        values = {"mso": np.asarray(mso), "cause": CAUSE_CODE[cause] if isinstance(cause, str) else np.asarray(cause)}
        values.update(columns)
        for name, value in values.items():  # a view is copied: kept, it would keep alive the array it views (a
            if isinstance(value, np.ndarray) and not value.flags.owndata:  # kernel's output of the table's length,
                values[name] = value.copy()  # a column that changes later) for the rest of the run
        self._chunks.append((step, EVENT_CODE[event], count, values))

    def chunks_since(self, since: int) -> tuple[list[dict[str, np.ndarray]], int]:
        """The chunks appended after chunk `since`, each as a dict of equal-length arrays, and the new position."""
        out = []
        for step, event, count, values in self._chunks[since:]:
            chunk = {"step": np.full(count, step, dtype=np.int32), "event": np.full(count, event, dtype=np.int8)}
            for name, value in values.items():
                chunk[name] = np.full(count, value, dtype=self.DTYPES[name]) if np.ndim(value) == 0 \
                    else np.asarray(value, dtype=self.DTYPES[name])
            out.append(chunk)
        return out, len(self._chunks)

    def frame(self, steps_per_year: int, start_year: int, funder_names: list[str]) -> pd.DataFrame:
        """All events as one tidy DataFrame (categoricals for event, cause and funder)."""
        steps = np.array([chunk[0] for chunk in self._chunks], dtype=np.int32)
        counts = np.array([chunk[2] for chunk in self._chunks], dtype=np.int64)
        # The year depends on the step only, so it is computed per chunk and repeated like the step.
        return self.frame_of(self._arrays(steps, counts), np.repeat(start_year + steps / steps_per_year, counts),
                             funder_names)

    def arrays(self, head: Sequence[dict[str, np.ndarray]] = ()) -> dict[str, np.ndarray]:
        """Every column over all events (funder: the funder's index, -1 for none); with `head`, the columns of other
        events (as `arrays` gives them) come first, written into the same arrays (no concatenation)."""
        steps = np.array([chunk[0] for chunk in self._chunks], dtype=np.int32)
        counts = np.array([chunk[2] for chunk in self._chunks], dtype=np.int64)
        return self._arrays(steps, counts, head)

    @classmethod
    def frame_of(cls, data: dict[str, np.ndarray], year: np.ndarray, funder_names: list[str]) -> pd.DataFrame:
        """The tidy frame of event columns `data` (as `arrays` gives them) and each event's year."""
        data["funder"] += 1  # category 0 is "no funder"
        columns = {"step": data["step"], "year": year, **{name: data[name] for name in cls.COLUMNS if name != "step"}}
        columns["event"] = pd.Categorical.from_codes(data["event"], EVENT_KINDS)
        columns["cause"] = pd.Categorical.from_codes(data["cause"], EVENT_CAUSES)
        columns["funder"] = pd.Categorical.from_codes(data["funder"], ["", *funder_names])
        return pd.DataFrame(columns, copy=False)

    def _arrays(self, steps: np.ndarray, counts: np.ndarray,
                head: Sequence[dict[str, np.ndarray]] = ()) -> dict[str, np.ndarray]:
        """Every column over all chunks (given each chunk's step and count), after the events of `head`: step and
        event repeated per chunk, the others filled with their default and each chunk's values written over its
        part (one pass over the chunks for all columns)."""
        skip = sum(part["step"].size for part in head)
        total = skip + int(counts.sum())
        data = {"step": np.repeat(steps, counts),
                "event": np.repeat(np.array([chunk[1] for chunk in self._chunks], dtype=np.int8), counts)}
        if skip:  # room for the head's events before them
            for name, values in data.items():
                column = np.empty(total, dtype=self.DTYPES[name])
                column[skip:] = values
                data[name] = column
        # every chunk has `mso` and `cause`; the other columns start at their default
        data.update({name: np.empty(total, dtype=self.DTYPES[name]) if name in ("mso", "cause")
                     else np.full(total, self.DEFAULTS.get(name, 0), dtype=self.DTYPES[name])
                     for name in self.COLUMNS if name not in data})
        start = 0
        for part in head:
            count = part["step"].size
            for name, column in data.items():
                column[start: start + count] = part[name]
            start += count
        for _, _, count, values in self._chunks:
            for name, value in values.items():
                data[name][start: start + count] = value
            start += count
        return data

    def count(self) -> int:
        return sum(chunk[2] for chunk in self._chunks)
