"""The one safe loader: every defect of issue 18 on input files is one line, exit 2, nothing written."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from msosim.cli import app
from msosim.loading import MAX_EXTENDS, MAX_NODES, LoadError, did_you_mean, load_mapping, parse, shown

from .conftest import ROOT, SCENARIOS

DISTRICT = SCENARIOS / "district.yaml"


def scenario(folder: Path, text: str, name: str = "s.yaml") -> Path:
    path = folder / name
    path.write_text(f"extends: {DISTRICT}\n{text}", encoding="utf-8")
    return path


def refused(args: list[str], *needles: str) -> str:
    """Invoke the CLI; assert exit 2, one line, no traceback, every needle in it; return the line."""
    result = CliRunner().invoke(app, args)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def bomb(levels: int = 9) -> str:
    """The billion laughs under one key: 9**levels strings from a few hundred bytes."""
    lines = ["description:", '  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_in_under_a_second_and_50_mb(tmp_path: Path) -> None:
    """Issue 18 defect 2: 85 s, 3.5 GB and a MemoryError traceback (measured here before the fix: 49 s, 2 GB)."""
    path = scenario(tmp_path, bomb())
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(LoadError, match="aliases expand past") as caught:
        load_mapping(path, "scenario")
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seconds < 1.0 and peak < 50e6
    assert len(str(caught.value)) < 300 and "lol" not in str(caught.value)
    refused(["run", str(path)], "aliases expand past", str(path))


def test_aliases_below_the_bound_still_load() -> None:
    assert parse("a: &x [1, 2]\nb: *x\n", "t") == {"a": [1, 2], "b": [1, 2]}
    assert MAX_NODES >= 10_000


def test_a_duplicate_policy_section_is_refused(tmp_path: Path) -> None:
    """Issue 18 defect 5: the second `policy:` silently replaced the first (budget_factor 0.1 lost)."""
    path = scenario(tmp_path, "policy:\n  budget_factor: 0.1\npolicy:\n  dialogue_formats: 0.2\n")
    refused(["run", str(path), "--years", "1"], str(path), "'policy'", "twice", "line 4")


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    """Issue 18 defect 5: an empty file ran the national defaults."""
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    refused(["run", str(path), "--years", "1"], str(path), "empty")


def test_years_true_is_refused(tmp_path: Path) -> None:
    """Issue 18 defect 5: `years: true` ran one year."""
    path = scenario(tmp_path, "years: true\n")
    refused(["run", str(path)], str(path), "'years'", "number")


def test_true_in_an_experiment_number_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(f"scenario: {DISTRICT}\nsampler: latin\nn: true\nparameters:\n  policy.budget_factor: "
                    "{min: 0.5, max: 1.5}\noutcomes: [alive_end]\n", encoding="utf-8")
    refused(["sweep", str(path), "--workers", "1"], str(path), "'n'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.yaml"]


@pytest.mark.parametrize("command", ["run", "compare", "validate", "sweep"])
def test_a_file_that_is_not_utf8_is_one_line(tmp_path: Path, command: str) -> None:
    """Issue 18 defect 3: a UnicodeDecodeError traceback in run, compare, validate and sweep."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: M\xfcnster\n")
    args = {"run": ["run", str(path)], "compare": ["compare", str(path), "--store", str(tmp_path / "s.duckdb")],
            "validate": ["validate", "--baseline", str(path)], "sweep": ["sweep", str(path)]}[command]
    refused(args, str(path), "UTF-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latin1.yaml"]


def test_a_long_extends_chain_is_refused(tmp_path: Path) -> None:
    """Issue 18 defect 3: a chain of 1,500 files ended in a RecursionError traceback."""
    for i in range(1500):
        target = f"c{i + 1}.yaml" if i < 1499 else str(DISTRICT)
        (tmp_path / f"c{i}.yaml").write_text(f"extends: {target}\n", encoding="utf-8")
    refused(["run", str(tmp_path / "c0.yaml")], "'extends'", f"at most {MAX_EXTENDS}")


