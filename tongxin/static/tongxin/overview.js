/* The overview's charts (Apache ECharts). All data comes from the page's JSON block
   #overview-data (written by Django's json_script); nothing here is built from strings. */
(function () {
  "use strict";
  var source = document.getElementById("overview-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var COLORS = { on_time: "#2e7d32", late: "#e0a100", missing: "#b3261e", line: "#0b5cad" };
  var charts = [];

  function make(el, option, height) {
    el.style.height = height + "px";
    el.style.width = "100%";
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
    return chart;
  }

  // A page may chart other figures per child: `children_keys` (default the reports overview's
  // filing states) with their `labels` and, optionally, `colors`.
  Object.keys(data.colors || {}).forEach(function (k) { COLORS[k] = data.colors[k]; });

  function childrenChart(el) {
    var rows = data.children;
    var keys = data.children_keys || ["on_time", "late", "missing"];
    var option = {
      animationDuration: 300,
      color: keys.map(function (k) { return COLORS[k]; }),
      tooltip: { renderMode: "richText", trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, data: keys.map(function (k) { return data.labels[k]; }) },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.name; }),
               triggerEvent: true, axisLabel: { color: "#0b5cad" } },
      series: keys.map(function (k) {
        return { name: data.labels[k], type: "bar", stack: "total", barMaxWidth: 22,
                 data: rows.map(function (r) { return r[k]; }) };
      })
    };
    var chart = make(el, option, Math.max(160, rows.length * 30 + 60));
    function go(index) {
      var row = rows[index];
      if (row && row.url) { window.location.href = row.url; }
    }
    chart.on("click", function (params) {
      if (params.componentType === "yAxis") {
        go(rows.findIndex(function (r) { return r.name === params.value; }));
      } else if (typeof params.dataIndex === "number") {
        go(params.dataIndex);
      }
    });
  }

  function trendChart(el) {
    var trend = data.trends.find(function (t) { return t.id === el.dataset.trend; });
    if (!trend) { return; }
    var yAxis = { type: "value", minInterval: trend.percent ? 0 : 1 };
    if (trend.percent) {
      yAxis.min = 0;
      yAxis.max = 100;
      yAxis.axisLabel = { formatter: "{value}%" };
    }
    make(el, {
      animationDuration: 300,
      color: [trend.percent ? COLORS.on_time : COLORS.line],
      tooltip: { renderMode: "richText", trigger: "axis", valueFormatter: function (v) {
        return v === null || v === undefined ? "—" : v + (trend.percent ? "%" : (trend.unit ? " " + trend.unit : ""));
      } },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", boundaryGap: false, data: data.days },
      yAxis: yAxis,
      series: [{ name: trend.title, type: "line", data: trend.values, symbolSize: 6,
                 areaStyle: { opacity: 0.08 }, connectNulls: false }]
    }, 220);
  }

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    if (el.dataset.chart === "children") { childrenChart(el); }
    else if (el.dataset.chart === "trend") { trendChart(el); }
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();

/* The date picker follows the chosen assignment's period: its min and max change with the
   assignment, and a day outside the new period moves into it (without JavaScript the server
   clamps the day and says so). */
(function () {
  "use strict";
  var select = document.getElementById("id_assignment");
  var day = document.getElementById("id_day");
  if (!select || !day) { return; }
  select.addEventListener("change", function () {
    var option = select.options[select.selectedIndex];
    var start = option.getAttribute("data-start"), end = option.getAttribute("data-end");
    if (!start || !end) { return; }
    day.min = start;
    day.max = end;
    if (!day.value || day.value < start) { day.value = start; }
    if (day.value > end) { day.value = end; }
  });
}());
