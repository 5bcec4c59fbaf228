"""ECharts charts that mark which step they have drawn: `data-rendered-step` on each chart, set right after drawing.

Solara's `FigureEcharts` is one widget per chart and redraws with `setOption(option, notMerge)`, which
rebuilds every axis, legend and title on each step. This widget holds several charts (one message per
step for all of them), merges (series are matched by id), draws at once (`lazyUpdate` off, so the
canvas is painted when `setOption` returns) and then writes the step number into each chart element,
which the browser tests and benchmarks/dashboard_browser.py wait for. The Vue template is a string
here, so no extra package data is needed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import solara
import traitlets
from solara.components.echarts import EchartsWidget

TEMPLATE = """
<template>
  <div v-bind="attributes">
    <div v-for="(name, index) in names" :key="name" :class="item_class + name" :style="item_style">
      <div ref="charts" class="solara-echarts" :style="chart_style"></div>
    </div>
    <div v-if="footer_html" v-html="footer_html"></div>
  </div>
</template>
<script>
module.exports = {
  mounted() {
    (async () => {
      const echarts = (await this.load([`${this.cdnBase()}/echarts@5.4.0/dist/echarts.min.js`]))[0];
      this.instances = this.$refs.charts.map((element, index) => {
        const chart = echarts.init(element);
        element.msosimChart = chart;   // the browser tests read the drawn option (getOption) from here
        chart.on("click", (event) => {
          const data = {chart: this.names[index]};
          ["componentType", "seriesType", "seriesIndex", "seriesName", "name", "dataIndex", "data", "dataType",
           "value", "color"].forEach((key) => { data[key] = event[key]; });
          this.on_click(data);
        });
        // A click between marks: the clicked point in grid coordinates (the population view finds its cell).
        chart.getZr().on("click", (event) => {
          if (!this.grid_clicks || event.target) return;
          const point = chart.convertFromPixel({gridIndex: 0}, [event.offsetX, event.offsetY]);
          if (point) this.on_click({chart: this.names[index], grid: point});
        });
        return chart;
      });
      this.draw();
    })();
    this.resizeObserver = new ResizeObserver(() => { (this.instances || []).forEach((chart) => chart.resize()); });
    this.$refs.charts.forEach((element) => this.resizeObserver.observe(element));
  },
  beforeDestroy() {
    this.resizeObserver.disconnect();
    (this.instances || []).forEach((chart) => chart.dispose());
  },
  watch: {
    options_json() { this.draw(); },
    locale() { this.draw(); },
    step() { this.mark(); },
  },
  methods: {
    draw() {
      if (!this.instances) return;
      const options = JSON.parse(this.options_json);
      const numbers = new Intl.NumberFormat(this.locale || undefined, {maximumFractionDigits: 2});
      const format = (value) => (typeof value === "number" ? numbers.format(value) : value);
      const dates = new Intl.DateTimeFormat(this.locale || undefined, {month: "long", year: "numeric"});
      this.instances.forEach((chart, index) => {
        const option = options[index];
        if (!option) return;
        // Numbers and dates in the page's language (German: 10.000, 0,8, März 2015): value axes and tooltips.
        [].concat(option.yAxis || [], option.xAxis || []).forEach((axis) => {
          if (axis.type === "value") axis.axisLabel = Object.assign({}, axis.axisLabel, {formatter: format});
        });
        if (option.tooltip) option.tooltip.valueFormatter = format;
        // An item tooltip "MSO {row} · {a}": the MSO's row (third value of a point) and the series' name.
        const template = option.tooltip && option.tooltip.formatter;
        if (typeof template === "string" && template.includes("{row}")) option.tooltip.formatter = (p) =>
          template.replace("{row}", p.value && p.value[2] != null ? p.value[2] : "").replace("{a}", p.seriesName);
        if (option.tooltip && option.tooltip.trigger === "axis") option.tooltip.formatter = (params) => {
          const shown = [].concat(params).filter((p) => p.value && p.value[1] != null && !/-(band|low)$/.test(p.seriesId));
          if (!shown.length) return "";
          const head = dates.format(new Date(shown[0].value[0]));
          return [head].concat(shown.map((p) => `${p.marker}${p.seriesName}: <b>${format(p.value[1])}</b>`)).join("<br/>");
        };
        chart.setOption(option, {replaceMerge: ["series"], lazyUpdate: false});
      });
      this.mark();
    },
    mark() {
      if (this.instances) this.$refs.charts.forEach((element) => element.setAttribute("data-rendered-step", String(this.step)));
    },
    load(deps) {
      const ready = window.requirejs ? Promise.resolve() : new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = `${this.cdnBase()}/requirejs@2.3.6/require.js`;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
      return ready.then(() => {
        if (window.jupyterVue) {
          define("vue", [], () => window.jupyterVue.Vue);
        } else {
          define("vue", ["jupyter-vue"], (jupyterVue) => jupyterVue.Vue);
        }
        return new Promise((resolve) => requirejs(deps, (...modules) => resolve(modules)));
      });
    },
    cdnBase() {
      if (this.cdn) return this.cdn;
      if (window.solara) return window.solara.cdn;
      let base = document.getElementsByTagName("base").length ? "./" : (document.body.dataset.baseUrl || document.baseURI);
      if (!base.endsWith("/")) base += "/";
      return `${base}_solara/cdn`;
    },
  },
};
</script>
"""


class StepChartsWidget(EchartsWidget):
    """Solara's ECharts widget with this module's template: several charts, their options as JSON text, one step."""

    template_file = None
    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    options_json = traitlets.Unicode("[]").tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    item_class = traitlets.Unicode("").tag(sync=True)
    item_style = traitlets.Unicode("").tag(sync=True)
    chart_style = traitlets.Unicode("").tag(sync=True)
    footer_html = traitlets.Unicode("").tag(sync=True)
    locale = traitlets.Unicode("").tag(sync=True)
    grid_clicks = traitlets.Bool(False).tag(sync=True)


def options_json(options: list[dict]) -> str:
    """ECharts options as compact JSON (NaN and infinity are not allowed: the browser could not parse them)."""
    return json.dumps(options, separators=(",", ":"), allow_nan=False)


@solara.component
def StepCharts(names: list[str], options: str, step: int, *, item_class: str, item_style: str = "", height: int,
               attributes: dict[str, Any] | None = None, footer_html: str = "",
               on_click: Callable[[dict], Any] | None = None, locale: str = "", grid_clicks: bool = False):
    """Charts of one step in one widget, so a step is one message to the browser, however many charts it shows.

    Chart i is `names[i]` (its box gets the class `item_class + name`) and `options` is the JSON list of their
    ECharts options (see `options_json`): text rather than dicts, because the renderer compares and walks a
    dict argument value by value on every render, and the charts hold thousands of numbers. Each chart
    element says in `data-rendered-step` which step the browser drew; `footer_html` is shown below them.
    A click on a mark calls `on_click` with the ECharts event and `chart`, the name of the chart. `locale` (a BCP 47
    tag such as "de-DE") formats the numbers of value axes and tooltips in the browser; with `grid_clicks` a click
    between marks calls `on_click` too, with `grid`: the clicked point in the first grid's coordinates.
    """
    return StepChartsWidget.element(names=names, options_json=options, step=step, item_class=item_class,
                                    item_style=item_style, chart_style=f"height: {height}px; width: 100%;",
                                    footer_html=footer_html, attributes=attributes or {}, on_click=on_click,
                                    locale=locale, grid_clicks=grid_clicks)
