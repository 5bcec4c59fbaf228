"""The population view (every MSO a clickable mark, per policy) and the story of the chosen MSO."""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
import solara

from ..charts import COLOURS
from ..live_charts import LOCALES, story_option
from ..population import (
    HEIGHT,
    STATE_COLOURS,
    clicked_row,
    grid_columns,
    population_option,
    redraw_every,
    state_counts,
)
from ..runner import POLICIES, STATES, PolicyPair, Snapshot
from ..strings import funder_label, month_label, number, t
from .step_chart import StepCharts, options_json

EVENTS_PER_PAGE = 10
STORY_HEIGHT = 220       # pixels


def count_line(counts: dict[str, int], lang: str) -> str:
    """The number of MSOs in each state, coloured like the marks."""
    spans = "".join(f"<span style='color:{STATE_COLOURS[state] if state != 'dissolved' else '#868e96'}'>"
                    f"● {html.escape(t(f'state.{state}', lang))}: {number(counts[state], lang)}</span>" for state in STATES)
    return f"<div style='display:flex;flex-wrap:wrap;gap:10px;font-size:0.8em'>{spans}</div>"


@solara.component
def PopulationPanel(policy: str, live: solara.Reactive[Snapshot], initial_count: int, lang: str, selected: int | None,
                    on_select: Callable[[str, int], None], playing: bool = False):
    """Every MSO of one policy; while playing at large scale it is redrawn only every few steps."""
    snapshot = live.value
    shown = solara.use_ref(snapshot)
    every = redraw_every(len(snapshot.states[policy]))
    if not playing or snapshot.step % every == 0 or shown.current.step > snapshot.step:
        shown.current = snapshot
    states = shown.current.states[policy]
    option = solara.use_memo(lambda: options_json([population_option(states, initial_count, lang, selected)]),
                             [shown.current, lang, selected, initial_count])

    def clicked(event: dict) -> None:
        row = clicked_row(event, grid_columns(initial_count), len(shown.current.states[policy]))
        if row is not None:
            on_select(policy, row)

    with solara.Card(classes=[f"msosim-population-{policy}"], style={"border-top": f"4px solid {COLOURS[policy]}"}):
        solara.Text(f"{t(f'policy.{policy}', lang)} · {t('population.title', lang)}", style={"font-weight": "bold"})
        StepCharts(["population-chart"], option, shown.current.step, item_class="msosim-", height=HEIGHT, locale=LOCALES[lang],
                   footer_html=count_line(state_counts(states), lang), on_click=clicked, grid_clicks=True)


