"""The validation report: one figure per pattern and direction, the checks table, and a self-contained report.html."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader

from ..experiments import analysis
from ..experiments.batch import provenance, t_interval
from ..experiments.checks import HAZARD_BANDS
from ..experiments.provenance import describe
from ..experiments.longrun import STATIONARY_BANDS
from ..experiments.validate import LONG_ROLE, ROLES, Validation, analysis_targets
from ..state import FIELDS
from .figures import COLORS, band_panel, new_figure, png_bytes
from ..outputs import write_folder
from .page import STYLE
from .report import format_interval

TEMPLATES = Path(__file__).parent / "templates"


def format_measured(row: pd.Series | dict) -> str:
    """`mean [low, high]` in the check's format (differences of shares in percentage points)."""
    return format_interval(row["mean"], row["low"], row["high"], row["fmt"], "en", bool(row["signed"]))


def _interval(metrics: pd.DataFrame, role: str, name: str) -> tuple[float, float, float]:
    values = metrics.loc[(metrics["role"] == role) & (metrics["metric"] == name), "value"]
    return t_interval(values)


def _bars(ax, groups: list[str], bars: dict[str, list[tuple[float, float, float]]], percent: bool = True) -> None:
    """Grouped bars: one group per entry of `groups`, one bar per key of `bars` (mean with its interval)."""
    width = 0.8 / max(len(bars), 1)
    x = np.arange(len(groups))
    for i, (name, cells) in enumerate(bars.items()):
        mean, low, high = (np.array([cell[j] for cell in cells], dtype=float) * (100 if percent else 1) for j in range(3))
        error = np.nan_to_num(np.vstack([np.minimum(mean - low, mean), high - mean]))  # bars start at 0
        ax.bar(x + (i - (len(bars) - 1) / 2) * width, mean, width, yerr=error, capsize=3, label=name,
               color=COLORS[i % len(COLORS)], alpha=0.85)
    ax.set_xticks(x, groups, fontsize=8)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)


def _series_panel(ax, result: Validation, roles: list[str], column: str, title: str, after_step: int = 0) -> None:
    frame = result.series[result.series["role"].isin(roles) & (result.series["step"] > after_step)]
    frame = frame.assign(position=frame["role"].map({role: i for i, role in enumerate(roles)}))
    band_panel(ax, frame, column, roles, title, "en")


