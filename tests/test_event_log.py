"""The event log keeps its own copy of what a submodel hands it (msosim/state.py, EventLog.add)."""

from __future__ import annotations

import numpy as np

from msosim.state import EventLog


def test_a_view_handed_to_the_log_is_copied_and_frees_what_it_views():
    """A kernel returns the first k rows of an array as long as the table; kept as a view, the log would hold that
    whole array (and see later writes to it) for the rest of the run."""
    log = EventLog()
    buffer = np.arange(1_000_000, dtype=np.int64)  # as a kernel's output of the table's length
    hours = np.linspace(0.0, 1.0, 1_000_000)
    log.add(3, "task_delegated", buffer[:5], hours=hours[10:15], amount=np.full(5, 2.0))
    buffer[:5] = -1
    hours[:] = np.nan
    chunk = log._chunks[0][3]
    assert chunk["mso"].tolist() == [0, 1, 2, 3, 4]
    assert np.array_equal(chunk["hours"], np.linspace(0.0, 1.0, 1_000_000)[10:15])
    for value in chunk.values():
        if isinstance(value, np.ndarray):
            assert value.base is None and value.nbytes <= 40  # its own five values, not the million
    owned = np.full(5, 2.0)
    log.add(4, "task_delegated", np.arange(5), amount=owned)
    assert log._chunks[1][3]["amount"] is owned  # an array of its own is kept as it is (no copy)
    frame = log.frame(12, 2020, ["funder"])
    assert frame["mso"].tolist() == [0, 1, 2, 3, 4] * 2
