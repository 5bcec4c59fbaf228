"""Shared fixtures: paths and small, fast scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SMALL = {"population.scale": "district", "population.land": "HB"}


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def scenarios() -> Path:
    return SCENARIOS
