"""Pattern-oriented validation of the baseline: the patterns of CALIBRATION.md and directions from the literature.

`run_validation()` runs the baseline and the counterfactual variants the checks need (same seeds in
every variant: replication i uses seed base_seed + i), measures each run (`run_metrics`, built on
`msosim.analysis`), and evaluates every check (`evaluate`): a per-replication value, its mean and
95% t-interval over replications, and PASS when the whole interval meets the target (inside a
band, or strictly on the expected side of a direction). A check that cannot be measured (a window
outside the run, one district only) is N/A. Each check's `method` says exactly what is computed;
the report (`msosim.reporting.validation.write_report`) repeats it under its figure.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import analysis, grant_calls, longrun
from .application_metrics import application_metrics
from ..api import run
from ..population import read_data
from ..state import FIELDS
from . import batch
from .batch import RunSpec
from .checks import HAZARD_BANDS, YOUNG_YEARS, evaluate
from ..scenario import Pandemic, RefugeeSurge, Scenario, load_scenario, with_overrides

ROLES: dict[str, str] = {
    "baseline": "the baseline scenario as it is",
    "calm": "the baseline without events (events: [])",
    "institutional": "the institutional scenario (core funding instead of projects)",
    "no_surge": "the baseline without the refugee surge",
    "no_pandemic": "the baseline without the pandemic",
    "lottery": "the baseline with every funder selecting by lottery",
    "from_tables": "the baseline started from today's tables, not from a spin-up (population.initial: tables)",
    "long_calm": "the calm baseline run for the long-run years (default 50) with fewer replications (default 5)",
}
LONG_YEARS = 50.0       # the long calm run: years (checks 7a-7g) ...
LONG_REPS = 5           # ... and replications (with 2 the drift check's t-interval was too wide to pass)
WARMUP_YEARS = 3.0      # initial project grants from past calls run out within 3 years (longest project)
SERIES = ("step", "year", "alive", "staff_fte", "funding_gini", "mean_trust", "mean_burnout", "median_reserves",
          "service_coverage")
LONG_ROLE = "long_calm"


@dataclass(frozen=True)
class Windows:
    """Calendar windows (from, to) the checks read, taken from the baseline's events; None if it has none."""

    after_surge: tuple[float, float] | None
    pandemic: tuple[float, float] | None


@dataclass(frozen=True)
class Plan:
    """The scenarios by role, replications, run length, base seed and windows of one validation."""

    scenarios: dict[str, Scenario]
    reps: int
    years: float
    base_seed: int
    windows: Windows
    long_years: float = LONG_YEARS
    long_reps: int = LONG_REPS

    def jobs(self) -> list[tuple[RunSpec, str, Windows]]:
        """One job per replication and role, replication-major (a partial batch stays balanced); the long calm run
        only in the first `long_reps` replications, for `long_years`."""
        return [(RunSpec(s.model_dump_json(), s.content_hash(), s.name, self.base_seed + rep,
                         float(self.long_years if role == LONG_ROLE else self.years)), role, self.windows)
                for rep in range(self.reps) for role, s in self.scenarios.items()
                if role != LONG_ROLE or rep < self.long_reps]


def windows_of(baseline: Scenario) -> Windows:
    """After the surge: its last arrival year to two years later; pandemic: its span plus the volunteer grace period."""
    surge = next((e for e in baseline.events if isinstance(e, RefugeeSurge)), None)
    pandemic = next((e for e in baseline.events if isinstance(e, Pandemic)), None)
    after = None if surge is None else (surge.start + len(surge.newcomers), surge.start + len(surge.newcomers) + 2.0)
    grace = baseline.volunteer_grace_months / 12.0
    hit = None if pandemic is None else (pandemic.start, pandemic.start + pandemic.duration_years + grace)
    return Windows(after, hit)


