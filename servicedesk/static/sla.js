// SLA countdowns: every [data-due] element shows the time left, ticking each second.
// Green with more than an hour left, amber within the hour, red once the time has passed.
(function () {
  "use strict";
  var HOUR = 3600 * 1000;

  function format(ms) {
    var total = Math.floor(Math.abs(ms) / 1000);
    var days = Math.floor(total / 86400);
    var hours = Math.floor((total % 86400) / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    var text = days ? days + "d " + hours + "h" : hours ? hours + "h " + minutes + "m" : minutes + "m " + seconds + "s";
    return ms < 0 ? "overdue " + text : text + " left";
  }

  function tick() {
    var now = Date.now();
    var nodes = document.querySelectorAll("[data-due]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var due = Date.parse(node.getAttribute("data-due"));
      if (isNaN(due)) continue;
      var left = due - now;
      node.textContent = format(left);
      node.classList.toggle("sla-breached", left < 0);
      node.classList.toggle("sla-soon", left >= 0 && left < HOUR);
      node.classList.toggle("sla-ok", left >= HOUR);
    }
  }

  tick();
  window.setInterval(tick, 1000);
})();
