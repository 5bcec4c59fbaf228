"""The findings in words, as the brief and the comparison report word them (dashboard/brief.py), shown when the run
is paused; they are worked out in a thread, so the page never waits for them."""

from __future__ import annotations

import html

import solara

from ..brief import pair_brief
from ..runner import PolicyPair, Snapshot
from ..strings import t


def findings_html(paragraphs: list[dict], caveat: str, basis: str) -> str:
    """Per comparison a heading and its sentences (one list item each), then the basis and the caveat."""
    parts = []
    for paragraph in paragraphs:
        items = "".join(f"<li class='msosim-finding'>{html.escape(s)}</li>" for s in paragraph["sentences"])
        parts.append(f"<div style='font-weight:bold'>{html.escape(paragraph['heading'])}</div>"
                     f"<ul style='margin:2px 0 6px 0;padding-left:1.2em'>{items}</ul>")
    parts.append(f"<div style='color:#495057;font-size:14px'>{html.escape(basis)}</div>"
                 f"<div style='color:#495057;font-size:14px;font-style:italic'>{html.escape(caveat)}</div>")
    return "".join(parts)


@solara.component
def FindingsPanel(pair: PolicyPair, live: solara.Reactive[Snapshot], lang: str, playing: bool, scenario_name: str):
    """What the paired runs found so far, in sentences; a note while the run plays or its runs are recomputed."""
    snapshot = live.value
    shown = solara.use_reactive(None)        # (key, html) of the findings last worked out
    key = (id(pair), snapshot.step, snapshot.pending, lang, scenario_name)
    waiting = playing or bool(snapshot.pending) or snapshot.step == 0

    def work_out() -> None:
        if waiting:
            return
        brief = pair_brief(pair, scenario_name, lang)
        if brief is not None:
            context = brief.context
            shown.set((key, findings_html(context["paragraphs"], context["caveat"], context["basis"])))

    solara.use_thread(work_out, dependencies=[key, waiting])
    if snapshot.step == 0:
        note = t("findings.start", lang)
    elif playing:
        note = t("findings.playing", lang)
    elif snapshot.pending:
        note = t("findings.pending", lang)
    else:
        note = "" if shown.value is not None and shown.value[0] == key else "…"
    with solara.Card(t("findings.title", lang), classes=["msosim-findings"]):
        if note:
            solara.Text(note, classes=["msosim-findings-note"], style={"color": "#495057"})
        if shown.value is not None and shown.value[0] == key:
            solara.HTML(tag="div", unsafe_innerHTML=shown.value[1], classes=["msosim-findings-text"],
                        style="font-size:15px;line-height:1.4")
