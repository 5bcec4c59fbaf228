"""`msosim dashboard`: the Solara app (two policies side by side), bound to 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from . import shared as cli
from .guards import OPTIONS, bounded

HOST = "127.0.0.1"
APP = "msosim.dashboard.app:Page"


class Language(str, Enum):
    de = "de"
    en = "en"


def solara_command(port: int) -> list[str]:
    """The `solara run` command line (the solara script next to this Python, else `python -m solara`)."""
    script = Path(sys.executable).with_name("solara")
    runner = [str(script)] if script.exists() else ([shutil.which("solara")] if shutil.which("solara") else
                                                    [sys.executable, "-m", "solara"])
    from ..dashboard.offline import SOLARA_FLAGS

    return [*runner, "run", APP, "--host", HOST, "--port", str(port), "--no-open", *SOLARA_FLAGS]


def dashboard(
    port: Annotated[int, typer.Option(callback=bounded(OPTIONS, "port"), help="port on 127.0.0.1")] = 8765,
    scenario: Annotated[Path, typer.Option(help="scenario file loaded at start; its folder is the scenario list")] = Path("scenarios/district.yaml"),
    lang: Annotated[Language, typer.Option(help="language at start (a toggle in the page switches it)")] = Language.de,
    presets: Annotated[Path, typer.Option(help="folder for facilitators' presets")] = Path("presets"),
    pin: Annotated[str, typer.Option(help="PIN: pages open in room view and only the PIN leaves it (facilitator panel)")] = "",
) -> None:
    """Start the dashboard (Solara) on http://127.0.0.1:PORT; Ctrl+C stops it."""
    from ..dashboard.offline import offline_environment
    from ..loading import EXTENDS_PATH
    from ..dashboard.session import ENV_LANG, ENV_PIN, ENV_PRESETS, ENV_SCENARIO
    from ..scenario import ScenarioError, load_scenario

    try:
        load_scenario(scenario)
    except ScenarioError as exc:
        cli.fail(str(exc))
    env = {**offline_environment(dict(os.environ)), ENV_SCENARIO: str(scenario.resolve()), ENV_LANG: lang.value,
           ENV_PRESETS: str(presets.resolve()), ENV_PIN: pin}
    # Presets (in --presets) extend a file of the scenario folder the facilitator chose: allow that folder.
    env[EXTENDS_PATH] = os.pathsep.join(p for p in (str(scenario.resolve().parent), env.get(EXTENDS_PATH, "")) if p)
    typer.echo(f"msosim dashboard on http://{HOST}:{port}/ (scenario {scenario}, language {lang.value}); Ctrl+C stops it")
    raise typer.Exit(run_server(solara_command(port), env))


def run_server(command: list[str], env: dict[str, str]) -> int:
    """Run the Solara server; SIGTERM or Ctrl+C to this process stops it too."""
    server = subprocess.Popen(command, env=env)

    def stop(signum, frame) -> None:
        server.terminate()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        server.wait(timeout=10)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def register(app: typer.Typer) -> None:
    app.command("dashboard")(dashboard)
