"""Scenario comparison: statistics, common random numbers, resumable batches, bad input, the report."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from msosim.experiments.batch import compare, plan_runs, summarise, t_interval
from msosim.cli import app
from msosim.reporting.report import format_interval, kaplan_meier, survival_on_grid
from msosim.scenario import ScenarioError, load_scenario
from msosim.experiments.store import open_store
from msosim.experiments.store_schema import TIMING_COLUMNS

from .conftest import ROOT, SCENARIOS


@pytest.fixture
def small(tmp_path) -> list[Path]:
    """Two tiny scenarios (Bremen's largest district): project funding and institutional funding."""
    base = tmp_path / "small.yaml"
    base.write_text(f"extends: {SCENARIOS / 'district.yaml'}\nname: small\npopulation:\n  land: HB\n")
    other = tmp_path / "small_institutional.yaml"
    other.write_text("extends: small.yaml\nname: small_institutional\npolicy:\n  funding_mode: institutional\n")
    return [base, other]


def store_tables(path: Path) -> dict[str, pd.DataFrame]:
    """Every table of a store, ordered, without the columns that record when and how fast."""
    with open_store(path) as store:
        tables = {name: store.table(name) for name in store.tables() if name != "schema_info"}
    return {name: frame.drop(columns=[c for c in TIMING_COLUMNS if c in frame]).reset_index(drop=True)
            for name, frame in tables.items()}


def assert_same_store(a: Path, b: Path) -> None:
    first, second = store_tables(a), store_tables(b)
    assert first.keys() == second.keys()
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], check_exact=True, obj=name)


# -- statistics -----------------------------------------------------------------------------------

def test_t_interval_covers_at_nominal_rate() -> None:
    rng = np.random.default_rng(20261125)
    trials, n, mu = 4000, 8, 3.0
    samples = rng.normal(mu, 2.0, size=(trials, n))
    covered = np.mean([low <= mu <= high for _, low, high in map(t_interval, samples)])
    assert abs(covered - 0.95) < 3 * np.sqrt(0.95 * 0.05 / trials)
    ninety = np.mean([low <= mu <= high for _, low, high in (t_interval(s, 0.9) for s in samples)])
    assert abs(ninety - 0.90) < 3 * np.sqrt(0.90 * 0.10 / trials)


def test_paired_difference_interval_covers_and_is_narrower() -> None:
    rng = np.random.default_rng(7)
    trials, n, effect = 4000, 10, 0.5
    common = rng.normal(0, 3.0, (trials, n))  # what both scenarios share under the same seed
    a = common + rng.normal(0, 0.5, (trials, n))
    b = common + effect + rng.normal(0, 0.5, (trials, n))
    paired = [t_interval(d) for d in b - a]
    covered = np.mean([low <= effect <= high for _, low, high in paired])
    assert abs(covered - 0.95) < 3 * np.sqrt(0.95 * 0.05 / trials)
    unpaired = np.mean([2 * (t_interval(x)[2] - t_interval(x)[0]) for x in a[:200]])
    assert np.mean([high - low for _, low, high in paired]) < 0.5 * unpaired


def test_summarise_pairs_by_seed() -> None:
    a, b = np.array([1.0, 5.0, 3.0, 8.0]), np.array([1.5, 5.4, 3.7, 8.2])
    frame = pd.DataFrame({"position": [0] * 4 + [1] * 4, "scenario": ["a"] * 4 + ["b"] * 4,
                          "seed": [4, 1, 2, 3] * 2, "outcome": "y", "value": np.r_[a, b]})
    shuffled = frame.sample(frac=1.0, random_state=1)
    row = summarise(shuffled).set_index("position").loc[1]
    assert (row["diff"], row["diff_low"], row["diff_high"]) == pytest.approx(t_interval(b - a))
    assert (row["mean"], row["low"], row["high"]) == pytest.approx(t_interval(b))
    assert row["n"] == row["n_pairs"] == 4


def test_t_interval_known_values() -> None:
    mean, low, high = t_interval([1.0, 2.0, 3.0, np.nan])
    assert mean == 2.0
    assert high - mean == pytest.approx(4.302652729911275 / np.sqrt(3))  # t(0.975, 2) * s / sqrt(n), s = 1
    assert np.isnan(t_interval([5.0])[1]) and t_interval([5.0])[0] == 5.0
    assert all(np.isnan(t_interval([])))


