"""The bounds of the CLI options that are not scenario or experiment keys: one definition, read by `guards.bounded`.

The scenario's `years`, the experiment's `seed`, `n` and `replications` keep their bounds in those schemas;
this model holds the rest (workers, chunk size, port, PRIM density), so every numeric option is checked the
same way (NaN, infinity and out-of-range values refused in one line, exit 2).
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Options(BaseModel):
    """Numeric command-line options without a scenario or experiment key."""

    workers: int = Field(1, ge=1, le=1024, description="worker processes")
    chunk: int = Field(1, ge=1, le=100_000, description="runs per task sent to a worker")
    batch: int = Field(1, ge=1, le=1000, description="replications of one scenario run together in one set of arrays")
    port: int = Field(8765, ge=1, le=65535, description="port on 127.0.0.1")
    prim_density: float = Field(0.8, ge=0, le=1, description="PRIM: least density of the chosen box")