def test_extends_outside_the_allowed_folders_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18 defect 7: `extends: /etc/passwd` was opened (and part of it echoed)."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "x.yaml"
    path.write_text("extends: /etc/passwd\n", encoding="utf-8")
    line = refused(["run", str(path)], "'extends'", "/etc/passwd", "outside")
    assert ":0:0:" not in line and "/bin/" not in line  # nothing of /etc/passwd echoed
    monkeypatch.setenv("MSOSIM_EXTENDS_PATH", "/etc")
    allowed = CliRunner().invoke(app, ["run", str(path)])
    assert allowed.exit_code == 2 and "/etc/passwd" in allowed.output  # read now (and refused as no mapping)


def test_shipped_scenarios_extend_within_the_allowed_folders() -> None:
    for path in sorted(SCENARIOS.glob("*.yaml")):
        assert load_mapping(path, "scenario")
    from msosim import load_scenario

    assert load_scenario(SCENARIOS / "baseline.yaml").population.n_msos > 0


@pytest.mark.parametrize("value", ["!!python/object/apply:os.system ['echo owned']", "!!float 1", "!!str 3"])
def test_a_tag_in_run_set_is_refused(tmp_path: Path, value: str) -> None:
    """Issue 18 defect 3: `run --set` with a !!python tag ended in a ConstructorError traceback."""
    refused(["run", str(DISTRICT), "--set", f"years={value}", "--out", str(tmp_path / "out")], "tag", "--set years")
    assert list(tmp_path.iterdir()) == []


def test_a_tag_in_a_file_is_refused(tmp_path: Path) -> None:
    path = scenario(tmp_path, "years: !!python/name:os.system\n")
    refused(["run", str(path)], str(path), "tag")


@pytest.mark.parametrize(("text", "suggestion"), [("polcy: {}\n", "'policy'"),
                                                  ("policy: {budget_factr: 2}\n", "'budget_factor'")])
def test_near_miss_keys_get_a_did_you_mean(tmp_path: Path, text: str, suggestion: str) -> None:
    """Issue 18 defect 6: no "did you mean" for `polcy`, `budget_factr`."""
    refused(["run", str(scenario(tmp_path, text))], f"did you mean {suggestion}?")


def test_a_near_miss_key_in_an_experiment_is_named_before_the_key_it_misses(tmp_path: Path) -> None:
    """`samplr:` was reported as 'sampler' missing; the misspelt key with its suggestion is the useful line."""
    text = (ROOT / "experiments" / "ishigami.yaml").read_text(encoding="utf-8").replace("sampler:", "samplr:")
    path = tmp_path / "experiment.yaml"
    path.write_text(text, encoding="utf-8")
    refused(["sweep", str(path)], "key 'samplr'", "did you mean 'sampler'?")


def test_nan_in_a_file_is_reported_as_not_finite(tmp_path: Path) -> None:
    """Issue 18 defect 6: NaN was reported as 'should be less than or equal to 200'."""
    line = refused(["run", str(scenario(tmp_path, "years: .nan\n"))], "'years'", "finite")
    assert "less than" not in line


def test_messages_show_a_value_truncated() -> None:
    assert len(shown("x" * 10_000)) <= 60
    assert len(shown([[list(range(100))] * 100] * 100)) <= 60
    assert did_you_mean("polcy", ["policy", "population"]) == "; did you mean 'policy'?"
    assert did_you_mean("zzz", ["policy"]) == ""


def test_shipped_experiments_still_load() -> None:
    for path in sorted((ROOT / "experiments").glob("*.yaml")):
        assert load_mapping(path, "experiment")


def test_readme_names_the_samplers_the_experiment_schema_accepts() -> None:
    """Issue 18 defect 8: the README named the sampler `lhs`; the schema accepts grid, latin, sobol, morris."""
    import re
    import typing

    from msosim.experiments.experiment import Experiment

    accepted = typing.get_args(Experiment.model_fields["sampler"].annotation)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"a sampler \(([^)]*)\)", readme).group(1)
    assert re.findall(r"`(\w+)`", listed) == list(accepted)
    assert "`lhs`" not in readme
