"""Helpers for the optimisation tests: a small optimisation file."""

from __future__ import annotations

from pathlib import Path

import yaml

from .conftest import SCENARIOS


def write_optimisation(folder: Path, name: str = "tiny", **fields) -> Path:
    """A small optimisation (Bremen's district, one year) as a YAML file; `fields` replace its keys."""
    data = {
        "name": name,
        "scenario": str(SCENARIOS / "baseline.yaml"),
        "scale": "district",
        "fixed": {"population.land": "HB", "policy.funding_mode": "mixed", "policy.institutional_share": 0.0},
        "levers": {"funders.land_programmes.budget": {"share": [0.5, 1.0]},
                   "policy.micro_grants_budget": {"share": [0.0, 0.3]},
                   "policy.application_support": {"share": [0.0, 0.2], "cost": 8_000_000},
                   "policy.dialogue_formats": {"share": [0.0, 0.2], "cost": 10_000_000},
                   "policy.institutional_share": {"min": 0.0, "max": 1.0}},
        "objectives": {"alive": {"outcome": "alive_end", "statistic": "p10"},
                       "volunteer_money": {"outcome": "public_money_total|type=volunteer_only", "per": "public_money_total"}},
        "uncertainties": {"parameters": {"volunteers.dropout_rate": [0.15, 0.3]}, "draws": 2},
        "replications": 1,
        "years": 1,
        "search": {"population": 4, "generations": 2, "seed": 1},
        "reevaluate": {"points": 2, "draws": 1, "replications": 2},
    }
    data.update(fields)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