def build_plan(baseline: str | Path = "scenarios/baseline.yaml", institutional: str | Path = "scenarios/institutional.yaml",
               *, reps: int = 10, years: float = 10.0, scale: str | None = None, base_seed: int = 1,
               long_years: float = LONG_YEARS, long_reps: int = LONG_REPS) -> Plan:
    """Load the baseline and institutional files (at `scale` if given) and derive the other variants (the long
    calm run only when `long_years` and `long_reps` are positive)."""
    overrides = {} if scale is None else {"population.scale": scale}
    base = load_scenario(baseline, overrides)
    events = [event.model_dump() for event in base.events]

    def variant(name: str, changes: dict) -> Scenario:
        return with_overrides(base, {"name": name, **changes})

    scenarios = {
        "baseline": base,
        "calm": variant("calm", {"events": []}),
        "institutional": load_scenario(institutional, {**overrides, "name": "institutional"}),
        "no_surge": variant("no_surge", {"events": [e for e in events if e["kind"] != "refugee_surge"]}),
        "no_pandemic": variant("no_pandemic", {"events": [e for e in events if e["kind"] != "pandemic"]}),
        "lottery": variant("lottery", {f"funders.{name}.selection": "lottery" for name in base.funders}),
        "from_tables": variant("from_tables", {"population.initial": "tables"}),
    }
    if long_years > 0 and long_reps > 0:
        scenarios[LONG_ROLE] = variant(LONG_ROLE, {"events": []})
    return Plan(scenarios, reps, float(years), base_seed, windows_of(base), float(long_years), min(long_reps, reps))


# -- measuring one run -----------------------------------------------------------------------------

@dataclass
class Measured:
    """What a worker sends back: the run's role and seed, its scalar metrics and a few monthly series."""

    role: str
    seed: int
    metrics: dict[str, float]
    series: pd.DataFrame
    wall_seconds: float = 0.0


def measure_one(job: tuple[RunSpec, str, Windows]) -> Measured:
    """The worker function: run one replication and measure it (no file is touched)."""
    spec, role, windows = job
    scenario = Scenario.model_validate_json(spec.scenario_json)
    started = time.perf_counter()
    tables = run(scenario, seed=spec.seed, years=spec.years)
    metrics = run_metrics(tables, scenario, windows)
    metrics.update(longrun.run_metrics(tables, scenario.steps_per_year, long_run=role == LONG_ROLE))
    model = tables["model"]
    alive = model["alive"].clip(lower=1)
    series = model[list(SERIES)].assign(coop_share=model["coop_municipality"] / alive,
                                        alive_national=model["alive"] * metrics["national_factor"],
                                        volunteers_per_mso=model["volunteers"] / alive,
                                        volunteer_only_share=model["alive_volunteer_only"] / alive)
    return Measured(role, spec.seed, metrics, series, time.perf_counter() - started)


def run_metrics(tables: dict[str, pd.DataFrame], scenario: Scenario, windows: Windows,
                migrants: np.ndarray | None = None) -> dict[str, float]:
    """Every scalar the checks read, from the tables of one run (NaN where a quantity is not defined)."""
    migrants = analysis.scenario_migrants(scenario) if migrants is None else migrants
    out = stock_metrics(tables["model"], scenario)
    out.update(_field_metrics(tables["msos"]))
    out.update(_hazard_metrics(tables, windows, migrants))
    out.update(staff_metrics(tables["model"], analysis.clock(tables)))
    out.update(_funding_metrics(tables, out))
    out.update(_window_means(tables["model"], windows.after_surge, "after_surge"))
    out.update(application_metrics(tables))
    return out


def stock_metrics(model: pd.DataFrame, scenario: Scenario) -> dict[str, float]:
    """The national stock of active MSOs over the run (minimum, maximum), the factor that scales this run to it, and
    the stock at the end over the start (alive_end_relative)."""
    alive = model["alive"].to_numpy(dtype=float)
    factor = scenario.population.n_msos / max(alive[0], 1.0)
    return {"national_factor": factor, "alive_min": float(alive.min()) * factor, "alive_max": float(alive.max()) * factor,
            "alive_end_relative": float(alive[-1] / max(alive[0], 1.0))}