def test_kaplan_meier_known_answer() -> None:
    # durations 1, 2+, 3, 3, 4+: S(1) = 4/5, S(3) = 4/5 * (1 - 2/3)
    times, survival = kaplan_meier(np.array([1, 2, 3, 3, 4]), np.array([True, False, True, True, False]))
    assert list(times) == [1, 3]
    np.testing.assert_allclose(survival, [0.8, 0.8 / 3])
    np.testing.assert_allclose(survival_on_grid(times, survival, np.arange(5)), [1, 0.8, 0.8, 0.8 / 3, 0.8 / 3])


def test_number_formats_in_both_languages() -> None:
    assert format_interval(11636.0, 11590.4, 11680.0, ",.0f", "en") == "11,636 [11,590, 11,680]"
    assert format_interval(11636.0, 11590.4, 11680.0, ",.0f", "de") == "11.636 [11.590; 11.680]"
    assert format_interval(0.05, 0.01, 0.09, ".1%", "en", signed=True) == "+5.0 pp [+1.0 pp, +9.0 pp]"
    assert format_interval(0.715, np.nan, np.nan, ".1%", "de") == "71,5 %"


# -- plans and common random numbers -------------------------------------------------------------

def test_every_scenario_gets_the_same_seeds(small) -> None:
    scenarios = [load_scenario(p) for p in small]
    specs = plan_runs(scenarios, reps=4, years=2, base_seed=10)
    assert [s.seed for s in specs] == [10, 10, 11, 11, 12, 12, 13, 13]
    for scenario in scenarios:
        assert sorted(s.seed for s in specs if s.scenario_hash == scenario.content_hash()) == [10, 11, 12, 13]
    assert {s.years for s in specs} == {2.0}
    assert {s.years for s in plan_runs(scenarios, 1, None, 1)} == {float(scenarios[0].years)}


@pytest.mark.slow
def test_pool_of_two_and_one_process_give_identical_stores(small, tmp_path) -> None:
    one = compare(small, reps=3, years=1, workers=1, store=tmp_path / "one.duckdb")
    two = compare(small, reps=3, years=1, workers=2, store=tmp_path / "two.duckdb")
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert_same_store(tmp_path / "one.duckdb", tmp_path / "two.duckdb")
    assert set(one.columns) == {"position", "scenario", "scenario_hash", "seed", "years", "outcome", "value"}
    assert len(one) == 2 * 3 * one["outcome"].nunique()


def test_rerun_skips_stored_runs(small, tmp_path) -> None:
    store = tmp_path / "s.duckdb"
    compare(small[:1], reps=2, years=1, workers=1, store=store)
    first = store_tables(store)["runs"]
    with open_store(store) as opened:
        stamps = opened.runs()["finished_at"].tolist()
    frame = compare(small[:1], reps=3, years=1, workers=1, store=store)  # one more replication
    with open_store(store) as opened:
        runs = opened.runs()
    assert len(runs) == 3 and runs["finished_at"].tolist()[:2] == stamps
    pd.testing.assert_frame_equal(store_tables(store)["runs"].iloc[:2], first)
    assert sorted(frame["seed"].unique()) == [1, 2, 3]


def test_in_memory_compare_and_pairing(small) -> None:
    frame = compare(small, reps=3, years=1, workers=1)
    summary = summarise(frame).set_index(["outcome", "position"])
    assert summary.loc[("alive_end", 1), "n_pairs"] == 3
    staff = frame[frame["outcome"] == "time_limited_share"].pivot(index="seed", columns="position", values="value")
    assert (staff[1] < staff[0]).all()  # institutional funding replaces project money, seed by seed


# -- bad input -----------------------------------------------------------------------------------

def _bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(f"extends: {SCENARIOS / 'district.yaml'}\npolicy:\n  budget_factor: -1\n")
    return path


