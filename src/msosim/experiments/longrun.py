"""Long-run checks of issue 15 as pure functions over a run's tables: each returns the value(s), its band and source.

`msosim validate` is to call these on the tables of the runs it makes (a 50-year calm baseline for
`stationarity`; the calibrated baseline for the others). A `Measured` passes when its value lies in
[low, high]; `stationarity` also asks each series' trend over the last years to be flat.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from . import analysis, grant_calls
from ..population import read_data

# quantity: (model-table column or derived name, low, high, source)
STATIONARY_BANDS: dict[str, tuple[float, float, str]] = {
    "alive_relative": (12400 / 13400, 14300 / 13400, "seed article: 12,400-14,300 MSOs (relative to 13,400 at start)"),
    "volunteers_per_mso": (8.0, 30.0, "prior (SVR 2020: most MSOs are small; active core of a few to a few dozen)"),
    "mean_burnout": (0.05, 0.35, "prior (the initial population's Beta(2, 8), mean 0.2)"),
    "median_reserves": (500.0, 25000.0, "prior (ZiviZ 2015: half of all organisations have at most 10,000 EUR income a year)"),
    "service_coverage": (0.8, 1.0, "prior"),
    "dissolution_rate": (0.01, 0.04, "pattern 3: ZiviZ 2022 register deletions 1.3-1.7% (lower bound); 1-4%"),
}
DRIFT_TOLERANCE = 0.10   # largest relative change over the window when the slope's 95% interval excludes 0 (prior)
EAST = ("BB", "MV", "SN", "ST", "TH")
TOP_FOUR = ("NW", "BW", "BY", "HE")


@dataclass
class Measured:
    """One check's measured value, its band and where the band comes from."""

    name: str
    value: float
    low: float
    high: float
    source: str
    details: dict = field(default_factory=dict)
    passed: bool | None = None

    def __post_init__(self) -> None:
        if self.passed is None:
            self.passed = bool(self.low <= self.value <= self.high)


def yearly_series(model: pd.DataFrame, steps_per_year: int) -> pd.DataFrame:
    """Per simulated year: the stocks of issue 15 (year-end), coverage (mean) and dissolutions per MSO-year."""
    table = model[model["step"] > 0].copy()
    table["sim_year"] = (table["step"] - 1) // steps_per_year
    grouped = table.groupby("sim_year")
    initial = float(model.loc[model["step"] == 0, "alive"].iloc[0])
    return pd.DataFrame({
        "alive_relative": grouped["alive"].last() / initial,
        "volunteers_per_mso": grouped["volunteers"].last() / grouped["alive"].last().clip(lower=1),
        "mean_burnout": grouped["mean_burnout"].last(),
        "median_reserves": grouped["median_reserves"].last(),
        "service_coverage": grouped["service_coverage"].mean(),
        "dissolution_rate": grouped["dissolved"].sum() / grouped["alive"].mean().clip(lower=1),
        "volunteer_only_share": grouped["alive_volunteer_only"].last() / grouped["alive"].last().clip(lower=1),
    })


def trend(values: np.ndarray) -> tuple[float, float, float]:
    """OLS slope per year and its 95% interval."""
    years = np.arange(values.size, dtype=float)
    fit = stats.linregress(years, values)
    half = stats.t.ppf(0.975, values.size - 2) * fit.stderr
    return float(fit.slope), float(fit.slope - half), float(fit.slope + half)


def stationarity(model: pd.DataFrame, steps_per_year: int, last_years: int = 20) -> list[Measured]:
    """Each long-run quantity over the last `last_years` years: its mean inside its band, and no trend (the slope's
    95% interval covers 0, or the change it implies over the window is within DRIFT_TOLERANCE of the mean)."""
    series = yearly_series(model, steps_per_year).tail(last_years)
    checks = []
    for name, (low, high, source) in STATIONARY_BANDS.items():
        values = series[name].to_numpy(dtype=float)
        mean = float(values.mean())
        slope, slope_low, slope_high = trend(values)
        drift = abs(slope) * values.size / max(abs(mean), 1e-12)
        flat = slope_low <= 0.0 <= slope_high or drift <= DRIFT_TOLERANCE
        checks.append(Measured(f"long_run_{name}", mean, low, high, source, passed=bool(low <= mean <= high and flat),
                               details={"slope_per_year": slope, "slope_95": (slope_low, slope_high),
                                        "relative_drift": drift, "years": int(values.size)}))
    return checks


