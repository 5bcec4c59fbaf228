"""What MSO representatives came to see, counted since the start of a run (one ledger per model).

The model's monthly table has flows (staff let go at grant ends this month, dissolutions by cause); the ledger
adds them up and counts two things the table does not hold: hours spent on applications (each MSO's
`application_hours` of the month) and public money (grants and municipal payments, the growth of each MSO's
`grant_income_total` + `municipal_income_total`) that reached MSOs without paid staff at the end of the month.
"""

from __future__ import annotations

import numpy as np

from ..model import MSOModel
from ..submodels.demography import DEATH_CAUSES

CAUSES = DEATH_CAUSES  # every cause the model names (volunteers, insolvency, background, burnout, merger)
LEDGER_COLUMNS = ("staff_let_go_at_grant_end", "dissolved_total", *(f"dissolved_{cause}_total" for cause in CAUSES),
                  "application_hours_total", "public_money_total", "public_money_volunteer_only_share")


class Ledger:
    """Running totals of one model; `record()` after each step returns the row for that step."""

    def __init__(self, model: MSOModel) -> None:
        self.previous = self._public(model)
        self.totals = dict.fromkeys(("cliff", "hours", "public", "volunteer_only", *CAUSES), 0.0)
        self.rows: list[dict[str, float]] = [self._row()]

    @staticmethod
    def _public(model: MSOModel) -> np.ndarray:
        m, n = model.msos, model.msos.n
        return m.grant_income_total[:n] + m.municipal_income_total[:n]

    def record(self, model: MSOModel) -> dict[str, float]:
        """Add the step a model just finished."""
        m, n, flow_row = model.msos, model.msos.n, model.datacollector.rows[-1]
        public = self._public(model)
        gained = public.copy()
        gained[: self.previous.size] -= self.previous
        self.previous = public
        totals = self.totals
        totals["public"] += float(gained.sum())
        totals["volunteer_only"] += float(gained[m.staff_fte[:n] <= 0].sum())
        totals["hours"] += float(m.application_hours[:n].sum())
        totals["cliff"] += float(flow_row["staff_lost_at_cliff"])
        for cause in CAUSES:
            totals[cause] += float(flow_row[f"dissolved_{cause}"])
        row = self._row()
        self.rows.append(row)
        return row

    def _row(self) -> dict[str, float]:
        totals = self.totals
        return {"staff_let_go_at_grant_end": totals["cliff"],
                "dissolved_total": sum(totals[cause] for cause in CAUSES),
                **{f"dissolved_{cause}_total": totals[cause] for cause in CAUSES},
                "application_hours_total": totals["hours"], "public_money_total": totals["public"],
                "public_money_volunteer_only_share": totals["volunteer_only"] / totals["public"] if totals["public"] > 0 else 0.0}
