"""Pattern-oriented validation of the baseline: the patterns of CALIBRATION.md and directions from the literature.

`validate()` runs the baseline and the counterfactual variants the checks need (same seeds in
every variant: replication i uses seed base_seed + i), measures each run (`run_metrics`, built on
`msosim.analysis`), and evaluates every check (`evaluate`): a per-replication value, its mean and
95% t-interval over replications, and PASS when the whole interval meets the target (inside a
band, or strictly on the expected side of a direction). A check that cannot be measured (a window
outside the run, one district only) is N/A. Each check's `method` says exactly what is computed;
the report (`write_report`) repeats it under its figure.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import analysis
from .api import run
from . import batch
from .batch import RunSpec, t_interval
from .outputs import replace_files
from .scenario import Pandemic, RefugeeSurge, Scenario, load_scenario, with_overrides

ROLES: dict[str, str] = {
    "baseline": "the baseline scenario as it is",
    "calm": "the baseline without events (events: [])",
    "institutional": "the institutional scenario (core funding instead of projects)",
    "no_surge": "the baseline without the refugee surge",
    "no_pandemic": "the baseline without the pandemic",
    "lottery": "the baseline with every funder selecting by lottery",
}
WARMUP_YEARS = 3.0      # initial project grants from past calls run out within 3 years (longest project)
YOUNG_YEARS = 5.0       # liability of newness: young = under 5 years old
HAZARD_BANDS = (0.0, 2.0, YOUNG_YEARS, 10.0, 20.0, np.inf)
SERIES = ("step", "year", "alive", "staff_fte", "funding_gini", "mean_trust")


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

    def jobs(self) -> list[tuple[RunSpec, str, Windows]]:
        """One job per replication and role, replication-major (a partial batch stays balanced)."""
        return [(RunSpec(s.model_dump_json(), s.content_hash(), s.name, self.base_seed + rep, float(self.years)),
                 role, self.windows) for rep in range(self.reps) for role, s in self.scenarios.items()]


def windows_of(baseline: Scenario) -> Windows:
    """After the surge: its last arrival year to two years later; pandemic: its span plus the volunteer grace period."""
    surge = next((e for e in baseline.events if isinstance(e, RefugeeSurge)), None)
    pandemic = next((e for e in baseline.events if isinstance(e, Pandemic)), None)
    after = None if surge is None else (surge.start + len(surge.newcomers), surge.start + len(surge.newcomers) + 2.0)
    grace = baseline.volunteer_grace_months / 12.0
    hit = None if pandemic is None else (pandemic.start, pandemic.start + pandemic.duration_years + grace)
    return Windows(after, hit)


def build_plan(baseline: str | Path = "scenarios/baseline.yaml", institutional: str | Path = "scenarios/institutional.yaml",
               *, reps: int = 10, years: float = 10.0, scale: str | None = None, base_seed: int = 1) -> Plan:
    """Load the baseline and institutional files (at `scale` if given) and derive the other variants."""
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
    }
    return Plan(scenarios, reps, float(years), base_seed, windows_of(base))


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
    model = tables["model"]
    series = model[list(SERIES)].assign(coop_share=model["coop_municipality"] / model["alive"].clip(lower=1),
                                        alive_national=model["alive"] * metrics["national_factor"])
    return Measured(role, spec.seed, metrics, series, time.perf_counter() - started)


def run_metrics(tables: dict[str, pd.DataFrame], scenario: Scenario, windows: Windows,
                migrants: np.ndarray | None = None) -> dict[str, float]:
    """Every scalar the checks read, from the tables of one run (NaN where a quantity is not defined)."""
    migrants = analysis.scenario_migrants(scenario) if migrants is None else migrants
    out = _stock_metrics(tables["model"], scenario)
    out.update(_field_metrics(tables["msos"]))
    out.update(_hazard_metrics(tables, windows, migrants))
    out.update(_staff_metrics(tables["model"], analysis.clock(tables)))
    out.update(_funding_metrics(tables, out))
    out.update(_window_means(tables["model"], windows.after_surge, "after_surge"))
    return out


def _stock_metrics(model: pd.DataFrame, scenario: Scenario) -> dict[str, float]:
    factor = scenario.population.n_msos / max(float(model["alive"].iloc[0]), 1.0)
    return {"national_factor": factor, "alive_min": float(model["alive"].min()) * factor,
            "alive_max": float(model["alive"].max()) * factor}


def _field_metrics(msos: pd.DataFrame) -> dict[str, float]:
    from .state import FIELDS

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


def _staff_metrics(model: pd.DataFrame, clock: analysis.Clock) -> dict[str, float]:
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
    rates = analysis.award_rates(tables, by=("type", "federation"))

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


# -- checks --------------------------------------------------------------------------------------

Values = Callable[[pd.DataFrame], pd.Series]


def metric(role: str, name: str) -> Values:
    """Per-seed values of one metric of one role (NaN where missing)."""
    return lambda wide: wide[(role, name)] if (role, name) in wide.columns else pd.Series(np.nan, index=wide.index)


def ratio(a: Values, b: Values) -> Values:
    return lambda wide: a(wide) / b(wide).where(b(wide) != 0)


def minus(a: Values, b: Values) -> Values:
    return lambda wide: a(wide) - b(wide)


@dataclass(frozen=True)
class Check:
    """One check: its id, the pattern or direction it belongs to, target, method, per-seed values and bounds."""

    id: str
    group: str
    target: str
    method: str
    values: Values
    low: float = -np.inf
    high: float = np.inf
    strict: bool = False          # directions: the interval must lie strictly beyond the bound
    fmt: str = ".3f"
    signed: bool = False
    detail: Callable[[pd.DataFrame], str] | None = field(default=None, compare=False)


def _pandemic_detail(wide: pd.DataFrame) -> str:
    """Excess hazard per type in percentage points and as a factor of the no-pandemic hazard."""
    parts = []
    for kind in ("volunteer_only", "staffed"):
        with_, without = (float(metric(role, f"hazard_pandemic_{kind}")(wide).mean()) for role in ("baseline", "no_pandemic"))
        parts.append(f"{kind.replace('_', '-')} {(with_ - without) * 100:+.2f} pp (x{with_ / without:.2f})" if without
                     else f"{kind.replace('_', '-')} n/a")
    return "excess " + ", ".join(parts)


def _means(wide: pd.DataFrame, role: str, names: list[str], fmt: str = ".1%") -> str:
    from .report import format_value

    return ", ".join(f"{label} {format_value(float(metric(role, key)(wide).mean()), fmt, 'en')}" for label, key in names)


_AT_RISK = ("Exposure: an MSO is at risk in each month after it enters the run (month 0 for the initial "
            "population, its founding month otherwise) up to the month it dissolves; hazard = dissolutions "
            "per MSO-year at risk (msosim.analysis.dissolution_hazard).")
_TYPE = ("Type in each month from the event log: staffed while paid staff > 0 after the staff_hired / "
         "staff_let_go events so far; a dissolution counts for the type at death (a staff_let_go event with "
         "cause 'dissolution' in the dissolution month marks a staffed MSO).")
_PAIRED = "Paired by seed: replication i of both scenarios uses the same seed."

CHECKS: tuple[Check, ...] = (
    Check("1", "1 Activity fields of the initial population", "each SVR share within 1.5 points (national scale)",
          "Share of the initial MSOs (start snapshot of the baseline) active in each of the nine fields minus the "
          "SVR share in data/activity_fields.csv; value: the largest absolute difference over the fields, in "
          "percentage points. PASS if the interval lies below 1.5. Smaller scales draw too few MSOs for this target.",
          metric("baseline", "fields_max_dev_pp"), high=1.5, fmt=".2f"),
    Check("2a", "2 National stock over a calm decade", "lowest stock >= 12,400",
          "Calm decade: the baseline without events. Per replication the lowest and the highest monthly count "
          "of active MSOs over the run, scaled to national (x population.n_msos / MSOs at start; 1 at national "
          "scale). PASS if the interval of the mean lowest count lies at or above 12,400 (2a) and that of the "
          "mean highest count at or below 14,300 (2b).",
          metric("calm", "alive_min"), low=12400, fmt=",.0f"),
    Check("2b", "2 National stock over a calm decade", "highest stock <= 14,300", "See 2a.",
          metric("calm", "alive_max"), high=14300, fmt=",.0f"),
    Check("3a", "3 Annual dissolution (baseline)", "overall 1-4% per year",
          "Dissolutions per MSO-year at risk over the whole baseline run. " + _AT_RISK,
          metric("baseline", "dissolution_rate"), low=0.01, high=0.04, fmt=".2%"),
    Check("3b", "3 Annual dissolution (baseline)", "young (age < 5 years) 4-12% per year (prior)",
          "Dissolutions per MSO-year in the months the MSO is under 5 years old (age at the month's start = "
          "years since founding). 'Higher for young and volunteer-only' are L1 and L2.",
          metric("baseline", "hazard_young"), low=0.04, high=0.12, fmt=".2%",
          detail=lambda w: _means(w, "baseline", [(b, f"hazard_{b}") for b in analysis.band_labels(HAZARD_BANDS)])),
    Check("3c", "3 Annual dissolution (baseline)", "established (age >= 5 years) 1-3% per year (prior)",
          "As 3b, for the months the MSO is 5 years or older.",
          metric("baseline", "hazard_old"), low=0.01, high=0.03, fmt=".2%"),
    Check("4a", "4 Staff saw-tooth under project funding", "project funding (baseline): staff drops >= 5% per year",
          "Yearly staff drop share: in each calendar year after the first three (while the initial population's "
          "project grants from past calls run out; in shorter runs only the last year), the month-to-month "
          "decreases of paid staff (FTE) summed over the year, over the year's mean staff; mean over those years. "
          "Project cohorts ending make staff fall through the year, the next cohort makes it jump back. The 5% "
          "and 2% thresholds are this check's choice.",
          metric("baseline", "staff_drop_share"), low=0.05, fmt=".1%"),
    Check("4b", "4 Staff saw-tooth under project funding", "institutional funding: staff drops <= 2% per year (flat)",
          "As 4a, for the institutional scenario.",
          metric("institutional", "staff_drop_share"), high=0.02, fmt=".1%"),
    Check("5a", "5 Grants concentrate on MSOs with paid staff", "staffed share of grant money / of MSO-years > 1",
          "Money awarded in calls during the baseline run (amount per year of each grant_awarded) to MSOs staffed "
          "at the call, as a share of all money awarded, divided by the staffed share of MSO-years at risk. "
          + _TYPE, metric("baseline", "staffed_money_concentration"), low=1.0, strict=True, fmt=".2f",
          detail=lambda w: _means(w, "baseline", [("money share", "staffed_money_share"),
                                                  ("MSO-year share", "staffed_exposure_share")])),
    Check("5b", "5 Grants concentrate on MSOs with paid staff", "Gini of grant income rises under score selection",
          "funding_gini (Gini of grant income in the last calendar year among living MSOs, those without grants "
          "included) at the end of the baseline run minus its value for the first full year.",
          metric("baseline", "gini_change"), low=0.0, strict=True, fmt="+.3f",
          detail=lambda w: _means(w, "baseline", [("first", "gini_first"), ("last", "gini_last")], ".3f")),
    Check("5c", "5 Grants concentrate on MSOs with paid staff", "rises more than under lottery selection",
          "Gini change (as 5b) of the baseline minus that of the lottery variant (every funder's selection set to "
          "lottery). " + _PAIRED,
          minus(metric("baseline", "gini_change"), metric("lottery", "gini_change")), low=0.0, strict=True,
          fmt="+.3f", detail=lambda w: _means(w, "lottery", [("lottery first", "gini_first"),
                                                             ("lottery last", "gini_last")], ".3f")),
    Check("6a", "6 After the 2015/16 surge (= literature L5)", "more MSOs cooperate with their municipality than without the surge",
          "Share of living MSOs cooperating with their municipality, mean over the months from the surge's last "
          "arrival year to two years later (2017-2018 for the baseline's surge of 2015-16), baseline minus the "
          "no-surge variant (refugee_surge removed). " + _PAIRED,
          minus(metric("baseline", "coop_share_after_surge"), metric("no_surge", "coop_share_after_surge")),
          low=0.0, strict=True, fmt=".1%", signed=True,
          detail=lambda w: _means(w, "baseline", [("with surge", "coop_share_after_surge")])
          + "; " + _means(w, "no_surge", [("without", "coop_share_after_surge")])),
    Check("6b", "6 After the 2015/16 surge (= literature L5)", "mean trust in the municipality higher than without the surge",
          "As 6a, for the mean trust of living MSOs in their municipality (0-1).",
          minus(metric("baseline", "trust_after_surge"), metric("no_surge", "trust_after_surge")),
          low=0.0, strict=True, fmt="+.3f",
          detail=lambda w: _means(w, "baseline", [("with surge", "trust_after_surge")], ".3f")
          + "; " + _means(w, "no_surge", [("without", "trust_after_surge")], ".3f")),
    Check("L1", "L1 Liability of newness (Singh, Tucker & House 1986)", "hazard young (< 5 years) / old > 1",
          "Hazard of the months under 5 years of age over that of the months at 5 years or older (3b / 3c), "
          "baseline. " + _AT_RISK, ratio(metric("baseline", "hazard_young"), metric("baseline", "hazard_old")),
          low=1.0, strict=True, fmt=".2f",
          detail=lambda w: _means(w, "baseline", [("young", "hazard_young"), ("old", "hazard_old")])),
    Check("L2", "L2 Volunteer-only MSOs dissolve more often (SVR 2020)", "hazard volunteer-only / staffed > 1",
          "Dissolutions per MSO-year of volunteer-only months over those of staffed months, baseline. " + _TYPE,
          ratio(metric("baseline", "hazard_volunteer_only"), metric("baseline", "hazard_staffed")),
          low=1.0, strict=True, fmt=".2f",
          detail=lambda w: _means(w, "baseline", [("volunteer-only", "hazard_volunteer_only"),
                                                  ("staffed", "hazard_staffed")])),
    Check("L3a", "L3 Staff and federation raise funding success (SVR 2020; Friedrichs et al. 2023)",
          "award rate staffed - volunteer-only > 0",
          "Awards per application (grant_applied and grant_awarded events of the baseline), by the applicant's "
          "type at the call (staff events up to the month before). Eligibility rules are part of the effect "
          "(some programmes require staff or membership).",
          minus(metric("baseline", "award_rate_staffed"), metric("baseline", "award_rate_volunteer_only")),
          low=0.0, strict=True, fmt=".1%", signed=True,
          detail=lambda w: _means(w, "baseline", [("staffed", "award_rate_staffed"),
                                                  ("volunteer-only", "award_rate_volunteer_only")])),
    Check("L3b", "L3 Staff and federation raise funding success (SVR 2020; Friedrichs et al. 2023)",
          "award rate federation members - non-members > 0",
          "As L3a, by federation membership at the call (federation_joined / _left events up to the month before).",
          minus(metric("baseline", "award_rate_federation"), metric("baseline", "award_rate_non_federation")),
          low=0.0, strict=True, fmt=".1%", signed=True,
          detail=lambda w: _means(w, "baseline", [("members", "award_rate_federation"),
                                                  ("non-members", "award_rate_non_federation")])),
    Check("L4", "L4 Density dependence (Hannan & Freeman 1989)", "hazard lowest at middle density",
          "District-years (baseline) split into terciles by MSOs per 10,000 migrants at the year's start "
          "(migrants per district from the scenario's geography); hazard per tercile = dissolutions / MSO-years; "
          "value: the lower of the low and high terciles' hazards minus the middle one's (> 0: U-shape). "
          "N/A with fewer than three districts.",
          lambda w: np.minimum(metric("baseline", "hazard_density_low")(w), metric("baseline", "hazard_density_high")(w))
          - metric("baseline", "hazard_density_middle")(w), low=0.0, strict=True, fmt=".2%", signed=True,
          detail=lambda w: _means(w, "baseline", [(b, f"hazard_density_{b}") for b in analysis.DENSITY_LABELS])),
    Check("L6", "L6 The pandemic hits volunteer-only MSOs hardest", "excess hazard volunteer-only - staffed > 0",
          "Hazard by type in the pandemic window (its start to its end plus the volunteer grace period: "
          "2020.2-2022.7 for the baseline) of the baseline minus that of the no-pandemic variant = excess hazard "
          "per type; value: volunteer-only excess minus staffed excess. " + _TYPE + " " + _PAIRED,
          minus(minus(metric("baseline", "hazard_pandemic_volunteer_only"),
                      metric("no_pandemic", "hazard_pandemic_volunteer_only")),
                minus(metric("baseline", "hazard_pandemic_staffed"), metric("no_pandemic", "hazard_pandemic_staffed"))),
          low=0.0, strict=True, fmt=".2%", signed=True,
          detail=_pandemic_detail),
)


def evaluate(metrics: pd.DataFrame, checks: tuple[Check, ...] = CHECKS, level: float = 0.95) -> pd.DataFrame:
    """One row per check: id, group, target, method, n, mean, low, high, status (PASS, FAIL, N/A), detail.

    `metrics` is tidy: role, seed, metric, value (one row per run and metric).
    """
    wide = metrics.pivot_table(index="seed", columns=["role", "metric"], values="value", aggfunc="first", dropna=False)
    rows = []
    for check in checks:
        values = pd.Series(check.values(wide), dtype=float).replace([np.inf, -np.inf], np.nan).dropna()
        mean, low, high = t_interval(values, level)
        rows.append({"id": check.id, "group": check.group, "target": check.target, "method": check.method,
                     "n": int(values.size), "mean": mean, "low": low, "high": high,
                     "status": status(check, mean, low, high), "fmt": check.fmt, "signed": check.signed,
                     "detail": check.detail(wide) if check.detail is not None and values.size else ""})
    return pd.DataFrame(rows)


def status(check: Check, mean: float, low: float, high: float) -> str:
    """PASS if the interval (the mean alone with one replication) meets the target, FAIL if not, N/A without a value."""
    if not np.isfinite(mean):
        return "N/A"
    low, high = (low, high) if np.isfinite(low) and np.isfinite(high) else (mean, mean)
    above = low > check.low if check.strict else low >= check.low
    below = high < check.high if check.strict else high <= check.high
    return "PASS" if above and below else "FAIL"


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


def validate(reps: int = 10, *, years: float = 10.0, scale: str | None = None, workers: int | None = None,
             base_seed: int = 1, baseline: str | Path = "scenarios/baseline.yaml",
             institutional: str | Path = "scenarios/institutional.yaml",
             on_result: Callable[[Measured], None] | None = None) -> Validation:
    """Run the baseline and its variants `reps` times each (common seeds) and evaluate every check."""
    plan = build_plan(baseline, institutional, reps=reps, years=years, scale=scale, base_seed=base_seed)
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


def format_measured(row: pd.Series | dict) -> str:
    """`mean [low, high]` in the check's format (differences of shares in percentage points)."""
    from .report import format_interval

    return format_interval(row["mean"], row["low"], row["high"], row["fmt"], "en", bool(row["signed"]))


