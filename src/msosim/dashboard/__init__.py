"""The Solara dashboard: policies A and B side by side (`msosim dashboard`; the page is `msosim.dashboard.app:Page`)."""