def test_bad_scenario_is_reported_before_anything_is_written(small, tmp_path) -> None:
    missing = tmp_path / "missing.yaml"
    store, report = tmp_path / "results" / "s.duckdb", tmp_path / "reports" / "r"
    result = CliRunner().invoke(app, ["compare", str(small[0]), str(_bad(tmp_path)), str(missing), "--reps", "2",
                                      "--years", "1", "--workers", "1", "--store", str(store), "--report", str(report)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in result.output
    assert "bad.yaml" in lines[0] and "policy.budget_factor" in lines[0] and "-1" in lines[0]
    assert "missing.yaml" in lines[1]
    assert not (tmp_path / "results").exists() and not (tmp_path / "reports").exists()


def test_api_raises_scenario_error_for_bad_files(small, tmp_path) -> None:
    with pytest.raises(ScenarioError, match="budget_factor"):
        compare([small[0], _bad(tmp_path)], reps=1, years=1, workers=1, store=tmp_path / "s.duckdb")
    assert not (tmp_path / "s.duckdb").exists()


@pytest.mark.parametrize("args, message", [
    (["--years", "0"], "--years"),
    (["--reps", "0"], "reps"),
    (["--workers", "0"], "workers"),
])
def test_bad_options_exit_2(small, tmp_path, args, message) -> None:
    result = CliRunner().invoke(app, ["compare", str(small[0]), "--store", str(tmp_path / "s.duckdb"),
                                      "--report", str(tmp_path / "r"), *args])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "s.duckdb").exists() and not (tmp_path / "r").exists()


@pytest.mark.parametrize("kind", ["text", "foreign"])
def test_compare_refuses_a_foreign_store(small, tmp_path, kind) -> None:
    store = tmp_path / "s.duckdb"
    if kind == "text":
        store.write_text("notes\n")
    else:
        import duckdb

        con = duckdb.connect(str(store))
        con.execute("CREATE TABLE other (x INTEGER)")
        con.close()
    before = store.read_bytes()
    result = CliRunner().invoke(app, ["compare", str(small[0]), "--reps", "1", "--years", "1", "--workers", "1",
                                      "--store", str(store), "--report", str(tmp_path / "r")])
    assert result.exit_code == 2 and "not an msosim results store" in result.stderr
    assert store.read_bytes() == before and not (tmp_path / "r").exists()


@pytest.mark.parametrize("batch", [[], ["--batch", "1"]], ids=["batched", "one-by-one"])
def test_a_failing_run_is_named_and_earlier_runs_kept(small, tmp_path, monkeypatch, batch) -> None:
    """Seed 2's world cannot be built: the run is named, seed 1 is stored, seed 3 is not run (in a batch of all
    three, which then fails, the runs go one by one: experiments/batching.py)."""
    import msosim.model

    original = msosim.model.MSOModel.__init__

    def flaky(self, *args, seed=None, **kwargs):
        if seed == 2:
            raise ValueError("boom")
        original(self, *args, seed=seed, **kwargs)

    monkeypatch.setattr(msosim.model.MSOModel, "__init__", flaky)
    store = tmp_path / "s.duckdb"
    result = CliRunner().invoke(app, ["compare", str(small[0]), "--reps", "3", "--years", "1", "--workers", "1",
                                      "--store", str(store), "--report", str(tmp_path / "r"), *batch])
    assert result.exit_code == 1
    assert "seed 2" in result.stderr and "boom" in result.stderr and "small" in result.stderr
    failed = next(line for line in result.stderr.splitlines() if "run failed" in line)
    assert "seed 2" in failed and "seed 1" not in failed
    with open_store(store) as opened:
        assert opened.runs()["seed"].tolist() == [1]


# -- the commands end to end ---------------------------------------------------------------------

def test_compare_report_export_commands(small, tmp_path) -> None:
    store, report = tmp_path / "s.duckdb", tmp_path / "report"
    runner = CliRunner()
    result = runner.invoke(app, ["compare", *map(str, small), "--reps", "3", "--years", "1", "--workers", "1",
                                 "--store", str(store), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "MSOs alive" in result.stdout and "Common random numbers" in result.stdout
    html = (report / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 7
    for name in ("timeseries_alive", "timeseries_staff", "timeseries_volunteers", "timeseries_coverage",
                 "survival", "funding", "differences"):
        assert (report / f"{name}.png").stat().st_size > 1000
    assert "paired" in html and "git commit" in html and "&#34;steps_per_year&#34;" in html  # the resolved scenario, escaped

    again = runner.invoke(app, ["compare", *map(str, small), "--reps", "3", "--years", "1", "--workers", "1",
                                "--store", str(store), "--report", str(report), "--overwrite"])
    assert "6 already in" in again.stderr and "0 to run" in again.stderr

    german = runner.invoke(app, ["report", str(store), "--report", str(tmp_path / "de"), "--lang", "de"])
    assert german.exit_code == 0, german.output
    assert "Szenarienvergleich" in german.stdout and "Aktive" in german.stdout
    assert "Gemeinsame Zufallszahlen" in (tmp_path / "de" / "report.html").read_text()

    exported = runner.invoke(app, ["export", str(store), "--format", "parquet", "--out", str(tmp_path / "x")])
    assert exported.exit_code == 0
    steps = pd.read_parquet(tmp_path / "x" / "model_steps.parquet")
    assert len(steps) == 2 * 3 * 13 and not steps.duplicated(["scenario_hash", "seed", "years", "step"]).any()


# -- killed and resumed --------------------------------------------------------------------------

def _msosim() -> list[str]:
    script = Path(sys.executable).parent / "msosim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "msosim.cli"]


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _start(command: list[str]) -> subprocess.Popen:
    """Start a command with the default Ctrl-C handling (even if this test runs where SIGINT is ignored)."""
    return subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _signal_after(process: subprocess.Popen, stored: int, signum: int) -> tuple[list[int], str]:
    """Send `signum` to the parent once it reports `stored` runs; its worker pids and the stderr read."""
    seen, workers = [], []
    for line in process.stderr:
        seen.append(line)
        if line.startswith(f"stored {stored}/"):
            workers = _children(process.pid)
            os.kill(process.pid, signum)
            break
    seen.extend(process.stderr)
    process.wait(timeout=60)
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workers and not any(Path(f"/proc/{pid}").exists() for pid in workers), "workers outlived their parent"
    return workers, "".join(seen)


@pytest.mark.slow
def test_ctrl_c_and_sigkill_midway_then_rerun_equals_uninterrupted_run(tmp_path) -> None:
    scenario, reps, years = SCENARIOS / "district.yaml", 30, 3
    store = tmp_path / "killed.duckdb"
    command = [*_msosim(), "compare", str(scenario), "--reps", str(reps), "--years", str(years), "--workers", "2",
               "--store", str(store), "--report", str(tmp_path / "report")]

    process = _start(command)
    _, stderr = _signal_after(process, 4, signal.SIGINT)
    assert process.returncode == 130 and "interrupted:" in stderr and "Traceback" not in stderr
    with open_store(store) as opened:
        after_ctrl_c = len(opened.runs())
    assert 4 <= after_ctrl_c < reps and f"interrupted: {after_ctrl_c} of {reps} runs" in stderr

    process = _start(command)
    _, stderr = _signal_after(process, 4, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL and f"{after_ctrl_c} already in" in stderr
    with open_store(store) as opened:  # readable after SIGKILL, and only whole runs in it
        stored = len(opened.runs())
        assert after_ctrl_c + 4 <= stored < reps
        assert len(opened.table("model_steps")) == stored * (years * 12 + 1)
    assert not (tmp_path / "report").exists()

    rerun = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{stored} already in" in rerun.stderr and (tmp_path / "report" / "report.html").exists()

    compare([scenario], reps=reps, years=years, workers=1, store=tmp_path / "reference.duckdb")
    assert_same_store(store, tmp_path / "reference.duckdb")
    with open_store(store) as opened:
        for table, key in (("runs", "scenario_hash, seed, years"), ("model_steps", "scenario_hash, seed, years, step"),
                           ("mso_lifetimes", "scenario_hash, seed, years, mso")):
            total, distinct = opened.con.execute(f"SELECT count(*), count(DISTINCT ({key})) FROM {table}").fetchall()[0]
            assert total == distinct


def ctrl_c_during(monkeypatch, method: str) -> None:
    """Make every call of `Store.<method>` (a store write) receive a Ctrl-C while it is under way."""
    from msosim.experiments.store import Store

    write = getattr(Store, method)

    def write_then_ctrl_c(self, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)
        return write(self, *args, **kwargs)

    monkeypatch.setattr(Store, method, write_then_ctrl_c)


def test_ctrl_c_during_a_store_write_counts_the_run_it_stored(tmp_path, monkeypatch) -> None:
    """Ctrl-C is held back while a run is written; the run it held back for is counted before it is raised,
    so 'interrupted: N of M' names what the store holds."""
    from msosim.experiments.batch import load_scenarios, run_comparison
    from msosim.experiments.store import Store

    ctrl_c_during(monkeypatch, "add_run")
    counted = []
    scenarios = load_scenarios([SCENARIOS / "district.yaml"])
    with Store.open(tmp_path / "s.duckdb", create=True) as opened:
        with pytest.raises(KeyboardInterrupt):
            run_comparison(opened, scenarios, [SCENARIOS / "district.yaml"], reps=3, years=0.5, workers=1,
                           base_seed=1, on_stored=counted.append)
        assert len(counted) == len(opened.runs()) == 1