# -- report --------------------------------------------------------------------------------------

def _interval(metrics: pd.DataFrame, role: str, name: str) -> tuple[float, float, float]:
    values = metrics.loc[(metrics["role"] == role) & (metrics["metric"] == name), "value"]
    return t_interval(values)


def _bars(ax, groups: list[str], bars: dict[str, list[tuple[float, float, float]]], percent: bool = True) -> None:
    """Grouped bars: one group per entry of `groups`, one bar per key of `bars` (mean with its interval)."""
    from .report import COLORS

    width = 0.8 / max(len(bars), 1)
    x = np.arange(len(groups))
    for i, (name, cells) in enumerate(bars.items()):
        mean, low, high = (np.array([cell[j] for cell in cells], dtype=float) * (100 if percent else 1) for j in range(3))
        error = np.nan_to_num(np.vstack([np.minimum(mean - low, mean), high - mean]))  # bars start at 0
        ax.bar(x + (i - (len(bars) - 1) / 2) * width, mean, width, yerr=error, capsize=3, label=name,
               color=COLORS[i % len(COLORS)], alpha=0.85)
    ax.set_xticks(x, groups, fontsize=8)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)


def _series_panel(ax, result: Validation, roles: list[str], column: str, title: str, after_step: int = 0) -> None:
    from .report import _band_panel

    frame = result.series[result.series["role"].isin(roles) & (result.series["step"] > after_step)]
    frame = frame.assign(position=frame["role"].map({role: i for i, role in enumerate(roles)}))
    _band_panel(ax, frame, column, roles, title, "en")


