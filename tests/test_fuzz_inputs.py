"""Fuzzing every command's input: random bytes, random YAML, mutations of the shipped scenarios and experiments.

Every command that reads a file (run, compare, validate, sweep, calibrate, report, export, analyze, store
upgrade, dashboard's --scenario) gets each input; every case exits 0 or 2, never prints a traceback, writes
nothing on exit 2 and finishes within BOUND seconds (options and writers: test_fuzz_options.py). The default profile is small (tiny runs, few examples); `@pytest.mark.slow` repeats it longer.
"""

from __future__ import annotations

import contextlib
import copy
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from msosim.cli import app
from msosim.experiments.design import design
from msosim.experiments.experiment import ExperimentError, load_experiment
from msosim.scenario import ScenarioError

from .conftest import ROOT, SCENARIOS

BOUND = 60.0  # seconds one command may take on a tiny input (compare of a valid national file: about 10 s alone)
TINY = ["--years", "0.25", "--set", "population.scale=district", "--set", "population.land=HB"]
QUICK = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
EVERY = settings(QUICK, max_examples=8)  # each example goes to ten commands (about 0.1 s each)
LONG = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml"))
EXPERIMENT_FILES = sorted((ROOT / "experiments").glob("*.yaml"))


def commands(path: Path, work: Path) -> dict[str, list[str]]:
    """Each command reading `path`, with every output inside `work` (tiny runs where the input is valid)."""
    return {
        "run": ["run", str(path), *TINY, "--out", str(work / "out")],
        "compare": ["compare", str(path), "--reps", "1", "--years", "0.25", "--workers", "1",
                    "--store", str(work / "s.duckdb"), "--report", str(work / "report")],
        "sweep": ["sweep", str(path), "--workers", "1", "--store", str(work / "sweep.duckdb")],
        "calibrate": ["calibrate", str(path), "--workers", "1", "--store", str(work / "c.duckdb"),
                      "--out", str(work / "fragment.yaml")],
        "validate": ["validate", "--baseline", str(path), "--institutional", str(SCENARIOS / "institutional.yaml"),
                     "--reps", "1", "--years", "0.25", "--scale", "district", "--workers", "1",
                     "--report", str(work / "validate")],
        "report": ["report", str(path), "--report", str(work / "store-report")],
        "export": ["export", str(path), "--out", str(work / "exports")],
        "analyze": ["analyze", str(path), "--report", str(work / "analysis")],
        "store upgrade": ["store", "upgrade", str(path)],
        "dashboard": ["dashboard", "--scenario", str(path), "--presets", str(work / "presets")],
    }


def check(args: list[str], work: Path) -> int:
    """Invoke the CLI in `work`; assert exit 0 or 2, no traceback, nothing written on 2, within BOUND."""
    before = sorted(p.name for p in work.iterdir())
    started = time.perf_counter()
    with contextlib.chdir(work), mock.patch("msosim.cli.dashboard.run_server", return_value=0):  # no Solara server
        result = CliRunner().invoke(app, args)
    seconds = time.perf_counter() - started
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not crashed, f"{args}: {type(result.exception).__name__}: {result.exception}"
    assert result.exit_code in (0, 2), (args, result.exit_code, result.output[-500:])
    assert "Traceback" not in result.output, result.output[-2000:]
    if result.exit_code == 2:
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert sorted(p.name for p in work.iterdir()) == before, (args, result.output)
    assert seconds < BOUND, (args, seconds)
    return result.exit_code


def every_command(data: bytes, only: tuple[str, ...] | None = None) -> None:
    """Write `data` as a YAML file and give it to each command (or those in `only`)."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        path = work / "input.yaml"
        path.write_bytes(data)
        for name, args in commands(path, work).items():
            if only is None or name in only:
                check(args, work)


# -- strategies ------------------------------------------------------------------------------------

KEYS = ["years", "policy", "population", "budget_factor", "n_msos", "extends", "funders", "events", "name",
        "sampler", "parameters", "outcomes", "n", "scenario", "kind", "start", "scale", "polcy", "seed"]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
                    st.text(max_size=20), st.sampled_from([math.nan, math.inf, 2**64, -1, 0, 1e308, "", "true"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)),
                                                                       inner, max_size=4)), max_leaves=12)
YAML_TEXT = st.one_of(
    VALUES.map(lambda v: yaml.safe_dump(v, allow_unicode=True)),
    st.text(max_size=200),
    st.sampled_from(["a: &a [1]\nb: *a\n", "x: !!python/name:os.system\n", "policy: {}\npolicy: {}\n", "---\n",
                     "years: .inf\n", "{", "- - - -\n", "a: b: c\n", "extends: /etc/hostname\n", "%YAML 9.9\n---\n",
                     'extends: "a\\0b"\n', 'scenario: "a\\0b"\n', f"extends: {'a' * 300}\n", 'extends: "\\ud800"\n']),
)


def leaves(data, prefix=()):
    """Every (path, value) of a nested mapping/list."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from leaves(value, (*prefix, i))
    yield prefix, data