def figures(result: Validation) -> dict[str, tuple[str, bytes]]:
    """File name -> (caption, PNG) of the figure for each pattern and direction."""

    m, spy = result.metrics, result.plan.scenarios["baseline"].steps_per_year
    out = {}
    figure, (ax,) = new_figure(1, width=8.0)
    target = analysis_targets()
    _bars(ax, list(FIELDS), {"baseline, initial population": [_interval(m, "baseline", f"field_share_{f}") for f in FIELDS],
                             "SVR share": [(target[f],) * 3 for f in FIELDS]})
    ax.set_ylabel("% of MSOs")
    ax.tick_params(axis="x", labelrotation=30)
    out["p1_activity_fields.png"] = ("Activity fields of the initial population against the SVR shares", png_bytes(figure))

    figure, (ax,) = new_figure(1, width=8.0)
    ax.axhspan(12400, 14300, color="#2ca02c", alpha=0.12, label="12,400-14,300")
    _series_panel(ax, result, ["calm", "baseline"], "alive_national", "Active MSOs (national scale)")
    out["p2_stock.png"] = ("National stock of active MSOs against the 12,400-14,300 band", png_bytes(figure))

    figure, (ax,) = new_figure(1, width=8.0)
    bands = analysis.band_labels(HAZARD_BANDS)
    _bars(ax, [*bands, "all ages"], {kind.replace("_", "-"): [_interval(m, "baseline", f"hazard_{b}_{kind}") for b in bands]
                                     + [_interval(m, "baseline", f"hazard_{kind}")] for kind in ("volunteer_only", "staffed")})
    ax.axhspan(1, 3, color="#7f7f7f", alpha=0.10)
    ax.set_xlabel("age band (years)")
    ax.set_ylabel("dissolutions per 100 MSO-years")
    out["p3_dissolution.png"] = ("Dissolution rates by age band and type (baseline); grey: prior for established MSOs",
                                 png_bytes(figure))

    figure, (ax,) = new_figure(1, width=8.0)
    _series_panel(ax, result, ["baseline", "institutional"], "staff_fte", "Paid staff (FTE)")
    out["p4_staff.png"] = ("Paid staff: saw-tooth under project funding, flat under institutional funding", png_bytes(figure))

    figure, (ax,) = new_figure(1, width=8.0)
    _series_panel(ax, result, [r for r in ("baseline", "lottery", "from_tables") if r in result.plan.scenarios],
                  "funding_gini", "Gini of grant income", after_step=spy)
    out["p5_gini.png"] = ("Gini of grant income over time: score-based selection (baseline, from its spin-up) against "
                          "lottery, and the baseline from today's tables (where it still rises)", png_bytes(figure))

    figure, axes = new_figure(2)
    for ax, column, title in zip(axes, ("coop_share", "mean_trust"), ("MSOs cooperating with their municipality",
                                                                       "Mean trust in the municipality")):
        _series_panel(ax, result, ["baseline", "no_surge"], column, title)
        if result.plan.windows.after_surge is not None:
            ax.axvspan(*result.plan.windows.after_surge, color="#7f7f7f", alpha=0.12)
    out["p6_cooperation_trust.png"] = ("Cooperation and trust with and without the 2015/16 surge (grey: window of 6a/6b)",
                                       png_bytes(figure))

    figure, (ax,) = new_figure(1, width=8.0)
    pairs = [("staffed", "award_rate_staffed"), ("volunteer-only", "award_rate_volunteer_only"),
             ("federation member", "award_rate_federation"), ("non-member", "award_rate_non_federation")]
    _bars(ax, [name for name, _ in pairs], {"baseline": [_interval(m, "baseline", key) for _, key in pairs]})
    ax.set_ylabel("awards per 100 applications")
    out["l3_award_rates.png"] = ("Award rate per application by type and federation membership at the call", png_bytes(figure))

    figure, (ax,) = new_figure(1, width=6.4)
    labels = list(analysis.DENSITY_LABELS)
    _bars(ax, labels, {"baseline": [_interval(m, "baseline", f"hazard_density_{b}") for b in labels]})
    ax.set_xlabel("MSOs per 10,000 migrants (tercile of district-years)")
    ax.set_ylabel("dissolutions per 100 MSO-years")
    out["l4_density.png"] = ("Dissolution hazard by district density", png_bytes(figure))

    figure, (ax,) = new_figure(1, width=6.4)
    kinds = ["volunteer_only", "staffed"]
    _bars(ax, [k.replace("_", "-") for k in kinds], {role: [_interval(m, role, f"hazard_pandemic_{k}") for k in kinds]
                                                      for role in ("baseline", "no_pandemic")})
    ax.set_ylabel("dissolutions per 100 MSO-years in the window")
    out.update(long_run_figures(result))
    out["l6_pandemic.png"] = ("Dissolution hazard by type in the pandemic window, with and without the pandemic", png_bytes(figure))
    return out


def long_run_figures(result: Validation) -> dict[str, tuple[str, bytes]]:
    """The long calm run's yearly quantities against their bands, and the volunteer-only share against the SVR's."""
    if LONG_ROLE not in set(result.series["role"]):
        return {}
    figure, axes = new_figure(5)
    for ax, (column, title, band) in zip(axes, (
            ("alive_national", "Active MSOs (national scale)", (12400, 14300)),
            ("volunteers_per_mso", "Volunteers per MSO", STATIONARY_BANDS["volunteers_per_mso"][:2]),
            ("mean_burnout", "Mean burnout", STATIONARY_BANDS["mean_burnout"][:2]),
            ("median_reserves", "Median reserves (EUR)", STATIONARY_BANDS["median_reserves"][:2]),
            ("service_coverage", "Service coverage", STATIONARY_BANDS["service_coverage"][:2]))):
        ax.axhspan(*band, color="#2ca02c", alpha=0.12)
        _series_panel(ax, result, [LONG_ROLE], column, title)
    out = {"p7_long_run.png": ("The long calm run: yearly stocks against their bands (green)", png_bytes(figure))}
    figure, (ax,) = new_figure(1, width=8.0)
    ax.axhspan(0.36, 0.46, color="#2ca02c", alpha=0.12, label="SVR 2020: 41% +-5")
    _series_panel(ax, result, ["baseline", LONG_ROLE], "volunteer_only_share", "Share of MSOs without paid staff")
    out["p8_volunteer_only.png"] = ("Volunteer-only share over time: baseline and the long calm run", png_bytes(figure))
    return out


