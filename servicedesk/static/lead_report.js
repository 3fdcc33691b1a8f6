// Lead sources chart: leads and conversions per source or campaign (Chart.js from npm).
(function () {
  "use strict";
  var canvas = document.getElementById("lead-sources-chart");
  var data = document.getElementById("lead-sources-data");
  if (!canvas || !data || typeof window.Chart === "undefined") { return; }
  var figures = JSON.parse(data.textContent);
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: figures.labels,
      datasets: [
        { label: "Leads", data: figures.leads },
        { label: "Converted", data: figures.converted }
      ]
    },
    options: { responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
}());
