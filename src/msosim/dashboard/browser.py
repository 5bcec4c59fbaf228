"""Find a Chromium the way a user's machine has it: an environment variable, PATH, or Playwright's own download.

Used by the browser tests (tests/conftest.py) and benchmarks/dashboard_browser.py; the dashboard itself needs no browser.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

ENV_NAMES = ("MSOSIM_CHROMIUM", "CHROME_PATH")
PATH_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOW_TO_GET_ONE = ("install one with `apt-get install chromium` (Debian/Ubuntu) or `python -m playwright install chromium`, "
                  "or set MSOSIM_CHROMIUM=/path/to/chromium")


@dataclass(frozen=True)
class Found:
    """A Chromium executable and where it was found (for the test report's header)."""

    path: Path
    source: str


class BrowserNotFound(LookupError):
    """No usable Chromium; the message names what was tried and how to get one."""


def running_in_ci(environ: dict[str, str] | None = None) -> bool:
    """True under CI (CI=true or CI=1, as GitHub Actions, GitLab and most others set it)."""
    return (environ if environ is not None else os.environ).get("CI", "").strip().lower() in ("true", "1", "yes")


def from_environment(environ: dict[str, str]) -> Found | None:
    """The first of MSOSIM_CHROMIUM / CHROME_PATH that is set; raises BrowserNotFound when it names no executable."""
    for name in ENV_NAMES:
        value = environ.get(name, "").strip()
        if not value:
            continue
        path = Path(value).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return Found(path, name)
        resolved = shutil.which(value, path=environ.get("PATH", ""))
        if resolved:
            return Found(Path(resolved), name)
        raise BrowserNotFound(f"{name}={value} is not an executable file; {HOW_TO_GET_ONE}")
    return None


def from_path(environ: dict[str, str]) -> Found | None:
    """The first of chromium, chromium-browser, google-chrome, ... on PATH."""
    for name in PATH_NAMES:
        resolved = shutil.which(name, path=environ.get("PATH", ""))
        if resolved:
            return Found(Path(resolved), f"PATH ({name})")
    return None


def from_playwright() -> Found | None:
    """Playwright's own Chromium where `playwright install chromium` put one (honours PLAYWRIGHT_BROWSERS_PATH)."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            path = Path(playwright.chromium.executable_path)
    except Exception:  # noqa: BLE001 - no Playwright, or its driver cannot start: not found this way
        return None
    return Found(path, "Playwright") if path.is_file() else None


def find_chromium(environ: dict[str, str] | None = None) -> Found:
    """A Chromium to drive: environment variable, then PATH, then Playwright's; raises BrowserNotFound."""
    environ = dict(os.environ if environ is None else environ)
    found = from_environment(environ) or from_path(environ) or from_playwright()
    if found is None:
        tried = ", ".join((*ENV_NAMES, *PATH_NAMES, "Playwright's own browser"))
        raise BrowserNotFound(f"no Chromium found (tried {tried}); {HOW_TO_GET_ONE}")
    return found
