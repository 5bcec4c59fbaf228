"""Sweeps on a real Dask cluster (`dask scheduler` + two `dask worker` processes on 127.0.0.1), killed workers, killed clients."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from msosim.experiments.design import plan
from msosim.experiments.store import open_store

from .conftest import ROOT
from .sweep_helpers import write_experiment
from .test_compare import _msosim, assert_same_store
from .test_sweep_run import assert_complete_without_duplicates, run_to

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
DASK = Path(sys.executable).parent / "dask"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(*args: str) -> subprocess.Popen:
    """A `dask` CLI process in its own process group (so the group, nanny and worker, can be killed at once)."""
    return subprocess.Popen([str(DASK), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, cwd=ROOT)


def _stop(process: subprocess.Popen, signum: int = signal.SIGTERM) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


@pytest.fixture
def cluster():
    """A scheduler and two single-threaded workers on free loopback ports; torn down after the test."""
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
    workers = [_start("worker", address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1", "--no-dashboard")
               for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=60)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address, workers
    finally:
        for process in [*workers, scheduler]:
            _stop(process)


def test_pool_local_cluster_and_real_cluster_store_the_same(tmp_path, cluster) -> None:
    address, _ = cluster
    experiment = write_experiment(tmp_path)
    run_to(tmp_path / "pool.duckdb", experiment, workers=2, chunk=2)
    run_to(tmp_path / "local.duckdb", experiment, workers=2, dask="local", chunk=2)
    run_to(tmp_path / "cluster.duckdb", experiment, scheduler=address, chunk=1)
    assert_complete_without_duplicates(tmp_path / "cluster.duckdb", plan(experiment))
    assert_same_store(tmp_path / "pool.duckdb", tmp_path / "local.duckdb")
    assert_same_store(tmp_path / "pool.duckdb", tmp_path / "cluster.duckdb")


def test_killing_a_worker_midway_still_completes_the_sweep(tmp_path, cluster) -> None:
    from distributed import Client

    address, workers = cluster
    experiment = write_experiment(tmp_path, n=24, replications=2, years=3)
    stored = []

    def kill_one_worker(results) -> None:
        stored.append(len(results))
        if len(stored) == 2:
            _stop(workers[0], signal.SIGKILL)  # the nanny and its worker, mid-sweep

    run_to(tmp_path / "s.duckdb", experiment, scheduler=address, chunk=1, on_stored=kill_one_worker)
    assert workers[0].poll() is not None
    with Client(address, timeout="5s") as client:
        assert len(client.nthreads()) == 1
    design = plan(experiment)
    assert sum(stored) == len(design.specs())
    assert_complete_without_duplicates(tmp_path / "s.duckdb", design)
    run_to(tmp_path / "reference.duckdb", experiment, workers=1)
    assert_same_store(tmp_path / "s.duckdb", tmp_path / "reference.duckdb")


def _children(pid: int) -> list[int]:
    """Child processes started by any thread of `pid` (Dask's nannies start workers from their event-loop thread)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _sigkill_after(process: subprocess.Popen, stored: int) -> tuple[list[int], str]:
    """SIGKILL the client once it reports `stored` runs; wait until its worker processes are gone."""
    seen, children = [], []
    for line in process.stderr:
        seen.append(line)
        if line.startswith(f"stored {stored}/"):
            children = _children(process.pid)
            os.kill(process.pid, signal.SIGKILL)
            break
    seen.extend(process.stderr)
    process.wait(timeout=60)
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert children and not any(Path(f"/proc/{pid}").exists() for pid in children), "workers outlived the client"
    return children, "".join(seen)


@pytest.mark.parametrize("where", [[], ["--dask", "local"]], ids=["process-pool", "dask-local"])
def test_sigkill_of_the_client_then_rerun_equals_an_uninterrupted_sweep(tmp_path, where) -> None:
    experiment = write_experiment(tmp_path, n=30, replications=1, years=2)
    store = tmp_path / "killed.duckdb"
    command = [*_msosim(), "sweep", str(experiment), "--workers", "2", "--chunk", "1", "--store", str(store), *where]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    _, stderr = _sigkill_after(process, 4)
    assert process.returncode == -signal.SIGKILL, stderr
    with open_store(store) as opened:  # readable after SIGKILL, whole runs only
        done = len(opened.runs())
        assert 4 <= done < 30
        assert opened.con.execute("SELECT count(*) FROM model_steps").fetchall()[0][0] == done * 25
    rerun = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{done} already in" in rerun.stderr and "complete in" in rerun.stdout
    assert_complete_without_duplicates(store, plan(experiment))
    run_to(tmp_path / "reference.duckdb", experiment, workers=1)
    assert_same_store(store, tmp_path / "reference.duckdb")
