"""The sweep report: Sobol and Morris figures, the PRIM trade-off, CSV tables and a self-contained report.html."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader

from ..i18n import label
from .figures import new_figure, png_bytes
from ..outputs import write_folder
from .page import STYLE

if TYPE_CHECKING:
    from ..experiments.sensitivity import Analysis, PrimResult

TEMPLATES = Path(__file__).parent / "templates"


def _sobol_figure(table: pd.DataFrame, outcome: str, level: float) -> bytes:
    table = table.sort_values("ST")
    figure, (ax,) = new_figure(1, width=7.5)
    figure.set_size_inches(7.5, 0.45 * len(table) + 1.6)
    y = np.arange(len(table))
    ax.barh(y + 0.2, table["S1"], 0.4, xerr=table["S1_conf"], label="first order S1", color="#1f77b4", capsize=3)
    ax.barh(y - 0.2, table["ST"], 0.4, xerr=table["ST_conf"], label="total ST", color="#ff7f0e", capsize=3)
    ax.set_yticks(y, table["parameter"], fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"Sobol index ({level:.0%} interval)")
    ax.set_title(label(outcome), fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8)
    return png_bytes(figure)


def _morris_figure(table: pd.DataFrame, outcome: str, level: float) -> bytes:
    top = table.sort_values("mu_star", ascending=False).head(25).iloc[::-1]
    figure, (bars, scatter) = new_figure(2)
    figure.set_size_inches(13, max(4.0, 0.3 * len(top) + 1.6))
    y = np.arange(len(top))
    bars.barh(y, top["mu_star"], xerr=top["mu_star_conf"], color="#1f77b4", capsize=3)
    bars.set_yticks(y, top["parameter"], fontsize=7)
    bars.set_xlabel(f"mu* ({level:.0%} interval)")
    bars.grid(alpha=0.3, axis="x")
    scatter.scatter(table["mu_star"], table["sigma"], s=14, color="#d62728")
    for _, r in table.sort_values("mu_star", ascending=False).head(8).iterrows():
        scatter.annotate(r["parameter"], (r["mu_star"], r["sigma"]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    scatter.set_xlabel("mu* (mean absolute elementary effect)")
    scatter.set_ylabel("sigma (spread: interaction, non-linearity)")
    scatter.grid(alpha=0.3)
    figure.suptitle(label(outcome), fontsize=11)
    return png_bytes(figure)


def _prim_figure(found: PrimResult) -> bytes:
    t = found.trajectory
    figure, (ax,) = new_figure(1)
    points = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18)
    ax.scatter([t["coverage"].iloc[found.chosen]], [t["density"].iloc[found.chosen]], s=120, facecolors="none",
               edgecolors="#d62728", linewidths=1.5, label=f"chosen box {found.chosen}")
    figure.colorbar(points, ax=ax, label="restricted dimensions")
    ax.set_xlabel("coverage (share of the cases of interest inside the box)")
    ax.set_ylabel("density (share of the box's runs that are cases)")
    ax.set_title(f"PRIM peeling trajectory: {found.condition}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return png_bytes(figure)


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
                                                      _sobol_figure(result.sobol[result.sobol["outcome"] == outcome], outcome, result.level))
        if result.morris is not None and outcome in set(result.morris["outcome"]):
            figures[f"morris_{_safe(outcome)}.png"] = (f"Morris screening: {label(outcome)}",
                                                       _morris_figure(result.morris[result.morris["outcome"] == outcome], outcome, result.level))
    if result.prim is not None:
        figures["prim_tradeoff.png"] = ("PRIM: coverage and density along the peeling trajectory", _prim_figure(result.prim))
    return figures


def _frame(frame: pd.DataFrame, digits: int = 3) -> dict[str, list]:
    """A table for the template: its header and rows of text (floats to `digits` places)."""
    def cell(value: Any) -> str:
        return f"{value:.{digits}f}" if isinstance(value, (float, np.floating)) else str(value)

    return {"header": list(frame.columns), "rows": [[cell(v) for v in row] for row in frame.itertuples(index=False)]}


def render_html(result: Analysis, figures: dict[str, tuple[str, bytes]]) -> str:
    """A self-contained page (templates/sweep.html.j2): the sweep, warnings, indices, PRIM, figures (base64 PNG)."""
    s = result.sweep
    overview = pd.DataFrame({"": ["sweep id", "experiment", "model", "sampler", "N", "points", "replications",
                                  "seeds", "years", "runs stored"],
                             "value": [s["sweep_id"], s["experiment_path"], s["model"], s["sampler"], s["n"], s["points"],
                                       s["replications"], f"{s['base_seed']}-{s['base_seed'] + s['replications'] - 1}",
                                       f"{s['years']:g}", f"{len(result.runs)} of {s['runs']}"]})
    morris = None if result.morris is None else result.morris.sort_values(["outcome", "mu_star"], ascending=[True, False])
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    return environment.get_template("sweep.html.j2").render(
        title=f"Sweep {s['name']}", style=STYLE, overview=_frame(overview), warnings=result.warnings,
        notes=result.notes, level=f"{result.level:.0%}",
        sobol=None if result.sobol is None else _frame(result.sobol), morris=None if morris is None else _frame(morris),
        prim=result.prim, prim_box=None if result.prim is None else _frame(result.prim.box),
        figures=[{"name": name, "caption": caption, "png": base64.b64encode(png).decode("ascii")}
                 for name, (caption, png) in figures.items()],
        now=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))


def write_report(result: Analysis, folder: Path, outcomes: list[str], *, overwrite: bool = False) -> Path:
    """Write the CSV tables, PNG figures and report.html into `folder` (each file replaced whole)."""
    figures = _figures(result, outcomes)
    page = render_html(result, figures)
    writers = {name: (lambda path, table=table: table.to_csv(path, index=False)) for name, table in _tables(result).items()}
    writers |= {name: (lambda path, png=png: path.write_bytes(png)) for name, (_, png) in figures.items()}
    writers["report.html"] = lambda path: path.write_text(page, encoding="utf-8")
    write_folder(folder, writers, "--report", overwrite=overwrite)
    return folder / "report.html"
