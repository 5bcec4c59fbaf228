"""What the run shows: the headline differences, the charts of both policies, the event ticker."""

from __future__ import annotations

import solara
from solara import v

from ..charts import CHART_SPECS, COLOURS, ChartSpec
from ..events import TickerItem
from ..live_charts import HEIGHT, chart_option
from ..runner import HEADLINE, Snapshot
from ..strings import funder_label, month_label, number, signed, t

HEADLINE_DIGITS = {"alive": 0, "staff_fte": 1, "volunteers": 0, "service_coverage": 3}
TICKER_SHOWN = 14


@solara.component
def HeadlineCard(key: str, a: float, b: float, lang: str):
    digits = HEADLINE_DIGITS[key]
    difference = b - a
    colour = "#2b8a3e" if round(difference, digits) > 0 else "#c92a2a" if round(difference, digits) < 0 else "#495057"
    with solara.Card(classes=[f"msosim-headline-{key}"], style={"min-width": "170px", "flex": "1"}):
        solara.Text(t(f"headline.{key}", lang), style={"color": "#495057"})
        with solara.Row(gap="12px", style={"align-items": "baseline"}):
            solara.Text(f"A {number(a, lang, digits)}", style={"color": COLOURS["A"]}, classes=["msosim-headline-a"])
            solara.Text(f"B {number(b, lang, digits)}", style={"color": COLOURS["B"]}, classes=["msosim-headline-b"])
        solara.Text(f"{t('headline.difference', lang)}: {signed(difference, lang, digits)}", classes=["msosim-headline-diff"],
                    style={"font-size": "1.6em", "font-weight": "bold", "color": colour})


@solara.component
def Headline(snapshot: Snapshot, lang: str):
    values = snapshot.headline()
    with solara.Row(gap="10px", style={"flex-wrap": "wrap"}, classes=["msosim-headline"]):
        for key in HEADLINE:
            HeadlineCard(key, *values[key], lang)


@solara.component
def LiveChart(spec: ChartSpec, snapshot: Snapshot, lang: str):
    option = solara.use_memo(lambda: chart_option(spec, snapshot, lang), [spec, snapshot, lang])
    with solara.Column(classes=[f"msosim-chart-{spec.name}"], style={"flex": "1 1 380px", "min-width": "320px"}):
        solara.FigureEcharts(option, responsive=True, attributes={"style": f"height: {HEIGHT}px; width: 100%;"})


@solara.component
def ChartGrid(snapshot: Snapshot, lang: str):
    """The five charts, each showing both policies."""
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}, classes=["msosim-charts"]):
        for spec in CHART_SPECS:
            LiveChart(spec, snapshot, lang)


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


@solara.component
def Ticker(snapshot: Snapshot, lang: str):
    with solara.Card(t("ticker.title", lang), classes=["msosim-ticker"], style={"height": "100%"}):
        if not snapshot.ticker:
            solara.Text(t("ticker.empty", lang), style={"color": "#868e96"})
        for item in snapshot.ticker[:TICKER_SHOWN]:
            with solara.Row(gap="6px", style={"font-size": "0.88em", "align-items": "baseline"}):
                v.Chip(children=[item.policy], x_small=True, color=COLOURS[item.policy], text_color="white")
                solara.Text(month_label(item.year, lang), style={"color": "#868e96", "min-width": "64px"})
                solara.Text(ticker_text(item, lang), classes=["msosim-ticker-item"])
