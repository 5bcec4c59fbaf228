"""Nothing of a user's is lost: --out, reports, exports and calibrate's fragment never delete or replace a foreign file."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from msosim.cli import app
from msosim.outputs import MARKER, OutputError, fresh_file, staged_folder, write_file, write_folder

from .conftest import ROOT, SCENARIOS

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


def writer_calls(tmp_path: Path, target: Path) -> dict[str, list[str]]:
    """Every command that writes a folder (or a file) at `target`; stores and files they read are in tmp_path."""
    from .test_calibrate import write_calibration

    store, district = str(tmp_path / "absent.duckdb"), str(SCENARIOS / "district.yaml")
    calibration = str(write_calibration(tmp_path / "cal")) if (tmp_path / "cal").mkdir() is None else ""
    return {
        "run --out": [*RUN, "--out", str(target)],
        "compare --report": ["compare", district, "--reps", "1", "--store", store, "--report", str(target)],
        "compare --brief": ["compare", district, "--reps", "1", "--store", store, "--report", str(tmp_path / "r"),
                            "--brief", str(target / "notes.txt")],
        "report --report": ["report", store, "--report", str(target)],
        "export --out": ["export", store, "--out", str(target)],
        "validate --report": ["validate", "--report", str(target), "--scale", "district"],
        "analyze --report": ["analyze", store, "--report", str(target)],
        "calibrate --report": ["calibrate", calibration, "--report", str(target)],
        "calibrate --out": ["calibrate", calibration, "--out", str(target / "notes.txt")],
    }


@pytest.mark.parametrize("writer", ["run --out", "compare --report", "compare --brief", "report --report", "export --out",
                                    "validate --report", "analyze --report", "calibrate --report", "calibrate --out"])
@pytest.mark.parametrize("overwrite", [False, True])
def test_no_writer_deletes_or_replaces_a_foreign_file(writer: str, overwrite: bool, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command that writes refuses, before any run, a location holding a user's file, even with --overwrite."""
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "mine"
    (target / "sub").mkdir(parents=True)
    (target / "notes.txt").write_text("years of work", encoding="utf-8")
    args = writer_calls(tmp_path, target)[writer] + (["--overwrite"] if overwrite else [])
    before = listing(tmp_path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert listing(tmp_path) == before and (target / "notes.txt").read_text(encoding="utf-8") == "years of work"


def test_an_interrupted_report_leaves_the_previous_report_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while `msosim report --overwrite` writes: the previous report stays whole, no staging folder is left."""
    store, report = tmp_path / "s.duckdb", tmp_path / "report"
    made = CliRunner().invoke(app, ["compare", str(SCENARIOS / "district.yaml"), "--reps", "1", "--years", "0.5",
                                    "--workers", "1", "--store", str(store), "--report", str(report)])
    assert made.exit_code == 0, made.output
    before = {p.name: p.read_bytes() for p in report.iterdir()}
    original = Path.write_text

    def interrupted(path: Path, *args, **kwargs):
        if path.name == "report.html":  # the PNGs are already in the staging folder
            raise KeyboardInterrupt
        return original(path, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", interrupted)
    result = CliRunner().invoke(app, ["report", str(store), "--report", str(report), "--overwrite"])
    assert isinstance(result.exception, KeyboardInterrupt) or result.exit_code == 130
    assert {p.name: p.read_bytes() for p in report.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report", "s.duckdb"]


def test_out_never_swaps_the_working_folder_even_when_msosim_wrote_it(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """`--out . --overwrite` inside a previous output (or `--out ..` below one) would rename the working folder."""
    out = tmp_path / "out"
    assert invoke("--out", str(out)).exit_code == 0
    before = listing(tmp_path)
    monkeypatch.chdir(out)
    for target in (".", str(out), ".."):
        result = invoke("--out", target, "--overwrite")
        assert result.exit_code == 2 and "working folder" in result.output, result.output
    assert listing(tmp_path) == before


def test_an_unwritable_location_is_one_line_before_the_run() -> None:
    result = invoke("--out", "/proc/msosim-out")
    assert result.exit_code == 2 and "cannot be written" in result.output and "MSOs simulated" not in result.output


def test_a_staged_file_keeps_the_suffix_that_names_its_format(tmp_path: Path) -> None:
    """Writers that choose the format by the name (--brief x.html) see the target's suffix on the temporary file."""
    from msosim.outputs import staged_file

    with staged_file(tmp_path / "brief.html", "--brief") as staging:
        assert staging.suffix == ".html" and staging.parent == tmp_path
        staging.write_text("<!doctype html>", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.html"]


@pytest.mark.slow  # two comparisons with figures: about 15 s on two shared cores
def test_briefs_keep_their_format_and_a_brief_in_the_report_folder_is_one_of_its_files(tmp_path: Path) -> None:
    """--brief x.html is HTML when staged (the temporary name keeps the suffix); a brief in --report is listed in
    the report's marker, so --overwrite replaces both and nothing counts as a foreign file."""
    report, outside = tmp_path / "report", tmp_path / "brief.html"
    base = ["compare", str(SCENARIOS / "district.yaml"), "--reps", "1", "--years", "0.5", "--workers", "1",
            "--store", str(tmp_path / "s.duckdb"), "--report", str(report), "--lang", "en"]
    inside = CliRunner().invoke(app, [*base, "--brief", str(report / "brief.pdf")])
    assert inside.exit_code == 0, inside.output
    assert (report / "brief.pdf").read_bytes().startswith(b"%PDF")
    outside_run = CliRunner().invoke(app, [*base, "--brief", str(outside), "--overwrite"])  # brief.pdf is msosim's
    assert outside_run.exit_code == 0, outside_run.output
    assert outside.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.html", "report", "s.duckdb"]


@pytest.mark.parametrize("command", ["compare", "sweep", "calibrate"])
def test_files_beside_the_output_are_checked_before_any_run(command: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """--keep-tables' <store>.tables and calibrate's <out>_particles.csv: a user's file there refuses the command."""
    from .test_calibrate import write_calibration

    monkeypatch.chdir(tmp_path)
    (tmp_path / "cal").mkdir()
    args = {"compare": ["compare", str(SCENARIOS / "district.yaml"), "--store", "s.duckdb", "--keep-tables"],
            "sweep": ["sweep", str(ROOT / "experiments" / "ishigami.yaml"), "--store", "s.duckdb", "--keep-tables"],
            "calibrate": ["calibrate", str(write_calibration(tmp_path / "cal")), "--out", "fit.yaml"]}[command]
    mine = tmp_path / ("fit_particles.csv" if command == "calibrate" else "s.duckdb.tables")
    mine.write_text("mine", encoding="utf-8")
    before = listing(tmp_path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert listing(tmp_path) == before and mine.read_text(encoding="utf-8") == "mine"


def test_written_files_and_folders_get_the_usual_permissions_not_private_ones(tmp_path) -> None:
    # Staging used mkstemp/mkdtemp, so every report folder came out 0700 and every file 0600: a report put on a
    # shared drive could not be read by the colleague it was written for.
    import stat

    old = os.umask(0o022)
    try:
        written = write_file(tmp_path / "brief.html", "<p>x</p>", "--brief")
        folder = tmp_path / "report"
        write_folder(folder, {"a.txt": lambda path: path.write_text("a", encoding="utf-8")}, "--report")
    finally:
        os.umask(old)
    assert stat.S_IMODE(written.stat().st_mode) == 0o644
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