FIGURE_OF = {"7": "p7_long_run.png", "8": "p8_volunteer_only.png", "1": "p1_activity_fields.png", "2": "p2_stock.png", "3": "p3_dissolution.png", "4": "p4_staff.png",
             "5": "p5_gini.png", "6": "p6_cooperation_trust.png", "L1": "p3_dissolution.png",
             "L2": "p3_dissolution.png", "L3": "l3_award_rates.png", "L4": "l4_density.png", "L6": "l6_pandemic.png"}
PAGE_STYLE = (".PASS{background:#d9f2d9}.FAIL{background:#f8d7d7}.NA{background:#eee}td.left{text-align:left}"
              "td.nowrap{white-space:nowrap}")


def render_html(result: Validation, pictures: dict[str, tuple[str, bytes]]) -> str:
    """A self-contained page (templates/validation.html.j2): the checks, per pattern its method and figure, provenance."""
    plan, checks = result.plan, result.checks
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    return environment.get_template("validation.html.j2").render(
        style=STYLE + PAGE_STYLE, passed=int((checks["status"] == "PASS").sum()), total=len(checks), reps=plan.reps,
        seeds=f"{plan.base_seed}-{plan.base_seed + plan.reps - 1}", years=f"{plan.years:g}",
        long_run=(f"The long calm run (checks 7): {plan.long_reps} replications (seeds {plan.base_seed}-"
                  f"{plan.base_seed + plan.long_reps - 1}), {plan.long_years:g} years." if LONG_ROLE in plan.scenarios else ""),
        scale=plan.scenarios["baseline"].population.scale, groups=_groups(checks, pictures),
        scenarios=[{"role": role, "what": ROLES[role], "hash": scenario.content_hash()}
                   for role, scenario in plan.scenarios.items()],
        runs=len(result.metrics.groupby(["role", "seed"])), wall_seconds=result.wall_seconds,
        origin=describe(provenance()))


def _groups(checks: pd.DataFrame, pictures: dict[str, tuple[str, bytes]]) -> list[dict]:
    """Per pattern group: its rows for the page, and its figure (or, if an earlier group showed it, its caption)."""
    groups, shown = [], set()
    for group, rows in checks.groupby("group", sort=False):
        entry = {"name": group, "figure": None, "figure_above": None,
                 "rows": [{"id": row["id"], "target": row["target"], "measured": format_measured(row),
                           "status": row["status"], "status_class": row["status"].replace("/", ""),
                           "detail": row["detail"], "method": row["method"]} for _, row in rows.iterrows()]}
        name = FIGURE_OF.get(group.split(" ")[0])
        if name in pictures and name not in shown:
            caption, png = pictures[name]
            entry["figure"] = {"name": name, "caption": caption, "png": base64.b64encode(png).decode("ascii")}
            shown.add(name)
        elif name in pictures:
            entry["figure_above"] = pictures[name][0]
        groups.append(entry)
    return groups


def write_report(result: Validation, folder: str | Path, *, overwrite: bool = False) -> Path:
    """Write one PNG per pattern and report.html into `folder` (each file replaced whole); returns the HTML path."""
    folder = Path(folder)
    pictures = figures(result)
    page = render_html(result, pictures)
    writers = {name: (lambda path, png=png: path.write_bytes(png)) for name, (_, png) in pictures.items()}
    writers["report.html"] = lambda path: path.write_text(page, encoding="utf-8")
    write_folder(folder, writers, "--report", overwrite=overwrite)
    return folder / "report.html"
