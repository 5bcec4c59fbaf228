"""The docs cannot drift: docs/scenarios.md and the generated blocks of docs/ODD.md match the code."""

from __future__ import annotations

import ast
import importlib
import inspect
import math
import pkgutil
import re
import subprocess
import sys
import textwrap
from typing import get_args

import pytest

from msosim import docs, schema_table, submodels
from msosim.agents.funder import Funder
from msosim.model import MSOModel
from msosim.population import DISTRICT_COLUMNS
from msosim.scenario import Event, FunderConfig, Scenario, default_funders
from msosim.state import GRANT_COLUMNS, MATRIX_COLUMNS, MSO_COLUMNS, TIE_COLUMNS

from .conftest import ROOT, SMALL

SCENARIOS_MD = ROOT / "docs" / "scenarios.md"
ODD_MD = ROOT / "docs" / "ODD.md"
REQUIRED = object()


def odd_text() -> str:
    return ODD_MD.read_text(encoding="utf-8")


def odd_section(number: int) -> str:
    """The text of one top-level ODD section ('## 3 ...' up to '## 4 ...')."""
    text = odd_text()
    start = re.search(rf"^## {number} ", text, re.M).start()
    end = re.search(rf"^## {number + 1} ", text, re.M)
    return text[start: end.start() if end else len(text)]


def table_rows(text: str) -> list[list[str]]:
    """Body rows of every pipe table in a text, as lists of stripped cells."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not line.startswith("| ---"):
            rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
    return rows


def parse_cell(cell: str):
    """A default as written in the docs, back to a Python value."""
    cell = cell.replace("**", "").strip()
    if cell in ("required", "empty"):
        return REQUIRED if cell == "required" else None
    if cell in ("true", "false"):
        return cell == "true"
    if cell.startswith("`"):
        return "" if cell == '`""`' else cell.strip("`")
    if cell.startswith("["):
        items = [x.strip() for x in cell[1:-1].split(",") if x.strip()]
        return [x.strip("`") if x.startswith("`") else float(x) for x in items]
    return float(cell.replace(",", ""))


def same(parsed, expected) -> bool:
    if isinstance(expected, bool) or expected is None or isinstance(expected, str) or parsed is REQUIRED:
        return parsed == expected
    if isinstance(expected, list):
        return len(parsed) == len(expected) and all(a == b if isinstance(b, str) else math.isclose(a, b)
                                                    for a, b in zip(parsed, expected))
    return math.isclose(parsed, expected, rel_tol=1e-9, abs_tol=1e-12)


def event_classes() -> dict[str, type]:
    members = get_args(get_args(Event)[0])
    return {get_args(cls.model_fields["kind"].annotation)[0]: cls for cls in members}


def schema_default(key: str):
    """The default of a dotted key, read from instances of the schema (independently of msosim.docs)."""
    match = re.fullmatch(r"events\[(\w+)\]\.(\w+)", key)
    if match:
        cls = event_classes()[match.group(1)]
        if cls.model_fields[match.group(2)].is_required():
            return REQUIRED
        return getattr(cls(kind=match.group(1), start=2000.0), match.group(2))
    node, parts = Scenario(), key.split(".")
    if parts[0] == "funders":
        node, parts = FunderConfig(), parts[2:]
    for part in parts:
        node = getattr(node, part)
    return node


def flat_keys(data: dict, prefix: str = "") -> set[str]:
    keys = set()
    for key, value in data.items():
        keys |= flat_keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}"}
    return keys


def schema_leaf_keys() -> set[str]:
    """Every leaf key, from dumps of default instances (funder names become <name>)."""
    dumped = Scenario().model_dump()
    dumped["funders"] = {"<name>": FunderConfig().model_dump()}
    dumped.pop("events")
    keys = flat_keys(dumped)
    for kind, cls in event_classes().items():
        keys |= {f"events[{kind}].{name}" for name in cls.model_fields}
    return keys


def submodel_calls(function) -> list[str]:
    """Names of submodel functions a function calls, in source order."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)),
                   key=lambda n: (n.lineno, n.col_offset))
    namespace = inspect.getmodule(function).__dict__
    return [n.func.id for n in calls
            if getattr(namespace.get(n.func.id), "__module__", "").startswith("msosim.submodels.")]


