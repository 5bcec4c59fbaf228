"""The top bar: scenario file, scale, Land, seed; play, pause, step, reset, speed; the step counter."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import solara
from solara import v

from ...population import read_data
from ..ensemble import REPLICATION_CHOICES
from ..levers import SCALES
from ..runner import Setup, Snapshot
from ..strings import LANGUAGES, month_label, number, t

SPEED_RANGE = (1, 24)


def land_codes() -> list[str]:
    return list(read_data("laender.csv")["code"])


def scenario_files(folder: Path) -> list[Path]:
    """The YAML files of the scenarios folder, sorted by name."""
    return sorted(p for p in folder.glob("*.y*ml") if p.is_file()) if folder.is_dir() else []


def replication_items(lang: str) -> list[dict]:
    """Story mode (one run per policy) or an ensemble of 10 to 30 paired runs."""
    return [{"text": t("ensemble.story", lang), "value": 1},
            *({"text": t("ensemble.runs", lang, n=n), "value": n} for n in REPLICATION_CHOICES)]


@solara.component
def LanguageToggle(lang: solara.Reactive[str]):
    with solara.Row(gap="6px", style={"align-items": "center"}):
        solara.Text(t("control.language", lang.value))
        solara.ToggleButtonsSingle(value=lang, values=list(LANGUAGES), classes=["msosim-language"])


@solara.component
def SetupControls(setup: Setup, lang: str, on_scenario: Callable[[Path], None], on_setup: Callable[..., None],
                  room: bool = False):
    """Scenario file, scale, Land, runs per policy and seed; any change rebuilds both runs from step 0.

    In room view the file list and the seed are not shown (technical details for the facilitator)."""
    files = scenario_files(setup.scenario_path.parent)
    items = [{"text": p.name, "value": str(p)} for p in files]
    seed_error = solara.use_reactive("")
    with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
        if not room:
            v.Select(label=t("control.scenario", lang), items=items, v_model=str(setup.scenario_path), dense=True,
                     hide_details=True, style_="max-width: 200px", class_="msosim-scenario",
                     on_v_model=lambda value: on_scenario(Path(value)))
        with solara.Tooltip(t("tip.scale", lang)):
            v.Select(label=t("control.scale", lang), items=[{"text": t(f"scale.{s}", lang), "value": s} for s in SCALES],
                     v_model=setup.scale, dense=True, hide_details=True, style_="max-width: 150px", class_="msosim-scale",
                     on_v_model=lambda value: on_setup(scale=value))
        if setup.scale != "national":
            v.Select(label=t("control.land", lang), items=land_codes(), v_model=setup.land, dense=True, hide_details=True,
                     style_="max-width: 110px", class_="msosim-land", on_v_model=lambda value: on_setup(land=value))

        def seed_typed(text: str | None) -> None:
            try:
                seed = int((text or "").strip())
                if seed < 0:
                    raise ValueError
            except ValueError:
                seed_error.set(t("error.seed", lang, value=text))
                return
            seed_error.set("")
            on_setup(seed=seed)

        with solara.Tooltip(t("tip.ensemble", lang)):
            v.Select(label=t("ensemble.mode", lang), items=replication_items(lang), v_model=setup.replications, dense=True,
                     hide_details=True, style_="max-width: 250px", class_="msosim-replications",
                     on_v_model=lambda value: on_setup(replications=int(value)))
        if room:
            return
        with solara.Tooltip(t("tip.seed", lang)):
            solara.InputText(t("control.seed", lang), value=str(setup.seed), on_value=seed_typed,
                             error=bool(seed_error.value), message=seed_error.value or None, classes=["msosim-seed"],
                             style={"max-width": "150px"})


@solara.component
def PlayControls(lang: str, playing: solara.Reactive[bool], speed: solara.Reactive[int],
                 on_step: Callable[[], None], on_reset: Callable[[], None]):
    with solara.Row(gap="8px", style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.Button(t("control.pause" if playing.value else "control.play", lang), color="primary",
                      icon_name="mdi-pause" if playing.value else "mdi-play", on_click=lambda: playing.set(not playing.value),
                      classes=["msosim-play"])
        solara.Button(t("control.step", lang), icon_name="mdi-skip-next", on_click=on_step, disabled=playing.value,
                      classes=["msosim-step"])
        solara.Button(t("control.reset", lang), icon_name="mdi-restart", on_click=on_reset, classes=["msosim-reset"])
        with solara.Tooltip(t("tip.speed", lang)), \
                solara.Column(style={"min-width": "200px"}, classes=["msosim-speed"]):
            solara.SliderInt(t("control.speed", lang), value=speed, min=SPEED_RANGE[0], max=SPEED_RANGE[1])


@solara.component
def StepStatus(live: solara.Reactive[Snapshot], lang: str, timing: dict, on_rendered: Callable[[], None], room: bool = False):
    """The step counter and (not in room view) how long the last step took; `on_rendered` runs once the page shows
    a new snapshot."""
    snapshot = live.value
    solara.use_effect(on_rendered, [snapshot])
    compute = number(snapshot.compute_ms, lang, 1)
    render = number(timing.get("render_total_ms", 0.0), lang, 0)
    timing_html = "" if room else (f"<span class='msosim-timing' style='color:#868e96;font-size:0.85em'>"
                                   f"{html.escape(t('status.timing', lang, compute=compute, render=render))}</span>")
    solara.HTML(tag="div", unsafe_innerHTML=(
        f"<span class='msosim-step-counter' style='font-size:1.2em;font-weight:bold;margin-right:12px'>"
        f"{html.escape(t('status.step', lang, step=snapshot.step, date=month_label(snapshot.year, lang)))}</span>"
        f"{timing_html}"),
        style="display:flex;flex-wrap:wrap;align-items:baseline")
