"""The command starts light: importing msosim.cli loads neither numpy, pandas nor Mesa (benchmarks/cli_startup.py
measures the CPU time); msosim's public names still resolve, on first use."""

from __future__ import annotations

import subprocess
import sys

import msosim

HEAVY = ("numpy", "pandas", "mesa", "scipy", "duckdb", "pydantic", "matplotlib")


def loaded_after(statement: str) -> list[str]:
    """The heavy packages in sys.modules after `statement` in a fresh interpreter."""
    code = f"import sys\n{statement}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()


def test_importing_the_command_loads_no_numerical_library() -> None:
    assert loaded_after("import msosim.cli") == []
    assert loaded_after("import msosim; msosim.__version__") == []


def test_the_public_names_resolve_on_first_use() -> None:
    assert loaded_after("import msosim; msosim.load_scenario") == ["pydantic"]
    for name in msosim.__all__:
        assert getattr(msosim, name) is not None, name
    assert set(msosim.__all__) <= set(dir(msosim))
    from msosim.experiments.sensitivity import load

    assert msosim.load_sweep is load


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        msosim.no_such_name
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("msosim.no_such_name resolved")
