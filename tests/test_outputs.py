"""Nothing of a user's is lost: --out, reports, exports and calibrate's fragment never delete or replace a foreign file."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from msosim.cli import app
from msosim.outputs import MARKER, OutputError, fresh_file, staged_folder, write_file, write_folder

from .conftest import SCENARIOS

RUN = ["run", str(SCENARIOS / "district.yaml"), "--years", "1", "--set", "population.land=HB"]


def listing(folder: Path) -> list[str]:
    """Every path under `folder`, relative, sorted."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def invoke(*args: str):
    return CliRunner().invoke(app, [*RUN, *args])


def test_out_never_deletes_a_foreign_file(tmp_path: Path) -> None:
    """Issue 18 defect 1: --out DIR deleted a user's file and sub-folder (exit 0)."""
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    before = listing(tmp_path)
    result = invoke("--out", str(out), "--overwrite")
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "not written by msosim" in result.output
    assert listing(tmp_path) == before and (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_out_dot_refuses_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18 defect 1: `--out .` deleted every file in the working folder, then crashed."""
    (tmp_path / "thesis.tex").write_text("years of work", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = invoke("--out", ".")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert listing(tmp_path) == ["thesis.tex"]


def test_out_writes_a_new_folder_and_replaces_it_only_with_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("--out", str(out)).exit_code == 0
    first = listing(out)
    assert MARKER in first and "model.parquet" in first
    again = invoke("--out", str(out))
    assert again.exit_code == 2 and "--overwrite" in again.output
    assert invoke("--out", str(out), "--overwrite").exit_code == 0
    assert listing(out) == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left behind


def test_out_naming_a_file_fails_before_the_run(tmp_path: Path) -> None:
    """Issue 18 defect 3: --out naming a file failed only after the whole run."""
    target = tmp_path / "results.parquet"
    target.write_bytes(b"user data")
    result = invoke("--out", str(target))
    assert result.exit_code == 2 and "is a file" in result.output
    assert "MSOs simulated" not in result.output  # refused before the model ran
    assert target.read_bytes() == b"user data" and listing(tmp_path) == ["results.parquet"]


def test_an_interrupted_write_leaves_the_previous_output_intact(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with staged_folder(out) as staging:
        (staging / "model.parquet").write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), staged_folder(out, overwrite=True) as staging:
        (staging / "model.parquet").write_text("half", encoding="utf-8")
        raise KeyboardInterrupt
    assert (out / "model.parquet").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_file_added_to_an_msosim_folder_refuses_the_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with staged_folder(out) as staging:
        (staging / "model.parquet").write_text("old", encoding="utf-8")
    (out / "analysis.ipynb").write_text("user", encoding="utf-8")
    with pytest.raises(OutputError, match="analysis.ipynb"), staged_folder(out, overwrite=True):
        pass
    assert (out / "analysis.ipynb").read_text(encoding="utf-8") == "user"


def test_a_report_never_replaces_a_file_msosim_did_not_write(tmp_path: Path) -> None:
    """Reports follow --out's rule (outputs.write_folder): a new folder, or msosim's own output with overwrite."""
    page = {"report.html": lambda path: path.write_text("generated", encoding="utf-8")}
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / "report.html").write_text("the user's own page", encoding="utf-8")
    with pytest.raises(OutputError, match="not written by msosim"):
        write_folder(folder, page, "--report", overwrite=True)
    assert listing(folder) == ["report.html"] and (folder / "report.html").read_text(encoding="utf-8") == "the user's own page"
    other = tmp_path / "fresh"
    write_folder(other, page, "--report")
    with pytest.raises(OutputError, match="--overwrite"):
        write_folder(other, page, "--report")
    write_folder(other, {"report.html": lambda path: path.write_text("second", encoding="utf-8")}, "--report", overwrite=True)
    assert (other / "report.html").read_text(encoding="utf-8") == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh", "report"]  # no staging folder left behind


def test_an_export_into_a_folder_with_a_foreign_table_file_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "tiny.duckdb"
    made = CliRunner().invoke(app, ["compare", str(SCENARIOS / "district.yaml"), "--reps", "1", "--years", "1",
                                    "--workers", "1", "--store", str(store), "--report", str(tmp_path / "report")])
    assert made.exit_code == 0, made.output
    out = tmp_path / "exports"
    out.mkdir()
    (out / "runs.parquet").write_bytes(b"user")
    result = CliRunner().invoke(app, ["export", str(store), "--out", str(out)])
    assert result.exit_code == 2 and "not written by msosim" in result.output and "Traceback" not in result.output
    assert (out / "runs.parquet").read_bytes() == b"user" and listing(out) == ["runs.parquet"]


def test_write_file_is_atomic_and_refuses_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "calibrated.yaml"
    target.write_text("baseline", encoding="utf-8")
    with pytest.raises(OutputError, match="--into"):
        write_file(target, "new", "--into")
    assert fresh_file(target) == tmp_path / "calibrated-1.yaml"
    write_file(target, "new", "--into", allowed=True)
    assert target.read_text(encoding="utf-8") == "new"
    assert sorted(os.listdir(tmp_path)) == ["calibrated.yaml"]


def test_calibrate_writes_a_new_file_unless_into_names_the_old_one(tmp_path: Path) -> None:
    """Issue 18 defect 8: calibrate overwrote data/calibrated.yaml by default."""
    from .test_calibrate import write_calibration

    path = write_calibration(tmp_path, "cal")
    first = tmp_path / "cal_calibrated.yaml"
    assert CliRunner().invoke(app, ["calibrate", str(path), "--workers", "1"]).exit_code == 0
    stamp = first.read_text(encoding="utf-8")
    time.sleep(1.1)  # the fragment's date has second resolution: a rewrite would differ
    second = CliRunner().invoke(app, ["calibrate", str(path), "--workers", "1"])
    assert second.exit_code == 0, second.output
    assert first.read_text(encoding="utf-8") == stamp
    assert (tmp_path / "cal_calibrated-1.yaml").is_file()
    into = CliRunner().invoke(app, ["calibrate", str(path), "--workers", "1", "--into", str(first)])
    assert into.exit_code == 0, into.output
    assert first.read_text(encoding="utf-8") != stamp
    assert not (tmp_path / "cal_calibrated-2.yaml").exists()


def test_a_run_interrupted_while_writing_leaves_the_previous_output_intact(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    out = tmp_path / "out"
    assert invoke("--out", str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    written = []
    original = pd.DataFrame.to_parquet

    def interrupted(frame, path, *args, **kwargs):
        if written:
            raise KeyboardInterrupt
        written.append(path)
        return original(frame, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", interrupted)
    result = invoke("--out", str(out), "--overwrite", "--seed", "2")
    assert result.exit_code == 130 and written  # Ctrl-C: exit 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_compare_refuses_a_foreign_report_before_it_runs(tmp_path: Path) -> None:
    report = tmp_path / "report"
    report.mkdir()
    (report / "report.html").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(app, ["compare", str(SCENARIOS / "district.yaml"), "--reps", "1", "--years", "1",
                                      "--store", str(tmp_path / "s.duckdb"), "--report", str(report)])
    assert result.exit_code == 2 and "not written by msosim" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no store: refused before any run
