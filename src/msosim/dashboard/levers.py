"""The dashboard's policy levers, generated from the pydantic schema (`PolicyConfig`).

Ranges, defaults, units and choices come from the schema's rows (schema_table.py, the reader docs.py uses too),
English tooltips from each field's description; nothing here repeats a number from the schema.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from ..scenario import PolicyConfig, PopulationConfig
from ..schema_table import choices, section_rows

NICE_STEPS = (0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
SLIDER_POSITIONS = 200      # at most this many positions on a slider
NUMBER_RANGE = 1000.0       # a range wider than this is typed in (EUR budgets), not slid;
                            # so is a range a slider could not resolve near its default (a step > default / 10)

@dataclass(frozen=True)
class Lever:
    """One policy lever as the UI shows it: a select, a slider, or a number field."""

    name: str
    kind: Literal["select", "slider", "number"]
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    exclusive_minimum: bool = False
    optional: bool = False          # None allowed: "keep the scenario's own setting"
    options: tuple[str, ...] = ()
    unit: str = ""
    description: str = ""

    @property
    def digits(self) -> int:
        """Decimals shown: none for money, two otherwise."""
        return 0 if self.unit.startswith("EUR") else 2

    @property
    def key(self) -> str:
        """The dotted scenario key this lever overrides."""
        return f"policy.{self.name}"

    def at_limit(self, value: Any) -> bool:
        """True when a numeric value sits on (or beyond) an end of its allowed range."""
        if self.kind == "select" or value is None:
            return False
        low = self.minimum + (self.step or 0.0) if self.exclusive_minimum else self.minimum
        return value <= low + 1e-12 or value >= self.maximum - 1e-12

    def allows(self, value: Any) -> bool:
        """True when the schema accepts the value (None only for optional levers)."""
        if value is None:
            return self.optional
        if self.kind == "select":
            return value in self.options
        if not isinstance(value, (int, float)) or isinstance(value, bool) or math.isnan(value):
            return False
        low_ok = value > self.minimum if self.exclusive_minimum else value >= self.minimum
        return low_ok and value <= self.maximum


def _nice_step(span: float) -> float:
    """The smallest round step that keeps a slider under SLIDER_POSITIONS positions."""
    return next((step for step in NICE_STEPS if span / step <= SLIDER_POSITIONS), NICE_STEPS[-1])


def lever_from_row(row: dict[str, Any], description: str) -> Lever:
    """Build one lever from a policy key's row of the schema table (schema_table.py) and its field description."""
    name = row["key"].split(".")[-1]
    unit = "" if row["unit"].strip() == "-" else row["unit"].strip()
    if not unit and "multiplier" in description:
        unit = "factor"
    if row["choices"] is not None:
        return Lever(name, "select", row["default"], options=tuple(row["choices"]), description=description)
    minimum = float(0.0 if row["minimum"] is None else row["minimum"])
    maximum = float(row["maximum"])
    span = maximum - minimum
    if not unit and (minimum, maximum) == (0.0, 1.0):
        unit = "share"
    step = _nice_step(span)
    default = row["default"]
    too_coarse = isinstance(default, (int, float)) and default > 0 and step > default / 10
    kind = "number" if span > NUMBER_RANGE or too_coarse else "slider"
    step = None if kind == "number" else step
    return Lever(name, kind, default, minimum, maximum, step, row["exclusive_minimum"], row["type"].endswith("or empty"),
                 (), unit, description)


def policy_levers() -> list[Lever]:
    """Every field of PolicyConfig as a lever, in schema order."""
    fields = PolicyConfig.model_fields
    return [lever_from_row(row, fields[row["key"].split(".")[-1]].description or row["key"])
            for row in section_rows("policy", PolicyConfig)]


LEVERS: tuple[Lever, ...] = tuple(policy_levers())
LEVER_BY_NAME: dict[str, Lever] = {lever.name: lever for lever in LEVERS}
SCALES: tuple[str, ...] = choices(PopulationConfig.model_fields["scale"].annotation)


def slider_value(lever: Lever, value: Any) -> float:
    """Where the slider sits for a value (None -> the smallest allowed value)."""
    if value is None:
        return lever.minimum + lever.step if lever.exclusive_minimum else lever.minimum
    return float(value)


def fallback_value(lever: Lever) -> float:
    """The value an optional lever takes when it is switched from 'as configured' to a number."""
    if lever.default is not None:
        return float(lever.default)
    middle = (lever.minimum + lever.maximum) / 2.0
    if lever.kind == "number":
        return lever.minimum
    return round(middle / lever.step) * lever.step
