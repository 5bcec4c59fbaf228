"""The `msosim` command: one Typer app (root.py) and one module per command group."""

from .root import COMMAND_MODULES, app, main, write_tables

__all__ = ["COMMAND_MODULES", "app", "main", "write_tables"]
