"""Grant calls on the tidy tables of one run: applications with the applicant's status at the call, award rates,
funding by track record, reapplication (the definitions are those of analysis.py)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd

from ..scenario import ApplicationConfig
from ..submodels.grants import track_keep
from .analysis import TRACK_BANDS, clock, event_log, lives, status_at

TRACK_MEMORY_YEARS = ApplicationConfig().track_memory_years


def applications(tables: dict[str, pd.DataFrame], track_memory_years: float = TRACK_MEMORY_YEARS) -> pd.DataFrame:
    """One row per grant application: step, year, mso, funder, the applicant's state at the call (staffed,
    federation, track record), awarded, amount (EUR/year, 0 if rejected).

    The track record is the model's: the record at entry and every earlier award, each fading by
    exp(-1 / (track_memory_years * steps per year)) at the end of every step (pass the run's
    `applications.track_memory_years` where it is not the default)."""
    events = event_log(tables, "applications")
    applied = events[events["event"] == "grant_applied"]
    frame = pd.DataFrame({"step": applied["step"].to_numpy(), "year": applied["year"].to_numpy(),
                          "mso": applied["mso"].to_numpy(), "funder": applied["funder"].astype(str).to_numpy()})
    won = events[events["event"] == "grant_awarded"]
    awards = pd.DataFrame({"step": won["step"].to_numpy(), "mso": won["mso"].to_numpy(),
                           "funder": won["funder"].astype(str).to_numpy(), "amount": won["amount"].to_numpy()})
    frame = frame.merge(awards, on=["step", "mso", "funder"], how="left")
    frame["awarded"] = frame["amount"].notna()
    frame["amount"] = frame["amount"].fillna(0.0)
    before = frame["step"].to_numpy() - 1  # the call comes before this step's staff and federation changes
    life = lives(tables)
    frame["staffed"] = status_at(tables, "staffed", frame["mso"], before, life=life)
    frame["federation"] = status_at(tables, "federation", frame["mso"], before, life=life)
    frame["type"] = np.where(frame["staffed"], "staffed", "volunteer_only")
    frame["track_record"] = track_records(tables, frame["mso"], frame["step"], track_memory_years, awards, life)
    return frame


def track_records(tables: dict[str, pd.DataFrame], mso, step, track_memory_years: float = TRACK_MEMORY_YEARS,
                  awards: pd.DataFrame | None = None, life: pd.DataFrame | None = None) -> np.ndarray:
    """The model's track record of MSOs `mso` during steps `step`, before that step's calls: the record at entry
    and every earlier award, each fading by keep = exp(-1 / (track_memory_years * steps per year)) at the end of
    every step (an award in step a is worth keep ** (s - a) in step s; the record at entry keep ** (s - 1))."""
    if awards is None:
        won = event_log(tables, "track_records")
        won = won[won["event"] == "grant_awarded"]
        awards = pd.DataFrame({"step": won["step"].to_numpy(), "mso": won["mso"].to_numpy()})
    life = lives(tables) if life is None else life
    keep = track_keep(track_memory_years, clock(tables).steps_per_year)
    # Counted from each MSO's first award f, the fading record is a running sum of keep ** (f - a), times
    # keep ** (s - f): the powers stay within an MSO's life, so they neither overflow nor underflow.
    earlier = awards[["mso", "step"]].astype("int64").sort_values("step", kind="stable")
    first = earlier.groupby("mso")["step"].transform("min")
    earlier = earlier.assign(first=first, grown=(keep ** (first - earlier["step"])).groupby(earlier["mso"]).cumsum())
    query = pd.DataFrame({"mso": np.asarray(mso, dtype=np.int64), "step": np.asarray(step, dtype=np.int64)}).reset_index()
    query = query.sort_values("step", kind="stable")
    counted = pd.merge_asof(query, earlier[["mso", "step", "first", "grown"]], on="step", by="mso",
                            direction="backward", allow_exact_matches=False).set_index("index").sort_index()
    entry = life.set_index("mso")["track_entry"].reindex(np.asarray(mso)).to_numpy()
    at = np.asarray(step, dtype=float)
    since_first = at - counted["first"].fillna(0.0).to_numpy()
    return entry * keep ** (at - 1) + counted["grown"].fillna(0.0).to_numpy() * keep ** since_first


def award_rates(tables: dict[str, pd.DataFrame], by: Sequence[str] = ("type", "federation")) -> pd.DataFrame:
    """Awards per application by any column of `applications` (type, federation, funder, year, ...).

    Columns: the `by` keys, applications, awards, award_rate, amount_awarded (EUR/year).
    """
    frame = applications(tables) if not isinstance(tables, pd.DataFrame) else tables
    grouped = frame.groupby(list(by), observed=True).agg(applications=("awarded", "size"), awards=("awarded", "sum"),
                                                         amount_awarded=("amount", "sum")).reset_index()
    grouped["award_rate"] = grouped["awards"] / grouped["applications"]
    return grouped[[*by, "applications", "awards", "award_rate", "amount_awarded"]]


def funding_by_track_record(tables: dict[str, pd.DataFrame], bands: Sequence[float] = TRACK_BANDS) -> pd.DataFrame:
    """Applications, awards, award rate, money awarded, its share and the mean award by track record at the call."""
    frame = applications(tables)
    labels = [f"{lo:g}+" if np.isinf(hi) else f"{lo:g}" if hi - lo == 1 else f"{lo:g}-{hi - 1:g}"
              for lo, hi in pairwise(bands)]
    frame["track_record_band"] = pd.cut(frame["track_record"], np.asarray(bands, dtype=float), right=False,
                                        labels=labels)
    table = award_rates(frame, ["track_record_band"]).set_index("track_record_band").reindex(labels)
    table = table.fillna({"applications": 0, "awards": 0, "amount_awarded": 0.0}).astype(
        {"applications": int, "awards": int}).rename_axis("track_record_band").reset_index()
    table["share_of_money"] = table["amount_awarded"] / max(table["amount_awarded"].sum(), 1e-12)
    table["mean_award"] = table["amount_awarded"] / table["awards"].where(table["awards"] > 0)
    return table


def reapplication_rates(tables: dict[str, pd.DataFrame], by: Sequence[str] = ("outcome",)) -> pd.DataFrame:
    """Does an MSO apply again to the same funder at its next call, after an award or a rejection?

    Counted over applications whose funder's next call falls inside the run and whose MSO is alive
    then. `still_funded` (a by-key) marks MSOs holding a grant from that funder that runs past the
    start of a grant from the next call: the model does not let them apply there.
    Columns: the `by` keys, applications, reapplied, rate.
    """
    c, calls = clock(tables), applications(tables)
    frame = calls.assign(outcome=np.where(calls["awarded"], "awarded", "rejected"),
                         next_call=next_calls(calls, c.steps_per_year, tables.get("funders")))
    exit_step = lives(tables).set_index("mso")["exit"].reindex(frame["mso"]).to_numpy()
    frame = frame[(frame["next_call"] <= c.horizon) & (exit_step >= frame["next_call"])].reset_index(drop=True)
    again = calls[["mso", "funder", "step"]].rename(columns={"step": "next_call"}).assign(reapplied=True)
    frame = frame.merge(again, on=["mso", "funder", "next_call"], how="left")
    frame["reapplied"] = frame["reapplied"].fillna(False).astype(bool)
    frame["still_funded"] = _still_funded(tables, frame)
    grouped = frame.groupby(list(by), observed=True).agg(applications=("reapplied", "size"),
                                                         reapplied=("reapplied", "sum")).reset_index()
    grouped["rate"] = grouped["reapplied"] / grouped["applications"]
    return grouped


def next_calls(calls: pd.DataFrame, steps_per_year: int, funders: pd.DataFrame | None = None) -> np.ndarray:
    """Per application, the step of its funder's next call: `steps_per_year / calls_per_year` later (the funders
    table's column; a year without it)."""
    per_year = pd.Series(dtype=float) if funders is None or "calls_per_year" not in funders else (
        funders.set_index(funders["funder"].astype(str))["calls_per_year"])
    calls_of = per_year.reindex(calls["funder"].astype(str)).fillna(1).to_numpy(dtype=float)
    return calls["step"].to_numpy(dtype=np.int64) + np.round(steps_per_year / calls_of).astype(np.int64)


