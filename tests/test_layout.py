"""The import contract: cli -> experiments/reporting -> model, no private names across modules, short files, no shadowing."""

from __future__ import annotations

import textwrap

import pytest

from tests.layout_rules import Import, backward_imports, imports_of, layer, private_imports, shadowing_names, violations

# Violations that remain on this branch, to be removed one by one (each entry must still be a violation).
KNOWN: dict[str, set[str]] = {
    "backward": set(),
    "long": set(),
    "private": set(),
    "shadowing": set(),
}


@pytest.fixture(scope="module")
def found() -> dict[str, list[str]]:
    return violations()


@pytest.mark.parametrize("rule", sorted(KNOWN))
def test_package_keeps_the_rule(found, rule):
    """No violation of the rule beyond the listed known ones."""
    new = [entry for entry in found[rule] if _key(rule, entry) not in KNOWN[rule]]
    assert not new, f"{rule}:\n" + "\n".join(new)


@pytest.mark.parametrize("rule", sorted(KNOWN))
def test_known_violations_are_still_there(found, rule):
    """A fixed violation leaves the KNOWN list too (so the list only shrinks)."""
    current = {_key(rule, entry) for entry in found[rule]}
    assert KNOWN[rule] <= current, f"fixed, remove from KNOWN[{rule!r}]: {sorted(KNOWN[rule] - current)}"


def _key(rule: str, entry: str) -> str:
    """A violation without its line number (so edits above it do not change it)."""
    head, _, rest = entry.partition(" ")
    return f"{head.split(':')[0]} {rest}" if rule in ("backward", "private") else entry.split(" (line")[0].split(":")[0]


def test_layers():
    assert layer("msosim.model") == "core"
    assert layer("msosim.experiments.runner") == "experiments"
    assert layer("msosim.reporting") == "reporting"
    assert layer("msosim.cli.sweep") == "cli"
    assert layer("msosim.dashboard.app") == "dashboard"
    assert layer("msosim") == "facade"


def test_checker_fails_on_a_backward_import():
    """A synthetic graph: the model importing the CLI and experiments importing the dashboard are caught; forward ones are not."""
    edges = [Import("msosim.model", "msosim.cli", ("fail",), 3),
             Import("msosim.experiments.runner", "msosim.dashboard.app", ("Page",), 4),
             Import("msosim.experiments.runner", "msosim", ("__version__",), 5),
             Import("msosim.cli.sweep", "msosim.experiments.runner", ("run_design",), 6),
             Import("msosim.reporting.figures", "msosim.model", ("MSOModel",), 7)]
    found = backward_imports(edges)
    assert len(found) == 3
    assert found[0].startswith("msosim.model:3 (core) imports msosim.cli (cli)")
    assert private_imports([Import("msosim.a", "msosim.b", ("_hidden", "shown", "__version__"), 1)]) == ["msosim.a:1 imports msosim.b._hidden"]


def test_checker_reads_imports_inside_functions_and_relative_ones(tmp_path):
    """Imports inside a function count; `from .. import x` resolves against the package."""
    package = tmp_path / "msosim"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "cli.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "deep.py").write_text(textwrap.dedent("""
        def late():
            from ..cli import fail
            from . import sibling
    """))
    edges = imports_of(package / "sub" / "deep.py", package)
    assert [(edge.target, edge.names) for edge in edges] == [("msosim.cli", ("fail",)), ("msosim.sub", ("sibling",))]
    assert backward_imports(edges) == ["msosim.sub.deep:3 (core) imports msosim.cli (cli)"]


def test_checker_finds_a_shadowing_function(tmp_path):
    """A package `__init__` binding a function named like its module is caught."""
    package = tmp_path / "msosim"
    package.mkdir()
    (package / "sweep.py").write_text("def sweep():\n    pass\n")
    (package / "__init__.py").write_text("from .sweep import sweep\nfrom .sweep import sweep as run_sweep\n")
    assert shadowing_names(package) == ["msosim.sweep (line 1) shadows the module msosim.sweep"]
