"""Analysis helpers on the tidy tables of one run: lives, types over time, survival, dissolution hazard (funding and
reapplication in grant_calls.py).

Every helper takes the tables of one run (the dict from `MSOModel(...).run().tables()`, or a folder
of Parquet files written by `msosim run --out DIR`) and returns a tidy DataFrame. A results store
keeps only the model table and MSO lifetimes of each run: `store_tables` yields them in the same
shape and `per_run` applies a helper to every stored run; helpers that need the event log
(types over time, applications) say so when it is missing.

Definitions used throughout:
- Time at risk: an MSO is at risk in every step (month) after it enters the run (step 0 for the
  initial population, its founding step otherwise) up to the step it dissolves in, or the last
  step. A step belongs to the half-open interval (start, stop] of steps.
- Hazard: dissolutions per MSO-year at risk (an annual rate; at these levels about the yearly
  probability).
- Type at a step: "staffed" when paid staff > 0 after the staff_hired / staff_let_go events logged
  up to that step; the let-go logged at dissolution (cause `dissolution`) is not a change, it marks
  an MSO that dies staffed. Federation membership likewise from federation_joined / _left events.
- Age in a step: years since founding at the step's start, (step - 1 - founding step) / steps per
  year; the band 'lo-hi' holds ages lo <= age < hi. Calendar years and windows likewise by the step's start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

from ..population import build_landscape
from .store import Store, open_store

AGE_BANDS: tuple[float, ...] = (0.0, 2.0, 5.0, 10.0, 20.0, np.inf)
TRACK_BANDS: tuple[float, ...] = (0, 1, 2, 4, 8, np.inf)
DENSITY_LABELS = ("low", "middle", "high")
STAFF_EPSILON = 1e-9  # FTE below this count as no staff (float residue of hiring and letting go)


@dataclass(frozen=True)
class Clock:
    """Steps per year, the calendar year of step 0 and the last step of a run."""

    steps_per_year: int
    start_year: float
    horizon: int

    def step_before(self, year: float) -> int:
        """The step after which calendar `year` begins: steps > it start at or after `year`."""
        return int(np.ceil(round((year - self.start_year) * self.steps_per_year, 9)))


# -- input ---------------------------------------------------------------------------------------

def load_tables(source: dict[str, pd.DataFrame] | str | Path) -> dict[str, pd.DataFrame]:
    """The tables of one run: a dict as `tables()` returns it, or a folder of Parquet files (`msosim run --out`)."""
    if isinstance(source, dict):
        return source
    folder = Path(source)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder of Parquet tables; write one with `msosim run ... --out DIR`")
    tables = {path.stem: pd.read_parquet(path) for path in sorted(folder.glob("*.parquet"))}
    if "model" not in tables:
        raise ValueError(f"{folder}: no model.parquet; expected the tables of `msosim run ... --out DIR`")
    return tables


def clock(tables: dict[str, pd.DataFrame]) -> Clock:
    """The run's time base, read from the model table's step and year columns."""
    model = tables["model"]
    step, year = model["step"].to_numpy(), model["year"].to_numpy(dtype=float)
    if step.size < 2:
        raise ValueError("the model table needs at least two steps")
    per_year = round(float(step[-1] - step[0]) / (year[-1] - year[0]))
    return Clock(per_year, float(year[0] - step[0] / per_year), int(step[-1]))


def event_log(tables: dict[str, pd.DataFrame], need: str) -> pd.DataFrame:
    """The event log of a run, or a clear error where only a store's tables are at hand."""
    if "events" not in tables:
        raise ValueError(f"{need} needs the event log (tables['events']); a results store keeps only model steps and "
                         "MSO lifetimes, so use the tables of a run (`tables()` or `msosim run --out`)")
    return tables["events"]


