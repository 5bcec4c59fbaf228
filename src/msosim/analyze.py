"""Analysis of a stored sweep: Sobol and Morris indices (SALib), scenario discovery with PRIM (EMA Workbench).

`analyze(store)` reads the last sweep (or `sweep=` by name or id), averages each point's
replications, and computes the indices its sampler supports; with `prim=` it also finds the
region of the parameter space where a condition on the outcomes holds (per run). With
`report=` it writes CSV tables, PNG figures and a self-contained report.html.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .experiment import CONDITION_EXTRA, condition_names
from .i18n import label
from .outputs import replace_files
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
    report: Path | None = None


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


def _salib_problem(problem: dict) -> dict:
    return {key: problem[key] for key in ("num_vars", "names", "bounds", "dists")}


# -- scenario discovery ------------------------------------------------------------------------------

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
        raise AnalysisError(f"--prim: condition '{condition}' holds in {int(y.sum())} of {y.size} runs; "
                            "PRIM needs runs on both sides (choose another threshold)")
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

def analyze(store: str | Path | Store, *, sweep: str | None = None, report: str | Path | None = None,
            prim: str | None = None, prim_density: float = 0.8, outcomes: list[str] | None = None) -> Analysis:
    """Indices (Sobol or Morris, by the sweep's sampler) and, with `prim`, a PRIM box; `report` writes files."""
    if isinstance(store, Store):
        return _analyze(store, sweep, report, prim, prim_density, outcomes)
    with Store.open(store) as opened:
        return _analyze(opened, sweep, report, prim, prim_density, outcomes)


def _analyze(store: Store, sweep: str | None, report: str | Path | None, prim: str | None, prim_density: float,
             outcomes: list[str] | None) -> Analysis:
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
        result.prim = prim_box(runs, names, condition, prim_density)
    if report is not None:
        result.report = write_report(result, Path(report), outcomes)
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
    tables, pairs = [], []
    for outcome in outcomes:
        Y = _point_means(result.runs, points, outcome)
        if np.isnan(Y).any():
            result.notes.append(f"{outcome}: {int(np.isnan(Y).sum())} of {points} points lack a value; no indices "
                                "(finish the sweep, or the outcome is undefined at some points).")
            continue
        if np.ptp(Y) == 0:
            result.notes.append(f"{outcome}: the same value at every point; no indices.")
            continue
        if sampler == "sobol":
            first, second = sobol_indices(_salib_problem(problem), Y, options["second_order"], int(row["base_seed"]))
            tables.append(first.assign(outcome=outcome))
            if second is not None:
                pairs.append(second.assign(outcome=outcome))
        else:
            tables.append(morris_indices(_salib_problem(problem), X, Y, options["levels"], int(row["base_seed"]))
                          .assign(outcome=outcome))
    if not tables:
        return
    table = pd.concat(tables, ignore_index=True)
    table = table[["outcome", *[c for c in table.columns if c != "outcome"]]]
    if sampler == "sobol":
        result.sobol = table
        if pairs:
            both = pd.concat(pairs, ignore_index=True)
            result.sobol_second_order = both[["outcome", *[c for c in both.columns if c != "outcome"]]]
    else:
        result.morris = table


# -- figures and report ------------------------------------------------------------------------------

def _sobol_figure(table: pd.DataFrame, outcome: str) -> bytes:
    from .report import _figure, _png

    table = table.sort_values("ST")
    figure, (ax,) = _figure(1, width=7.5)
    figure.set_size_inches(7.5, 0.45 * len(table) + 1.6)
    y = np.arange(len(table))
    ax.barh(y + 0.2, table["S1"], 0.4, xerr=table["S1_conf"], label="first order S1", color="#1f77b4", capsize=3)
    ax.barh(y - 0.2, table["ST"], 0.4, xerr=table["ST_conf"], label="total ST", color="#ff7f0e", capsize=3)
    ax.set_yticks(y, table["parameter"], fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"Sobol index ({LEVEL:.0%} interval)")
    ax.set_title(label(outcome), fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8)
    return _png(figure)


def _morris_figure(table: pd.DataFrame, outcome: str) -> bytes:
    from .report import _figure, _png

    top = table.sort_values("mu_star", ascending=False).head(25).iloc[::-1]
    figure, (bars, scatter) = _figure(2)
    figure.set_size_inches(13, max(4.0, 0.3 * len(top) + 1.6))
    y = np.arange(len(top))
    bars.barh(y, top["mu_star"], xerr=top["mu_star_conf"], color="#1f77b4", capsize=3)
    bars.set_yticks(y, top["parameter"], fontsize=7)
    bars.set_xlabel(f"mu* ({LEVEL:.0%} interval)")
    bars.grid(alpha=0.3, axis="x")
    scatter.scatter(table["mu_star"], table["sigma"], s=14, color="#d62728")
    for _, r in table.sort_values("mu_star", ascending=False).head(8).iterrows():
        scatter.annotate(r["parameter"], (r["mu_star"], r["sigma"]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    scatter.set_xlabel("mu* (mean absolute elementary effect)")
    scatter.set_ylabel("sigma (spread: interaction, non-linearity)")
    scatter.grid(alpha=0.3)
    figure.suptitle(label(outcome), fontsize=11)
    return _png(figure)


def _prim_figure(found: PrimResult) -> bytes:
    from .report import _figure, _png

    t = found.trajectory
    figure, (ax,) = _figure(1)
    points = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18)
    ax.scatter([t["coverage"].iloc[found.chosen]], [t["density"].iloc[found.chosen]], s=120, facecolors="none",
               edgecolors="#d62728", linewidths=1.5, label=f"chosen box {found.chosen}")
    figure.colorbar(points, ax=ax, label="restricted dimensions")
    ax.set_xlabel("coverage (share of the cases of interest inside the box)")
    ax.set_ylabel("density (share of the box's runs that are cases)")
    ax.set_title(f"PRIM peeling trajectory: {found.condition}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _png(figure)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def _tables(result: Analysis) -> dict[str, pd.DataFrame]:
    tables = {"runs.csv": result.runs}
    for name, table in (("sobol_indices.csv", result.sobol), ("sobol_second_order.csv", result.sobol_second_order),
                        ("morris_indices.csv", result.morris)):
        if table is not None:
            tables[name] = table
    if result.prim is not None:
        tables["prim_box.csv"] = result.prim.box
        tables["prim_trajectory.csv"] = result.prim.trajectory
    return tables


def _figures(result: Analysis, outcomes: list[str]) -> dict[str, tuple[str, bytes]]:
    figures = {}
    for outcome in outcomes:
        if result.sobol is not None and outcome in set(result.sobol["outcome"]):
            figures[f"sobol_{_safe(outcome)}.png"] = (f"Sobol indices: {label(outcome)}",
                                                      _sobol_figure(result.sobol[result.sobol["outcome"] == outcome], outcome))
        if result.morris is not None and outcome in set(result.morris["outcome"]):
            figures[f"morris_{_safe(outcome)}.png"] = (f"Morris screening: {label(outcome)}",
                                                       _morris_figure(result.morris[result.morris["outcome"] == outcome], outcome))
    if result.prim is not None:
        figures["prim_tradeoff.png"] = ("PRIM: coverage and density along the peeling trajectory", _prim_figure(result.prim))
    return figures


def _html_frame(frame: pd.DataFrame, digits: int = 3) -> str:
    from .report import _html_table

    def cell(value: Any) -> str:
        return f"{value:.{digits}f}" if isinstance(value, (float, np.floating)) else str(value)

    return _html_table(list(frame.columns), [[cell(v) for v in row] for row in frame.itertuples(index=False)])


def render_html(result: Analysis, figures: dict[str, tuple[str, bytes]]) -> str:
    """A self-contained page: the sweep, the indices, PRIM, figures (base64 PNG), notes."""
    from .report import STYLE

    s = result.sweep
    title = f"Sweep {s['name']}"
    overview = pd.DataFrame({"": ["sweep id", "experiment", "model", "sampler", "N", "points", "replications",
                                  "seeds", "years", "runs stored"],
                             "value": [s["sweep_id"], s["experiment_path"], s["model"], s["sampler"], s["n"], s["points"],
                                       s["replications"], f"{s['base_seed']}-{s['base_seed'] + s['replications'] - 1}",
                                       f"{s['years']:g}", f"{len(result.runs)} of {s['runs']}"]})
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>", _html_frame(overview)]
    parts += [f"<p class='note'>{html.escape(note)}</p>" for note in result.notes]
    if result.sobol is not None:
        parts.append(f"<h2>Sobol indices</h2><p class='note'>S1: share of the outcome's variance due to the parameter "
                     f"alone; ST: including its interactions. conf: half-width of the {LEVEL:.0%} bootstrap interval "
                     "(SALib). Each point's replications are averaged first.</p>")
        parts.append(_html_frame(result.sobol))
    if result.morris is not None:
        parts.append("<h2>Morris screening</h2><p class='note'>mu*: mean absolute elementary effect (importance); "
                     "sigma: their spread (interactions or non-linearity); mu_star_conf: half-width of the "
                     f"{LEVEL:.0%} bootstrap interval of mu* (SALib). Effects are in the outcome's units per full "
                     "range of the parameter's levels.</p>")
        parts.append(_html_frame(result.morris.sort_values(["outcome", "mu_star"], ascending=[True, False])))
    if result.prim is not None:
        p = result.prim
        parts.append(f"<h2>Scenario discovery (PRIM)</h2><p class='note'>Condition <code>{html.escape(p.condition)}</code> "
                     f"holds in {p.cases} of {p.total} runs. Chosen box {p.chosen}: coverage {p.stats['coverage']:.2f}, "
                     f"density {p.stats['density']:.2f}, mass {p.stats['mass']:.2f}, {int(p.stats['res_dim'])} restricted "
                     "parameters (qp: quasi-p values of each restriction).</p>")
        parts.append(_html_frame(p.box))
    for name, (caption, png) in figures.items():
        parts.append(f"<figure><figcaption>{html.escape(caption)}</figcaption><img alt='{html.escape(name)}' "
                     f"src='data:image/png;base64,{base64.b64encode(png).decode('ascii')}'></figure>")
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f"<p class='note'>Generated {now}. Tables as CSV next to this file.</p></body></html>")
    return "\n".join(parts)


def write_report(result: Analysis, folder: Path, outcomes: list[str]) -> Path:
    """Write the CSV tables, PNG figures and report.html into `folder` (each file replaced whole)."""
    figures = _figures(result, outcomes)
    page = render_html(result, figures)
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".analysis-", dir=folder))
    try:
        files = []
        for name, table in _tables(result).items():
            table.to_csv(staging / name, index=False)
            files.append(name)
        for name, (_, png) in figures.items():
            (staging / name).write_bytes(png)
            files.append(name)
        (staging / "report.html").write_text(page, encoding="utf-8")
        replace_files(folder, staging, [*files, "report.html"], "--report")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder / "report.html"
