"""Shared pieces of the sweep tests: small experiment files and store comparisons."""

from __future__ import annotations

from pathlib import Path

import yaml

from .conftest import ROOT, SCENARIOS

EXPERIMENTS = ROOT / "experiments"


def write_experiment(folder: Path, name: str = "tiny", **fields) -> Path:
    """A small msosim experiment (Bremen's district, one year) as a YAML file; `fields` replace its keys."""
    data = {
        "name": name,
        "scenario": str(SCENARIOS / "baseline.yaml"),
        "fixed": {"population.scale": "district", "population.land": "HB"},
        "parameters": {"policy.budget_factor": {"min": 0.5, "max": 2.0},
                       "policy.application_hours_factor": {"min": 0.25, "max": 1.5}},
        "sampler": "latin",
        "n": 4,
        "replications": 2,
        "years": 1,
        "seed": 3,
        "outcomes": ["alive_end", "staff_fte_end"],
    }
    data.update(fields)
    data = {key: value for key, value in data.items() if value is not None}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
