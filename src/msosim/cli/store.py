"""`msosim store upgrade PATH`: bring a results store of an older schema version to this one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import shared as cli

store_app = typer.Typer(no_args_is_help=True, help="Maintain a results store (DuckDB file).")


@store_app.command()
def upgrade(path: Annotated[Path, typer.Argument(help="the store file")]) -> None:
    """Bring an older store to this schema version, in place."""
    from ..experiments.store_schema import StoreError, upgrade as upgrade_store

    try:
        cli.console.print(upgrade_store(path), highlight=False, soft_wrap=True)
    except StoreError as exc:
        cli.fail(str(exc))


def register(app: typer.Typer) -> None:
    app.add_typer(store_app, name="store")
