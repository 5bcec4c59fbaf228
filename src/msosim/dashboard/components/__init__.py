"""Solara components of the dashboard (the page itself is in msosim.dashboard.app)."""
