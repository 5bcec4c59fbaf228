"""A municipality (district) agent: a handle onto its row in `model.districts`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from ..model import MSOModel


class Municipality(mesa.Agent):
    """A city or district; its decisions over MSOs run as vector operations in the submodels."""

    def __init__(self, model: MSOModel, row: int) -> None:
        super().__init__(model)
        self.row = int(row)

    def _get(self, name: str):
        return getattr(self.model.districts, name)[self.row].item()

    @property
    def land(self) -> str:
        return self.model.land_codes[self._get("land")]

    @property
    def openness(self) -> float:
        return self._get("openness")

    @property
    def migrants(self) -> float:
        return self._get("migrants")

    @property
    def dialogue(self) -> bool:
        return self._get("dialogue")

    @property
    def budget_left(self) -> float:
        return self._get("budget_left")

    def __repr__(self) -> str:
        return f"Municipality(row={self.row}, land={self.land}, openness={self.openness:.2f})"