def volunteer_only_share(model: pd.DataFrame, steps_per_year: int) -> Measured:
    """Share of living MSOs without paid staff, mean of the last year; SVR 2020: 41%."""
    last = model[model["step"] > 0].tail(steps_per_year)
    value = float((last["alive_volunteer_only"] / last["alive"].clip(lower=1)).mean())
    return Measured("volunteer_only_share", value, 0.36, 0.46, "SVR 2020: 41% volunteer-only (band +-5 points)")


def initial_cohort_newness(msos: pd.DataFrame, steps_per_year: int, young_years: float = 5.0) -> Measured:
    """Dissolutions per MSO-year of the initial cohort while under `young_years` old, over those at that age or
    older (end snapshot): > 1 is the liability of newness (Singh, Tucker & House 1986; Bruederl & Schuessler 1990)."""
    end = msos[(msos["snapshot"] == "end") & msos["initial"]]
    horizon = float(msos.loc[msos["snapshot"] == "end", "founded_step"].max())  # at least the last step with foundings
    horizon = max(horizon, float(end["died_step"].max()))
    age_start = -end["founded_step"].to_numpy(dtype=float) / steps_per_year
    died = end["died_step"].to_numpy() >= 0
    exit_step = np.where(died, end["died_step"].to_numpy(dtype=float), horizon)
    age_exit = age_start + exit_step / steps_per_year
    young_years_at_risk = np.clip(np.minimum(age_exit, young_years) - age_start, 0.0, None).sum()
    old_years_at_risk = np.clip(age_exit - np.maximum(age_start, young_years), 0.0, None).sum()
    young_deaths = (died & (age_exit < young_years)).sum()
    old_deaths = (died & (age_exit >= young_years)).sum()
    young = young_deaths / max(young_years_at_risk, 1e-12)
    old = old_deaths / max(old_years_at_risk, 1e-12)
    value = young / old if old > 0 else np.inf
    return Measured("initial_cohort_young_old_hazard", float(value), 1.0, np.inf,
                    "liability of newness (Singh, Tucker & House 1986): the initial cohort as later foundings",
                    details={"young": float(young), "old": float(old), "young_deaths": int(young_deaths),
                             "old_deaths": int(old_deaths)}, passed=bool(value > 1.0))


