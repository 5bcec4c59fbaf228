"""Room view: what participants see on the projector (no file names, seed or timings, no facilitator panel).

With a PIN (`msosim dashboard --pin ...`) every page opens in room view and only the PIN leaves it; without one
the switch is a presentation aid only.
"""

from __future__ import annotations

import solara
from solara import v

from ..strings import t


@solara.component
def RoomToggle(room: solara.Reactive[bool], pin: str, lang: str):
    """The room-view switch; switching it off asks for the PIN when one is set."""
    asking = solara.use_reactive(False)
    wrong = solara.use_reactive(False)

    def switched(value: bool) -> None:
        if value or not pin:
            room.set(bool(value))
            asking.set(False)
            return
        asking.set(True)

    def typed(text: str | None) -> None:
        if (text or "").strip() == pin:
            wrong.set(False)
            asking.set(False)
            room.set(False)
        else:
            wrong.set(True)

    with solara.Row(gap="6px", style={"align-items": "center"}):
        with solara.Tooltip(t("room.tip", lang)):
            v.Switch(label=t("room.view", lang), v_model=room.value, on_v_model=switched, dense=True, hide_details=True,
                     class_="msosim-room-toggle")
        if asking.value:
            solara.InputText(t("room.pin", lang), value="", on_value=typed, password=True, error=wrong.value,
                             message=t("room.wrong_pin", lang) if wrong.value else None, classes=["msosim-room-pin"],
                             style={"max-width": "140px"})
