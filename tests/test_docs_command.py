"""`msosim docs` (Typer) is the same generator as `python -m msosim.docs`: --check reports, otherwise it writes."""

from __future__ import annotations

from typer.testing import CliRunner

import msosim.docs
from msosim.cli import app


def test_docs_command_checks_then_writes(tmp_path, monkeypatch) -> None:
    target = tmp_path / "scenarios.md"
    monkeypatch.setattr(msosim.docs, "generated", lambda: {target: "generated text\n"})
    stale = CliRunner().invoke(app, ["docs", "--check"])
    assert stale.exit_code == 1 and "stale" in stale.stdout and not target.exists()
    wrote = CliRunner().invoke(app, ["docs"])
    assert wrote.exit_code == 0 and target.read_text() == "generated text\n"
    assert CliRunner().invoke(app, ["docs", "--check"]).exit_code == 0
