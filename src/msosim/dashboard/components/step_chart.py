"""An ECharts chart that marks which step it has drawn: `data-rendered-step` on its element, set right after drawing.

Solara's `FigureEcharts` redraws with `setOption(option, notMerge)`, which rebuilds every axis, legend
and title on each step. This widget merges instead (only the series are replaced), draws at once
(`lazyUpdate` off, so the canvas is painted when `setOption` returns) and then writes the step number
into the element, which the browser tests and benchmarks/dashboard_browser.py wait for. The Vue
template is a string here, so no extra package data is needed.
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
  <div ref="echarts" class="solara-echarts" v-bind="attributes"></div>
</template>
<script>
module.exports = {
  mounted() {
    (async () => {
      const echarts = (await this.load([`${this.cdnBase()}/echarts@5.4.0/dist/echarts.js`]))[0];
      this.chart = echarts.init(this.$refs.echarts);
      this.draw();
      this.chart.on("click", (event) => {
        const data = {};
        ["componentType", "seriesType", "seriesIndex", "seriesName", "name", "dataIndex", "data", "dataType",
         "value", "color"].forEach((key) => { data[key] = event[key]; });
        this.on_click(data);
      });
    })();
    if (this.responsive) {
      this.resizeObserver = new ResizeObserver(() => { if (this.chart) this.chart.resize(); });
      this.resizeObserver.observe(this.$refs.echarts);
    }
  },
  beforeDestroy() {
    if (this.resizeObserver) this.resizeObserver.disconnect();
    if (this.chart) this.chart.dispose();
  },
  watch: {
    option_json() { this.draw(); },
    step() { this.mark(); },
  },
  methods: {
    draw() {
      if (!this.chart) return;
      this.chart.setOption(JSON.parse(this.option_json), {replaceMerge: ["series"], lazyUpdate: false});
      this.mark();
    },
    mark() {
      if (this.chart) this.$refs.echarts.setAttribute("data-rendered-step", String(this.step));
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


class StepChartWidget(EchartsWidget):
    """Solara's ECharts widget with this module's template, the option as JSON text and the step it shows."""

    template_file = None
    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    option_json = traitlets.Unicode("{}").tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)


def option_json(option: dict) -> str:
    """An ECharts option as compact JSON (NaN and infinity are not allowed: the browser could not parse them)."""
    return json.dumps(option, separators=(",", ":"), allow_nan=False)


@solara.component
def StepChart(option: str, step: int, attributes: dict[str, Any], on_click: Callable[[Any], Any] | None = None):
    """An ECharts chart of one step, its option given as JSON text (see `option_json`).

    Text rather than a dict: the renderer compares and walks a dict argument value by value on every
    render, and a chart holds thousands of numbers. `data-rendered-step` says which step the browser drew.
    """
    return StepChartWidget.element(option_json=option, step=step, on_click=on_click, attributes=attributes,
                                   responsive=True)
