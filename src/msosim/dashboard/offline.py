"""Solara's options for a room without internet: no request leaves 127.0.0.1 from the first page load on.

Solara, left to its defaults, asks pypi.org for a newer version when it starts (`--check-version`), puts an
install-check iframe from solara.dev into the first page a machine serves (development mode, no
~/.solara/.solara_checked yet), sends server-side telemetry to Mixpanel (and api.ipify.org), and shows a
"This website runs on Solara" badge over the page's bottom right corner. The JavaScript comes from
solara-assets through Solara's own asset proxy on the same port.
"""

from __future__ import annotations

SOLARA_ENVIRONMENT = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",    # server-side telemetry (mixpanel.com, api.ipify.org)
    "SOLARA_THEME_SHOW_BANNER": "False",            # the "This website runs on Solara" badge
    "SOLARA_ASSETS_PROXY": "True",                  # JavaScript and CSS served by this server (solara-assets)
}
SOLARA_FLAGS = (
    "--production",          # no install-check iframe from solara.dev (development mode only), no file watcher
    "--no-check-version",    # no request to pypi.org at start
)


def offline_environment(environ: dict[str, str]) -> dict[str, str]:
    """The server's environment: the caller's, with Solara's outbound requests switched off."""
    return {**environ, **SOLARA_ENVIRONMENT}
