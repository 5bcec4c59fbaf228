"""An MSO agent: a thin handle onto its row in the model's struct of arrays."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import pandas as pd

from ..state import FIELDS, FUNCTIONS, GRANT_KINDS

if TYPE_CHECKING:
    from ..model import MSOModel


def _column(name: str, doc: str) -> property:
    """A property reading and writing one column of the MSO table at this agent's row."""

    def get(self: MSO):
        return getattr(self.model.msos, name)[self.row].item()

    def set_(self: MSO, value) -> None:
        getattr(self.model.msos, name)[self.row] = value

    return property(get, set_, doc=doc)


class MSO(mesa.Agent):
    """A migrant self-organisation (registered association); state lives in `model.msos`."""

    alive = _column("alive", "still an active association")
    district = _column("district", "row of its municipality")
    group = _column("group", "origin/community group code")
    members = _column("members", "members [persons]")
    volunteers = _column("volunteers", "active volunteers [persons]")
    burnout = _column("burnout", "mean burnout of its volunteers [0-1]")
    staff_fte = _column("staff_fte", "paid staff [FTE]")
    reserves = _column("reserves", "reserves [EUR]")
    track_record = _column("track_record", "grants received so far [count]")
    professionalisation = _column("professionalisation", "routines and know-how for applications [0-1]")
    trust = _column("trust", "trust in the municipality [0-1]")
    coop_municipality = _column("coop_municipality", "cooperates with its municipality")
    federation = _column("federation", "member of an umbrella federation")
    service_hours = _column("service_hours", "service hours delivered last step [h]")

    def __init__(self, model: MSOModel, row: int) -> None:
        super().__init__(model)
        self.row = int(row)

    @property
    def kind(self) -> str:
        """'staffed' if it has paid staff, else 'volunteer_only'."""
        return "staffed" if self.staff_fte > 0 else "volunteer_only"

    @property
    def fields(self) -> list[str]:
        return [name for name, on in zip(FIELDS, self.model.msos.fields[self.row]) if on]

    @property
    def functions(self) -> list[str]:
        return [name for name, on in zip(FUNCTIONS, self.model.msos.functions[self.row]) if on]

    def grants(self) -> pd.DataFrame:
        """Every grant this MSO has held or holds."""
        g = self.model.grants
        frame = g.frame()
        frame = frame[frame["mso"] == self.row].copy()
        frame["kind"] = [GRANT_KINDS[k] for k in frame["kind"]]
        frame["funder"] = [self.model.funders[f].name for f in frame["funder"]]
        return frame

    def story(self) -> pd.DataFrame:
        """This MSO's events, oldest first."""
        events = self.model.event_frame()
        return events[events["mso"] == self.row].reset_index(drop=True)

    def __repr__(self) -> str:
        return (f"MSO(row={self.row}, alive={self.alive}, volunteers={self.volunteers}, "
                f"staff_fte={self.staff_fte:.2f}, reserves={self.reserves:.0f})")
