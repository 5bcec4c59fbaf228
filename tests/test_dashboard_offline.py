"""Offline from the first load: on a fresh HOME, no request leaves 127.0.0.1, from the browser or from the server.

The browser's requests to anything but 127.0.0.1 are recorded and blocked (Playwright routes); the server's go to a
recording proxy on 127.0.0.1 (HTTP(S)_PROXY, which `requests` honours). The control: plain `solara run` on a
fresh HOME asks solara.dev (install check) and pypi.org (version check), so the recording can see such requests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, expect

from .browser_helpers import RecordingProxy, free_port, stop, wait_until_serving

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("require_chromium")]

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
SETTLE = 4.0                 # seconds after the page is drawn in which late requests (fonts, iframes, telemetry) may come


def fresh_environment(home: Path, proxy: RecordingProxy) -> dict[str, str]:
    """A new user's environment: empty HOME, no Solara settings, no pytest marker (Solara skips its check under pytest)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SOLARA_", "PYTEST_")) and key.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    return {**env, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), **proxy.environment()}


def visit(browser: Browser, command: list[str], env: dict[str, str], work: Path, port: int) -> list[str]:
    """Start a server, load its page once; the non-loopback URLs the browser asked for (all blocked)."""
    log = work / f"server-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    outside: list[str] = []
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/", process, log)
        context = browser.new_context(viewport={"width": 1280, "height": 720})

        def route(request_route) -> None:
            url = request_route.request.url
            if urlparse(url).hostname in LOOPBACK or url.startswith(("data:", "blob:", "about:")):
                request_route.continue_()
            else:
                outside.append(url)
                request_route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/", timeout=90_000)
        expect(page.locator(".msosim-step-counter")).to_be_visible(timeout=90_000)
        time.sleep(SETTLE)
        context.close()
    finally:
        stop(process)
    return outside


def test_no_request_leaves_loopback_on_a_fresh_home(browser: Browser, tmp_path):
    port = free_port()
    command = [str(Path(sys.executable).with_name("msosim")), "dashboard", "--port", str(port),
               "--scenario", str(ROOT / "scenarios" / "district.yaml")]
    with RecordingProxy() as proxy:
        outside = visit(browser, command, fresh_environment(tmp_path / "home", proxy), tmp_path, port)
        time.sleep(1.0)
    assert outside == [], f"the browser asked for {outside}"
    assert proxy.requests == [], f"the server asked for {proxy.requests}"


def test_control_plain_solara_on_a_fresh_home_is_seen_asking_outside(browser: Browser, tmp_path):
    """Without msosim's options Solara's first page load asks solara.dev: the recording above would see it."""
    port = free_port()
    solara = Path(sys.executable).with_name("solara")
    command = [str(solara), "run", "msosim.dashboard.app:Page", "--host", "127.0.0.1", "--port", str(port), "--no-open"]
    with RecordingProxy() as proxy:
        env = {**fresh_environment(tmp_path / "home", proxy),
               "MSOSIM_DASHBOARD_SCENARIO": str(ROOT / "scenarios" / "district.yaml")}
        outside = visit(browser, command, env, tmp_path, port)
        time.sleep(1.0)
    assert any("solara.dev" in url for url in outside), outside
    assert any("pypi.org" in line for line in proxy.requests), proxy.requests
