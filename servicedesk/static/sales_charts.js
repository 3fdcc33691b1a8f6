/* Draws each sales chart with Chart.js from the JSON script element beside its canvas. */
(function () {
  "use strict";
  if (!window.Chart) { return; }
  var colours = ["#3867d6", "#20bf6b", "#fa8231", "#8854d0", "#eb3b5a", "#0fb9b1"];
  document.querySelectorAll("canvas.sales-chart").forEach(function (canvas) {
    var source = document.getElementById("chart-" + canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    // Series come as [label, values] pairs: a JSON object would lose their order.
    var datasets = data.series.map(function (pair, index) {
      return { label: pair[0], data: pair[1], backgroundColor: colours[index % colours.length] };
    });
    new window.Chart(canvas, { type: "bar", data: { labels: data.labels, datasets: datasets },
      options: { responsive: true, animation: false } });
  });
})();
