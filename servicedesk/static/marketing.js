/* The segment page's live count: posts the rules as they are typed, shows the count. */
(function () {
  "use strict";
  var form = document.getElementById("segment-form");
  var output = document.getElementById("segment-count");
  if (!form || !output) { return; }
  var rules = form.querySelector("textarea[name=rules]");
  var token = form.querySelector("input[name=csrf_token]");
  var timer = null;
  function refresh() {
    fetch(form.getAttribute("data-preview"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify({ rules: rules.value })
    }).then(function (response) { return response.json(); }).then(function (data) {
      output.textContent = data.error ? data.error : String(data.count);
    }).catch(function () { output.textContent = "–"; });
  }
  rules.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
})();