def figures(result: Validation) -> dict[str, tuple[str, bytes]]:
    """File name -> (caption, PNG) of the figure for each pattern and direction."""
    from .report import _figure, _png
    from .state import FIELDS

    m, spy = result.metrics, result.plan.scenarios["baseline"].steps_per_year
    out = {}
    figure, (ax,) = _figure(1, width=8.0)
    target = analysis_targets()
    _bars(ax, list(FIELDS), {"baseline, initial population": [_interval(m, "baseline", f"field_share_{f}") for f in FIELDS],
                             "SVR share": [(target[f],) * 3 for f in FIELDS]})
    ax.set_ylabel("% of MSOs")
    ax.tick_params(axis="x", labelrotation=30)
    out["p1_activity_fields.png"] = ("Activity fields of the initial population against the SVR shares", _png(figure))

    figure, (ax,) = _figure(1, width=8.0)
    ax.axhspan(12400, 14300, color="#2ca02c", alpha=0.12, label="12,400-14,300")
    _series_panel(ax, result, ["calm", "baseline"], "alive_national", "Active MSOs (national scale)")
    out["p2_stock.png"] = ("National stock of active MSOs against the 12,400-14,300 band", _png(figure))

    figure, (ax,) = _figure(1, width=8.0)
    bands = analysis.band_labels(HAZARD_BANDS)
    _bars(ax, [*bands, "all ages"], {kind.replace("_", "-"): [_interval(m, "baseline", f"hazard_{b}_{kind}") for b in bands]
                                     + [_interval(m, "baseline", f"hazard_{kind}")] for kind in ("volunteer_only", "staffed")})
    ax.axhspan(1, 3, color="#7f7f7f", alpha=0.10)
    ax.set_xlabel("age band (years)")
    ax.set_ylabel("dissolutions per 100 MSO-years")
    out["p3_dissolution.png"] = ("Dissolution rates by age band and type (baseline); grey: prior for established MSOs",
                                 _png(figure))

    figure, (ax,) = _figure(1, width=8.0)
    _series_panel(ax, result, ["baseline", "institutional"], "staff_fte", "Paid staff (FTE)")
    out["p4_staff.png"] = ("Paid staff: saw-tooth under project funding, flat under institutional funding", _png(figure))

    figure, (ax,) = _figure(1, width=8.0)
    _series_panel(ax, result, ["baseline", "lottery"], "funding_gini", "Gini of grant income", after_step=spy)
    out["p5_gini.png"] = ("Gini of grant income over time: score-based selection (baseline) against lottery", _png(figure))

    figure, axes = _figure(2)
    for ax, column, title in zip(axes, ("coop_share", "mean_trust"), ("MSOs cooperating with their municipality",
                                                                       "Mean trust in the municipality")):
        _series_panel(ax, result, ["baseline", "no_surge"], column, title)
        if result.plan.windows.after_surge is not None:
            ax.axvspan(*result.plan.windows.after_surge, color="#7f7f7f", alpha=0.12)
    out["p6_cooperation_trust.png"] = ("Cooperation and trust with and without the 2015/16 surge (grey: window of 6a/6b)",
                                       _png(figure))

    figure, (ax,) = _figure(1, width=8.0)
    pairs = [("staffed", "award_rate_staffed"), ("volunteer-only", "award_rate_volunteer_only"),
             ("federation member", "award_rate_federation"), ("non-member", "award_rate_non_federation")]
    _bars(ax, [name for name, _ in pairs], {"baseline": [_interval(m, "baseline", key) for _, key in pairs]})
    ax.set_ylabel("awards per 100 applications")
    out["l3_award_rates.png"] = ("Award rate per application by type and federation membership at the call", _png(figure))

    figure, (ax,) = _figure(1, width=6.4)
    labels = list(analysis.DENSITY_LABELS)
    _bars(ax, labels, {"baseline": [_interval(m, "baseline", f"hazard_density_{b}") for b in labels]})
    ax.set_xlabel("MSOs per 10,000 migrants (tercile of district-years)")
    ax.set_ylabel("dissolutions per 100 MSO-years")
    out["l4_density.png"] = ("Dissolution hazard by district density", _png(figure))

    figure, (ax,) = _figure(1, width=6.4)
    kinds = ["volunteer_only", "staffed"]
    _bars(ax, [k.replace("_", "-") for k in kinds], {role: [_interval(m, role, f"hazard_pandemic_{k}") for k in kinds]
                                                      for role in ("baseline", "no_pandemic")})
    ax.set_ylabel("dissolutions per 100 MSO-years in the window")
    out["l6_pandemic.png"] = ("Dissolution hazard by type in the pandemic window, with and without the pandemic", _png(figure))
    return out


