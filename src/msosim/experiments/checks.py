"""The validation checks: each pattern and direction as per-seed values, a target and how it is measured.

`evaluate` gives each check its mean and t-interval over replications and a status: PASS when the
whole interval meets the target, FAIL when not, N/A without a value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..reporting.report import format_value
from . import analysis
from .batch import t_interval
from .longrun import DRIFT_TOLERANCE, STATIONARY_BANDS

YOUNG_YEARS = 5.0       # liability of newness: young = under 5 years old
HAZARD_BANDS = (0.0, 2.0, YOUNG_YEARS, 10.0, 20.0, np.inf)

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
    return ", ".join(f"{label} {format_value(float(metric(role, key)(wide).mean()), fmt, 'en')}" for label, key in names)


_AT_RISK = ("Exposure: an MSO is at risk in each month after it enters the run (month 0 for the initial "
            "population, its founding month otherwise) up to the month it dissolves; hazard = dissolutions "
            "per MSO-year at risk (msosim.analysis.dissolution_hazard).")
_TYPE = ("Type in each month from the event log: staffed while paid staff > 0 after the staff_hired / "
         "staff_let_go events so far; a dissolution counts for the type at death (a staff_let_go event with "
         "cause 'dissolution' in the dissolution month marks a staffed MSO).")
_PAIRED = "Paired by seed: replication i of both scenarios uses the same seed."
LONG = "long_calm"
_LONG = ("Long calm run: the baseline without events for 50 years (validate --long-years), in the first "
         "--long-reps replications (default 2). Value: the yearly series' mean over the last 20 years "
         "(msosim.experiments.longrun.stationarity; yearly: year-end stocks, mean coverage, dissolutions per "
         "MSO-year). Bands: longrun.STATIONARY_BANDS.")


def _long_check(id_: str, name: str, target: str, low: float, high: float, fmt: str) -> Check:
    return Check(id_, "7 A 50-year calm baseline stays in its regime (issue 15)", target, _LONG,
                 metric(LONG, f"long_run_{name}"), low=low, high=high, fmt=fmt)


def _drift(wide: pd.DataFrame) -> pd.Series:
    """Per seed the largest drift over the long-run quantities (0 for a quantity whose slope interval covers 0)."""
    return pd.concat([metric(LONG, f"long_run_{name}_drift")(wide) for name in STATIONARY_BANDS], axis=1).max(axis=1)


LONG_RUN_CHECKS = tuple(
    _long_check(f"7{letter}", name, f"{label}: {target} (last 20 of 50 years)", low, high, fmt)
    for letter, (name, label, target, fmt) in zip("abcdef", (
        ("alive_relative", "stock / stock at start", "0.925-1.067 (12,400-14,300 of 13,400)", ".3f"),
        ("volunteers_per_mso", "volunteers per MSO", "8-30 (prior)", ".1f"),
        ("mean_burnout", "mean burnout", "0.05-0.35 (prior)", ".3f"),
        ("median_reserves", "median reserves", "500-25,000 EUR (prior; ZiviZ 2015)", ",.0f"),
        ("service_coverage", "service coverage", "0.8-1 (prior)", ".3f"),
        ("dissolution_rate", "dissolution rate", "1-4% a year (pattern 3)", ".2%")))
    for low, high, _ in [STATIONARY_BANDS[name]]
) + (Check("7g", "7 A 50-year calm baseline stays in its regime (issue 15)",
           f"no trend: largest drift over 7a-7f <= {DRIFT_TOLERANCE:.0%} of the mean over 20 years",
           "Per quantity of 7a-7f, the OLS slope of its yearly series over the last 20 years and its 95% interval; "
           "drift 0 when the interval covers 0, else |slope| x 20 years / mean. Value: the largest drift.",
           _drift, high=DRIFT_TOLERANCE, fmt=".1%",
           detail=lambda w: ", ".join(f"{name} {float(metric(LONG, f'long_run_{name}_drift')(w).mean()):.1%}"
                                      for name in STATIONARY_BANDS)),)

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
    Check("5b", "5 Grants concentrate on MSOs with paid staff", "Gini of grant income rises under score selection "
          "from today's tables",
          "funding_gini (Gini of grant income in the last calendar year among living MSOs, those without grants "
          "included) at the end of the run minus its value for the first full year, for the baseline started from "
          "today's tables (population.initial: tables). From a spin-up the rise has already happened before the "
          "run starts (the Gini is settled), so the rise is read where it still happens; 5c compares the level.",
          metric("from_tables", "gini_change"), low=0.0, strict=True, fmt="+.3f",
          detail=lambda w: _means(w, "from_tables", [("first", "gini_first"), ("last", "gini_last")], ".3f")),
    Check("5c", "5 Grants concentrate on MSOs with paid staff", "and ends higher than under lottery selection",
          "funding_gini at the end (as 5b) of the baseline (from its spin-up) minus that of the lottery variant (every funder's "
          "selection set to lottery). A level, not a change: from a spin-up each variant starts from its own "
          "settled state, so the Gini no longer rises from the tables' start in either (issue 15). " + _PAIRED,
          minus(metric("baseline", "gini_last"), metric("lottery", "gini_last")), low=0.0, strict=True,
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
    Check("A1", "A1 Who applies for funding (BIM 2018)", "applied at least once in five years: 50-75% (BIM: 63%)",
          "MSOs present through the last five whole years of the baseline; share with at least one grant_applied "
          "event in them (msosim.experiments.application_metrics). BIM 2018 (Karakayali et al. for the Bertelsmann "
          "Stiftung): 37% of the initiatives surveyed applied for no funding in the past five years; the band "
          "allows for the survey's population (refugee-help initiatives, many informal).",
          metric("baseline", "applied_within_5_years"), low=0.50, high=0.75, fmt=".1%",
          detail=lambda w: _means(w, "baseline", [("per year", "applying_share_per_year")])),
    Check("A2", "A1 Who applies for funding (BIM 2018)", "applying in a year: 13-63% (from BIM's 63% in five years)",
          "MSOs present through a whole year of the baseline; share with a grant_applied event in it, mean over the "
          "years. The bounds follow from A1's 63%: at least a fifth of it if each applicant applied once in five "
          "years, at most all of it if each applied every year.",
          metric("baseline", "applying_share_per_year"), low=0.126, high=0.63, fmt=".1%"),
    Check("A3", "A2 A rejection discourages, an award builds a track record", "reapplication within three years: "
          "after a rejection < after an award",
          "Applications of the baseline whose three-year window ends inside the run with the MSO alive; share "
          "followed by another application (to any funder) within three years; value: after an award minus after "
          "a rejection (issue 15: 96-98% reapplied, winners and losers alike).",
          minus(metric("baseline", "reapply_3y_awarded"), metric("baseline", "reapply_3y_rejected")),
          low=0.0, strict=True, fmt=".1%", signed=True,
          detail=lambda w: _means(w, "baseline", [("after an award", "reapply_3y_awarded"),
                                                  ("after a rejection", "reapply_3y_rejected")])),
    Check("A4a", "A2 A rejection discourages, an award builds a track record", "same funder's next call after an "
          "award: 30-90% apply again (prior)",
          "Applications of the baseline whose funder's next call (a year later) falls inside the run with the MSO "
          "alive and not still funded by that funder then (msosim.experiments.grant_calls.reapplication_rates); "
          "share that applies to that call. Bands are priors (no survey counts this).",
          metric("baseline", "reapply_next_awarded"), low=0.3, high=0.9, fmt=".1%"),
    Check("A4b", "A2 A rejection discourages, an award builds a track record", "same funder's next call after a "
          "rejection: 10-70% apply again (prior; BIM 2018: 70% name the effort of applying)",
          "As A4a, after a rejection.", metric("baseline", "reapply_next_rejected"), low=0.1, high=0.7, fmt=".1%"),
    *LONG_RUN_CHECKS,
    Check("8", "8 Volunteer-only MSOs (SVR 2020: 41%)", "share without paid staff in the last year: 36-46%",
          "Living MSOs without paid staff (staff_fte 0) over living MSOs, mean over the months of the baseline's "
          "last year (msosim.experiments.longrun.volunteer_only_share). SVR 2020 (Friedrichs & Mualem Sultan): 41% "
          "volunteer-only, about 37% with permanent paid staff; band +-5 points.",
          metric("baseline", "volunteer_only_share"), low=0.36, high=0.46, fmt=".1%",
          detail=lambda w: _means(w, "baseline", [("at start", "volunteer_only_start")])
          + "; " + _means(w, LONG, [("50-year calm run, last 20 years", "long_run_volunteer_only_share")])),
    Check("L7", "L7 The initial cohort shows the liability of newness (issue 15)",
          "initial MSOs: hazard young (< 5 years) / old > 1",
          "The MSOs present at the start only (baseline): dissolutions per MSO-year while under 5 years old over "
          "those at 5 years or older, ages from their founding step (msosim.experiments.longrun."
          "initial_cohort_newness); later foundings show it (L1), the initial cohort should too.",
          ratio(metric("baseline", "initial_hazard_young"), metric("baseline", "initial_hazard_old")),
          low=1.0, strict=True, fmt=".2f",
          detail=lambda w: _means(w, "baseline", [("young", "initial_hazard_young"), ("old", "initial_hazard_old")])),
    Check("9a", "9 MSOs over the Laender (seed article)", "the four Laender with most MSOs: NW, BW, BY, HE (4 of 4)",
          "Living MSOs per Land at the end of the baseline; value: how many of the four Laender with most MSOs are "
          "NW, BW, BY and HE (PASS: all four, the interval above 3.5). N/A below national scale.",
          metric("baseline", "laender_top_four"), low=3.5, fmt=".1f"),
    Check("9b", "9 MSOs over the Laender (seed article)", "eastern Laender: share of MSOs < share of population",
          "Share of living MSOs in BB, MV, SN, ST, TH at the end of the baseline minus their share of the population "
          "(data/laender.csv). N/A below national scale.",
          metric("baseline", "laender_east_excess"), high=0.0, strict=True, fmt=".1%", signed=True),
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
