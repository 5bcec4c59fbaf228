"""The one entry point for experiments: `run(config, seed=..., years=...) -> tables`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .model import MSOModel
from .population import read_data
from .splits import level_outcomes, mso_outcomes, spending_outcomes
from .scenario import Scenario


def run(config: Scenario | str | Path, *, seed: int, years: float | None = None) -> dict[str, pd.DataFrame]:
    """Build a model from a scenario (object or YAML path), run it, return its tidy tables."""
    return MSOModel(config, seed=seed).run(years).tables()


def run_batch(config: Scenario | str | Path, *, seeds, years: float | None = None) -> list[dict[str, pd.DataFrame]]:
    """`run` for several seeds at once, in one set of arrays (msosim.batch): the same tables per seed as `run`."""
    from .batch import Batch

    batch = Batch(config, seeds).run(years)
    return [batch.world_tables(world) for world in range(len(batch.seeds))]


def run_outcomes(model_table: pd.DataFrame, steps_per_year: int, funders: pd.DataFrame | None = None,
                 msos: pd.DataFrame | None = None) -> dict[str, float]:
    """The scalar outcomes of one run (end values, totals, or last-year means) that comparisons use; with the
    funders and msos tables also their parts by funder level, MSO type and Land (msosim.splits)."""
    df = model_table[model_table["step"] > 0]
    last_year = df.tail(steps_per_year)
    end = df.iloc[-1]
    years = len(df) / steps_per_year
    alive_mean = max(float(df["alive"].mean()), 1.0)
    service = float(df["service_hours"].sum())
    parts = {**spending_outcomes(model_table, steps_per_year),
             **(level_outcomes(model_table, funders) if funders is not None else {}),
             **(mso_outcomes(msos, list(read_data("laender.csv")["code"])) if msos is not None else {})}
    return {
        "alive_end": float(end["alive"]),
        "alive_staffed_end": float(end["alive_staffed"]),
        "alive_volunteer_only_end": float(end["alive_volunteer_only"]),
        "founded_total": float(df["founded"].sum()),
        "dissolved_total": float(df["dissolved"].sum()),
        "dissolved_volunteers": float(df["dissolved_volunteers"].sum()),
        "dissolved_insolvency": float(df["dissolved_insolvency"].sum()),
        "dissolution_rate": float(df["dissolved"].sum()) / years / alive_mean,
        "initial_cohort_survival": float(end["initial_cohort_survival"]),
        "volunteers_end": float(end["volunteers"]),
        "mean_burnout": float(last_year["mean_burnout"].mean()),
        "volunteer_turnover": float(last_year["volunteer_turnover"].mean()),
        "staff_fte_end": float(end["staff_fte"]),
        "staff_lost_at_cliff": float(df["staff_lost_at_cliff"].sum()),
        "service_coverage": float(last_year["service_coverage"].mean()),
        "time_limited_share": float(last_year["time_limited_share"].mean()),
        "funding_gini": float(end["funding_gini"]),
        "coop_municipality_end": float(end["coop_municipality"]),
        "ties_per_mso_end": float(end["ties_per_mso"]),
        "mean_trust_end": float(end["mean_trust"]),
        "public_money_per_service_hour": float(df["public_money"].sum()) / service if service > 0 else float(np.nan),
        **parts,
    }
