"""`msosim docs`: regenerate docs/scenarios.md and the ODD tables from the scenario schema (msosim/docs.py)."""

from __future__ import annotations

from typing import Annotated

import typer


def docs(check: Annotated[bool, typer.Option(help="only check that the files are current (exit 1 if stale)")] = False) -> None:
    """Generate docs/scenarios.md and the ODD tables from the scenario schema (the same as python -m msosim.docs)."""
    from .. import docs as generator  # pandas and the schema load only when the command runs

    code = generator.update(check)
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add docs to the `msosim` command."""
    app.command("docs")(docs)
