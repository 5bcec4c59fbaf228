"""Shared fixtures: paths and small, fast scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SMALL = {"population.scale": "district", "population.land": "HB"}


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def scenarios() -> Path:
    return SCENARIOS


# -- exit guard ------------------------------------------------------------------------------------
# CI once saw every test pass and then the pytest process never exit (until the job's time ran out):
# something a test started (a worker process, a pool's manager thread, an atexit handler) outlived
# the session. Whatever it is, the result is known once the session is over, so the last hook names
# what lingers (so the leak can be found) and ends the process with pytest's own exit status.

_FINISHED: dict[str, pytest.Session] = {}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _FINISHED["session"] = session


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    import os
    import sys
    import threading

    session = _FINISHED.get("session")
    if session is None or hasattr(config, "workerinput"):
        return
    status = int(session.exitstatus)
    lingering = [t.name for t in threading.enumerate()
                 if t is not threading.main_thread() and t.is_alive() and not t.daemon]
    try:
        import psutil

        children = psutil.Process().children(recursive=True)
    except Exception:  # noqa: BLE001 - a diagnostic only
        children = []
    if lingering or children:
        described = []
        for child in children:
            try:
                described.append(f"{child.pid} {' '.join(child.cmdline())[:120]}")
            except Exception:  # noqa: BLE001
                described.append(str(child.pid))
        print(f"\nexit guard: after the session, threads {lingering} and child processes {described} "
              "were still alive; they are stopped and pytest exits with its status", file=sys.__stderr__)
        for child in children:
            try:
                child.kill()
            except Exception:  # noqa: BLE001
                pass
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    os._exit(status)
