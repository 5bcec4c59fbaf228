"""Which sensitivity indices not to read as they stand: intervals wider than the index, values outside [0, 1]
beyond their interval, and outcomes that barely vary (their indices then describe noise).

Each index row gets a `flags` text (empty when nothing is wrong); `warnings` sums them up per outcome in
one line each, for `msosim analyze` to print and the report to show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# An outcome "barely varies" when its standard deviation over the sample's points is below this share of
# the absolute value of its mean (1%): the indices then split a variance that is mostly noise and rounding.
FLAT_SPREAD = 0.01

WIDE = "interval wider than the index"
NEGATIVE = "S1 < 0 beyond its interval"
ABOVE_ONE = "ST > 1 beyond its interval"
FLAT = "outcome barely varies"


def relative_spread(values: np.ndarray) -> float:
    """Standard deviation over the absolute mean (0 for a constant, infinite for a varying outcome of mean 0)."""
    std = float(np.std(values))
    mean = abs(float(np.mean(values)))
    if std == 0:
        return 0.0
    return std / mean if mean > 0 else float("inf")


def flat_warning(outcome: str, values: np.ndarray, threshold: float = FLAT_SPREAD) -> str | None:
    """The warning for an outcome whose relative standard deviation is below `threshold`, else None."""
    spread = relative_spread(values)
    if spread >= threshold:
        return None
    return (f"{outcome}: {FLAT}: relative standard deviation {spread:.2g} over the points, below {threshold:g}; "
            "its indices describe noise, not the parameters")


def _wide(index: pd.Series, half_width: pd.Series) -> pd.Series:
    """The whole interval (twice the half-width) is wider than the index's size."""
    return 2 * half_width > index.abs()


def sobol_flags(table: pd.DataFrame, flat: set[str]) -> pd.Series:
    """Per Sobol row: wide intervals, S1 below 0 or ST above 1 beyond the interval, a flat outcome."""
    checks = {WIDE: _wide(table["S1"], table["S1_conf"]) | _wide(table["ST"], table["ST_conf"]),
              NEGATIVE: table["S1"] + table["S1_conf"] < 0,
              ABOVE_ONE: table["ST"] - table["ST_conf"] > 1,
              FLAT: table["outcome"].isin(flat)}
    return _join(table.index, checks)


def morris_flags(table: pd.DataFrame, flat: set[str]) -> pd.Series:
    """Per Morris row: an interval of mu* wider than mu*, a flat outcome."""
    return _join(table.index, {WIDE: _wide(table["mu_star"], table["mu_star_conf"]),
                               FLAT: table["outcome"].isin(flat)})


def _join(index: pd.Index, checks: dict[str, pd.Series]) -> pd.Series:
    rows = [[name for name, hit in checks.items() if hit.loc[i]] for i in index]
    return pd.Series(["; ".join(names) for names in rows], index=index, dtype=object)


def warnings(table: pd.DataFrame, level: float) -> list[str]:
    """One line per outcome and problem (flat outcomes are warned about where they are found)."""
    lines = []
    for outcome, rows in table.groupby("outcome", sort=False):
        for problem, advice in ((WIDE, "a larger n (or more replications) narrows them"),
                                (NEGATIVE, "the estimate is noise at this n"),
                                (ABOVE_ONE, "the estimate is noise at this n")):
            hit = rows.loc[rows["flags"].str.contains(problem, regex=False), "parameter"].tolist()
            if hit:
                lines.append(f"{outcome}: {len(hit)} of {len(rows)} parameters with {problem} "
                             f"({level:.0%} interval: {', '.join(hit[:4])}{', ...' if len(hit) > 4 else ''}); {advice}")
    return lines
