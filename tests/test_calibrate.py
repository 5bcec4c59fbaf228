"""msosim calibrate: known-answer recovery, reproducibility, resume, one-line errors, the calibrated baseline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from msosim import load_scenario
from msosim.api import run, run_outcomes
from msosim.experiments.calibration_file import Target
from msosim.experiments.calibrate import calibration_metrics, distance, plan, run_calibration, scaled_errors
from msosim.cli import app
from msosim.experiments.experiment import ExperimentError
from msosim.experiments.store import Store

from .conftest import ROOT, SCENARIOS

TINY = {"population.scale": "district", "population.land": "HB"}


def write_calibration(folder: Path, name: str = "tiny", **fields) -> Path:
    """A small calibration (Bremen's district, one year, one parameter) as a YAML file; `fields` replace its keys."""
    data = {
        "name": name,
        "scenario": str(SCENARIOS / "baseline.yaml"),
        "fixed": dict(TINY),
        "variants": {"baseline": {}, "calm": {"events": []}},
        "parameters": {"volunteers.dropout_rate": {"min": 0.1, "max": 0.5}},
        "targets": {"turnover": {"variant": "calm", "metric": "volunteer_turnover", "low": 0.25, "high": 0.4,
                                 "value": 0.33},
                    "stock": {"metric": "alive_min", "low": 12400, "high": 14300}},
        "sampler": "latin", "n": 4, "replications": 1, "accept": 0.5, "years": 1, "seed": 1,
        "store": str(folder / f"{name}.duckdb"), "output": str(folder / f"{name}_calibrated.yaml"),
    }
    data.update(fields)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in data.items() if v is not None}, sort_keys=False), encoding="utf-8")
    return path


