"""Analysis of a stored sweep: Sobol and Morris indices (SALib), scenario discovery with PRIM (EMA Workbench).

`analyze_sweep(store)` reads the last sweep (or `sweep=` by name or id), averages each point's
replications, and computes the indices its sampler supports; with `prim=` it also finds the
region of the parameter space where a condition on the outcomes holds (per run). With
`report=` it writes CSV tables, PNG figures and a self-contained report.html.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .experiment import CONDITION_EXTRA, condition_names
from ..reporting.sensitivity import write_report
from . import reliability
from .samplers.salib import salib_problem
from .store import Store

LEVEL = 0.95


class AnalysisError(Exception):
    """A store or sweep that cannot be analysed as asked; the message says what to do."""


@dataclass
class PrimResult:
    """The chosen PRIM box: its limits, its statistics, and the peeling trajectory it was chosen from."""

    condition: str
    cases: int
    total: int
    box: pd.DataFrame
    trajectory: pd.DataFrame
    chosen: int
    stats: dict[str, float]


@dataclass
class Analysis:
    """What `analyze` found: the sweep, its runs, the indices and the PRIM box (None where not computed)."""

    sweep: dict[str, Any]
    runs: pd.DataFrame
    sobol: pd.DataFrame | None = None
    sobol_second_order: pd.DataFrame | None = None
    morris: pd.DataFrame | None = None
    prim: PrimResult | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # indices not to read as they stand (reliability.py)
    report: Path | None = None
    level: float = LEVEL  # of the bootstrap intervals


# -- reading ---------------------------------------------------------------------------------------

def sweep_results(store: Store, sweep_id: str, alive_start: bool = False) -> pd.DataFrame:
    """One row per stored run of a sweep: point, seed, the applied parameter values, every outcome."""
    values = store.sweep_table("sweep_values", sweep_id)
    applied = values.assign(applied=values["applied"].map(json.loads)).pivot(
        index="point", columns="parameter", values="applied")
    names = list(dict.fromkeys(values["parameter"]))
    outcomes = store.sweep_table("outcomes", sweep_id)
    if outcomes.empty:
        return pd.DataFrame(columns=["point", "seed", *names])
    wide = outcomes.pivot(index=["point", "seed"], columns="outcome", values="value").reset_index()
    frame = wide.merge(applied[names].reset_index(), on="point", how="left")
    frame = frame[["point", "seed", *names, *[c for c in wide.columns if c not in ("point", "seed")]]]
    if alive_start and "model_steps" in store.tables():
        steps = store.sweep_table("model_steps", sweep_id)
        start = steps.loc[steps["step"] == 0, ["point", "seed", "alive"]].rename(columns={"alive": "alive_start"})
        frame = frame.merge(start, on=["point", "seed"], how="left")
    return frame.rename_axis(columns=None)


def _sweep_row(store: Store, sweep: str | None) -> dict[str, Any]:
    row = store.sweep(sweep)
    if row.empty:
        if sweep is None:
            raise AnalysisError(f"{store.path}: the store holds no sweep; run `msosim sweep EXPERIMENT` first")
        raise AnalysisError(f"{store.path}: no sweep named or with id {sweep!r}; see the sweeps table")
    return row.iloc[0].to_dict()


def _design_matrix(store: Store, sweep_id: str, names: list[str]) -> np.ndarray:
    values = store.sweep_table("sweep_values", sweep_id)
    return values.pivot(index="point", columns="parameter", values="value")[names].to_numpy(dtype=float)


def _point_means(runs: pd.DataFrame, points: int, outcome: str) -> np.ndarray:
    """The outcome per point, averaged over its replications (NaN where a point has no run)."""
    means = runs.groupby("point")[outcome].mean()
    return means.reindex(range(points)).to_numpy(dtype=float)


class SalibData(NamedTuple):
    """A stored sweep as SALib reads it: the problem, the design matrix X, and Y (one row per point, one column per outcome)."""

    problem: dict[str, Any]
    X: np.ndarray
    Y: pd.DataFrame


def load(store: str | Path | Store, sweep: str | None = None) -> SalibData:
    """The SALib problem, X (points x parameters, in sample order) and Y (each point's replications averaged).

    `problem, X, Y = load("results/sobol_funding.duckdb")`, then e.g.
    `SALib.analyze.sobol.analyze(problem, Y["alive_end"].to_numpy())`. `sweep` is a name or id (default: the last).
    """
    if not isinstance(store, Store):
        with Store.open(store) as opened:
            return load(opened, sweep)
    row = _sweep_row(store, sweep)
    problem = salib_problem(json.loads(row["experiment_json"])["problem"])
    names, points = problem["names"], int(row["points"])
    runs = sweep_results(store, row["sweep_id"])
    outcomes = [c for c in runs.columns if c not in ("point", "seed", *names)]
    Y = runs.groupby("point")[outcomes].mean().reindex(range(points)).rename_axis("point")
    return SalibData(problem, _design_matrix(store, row["sweep_id"], names), Y)


# -- indices ---------------------------------------------------------------------------------------

def sobol_indices(problem: dict, Y: np.ndarray, second_order: bool, seed: int) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """First-order and total Sobol indices with their confidence half-widths (SALib.analyze.sobol)."""
    from SALib.analyze import sobol

    result = sobol.analyze(problem, Y, calc_second_order=second_order, num_resamples=200, conf_level=LEVEL,
                           seed=seed)
    first = pd.DataFrame({"parameter": problem["names"], "S1": result["S1"], "S1_conf": result["S1_conf"],
                          "ST": result["ST"], "ST_conf": result["ST_conf"]})
    if not second_order:
        return first, None
    names, rows = problem["names"], []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            rows.append({"parameter_1": names[i], "parameter_2": names[j], "S2": result["S2"][i, j],
                         "S2_conf": result["S2_conf"][i, j]})
    return first, pd.DataFrame(rows)


def morris_indices(problem: dict, X: np.ndarray, Y: np.ndarray, levels: int, seed: int) -> pd.DataFrame:
    """Morris mu, mu*, its confidence half-width, and sigma (SALib.analyze.morris)."""
    from SALib.analyze import morris

    result = morris.analyze(problem, X, Y, num_resamples=200, conf_level=LEVEL, num_levels=levels, seed=seed)
    return pd.DataFrame({"parameter": problem["names"], "mu": result["mu"], "mu_star": result["mu_star"],
                         "mu_star_conf": result["mu_star_conf"], "sigma": result["sigma"]})


# -- scenario discovery ------------------------------------------------------------------------------

class OneSidedCondition(AnalysisError):
    """A PRIM condition that holds in every run or in none; `held` says so ("condition '...' holds in k of n runs")."""

    def __init__(self, held: str) -> None:
        super().__init__(f"--prim: {held}; PRIM needs runs on both sides (choose another threshold)")
        self.held = held


def prim_box(runs: pd.DataFrame, names: list[str], condition: str, min_density: float = 0.8) -> PrimResult:
    """PRIM (ema_workbench.analysis.prim) on the runs: where in the parameter space does `condition` hold?

    The box chosen on the peeling trajectory is the one with the highest coverage among those with
    density at least `min_density` (or, if none reaches it, the densest).
    """
    import logging
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "ipyparallel not installed"
        from ema_workbench.analysis import prim

    y = runs.eval(condition).to_numpy(dtype=bool)
    if y.all() or not y.any():
        raise OneSidedCondition(f"condition '{condition}' holds in {int(y.sum())} of {y.size} runs")
    x = pd.DataFrame({name: (runs[name].astype(float) if pd.api.types.is_numeric_dtype(runs[name])
                             else runs[name].astype(str).astype("category")) for name in names})
    logging.getLogger("EMA").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # pandas deprecations inside ema_workbench
        warnings.simplefilter("ignore", DeprecationWarning)
        box = prim.Prim(x, y, peel_alpha=0.05, mass_min=0.05).find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    dense = trajectory[trajectory["density"] >= min_density]
    chosen = int(dense.sort_values(["coverage", "res_dim"], ascending=[False, True]).index[0]) if len(dense) \
        else int(trajectory["density"].idxmax())
    stats, limits = box.inspect(chosen, style="data")[0]
    full = box.box_lims[0]
    rows = []
    for name in limits.index:
        low, high, qp_low, qp_high = limits.loc[name].tolist()
        rows.append({"parameter": name, "min": _limit(low), "max": _limit(high), "range_min": _limit(full[name].iloc[0]),
                     "range_max": _limit(full[name].iloc[1]), "qp_lower": qp_low, "qp_upper": qp_high})
    return PrimResult(condition, int(y.sum()), int(y.size), pd.DataFrame(rows), trajectory, chosen,
                      {k: float(stats[k]) for k in ("coverage", "density", "mass", "res_dim")})


def _limit(value: Any) -> Any:
    """A box limit as a number, or a sorted comma list for a set of categories."""
    if isinstance(value, (set, frozenset)):
        return ", ".join(sorted(map(str, value)))
    return float(value)


# -- the analysis ------------------------------------------------------------------------------------

def analyze_sweep(store: str | Path | Store, *, sweep: str | None = None, report: str | Path | None = None,
            prim: str | None = None, prim_density: float = 0.8, outcomes: list[str] | None = None,
            overwrite: bool = False) -> Analysis:
    """Indices (Sobol or Morris, by the sweep's sampler) and, with `prim`, a PRIM box; `report` writes files (a new
    folder, or msosim's previous output there with `overwrite`)."""
    if isinstance(store, Store):
        return _analyze(store, sweep, report, prim, prim_density, outcomes, overwrite)
    with Store.open(store) as opened:
        return _analyze(opened, sweep, report, prim, prim_density, outcomes, overwrite)


def _analyze(store: Store, sweep: str | None, report: str | Path | None, prim: str | None, prim_density: float,
             outcomes: list[str] | None, overwrite: bool = False) -> Analysis:
    row = _sweep_row(store, sweep)
    stored = json.loads(row["experiment_json"])
    experiment, options, problem = stored["experiment"], stored["options"], stored["problem"]
    names = problem["names"]
    condition = prim if prim is not None else experiment.get("prim")
    used = _check_condition(condition, store, row) if condition else []
    runs = sweep_results(store, row["sweep_id"], alive_start="alive_start" in used)
    outcomes = list(outcomes or experiment["outcomes"])
    missing = [name for name in outcomes if name not in runs.columns]
    if runs.empty:
        raise AnalysisError(f"{store.path}: sweep {row['name']} ({row['sweep_id']}) has no finished runs yet; "
                            "run the same `msosim sweep` command")
    if missing:
        raise AnalysisError(f"--outcome: value '{missing[0]}': allowed: one of {', '.join(c for c in runs.columns if c not in ('point', 'seed', *names))}")
    result = Analysis(row, runs)
    expected, points = int(row["runs"]), int(row["points"])
    if len(runs) < expected:
        result.notes.append(f"{len(runs)} of {expected} runs are stored; run the same `msosim sweep` command to finish.")
    _indices(result, store, row, problem, options, names, outcomes, points)
    if condition:
        try:
            result.prim = prim_box(runs, names, condition, prim_density)
        except OneSidedCondition as exc:
            if prim is not None:
                raise
            result.warnings.append(f"the experiment's prim: {exc.held}; PRIM skipped (it needs runs on both sides; "
                                   "give --prim with another threshold)")
    if report is not None:
        result.report = write_report(result, Path(report), outcomes, overwrite=overwrite)
    return result


def _check_condition(condition: str, store: Store, row: dict) -> list[str]:
    try:
        used = condition_names(condition)
    except ValueError as exc:
        raise AnalysisError(f"--prim: value '{condition}': {exc}") from None
    known = set(store.sweep_table("outcomes", row["sweep_id"]).head(200)["outcome"]) | set(CONDITION_EXTRA)
    unknown = [name for name in used if name not in known]
    if unknown:
        raise AnalysisError(f"--prim: value '{condition}': unknown name '{unknown[0]}'; allowed: {', '.join(sorted(known))}")
    return used


def _indices(result: Analysis, store: Store, row: dict, problem: dict, options: dict, names: list[str],
             outcomes: list[str], points: int) -> None:
    sampler = row["sampler"]
    if sampler not in ("sobol", "morris"):
        result.notes.append(f"Sampler {sampler}: no sensitivity indices (they need sobol or morris); see the runs and PRIM.")
        return
    X = _design_matrix(store, row["sweep_id"], names) if sampler == "morris" else None
    tables, pairs, flats = [], [], set()
    for outcome in outcomes:
        Y = _point_means(result.runs, points, outcome)
        if np.isnan(Y).any():
            result.notes.append(f"{outcome}: {int(np.isnan(Y).sum())} of {points} points lack a value; no indices "
                                "(finish the sweep, or the outcome is undefined at some points).")
            continue
        flat = reliability.flat_warning(outcome, Y)
        if flat is not None:
            result.warnings.append(flat)
            flats.add(outcome)
        if np.ptp(Y) == 0:
            result.notes.append(f"{outcome}: the same value at every point; no indices.")
            continue
        if sampler == "sobol":
            first, second = sobol_indices(salib_problem(problem), Y, options["second_order"], int(row["base_seed"]))
            tables.append(first.assign(outcome=outcome))
            if second is not None:
                pairs.append(second.assign(outcome=outcome))
        else:
            tables.append(morris_indices(salib_problem(problem), X, Y, options["levels"], int(row["base_seed"]))
                          .assign(outcome=outcome))
    if not tables:
        return
    table = pd.concat(tables, ignore_index=True)
    table = table[["outcome", *[c for c in table.columns if c != "outcome"]]]
    flags = reliability.sobol_flags if sampler == "sobol" else reliability.morris_flags
    table["flags"] = flags(table, flats)
    result.warnings += reliability.warnings(table, result.level)
    if sampler == "sobol":
        result.sobol = table
        if pairs:
            both = pd.concat(pairs, ignore_index=True)
            result.sobol_second_order = both[["outcome", *[c for c in both.columns if c != "outcome"]]]
    else:
        result.morris = table
