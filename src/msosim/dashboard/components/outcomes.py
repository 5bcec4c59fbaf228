"""What the run shows: the headline differences, the charts of both policies, the event ticker.

Each of these reads the live snapshot itself (`live.value`), so a step renders only them, and the
headline and the ticker are one HTML element each: a step costs the server one message per element.
"""

from __future__ import annotations

import html

import solara

from ..charts import CHART_SPECS, COLOURS
from ..events import TickerItem
from ..live_charts import HEIGHT, LOCALES, chart_option
from ..ledger import CAUSES
from ..runner import CARDS, HEADLINE, Snapshot
from ..strings import funder_label, month_label, number, signed, t
from .step_chart import StepCharts, options_json

HEADLINE_DIGITS = {"alive": 0, "staff_fte": 1, "volunteers": 0, "service_coverage": 3, "staff_let_go_at_grant_end": 1,
                   "dissolved_total": 0, "application_hours_total": 0, "public_money_volunteer_only_share": 1}
PERCENT = {"public_money_volunteer_only_share"}      # shares shown in percent (value x 100)
TICKER_SHOWN = 14
CARD = "v-card v-sheet theme--light elevation-2 ma-2"      # the classes of a solara.Card, for cards drawn as HTML


def difference_html(key: str, a: float, b: float, lang: str, spread=None, pending: bool = False) -> str:
    """B − A: with its 90% interval and a verdict in an ensemble; as one possible history in story mode (or while an
    ensemble's other runs are recomputed after a lever change: `pending`)."""
    digits = HEADLINE_DIGITS[key]
    if key in PERCENT:
        a, b = 100 * a, 100 * b
        spread = None if spread is None else type(spread)(100 * spread.median, 100 * spread.low, 100 * spread.high)
    if spread is None:
        text = f"{t('headline.difference', lang)}: {signed(b - a, lang, digits)}"
        note = t("ensemble.pending" if pending else "ensemble.one_history", lang)
        colour = "#495057"
    else:
        text = f"{t('headline.difference', lang)}: {signed(spread.median, lang, digits)}"
        verdict = t("ensemble.clear_higher" if spread.low > 0 else "ensemble.clear_lower" if spread.high < 0
                    else "ensemble.no_clear_difference", lang)
        interval = t("ensemble.interval", lang, low=signed(spread.low, lang, digits), high=signed(spread.high, lang, digits))
        note = f"{verdict} ({interval})"
        colour = ("#2b8a3e" if spread.low > 0 else "#c92a2a") if spread.clear else "#495057"
    return (f"<div class='msosim-headline-diff' style='font-weight:bold;color:{colour}'>{html.escape(text)}</div>"
            f"<div class='msosim-headline-verdict' style='color:{colour};font-size:14px'>{html.escape(note)}</div>")


def causes_html(snapshot: Snapshot | None, lang: str) -> str:
    """Dissolutions so far by cause under A and B (the story run's or, in an ensemble, the medians)."""
    if snapshot is None:
        return ""
    parts = []
    for policy in ("A", "B"):
        source = snapshot.bands[policy] if snapshot.bands is not None else snapshot.frames[policy]
        suffix = "_median" if snapshot.bands is not None else ""
        counts = " / ".join(number(float(source[f"dissolved_{cause}_total{suffix}"].iloc[-1]), lang) for cause in CAUSES)
        parts.append(f"<span style='color:{COLOURS[policy]}'>{policy} {html.escape(counts)}</span>")
    legend = " / ".join(t(f"card.cause.{cause}", lang) for cause in CAUSES)
    return f"<div class='msosim-headline-causes' style='font-size:14px'>{' · '.join(parts)} ({html.escape(legend)})</div>"


