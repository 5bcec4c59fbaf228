"""Fuzzing every command's options and `--set` values, `msosim docs`, and every writer against a user's files.

Options: each numeric option of run, compare, validate, sweep, analyze, calibrate and dashboard gets random
text and the hard cases (NaN, infinity, negative, 2**64); every case exits 0 or 2 in one line, no traceback,
nothing written on exit 2 (`check` of test_fuzz_inputs). Writers: each command that writes a folder or a file
refuses a location holding a user's file before any run, with and without --overwrite, and leaves it as it was.
"""

from __future__ import annotations

import contextlib
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from msosim.cli import app

from .conftest import ROOT, SCENARIOS
from .test_fuzz_inputs import LONG, QUICK, TINY, check

DISTRICT = str(SCENARIOS / "district.yaml")
ISHIGAMI = str(ROOT / "experiments" / "ishigami.yaml")
HARD = ["nan", "NaN", "inf", "-inf", "-1", "0", "1e309", str(2**64), str(2**63), str(2**62 + 1), "", " ", "0x10",
        "1_000", "½", "1e-400", "--", "1G", "0.0001"]
VALUES = st.one_of(st.sampled_from(HARD), st.text(max_size=8), st.floats().map(repr), st.integers(-(2**70), 2**70).map(str))
LONG_RUNS = ("--years", "--reps", "--n", "--chunk", "--long-years", "--long-reps")  # valid large values here mean long runs: not fuzzed above 2


def command(name: str, work: Path) -> tuple[list[str], list[str]]:
    """The base arguments of a tiny, valid call of `name`, and its numeric options."""
    store = str(work / "s.duckdb")
    return {
        "run": (["run", DISTRICT, *TINY], ["--years", "--seed", "--max-memory"]),
        "compare": (["compare", DISTRICT, "--reps", "1", "--years", "0.25", "--workers", "1", "--store", store,
                     "--report", str(work / "r"), "--lang", "en"],
                    ["--reps", "--years", "--seed", "--workers", "--batch", "--max-memory"]),
        "validate": (["validate", "--reps", "1", "--years", "0.25", "--scale", "district", "--workers", "1",
                      "--long-years", "1", "--baseline", str(SCENARIOS / "baseline.yaml"), "--institutional",
                      str(SCENARIOS / "institutional.yaml")],
                     ["--reps", "--years", "--seed", "--workers", "--max-memory", "--long-years", "--long-reps"]),
        "sweep": (["sweep", ISHIGAMI, "--n", "2", "--workers", "1", "--store", store],
                  ["--n", "--reps", "--years", "--chunk", "--batch", "--workers", "--max-memory"]),
        "calibrate": (["calibrate", str(ROOT / "experiments" / "calibrate_baseline.yaml"), "--store", store,
                       "--out", str(work / "f.yaml")], ["--chunk", "--workers", "--max-memory"]),
        "analyze": (["analyze", store, "--report", str(work / "a")], ["--prim-density"]),
        "dashboard": (["dashboard", "--scenario", DISTRICT], ["--port"]),
    }[name]


def quick(option: str, text: str) -> bool:
    """False for a valid value that would make a long run (a large --years, --reps, --n or --chunk)."""
    try:
        number = float(text)
    except ValueError:
        return True
    return option not in LONG_RUNS or not math.isfinite(number) or number <= 2


def quick_size(text: str) -> bool:
    """False for a --max-memory large enough to let calibrate_baseline.yaml start (hours of runs)."""
    from msosim.cli.guards import parse_size

    try:
        return parse_size(text) < 1e9
    except Exception:
        return True


def option_case(name: str, option: str, value: str, tmp: Path) -> int:
    """Give `value` to `option` of command `name` in a fresh folder under `tmp`; the checks of `check`."""
    work = tmp / f"w{len(list(tmp.iterdir()))}"
    work.mkdir()
    args, _ = command(name, work)
    if name == "calibrate" and option != "--max-memory":  # a valid value would start the full calibration:
        args = [*args, "--max-memory", "1K"]                # the memory estimate refuses it instead
    return check([*args, f"{option}={value}"], work)


NUMERIC = [(name, option) for name in ("run", "compare", "validate", "sweep", "calibrate", "analyze", "dashboard")
           for option in command(name, Path("."))[1]]


