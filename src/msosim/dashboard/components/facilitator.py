"""Downloads (run CSV, charts PNG, one-page brief) and the facilitators' tools (presets, levers on the table)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import solara
from solara import v

from ..brief import brief_html_text, brief_pdf_bytes
from ..export import all_charts_png, run_csv
from ..levers import LEVERS
from ..presets import list_presets
from ..runner import CARDS, HEADLINE, PolicyPair, Snapshot
from ..strings import t


@solara.component
def Downloads(pair: PolicyPair, live: solara.Reactive[Snapshot], lang: str, scenario_name: str):
    """CSV of both runs, all charts as one PNG, the brief as PDF and HTML; each is made only when clicked, from the step shown then."""
    stem = f"msosim-{scenario_name}-step{live.value.step}"
    makers = solara.use_memo(lambda: (lambda: run_csv(pair.snapshot().frames, pair.setup, scenario_name, lang),
                                      lambda: all_charts_png(pair.snapshot(), lang, pair.setup, scenario_name),
                                      lambda: brief_pdf_bytes(pair, scenario_name, lang),
                                      lambda: brief_html_text(pair, scenario_name, lang)),
                             [pair, lang, scenario_name])       # the same callables every step: no download restarts
    csv, charts, brief, brief_page = makers
    with solara.Row(gap="8px", style={"flex-wrap": "wrap", "align-items": "center"}, classes=["msosim-downloads"]):
        solara.Text(t("download.title", lang), style={"font-weight": "bold"})
        solara.FileDownload(csv, filename=f"{stem}.csv", label=t("download.csv", lang), mime_type="text/csv")
        solara.FileDownload(charts, filename=f"{stem}-charts.png", label=t("download.charts", lang), mime_type="image/png")
        solara.FileDownload(brief, filename=f"{stem}-brief.pdf", label=t("download.brief", lang),
                            mime_type="application/pdf")
        solara.FileDownload(brief_page, filename=f"{stem}-brief.html", label=t("download.brief_html", lang),
                            mime_type="text/html")


@solara.component
def FacilitatorPanel(lang: str, presets_dir: Path, on_table: frozenset[str],
                     on_table_change: Callable[[frozenset[str]], None], on_save: Callable[[str], None],
                     on_load: Callable[[str], None], revision: int, cards: tuple[str, ...] = HEADLINE,
                     on_cards: Callable[[list[str]], None] | None = None):
    """Save/load a named preset of both policies; choose which levers participants may move and the four cards."""
    name = solara.use_reactive("")
    chosen = solara.use_reactive(None)
    presets = solara.use_memo(lambda: list_presets(presets_dir), [presets_dir, revision])
    picked = solara.use_reactive(list(cards))      # the cards being chosen; the page takes them once there are four
    with solara.Details(t("facilitator.title", lang), expand=False), \
            solara.Column(classes=["msosim-facilitator"], gap="6px"):
        with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.InputText(t("facilitator.preset_name", lang), value=name, continuous_update=True,
                             classes=["msosim-preset-name"], style={"max-width": "260px"})
            solara.Button(t("facilitator.save", lang), icon_name="mdi-content-save", on_click=lambda: on_save(name.value),
                          classes=["msosim-preset-save"])
        with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Select(t("facilitator.presets", lang), values=presets, value=chosen, classes=["msosim-preset-list"],
                          style={"max-width": "260px"})
            solara.Button(t("facilitator.load", lang), icon_name="mdi-folder-open", disabled=chosen.value is None,
                          on_click=lambda: on_load(chosen.value), classes=["msosim-preset-load"])
        if on_cards is not None:
            def pick(keys: list[str] | None) -> None:
                picked.set(list(keys or []))
                if len(picked.value) == 4:
                    on_cards(picked.value)

            v.Select(label=t("facilitator.cards", lang), items=[{"text": t(f"headline.{key}", lang), "value": key} for key in CARDS],
                     v_model=picked.value, multiple=True, chips=True, small_chips=True, dense=True,
                     error=len(picked.value) != 4, messages=[t("facilitator.cards_hint", lang)],
                     class_="msosim-cards-choice", on_v_model=pick)
        solara.Text(t("facilitator.on_table", lang))
        with solara.Row(gap="2px 14px", style={"flex-wrap": "wrap"}):
            for lever in LEVERS:
                def toggle(checked: bool, name: str = lever.name) -> None:
                    on_table_change(on_table | {name} if checked else on_table - {name})

                v.Checkbox(label=t(f"lever.{lever.name}", lang), v_model=lever.name in on_table, on_v_model=toggle,
                           dense=True, hide_details=True, class_=f"msosim-table-{lever.name}")
        with solara.Row(gap="8px"):
            solara.Button(t("facilitator.all", lang), text=True,
                          on_click=lambda: on_table_change(frozenset(lever.name for lever in LEVERS)))
            solara.Button(t("facilitator.none", lang), text=True, on_click=lambda: on_table_change(frozenset()))
