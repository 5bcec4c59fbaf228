"""The parameter-uncertainty table of `msosim compare --posterior N`: per outcome, parameter uncertainty against chance."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .report import OUTCOMES

FILE = "posterior_variance.csv"


def console_table(table: pd.DataFrame, draws: int, reps: int, particles: Path):
    """A Rich table of the outcomes of the comparison table: mean, 95% of the runs, parameter and noise sd, share."""
    from rich.table import Table

    formats = dict(OUTCOMES)
    shown = table[table["outcome"].isin(formats)].copy()
    shown["order"] = shown["outcome"].map({key: i for i, key in enumerate(formats)})
    out = Table(title=f"parameter uncertainty and chance: {draws} posterior draws from {particles} x {reps} "
                      "replications (share = parameter variance / all variance of a run)", header_style="bold")
    for column in ("scenario", "outcome", "mean", "95% of runs", "parameter sd", "chance sd", "parameter share"):
        out.add_column(column, justify="left" if column in ("scenario", "outcome") else "right")
    for _, row in shown.sort_values(["position", "quantity", "order"], ascending=[True, False, True]).iterrows():
        spec = formats[row["outcome"]]
        number = (lambda x: "—" if pd.isna(x) else format(x, spec))  # noqa: E731
        what = row["scenario"] if row["quantity"] == "value" else f"{row['scenario']} - reference"
        share = "—" if pd.isna(row["parameter_share"]) else f"{row['parameter_share']:.0%}"
        out.add_row(what, row["outcome"], number(row["mean"]), f"{number(row['low'])} .. {number(row['high'])}",
                    number(row["parameter_sd"]), number(row["noise_sd"]), share)
    return out


def csv_writer(table: pd.DataFrame):
    """The writer of posterior_variance.csv (every outcome, value and paired difference, split) for the report folder."""
    return lambda path: table.to_csv(path, index=False)