def mutate(data: dict, draw) -> dict:
    """A copy of `data` with one node replaced, deleted or its key misspelt."""
    data = copy.deepcopy(data)
    paths = [p for p, _ in leaves(data) if p]
    if not paths:
        return data
    path = draw(st.sampled_from(paths))
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    action = draw(st.sampled_from(["replace", "delete", "rename"]))
    key = path[-1]
    if action == "replace":
        parent[key] = draw(VALUES)
    elif isinstance(parent, dict):
        value = parent.pop(key)
        if action == "rename":
            parent[str(key)[:-1] + "x"] = value
    return data


def shipped(path: Path) -> dict:
    """A shipped file's mapping with a relative `extends`/`scenario` made absolute (so it works from a copy)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("extends", "scenario"):
        if isinstance(data.get(key), str):
            data[key] = str((path.parent / data[key]).resolve())
    return data


@st.composite
def mutated_scenarios(draw) -> bytes:
    return yaml.safe_dump(mutate(shipped(draw(st.sampled_from(SCENARIO_FILES))), draw)).encode()


@st.composite
def mutated_experiments(draw) -> tuple[str, bytes]:
    path = draw(st.sampled_from(EXPERIMENT_FILES))
    return path.name, yaml.safe_dump(mutate(shipped(path), draw)).encode()


# -- default profile (small) -----------------------------------------------------------------------

@EVERY
@given(st.binary(max_size=300))
def test_random_bytes_to_every_command(data: bytes) -> None:
    every_command(data)


@EVERY
@given(YAML_TEXT)
def test_random_yaml_to_every_command(text: str) -> None:
    every_command(text.encode("utf-8", "surrogatepass") if text else b"",
                  only=("run", "compare", "sweep", "calibrate", "validate", "dashboard", "store upgrade"))


@QUICK
@given(mutated_scenarios())
def test_mutated_shipped_scenarios_run_or_fail_in_one_line(data: bytes) -> None:
    every_command(data, only=("run", "dashboard"))


@QUICK
@given(mutated_experiments())
def test_mutated_shipped_experiments_load_or_fail_in_one_line(case: tuple[str, bytes]) -> None:
    name, data = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        with contextlib.suppress(ExperimentError, ScenarioError):
            experiment, resolved = load_experiment(path)
            if experiment.n <= 2048:
                design(experiment, resolved)
        assert {p.name for p in Path(folder).iterdir()} == {name}


def test_fixed_cases_in_a_subprocess(tmp_path: Path) -> None:
    """`python -m msosim` (not in-process): an alias bomb and a tag end in one line, exit 2, nothing written."""
    bomb = tmp_path / "bomb.yaml"
    levels = [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    bomb.write_text("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "\n".join(levels) + "\n", encoding="utf-8")
    for args in (["run", str(bomb)], ["run", str(SCENARIOS / "district.yaml"), "--set", "years=!!python/name:os.getpid"]):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "msosim", *args, "--out", str(tmp_path / "out")], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert time.perf_counter() - started < BOUND
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.yaml"]


# -- long profile ----------------------------------------------------------------------------------

@pytest.mark.slow
@LONG
@given(st.one_of(st.binary(max_size=2000), YAML_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_long_fuzz_of_every_command(data: bytes) -> None:
    every_command(data)


@pytest.mark.slow
@LONG
@given(mutated_scenarios())
def test_long_fuzz_of_mutated_scenarios(data: bytes) -> None:
    every_command(data, only=("run", "compare", "dashboard"))


@pytest.mark.slow
@settings(LONG, max_examples=40)  # a valid baseline means six district runs
@given(mutated_scenarios())
def test_long_fuzz_of_mutated_baselines_for_validate(data: bytes) -> None:
    every_command(data, only=("validate",))


@pytest.mark.slow
@LONG
@given(mutated_experiments())
def test_long_fuzz_of_experiments(case: tuple[str, bytes]) -> None:
    test_mutated_shipped_experiments_load_or_fail_in_one_line.hypothesis.inner_test(case)


@pytest.mark.parametrize("data", [b'"\\r": 1\n', b'"a\\x85b": 1\n', b'"[/]": 1\n', b'policy:\n  ? "\\N"\n  : null\n'])
def test_keys_found_by_the_fuzz_are_one_line(data: bytes) -> None:
    """Found by the long profile: a key with a line break printed two lines; a key '[/]' crashed rich's markup."""
    every_command(data, only=("run", "compare"))
