"""Chromium discovery for the browser tests: environment variable, PATH, Playwright; skip outside CI, fail under CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from msosim.dashboard.browser import BrowserNotFound, find_chromium, running_in_ci

ROOT = Path(__file__).resolve().parents[1]


def fake_browser(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def hidden(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment without any browser: empty PATH, no browser variables, an empty Playwright browser folder."""
    empty = tmp_path / "empty"
    empty.mkdir(exist_ok=True)
    env = {key: value for key, value in os.environ.items()
           if key not in ("MSOSIM_CHROMIUM", "CHROME_PATH", "CI", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST")}
    return {**env, "PATH": str(empty), "PLAYWRIGHT_BROWSERS_PATH": str(empty), **extra}


def test_the_environment_variable_comes_before_path(tmp_path):
    on_path = fake_browser(tmp_path / "bin", "chromium")
    chosen = fake_browser(tmp_path / "opt", "my-chrome")
    env = hidden(tmp_path, PATH=str(tmp_path / "bin"))
    assert find_chromium(env).path == on_path
    found = find_chromium({**env, "CHROME_PATH": str(chosen)})
    assert (found.path, found.source) == (chosen, "CHROME_PATH")
    assert find_chromium({**env, "MSOSIM_CHROMIUM": str(chosen), "CHROME_PATH": "/nowhere"}).source == "MSOSIM_CHROMIUM"


def test_path_names_in_order_and_a_wrong_variable_is_named(tmp_path):
    fake_browser(tmp_path / "bin", "google-chrome")
    env = hidden(tmp_path, PATH=str(tmp_path / "bin"))
    assert find_chromium(env).source == "PATH (google-chrome)"
    fake_browser(tmp_path / "bin", "chromium-browser")
    assert find_chromium(env).source == "PATH (chromium-browser)"
    with pytest.raises(BrowserNotFound, match="MSOSIM_CHROMIUM=/no/such/chrome is not an executable"):
        find_chromium({**env, "MSOSIM_CHROMIUM": "/no/such/chrome"})


def test_nothing_found_names_how_to_get_one(tmp_path):
    with pytest.raises(BrowserNotFound, match=r"no Chromium found .*apt-get install chromium.*playwright install chromium"):
        find_chromium(hidden(tmp_path))
    assert running_in_ci({"CI": "true"}) and not running_in_ci({"CI": "false"}) and not running_in_ci({})


def run_browser_tests(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", str(ROOT / "tests" / "test_dashboard_browser.py"), "-q",
               "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "inner")]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_without_a_browser_the_browser_tests_skip_with_one_line_and_fail_under_ci(tmp_path):
    skipped = run_browser_tests(hidden(tmp_path), tmp_path)
    output = skipped.stdout + skipped.stderr
    assert skipped.returncode == 0, output[-3000:]
    lines = [line for line in output.splitlines() if "BROWSER TESTS SKIPPED: no Chromium found" in line]
    assert len(lines) == 1 and "apt-get install chromium" in lines[0], output[-3000:]
    assert " passed" not in output and "skipped" in output
    failed = run_browser_tests(hidden(tmp_path, CI="true"), tmp_path)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output[-3000:]
    assert "BROWSER TESTS FAIL under CI=true: no Chromium found" in output
    assert " passed" not in output and "skipped" not in output