def lives(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per MSO: entry and exit step, dissolved, founding step, district and state at entry."""
    c = clock(tables)
    if "msos" in tables:
        msos = tables["msos"]
        end = msos[msos["snapshot"] == "end"].set_index("mso")
        start = msos[msos["snapshot"] == "start"].set_index("mso").reindex(end.index)
        frame = pd.DataFrame({"initial": end["initial"].astype(bool), "founded_step": end["founded_step"],
                              "died_step": end["died_step"], "district": end["district"],
                              "staff_entry": start["staff_fte"].fillna(0.0),
                              "federation_entry": start["federation"].fillna(False).astype(bool),
                              "track_entry": start["track_record"].fillna(0.0).astype(float)})
    elif "lifetimes" in tables:
        end = tables["lifetimes"].set_index("mso")
        frame = pd.DataFrame({"initial": end["initial"].astype(bool), "founded_step": end["founded_step"],
                              "died_step": end["died_step"], "district": -1,
                              "staff_entry": end["staffed_start"].astype("boolean").fillna(False).astype(float),
                              "federation_entry": False, "track_entry": 0.0})
    else:
        raise ValueError("the tables hold neither 'msos' nor 'lifetimes'")
    frame = frame.rename_axis("mso").reset_index()
    frame["dissolved"] = frame["died_step"] >= 0
    frame["entry"] = np.maximum(frame["founded_step"], 0)
    frame["exit"] = np.where(frame["dissolved"], frame["died_step"], c.horizon)
    frame["staffed_entry"] = frame["staff_entry"] > STAFF_EPSILON
    return frame


# -- states over time ------------------------------------------------------------------------------

def status_changes(tables: dict[str, pd.DataFrame], kind: str, life: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per MSO and step, the value of a status ('staffed' or 'federation') after that step's events."""
    events = event_log(tables, f"the {kind} status over time")
    life = (lives(tables) if life is None else life).set_index("mso")
    if kind == "staffed":
        ev = events[events["event"].isin(["staff_hired", "staff_let_go"]) & (events["cause"] != "dissolution")]
        delta = np.where(ev["event"] == "staff_hired", ev["staff_fte"], -ev["staff_fte"]).astype(float)
        frame = (pd.DataFrame({"mso": ev["mso"].to_numpy(dtype=np.int64), "step": ev["step"].to_numpy(dtype=np.int64),
                               "delta": delta})
                 .groupby(["mso", "step"], sort=True)["delta"].sum().reset_index())
        level = life["staff_entry"].reindex(frame["mso"]).to_numpy() + frame.groupby("mso")["delta"].cumsum().to_numpy()
        frame["value"] = level > STAFF_EPSILON
    elif kind == "federation":
        ev = events[events["event"].isin(["federation_joined", "federation_left"])]
        frame = pd.DataFrame({"mso": ev["mso"].to_numpy(dtype=np.int64), "step": ev["step"].to_numpy(dtype=np.int64),
                              "value": (ev["event"] == "federation_joined").to_numpy(dtype=bool)})
        frame = frame.groupby(["mso", "step"], sort=True).last().reset_index()  # log order: the last event wins
    else:
        raise ValueError(f"unknown status {kind!r}; allowed: staffed, federation")
    return frame[["mso", "step", "value"]]


def status_at(tables: dict[str, pd.DataFrame], kind: str, mso: np.ndarray, step: np.ndarray,
              changes: pd.DataFrame | None = None, life: pd.DataFrame | None = None) -> np.ndarray:
    """The status ('staffed' or 'federation') of each MSO after the events of steps up to `step`."""
    life = lives(tables) if life is None else life
    changes = status_changes(tables, kind, life) if changes is None else changes
    entry = life.set_index("mso")[f"{kind}_entry"]
    query = pd.DataFrame({"mso": np.asarray(mso, dtype=np.int64), "step": np.asarray(step, dtype=np.int64),
                          "order": np.arange(len(mso))}).sort_values("step", kind="stable")
    right = changes.astype({"mso": np.int64, "step": np.int64}).sort_values("step", kind="stable")
    found = pd.merge_asof(query, right, on="step", by="mso", direction="backward").sort_values("order")
    value = found["value"].to_numpy(dtype=object, copy=True)
    missing = pd.isna(value)
    value[missing] = entry.reindex(found["mso"][missing]).to_numpy()
    return value.astype(bool)


def spells(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per MSO, stretches of steps (start, stop] with constant type and federation membership.

    Columns: mso, start, stop, staffed, federation, dissolved (the MSO dissolves at `stop`),
    initial, founded_step, district. Without an event log each MSO keeps its state at entry.
    """
    life = lives(tables)
    cuts = [life[["mso", "entry"]].rename(columns={"entry": "cut"})]
    changes = {}
    if "events" in tables:
        for kind in ("staffed", "federation"):
            changes[kind] = status_changes(tables, kind, life)
            cuts.append(pd.DataFrame({"mso": changes[kind]["mso"], "cut": changes[kind]["step"] - 1}))
    bounds = life.set_index("mso")[["entry", "exit"]]
    cut = pd.concat(cuts, ignore_index=True).drop_duplicates().sort_values(["mso", "cut"], kind="stable")
    entry, exit_ = bounds["entry"].reindex(cut["mso"]).to_numpy(), bounds["exit"].reindex(cut["mso"]).to_numpy()
    cut = cut[(cut["cut"].to_numpy() >= entry) & (cut["cut"].to_numpy() < exit_)].reset_index(drop=True)
    stop = cut.groupby("mso")["cut"].shift(-1)
    frame = pd.DataFrame({"mso": cut["mso"].to_numpy(), "start": cut["cut"].to_numpy(),
                          "stop": stop.fillna(bounds["exit"].reindex(cut["mso"]).reset_index(drop=True)).to_numpy(dtype=np.int64)})
    info = life.set_index("mso").reindex(frame["mso"])
    for kind in ("staffed", "federation"):
        frame[kind] = (status_at(tables, kind, frame["mso"], frame["start"] + 1, changes[kind], life) if kind in changes
                       else info[f"{kind}_entry"].to_numpy())
    frame["dissolved"] = info["dissolved"].to_numpy() & (frame["stop"].to_numpy() == info["exit"].to_numpy())
    for column in ("initial", "founded_step", "district"):
        frame[column] = info[column].to_numpy()
    return frame


def _split(pieces: pd.DataFrame, lower: np.ndarray, upper: np.ndarray, labels: Sequence, name: str) -> pd.DataFrame:
    """Cut each piece (start, stop] at band limits (lower, upper] (per band, or pieces x bands); label the band."""
    count, bands = len(pieces), len(labels)
    index = np.repeat(np.arange(count), bands)
    start, stop = pieces["start"].to_numpy()[index], pieces["stop"].to_numpy()[index]
    new_start = np.maximum(start, np.broadcast_to(np.asarray(lower, dtype=float), (count, bands)).reshape(-1))
    new_stop = np.minimum(stop, np.broadcast_to(np.asarray(upper, dtype=float), (count, bands)).reshape(-1))
    keep = new_stop > new_start
    out = pieces.iloc[index[keep]].reset_index(drop=True)
    out["start"], out["stop"] = new_start[keep], new_stop[keep]
    out["dissolved"] = out["dissolved"].to_numpy() & (stop[keep] == new_stop[keep])
    out[name] = pd.Categorical(np.tile(np.asarray(labels, dtype=object), count)[keep], categories=list(labels),
                               ordered=True)
    return out


def band_labels(bounds: Sequence[float]) -> list[str]:
    """'0-2', '2-5', ..., '20+' for band limits (0, 2, 5, ..., inf)."""
    return [f"{lo:g}+" if np.isinf(hi) else f"{lo:g}-{hi:g}" for lo, hi in pairwise(bounds)]


# -- hazard ----------------------------------------------------------------------------------------

def district_density(tables: dict[str, pd.DataFrame], migrants: Sequence[float] | None = None,
                     bands: int = 3) -> pd.DataFrame:
    """Per district and calendar year: MSOs alive at the year's start, migrants, MSOs per 10,000 migrants,
    MSO-years, dissolutions, hazard, and the density band (terciles of district-years by density)."""
    c, life = clock(tables), lives(tables)
    migrants = district_migrants(tables, migrants)
    if (life["district"] < 0).any():
        raise ValueError("district density needs each MSO's district (the msos table)")
    years = np.arange(int(np.ceil(c.horizon / c.steps_per_year)))
    pieces = _split(life.assign(start=life["entry"], stop=life["exit"]), years * c.steps_per_year,
                    (years + 1) * c.steps_per_year, c.start_year + years, "year")
    first = years * c.steps_per_year + 1  # MSOs alive when the year's first step begins
    alive = [np.bincount(life["district"][(life["entry"] < k) & (life["exit"] >= k)], minlength=migrants.size)
             for k in first]
    frame = pd.DataFrame({"district": np.tile(np.arange(migrants.size), years.size),
                          "year": np.repeat(c.start_year + years, migrants.size),
                          "msos": np.concatenate(alive), "migrants": np.tile(migrants, years.size)})
    frame["density"] = frame["msos"] / (frame["migrants"] / 1e4)
    pieces["year"] = pieces["year"].astype(float)
    grouped = pieces.assign(mso_years=(pieces["stop"] - pieces["start"]) / c.steps_per_year).groupby(
        ["district", "year"])[["mso_years", "dissolved"]].sum().rename(columns={"dissolved": "dissolutions"})
    frame = frame.merge(grouped.reset_index(), on=["district", "year"], how="left").fillna(
        {"mso_years": 0.0, "dissolutions": 0})
    frame = frame[frame["mso_years"] > 0].reset_index(drop=True)
    frame["hazard"] = frame["dissolutions"] / frame["mso_years"]
    labels = list(DENSITY_LABELS) if bands == 3 else [f"q{i + 1}" for i in range(bands)]
    if frame["district"].nunique() >= bands:
        frame["density_band"] = pd.qcut(frame["density"].rank(method="first"), bands, labels=labels)
    else:  # one district (district scale): no spread of density to band
        frame["density_band"] = pd.Categorical([None] * len(frame), categories=labels, ordered=True)
    return frame


def district_migrants(tables: dict[str, pd.DataFrame], migrants: Sequence[float] | None = None) -> np.ndarray:
    """Migrants per district: given, or from a `districts` table, else an error naming both ways."""
    if migrants is not None:
        return np.asarray(migrants, dtype=float)
    if "districts" in tables:
        return tables["districts"].sort_values("district")["migrants"].to_numpy(dtype=float)
    raise ValueError("district density needs the migrants per district: pass migrants=scenario_migrants(scenario)")


def scenario_migrants(scenario) -> np.ndarray:
    """Migrants per district of a scenario's synthetic geography (fixed by its geography seed)."""
    landscape = build_landscape(scenario, np.random.default_rng(0))  # the model rng only draws openness here
    return landscape.districts.view("migrants").copy()


HAZARD_KEYS = ("age_band", "type", "federation", "year", "density_band", "initial", "entry_type", "district")


def dissolution_hazard(tables: dict[str, pd.DataFrame], by: Sequence[str] = ("age_band",), *,
                       age_bands: Sequence[float] = AGE_BANDS, window: tuple[float, float] | None = None,
                       migrants: Sequence[float] | None = None) -> pd.DataFrame:
    """Dissolutions per MSO-year by any of HAZARD_KEYS; `window` = (from, to) calendar years limits the exposure.

    Columns: the `by` keys, mso_years, dissolutions, hazard. age_band uses the (lo, hi] bands of
    `age_bands`; type is the MSO's type in each month; density_band the district-year tercile of
    MSOs per 10,000 migrants (see `district_density`).
    """
    unknown = [key for key in by if key not in HAZARD_KEYS]
    if unknown:
        raise ValueError(f"unknown hazard key(s) {unknown}; allowed: {', '.join(HAZARD_KEYS)}")
    if "type" in by or "federation" in by:
        event_log(tables, "hazard by type or federation")
    c = clock(tables)
    pieces = spells(tables)
    pieces["type"] = np.where(pieces["staffed"], "staffed", "volunteer_only")
    pieces["entry_type"] = pieces.groupby("mso")["type"].transform("first")
    if window is not None:
        bounds = [c.step_before(window[0])], [c.step_before(window[1])]
        pieces = _split(pieces, *bounds, ["window"], "_window")
    if "age_band" in by:
        limits = np.asarray(age_bands, dtype=float) * c.steps_per_year
        founded = pieces["founded_step"].to_numpy(dtype=float)[:, None]
        pieces = _split(pieces, founded + limits[None, :-1], founded + limits[None, 1:], band_labels(age_bands), "age_band")
    if "year" in by or "density_band" in by:
        years = np.arange(int(np.ceil(c.horizon / c.steps_per_year)))
        pieces = _split(pieces, years * c.steps_per_year, (years + 1) * c.steps_per_year, c.start_year + years, "year")
        pieces["year"] = pieces["year"].astype(float)
    if "density_band" in by:
        density = district_density(tables, migrants)[["district", "year", "density_band"]]
        pieces = pieces.merge(density, on=["district", "year"], how="left")
    pieces["mso_years"] = (pieces["stop"] - pieces["start"]) / c.steps_per_year
    keys = list(by)
    if not keys:
        out = pd.DataFrame({"mso_years": [pieces["mso_years"].sum()], "dissolutions": [int(pieces["dissolved"].sum())]})
    else:
        out = (pieces.groupby(keys, observed=True, dropna=True)[["mso_years", "dissolved"]].sum()
               .rename(columns={"dissolved": "dissolutions"}).reset_index())
    out["dissolutions"] = out["dissolutions"].astype(int)
    out["hazard"] = out["dissolutions"] / out["mso_years"].where(out["mso_years"] > 0)
    return out


# -- survival ------------------------------------------------------------------------------------

def kaplan_meier(durations: Sequence[float], observed: Sequence[bool]) -> pd.DataFrame:
    """Kaplan-Meier table: time, at_risk, events, censored, survival (just after `time`), Greenwood std_error.

    The first row is time 0 with everyone at risk. Censored durations count as at risk at their time.
    """
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    times = np.unique(durations)
    at_risk = durations.size - np.searchsorted(np.sort(durations), times, side="left")
    events = np.bincount(np.searchsorted(times, durations[observed]), minlength=times.size)
    censored = np.bincount(np.searchsorted(times, durations[~observed]), minlength=times.size)
    survival = np.cumprod(1.0 - events / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = survival**2 * np.cumsum(np.where(at_risk > events, events / (at_risk * (at_risk - events)), np.inf * events))
    table = pd.DataFrame({"time": times, "at_risk": at_risk, "events": events, "censored": censored,
                          "survival": survival, "std_error": np.sqrt(np.nan_to_num(variance, nan=np.inf))})
    head = pd.DataFrame({"time": [0.0], "at_risk": [durations.size], "events": [0], "censored": [0],
                         "survival": [1.0], "std_error": [0.0]})
    return pd.concat([head, table[table["time"] > 0]], ignore_index=True) if durations.size else head


def survival_curves(tables: dict[str, pd.DataFrame], by: Sequence[str] = ("cohort", "type")) -> pd.DataFrame:
    """Kaplan-Meier survival by founding cohort and/or type at entry, time in years since entering the run.

    cohort: 'initial' (the population at the start, left-truncated at its age) or the calendar year of
    founding; type: staffed or volunteer_only at entry (MSOs founded during a run start volunteer-only).
    Columns: the `by` keys, time, at_risk, dissolved, censored, survival, std_error.
    """
    c, life = clock(tables), lives(tables)
    founded_year = np.floor(c.start_year + (life["founded_step"] - 1) / c.steps_per_year).astype(int).astype(str)
    life["cohort"] = np.where(life["initial"], "initial", founded_year)
    life["type"] = np.where(life["staffed_entry"], "staffed", "volunteer_only")
    life["duration"] = (life["exit"] - life["entry"]) / c.steps_per_year
    life = life[life["exit"] > life["entry"]]
    groups = life.groupby(list(by), sort=True) if by else [((), life)]
    frames = []
    for key, members in groups:
        table = kaplan_meier(members["duration"], members["dissolved"]).rename(columns={"events": "dissolved"})
        for position, value in enumerate(key if isinstance(key, tuple) else (key,)):
            table.insert(position, by[position], value)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


# -- funding -------------------------------------------------------------------------------------

def store_tables(store, scenario: str | None = None) -> Iterator[tuple[dict, dict[str, pd.DataFrame]]]:
    """Each run in a results store (a Store or a path) as (its run row, tables with `model` and `lifetimes`)."""
    opened = store if isinstance(store, Store) else open_store(store)
    try:
        runs = opened.runs()
        if scenario is not None:
            runs = runs[(runs["scenario_name"] == scenario) | (runs["scenario_hash"] == scenario)]
        for run in runs.to_dict("records"):
            key = [run["scenario_hash"], int(run["seed"]), float(run["years"])]
            where = "WHERE scenario_hash = ? AND seed = ? AND years = ?"
            model = opened.con.execute(f"SELECT * FROM model_steps {where} ORDER BY step", key).df()
            lifetimes = opened.con.execute(f"SELECT * FROM mso_lifetimes {where} ORDER BY mso", key).df()
            yield run, {"model": model, "lifetimes": lifetimes}
    finally:
        if opened is not store:
            opened.close()


def per_run(store, function: Callable[..., pd.DataFrame], scenario: str | None = None, **options) -> pd.DataFrame:
    """Apply an analysis helper to every run of a store; rows carry scenario_name, seed and years."""
    frames = [function(tables, **options).assign(scenario_name=run["scenario_name"], seed=run["seed"],
                                                 years=run["years"])
              for run, tables in store_tables(store, scenario)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