@pytest.mark.parametrize(("name", "option"), NUMERIC)
@pytest.mark.parametrize("value", ["nan", "inf", "-1", str(2**64)])
def test_hard_numeric_values_are_one_line_with_exit_2(name: str, option: str, value: str, tmp_path: Path) -> None:
    """Issue 18 defects 3, 4 and 6: NaN, infinity, negative and oversized values of every numeric option
    (a --max-memory of 2**64 bytes is a valid, if generous, limit: 0 instead)."""
    value = "0" if option == "--max-memory" and value == str(2**64) else value
    assert option_case(name, option, value, tmp_path) == 2


@QUICK
@given(st.sampled_from(NUMERIC), VALUES)
def test_random_option_values(case: tuple[str, str], value: str) -> None:
    name, option = case
    assume(quick(option, value) and ((name, option) != ("calibrate", "--max-memory") or quick_size(value)))
    with contextlib.ExitStack() as stack:
        option_case(name, option, value, Path(stack.enter_context(_temporary())))


@QUICK
@given(st.sampled_from(["years", "seed", "policy.budget_factor", "polcy.budget_factor", "population.n_msos",
                        "population.land", "events", "extends", "funders.bund.budget", "policy", "a..b", ""]),
       st.one_of(st.sampled_from(["!!python/name:os.getpid", ".nan", "&a [*a]", "{", "[1, 2", "1e400", "'x'",
                                  "null", "~", "true", "200.5", "-1"]), st.text(max_size=12)))
def test_random_set_overrides(key: str, value: str) -> None:
    """`run --set KEY=VALUE` with random keys and YAML values: a run, or one line with exit 2."""
    assume(key not in ("years", "population.n_msos") or quick("--years", value))
    with _temporary() as folder:
        check(["run", DISTRICT, *TINY, "--set", f"{key}={value}", "--out", str(Path(folder) / "out")], Path(folder))


@pytest.mark.slow
@settings(LONG, max_examples=150)
@given(st.sampled_from(NUMERIC), VALUES)
def test_long_fuzz_of_option_values(case: tuple[str, str], value: str) -> None:
    test_random_option_values.hypothesis.inner_test(case, value)


@pytest.mark.parametrize("path", ["b" * 300, "a/" * 2100, "\udcff.yaml"])
def test_paths_no_file_system_can_open_are_one_line_for_every_command(path: str, tmp_path: Path) -> None:
    """A name too long (found by trying: an OSError traceback from compare --store, report, export, analyze, store
    upgrade, --brief) or undecodable, as the input file of every command and as each output location."""
    from .test_fuzz_inputs import commands

    for name, args in commands(Path(path), tmp_path).items():
        assert check(args, tmp_path) == 2, name
    for option in ("--out", "--store", "--report", "--brief"):
        args = {"--out": ["run", DISTRICT, *TINY], "--brief": ["compare", DISTRICT, "--reps", "1", "--store", "s.duckdb",
                                                               "--report", str(tmp_path / "r")]}.get(option, ["compare", DISTRICT, "--reps", "1"])
        assert check([*args, option, path], tmp_path) == 2, option


def test_docs_check_exits_without_a_traceback_and_writes_nothing(tmp_path: Path) -> None:
    """`msosim docs --check` (no file input): current docs, exit 0, nothing written in the working folder."""
    done = subprocess.run([sys.executable, "-m", "msosim", "docs", "--check"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert list(tmp_path.iterdir()) == []


def _temporary():
    import tempfile

    return tempfile.TemporaryDirectory()


@QUICK
@given(st.sampled_from(["policy_a.yaml", "policy_b.yaml", "dashboard.yaml"]),
       st.one_of(st.binary(max_size=200), st.sampled_from([b"", b"seed: -1\n", b"seed: .nan\n", b"extends: /etc/passwd\n",
                                                          b"a: &a [*a]\n", b"seed: !!python/name:os.getpid\n"])))
def test_dashboard_presets_load_or_fail_in_one_line(name: str, data: bytes) -> None:
    """A preset folder (the dashboard's file input besides --scenario) with one file replaced: loaded, or a
    ScenarioError of one line; nothing written."""
    from msosim.dashboard.presets import load_preset, save_preset
    from msosim.dashboard.runner import Setup
    from msosim.scenario import ScenarioError

    with _temporary() as folder:
        presets = Path(folder)
        setup = Setup(SCENARIOS / "district.yaml", "district", "HB", 1, {"A": {}, "B": {}})
        save_preset(presets, "room", setup, [])
        (presets / "room" / name).write_bytes(data)
        before = sorted(p.name for p in (presets / "room").iterdir())
        try:
            load_preset(presets, "room", setup)
        except ScenarioError as exc:
            assert len(str(exc).splitlines()) == 1, str(exc)
        assert sorted(p.name for p in (presets / "room").iterdir()) == before
