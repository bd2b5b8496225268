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
  // Figures in the page's digits, as its tables write them: Bangla digits on a Bangla page. Chart.js
  // writes axis ticks and tooltip values through Intl.NumberFormat in its locale; the labels (periods
  // such as "নভেম্বর 2026") come as text and have their digits replaced here.
  var bangla = document.documentElement.lang.toLowerCase().indexOf("bn") === 0;
  var BANGLA_DIGITS = "০১২৩৪৫৬৭৮৯";
  window.Chart.defaults.locale = bangla ? "bn-BD" : "en";

  function digits(text) {
    text = String(text);
    return bangla ? text.replace(/[0-9]/g, function (d) { return BANGLA_DIGITS[d]; }) : text;
  }

  function chart(key, type, series, scale) {
    var canvas = document.getElementById("chart-" + key);
    if (!canvas) return;
    var datasets = series.map(function (name) {
      return {
        label: digits(data.names[name]),
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
    // Chart.js writes a zero tick as "0" whatever its locale: its own figures, then the page's digits.
    y.ticks.callback = function (value, index, ticks) {
      return digits(window.Chart.Ticks.formatters.numeric.call(this, value, index, ticks));
    };
    new window.Chart(canvas, {
      type: type,
      data: { labels: data.labels.map(digits), datasets: datasets },
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
