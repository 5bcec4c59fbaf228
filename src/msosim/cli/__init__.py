"""The `msosim` command: one Typer app (root.py), one module per command group, shared helpers (shared.py)."""

from .root import COMMAND_MODULES, app, main
from .shared import write_tables

__all__ = ["COMMAND_MODULES", "app", "main", "write_tables"]
