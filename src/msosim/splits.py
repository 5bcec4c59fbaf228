"""Who gains and who loses: per-run outcomes split by MSO type, funder level and Land, and their tables.

A part is stored as an outcome named `outcome|dimension=part` ("alive_end|type=staffed"), so the store,
`batch.summarise` and the paired intervals treat it like any outcome, and the parts of a run sum to its whole.
MSO type is the type at the start of the run (MSOs founded during the run start without paid staff).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LEVELS = ("federal", "land", "foundation", "municipal")
TYPES = ("volunteer_only", "staffed")
SPLIT_OUTCOMES = ("alive_end", "dissolved_total", "volunteers_end", "staff_fte_end", "coop_municipality_end",
                  "public_money_total")
DIMENSIONS = {"type": SPLIT_OUTCOMES, "land": SPLIT_OUTCOMES, "level": ("public_money_total",)}
SEPARATOR = "|"


def part_name(outcome: str, dimension: str, part: str) -> str:
    """'alive_end|type=staffed'."""
    return f"{outcome}{SEPARATOR}{dimension}={part}"


def split_name(name: str) -> tuple[str, str | None, str | None]:
    """('alive_end', 'type', 'staffed') from 'alive_end|type=staffed'; (name, None, None) for a whole outcome."""
    whole, _, rest = name.partition(SEPARATOR)
    dimension, _, part = rest.partition("=")
    return (whole, dimension, part) if rest else (whole, None, None)


def spending_outcomes(model_table: pd.DataFrame, steps_per_year: int) -> dict[str, float]:
    """Public money spent over the run (total, per year) and the units it buys: MSO-years, FTE-years, service hours."""
    run = model_table[model_table["step"] > 0]
    years = len(run) / steps_per_year
    total = float(run["public_money"].sum())
    return {"public_money_total": total, "public_money_per_year": total / years if years else float("nan"),
            "mso_years": float(run["alive"].sum()) / steps_per_year,
            "fte_years": float(run["staff_fte"].sum()) / steps_per_year,
            "service_hours_total": float(run["service_hours"].sum())}


def level_outcomes(model_table: pd.DataFrame, funders: pd.DataFrame) -> dict[str, float]:
    """Public money paid over the run by funder level; municipal money from the model table."""
    paid = funders.groupby("level", observed=True)["paid_total"].sum()
    parts = {part_name("public_money_total", "level", level): float(paid.get(level, 0.0)) for level in LEVELS[:-1]}
    run = model_table[model_table["step"] > 0]
    parts[part_name("public_money_total", "level", "municipal")] = float(run["income_municipal"].sum())
    return parts


def snapshot_columns(msos: pd.DataFrame, snapshot: str, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The given columns of the msos table's rows of one snapshot ("start", "end") as arrays, in the table's order
    (only these columns are gathered: filtering the whole frame took most of a run's result, 2026-12-07)."""
    keep = (msos["snapshot"] == snapshot).to_numpy(dtype=bool)  # compared in the column's own (arrow) type
    return {name: msos[name].to_numpy()[keep] for name in columns}


def mso_parts(msos: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per MSO at the end of the run: type at start (index into TYPES), Land index, alive, staff, dissolved during
    the run, public money received over the run."""
    money = ("grant_income_total", "municipal_income_total")
    start = snapshot_columns(msos, "start", ("mso", "staff_fte", *money))
    end = snapshot_columns(msos, "end", ("mso", "land", "alive", "staff_fte", "volunteers", "coop_municipality",
                                         "died_step", *money))
    rows = end["mso"]
    size = int(max(rows.max(initial=-1), start["mso"].max(initial=-1))) + 1
    staffed, received_before = np.zeros(size, dtype=bool), np.zeros(size)
    staffed[start["mso"]] = start["staff_fte"] > 0
    received_before[start["mso"]] = start[money[0]] + start[money[1]]
    alive = end["alive"].astype(bool)
    return {
        "type": staffed[rows].astype(int), "land": end["land"].astype(int),
        "alive_end": alive.astype(float), "staff_fte_end": np.where(alive, end["staff_fte"], 0.0),
        "volunteers_end": np.where(alive, end["volunteers"], 0.0),
        "coop_municipality_end": (alive & end["coop_municipality"].astype(bool)).astype(float),
        "dissolved_total": (end["died_step"] > 0).astype(float),
        "public_money_total": end[money[0]] + end[money[1]] - received_before[rows],
    }


def mso_outcomes(msos: pd.DataFrame, land_codes: list[str]) -> dict[str, float]:
    """The split outcomes by MSO type and by Land (every part always, zero where a run has no such MSO, so the
    means of the parts over runs sum to the mean of the whole)."""
    table = mso_parts(msos)
    parts: dict[str, float] = {}
    for dimension, names in (("type", TYPES), ("land", land_codes)):
        for outcome in SPLIT_OUTCOMES:
            sums = np.bincount(table[dimension], weights=table[outcome], minlength=len(names))
            parts.update({part_name(outcome, dimension, part): float(sums[i]) for i, part in enumerate(names)})
    return parts


def decomposition(summary: pd.DataFrame, outcome: str, dimension: str) -> pd.DataFrame:
    """The parts of one outcome along one dimension, with the whole as the last row: mean per scenario and,
    for scenarios after the reference, the paired difference and its interval (columns from batch.summarise)."""
    names = summary["outcome"].astype(str)
    split = names.map(split_name)
    chosen = summary[split.map(lambda s: s[0] == outcome and s[1] == dimension)]
    if chosen.empty:
        return pd.DataFrame()
    chosen = chosen.assign(part=chosen["outcome"].map(lambda name: split_name(name)[2]))
    whole = summary[names == outcome].assign(part="total")
    columns = ["part", *(c for c in ("position", "scenario", "mean", "diff", "diff_low", "diff_high") if c in summary)]
    return pd.concat([chosen[columns], whole[columns]], ignore_index=True)


def dimensions_present(summary: pd.DataFrame, outcome: str) -> list[str]:
    """The dimensions along which the summary holds two or more non-zero parts of `outcome` (one Land: no split)."""
    split = summary["outcome"].astype(str).map(split_name)
    nonzero = summary["mean"].fillna(0).to_numpy() != 0
    found = []
    for dimension in DIMENSIONS:
        parts = {s[2] for s, keep in zip(split, nonzero) if keep and s[0] == outcome and s[1] == dimension}
        if len(parts) >= 2:
            found.append(dimension)
    return found
