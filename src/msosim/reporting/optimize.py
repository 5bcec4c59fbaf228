"""The optimisation report: the Pareto set as a table and in parallel coordinates, the mixes in words, the check
with fresh seeds, the convergence; CSV tables, PNG figures and a self-contained report.html (jinja2).

The sentences are generated from the same numbers as the tables: a mix's shares of the budget, and for each
objective its re-evaluated value, today's value and the paired difference with its 95% bootstrap interval
(a difference is called measurable only where that interval excludes zero).
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from ..experiments.optimize import Result
from ..i18n import t
from ..outputs import write_folder
from .figures import COLORS, new_figure, png_bytes
from .findings_format import digits_for, join, number, percent, signed
from .page import STYLE, html_table, render_page

TABLES = ("pareto.csv", "pareto_all.csv", "candidates.csv", "check.csv", "convergence.csv", "draws.csv")
FIGURES = ("pareto_parallel.png", "convergence.png")


def lever_label(key: str, lang: str) -> str:
    """A lever's name in words: the dashboard's lever label, or '<funder> budget'."""
    parts = key.split(".")
    if parts[0] == "funders":
        return t("optimize.budget_of", lang, name=parts[1].replace("_", " "))
    text = t(f"dashboard.lever.{parts[-1]}", lang)
    return parts[-1].replace("_", " ") if text.startswith("dashboard.") else text


def objective_label(objective) -> str:
    statistic = "mean" if objective.percentile is None else f"p{objective.percentile}"
    return f"{objective.name} ({statistic}, {'max' if objective.maximise else 'min'})"


def mix_words(row: pd.Series, result: Result, lang: str) -> str:
    """'P2 puts about 66% of the money into the land programmes budget, ... (with institutional share 0.85)'."""
    levers = result.optimisation.levers
    def name(key: str) -> str:  # inside an English sentence a label starts lower case (German nouns keep theirs)
        text = lever_label(key, lang)
        return text[:1].lower() + text[1:] if lang == "en" else text

    shares = [t("optimize.share", lang, share=percent(row[f"share:{lever.key}"], lang, 0), lever=name(lever.key))
              for lever in levers if lever.kind != "setting"]
    settings = [t("optimize.setting", lang, lever=name(lever.key), value=number(row[f"value:{lever.key}"], lang, 2))
                for lever in levers if lever.kind == "setting" and pd.notna(row.get(f"value:{lever.key}"))]
    point = t("optimize.today_name", lang) if row["point"] == "today" else row["point"]
    text = t("optimize.mix", lang, point=point, shares=join(shares, lang))
    return text + (t("optimize.settings", lang, items=join(settings, lang)) if settings else "")


def measurable(row: pd.Series) -> bool:
    return bool(row["diff_low"] > 0 or row["diff_high"] < 0)


def effect_words(check: pd.DataFrame, point: str, result: Result, lang: str) -> str:
    """Each objective of one point against today's, with the paired difference and its interval."""
    items = []
    for objective in result.optimisation.objectives:
        row = check[(check["point"] == point) & (check["objective"] == objective.name)].iloc[0]
        today = check[(check["point"] == "today") & (check["objective"] == objective.name)].iloc[0]
        digits = digits_for((row["diff_high"] - row["diff_low"]) / 2)
        value_digits = digits_for((row["high"] - row["low"]) / 2)
        diff = signed(row["diff"], lang, digits) if measurable(row) else t("optimize.unclear", lang)
        items.append(t("optimize.better", lang, objective=objective.name, value=number(row["value"], lang, value_digits),
                       reference=number(today["value"], lang, value_digits), diff=diff,
                       low=signed(row["diff_low"], lang, digits), high=signed(row["diff_high"], lang, digits)))
    return "; ".join(items)


def dominating(check: pd.DataFrame, result: Result) -> list[str]:
    """Points measurably better than today's in one objective and measurably worse in none."""
    found = []
    for point, rows in check[check["point"] != "today"].groupby("point", sort=False):
        signs = []
        for objective in result.optimisation.objectives:
            row = rows[rows["objective"] == objective.name].iloc[0]
            better = row["diff_low"] > 0 if objective.maximise else row["diff_high"] < 0
            worse = row["diff_high"] < 0 if objective.maximise else row["diff_low"] > 0
            signs.append((better, worse))
        if any(b for b, _ in signs) and not any(w for _, w in signs):
            found.append(point)
    return found


