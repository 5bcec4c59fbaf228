"""Generate docs/scenarios.md and the parameter block of docs/ODD.md from the scenario schema (read by schema_table.py).

Run `python -m msosim.docs` (or `make docs`); `--check` only reports whether the files are current.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
import yaml
from pydantic import BaseModel

from .loading import load_mapping
from .scenario import OWN_KEYS, ScenarioError, default_funders, load_scenario
from .schema_table import NEW_FUNDER, event_kind, format_range, format_value, funder_table, leaf_rows, section_rows, sections
from .submodels.rates import per_step

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"


def _flat_keys(data: dict, prefix: str = "") -> list[str]:
    """Dotted keys a YAML mapping sets (lists shown with their length)."""
    keys = []
    for key, value in data.items():
        if isinstance(value, dict):
            keys += _flat_keys(value, f"{prefix}{key}.")
        else:
            keys.append(f"{prefix}{key}" + (f" ({len(value)} items)" if isinstance(value, list) else ""))
    return keys


def scenario_files(folder: Path | None = None) -> pd.DataFrame:
    """The shipped scenario files: file, name, extends, description (resolved) and the keys each sets."""
    folder = ROOT / "scenarios" if folder is None else Path(folder)
    rows = []
    for path in sorted(folder.glob("*.yaml")):
        raw = load_mapping(path, "scenario", ScenarioError)
        scenario = load_scenario(path)
        sets = [k for k in _flat_keys(raw) if k.split(".")[0] not in (*OWN_KEYS, "extends")]
        rows.append({"file": path.name, "name": scenario.name, "extends": raw.get("extends", ""),
                     "description": " ".join(scenario.description.split()), "sets": sets})
    return pd.DataFrame(rows, columns=["file", "name", "extends", "description", "sets"])


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A pipe table with escaped cells."""
    def line(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"
    return "\n".join([line(header), line(["---"] * len(header)), *(line(r) for r in rows)])


def _default_cell(row: dict[str, Any]) -> str:
    """The default as shown in a table ('required' for required keys)."""
    return "required" if row["required"] else format_value(row["default"])


def _section_title(path: str, model: type[BaseModel]) -> str:
    """A section heading: its key path and the first line of its class docstring."""
    doc = (model.__doc__ or "").strip().splitlines()
    if path.startswith("events["):
        return f"`{path}` — an event with `kind: {event_kind(model)}`" + (f": {doc[0]}" if doc else "")
    return f"`{path}` — {doc[0]}" if path else "Top level — " + doc[0]


def render_sections() -> str:
    """One table per schema section: key, type, unit, default, allowed, meaning, source."""
    header = ["key", "type", "unit", "default", "allowed", "meaning", "source"]
    parts = []
    for path, model in sections():
        rows = [[f"`{r['key']}`", r["type"], r["unit"], _default_cell(r), format_range(r), r["description"],
                 r["source"]] for r in section_rows(path, model)]
        parts.append(f"### {_section_title(path, model)}\n\n{markdown_table(header, rows)}\n")
    return "\n".join(parts)


def render_funders() -> str:
    """The default funders as a settings-by-funder table (values that differ from the class default in bold)."""
    table = funder_table()
    rows = []
    for setting, values in table.iterrows():
        cells = [format_value(v) if k == NEW_FUNDER or v == values[NEW_FUNDER] else f"**{format_value(v)}**"
                 for k, v in values.items()]
        rows.append([f"`{setting}`", *cells])
    return markdown_table(["setting", *table.columns], rows)


def _funders_keep_defaults() -> bool:
    """True if a file's partial `funders:` mapping is merged with the default funders (probed, not assumed)."""
    name = next(iter(default_funders()))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "probe.yaml"
        path.write_text(yaml.safe_dump({"funders": {name: {"budget": 1.0}}}), encoding="utf-8")
        return load_scenario(path).funders.keys() == default_funders().keys()


def render_rates() -> str:
    """A worked example of the yearly-to-per-step conversion, computed with the model's own function."""
    rows = [[format_value(p), *(f"{per_step(p, spy):.4f}" for spy in (1, 4, 12, 52))]
            for p in (0.01, 0.1, 0.25, 0.5)]
    return markdown_table(["yearly p", "1 step/year", "4 (quarterly)", "12 (monthly)", "52 (weekly)"], rows)


def render_scenario_files() -> str:
    """The table of shipped scenario files."""
    rows = [[f"`{r.file}`", f"`{r.name}`", f"`{r.extends}`" if r.extends else "", r.description,
             ", ".join(f"`{k}`" for k in r.sets)] for r in scenario_files().itertuples()]
    return markdown_table(["file", "name", "extends", "description", "keys it sets"], rows)


FILE_FORMAT = """\
A scenario file is a YAML mapping of the keys below (`yaml.safe_load`); every key is optional and
falls back to its default. Unknown keys, values of the wrong type and values outside the allowed
range are errors: the message names the file, the key, the value and what is allowed, and the run
does not start.

- **`extends: other.yaml`** names a parent file (relative to this file). The parent is read first
  (following its own `extends`, cycles are errors), then this file is deep-merged over it: mappings
  merge key by key, every other value — including lists such as `events` — is **replaced** as a
  whole. A file that changes one event must therefore restate the whole `events` list.
- **`name`** defaults to the file name without `.yaml`.
- **Overrides**: `msosim run FILE --set policy.budget_factor=0.8` (in Python:
  `MSOModel(FILE, **{{"policy.budget_factor": 0.8}})`) sets one dotted key after `extends` is
  resolved; the value is read as a YAML scalar.
- **`funders`**: {funders_note}
- **Events** are a list; each item names its `kind` and its `start` (a fractional calendar year,
  e.g. `2020.2`), plus the settings of that kind listed below.

**Time and rates.** One step is `1 / steps_per_year` of a year (a month by default). Every rate in a
scenario is per **year**. Yearly probabilities are turned into per-step probabilities with

    p_step = 1 - (1 - p_year) ** (1 / steps_per_year)        (msosim.submodels.rates.per_step)

so a run with quarterly steps tells the same story. Yearly amounts and expected counts
(EUR/year, h/year, tasks/year, ties/year, founding and member growth) are divided by
`steps_per_year`; durations given in months become `round(months * steps_per_year / 12)` steps.
Worked example (from `per_step` itself):

{rates}
"""

FUNDERS_MERGED = ("a partial mapping is merged with the default funders below, so "
                  "`funders: {federal_projects: {budget: 5.0e7}}` changes one setting of one funder.")
FUNDERS_REPLACED = ("a `funders:` mapping in a file (or a `--set funders...` override on a file) **replaces** the "
                    "default funders below as a whole: funders it does not name are gone, and settings it does not "
                    "give fall back to the class defaults (first column), not to the default funder's values. "
                    "Restate every funder you want with every setting that differs from the class default.")


def render_scenarios() -> str:
    """The whole text of docs/scenarios.md."""
    notes = FILE_FORMAT.format(funders_note=FUNDERS_MERGED if _funders_keep_defaults() else FUNDERS_REPLACED,
                               rates=render_rates())
    return "\n".join([
        "# Scenario files and parameters\n",
        "<!-- Generated by `python -m msosim.docs` from src/msosim/scenario.py; do not edit by hand. -->\n",
        "Every key of a scenario file, generated from the pydantic schema in `src/msosim/scenario.py`",
        "(the one place where defaults, bounds, units and sources are defined). Units are in square",
        "brackets in the schema; `[-]` is dimensionless; a blank unit means none was given (most are",
        "shares or probabilities between 0 and 1). A source of `prior` means the number is assumed,",
        "not taken from a study; see docs/ODD.md for what each parameter does in the model.\n",
        "## File format\n", notes,
        "## Shipped scenario files (`scenarios/`)\n", render_scenario_files() + "\n",
        "## Keys\n",
        "`allowed` gives the range the schema enforces (`x` stands for the value) or the allowed choices.",
        "`funders.<name>` stands for any funder name; `events[<kind>]` for an item of `events` of that kind.\n",
        render_sections(),
        "## Default funders\n",
        "`default_funders()`: today's landscape (budgets are assumptions, see docs/ODD.md). Values that",
        "differ from the class default are in bold. `per_land` funders are split into one copy per Land.\n",
        render_funders() + "\n",
    ])


def _generated_note() -> str:
    """The do-not-edit line at the top of generated text."""
    return "<!-- Generated by `python -m msosim.docs` from src/msosim; do not edit by hand. -->\n"


def render_parameter_block() -> str:
    """The parameter table for docs/ODD.md: key, default, unit, allowed range, source; then the default funders."""
    rows = [[f"`{r['key']}`", _default_cell(r), r["unit"], format_range(r), r["source"] or "none given"]
            for r in leaf_rows()]
    return "\n".join([
        _generated_note(),
        markdown_table(["key", "default", "unit", "allowed", "source"], rows) + "\n",
        "Default funders (`default_funders()`; bold: differs from the class default):\n",
        render_funders(),
    ])


def render_data_block() -> str:
    """The calibration tables shipped in src/msosim/data, each in full with its source column."""
    parts = [_generated_note()]
    for path in sorted(DATA.glob("*.csv")):
        table = pd.read_csv(path, keep_default_na=False, dtype=str)
        body = markdown_table(list(table.columns), table.values.tolist())
        parts.append(f"`{path.name}` ({len(table)} rows):\n\n{body}\n")
    return "\n".join(parts).rstrip("\n")


def render_calibration_block() -> str:
    """The fitted values of data/calibrated.yaml: prior, posterior, fitted value per parameter; the targets; provenance."""
    data = load_mapping(DATA / "calibrated.yaml", "calibration", ScenarioError)
    meta = data["metadata"]["calibration"]
    parts = [_generated_note()]
    if "posterior" not in meta:
        return "\n".join([*parts, f"Not calibrated yet ({meta.get('command', 'no command')})."])
    fitted = dict(_flat_items(data))
    rows = [[f"`{key}`", f"{p['prior'][0]:g} – {p['prior'][1]:g}", f"{p['mean']:g}", f"{p['median']:g}",
             f"{p['q05']:g} – {p['q95']:g}", f"**{fitted[key]:g}**"] for key, p in meta["posterior"].items()]
    parts.append(markdown_table(["parameter", "prior (uniform)", "posterior mean", "median", "5%–95%", "fitted"], rows))
    rows = [[f"`{tid}`", f"{t['variant']}: `{t['metric']}`", f"{t['band'][0]:g} – {t['band'][1]:g}",
             "" if t["value"] is None else f"{t['value']:g}", f"{t['fitted']:g}"] for tid, t in meta["targets"].items()]
    parts.append("\n" + markdown_table(["target", "variant: metric", "band", "point value", "at the fitted values"], rows))
    parts.append(f"\n`{meta['command']}` ({meta['method']}): {meta['accepted']} of {meta['samples']} samples accepted "
                 f"(distance at most {meta['acceptance_distance']:g}; best {meta['best_distance']:g}"
                 + ("; tolerance by generation " + " -> ".join(f"{g['tolerance']:g}" for g in meta["generations"])
                    if len(meta.get("generations", [])) > 1 else "")
                 + (f"; effective sample size {meta['effective_sample_size']:g}" if "effective_sample_size" in meta else "")
                 + "), "
                 f"{meta['replications']} replication(s) from seed {meta['seed']}, variants {', '.join(meta['variants'])}; "
                 f"distance at the fitted values **{meta['distance']:g}**. Written {meta['date']} at commit "
                 f"`{str(meta['git_commit'])[:12]}`; experiment file sha256 `{meta['experiment_sha256'][:12]}`.")
    return "\n".join(parts)


def _flat_items(data: dict, prefix: str = ""):
    for key, value in data.items():
        if key == "metadata" and not prefix:
            continue
        if isinstance(value, dict):
            yield from _flat_items(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


BLOCKS = {"params": render_parameter_block, "data": render_data_block, "calibration": render_calibration_block}


def replace_block(text: str, name: str, body: str) -> str:
    """Text with the part between `<!-- name:start -->` and `<!-- name:end -->` replaced by `body`."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    i, j = text.find(start), text.find(end)
    if i < 0 or j < i:
        raise ValueError(f"docs/ODD.md has no {start} ... {end} block")
    return f"{text[:i]}{start}\n{body}\n{text[j:]}"


def block(text: str, name: str) -> str:
    """The body between the markers of a generated block."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    return text[text.index(start) + len(start): text.index(end)].strip("\n")


def render_odd(text: str) -> str:
    """docs/ODD.md with every generated block refreshed."""
    for name, render in BLOCKS.items():
        text = replace_block(text, name, render())
    return text


def generated(root: Path = ROOT) -> dict[Path, str]:
    """Every generated file and the text it should have."""
    odd = root / "docs" / "ODD.md"
    files = {root / "docs" / "scenarios.md": render_scenarios()}
    if odd.is_file():
        files[odd] = render_odd(odd.read_text(encoding="utf-8"))
    return files


def update(check: bool = False) -> int:
    """Write the generated docs (or, with `check`, report the stale ones); 0, 1 if stale under `check`, 2 on error."""
    try:
        files = generated()
    except (ScenarioError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stale = [p for p, text in files.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
    for path in stale:
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(files[path], encoding="utf-8")
        print(f"{'stale' if check else 'wrote'} {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 1 if check and stale else 0


def command(check: Annotated[bool, typer.Option(help="only check that the files are current (exit 1 if stale)")] = False) -> None:
    """Generate docs/scenarios.md and the ODD tables from the scenario schema (`msosim docs`, `python -m msosim.docs`)."""
    code = update(check)
    if code:
        raise typer.Exit(code)


if __name__ == "__main__":
    typer.run(command)
