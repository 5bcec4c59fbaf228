"""How often MSOs apply (issue 15): the share of living MSOs applying in a year, the share that applied at least
once within five years, and reapplication within three years after an award or a rejection.

Reference values: BIM 2018 (Karakayali et al., "Fördermittel in der Flüchtlingshilfe", Bertelsmann Stiftung):
37% of the initiatives surveyed applied for no funding in the past five years (63% applied at least once),
of those founded since 2015 about half; ZiviZ 2012 (Priemer, Labigne & Krimmer 2015): about two thirds of civil
society organisations receive no public money.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .analysis import clock, event_log, lives


def _applications(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    events = event_log(tables, "application shares")
    applied = events[events["event"] == "grant_applied"]
    awarded = events[events["event"] == "grant_awarded"]
    frame = pd.DataFrame({"step": applied["step"].to_numpy(), "mso": applied["mso"].to_numpy(),
                          "funder": applied["funder"].astype(str).to_numpy()})
    won = pd.DataFrame({"step": awarded["step"].to_numpy(), "mso": awarded["mso"].to_numpy(),
                        "funder": awarded["funder"].astype(str).to_numpy(), "awarded": True})
    frame = frame.merge(won, on=["step", "mso", "funder"], how="left")
    frame["awarded"] = frame["awarded"].fillna(False).astype(bool)
    return frame


def _alive_through(tables: dict[str, pd.DataFrame], first: int, last: int) -> np.ndarray:
    """MSOs present from step `first` (entered at or before it) to step `last` (not dissolved before it)."""
    life = lives(tables)
    keep = (life["entry"] <= first) & (life["exit"] >= last)
    return life.loc[keep, "mso"].to_numpy()


def application_shares(tables: dict[str, pd.DataFrame], window_years: int = 5) -> dict[str, float]:
    """Share of MSOs alive through a year that applied in it (mean over whole years), and share of MSOs alive
    through the last `window_years` whole years of the run that applied at least once in them."""
    c, calls = clock(tables), _applications(tables)
    spy, years = c.steps_per_year, c.horizon // c.steps_per_year
    per_year = []
    for year in range(years):
        first, last = year * spy, (year + 1) * spy
        present = _alive_through(tables, first, last)
        inside = calls[(calls["step"] > first) & (calls["step"] <= last)]
        if present.size:
            per_year.append(np.isin(present, inside["mso"].unique()).mean())
    out = {"applying_share_per_year": float(np.mean(per_year)) if per_year else float("nan")}
    if years >= window_years:
        first, last = (years - window_years) * spy, years * spy
        present = _alive_through(tables, first, last)
        inside = calls[(calls["step"] > first) & (calls["step"] <= last)]
        out["applied_within_5_years"] = float(np.isin(present, inside["mso"].unique()).mean()) if present.size \
            else float("nan")
    return out


def reapplication_within(tables: dict[str, pd.DataFrame], years: int = 3) -> dict[str, float]:
    """Share of applications after which the MSO applies again (to any funder) within `years`, for awarded and
    rejected applications; counted over applications whose window ends inside the run with the MSO alive."""
    c, calls = clock(tables), _applications(tables)
    window = years * c.steps_per_year
    life = lives(tables).set_index("mso")["exit"]
    frame = calls[calls["step"] + window <= c.horizon]
    frame = frame[life.reindex(frame["mso"]).to_numpy() >= frame["step"].to_numpy() + window]
    steps = calls.groupby("mso")["step"].apply(np.sort)
    out = {}
    for outcome, rows in (("awarded", frame[frame["awarded"]]), ("rejected", frame[~frame["awarded"]])):
        if rows.empty:
            out[f"reapply_3y_{outcome}"] = float("nan")
            continue
        again = [bool(((s > step) & (s <= step + window)).any())
                 for s, step in zip(steps.reindex(rows["mso"]).to_numpy(), rows["step"].to_numpy(), strict=True)]
        out[f"reapply_3y_{outcome}"] = float(np.mean(again))
    return out


def application_metrics(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """All of the above, as one dict of scalars (for validate)."""
    return {**application_shares(tables), **reapplication_within(tables)}
