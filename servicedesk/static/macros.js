// Canned replies in the reply box: "/shortcut" then Tab expands it; the picker inserts one.
// The texts come rendered for this request from the page (#macros-data), never from input.
(function () {
  "use strict";
  var data = document.getElementById("macros-data");
  var box = document.getElementById("reply-text");
  if (!data || !box) return;
  var macros = {};
  JSON.parse(data.textContent).forEach(function (m) { macros[m.shortcut] = m.text; });

  function insert(text, from, to) {
    box.value = box.value.slice(0, from) + text + box.value.slice(to);
    var at = from + text.length;
    box.setSelectionRange(at, at);
    box.focus();
  }

  box.addEventListener("keydown", function (event) {
    if (event.key !== "Tab" || event.shiftKey) return;
    var end = box.selectionStart;
    var match = /(^|\s)\/([\w-]+)$/.exec(box.value.slice(0, end));
    if (!match || !(match[2] in macros)) return;
    event.preventDefault();
    insert(macros[match[2]], end - match[2].length - 1, end);
  });

  var pick = document.getElementById("macro-pick");
  if (pick) {
    pick.addEventListener("change", function () {
      if (pick.value in macros) insert(macros[pick.value], box.selectionStart, box.selectionEnd);
      pick.value = "";
    });
  }
})();
