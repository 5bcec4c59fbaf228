"""Helpers for the browser tests: a free loopback port, waiting for a server, a recording HTTP(S) proxy."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import socketserver
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page

import pytest

START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the dashboard exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the dashboard did not answer on {url} within {START_TIMEOUT:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """Stop a server started with start_new_session=True (its whole process group)."""
    with contextlib.suppress(ProcessLookupError):  # it may have exited already (the failure then says why)
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def running_dashboard(work: Path, root: Path, *extra: str):
    """`msosim dashboard` on a free port with a copy of scenarios/ (plus an unreadable one) in `work`; yields its paths."""
    import shutil
    import sys

    scenarios = work / "scenarios"
    shutil.copytree(root / "scenarios", scenarios)
    shutil.copytree(root / "data", work / "data")  # baseline.yaml extends ../data/calibrated.yaml
    (scenarios / "broken.yaml").write_text("name: broken\npolicy: [budget_factor: 2\n", encoding="utf-8")
    port = free_port()
    log = work / "server.log"
    command = [str(Path(sys.executable).with_name("msosim")), "dashboard", "--port", str(port),
               "--scenario", str(scenarios / "district.yaml"), "--lang", "de", "--presets", str(work / "presets"), *extra]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=work, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(url, process, log)
        yield {"url": url, "work": work, "scenarios": scenarios, "presets": work / "presets", "log": log}
    finally:
        stop(process)


class RecordingProxy:
    """An HTTP(S) proxy on 127.0.0.1 that records the first line of every request and answers none of them."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorded = self.requests

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.settimeout(5)
                with contextlib.suppress(OSError):
                    line = self.request.recv(4096).split(b"\r\n", 1)[0]
                    recorded.append(line.decode("latin-1"))

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="recording-proxy", daemon=True)

    def __enter__(self) -> RecordingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def environment(self) -> dict[str, str]:
        """Variables that send a server's outbound HTTP(S) requests (requests, urllib) to this proxy."""
        return {"HTTP_PROXY": self.url, "HTTPS_PROXY": self.url, "http_proxy": self.url, "https_proxy": self.url,
                "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def step_number(page: Page) -> int:
    return int(re.search(r"(\d+)", page.locator(".msosim-step-counter").inner_text()).group(1))


def wait_for_step(page: Page, at_least: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        step = step_number(page)
        if step >= at_least:
            return step
        time.sleep(0.1)
    raise AssertionError(f"step counter stuck at {step_number(page)}, wanted {at_least}")


def choose(page: Page, select_class: str, option: str) -> None:
    """Pick an option of a Vuetify select."""
    page.locator(f".{select_class}").click()
    page.get_by_role("option", name=option).click()