def html_table(header: list[str], rows: list[list[str]], css: str) -> str:
    """A small HTML table (cells escaped)."""
    head = "".join(f"<th style='text-align:left;padding:2px 6px'>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='padding:2px 6px'>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table class='{css}' style='border-collapse:collapse;font-size:0.85em'><tr>{head}</tr>{body}</table>"


def _chip(policy: str) -> str:
    return f"<b style='color:{COLOURS[policy]}'>{policy}</b>"


def event_rows(story: dict, lang: str) -> list[list[str]]:
    """Every event of one MSO under one policy, newest first."""
    events = story["events"]
    if not len(events):
        return []
    rows = []
    for event in events.sort_values("step", ascending=False).itertuples():
        detail = []
        if str(event.funder):
            detail.append(html.escape(funder_label(str(event.funder), lang)))
        if not np.isnan(event.amount) and event.amount > 0:
            detail.append(f"{number(event.amount, lang)} EUR")
        if not np.isnan(event.staff_fte) and event.staff_fte > 0:
            detail.append(f"{number(event.staff_fte, lang, 2)} {t('column.staff_fte', lang)}")
        rows.append([month_label(event.year, lang), html.escape(t(f"event.{event.event}", lang)),
                     html.escape(t(f"cause.{event.cause}", lang)), ", ".join(detail)])
    return rows


def event_list(rows: list[list[str]]) -> str:
    """Events as blocks that fit a narrow column: month and event on one line, cause and details below."""
    blocks = []
    for date, event, cause, detail in rows:
        below = ", ".join(part for part in (cause, detail) if part)
        blocks.append(f"<div style='padding:2px 0;border-bottom:1px solid #e9ecef'><span style='color:#868e96'>{date}</span> "
                      f"<b>{event}</b>" + (f"<br><span style='color:#495057;font-size:0.9em'>{below}</span>" if below else "")
                      + "</div>")
    return f"<div class='msosim-story-events' style='font-size:0.9em'>{''.join(blocks)}</div>"


@solara.component
def EventPages(policy: str, story: dict, lang: str):
    """One policy's events of the chosen MSO, complete, EVENTS_PER_PAGE at a time."""
    page = solara.use_reactive(0)
    rows = event_rows(story, lang)
    pages = max(1, -(-len(rows) // EVENTS_PER_PAGE))
    shown = min(page.value, pages - 1)
    with solara.Column(gap="2px", classes=[f"msosim-story-events-{policy}"], style={"flex": "1 1 0", "min-width": "0"}):
        solara.HTML(unsafe_innerHTML=f"{_chip(policy)} {html.escape(t('story.events_count', lang, n=len(rows)))}")
        if not rows:
            return
        chunk = rows[shown * EVENTS_PER_PAGE:(shown + 1) * EVENTS_PER_PAGE]
        solara.HTML(unsafe_innerHTML=event_list(chunk))
        if pages > 1:
            with solara.Row(gap="4px", style={"align-items": "center"}):
                solara.Button(icon_name="mdi-chevron-left", text=True, disabled=shown == 0,
                              on_click=lambda: page.set(shown - 1), classes=["msosim-events-previous"])
                solara.Text(t("story.page", lang, page=shown + 1, pages=pages), classes=["msosim-events-page"])
                solara.Button(icon_name="mdi-chevron-right", text=True, disabled=shown >= pages - 1,
                              on_click=lambda: page.set(shown + 1), classes=["msosim-events-next"])


def grant_rows(stories: dict[str, dict], lang: str) -> list[list[str]]:
    rows = []
    for policy, story in stories.items():
        start_year, spy = story["start_year"], story["steps_per_year"]
        for grant in story["grants"].itertuples():
            rows.append([_chip(policy), html.escape(funder_label(grant.funder, lang)), t(f"grant.{grant.kind}", lang),
                         number(grant.amount_per_year, lang), number(grant.staff_fte, lang, 2),
                         month_label(start_year + grant.start / spy, lang), month_label(start_year + grant.end / spy, lang)])
    return rows


def fact_rows(stories: dict[str, dict], lang: str) -> list[list[str]]:
    facts = {policy: story["facts"] for policy, story in stories.items()}
    rows = [[t("fact.state", lang), *[t(f"state.{facts[p]['state']}", lang) for p in facts]]]
    for key, digits in (("volunteers", 0), ("staff_fte", 2), ("reserves", 0), ("burnout", 2), ("members", 0),
                        ("track_record", 1)):
        rows.append([t(f"fact.{key}", lang), *[number(facts[p][key], lang, digits) for p in facts]])
    return rows


@solara.component
def StoryPanel(pair: PolicyPair, live: solara.Reactive[Snapshot], selected: int | None, lang: str):
    """Facts, volunteers and staff over time, events and grants of one MSO under both policies."""
    snapshot = live.value

    def load() -> dict[str, dict]:
        if selected is None:
            return {}
        stories = {policy: pair.story(policy, selected) for policy in POLICIES}
        return {policy: story for policy, story in stories.items() if story is not None}

    def chart() -> str:
        if not stories:
            return "[]"
        first = next(iter(stories.values()))
        series = {policy: story["series"] for policy, story in stories.items()}
        return options_json([story_option(series, first["start_year"], first["steps_per_year"], lang, snapshot.markers)])

    stories = solara.use_memo(load, [pair, snapshot, selected])
    option = solara.use_memo(chart, [pair, snapshot, selected, lang])
    with solara.Card(classes=["msosim-story"], style={"height": "100%"}):
        if selected is None:
            solara.Text(t("story.none", lang))
            solara.Text(t("population.hint", lang), style={"color": "#868e96"})
            return
        solara.Text(t("story.title", lang, mso=selected), style={"font-size": "1.15em", "font-weight": "bold"},
                    classes=["msosim-story-title"])
        for policy in POLICIES:
            if policy not in stories:
                solara.Warning(t("story.missing", lang, mso=selected, policy=t(f"policy.{policy}", lang)))
        if not stories:
            return
        header = ["", *[t(f"policy.{p}", lang) for p in stories]]
        solara.HTML(unsafe_innerHTML=html_table(header, fact_rows(stories, lang), "msosim-story-facts"))
        StepCharts(["story-chart"], option, snapshot.step, item_class="msosim-", height=STORY_HEIGHT, locale=LOCALES[lang])
        solara.Text(t("story.events", lang), style={"font-weight": "bold", "margin-top": "6px"})
        with solara.Row(gap="12px", style={"align-items": "flex-start"}):
            for policy, story in stories.items():
                EventPages(policy, story, lang).key(f"events-{policy}-{selected}")
        solara.Text(t("story.grants", lang), style={"font-weight": "bold", "margin-top": "6px"})
        grants = grant_rows(stories, lang)
        if grants:
            header = ["", t("column.funder", lang), t("column.kind", lang), t("column.amount_per_year", lang),
                      t("column.staff_fte", lang), t("column.start", lang), t("column.end", lang)]
            solara.HTML(unsafe_innerHTML=html_table(header, grants, "msosim-story-grants"))
        else:
            solara.Text(t("story.no_grants", lang))
