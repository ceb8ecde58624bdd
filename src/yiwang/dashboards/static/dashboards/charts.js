// Draws the dashboard charts from JSON embedded with json_script (no inline scripts).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var holder = document.getElementById("school-chart");
    var source = document.getElementById("school-chart-data");
    if (!holder || !source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    if (!data.schools.length) { holder.classList.add("hidden"); return; }
    var chart = window.echarts.init(holder, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 10, bottom: 60, top: 30 },
      xAxis: { type: "category", data: data.schools, axisLabel: { rotate: 40 } },
      yAxis: { type: "value" },
      series: data.series.map(function (s) { return { name: s.name, type: "bar", stack: "total", data: s.data }; })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();

// The boards' trend chart (lines per indicator, by month).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var holder = document.getElementById("trend-chart");
    var source = document.getElementById("trend-chart-data");
    if (!holder || !source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    if (!data.labels.length) { holder.classList.add("hidden"); return; }
    var chart = window.echarts.init(holder, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 10, bottom: 60, top: 40 },
      xAxis: { type: "category", data: data.labels, axisLabel: { rotate: 40 } },
      yAxis: { type: "value" },
      series: data.series.map(function (s) { return { name: s.name, type: "line", data: s.data, connectNulls: false }; })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
