/* The console's grouped navigation: one menu open at a time, closed by a click elsewhere
 * or by Escape (a <details> element alone stays open until its own summary is clicked). */
(function () {
  "use strict";
  var groups = Array.prototype.slice.call(document.querySelectorAll(".navgroup"));
  function closeAll(except) {
    groups.forEach(function (group) { if (group !== except) { group.open = false; } });
  }
  groups.forEach(function (group) {
    group.addEventListener("toggle", function () { if (group.open) { closeAll(group); } });
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest(".navgroup")) { closeAll(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeAll(null); }
  });
})();