def _still_funded(tables: dict[str, pd.DataFrame], frame: pd.DataFrame) -> np.ndarray:
    """True where the MSO holds a grant from the funder ending after a grant from the next call would start.

    The start lag of a funder's grants (start - award step) is read from its grants awarded in calls.
    """
    if "grants" not in tables or frame.empty:
        return np.zeros(len(frame), dtype=bool)
    g = tables["grants"]
    grants = pd.DataFrame({"mso": g["mso"].to_numpy(), "funder": g["funder"].astype(str).to_numpy(),
                           "awarded_step": g["awarded_step"].to_numpy(), "start": g["start"].to_numpy(),
                           "end": g["end"].to_numpy()})
    called = grants[grants["awarded_step"] > 0]
    lag = (called["start"] - called["awarded_step"]).groupby(called["funder"]).median()
    merged = frame[["mso", "funder", "step", "next_call"]].reset_index().merge(grants, on=["mso", "funder"])
    next_start = merged["next_call"] + lag.reindex(merged["funder"]).fillna(0).to_numpy()
    holds = (merged["awarded_step"] <= merged["step"]) & (merged["end"] > next_start)
    return holds.groupby(merged["index"]).any().reindex(frame.index, fill_value=False).to_numpy()


# -- results stores --------------------------------------------------------------------------------
