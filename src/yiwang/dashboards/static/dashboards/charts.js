// Draws the dashboard charts from JSON embedded with json_script (no inline scripts).
// One entry per chart: where it goes, where its data is, its categories, top margin and series.
(function () {
  "use strict";
  var CHARTS = [
    { // the overview's items per school (stacked bars)
      id: "school-chart", top: 30,
      categories: function (d) { return d.schools; },
      series: function (s) { return { name: s.name, type: "bar", stack: "total", data: s.data }; }
    },
    { // the boards' trend chart (lines per indicator, by month)
      id: "trend-chart", top: 40,
      categories: function (d) { return d.labels; },
      series: function (s) { return { name: s.name, type: "line", data: s.data, connectNulls: false }; }
    }
  ];

  function draw(spec) {
    var holder = document.getElementById(spec.id);
    var source = document.getElementById(spec.id + "-data");
    if (!holder || !source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var categories = spec.categories(data);
    if (!categories.length) { holder.classList.add("hidden"); return; }
    var chart = window.echarts.init(holder, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 10, bottom: 60, top: spec.top },
      xAxis: { type: "category", data: categories, axisLabel: { rotate: 40 } },
      yAxis: { type: "value" },
      series: data.series.map(spec.series)
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () { CHARTS.forEach(draw); });
})();