def _field_metrics(msos: pd.DataFrame) -> dict[str, float]:
    start = msos[msos["snapshot"] == "start"]
    target = analysis_targets()
    shares = {name: float(start[f"fields_{i}"].mean()) for i, name in enumerate(FIELDS)}
    out = {f"field_share_{name}": share for name, share in shares.items()}
    out["fields_max_dev_pp"] = max(abs(shares[name] - target[name]) for name in FIELDS) * 100.0
    return out


def _hazard_metrics(tables: dict[str, pd.DataFrame], windows: Windows, migrants: np.ndarray) -> dict[str, float]:
    table = analysis.dissolution_hazard(tables, by=("age_band", "type"), age_bands=HAZARD_BANDS)
    labels = analysis.band_labels(HAZARD_BANDS)
    young = labels[: HAZARD_BANDS.index(YOUNG_YEARS)]

    def rate(rows: pd.DataFrame) -> float:
        years = rows["mso_years"].sum() if len(rows) else 0.0
        return float(rows["dissolutions"].sum() / years) if years > 0 else np.nan

    out = {"dissolution_rate": rate(table), "hazard_young": rate(table[table["age_band"].isin(young)]),
           "hazard_old": rate(table[~table["age_band"].isin(young)])}
    for kind in ("staffed", "volunteer_only"):
        out[f"hazard_{kind}"] = rate(table[table["type"] == kind])
        out[f"mso_years_{kind}"] = float(table.loc[table["type"] == kind, "mso_years"].sum())
        for band in labels:
            out[f"hazard_{band}_{kind}"] = rate(table[(table["type"] == kind) & (table["age_band"] == band)])
    for band in labels:
        out[f"hazard_{band}"] = rate(table[table["age_band"] == band])
    for kind in ("staffed", "volunteer_only"):
        out[f"hazard_pandemic_{kind}"] = np.nan
    if windows.pandemic is not None:
        during = analysis.dissolution_hazard(tables, by=("type",), window=windows.pandemic)
        for kind in ("staffed", "volunteer_only"):
            out[f"hazard_pandemic_{kind}"] = rate(during[during["type"] == kind])
    density = (analysis.dissolution_hazard(tables, by=("density_band",), migrants=migrants)
               if len(migrants) >= len(analysis.DENSITY_LABELS) else pd.DataFrame(columns=["density_band", "mso_years"]))
    for band in analysis.DENSITY_LABELS:
        out[f"hazard_density_{band}"] = rate(density[density["density_band"] == band])
    return out


def staff_metrics(model: pd.DataFrame, clock: analysis.Clock) -> dict[str, float]:
    """Yearly staff drop share: per calendar year after the warm-up, the month-to-month decreases of paid
    staff summed over the year, over the year's mean staff; the mean over those years."""
    spy, years = clock.steps_per_year, clock.horizon // clock.steps_per_year
    staff = model.set_index("step")["staff_fte"].reindex(range(clock.horizon + 1)).to_numpy(dtype=float)
    drops = np.maximum(staff[:-1] - staff[1:], 0.0)  # drops[k - 1]: the fall during step k
    first = int(min(WARMUP_YEARS, max(years - 1, 0)))
    shares = [drops[j * spy:(j + 1) * spy].sum() / max(staff[j * spy + 1:(j + 1) * spy + 1].mean(), 1e-9)
              for j in range(first, years)]
    return {"staff_drop_share": float(np.mean(shares)) if shares else np.nan}


def _funding_metrics(tables: dict[str, pd.DataFrame], hazard: dict[str, float]) -> dict[str, float]:
    model, clock = tables["model"], analysis.clock(tables)
    rates = grant_calls.award_rates(tables, by=("type", "federation"))

    def rate(rows: pd.DataFrame) -> float:
        return float(rows["awards"].sum() / rows["applications"].sum()) if rows["applications"].sum() else np.nan

    money = rates["amount_awarded"].sum()
    exposure = hazard["mso_years_staffed"] + hazard["mso_years_volunteer_only"]
    money_share = rates.loc[rates["type"] == "staffed", "amount_awarded"].sum() / money if money > 0 else np.nan
    exposure_share = hazard["mso_years_staffed"] / exposure if exposure > 0 else np.nan
    gini = model.loc[model["step"] > clock.steps_per_year, "funding_gini"]
    out = {"award_rate_staffed": rate(rates[rates["type"] == "staffed"]),
           "award_rate_volunteer_only": rate(rates[rates["type"] == "volunteer_only"]),
           "award_rate_federation": rate(rates[rates["federation"]]),
           "award_rate_non_federation": rate(rates[~rates["federation"]]),
           "staffed_money_share": money_share, "staffed_exposure_share": exposure_share,
           "staffed_money_concentration": money_share / exposure_share if exposure_share else np.nan,
           "gini_first": float(gini.iloc[0]) if gini.size else np.nan,
           "gini_last": float(gini.iloc[-1]) if gini.size else np.nan}
    out["gini_change"] = out["gini_last"] - out["gini_first"]
    return out


