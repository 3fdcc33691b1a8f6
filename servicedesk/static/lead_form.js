// Embeddable lead form: posts a `form[data-servicedesk-lead]` to the desk and shows the
// answer in the page, each field's error beside it (`[data-error-for=FIELD]`).
(function () {
  "use strict";
  function show(form, selector, text) {
    var place = form.querySelector(selector);
    if (place) { place.textContent = text; }
  }
  function clear(form) {
    var places = form.querySelectorAll("[data-error-for]");
    for (var i = 0; i < places.length; i += 1) { places[i].textContent = ""; }
  }
  function submit(event) {
    var form = event.target;
    event.preventDefault();
    clear(form);
    show(form, "[data-lead-status]", "Sending…");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "omit"
    }).then(function (response) {
      if (response.status === 429) { return { ok: false, message: "Too many tries; please wait a minute." }; }
      return response.json();
    }).then(function (answer) {
      if (answer.ok) {
        form.reset();
        show(form, "[data-lead-status]", answer.message);
        return;
      }
      var errors = answer.errors || {};
      Object.keys(errors).forEach(function (field) {
        show(form, '[data-error-for="' + field + '"]', errors[field]);
      });
      show(form, "[data-lead-status]", answer.message || "Please correct the marked fields.");
    }).catch(function () {
      show(form, "[data-lead-status]", "Could not send the form; please try again.");
    });
  }
  function attach() {
    var forms = document.querySelectorAll("form[data-servicedesk-lead]");
    for (var i = 0; i < forms.length; i += 1) { forms[i].addEventListener("submit", submit); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", attach);
  } else {
    attach();
  }
}());