def model_calls(function, prefixes: tuple[str, ...]) -> list[str]:
    """Names of module-level msosim functions (from modules starting with a prefix) a function calls, in order."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)),
                   key=lambda n: (n.lineno, n.col_offset))
    namespace = inspect.getmodule(function).__dict__
    return [n.func.id for n in calls
            if getattr(namespace.get(n.func.id), "__module__", "").startswith(prefixes)]


def submodel_functions() -> list[str]:
    """Every function defined at the top level of src/msosim/submodels/*.py."""
    names = []
    for info in pkgutil.iter_modules(submodels.__path__):
        module = importlib.import_module(f"msosim.submodels.{info.name}")
        names += [name for name, obj in vars(module).items()
                  if inspect.isfunction(obj) and obj.__module__ == module.__name__]
    return names


# (a) every leaf key of the schema is documented

def test_every_schema_key_is_in_scenarios_md() -> None:
    text = SCENARIOS_MD.read_text(encoding="utf-8")
    keys = set(schema_table.parameter_table()["key"])
    assert keys == schema_leaf_keys()
    missing = [key for key in keys if f"`{key}`" not in text]
    assert not missing, f"keys missing from docs/scenarios.md: {missing}"


def test_parameter_table_reads_units_bounds_choices_and_sources() -> None:
    table = schema_table.parameter_table().set_index("key")
    assert list(table.reset_index().columns[:9]) == schema_table.COLUMNS
    n_msos = table.loc["population.n_msos"]
    assert (n_msos["unit"], n_msos["minimum"], n_msos["maximum"]) == ("count", 1, 5_000_000)
    assert n_msos["source"].startswith("seed article")
    assert table.loc["population.members_median", "exclusive_minimum"]
    assert table.loc["population.scale", "choices"] == ("national", "land", "district")
    assert table.loc["policy.cofunding_share", "maximum"] == 1.0          # bound inside an optional type
    assert table.loc["policy.project_years", "default"] is None
    assert table.loc["events[pandemic].start", "required"]
    assert table.loc["funders.<name>.budget", "unit"] == "EUR/year"


def test_description_split_keeps_notes_on_empty_in_the_meaning() -> None:
    assert schema_table.split_description("a share [-]; Some 2020") == ("a share", "-", "Some 2020")
    assert schema_table.split_description("years [years]; empty keeps each") == ("years; empty keeps each", "years", "")
    assert schema_table.split_description("a; also b [-]; seed") == ("a; also b", "-", "seed")


def test_shipped_scenarios_are_listed_with_their_description() -> None:
    text = SCENARIOS_MD.read_text(encoding="utf-8")
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        assert f"`{path.name}`" in text
    files = docs.scenario_files()
    assert files.set_index("file").loc["institutional.yaml", "extends"] == "baseline.yaml"


# (b) the generator is deterministic and the committed files are what it generates

def test_generator_is_deterministic() -> None:
    assert docs.render_scenarios() == docs.render_scenarios()
    assert docs.render_odd(odd_text()) == docs.render_odd(docs.render_odd(odd_text()))


def test_committed_scenarios_md_is_current() -> None:
    assert SCENARIOS_MD.read_text(encoding="utf-8") == docs.render_scenarios(), \
        "docs/scenarios.md is stale: run `python -m msosim.docs`"


def test_committed_odd_blocks_are_current() -> None:
    assert odd_text() == docs.render_odd(odd_text()), "docs/ODD.md is stale: run `python -m msosim.docs`"


def test_check_flag_reports_current_docs() -> None:
    result = subprocess.run([sys.executable, "-m", "msosim.docs", "--check"], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


# (c) the schedule and the submodels in ODD.md follow the code

def test_every_submodel_in_step_is_named_in_odd_in_schedule_order() -> None:
    called = submodel_calls(MSOModel.step)
    assert "dissolve" in called and "found_new" in called
    schedule = odd_section(3)
    positions = [schedule.find(f"`{name}`") for name in called]
    assert -1 not in positions, f"not in ODD section 3: {[n for n, p in zip(called, positions) if p < 0]}"
    assert positions == sorted(positions), "ODD section 3 lists the submodels in another order than MSOModel.step"
    for name in called + submodel_calls(Funder.step):
        assert f"`{name}`" in odd_text()


def test_every_submodel_function_has_its_place_in_section_7() -> None:
    section = odd_section(7)
    missing = [name for name in submodel_functions() if f"`{name}`" not in section]
    assert not missing, f"submodel functions not described in ODD section 7: {missing}"


def test_initialisation_steps_are_named_in_odd_section_5_in_order() -> None:
    called = model_calls(MSOModel.__init__, ("msosim.population", "msosim.agents", "msosim.submodels",
                                              "msosim.metrics"))
    assert "build_landscape" in called and "initial_grants" in called
    section = odd_section(5)
    positions = [section.find(f"`{name}`") for name in called]
    assert -1 not in positions, f"not in ODD section 5: {[n for n, p in zip(called, positions) if p < 0]}"
    assert positions == sorted(positions), "ODD section 5 names the initialisation in another order than MSOModel.__init__"


def test_every_outcome_column_is_described_in_section_7() -> None:
    model = MSOModel(seed=1, **SMALL)
    section = odd_section(7)
    missing = [name for name in model.datacollector.rows[0] if f"`{name}`" not in section]
    assert not missing, f"outcome columns of monthly_row not described in ODD section 7: {missing}"


def test_every_state_column_is_described_in_section_2() -> None:
    section = odd_section(2)
    columns = [*MSO_COLUMNS, *MATRIX_COLUMNS, *DISTRICT_COLUMNS, *GRANT_COLUMNS, *TIE_COLUMNS]
    missing = [name for name in columns if f"`{name}`" not in section]
    assert not missing, f"state columns not described in ODD section 2: {missing}"


# (d) the parameter block of ODD.md has the schema's defaults

def test_odd_parameter_defaults_match_schema() -> None:
    rows = table_rows(docs.block(odd_text(), "params"))
    params = {r[0].strip("`"): r[1] for r in rows if r[0].startswith("`") and len(r) == 5}
    assert set(params) == schema_leaf_keys()
    wrong = {key: cell for key, cell in params.items() if not same(parse_cell(cell), schema_default(key))}
    assert not wrong, f"defaults in ODD.md differ from the schema: {wrong}"


def test_odd_default_funders_match_schema() -> None:
    block = docs.block(odd_text(), "params")
    header = next(r for r in table_rows(block) if r[0] == "setting")
    funders = {schema_table.NEW_FUNDER: FunderConfig(), **default_funders()}
    assert header[1:] == list(funders)
    for row in (r for r in table_rows(block) if r[0].startswith("`") and len(r) == len(header)):
        setting = row[0].strip("`")
        for name, cell in zip(header[1:], row[1:]):
            assert same(parse_cell(cell), getattr(funders[name], setting)), (name, setting, cell)


@pytest.mark.parametrize("name", ["params", "data", "calibration"])
def test_odd_has_generated_blocks(name: str) -> None:
    assert docs.block(odd_text(), name).startswith("<!-- Generated")
