// Charts of the service report (Chart.js from npm, served by the app): the figures come
// from the page's #report-data, the same numbers as its tables and CSV.
(function () {
  "use strict";
  var data = document.getElementById("report-data");
  if (!data || typeof Chart === "undefined") return;
  var report = JSON.parse(data.textContent);

  function bar(id, rows, field, label) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    var shown = rows.filter(function (r) { return r[field] !== null; });
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: shown.map(function (r) { return r.value; }),
        datasets: [{ label: label, data: shown.map(function (r) { return r[field]; }) }]
      },
      options: { animation: false, plugins: { legend: { display: false } } }
    });
  }

  bar("chart-attainment", report.team || [], "attainment_pct", "SLA met %");
  bar("chart-first-response", report.channel || [], "first_response_median_min", "median minutes");
})();