def applying_share(tables: dict[str, pd.DataFrame]) -> Measured:
    """Share of living MSOs that apply to at least one call in a year (mean over the run's years)."""
    c = analysis.clock(tables)
    calls = grant_calls.applications(tables)
    model = tables["model"]
    years = (calls["step"] - 1) // c.steps_per_year
    applicants = calls.assign(sim_year=years).groupby("sim_year")["mso"].nunique()
    alive = model[model["step"] > 0].assign(sim_year=lambda f: (f["step"] - 1) // c.steps_per_year)
    alive = alive.groupby("sim_year")["alive"].mean()
    value = float((applicants.reindex(alive.index, fill_value=0) / alive.clip(lower=1)).mean())
    return Measured("applying_share", value, 0.25, 0.60,
                    "prior: ZiviZ 2015 (survey 2012): a third of civil-society organisations receive public money; "
                    "BIM 2018: 70% of small initiatives name the effort of applying, 50% a lack of information")


def reapplication(tables: dict[str, pd.DataFrame]) -> list[Measured]:
    """Rates of applying to the same funder's next call after an award and after a rejection (MSOs free to)."""
    rates = grant_calls.reapplication_rates(tables, by=("outcome", "still_funded"))
    free = rates[~rates["still_funded"]].set_index("outcome")["rate"]
    awarded, rejected = float(free.get("awarded", np.nan)), float(free.get("rejected", np.nan))
    return [
        Measured("reapplication_after_award", awarded, 0.3, 0.9, "prior: an award builds a track record"),
        Measured("reapplication_after_rejection", rejected, 0.1, 0.7,
                 "prior: a rejection discourages for a while (BIM 2018: the effort of applying)"),
        Measured("reapplication_award_minus_rejection", awarded - rejected, 0.0, 1.0,
                 "direction: winners apply again more often than losers", passed=bool(awarded > rejected)),
    ]


def laender_distribution(msos: pd.DataFrame) -> Measured:
    """Living MSOs per Land at the end: the four with most are NW, BW, BY, HE (seed article: most MSOs in the large
    western Laender), and the five eastern Laender hold a smaller share of MSOs than of the population."""
    laender = read_data("laender.csv")
    end = msos[(msos["snapshot"] == "end") & msos["alive"]]
    counts = end["land"].value_counts().reindex(range(len(laender)), fill_value=0).to_numpy()
    codes = laender["code"].to_numpy()
    top = set(codes[np.argsort(-counts, kind="stable")[:4]])
    east = np.isin(codes, EAST)
    msos_share = counts[east].sum() / max(counts.sum(), 1)
    population_share = float(laender["population_m"][east].sum() / laender["population_m"].sum())
    passed = top == set(TOP_FOUR) and msos_share < population_share
    return Measured("laender_east_share", float(msos_share), 0.0, population_share,
                    "seed article: most MSOs in NRW, BW, BY, HE, fewest in the eastern Laender",
                    details={"top_four": sorted(top), "east_population_share": population_share,
                             "by_land": dict(zip(codes, counts.tolist()))}, passed=bool(passed))


def run_metrics(tables: dict[str, pd.DataFrame], steps_per_year: int, *, long_run: bool = False) -> dict[str, float]:
    """The scalars `msosim validate` reads from one run: volunteer-only share, the initial cohort's hazards,
    reapplication to the same funder, the Laender; with `long_run` also each stationarity quantity's mean over the
    last 20 years and its drift (0 when the slope's 95% interval covers 0, else the relative change over the window)."""
    share = volunteer_only_share(tables["model"], steps_per_year)
    newness = initial_cohort_newness(tables["msos"], steps_per_year)
    start = tables["model"].iloc[0]
    out = {"volunteer_only_share": share.value, "volunteer_only_start": float(start["alive_volunteer_only"] / max(start["alive"], 1)),
           "initial_hazard_young": newness.details["young"],
           "initial_hazard_old": newness.details["old"]}
    awarded, rejected, _ = reapplication(tables)
    out.update({"reapply_next_awarded": awarded.value, "reapply_next_rejected": rejected.value})
    out.update(laender_metrics(tables["msos"]))
    if long_run and len(yearly_series(tables["model"], steps_per_year)) < 3:  # too short for a trend
        out.update({f"long_run_{name}{part}": np.nan for name in STATIONARY_BANDS for part in ("", "_drift")})
    elif long_run:
        for check in stationarity(tables["model"], steps_per_year):
            low, high = check.details["slope_95"]
            out[check.name] = check.value
            out[f"{check.name}_drift"] = 0.0 if low <= 0.0 <= high else check.details["relative_drift"]
        out["long_run_volunteer_only_share"] = float(
            yearly_series(tables["model"], steps_per_year)["volunteer_only_share"].tail(20).mean())
    return out


def laender_metrics(msos: pd.DataFrame) -> dict[str, float]:
    """East share of living MSOs minus east share of the population, and how many of the four Laender with most MSOs
    are NW, BW, BY, HE; NaN when the run holds fewer than all Laender (land and district scale)."""
    if msos.loc[msos["snapshot"] == "end", "land"].nunique() < len(read_data("laender.csv")):
        return {"laender_east_excess": np.nan, "laender_top_four": np.nan}
    measured = laender_distribution(msos)
    return {"laender_east_excess": measured.value - measured.high,
            "laender_top_four": float(len(set(measured.details["top_four"]) & set(TOP_FOUR)))}
