/* The directive board's chart (Apache ECharts): sign-off and feedback rates of the child level.
   All data comes from the page's JSON block #board-data (Django's json_script). */
(function () {
  "use strict";
  var source = document.getElementById("board-data");
  var el = document.getElementById("board-chart");
  if (!source || !el || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  el.style.height = Math.max(160, data.names.length * 24 + 60) + "px";
  el.style.width = "100%";
  var chart = window.echarts.init(el, null, { renderer: "canvas" });
  var series = [{ name: data.labels.sign, type: "bar", barMaxWidth: 12, data: data.sign_rate }];
  if (data.feedback) {
    series.push({ name: data.labels.feedback, type: "bar", barMaxWidth: 12, data: data.feedback_rate });
  }
  chart.setOption({
    animationDuration: 300,
    color: ["#2e7d32", "#0b5cad"],
    tooltip: { renderMode: "richText", trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return v + "%"; } },
    legend: { top: 0, data: series.map(function (s) { return s.name; }) },
    grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", inverse: true, data: data.names },
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
}());