def headline_card(key: str, a: float, b: float, lang: str, spread=None, snapshot: Snapshot | None = None) -> str:
    """One card: A, B (medians in an ensemble) and the difference B − A (see difference_html); in percent for shares."""
    digits = HEADLINE_DIGITS[key]
    shown_a, shown_b = (100 * a, 100 * b) if key in PERCENT else (a, b)
    unit = " %" if key in PERCENT else ""
    extra = causes_html(snapshot, lang) if key == "dissolved_total" else ""
    return (f"<div class='{CARD} msosim-headline-{key}' style='min-width:170px;flex:1;margin:4px 6px'>"
            "<div class='v-card__text' style='padding:6px 12px;font-size:15px;line-height:1.35'>"
            "<div style='display:flex;gap:12px;align-items:baseline;flex-wrap:wrap'>"
            f"<span style='color:#495057'>{html.escape(t(f'headline.{key}', lang))}</span>"
            f"<span class='msosim-headline-a' style='color:{COLOURS['A']}'>A {html.escape(number(shown_a, lang, digits) + unit)}</span>"
            f"<span class='msosim-headline-b' style='color:{COLOURS['B']}'>B {html.escape(number(shown_b, lang, digits) + unit)}</span>"
            "</div>"
            f"{difference_html(key, a, b, lang, spread, bool(snapshot is not None and snapshot.pending))}{extra}"
            "</div></div>")


@solara.component
def Headline(live: solara.Reactive[Snapshot], lang: str, keys: tuple[str, ...] = HEADLINE):
    """The four cards the facilitator chose (of CARDS)."""
    snapshot = live.value
    keys = tuple(key for key in keys if key in CARDS) or HEADLINE
    values, spreads = snapshot.headline(keys), snapshot.differences or {}
    cards = "".join(headline_card(key, *values[key], lang, spreads.get(key), snapshot) for key in keys)
    solara.HTML(tag="div", unsafe_innerHTML=cards, classes=["msosim-headline"],
                style="display:flex;flex-wrap:wrap;gap:0 10px")


@solara.component
def ChartGrid(live: solara.Reactive[Snapshot], lang: str):
    """The five charts, each showing both policies (one widget: one message per step)."""
    snapshot = live.value
    options = solara.use_memo(lambda: options_json([chart_option(spec, snapshot, lang) for spec in CHART_SPECS]),
                              [snapshot, lang])
    StepCharts([spec.name for spec in CHART_SPECS], options, snapshot.step, item_class="msosim-chart-", locale=LOCALES[lang],
               item_style="flex: 1 1 280px; min-width: 260px;", height=HEIGHT,
               attributes={"class": "msosim-charts", "style": "display: flex; flex-wrap: wrap; gap: 8px; width: 100%;"})


def ticker_text(item: TickerItem, lang: str) -> str:
    """One ticker line in the chosen language."""
    params = dict(item.params)
    if "fte" in params:
        params["fte"] = number(params["fte"], lang, 1)
    if "amount" in params:
        params["amount"] = number(params["amount"], lang, 0)
    if "funder" in params:
        params["funder"] = funder_label(params["funder"], lang)
    if "cause" in params:
        params["cause"] = t(f"cause.{params['cause']}", lang)
    if "event" in params:
        params["event"] = t(f"scenario_event.{params['event']}", lang)
    return t(item.key, lang, **params)


def ticker_line(item: TickerItem, lang: str) -> str:
    """One ticker line as HTML: the policy as a chip, the month, the text."""
    chip = (f"<span class='v-chip theme--light v-size--x-small' style='background:{COLOURS[item.policy]};"
            f"border-color:{COLOURS[item.policy]};color:white'><span class='v-chip__content'>{item.policy}</span></span>")
    return (f"<div style='display:flex;gap:6px;font-size:0.88em;align-items:baseline'>{chip}"
            f"<span style='color:#868e96;min-width:64px'>{html.escape(month_label(item.year, lang))}</span>"
            f"<span class='msosim-ticker-item'>{html.escape(ticker_text(item, lang))}</span></div>")


@solara.component
def Ticker(live: solara.Reactive[Snapshot], lang: str):
    items = live.value.ticker[:TICKER_SHOWN]
    lines = "".join(ticker_line(item, lang) for item in items) if items else (
        f"<span style='color:#868e96'>{html.escape(t('ticker.empty', lang))}</span>")
    with solara.Card(t("ticker.title", lang), classes=["msosim-ticker"], style={"height": "100%"}):
        solara.HTML(tag="div", unsafe_innerHTML=lines)
