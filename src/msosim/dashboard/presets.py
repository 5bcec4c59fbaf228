"""Facilitators' presets: both policies' set-up saved as a pair of scenario files that `extends` the loaded one.

presets/<name>/policy_a.yaml and policy_b.yaml are ordinary scenario files (`msosim run` and
`msosim compare` take them); presets/<name>/dashboard.yaml keeps what only the dashboard needs
(seed, the levers left on the table). A preset folder is written in full or not at all.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from ..loading import load_mapping
from ..outputs import staged_folder
from ..scenario import ScenarioError, load_scenario
from .runner import POLICIES, Setup, levers_of

POLICY_FILES = {"A": "policy_a.yaml", "B": "policy_b.yaml"}
SIDECAR = "dashboard.yaml"


def slug(name: str) -> str:
    """A folder name from a preset name: letters, digits, '-' and '_'; raises ValueError when nothing is left."""
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", name.strip()).strip("-_").lower()
    if not text:
        raise ValueError(f"preset name {name!r} has no letters or digits")
    return text[:60]


def _scenario_text(name: str, policy: str, setup: Setup, extends: str, shown_folder: str) -> str:
    body = {
        "extends": extends,
        "name": f"{name}-{policy.lower()}",
        "description": f"Dashboard preset '{name}', policy {policy}.",
        "population": {"scale": setup.scale, "land": setup.land},
        "policy": dict(setup.levers[policy]),
    }
    stamp = datetime.now().isoformat(timespec="seconds")
    header = (f"# msosim dashboard preset '{name}', policy {policy}, saved {stamp}.\n"
              f"# Run it: msosim run {shown_folder}/{POLICY_FILES[policy]}\n")
    return header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def save_preset(presets_dir: Path, name: str, setup: Setup, on_table: list[str]) -> list[Path]:
    """Write presets/<slug>/{policy_a,policy_b,dashboard}.yaml; each scenario is validated before it lands."""
    folder_name = slug(name)
    presets_dir = Path(presets_dir).resolve()
    presets_dir.mkdir(parents=True, exist_ok=True)
    target = presets_dir / folder_name
    with staged_folder(target, "preset", overwrite=True) as staging:
        extends = os.path.relpath(setup.scenario_path, staging)
        for policy in POLICIES:
            path = staging / POLICY_FILES[policy]
            text = _scenario_text(folder_name, policy, setup, extends, f"{presets_dir.name}/{folder_name}")
            path.write_text(text, encoding="utf-8")
            load_scenario(path)
        sidecar = {"name": name, "seed": setup.seed, "on_table": list(on_table),
                   "policies": dict(POLICY_FILES), "scenario": os.path.relpath(setup.scenario_path, staging)}
        (staging / SIDECAR).write_text(yaml.safe_dump(sidecar, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return [target / POLICY_FILES[p] for p in POLICIES] + [target / SIDECAR]


def list_presets(presets_dir: Path) -> list[str]:
    """Folder names of the saved presets, sorted."""
    presets_dir = Path(presets_dir)
    if not presets_dir.is_dir():
        return []
    return sorted(p.name for p in presets_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and (p / POLICY_FILES["A"]).is_file() and (p / POLICY_FILES["B"]).is_file())


def _read_mapping(path: Path) -> dict[str, Any]:
    return load_mapping(path, "preset", ScenarioError) if path.is_file() else {}


def load_preset(presets_dir: Path, folder: str, fallback: Setup) -> tuple[Setup, list[str] | None]:
    """The set-up saved in a preset folder (and the levers on the table); raises ScenarioError."""
    root = Path(presets_dir).resolve() / folder
    paths = {p: root / POLICY_FILES[p] for p in POLICIES}
    scenarios = {p: load_scenario(paths[p]) for p in POLICIES}
    extends = _read_mapping(paths["A"]).get("extends")
    if not isinstance(extends, str):
        raise ScenarioError(f"{paths['A']}: key 'extends': missing; allowed: the path of the scenario the preset builds on")
    sidecar = _read_mapping(root / SIDECAR)
    seed = sidecar.get("seed", fallback.seed)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ScenarioError(f"{root / SIDECAR}: key 'seed': value {seed!r}; allowed: a whole number >= 0")
    on_table = sidecar.get("on_table")
    population = scenarios["A"].population
    setup = replace(fallback, scenario_path=(root / extends).resolve(), scale=population.scale, land=population.land,
                    seed=seed, levers={p: levers_of(scenarios[p]) for p in POLICIES})
    return setup, (list(on_table) if isinstance(on_table, list) else None)
