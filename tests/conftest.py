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
# something a test started (a worker process, a pool's manager thread, an atexit handler, a plugin's
# unconfigure) outlived the session. The result is known once the session is over, so: the last hook
# names what lingers (so a leak can be found), stops it and ends the process with pytest's own exit
# status; and a watchdog started when the session finishes dumps every thread's stack and exits with
# that status if the process is still there EXIT_GRACE seconds later (a hang before the last hook).

EXIT_GRACE = 120.0
_FINISHED: dict[str, pytest.Session] = {}


def _exit_now(status: int) -> None:
    import os
    import sys

    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - exiting anyway
            pass
    os._exit(status)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    import faulthandler
    import sys
    import threading

    _FINISHED["session"] = session

    def watchdog() -> None:
        threading.Event().wait(EXIT_GRACE)
        print(f"\nexit guard: pytest still running {EXIT_GRACE:.0f} s after the session finished; "
              "stacks of every thread:", file=sys.__stderr__, flush=True)
        faulthandler.dump_traceback(file=sys.__stderr__, all_threads=True)
        _exit_now(int(session.exitstatus))

    threading.Thread(target=watchdog, name="msosim-exit-watchdog", daemon=True).start()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    import sys
    import threading

    session = _FINISHED.get("session")
    if session is None:
        return
    lingering = [t.name for t in threading.enumerate()
                 if t is not threading.main_thread() and t.is_alive() and not t.daemon]
    try:
        import psutil

        children = [child for child in psutil.Process().children(recursive=True)
                    if "resource_tracker" not in " ".join(child.cmdline())]  # it ends when this process does
    except Exception:  # noqa: BLE001 - a diagnostic only
        children = []
    described = []
    for child in children:
        try:
            text = f"{child.pid} {' '.join(child.cmdline())[:120]}"
            child.kill()
        except Exception:  # noqa: BLE001 - gone already
            text = str(child.pid)
        described.append(text)
    if lingering or described:
        print(f"\nexit guard: after the session, threads {lingering} and child processes {described} "
              "were still alive; they are stopped and pytest exits with its status", file=sys.__stderr__)
    _exit_now(int(session.exitstatus))
