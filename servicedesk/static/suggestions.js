// The request page's "Suggested answers" panel: insert into the reply, refresh when ready.
(function () {
  "use strict";
  var csrf = document.querySelector("#reply-form input[name=csrf_token]");

  function insert(button) {
    var reply = document.getElementById("reply-text");
    if (!reply) { return; }
    var text = button.getAttribute("data-insert");
    reply.value = reply.value ? reply.value.replace(/\s*$/, "\n\n") + text : text;
    reply.focus();
    var used = button.getAttribute("data-used-url");
    if (used && csrf) {
      fetch(used, { method: "POST", headers: { "X-CSRFToken": csrf.value }, credentials: "same-origin" });
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".insert-suggestion");
    if (button) { insert(button); }
  });

  document.addEventListener("suggestions:ready", function () {
    var panel = document.getElementById("suggestions");
    if (!panel) { return; }
    fetch(panel.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html) { panel.outerHTML = html; } });
  });
})();