def findings(result: Result, lang: str) -> list[str]:
    """The sentences of the report: today's mix, each checked Pareto point, and which beat today's."""
    pareto, check = result.pareto, result.checked
    today = pareto[pareto["point"] == "today"].iloc[0]
    lines = [t("optimize.today", lang, shares=mix_words(today, result, lang))]
    for _, row in pareto[pareto["point"] != "today"].iterrows():
        lines.append(t("optimize.sentence", lang, mix=mix_words(row, result, lang),
                       effects=effect_words(check, row["point"], result, lang)))
    better, total = dominating(check, result), int((pareto["point"] != "today").sum())
    lines.append(t("optimize.dominates", lang, count=len(better), total=total, points=join(better, lang))
                 if better else t("optimize.none_dominates", lang, total=total))
    return lines


def parallel_figure(result: Result, lang: str) -> bytes:
    """Parallel coordinates: one axis per lever share or setting and per objective (each scaled to its range)."""
    levers, objectives = result.optimisation.levers, result.optimisation.objectives
    columns = [f"share:{lv.key}" if lv.kind != "setting" else f"value:{lv.key}" for lv in levers] + [o.name for o in objectives]
    names = [lever_label(lv.key, lang) + (" %" if lv.kind != "setting" else "") for lv in levers] + [o.name for o in objectives]
    frame = result.pareto[columns].astype(float)
    low, high = frame.min(), frame.max()
    scaled = (frame - low) / (high - low).replace(0, 1)
    figure, (ax,) = new_figure(1, width=max(7.5, 1.5 * len(columns)))
    x = np.arange(len(columns))
    for i, (_, row) in enumerate(scaled.iterrows()):
        today = result.pareto["point"].iloc[i] == "today"
        ax.plot(x, row.to_numpy(), color="black" if today else COLORS[i % len(COLORS)], linewidth=2.6 if today else 1.2,
                linestyle="--" if today else "-", label=t("optimize.today_label", lang) if today else result.pareto["point"].iloc[i])
    for j, column in enumerate(columns):
        ax.axvline(j, color="#999", linewidth=0.8)
        for value, y in ((low[column], -0.06), (high[column], 1.03)):
            ax.text(j, y, number(value * (100 if column.startswith("share:") else 1), lang, 1 if column.startswith("share:") else 2),
                    ha="center", fontsize=7)
    ax.axvline(len(levers) - 0.5, color="#444", linewidth=1.2, linestyle=":")
    ax.set_xticks(x, names, rotation=20, ha="right", fontsize=8)
    ax.set_yticks([])
    ax.set_ylim(-0.1, 1.1)
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(t("optimize.figure_parallel", lang), fontsize=10)
    return png_bytes(figure)


def convergence_figure(result: Result, lang: str) -> bytes:
    table = result.trace.convergence
    figure, (ax,) = new_figure(1)
    ax.plot(table["generation"], table["hypervolume"], marker="o", color=COLORS[0])
    ax.set_xlabel(t("optimize.generation", lang))
    ax.set_ylabel(t("optimize.hypervolume", lang))
    ax.set_title(t("optimize.figure_convergence", lang), fontsize=10)
    ax.grid(alpha=0.3)
    return png_bytes(figure)


def basis(result: Result, lang: str) -> list[str]:
    o, spec = result.optimisation, result.optimisation.spec
    source = (t("optimize.source_particles", lang, file=o.particles.name) if o.particles is not None
              else t("optimize.source_ranges", lang, keys=join(list(spec.uncertainties.parameters), lang)))
    gap = float((result.candidates["lever_spending"] / result.budget - 1).abs().max())
    drawn = set(pd.read_csv(o.particles, nrows=0).columns) if o.particles is not None else set()
    dropped = [lever.key for lever in o.levers if lever.key in drawn]
    return [t("optimize.budget", lang, budget=number(result.budget, lang, 0), gap=percent(gap, lang, 4)),
            t("optimize.basis", lang, algorithm=spec.search.algorithm, generations=spec.search.generations,
              population=spec.search.population, evaluations=len(result.candidates), draws=len(result.draws),
              source=source, reps=spec.replications, runs=len(result.draws) * spec.replications,
              years=number(o.years, lang, 1), scale=o.reference.population.scale),
            t("optimize.check", lang, checked=int((result.pareto["point"] != "today").sum()), total=len(result.front),
              objective=o.objectives[0].name, draws=spec.reevaluate.draws, reps=spec.reevaluate.replications,
              runs=spec.reevaluate.draws * spec.reevaluate.replications),
            t("optimize.caveat", lang)] + ([t("optimize.lever_drawn", lang, keys=join(dropped, lang))] if dropped else [])


