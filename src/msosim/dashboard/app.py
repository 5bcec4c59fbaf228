"""The Solara app: two policies side by side. Started by `msosim dashboard` (`solara run msosim.dashboard.app:Page`).

Each browser session gets its own `Session` (its own two models) through `solara.use_memo`; nothing is
built at import. Mesa's `SolaraViz` drives one model; this page steps two models with one seed, so it
uses its own components (see components/) and the model's own DataCollector tables.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import solara

from .components.facilitator import Downloads, FacilitatorPanel
from .components.lever_panel import PolicyPanel
from .components.outcomes import ChartGrid, Headline, Ticker
from .components.population_view import PopulationPanel, StoryPanel
from .components.run_controls import LanguageToggle, PlayControls, SetupControls
from .session import Message, Session, Settings
from .strings import number, t

DEFAULT_SPEED = 6
RENDER_TIMEOUT = 10.0       # seconds the play loop waits for the page to draw a step


def current_context():
    """The Solara kernel context of this browser session (None outside a server, e.g. in tests)."""
    try:
        from solara.server import kernel_context

        return kernel_context.get_current_context()
    except Exception:  # noqa: BLE001 - no kernel context outside a Solara server: nothing to watch
        return None


def page_connected(context) -> bool:
    """True while at least one browser page of this session is connected (always True without a server)."""
    if context is None:
        return True
    from solara.server.kernel_context import PageStatus

    if context.closed_event.is_set():
        return False
    return PageStatus.CONNECTED in context.page_status.values()


def message_text(message: Message, lang: str) -> str:
    """A message in the chosen language (lever names and numbers in its style)."""
    params = dict(message.params)
    if "lever" in params:
        params["lever"] = t(f"lever.{params['lever']}", lang)
    for key in ("value", "low", "high"):
        if isinstance(params.get(key), float):
            params[key] = number(params[key], lang, 2 if abs(params[key]) < 1000 else 0)
    if isinstance(params.get("count"), int):
        params["count"] = number(params["count"], lang)
    return t(message.key, lang, **params)


@solara.component
def MessageBar(message: solara.Reactive[Message | None], lang: str):
    if message.value is None:
        return
    kind = {"error": solara.Error, "warning": solara.Warning, "success": solara.Success}.get(message.value.kind, solara.Info)
    with solara.Row(style={"align-items": "center"}):
        kind(message_text(message.value, lang), classes=["msosim-message", f"msosim-message-{message.value.kind}"])
        solara.Button(icon_name="mdi-close", text=True, on_click=lambda: message.set(None), classes=["msosim-message-close"])


@solara.component
def MsoPicker(count: int, lang: str, on_pick):
    """Choose an MSO by number (the keyboard way to the story)."""
    error = solara.use_reactive("")

    def typed(text: str | None) -> None:
        try:
            row = int((text or "").strip())
            if not 0 <= row < count:
                raise ValueError
        except ValueError:
            error.set(t("error.lever", lang, lever="MSO", value=text, low=0, high=count - 1))
            return
        error.set("")
        on_pick(row)

    solara.InputText(t("population.select", lang), value="", on_value=typed, error=bool(error.value),
                     message=error.value or None, classes=["msosim-mso-picker"], style={"max-width": "220px"})


@solara.component
def Page():
    session: Session = solara.use_memo(lambda: Session(Settings.from_environment()), [])
    lang = solara.use_reactive(session.settings.lang)
    revision = solara.use_reactive(0)
    message = solara.use_reactive(session.startup_message if session.pair is None else None)
    selected = solara.use_reactive(None)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    timing: dict = solara.use_memo(dict, [])
    rendered: threading.Event = solara.use_memo(threading.Event, [])
    context = solara.use_memo(current_context, [])

    def done(result: Message | None, clear: bool = True) -> None:
        """After an action: show its message (or clear an old one) and render again."""
        if result is not None or clear:
            message.set(result)
        timing["requested"] = time.perf_counter()
        revision.set(revision.value + 1)

    def after_render() -> None:
        """Runs once the page has been rendered for a new revision: measure, and let the play loop go on."""
        if "requested" in timing:
            timing["render_total_ms"] = (time.perf_counter() - timing.pop("requested")) * 1000.0
        rendered.set()

    def rebuilt(result: Message | None) -> None:
        playing.set(False)
        selected.set(None)
        done(result)

    def play_loop(cancel: threading.Event) -> None:
        """Step, render, wait: the next step starts only after the page has drawn the last one."""
        while playing.value and not cancel.is_set():
            if not page_connected(context):
                playing.set(False)       # nobody is watching (tab closed): stop instead of running on
                return
            started = time.perf_counter()
            failure = session.step()
            if failure is not None:
                playing.set(False)
                done(failure)
                return
            rendered.clear()
            done(None, clear=False)
            rendered.wait(RENDER_TIMEOUT)
            timing["step_total_ms"] = (time.perf_counter() - started) * 1000.0
            cancel.wait(max(1.0 / speed.value - (time.perf_counter() - started), 0.005))

    solara.use_thread(play_loop, dependencies=[playing.value], intrusive_cancel=False)
    solara.use_effect(after_render, [revision.value])
    solara.Title(t("app.title", lang.value))
    pair, snapshot, language = session.pair, session.snapshot, lang.value

    def on_lever(policy: str, name: str, value: Any) -> None:
        done(session.set_lever(policy, name, value))

    with solara.Column(style={"padding": "10px 16px", "max-width": "1900px", "margin": "0 auto"}, classes=["msosim-page"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}, justify="space-between"):
            with solara.Column(gap="0px"):
                solara.Text(t("app.title", language), style={"font-size": "1.5em", "font-weight": "bold"}, classes=["msosim-title"])
                solara.Text(t("app.subtitle", language), style={"color": "#868e96"})
            LanguageToggle(lang)
        MessageBar(message, language)
        if pair is None or snapshot is None:
            return
        with solara.Card(style={"padding": "4px 12px"}):
            SetupControls(pair.setup, language, on_scenario=lambda path: rebuilt(session.load_scenario(path)),
                          on_setup=lambda **changes: rebuilt(session.change_setup(**changes))).key(f"setup-{session.failures}")
            PlayControls(snapshot, language, playing, speed, on_step=lambda: done(session.step()),
                         on_reset=lambda: rebuilt(session.reset()), timing=timing)
        Headline(snapshot, language)
        with solara.ColumnsResponsive(default=12, large=[3, 6, 3]):
            PolicyPanel("A", pair.setup.levers["A"], language, session.on_table, on_lever)
            ChartGrid(snapshot, language)
            PolicyPanel("B", pair.setup.levers["B"], language, session.on_table, on_lever,
                        on_copy=lambda: done(session.copy_levers("A", "B")))
        initial = pair.models["A"].initial_count
        with solara.ColumnsResponsive(default=12, large=[4, 4, 4]):
            for policy in ("A", "B"):
                PopulationPanel(policy, snapshot, initial, language, selected.value, lambda _policy, row: selected.set(row),
                                playing=playing.value)
            with solara.Column():
                MsoPicker(len(snapshot.states["A"]), language, selected.set)
                StoryPanel(pair, snapshot, selected.value, language)
        with solara.ColumnsResponsive(default=12, large=[6, 6]):
            Ticker(snapshot, language)
            with solara.Column():
                Downloads(pair, snapshot, language, session.scenario_name)
                FacilitatorPanel(language, session.settings.presets_dir, session.on_table,
                                 on_table_change=lambda names: done(session.set_on_table(names)),
                                 on_save=lambda name: done(session.save_preset(name)),
                                 on_load=lambda folder: rebuilt(session.load_preset(folder)), revision=revision.value)

