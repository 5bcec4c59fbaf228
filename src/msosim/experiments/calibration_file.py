"""The calibration file: base scenario, variants, uniform priors, targets, method and sample size."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from .experiment import Strict, load_file


class Prior(Strict):
    """A uniform prior range of one parameter."""

    min: float = Field(..., description="lower end")
    max: float = Field(..., description="upper end")
    source: str = Field("", description="where the range comes from")


class Target(Strict):
    """A pattern: a metric of one variant, its band and (optionally) a point value inside it."""

    metric: str = Field(..., description="a calibration metric or run outcome")
    variant: str = Field("baseline", description="the variant whose runs it is measured in")
    low: float
    high: float
    value: float | None = Field(None, description="point target; without it, any value in [low, high] is distance 0")
    weight: float = Field(1.0, gt=0, le=1000)
    source: str = ""


class Calibration(Strict):
    """A calibration: base scenario, variants, priors, targets, method and sample size."""

    name: str = Field(..., pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    scenario: str = Field(..., description="base scenario file, relative to the calibration file")
    fixed: dict[str, Any] = Field(default_factory=dict, description="dotted overrides applied to every run")
    variants: dict[str, dict[str, Any]] = Field(default_factory=lambda: {"baseline": {}}, min_length=1,
                                                description="variant name -> overrides on top of fixed")
    parameters: dict[str, Prior] = Field(..., min_length=1, description="dotted key -> uniform prior range")
    targets: dict[str, Target] = Field(..., min_length=1, description="target id -> pattern")
    method: Literal["rejection", "smc"] = Field("rejection", description="rejection ABC, or ABC-SMC with importance weights")
    generations: int = Field(1, ge=1, le=10, description="smc: generations (each n proposals from the last weighted population)")
    tolerance_quantile: float = Field(0.5, gt=0, le=1, description="smc: each generation's tolerance is this quantile "
                                      "of the previous population's distances")
    sampler: Literal["latin", "sobol"] = "latin"
    n: int = Field(..., ge=1, le=1_000_000, description="samples (latin) or base samples (sobol)")
    options: dict[str, Any] = Field(default_factory=dict, description="sampler options (sobol: second_order)")
    replications: int = Field(1, ge=1, le=1000, description="runs per sample and variant; replication r uses seed + r")
    accept: float = Field(0.1, gt=0, le=1, description="accepted quantile of the samples (closest first); smc: also "
                          "the least share of each generation's proposals kept")
    estimate: Literal["median", "mean", "best"] = Field("median", description="fitted value from the weighted particles")
    years: float | None = Field(None, gt=0, le=200)
    seed: int = Field(1, ge=0, le=2**62)
    store: str | None = Field(None, description="results store (default results/<name>.duckdb, relative to the working directory)")
    output: str = Field("data/calibrated.yaml", description="where the fitted fragment goes (relative to the working directory)")


def load_calibration(path: str | Path) -> tuple[Calibration, Path]:
    """Read and validate a calibration file's structure (`plan` checks it against the schema)."""
    return load_file(path, Calibration, "calibration")
