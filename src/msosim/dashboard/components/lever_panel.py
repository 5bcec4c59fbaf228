"""The levers of one policy: sliders, selects and number fields generated from the schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara
from solara import v

from ..charts import COLOURS as POLICY_COLOURS
from ..levers import LEVERS, Lever, fallback_value, slider_value
from ..strings import number, option_label, t, unit_label

OnLever = Callable[[str, str, Any], None]      # (policy, lever name, value)


def parse_number(text: str, lang: str) -> float:
    """'10.000.000' (de), '10,000,000' (en), '1e7' or '10 000 000' as a float; raises ValueError."""
    cleaned = text.strip().replace(" ", "").replace("_", "").replace("\u202f", "")
    if "e" not in cleaned.lower():
        cleaned = cleaned.replace(".", "").replace(",", ".") if lang == "de" else cleaned.replace(",", "")
    return float(cleaned)


def tooltip_text(lever: Lever, lang: str) -> str:
    """The lever's description plus its range and default."""
    tip = t(f"tip.{lever.name}", lang)
    if lever.kind == "select":
        return tip
    default = t("lever.keep", lang) if lever.default is None else number(lever.default, lang, lever.digits)
    span = t("lever.range", lang, low=number(lever.minimum, lang, lever.digits),
             high=number(lever.maximum, lang, lever.digits), default=default)
    return f"{tip} ({span})"


@solara.component
def LeverLabel(lever: Lever, value: Any, lang: str, locked: bool):
    unit = unit_label(lever.unit, lang)
    shown = ""
    if lever.kind != "select":
        shown = t("lever.keep", lang) if value is None else number(value, lang, lever.digits)
    with solara.Row(gap="4px", style={"align-items": "center"}):
        with solara.Tooltip(tooltip_text(lever, lang)):
            solara.Text(t(f"lever.{lever.name}", lang), style={"font-weight": "500", "cursor": "help"})
        if unit:
            solara.Text(f"[{unit}]", style={"color": "#868e96", "font-size": "0.85em"})
        if shown:
            solara.Text(shown, classes=["msosim-lever-value"], style={"margin-left": "auto"})
        if locked:
            v.Icon(children=["mdi-lock"], small=True, color="grey")


@solara.component
def SliderInput(lever: Lever, value: Any, disabled: bool, css: str, on_commit: Callable[[float], None]):
    """A slider that commits when it is released or moved by keyboard (the 'change' event), not while dragging."""
    slider = v.Slider(v_model=slider_value(lever, value), min=slider_value(lever, None), max=lever.maximum,
                      step=lever.step, thumb_label=True, hide_details=True, dense=True,
                      disabled=disabled or value is None, class_=css)

    def changed(widget, event, data):
        on_commit(float(data))

    v.use_event(slider, "change", changed)
    return slider


@solara.component
def NumberInput(lever: Lever, value: Any, lang: str, disabled: bool, css: str, on_commit: Callable[[float], None]):
    """A typed number (budgets in EUR); text that is not a number is reported, never committed."""
    error = solara.use_reactive("")
    text = "" if value is None else number(value, lang, lever.digits)

    def typed(new_text: str | None) -> None:
        try:
            parsed = parse_number(new_text or "", lang)
        except ValueError:
            error.set(t("error.number", lang, lever=t(f"lever.{lever.name}", lang), value=new_text))
            return
        error.set("")
        on_commit(parsed)

    solara.InputText("", value=text, on_value=typed, disabled=disabled or value is None, error=bool(error.value),
                     message=error.value or None, classes=[css])


@solara.component
def LeverInput(policy: str, lever: Lever, value: Any, lang: str, locked: bool, on_lever: OnLever):
    """One lever: label with unit and tooltip, the control, 'as in the scenario' for optional levers, a limit note."""
    css = f"msosim-lever-{policy}-{lever.name}"

    def commit(new_value: Any) -> None:
        on_lever(policy, lever.name, new_value)

    with solara.Column(gap="0px", classes=["msosim-lever"], style={"margin-bottom": "6px"}):
        LeverLabel(lever, value, lang, locked)
        if lever.kind == "select":
            items = [{"text": option_label(lever.name, option, lang), "value": option} for option in lever.options]
            v.Select(v_model=value, items=items, dense=True, hide_details=True, disabled=locked, class_=css,
                     on_v_model=commit)
        elif lever.kind == "slider":
            SliderInput(lever, value, locked, css, commit)
        else:
            NumberInput(lever, value, lang, locked, css, commit)
        if lever.optional:
            v.Checkbox(label=t("lever.keep", lang), v_model=value is None, disabled=locked, dense=True, hide_details=True,
                       class_=f"{css}-keep", on_v_model=lambda keep: commit(None if keep else fallback_value(lever)))
        if lever.at_limit(value) and value != lever.default:
            low = number(slider_value(lever, None), lang, lever.digits)
            high = number(lever.maximum, lang, lever.digits)
            solara.Text(t("lever.at_limit", lang, low=low, high=high), classes=["msosim-limit-note"],
                        style={"color": "#e67700", "font-size": "0.8em"})


@solara.component
def PolicyPanel(policy: str, values: dict[str, Any], lang: str, on_table: frozenset[str], on_lever: OnLever,
                on_copy: Callable[[], None] | None = None):
    """A card with every lever of one policy; levers not on the table are locked."""
    colour = POLICY_COLOURS[policy]
    with solara.Card(classes=[f"msosim-policy-{policy}"], style={"border-top": f"4px solid {colour}", "height": "100%"}):
        with solara.Column(gap="0px", style={"margin-bottom": "8px"}):
            solara.Text(t(f"policy.{policy}", lang), style={"font-size": "1.2em", "font-weight": "bold", "color": colour})
            solara.Text(t("policy.levers", lang), style={"color": "#868e96"})
        for lever in LEVERS:
            LeverInput(policy, lever, values[lever.name], lang, lever.name not in on_table, on_lever)
        if on_copy is not None:
            solara.Button(t("policy.copy_a", lang), on_click=on_copy, text=True, small=True, classes=["msosim-copy-a"])