def _window_means(model: pd.DataFrame, window: tuple[float, float] | None, name: str) -> dict[str, float]:
    """Mean share of living MSOs cooperating with their municipality and mean trust over a calendar window."""
    rows = model.iloc[0:0] if window is None else model[(model["step"] > 0) & (model["year"] >= window[0])
                                                        & (model["year"] < window[1])]
    if rows.empty:
        return {f"coop_share_{name}": np.nan, f"trust_{name}": np.nan}
    return {f"coop_share_{name}": float((rows["coop_municipality"] / rows["alive"].clip(lower=1)).mean()),
            f"trust_{name}": float(rows["mean_trust"].mean())}


# -- running -------------------------------------------------------------------------------------

@dataclass
class Validation:
    """A finished validation: its plan, every run's metrics (tidy), monthly series and the evaluated checks."""

    plan: Plan
    metrics: pd.DataFrame
    series: pd.DataFrame
    checks: pd.DataFrame
    wall_seconds: float

    @property
    def passed(self) -> bool:
        """True when every check passes (N/A counts as not passing)."""
        return bool((self.checks["status"] == "PASS").all())


def execute(jobs: list[tuple[RunSpec, str, Windows]], workers: int, on_result: Callable[[Measured], None]) -> None:
    """Measure the jobs through batch.execute (same pool, same clean stop on Ctrl-C or a failed run)."""
    batch.execute(jobs, workers, on_result, worker=measure_one, spec_of=lambda job: job[0])


def run_validation(reps: int = 10, *, years: float = 10.0, scale: str | None = None, workers: int | None = None,
             base_seed: int = 1, baseline: str | Path = "scenarios/baseline.yaml",
             institutional: str | Path = "scenarios/institutional.yaml", long_years: float = LONG_YEARS,
             long_reps: int = LONG_REPS,
             on_result: Callable[[Measured], None] | None = None) -> Validation:
    """Run the baseline and its variants `reps` times each (common seeds; the long calm run `long_reps` times)
    and evaluate every check."""
    plan = build_plan(baseline, institutional, reps=reps, years=years, scale=scale, base_seed=base_seed,
                      long_years=long_years, long_reps=long_reps)
    return run_plan(plan, workers=workers, on_result=on_result)


def run_plan(plan: Plan, *, workers: int | None = None, on_result: Callable[[Measured], None] | None = None) -> Validation:
    """Measure every job of a plan and evaluate the checks."""
    started = time.perf_counter()
    results: list[Measured] = []

    def keep(result: Measured) -> None:
        results.append(result)
        if on_result is not None:
            on_result(result)

    execute(plan.jobs(), (os.cpu_count() or 1) if workers is None else workers, keep)
    results.sort(key=lambda r: (r.seed, list(plan.scenarios).index(r.role)))
    metrics = pd.DataFrame([{"role": r.role, "seed": r.seed, "metric": k, "value": v}
                            for r in results for k, v in r.metrics.items()])
    series = pd.concat([r.series.assign(role=r.role, seed=r.seed) for r in results], ignore_index=True)
    return Validation(plan, metrics, series, evaluate(metrics), time.perf_counter() - started)


def analysis_targets() -> dict[str, float]:
    """The SVR activity-field shares (data/activity_fields.csv)."""
    return read_data("activity_fields.csv").set_index("field")["share"].to_dict()
