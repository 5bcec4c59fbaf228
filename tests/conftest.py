"""Shared fixtures: paths and small, fast scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SMALL = {"population.scale": "district", "population.land": "HB"}


def pytest_configure(config):
    """One fresh spin-up cache for the whole session, shared by the xdist workers (they inherit the environment):
    tests never read a spin-up an earlier session or the user's own runs left, nor write into ~/.cache."""
    import os
    import tempfile

    if not hasattr(config, "workerinput") and "MSOSIM_TEST_CACHE_KEEP" not in os.environ:
        os.environ["MSOSIM_CACHE_DIR"] = tempfile.mkdtemp(prefix="msosim-test-cache-")


# -- browser tests: Chromium as the machine has it ----------------------------------------------------
# Found once per session (msosim.dashboard.browser.find_chromium). Without one, the browser tests are skipped
# with one line saying how to get one; under CI (CI=true) they fail instead, so a CI run never passes untested.

_CHROMIUM: dict[str, object] = {}


def chromium_lookup():
    """The Found Chromium, or the BrowserNotFound error (looked up once per session)."""
    if "result" not in _CHROMIUM:
        from msosim.dashboard.browser import BrowserNotFound, find_chromium

        try:
            _CHROMIUM["result"] = find_chromium()
        except BrowserNotFound as exc:
            _CHROMIUM["result"] = exc
    return _CHROMIUM["result"]


@pytest.fixture(scope="session")
def require_chromium():
    """The Chromium found (browser test modules use it first: `pytest.mark.usefixtures("require_chromium")`, so no
    dashboard server starts without a browser); without one: skip (one folded line under -ra), or fail under CI=true."""
    from msosim.dashboard.browser import running_in_ci

    found = chromium_lookup()
    if not isinstance(found, Exception):
        return found
    if running_in_ci():
        pytest.fail(f"BROWSER TESTS FAIL under CI=true: {found}", pytrace=False)
    pytest.skip(f"BROWSER TESTS SKIPPED: {found}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """Every browser test skipped for want of a browser reports one place, so `-ra` folds them into one line."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and isinstance(report.longrepr, tuple) and "BROWSER TESTS SKIPPED" in str(report.longrepr[2]):
        report.longrepr = (__file__, 0, report.longrepr[2])


@pytest.fixture(scope="session")
def browser_type_launch_args(require_chromium):
    """pytest-playwright's launch arguments: the Chromium found, headless, with no background requests of its own."""
    from msosim.dashboard.browser import CHROMIUM_ARGS

    return {"executable_path": str(require_chromium.path), "args": CHROMIUM_ARGS, "headless": True}


# -- the dashboard in a browser: one server per session, a fresh page per test -------------------------
UI_TIMEOUT = 30_000          # ms, Playwright's default wait in the browser tests


@pytest.fixture(scope="session")
def browser_context_args():
    return {"viewport": {"width": 1600, "height": 2400}, "accept_downloads": True}


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """`msosim dashboard` on a free port, with a copy of scenarios/ plus an unreadable scenario file."""
    from .browser_helpers import running_dashboard

    with running_dashboard(tmp_path_factory.mktemp("dashboard"), ROOT) as served:
        yield served


@pytest.fixture
def dashboard(server, page):
    """A fresh browser session (its own two models) on the rendered page."""
    from playwright.sync_api import expect

    page.set_default_timeout(UI_TIMEOUT)
    expect.set_options(timeout=UI_TIMEOUT)      # generous on a shared 2-core machine, but bounded
    page.goto(server["url"])
    expect(page.locator(".msosim-step-counter")).to_contain_text("Schritt 0", timeout=60_000)
    expect(page.locator(".msosim-chart-staff canvas").first).to_be_visible()
    return page


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

    if hasattr(session.config, "workerinput"):
        return  # a pytest-xdist worker: the controller guards the run, and a worker must leave when xdist says so
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
