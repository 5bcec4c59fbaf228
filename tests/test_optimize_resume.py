"""msosim optimize resumes from the store: a search killed by SIGKILL mid-run, run again, ends with the same result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from typer.testing import CliRunner

from msosim.cli import app

from .optimize_helpers import write_optimisation

SEARCH = {"population": 6, "generations": 4, "seed": 2}


def command(path, store, report) -> list[str]:
    return ["optimize", str(path), "--workers", "1", "--store", str(store), "--report", str(report)]


def kill_after(args: list[str], line: str, timeout: float = 300) -> None:
    """Start `msosim ARGS` in a subprocess and SIGKILL it once its stderr shows `line`."""
    process = subprocess.Popen([sys.executable, "-m", "msosim", *args], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               text=True, env={**os.environ, "COLUMNS": "200"})
    started = time.monotonic()
    try:
        for text in process.stderr:
            if line in text:
                break
            assert time.monotonic() - started < timeout, "the search never reached the line"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_a_killed_search_resumes_from_the_store_with_the_same_result(tmp_path) -> None:
    path = write_optimisation(tmp_path, "resume", search=SEARCH)
    whole = CliRunner().invoke(app, command(path, tmp_path / "whole.duckdb", tmp_path / "whole"))
    assert whole.exit_code == 0, whole.output
    kill_after(command(path, tmp_path / "killed.duckdb", tmp_path / "killed"), "generation 2/4")
    assert (tmp_path / "killed.duckdb").exists() and not (tmp_path / "killed").exists()
    resumed = CliRunner().invoke(app, command(path, tmp_path / "killed.duckdb", tmp_path / "killed"))
    assert resumed.exit_code == 0, resumed.output
    made = {name: int(result.output.split(" runs made in")[0].split()[-1]) for name, result
            in (("whole", whole), ("resumed", resumed))}
    assert 0 < made["resumed"] < made["whole"]  # the runs of the first generations came from the store
    for table in ("candidates.csv", "pareto.csv", "check.csv", "convergence.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "whole" / table), pd.read_csv(tmp_path / "killed" / table))
