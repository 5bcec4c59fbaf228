"""Calibration: fit uncertain priors to the patterns by ABC (rejection or ABC-SMC) on SALib samples, through the sweeps.

A calibration file (experiments/calibrate_baseline.yaml) names a base scenario, fixed overrides,
variants (e.g. a calm decade: `events: []`), the uncertain parameters with uniform prior ranges,
targets (a metric of one variant, the band [low, high] of a pattern, optionally a point value), a
sampler (SALib latin or sobol), the sample size, replications (replication r of every sample uses
seed + r: common random numbers), the accepted quantile and a seed. `run_calibration()` runs every
sample in every variant through the sweep executors into a results store (an interrupted
calibration resumes), computes each sample's distance, accepts the closest quantile (rejection
ABC, Pritchard et al. 1999); `method: smc` continues for `generations` of ABC-SMC with importance
weights (`abc_smc`: each generation's proposals come from the previous weighted population, seeded,
so a resumed calibration proposes the same points). The weighted posterior median is the fitted
value; it is run again to measure the distance it achieves. Written: data/calibrated.yaml (the
fitted values as a scenario fragment, provenance under `metadata:`, dropped when a scenario file is
read) and data/calibrated_particles.csv (the posterior: one row per particle, its applied parameter
values, weight and distance).

Distance: the weighted root mean square over targets of the scaled errors e_k, where y_k is the
target metric's mean over replications and w_k its weight:
    e_k = |y_k - value_k| / (high_k - low_k)                  with a point value,
    e_k = max(low_k - y_k, y_k - high_k, 0) / (high_k - low_k)  for a band only,
    d = sqrt(sum_k w_k e_k^2 / sum_k w_k).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from . import analysis, grant_calls
from ..api import run, run_outcomes
from .batch import RunResult, RunSpec, lifetimes, provenance
from .calibration_file import Calibration, load_calibration
from .design import Design, design, point_scenarios
from .experiment import BaseFile, Experiment, ParameterSpec, error, error_tail, outcome_names
from ..outputs import write_file
from ..scenario import Scenario, ScenarioError, read_yaml, set_dotted
from .executors import executor
from . import abc_smc
from .particles import check_replace, free_output, particles_path, write_particles
from .rejection import distance, fitted_values, posterior, scaled_errors, target_means
from .sensitivity import sweep_results
from .store import Store
from .sweep import run_design
from .application_metrics import application_shares
from .checks import YOUNG_YEARS
from .validate import staff_metrics, stock_metrics

MODEL = "msosim_calibrate"  # the model label of calibration sweeps in the store (msosim plus CALIBRATION_METRICS)
CALIBRATION_METRICS = ("alive_min", "alive_max", "alive_end_relative", "hazard_all", "hazard_young", "hazard_old",
                       "volunteer_only_share_start", "volunteer_only_share_end", "staff_drop_share",
                       "award_rate_staffed", "award_rate_volunteer_only", "award_rate_gap", "applied_within_5_years",
                       "applying_share_per_year")
DISTANCE = ("weighted root mean square over targets of e = |y - value| / (high - low) (point targets) or the "
            "distance of y outside [low, high] / (high - low) (band targets); y = mean over replications")


# -- the plan: samples x variants -----------------------------------------------------------------

@dataclasses.dataclass
class Plan:
    """A checked calibration: the sampled design over every variant, and what is needed to run the fitted point."""

    calibration: Calibration
    path: Path
    source: str
    samples: Design          # points: variant-major, sample i of variant v is point v * size + i
    size: int                # samples per variant
    base: BaseFile
    sweep: Experiment
    digest: str              # sha256 of the calibration file as it was read

    @property
    def variants(self) -> list[str]:
        return list(self.calibration.variants)

    def at(self, applied: dict[str, Any], tag: str) -> Design:
        """A design holding one point (applied values) in every variant: the fitted point's runs."""
        return _over_variants(self, self.samples, [applied], np.asarray([[float(applied[k]) for k in self.names]]), tag)

    @property
    def names(self) -> list[str]:
        return self.samples.names