def values(path: Path) -> dict:
    """The calibrated fragment without its metadata."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.pop("metadata")
    return data


# -- distance --------------------------------------------------------------------------------------

def test_distance_scales_by_band_width_and_is_zero_inside_a_band() -> None:
    targets = {"point": Target(metric="m", low=0.0, high=2.0, value=1.0),
               "band": Target(metric="m", low=10.0, high=20.0, weight=3.0)}
    means = pd.DataFrame({"point": [1.0, 2.0, 0.5], "band": [15.0, 25.0, 10.0]})
    errors = scaled_errors(means, targets)
    np.testing.assert_allclose(errors["point"], [0.0, 0.5, 0.25])
    np.testing.assert_allclose(errors["band"], [0.0, 0.5, 0.0])
    np.testing.assert_allclose(distance(errors, targets), [0.0, np.sqrt((0.25 + 3 * 0.25) / 4), np.sqrt(0.0625 / 4)])


# -- known answer ----------------------------------------------------------------------------------

def test_recovers_a_known_dropout_rate_at_district_scale(tmp_path) -> None:
    """Targets measured at dropout_rate 0.3 (seeds 1, 2) are fitted back to about 0.3 over the range 0.1-0.5."""
    truth, years = 0.3, 3
    scenario = load_scenario(SCENARIOS / "district.yaml", {"volunteers.dropout_rate": truth})
    measured = []
    for seed in (1, 2):
        tables = run(scenario, seed=seed, years=years)
        measured.append({**run_outcomes(tables["model"], 12), **calibration_metrics(tables, scenario)})
    turnover = float(np.mean([m["volunteer_turnover"] for m in measured]))
    burnout = float(np.mean([m["mean_burnout"] for m in measured]))
    path = write_calibration(
        tmp_path, "known", scenario=str(SCENARIOS / "district.yaml"), fixed={}, variants={"baseline": {}},
        targets={"turnover": {"metric": "volunteer_turnover", "low": turnover - 0.05, "high": turnover + 0.05, "value": turnover},
                 "burnout": {"metric": "mean_burnout", "low": burnout - 0.02, "high": burnout + 0.02, "value": burnout}},
        n=12, replications=2, accept=0.25, years=years)
    result = run_calibration(path, workers=1)
    assert abs(result.fitted["volunteers.dropout_rate"] - truth) < 0.04
    assert result.fitted_distance < 0.15
    assert result.accepted == 3
    post = result.posterior.iloc[0]
    assert post["q05"] <= truth + 0.04 and post["q95"] >= truth - 0.04
    assert result.samples["distance"].max() > 1.0       # the prior range reaches far from the truth


# -- reproducibility and resume ----------------------------------------------------------------

def test_same_seed_same_values_and_an_interrupted_calibration_resumes_without_duplicates(tmp_path) -> None:
    fresh = write_calibration(tmp_path, "fresh")
    first = run_calibration(fresh, workers=1)
    total = first.runs
    assert total == 4 * 2 * 1 + 2

    # the same file into another store, interrupted after the first chunk of two runs, then resumed
    resumed = write_calibration(tmp_path, "resumed")
    stored = []

    def stop(results) -> None:
        stored.extend(results)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_calibration(resumed, workers=1, chunk=2, on_stored=stop)
    assert not (tmp_path / "resumed_calibrated.yaml").exists()
    with Store.open(tmp_path / "resumed.duckdb") as store:
        assert len(store.runs()) == len(stored) == 2
    todo = []
    second = run_calibration(resumed, workers=1, on_start=lambda stage, total, left: todo.append((stage, total, left)))
    assert todo == [("samples", 8, 6), ("fitted", 2, 2)]
    with Store.open(tmp_path / "resumed.duckdb") as store:
        runs = store.runs()
    assert len(runs) == len(runs.drop_duplicates(["scenario_hash", "seed", "years"])) == total
    assert values(tmp_path / "fresh_calibrated.yaml") == values(tmp_path / "resumed_calibrated.yaml")
    assert second.fitted == first.fitted and second.fitted_distance == first.fitted_distance
    pd.testing.assert_frame_equal(first.samples, second.samples)

    # running it again runs nothing new and writes the same values
    again = []
    run_calibration(fresh, workers=1, on_start=lambda stage, total, left: again.append(left))
    assert again == [0, 0]
    assert values(tmp_path / "fresh_calibrated.yaml") == values(tmp_path / "resumed_calibrated.yaml")

    # another seed samples other values
    other = run_calibration(write_calibration(tmp_path, "other", seed=2), workers=1)
    assert not np.allclose(other.samples["volunteers.dropout_rate"], first.samples["volunteers.dropout_rate"])


def test_cli_writes_the_fragment_with_its_provenance(tmp_path) -> None:
    path = write_calibration(tmp_path, "cli")
    result = CliRunner().invoke(app, ["calibrate", str(path), "--workers", "1", "--report", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert "posterior: 2 of 4 samples accepted" in result.output and "effective sample size 2.0" in result.output
    particles = pd.read_csv(tmp_path / "cli_calibrated_particles.csv")
    assert list(particles.columns) == ["volunteers.dropout_rate", "weight", "distance"]
    assert particles["weight"].tolist() == [0.5, 0.5]                  # rejection ABC: equal weights
    assert sorted(p.name for p in (tmp_path / "report").iterdir() if p.name != ".msosim-output") == ["posterior.csv", "posterior.png", "samples.csv"]
    samples = pd.read_csv(tmp_path / "report" / "samples.csv")
    assert len(samples) == 4 and samples["accepted"].sum() == 2 and {"turnover", "stock", "distance"} <= set(samples)
    data = yaml.safe_load((tmp_path / "cli_calibrated.yaml").read_text(encoding="utf-8"))
    meta = data["metadata"]["calibration"]
    assert set(data) == {"metadata", "volunteers"}
    assert 0.1 <= data["volunteers"]["dropout_rate"] <= 0.5
    assert meta["command"] == f"msosim calibrate {path}"
    assert (meta["samples"], meta["accepted"], meta["replications"], meta["seed"], meta["runs"]) == (4, 2, 1, 1, 10)
    assert len(meta["experiment_sha256"]) == 64 and meta["date"].startswith("20") and meta["git_commit"]
    assert meta["distance"] >= 0 and set(meta["targets"]) == {"turnover", "stock"}
    assert set(meta["posterior"]["volunteers.dropout_rate"]) == {"prior", "mean", "median", "q05", "q95"}


def test_smc_weights_the_last_generation_shrinks_the_tolerance_and_writes_the_weighted_particles(tmp_path) -> None:
    path = write_calibration(tmp_path, "smc", method="smc", generations=2, n=6, accept=0.34,
                             parameters={"volunteers.dropout_rate": {"min": 0.1, "max": 0.9}})
    result = run_calibration(path, workers=1)
    first, second = result.generations
    assert (first["samples"], first["accepted"], first["ess"]) == (6, 2, pytest.approx(2.0))
    assert second["samples"] == 6 and second["accepted"] >= 2 and second["kernel_sd"]["volunteers.dropout_rate"] > 0
    assert second["tolerance"] <= first["tolerance"] or second["accepted"] == 2   # median of the last, or the closest 2
    samples = result.samples
    assert samples["volunteers.dropout_rate"].between(0.1, 0.9).all() and len(samples) == 6
    kept = samples[samples["accepted"]]
    assert kept["weight"].sum() == pytest.approx(1.0) and (samples.loc[~samples["accepted"], "weight"] == 0).all()
    assert 1.0 <= result.ess <= len(kept) and result.ess == pytest.approx(1 / (kept["weight"] ** 2).sum())
    assert result.runs == 2 * 6 * 2 + 2
    post = result.posterior.iloc[0]
    assert post["mean"] == pytest.approx(float(kept["weight"] @ kept["volunteers.dropout_rate"]))
    particles = pd.read_csv(tmp_path / "smc_calibrated_particles.csv")
    assert list(particles.columns) == ["volunteers.dropout_rate", "weight", "distance"]
    assert particles["weight"].sum() == pytest.approx(1.0) and len(particles) == len(kept)
    meta = yaml.safe_load((tmp_path / "smc_calibrated.yaml").read_text(encoding="utf-8"))["metadata"]["calibration"]
    assert [g["samples"] for g in meta["generations"]] == [6, 6] and "ABC-SMC in 2 generations" in meta["method"]
    assert meta["particles"] == "smc_calibrated_particles.csv" and meta["effective_sample_size"] > 0

    # resumed from the store: the same proposals, nothing run again, the same particles into a fresh sibling file
    todo = []
    again = run_calibration(path, workers=1, on_start=lambda stage, total, left: todo.append(left))
    assert todo == [0, 0, 0] and again.output.name == "smc_calibrated-1.yaml"
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "smc_calibrated-1_particles.csv"), particles)


# -- bad files ---------------------------------------------------------------------------------------

BAD = [
    ({"sampler": "halton"}, "sampler"),
    ({"colour": "red"}, "colour"),
    ({"accept": 1.5}, "accept"),
    ({"parameters": {"volunteers.dropout": {"min": 0.1, "max": 0.5}}}, "parameters.volunteers.dropout"),
    ({"parameters": {"volunteers.dropout_rate": {"min": 0.5, "max": 0.1}}}, "parameters.volunteers.dropout_rate.max"),
    ({"parameters": {"volunteers.dropout_rate": {"min": 0.1, "max": 1.5}}}, "parameters.volunteers.dropout_rate.max"),
    ({"targets": {"t": {"metric": "happiness", "low": 0, "high": 1}}}, "targets.t.metric"),
    ({"targets": {"t": {"metric": "alive_min", "variant": "stormy", "low": 0, "high": 1}}}, "targets.t.variant"),
    ({"targets": {"t": {"metric": "alive_min", "low": 2, "high": 1}}}, "targets.t.high"),
    ({"targets": {"t": {"metric": "alive_min", "low": 0, "high": 1, "value": 3}}}, "targets.t.value"),
    ({"variants": {"calm": {"events": "none"}}}, "variants.calm"),
    ({"variants": {"calm": {"volunteers.dropout_rate": 0.2}}}, "variants.calm.volunteers.dropout_rate"),
    ({"fixed": {"volunteers.dropout_rate": 0.2}}, "fixed.volunteers.dropout_rate"),
    ({"generations": 3}, "generations"),
]


@pytest.mark.parametrize("fields, key", BAD, ids=[key for _, key in BAD])
def test_bad_file_gets_one_line_exit_2_and_writes_nothing(tmp_path, fields, key) -> None:
    path = write_calibration(tmp_path, "bad", **fields)
    result = CliRunner().invoke(app, ["calibrate", str(path), "--workers", "1"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert str(path) in lines[0] and f"'{key}'" in lines[0] and "allowed" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_into_never_replaces_a_particles_file_msosim_did_not_write(tmp_path) -> None:
    path = write_calibration(tmp_path, "foreign")
    foreign = tmp_path / "mine_particles.csv"
    foreign.write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["calibrate", str(path), "--workers", "1", "--into", str(tmp_path / "mine.yaml")])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert "mine_particles.csv" in result.output and "allowed" in result.output
    assert foreign.read_text(encoding="utf-8") == "a,b\n1,2\n" and not (tmp_path / "mine.yaml").exists()
    assert not (tmp_path / "foreign.duckdb").exists()                  # refused before any run


def test_an_output_setting_keys_the_calibration_does_not_vary_is_refused(tmp_path) -> None:
    out = tmp_path / "stale_calibrated.yaml"
    out.write_text("volunteers: {dropout_rate: 0.3}\nfounding_rate: 0.02\n", encoding="utf-8")
    with pytest.raises(ExperimentError, match="key 'output'.*founding_rate"):
        plan(write_calibration(tmp_path, "stale"))


# -- the calibrated baseline -------------------------------------------------------------------

def test_baseline_takes_the_calibrated_values_and_drops_their_metadata() -> None:
    calibrated = ROOT / "data" / "calibrated.yaml"
    data = yaml.safe_load(calibrated.read_text(encoding="utf-8"))
    assert "calibration" in data.pop("metadata")
    baseline = load_scenario(SCENARIOS / "baseline.yaml").model_dump()
    district = load_scenario(SCENARIOS / "district.yaml").model_dump()
    leaves = []

    def walk(node: dict, prefix: tuple) -> None:
        for key, value in node.items():
            walk(value, (*prefix, key)) if isinstance(value, dict) else leaves.append(((*prefix, key), value))

    walk(data, ())
    assert len(leaves) >= 4
    for keys, value in leaves:
        for resolved in (baseline, district):
            node = resolved
            for key in keys:
                node = node[key]
            assert node == pytest.approx(value), keys
    plan_keys = set(plan(ROOT / "experiments" / "calibrate_baseline.yaml").names)
    assert {".".join(keys) for keys, _ in leaves} == plan_keys


def test_every_shipped_scenario_still_loads() -> None:
    for path in sorted(SCENARIOS.glob("*.yaml")):
        assert load_scenario(path).name == path.stem


def test_sampled_scenarios_keep_the_default_funders_besides_the_calibrated_budget() -> None:
    """The calibrated fragment names one funder; the others still come from the defaults (as load_scenario reads it)."""
    from msosim import Scenario

    sampled = plan(ROOT / "experiments" / "calibrate_baseline.yaml")
    baseline = load_scenario(SCENARIOS / "baseline.yaml")
    budgets = set()
    for text in sampled.samples.scenario_json[:5]:
        scenario = Scenario.model_validate_json(text)
        assert list(scenario.funders) == list(baseline.funders)
        assert scenario.funders["federal_projects"] == baseline.funders["federal_projects"]
        budgets.add(scenario.funders["land_programmes"].budget)
    assert len(budgets) == 5


@pytest.mark.slow
def test_sigkill_midway_then_rerun_equals_an_uninterrupted_calibration(tmp_path) -> None:
    import signal
    import subprocess

    from .test_compare import _msosim, _signal_after, _start

    path = write_calibration(tmp_path, "killed", n=20, variants={"baseline": {}},
                             targets={"stock": {"metric": "alive_min", "low": 12400, "high": 14300, "value": 13350}})
    command = [*_msosim(), "calibrate", str(path), "--workers", "2"]
    process = _start(command)
    _, stderr = _signal_after(process, 6, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    assert not (tmp_path / "killed_calibrated.yaml").exists()
    with Store.open(tmp_path / "killed.duckdb") as store:
        stored = len(store.runs())
    assert 6 <= stored < 20
    rerun = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{stored} already in" in rerun.stderr
    with Store.open(tmp_path / "killed.duckdb") as store:
        total, distinct = store.con.execute(
            "SELECT count(*), count(DISTINCT (scenario_hash, seed, years)) FROM runs").fetchall()[0]
    assert total == distinct == 21
    reference = write_calibration(tmp_path, "reference", n=20, variants={"baseline": {}},
                                  targets={"stock": {"metric": "alive_min", "low": 12400, "high": 14300, "value": 13350}})
    run_calibration(reference, workers=1)
    assert values(tmp_path / "killed_calibrated.yaml") == values(tmp_path / "reference_calibrated.yaml")
