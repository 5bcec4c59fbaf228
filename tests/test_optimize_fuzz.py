"""Fuzzing `msosim optimize`'s input: random bytes and YAML, and mutations of the shipped optimisation files, load
or fail in one line (exit 2, no traceback, nothing written)."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

from msosim.experiments.experiment import ExperimentError
from msosim.experiments.optimize_file import load_optimisation

from .conftest import ROOT
from .test_fuzz_inputs import EVERY, QUICK, YAML_TEXT, check, mutate, shipped

SHIPPED = [ROOT / "experiments" / "land_budget.yaml", ROOT / "experiments" / "land_budget_national.yaml"]


def optimize_args(path: Path, work: Path) -> list[str]:
    return ["optimize", str(path), "--workers", "1", "--store", str(work / "o.duckdb"), "--report", str(work / "r")]


@EVERY
@given(st.one_of(st.binary(max_size=300), YAML_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_random_input_to_optimize_exits_2_in_one_line(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "input.yaml").write_bytes(data)
        assert check(optimize_args(work / "input.yaml", work), work) == 2


@st.composite
def mutated(draw) -> tuple[str, bytes]:
    path = draw(st.sampled_from(SHIPPED))
    data = shipped(path)
    if isinstance(data.get("uncertainties", {}).get("particles"), str):
        data["uncertainties"]["particles"] = str((path.parent / data["uncertainties"]["particles"]).resolve())
    return path.name, yaml.safe_dump(mutate(data, draw)).encode()


@QUICK
@given(mutated())
def test_mutated_shipped_optimisations_load_or_fail_in_one_line(case: tuple[str, bytes]) -> None:
    name, data = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        with contextlib.suppress(ExperimentError):
            load_optimisation(path)
        assert {p.name for p in Path(folder).iterdir()} == {name}


def test_shipped_optimisations_load() -> None:
    for path in SHIPPED:
        optimisation = load_optimisation(path)
        assert [lever.kind for lever in optimisation.levers] == ["money", "money", "priced", "priced", "setting"]