def _sweep_experiment(c: Calibration) -> Experiment:
    return Experiment(name=c.name, description=c.description, scenario=c.scenario, fixed=c.fixed,
                      parameters={k: ParameterSpec(min=p.min, max=p.max) for k, p in c.parameters.items()},
                      sampler=c.sampler, n=c.n, options=c.options, replications=c.replications, years=c.years,
                      seed=c.seed, outcomes=["alive_end"], store=c.store)


def _over_variants(plan: Plan, base: Design, applied: list[dict], X: np.ndarray, tag: str) -> Design:
    """`applied` points run in every variant (variant-major), as one design with its own id."""
    texts, hashes = [], []
    for variant, overrides in plan.calibration.variants.items():
        e = plan.sweep.model_copy(update={"name": f"{plan.calibration.name}.{variant}{tag}",
                                          "fixed": {**plan.calibration.fixed, **overrides}})
        t, h = point_scenarios(e, plan.base, applied, plan.source)
        texts += t
        hashes += h
    count = len(plan.calibration.variants)
    identity = json.dumps({"hashes": hashes, "replications": plan.calibration.replications, "seed": plan.calibration.seed,
                           "years": base.years, "model": MODEL}, sort_keys=True)
    sweep_id = hashlib.sha256(identity.encode()).hexdigest()[:12]
    return dataclasses.replace(base, sweep_id=sweep_id, X=np.tile(X, (count, 1)), applied=applied * count,
                               scenario_json=texts, hashes=hashes)


def _check(c: Calibration, path: Path, source: str) -> None:
    """Variants, targets and the output file against the schema and the metrics."""
    base = BaseFile(path.parent / c.scenario)
    for variant, overrides in c.variants.items():
        if not variant.replace("_", "").isalnum():
            raise error(source, f"variants.{variant}", variant, "a name of letters, digits and _")
        clash = [k for k in overrides if k in c.parameters]
        if clash:
            raise error(source, f"variants.{variant}.{clash[0]}", overrides[clash[0]], "a key that is not calibrated")
        try:
            base.with_overrides({**c.fixed, **overrides})
        except ScenarioError as exc:
            raise error(source, f"variants.{variant}", overrides, f"overrides that fit the scenario ({error_tail(exc)})") from None
    clash = [k for k in c.fixed if k in c.parameters]
    if clash:
        raise error(source, f"fixed.{clash[0]}", c.fixed[clash[0]], "a key that is not calibrated (it is in parameters)")
    known = (*CALIBRATION_METRICS, *outcome_names("msosim"))
    for tid, t in c.targets.items():
        where = f"targets.{tid}"
        if t.metric not in known:
            raise error(source, f"{where}.metric", t.metric, "one of " + ", ".join(known))
        if t.variant not in c.variants:
            raise error(source, f"{where}.variant", t.variant, "a variant: " + ", ".join(c.variants))
        if not t.high > t.low:
            raise error(source, f"{where}.high", t.high, f"greater than low ({t.low:g})")
        if t.value is not None and not t.low <= t.value <= t.high:
            raise error(source, f"{where}.value", t.value, f"within [low, high] = [{t.low:g}, {t.high:g}]")
    if c.method == "rejection" and c.generations != 1:
        raise error(source, "generations", c.generations, "1 for method rejection (or method smc)")
    _check_output(c, source)


def _check_output(c: Calibration, source: str) -> None:
    """The output must be a file; an existing one may set only calibrated keys (else the baseline keeps stale values)."""
    out = Path(c.output)
    if out.is_dir():
        raise error(source, "output", c.output, "a file path (it is a folder)")
    if not out.is_file():
        return
    try:
        data = read_yaml(out.resolve(), ())
    except ScenarioError as exc:
        raise error(source, "output", c.output, f"a calibrated fragment or no file ({exc})") from None
    stale = [k for k in _flat(data) if k not in c.parameters]
    if stale:
        raise error(source, "output", c.output, f"a file setting only calibrated keys; it sets {stale[0]}, which "
                    "this calibration does not vary (add it to parameters, or delete the file)")


