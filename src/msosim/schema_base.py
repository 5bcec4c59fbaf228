"""The base of every scenario section: unknown keys are errors, assignments are validated, no booleans as numbers."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .loading import no_bool_numbers

Share = Annotated[float, Field(ge=0.0, le=1.0)]


class Strict(BaseModel):
    """Base for every section: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_numbers(cls, data: Any) -> Any:
        return no_bool_numbers(cls, data)
