// The satisfaction report's bar chart (Chart.js from npm), from the page's JSON data.
(function () {
  "use strict";
  var canvas = document.getElementById("satisfaction-chart");
  var data = document.getElementById("satisfaction-data");
  if (!canvas || !data || typeof Chart !== "function") return;
  var rows = JSON.parse(data.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: rows.labels,
      datasets: [{ label: "Satisfied (%)", data: rows.satisfied, backgroundColor: "#2da44e" }],
    },
    options: { scales: { y: { min: 0, max: 100 } }, animation: false },
  });
})();