def analysis_targets() -> dict[str, float]:
    """The SVR activity-field shares (data/activity_fields.csv)."""
    from .population import read_data

    return read_data("activity_fields.csv").set_index("field")["share"].to_dict()


FIGURE_OF = {"1": "p1_activity_fields.png", "2": "p2_stock.png", "3": "p3_dissolution.png", "4": "p4_staff.png",
             "5": "p5_gini.png", "6": "p6_cooperation_trust.png", "L1": "p3_dissolution.png",
             "L2": "p3_dissolution.png", "L3": "l3_award_rates.png", "L4": "l4_density.png", "L6": "l6_pandemic.png"}
PAGE_STYLE = (".PASS{background:#d9f2d9}.FAIL{background:#f8d7d7}.NA{background:#eee}td.left{text-align:left}"
              "td.nowrap{white-space:nowrap}")


def render_html(result: Validation, pictures: dict[str, tuple[str, bytes]]) -> str:
    """A self-contained page: the checks table, per pattern its method and figure, the plan and provenance."""
    import base64
    import html

    from .batch import provenance
    from .report import STYLE

    e = html.escape
    plan, checks = result.plan, result.checks
    passed = int((checks["status"] == "PASS").sum())
    seeds = f"{plan.base_seed}-{plan.base_seed + plan.reps - 1}"
    head = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>msosim validation</title>"
            f"<style>{STYLE}{PAGE_STYLE}</style></head><body><h1>Pattern-oriented validation of the baseline</h1>")
    summary = (f"<p class='note'>{passed} of {len(checks)} checks pass. {plan.reps} replications per scenario (seeds "
               f"{seeds}, the same in every scenario), {plan.years:g} years, scale "
               f"{plan.scenarios['baseline'].population.scale}. Measured: mean over replications [95% t-interval]. "
               "PASS: the whole interval meets the target (inside a band; strictly beyond zero or one for a "
               "direction); with one replication the mean alone. N/A: not measurable in this run.</p>")
    columns = "".join(f"<th>{name}</th>" for name in ("id", "target", "measured [95% CI]", "status", "detail"))
    parts = [head, summary, f"<table class='checks'><tr>{columns}</tr>"]
    for group, rows in checks.groupby("group", sort=False):
        parts.append(f"<tr><th colspan='5'>{e(group)}</th></tr>")
        for _, row in rows.iterrows():
            parts.append(f"<tr><td class='left'>{e(row['id'])}</td><td class='left'>{e(row['target'])}</td>"
                         f"<td class='nowrap'>{e(format_measured(row))}</td><td class='{row['status'].replace('/', '')}'>"
                         f"{e(row['status'])}</td><td class='left'>{e(row['detail'])}</td></tr>")
    parts.append("</table>")
    shown = set()
    for group, rows in checks.groupby("group", sort=False):
        parts.append(f"<h2>{e(group)}</h2>")
        for _, row in rows.iterrows():
            parts.append(f"<p class='note'><b>{e(row['id'])} ({e(row['status'])}):</b> {e(row['target'])}. "
                         f"{e(row['method'])}</p>")
        name = FIGURE_OF.get(group.split(" ")[0])
        if name in pictures and name not in shown:
            caption, png = pictures[name]
            parts.append(f"<figure><figcaption>{e(caption)}</figcaption><img alt='{e(name)}' "
                         f"src='data:image/png;base64,{base64.b64encode(png).decode('ascii')}'></figure>")
            shown.add(name)
        elif name in pictures:
            parts.append(f"<p class='note'>Figure: {e(pictures[name][0])} (above).</p>")
    parts.append("<h2>Scenarios</h2><table><tr><th>role</th><th>what it is</th><th>content hash</th></tr>")
    for role, scenario in plan.scenarios.items():
        parts.append(f"<tr><td class='left'>{e(role)}</td><td class='left'>{e(ROLES[role])}</td>"
                     f"<td class='left'>{e(scenario.content_hash())}</td></tr>")
    origin = ", ".join(f"{k} {v}" for k, v in provenance().items())
    parts.append(f"</table><p class='note'>{len(result.metrics.groupby(['role', 'seed']))} runs in "
                 f"{result.wall_seconds:.0f} s. {e(origin)}</p></body></html>")
    return "\n".join(parts)


def write_report(result: Validation, folder: str | Path) -> Path:
    """Write one PNG per pattern and report.html into `folder` (each file replaced whole); returns the HTML path."""
    import shutil
    import tempfile

    folder = Path(folder)
    pictures = figures(result)
    page = render_html(result, pictures)
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".validate-", dir=folder))
    try:
        for name, (_, png) in pictures.items():
            (staging / name).write_bytes(png)
        (staging / "report.html").write_text(page, encoding="utf-8")
        replace_files(folder, staging, [*pictures, "report.html"], "--report")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder / "report.html"
