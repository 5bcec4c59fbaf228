"""The base of every scenario section: unknown keys are errors, no booleans as numbers, a validated section is a value."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .loading import no_bool_numbers

FIELDS = ("exchange", "children_youth", "education", "arts_culture", "refugee_support",
          "counselling", "women", "parents_family", "culture_of_origin")  # SVR activity fields (state.FIELDS)

Share = Annotated[float, Field(ge=0.0, le=1.0)]


class Strict(BaseModel):
    """Base for every section: unknown keys are errors; frozen, so what was derived when the scenario loaded (the
    policy overlay) stays true: change a scenario with `with_overrides`, which validates a new one."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_numbers(cls, data: Any) -> Any:
        return no_bool_numbers(cls, data)