def check_rows(result: Result, lang: str) -> tuple[list[str], list[list[str]]]:
    header = ["point", *[objective_label(o) for o in result.optimisation.objectives]]
    rows = []
    for point in result.pareto["point"]:
        cells = [point]
        for objective in result.optimisation.objectives:
            r = result.checked[(result.checked["point"] == point) & (result.checked["objective"] == objective.name)].iloc[0]
            d = digits_for((r["high"] - r["low"]) / 2)
            dd = digits_for((r["diff_high"] - r["diff_low"]) / 2)
            cells.append(f"{number(r['value'], lang, d)}\n[{number(r['low'], lang, d)}, {number(r['high'], lang, d)}]"
                         + ("" if point == "today" else f" Δ {signed(r['diff'], lang, dd)} [{signed(r['diff_low'], lang, dd)}, "
                            f"{signed(r['diff_high'], lang, dd)}]"))
        rows.append(cells)
    return header, rows


def pareto_rows(result: Result, lang: str) -> tuple[list[str], list[list[str]]]:
    levers = result.optimisation.levers
    header = ["point", *[lever_label(lv.key, lang) + (" (share)" if lv.kind != "setting" else "") for lv in levers],
              *[objective_label(o) for o in result.optimisation.objectives], "lever budget EUR/year (national)",
              "paid out EUR/year (simulated area, mean)"]
    rows = []
    for _, row in result.pareto.iterrows():
        cells = [row["point"]]
        for lever in levers:
            value = row[f"share:{lever.key}"] if lever.kind != "setting" else row.get(f"value:{lever.key}")
            cells.append(percent(value, lang, 1) if lever.kind != "setting" else number(value, lang, 2))
        cells += [number(row[o.name], lang, 3) for o in result.optimisation.objectives]
        rows.append(cells + [number(row["lever_spending"], lang, 0), number(row["public_money_per_year"], lang, 0)])
    return header, rows


def write_report(result: Result, folder: Path, *, overwrite: bool = False, lang: str = "en") -> Path:
    """Write the CSV tables, the PNG figures and report.html into `folder` (a new folder, or msosim's own)."""
    figures = {"pareto_parallel.png": (t("optimize.figure_parallel", lang), parallel_figure(result, lang)),
               "convergence.png": (t("optimize.figure_convergence", lang), convergence_figure(result, lang))}
    tables = {"pareto.csv": result.pareto, "pareto_all.csv": result.front, "candidates.csv": result.candidates, "check.csv": result.checked,
              "convergence.csv": result.trace.convergence,
              "draws.csv": pd.concat([result.draws.assign(use="search"), result.fresh_draws.assign(use="check")])}
    page = render_page("optimize.html.j2", lang=lang, style=STYLE,
                       title=t("optimize.title", lang, name=result.optimisation.spec.name),
                       basis=basis(result, lang), findings=findings(result, lang), pareto_note=t("optimize.pareto_note", lang),
                       pareto=html_table(*pareto_rows(result, lang)), check=html_table(*check_rows(result, lang), "outcomes"),
                       headings={key: t(f"optimize.{key}_heading", lang) for key in ("pareto", "check", "words")},
                       figures=[{"name": name, "caption": caption, "png": base64.b64encode(png).decode("ascii")}
                                for name, (caption, png) in figures.items()],
                       now=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
    writers = {name: (lambda path, table=table: table.to_csv(path, index=False)) for name, table in tables.items()}
    writers |= {name: (lambda path, png=png: path.write_bytes(png)) for name, (_, png) in figures.items()}
    writers["report.html"] = lambda path: path.write_text(page, encoding="utf-8")
    write_folder(folder, writers, "--report", overwrite=overwrite)
    return folder / "report.html"
