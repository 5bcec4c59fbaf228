"""The Solara app: two policies side by side. Started by `msosim dashboard` (`solara run msosim.dashboard.app:Page`).

Each browser session gets its own `Session` (its own two models) through `solara.use_memo`; nothing is
built at import. Mesa's `SolaraViz` drives one model; this page steps two models with one seed, so it
uses its own components (see components/) and the model's own DataCollector tables.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import scipy.stats  # noqa: F401  # imported before any session thread: scipy's import is not thread-safe
import solara

from .components.facilitator import Downloads, FacilitatorPanel
from .components.findings_panel import FindingsPanel
from .components.lever_panel import PolicyPanel
from .components.outcomes import ChartGrid, Headline, Ticker
from .components.population_view import PopulationPanel, StoryPanel
from .components.room import RoomToggle
from .components.run_controls import (
    LanguageToggle,
    PlayControls,
    SetupControls,
    StepStatus,
)
from .runner import Snapshot
from .session import Message, Session, Settings
from .strings import number, t

# Reacton's subtree-skipping renderer (opt-in in reacton 1.11): without it every render, even one that
# changes only the charts, walks and re-applies every widget of the page (about 300 here). reacton reads the
# variable when Solara starts rendering a page, which is after this module is imported.
os.environ.setdefault("REACTON_FAST", "1")

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
def MessageBar(message: solara.Reactive[Message | None], lang: str, room: bool = False):
    """The last message; in room view not the facilitator's (preset files and folders)."""
    if message.value is None or (room and message.value.key.startswith("facilitator.")):
        return
    kind = {"error": solara.Error, "warning": solara.Warning, "success": solara.Success}.get(message.value.kind, solara.Info)
    with solara.Row(style={"align-items": "center"}):
        kind(message_text(message.value, lang), classes=["msosim-message", f"msosim-message-{message.value.kind}"])
        solara.Button(icon_name="mdi-close", text=True, on_click=lambda: message.set(None), classes=["msosim-message-close"])


@solara.component
def MsoPicker(live: solara.Reactive[Snapshot], lang: str, on_pick):
    """Choose an MSO by number (the keyboard way to the story)."""
    error = solara.use_reactive("")
    count = len(live.value.states["A"])

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


@dataclass(frozen=True)
class Actions:
    """What the page's controls do; made once per browser session, so the components that get them as
    arguments are not rendered again on every step (reacton skips a component whose arguments are equal)."""

    step: Callable[[], None]
    show_step: Callable[[], None]
    rendered: Callable[[], None]
    lever: Callable[[str, str, Any], None]
    copy_a: Callable[[], None]
    scenario: Callable[[Path], None]
    setup: Callable[..., None]
    reset: Callable[[], None]
    on_table: Callable[[frozenset[str]], None]
    save: Callable[[str], None]
    load: Callable[[str], None]
    cards: Callable[[list[str]], None]
    select: Callable[[str, int], None]


def make_actions(session: Session, live: solara.Reactive[Snapshot | None], revision: solara.Reactive[int],
                 message: solara.Reactive[Message | None], selected: solara.Reactive[int | None],
                 playing: solara.Reactive[bool], timing: dict, rendered: threading.Event) -> Actions:
    """The page's actions. A step renders only what shows the run (`live`); any other change renders the page."""

    def show_step() -> None:
        timing["requested"] = time.perf_counter()
        live.set(session.snapshot)

    def done(result: Message | None) -> None:
        message.set(result)
        show_step()
        revision.set(revision.value + 1)

    def rebuilt(result: Message | None) -> None:
        playing.set(False)
        selected.set(None)
        done(result)

    def step() -> None:
        message.set(session.step())
        show_step()

    def after_render() -> None:
        """Runs once the page shows a new snapshot: measure, and let the play loop go on."""
        if "requested" in timing:
            timing["render_total_ms"] = (time.perf_counter() - timing.pop("requested")) * 1000.0
        rendered.set()

    return Actions(
        step=step, show_step=show_step, rendered=after_render,
        lever=lambda policy, name, value: done(session.set_lever(policy, name, value)),
        copy_a=lambda: done(session.copy_levers("A", "B")),
        scenario=lambda path: rebuilt(session.load_scenario(path)),
        setup=lambda **changes: rebuilt(session.change_setup(**changes)),
        reset=lambda: rebuilt(session.reset()),
        on_table=lambda names: done(session.set_on_table(names)),
        save=lambda name: done(session.save_preset(name)),
        cards=lambda keys: done(session.set_cards(keys)),
        load=lambda folder: rebuilt(session.load_preset(folder)),
        select=lambda _policy, row: selected.set(row),
    )