def _flat(data: dict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in data.items():
        if isinstance(value, dict) and value:
            keys += _flat(value, f"{prefix}{key}.")
        else:
            keys.append(f"{prefix}{key}")
    return keys


def plan(path: str | Path) -> Plan:
    """Load and check a calibration file and build its sampled design over every variant."""
    c, resolved = load_calibration(path)
    digest = hashlib.sha256(resolved.read_bytes()).hexdigest()
    source = str(path)
    sweep = _sweep_experiment(c)
    sampled = design(sweep, resolved)   # checks base, fixed, parameter keys and bounds, sampler and n
    _check(c, resolved, source)
    p = Plan(c, resolved, source, sampled, len(sampled.hashes), BaseFile(resolved.parent / c.scenario), sweep, digest)
    p.samples = _over_variants(p, sampled, sampled.applied, sampled.X, "")
    return p


# -- the worker side -------------------------------------------------------------------------------

def calibration_metrics(tables: dict[str, pd.DataFrame], scenario: Scenario) -> dict[str, float]:
    """The metrics targets read besides `run_outcomes`: stock range and end over start, hazards by age, volunteer-only
    share, staff drops, award rates by type at the call (pooled over calls, as validate's L3a), the shares applying
    (as validate's A1/A2)."""
    model = tables["model"]
    out = {k: v for k, v in stock_metrics(model, scenario).items() if k in CALIBRATION_METRICS}
    table = analysis.dissolution_hazard(tables, by=("age_band",), age_bands=(0.0, YOUNG_YEARS, np.inf))

    def rate(rows: pd.DataFrame) -> float:
        years = float(rows["mso_years"].sum())
        return float(rows["dissolutions"].sum() / years) if years > 0 else np.nan

    young = analysis.band_labels((0.0, YOUNG_YEARS, np.inf))[0]
    out.update(hazard_all=rate(table), hazard_young=rate(table[table["age_band"] == young]),
               hazard_old=rate(table[table["age_band"] != young]))
    share = (model["alive_volunteer_only"] / model["alive"].clip(lower=1)).to_numpy(dtype=float)
    out["volunteer_only_share_start"] = float(share[0])
    out["volunteer_only_share_end"] = float(share[1:][-scenario.steps_per_year:].mean())
    out.update(staff_metrics(model, analysis.clock(tables)))
    rates = grant_calls.award_rates(tables, by=("type",)).set_index("type")["award_rate"]
    for kind in ("staffed", "volunteer_only"):
        out[f"award_rate_{kind}"] = float(rates.get(kind, np.nan))
    out["award_rate_gap"] = out["award_rate_staffed"] - out["award_rate_volunteer_only"]  # as validate's L3a
    out.update(application_shares(tables))  # as validate's A1 and A2
    return out


def run_calibration_one(spec: RunSpec) -> RunResult:
    """One run with the calibration metrics added to its outcomes (no file is touched)."""
    scenario = Scenario.model_validate_json(spec.scenario_json)
    if scenario.content_hash() != spec.scenario_hash:
        raise RuntimeError(f"scenario '{spec.scenario_name}' does not survive its JSON round trip (hash changed)")
    started = time.perf_counter()
    tables = run(scenario, seed=spec.seed, years=spec.years)
    outcomes = {**run_outcomes(tables["model"], scenario.steps_per_year), **calibration_metrics(tables, scenario)}
    return RunResult(spec, scenario.steps_per_year, outcomes, tables["model"], lifetimes(tables["msos"]),
                     time.perf_counter() - started)


# -- running ---------------------------------------------------------------------------------------

@dataclasses.dataclass
class Result:
    """A finished calibration: the last generation with distances, the weighted particles, posterior and fit."""

    plan: Plan
    samples: pd.DataFrame        # the last generation: design values, target means, distance, accepted, weight
    posterior: pd.DataFrame
    fitted: dict[str, Any]
    fitted_means: dict[str, float]
    fitted_distance: float
    threshold: float
    runs: int
    generations: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # samples, accepted, tolerance, ess
    particles: pd.DataFrame | None = None   # the posterior: applied values of the kept particles, weight, distance
    output: Path | None = None

    @property
    def accepted(self) -> int:
        return int(self.samples["accepted"].sum())

    @property
    def ess(self) -> float:
        return float(self.generations[-1]["ess"])


def _stage(store, design: Design, execute, chunk, on_start, on_stored) -> pd.DataFrame:
    sweep_id = run_design(store, design, execute, size=chunk, on_start=on_start, on_stored=on_stored,
                          run=run_calibration_one)
    return sweep_results(store, sweep_id)


def proposals(p: Plan, X: np.ndarray, generation: int) -> Design:
    """A later generation's proposals (design values X) as a design over every variant."""
    applied = [{v.key: v.applied(float(x)) for v, x in zip(p.samples.varied, row)} for row in X]
    sweep = p.sweep.model_copy(update={"name": f"{p.calibration.name}.g{generation}"})
    return _over_variants(dataclasses.replace(p, sweep=sweep), dataclasses.replace(p.samples, experiment=sweep),
                          applied, X, f".g{generation}")


def prior_box(p: Plan) -> tuple[np.ndarray, np.ndarray]:
    """The uniform priors' lower and upper ends, in the design's parameter order."""
    priors = [p.calibration.parameters[k] for k in p.names]
    return np.array([q.min for q in priors], dtype=float), np.array([q.max for q in priors], dtype=float)


def run_plan(p: Plan, store, execute, *, chunk: int | None = None,
             on_start: Callable[[str, int, int], None] | None = None,
             on_stored: Callable[[list[RunResult]], None] | None = None) -> Result:
    """Run (or resume) each generation's samples (abc_smc), weight the last population, run the fitted point;
    nothing is written but the store."""
    c, targets = p.calibration, p.calibration.targets
    start = (lambda stage: None if on_start is None else (lambda total, todo: on_start(stage, total, todo)))
    count = c.generations if c.method == "smc" else 1
    runs, means = [0], {}

    def simulate(X: np.ndarray, generation: int) -> np.ndarray:
        sampled = p.samples if generation == 0 else proposals(p, X, generation)
        stored = _stage(store, sampled, execute, chunk, start("samples" if count == 1 else f"generation {generation}"),
                        on_stored)
        runs[0] += len(stored)
        means[generation] = target_means(stored, p)
        return distance(scaled_errors(means[generation], targets), targets)

    low, high = prior_box(p)
    done = abc_smc.sample(simulate, p.samples.X[:p.size], low, high, generations=count, accept=c.accept,
                          quantile=c.tolerance_quantile, seed=c.seed)
    last = done[-1]
    table = posterior(p, last.particles, last.weights)
    fitted = fitted_values(p, table)
    fitted_runs = _stage(store, p.at(fitted, ".fitted"), execute, chunk, start("fitted"), on_stored)
    fitted_means = target_means(fitted_runs.assign(point=fitted_runs["point"] * p.size), p).iloc[0]
    fitted_distance = float(distance(scaled_errors(fitted_means.to_frame().T, targets), targets)[0])
    weight = np.zeros(len(last.X))
    weight[last.kept] = last.weights
    samples = (pd.DataFrame(last.X, columns=p.names).join(means[len(done) - 1])
               .assign(distance=last.distance, accepted=weight > 0, weight=weight))
    applied = pd.DataFrame([{v.key: v.applied(float(x)) for v, x in zip(p.samples.varied, row)} for row in last.particles])
    particles = applied.assign(weight=last.weights, distance=last.distance[last.kept])
    generations = [{"samples": len(g.X), "accepted": len(g.kept), "tolerance": g.tolerance, "ess": g.ess,
                    "kernel_sd": dict(zip(p.names, map(float, g.kernel_sd)))} for g in done]
    return Result(p, samples, table, fitted, {k: float(v) for k, v in fitted_means.items()}, fitted_distance,
                  last.tolerance, runs[0] + len(fitted_runs), generations, particles)


def fragment(result: Result, experiment_path: str | Path, origin: dict[str, Any]) -> dict[str, Any]:
    """The calibrated scenario fragment with its provenance (`origin`: batch.provenance() at the start) under `metadata`."""
    c, p = result.plan.calibration, result.plan
    post = {row["parameter"]: {"prior": [row["prior_min"], row["prior_max"]],
                               **{k: float(f"{row[k]:.4g}") for k in ("mean", "median", "q05", "q95")}}
            for _, row in result.posterior.iterrows()}
    targets = {tid: {"variant": t.variant, "metric": t.metric, "band": [t.low, t.high], "value": t.value,
                     "fitted": float(f"{result.fitted_means[tid]:.4g}")} for tid, t in c.targets.items()}
    meta = {"calibration": {
        "command": f"msosim calibrate {experiment_path}", "experiment": str(experiment_path), "experiment_sha256": p.digest,
        "method": (f"rejection ABC on SALib {c.sampler} samples of uniform priors" if c.method == "rejection" else
                   f"ABC-SMC in {c.generations} generations from SALib {c.sampler} samples of uniform priors: importance "
                   f"weights, tolerance the {c.tolerance_quantile:g} quantile of the previous population's distances, "
                   "normal kernel with twice its weighted covariance") + f"; fitted = weighted posterior {c.estimate}",
        "distance_definition": DISTANCE, "distance": float(f"{result.fitted_distance:.4g}"),
        "acceptance_distance": float(f"{result.threshold:.4g}"),
        "best_distance": float(f"{result.samples['distance'].min():.4g}"),
        "samples": p.size, "accepted": result.accepted, "effective_sample_size": float(f"{result.ess:.4g}"),
        "particles": None if result.output is None else particles_path(result.output).name, "generations": [
            {"samples": g["samples"], "accepted": g["accepted"], "tolerance": float(f"{g['tolerance']:.4g}"),
             "effective_sample_size": float(f"{g['ess']:.4g}"),
             "kernel_sd": {k: float(f"{x:.4g}") for k, x in g["kernel_sd"].items()}} for g in result.generations],
        "replications": c.replications, "variants": p.variants,
        "runs": result.runs, "seed": c.seed, "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": origin["git_commit"], "git_dirty": origin["git_dirty"], "msosim_version": origin["msosim_version"],
        "posterior": post, "targets": targets}}
    body: dict[str, Any] = {}
    for key, value in result.fitted.items():
        body = set_dotted(body, key, value)
    return {"metadata": meta, **body}


def write_fragment(data: dict[str, Any], out: Path, *, replace: bool = False) -> None:
    """Write the fragment atomically to a new file (or, with `replace`, over the file the user named with --into)."""
    text = ("# Fitted by `msosim calibrate` (see metadata.calibration.command); do not edit by hand, rerun it.\n"
            "# scenarios/baseline.yaml extends this file; `metadata` is provenance, not a scenario key.\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    write_file(out, text, "--into", allowed=replace)


def run_calibration(path: str | Path, *, workers: int | None = None, dask: str | None = None, scheduler: str | None = None,
              store: str | Path | None = None, out: str | Path | None = None, chunk: int | None = None,
              write: bool = True, into: str | Path | None = None, on_start: Callable[[str, int, int], None] | None = None,
              on_stored: Callable[[list[RunResult]], None] | None = None) -> Result:
    """Run (or resume) a calibration file and write the fitted fragment (default: its `output:`).

    Executors as `run_sweep`: a process pool of `workers` (default all cores), `dask="local"`, or
    `scheduler="tcp://host:8786"`. Runs already in the store are not run again.
    """
    p = plan(path)
    origin = provenance()
    if out is not None or into is not None:
        p.calibration = p.calibration.model_copy(update={"output": str(into or out)})
        _check_output(p.calibration, p.source)
    if into is not None:
        check_replace(Path(into))
    workers = (os.cpu_count() or 1) if workers is None else workers
    location = store or p.calibration.store or Path("results") / f"{p.calibration.name}.duckdb"
    with executor(workers, dask, scheduler) as execute, Store.open(location, create=True) as opened:
        result = run_plan(p, opened, execute, chunk=chunk, on_start=on_start, on_stored=on_stored)
    if write:
        result.output = Path(p.calibration.output) if into is not None else free_output(Path(p.calibration.output))
        write_particles(result.particles, result.output, replace=into is not None)
        write_fragment(fragment(result, path, origin), result.output, replace=into is not None)
    return result
