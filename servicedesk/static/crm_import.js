// The import's progress bar: polls the status endpoint until the job has finished or failed.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = document.getElementById("import-bar");
  var text = document.getElementById("import-text");
  var url = box.getAttribute("data-status-url");

  function show(p) {
    bar.value = p.percent;
    bar.textContent = p.percent + "%";
    var counts = Object.keys(p.counts).sort().map(function (k) { return k + " " + p.counts[k]; });
    text.textContent = p.status + ": " + p.rows_done + " of " + p.rows_total + " rows" +
      (counts.length ? " · " + counts.join(" · ") : "") + (p.error ? " · " + p.error : "");
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        show(p);
        if (p.status === "finished" || p.status === "failed") {
          if (p.status === "finished") { window.location.reload(); }
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  if (box.getAttribute("data-done") !== "yes") { window.setTimeout(poll, 500); }
}());