@solara.component
def Page():
    session: Session = solara.use_memo(lambda: Session(Settings.from_environment()), [])
    lang = solara.use_reactive(session.settings.lang)
    revision = solara.use_reactive(0)
    first = solara.use_memo(lambda: session.snapshot, [])
    live = solara.use_reactive(first)              # the snapshot on screen; only the components showing the run read it
    message = solara.use_reactive(session.startup_message if session.pair is None else None)
    selected = solara.use_reactive(None)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    timing: dict = solara.use_memo(dict, [])
    rendered: threading.Event = solara.use_memo(threading.Event, [])
    context = solara.use_memo(current_context, [])
    act = solara.use_memo(lambda: make_actions(session, live, revision, message, selected, playing, timing, rendered), [])

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
                message.set(failure)
                return
            rendered.clear()
            act.show_step()
            rendered.wait(RENDER_TIMEOUT)
            timing["step_total_ms"] = (time.perf_counter() - started) * 1000.0
            cancel.wait(max(1.0 / speed.value - (time.perf_counter() - started), 0.005))

    solara.use_thread(play_loop, dependencies=[playing.value], intrusive_cancel=False)

    def await_ensemble(cancel: threading.Event) -> None:
        """After a lever change: show the full ensemble once its background reruns are back."""
        pair = session.pair
        while pair is not None and not cancel.is_set():
            if pair.wait_ready(timeout=0.25):
                if pair is session.pair and not cancel.is_set() and live.value is not None and live.value.pending:
                    act.show_step()
                return

    solara.use_thread(await_ensemble, dependencies=[revision.value], intrusive_cancel=False)
    solara.Title(t("app.title", lang.value))
    pair, language = session.pair, lang.value
    version = revision.value            # a lever, set-up or preset change renders the page again; a step does not

    room = solara.use_reactive(bool(session.settings.pin))   # with a PIN, participants' pages open in room view
    in_room = room.value

    with solara.Column(style={"padding": "6px 14px", "max-width": "1900px", "margin": "0 auto"}, gap="6px",
                       classes=["msosim-page"] + (["msosim-room"] if in_room else [])):
        with solara.Row(style={"align-items": "center", "flex-wrap": "nowrap"}, justify="space-between"):
            with solara.Row(gap="14px", style={"align-items": "baseline", "flex": "1 1 0", "min-width": "0"}):
                solara.Text(t("app.title", language), style={"font-size": "1.35em", "font-weight": "bold", "white-space": "nowrap"},
                            classes=["msosim-title"])
                solara.Text(t("app.subtitle", language), style={"color": "#868e96", "white-space": "nowrap", "overflow": "hidden",
                                                                "text-overflow": "ellipsis", "min-width": "0"})
            with solara.Row(gap="16px", style={"align-items": "center"}):
                RoomToggle(room, session.settings.pin, language)
                LanguageToggle(lang)
        MessageBar(message, language, in_room)
        if pair is None:
            return
        with solara.Card(style={"padding": "2px 12px"}, classes=["msosim-controls"]):
            with solara.Row(gap="8px 20px", style={"flex-wrap": "wrap", "align-items": "center"}):
                SetupControls(pair.setup, language, on_scenario=act.scenario, on_setup=act.setup,
                              room=in_room).key(f"setup-{session.failures}")
                PlayControls(language, playing, speed, on_step=act.step, on_reset=act.reset)
                StepStatus(live, language, timing, act.rendered, room=in_room)
        Headline(live, language, session.cards)
        with solara.ColumnsResponsive(default=12, large=[3, 6, 3]):
            PolicyPanel("A", pair.setup.levers["A"], language, session.on_table, act.lever)
            ChartGrid(live, language)
            PolicyPanel("B", pair.setup.levers["B"], language, session.on_table, act.lever, on_copy=act.copy_a)
        initial = pair.models["A"].initial_count
        with solara.ColumnsResponsive(default=12, large=[4, 4, 4]):
            for policy in ("A", "B"):
                PopulationPanel(policy, live, initial, language, selected.value, act.select, playing=playing.value)
            with solara.Column():
                MsoPicker(live, language, selected.set)
                StoryPanel(pair, live, selected.value, language)
        with solara.ColumnsResponsive(default=12, large=[6, 6]):
            Ticker(live, language)
            with solara.Column():
                FindingsPanel(pair, live, language, playing.value, session.scenario_name)
                Downloads(pair, live, language, session.scenario_name)
                if not in_room:
                    FacilitatorPanel(language, session.settings.presets_dir, session.on_table, on_table_change=act.on_table,
                                     on_save=act.save, on_load=act.load, revision=version, cards=session.cards,
                                     on_cards=act.cards)
