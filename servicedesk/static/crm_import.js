// The import's progress bar: polls the status endpoint until the job has finished or failed.
// On the mapping page it waits for the dry run instead, then reloads to show the result.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  if (box.getAttribute("data-wait-for") === "dry_run") {
    var waitForDryRun = function () {
      fetch(box.getAttribute("data-status-url"), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          if (p.dry_run === "running") { window.setTimeout(waitForDryRun, 1000); } else { window.location.reload(); }
        })
        .catch(function () { window.setTimeout(waitForDryRun, 3000); });
    };
    window.setTimeout(waitForDryRun, 500);
    return;
  }
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
