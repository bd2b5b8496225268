/* Dashboard trends: draws each trend's chart from the figures embedded with json_script. The tables
   beside the charts hold the same figures, so the page is complete without this script. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-trends");
  if (!source || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var colours = { received: "#006a4e", resolved: "#0969da", overdue: "#a40e26", satisfaction: "#9a6700" };
  var font = getComputedStyle(document.body).fontFamily;
  window.Chart.defaults.font.family = font;

  function chart(key, type, series, scale) {
    var canvas = document.getElementById("chart-" + key);
    if (!canvas) return;
    var datasets = series.map(function (name) {
      return {
        label: data.names[name],
        data: data.series[name],
        backgroundColor: colours[name],
        borderColor: colours[name],
        borderWidth: 2,
        spanGaps: true,
        pointRadius: 3
      };
    });
    var y = { beginAtZero: true, ticks: { precision: 0 } };
    if (scale) {
      y = scale;
    }
    new window.Chart(canvas, {
      type: type,
      data: { labels: data.labels, datasets: datasets },
      options: {
        // Figures for officials, not a show: drawn at once, and readable on a small screen.
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom" } },
        scales: { x: { ticks: { maxRotation: 60, autoSkip: true } }, y: y }
      }
    });
    canvas.closest(".chart").classList.add("drawn");
  }

  chart("received-resolved", "bar", ["received", "resolved"]);
  chart("overdue", "line", ["overdue"]);
  chart("satisfaction-trend", "line", ["satisfaction"], { min: 1, max: 5, ticks: { stepSize: 1 } });
})();
