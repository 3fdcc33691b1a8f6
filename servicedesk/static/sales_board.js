/* The sales board: drag a deal card to another column (HTML5 drag and drop); the move is
 * POSTed with the page's CSRF token. Moves by other reps arrive over Socket.IO and the
 * board reloads its columns from the server, which only renders the deals this rep sees. */
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var status = document.getElementById("board-status");
  var csrf = board.getAttribute("data-csrf");
  var mayWrite = board.getAttribute("data-may-write") === "yes";
  var dragging = null;

  function say(text) { if (status) { status.textContent = text; } }

  function recount() {
    board.querySelectorAll(".board-column").forEach(function (column) {
      column.querySelector(".column-count").textContent = column.querySelectorAll(".deal-card").length;
    });
  }

  function move(card, column) {
    var stageId = column.getAttribute("data-stage-id");
    var body = new FormData();
    body.append("csrf_token", csrf);
    body.append("stage_id", stageId);
    if (column.getAttribute("data-outcome") === "lost") {
      var reason = window.prompt("Why was this deal lost?");
      if (!reason) { say("Not moved: a lost deal needs a reason."); return; }
      body.append("reason", reason);
    }
    var from = card.parentNode;
    column.querySelector(".deal-cards").appendChild(card);
    recount();
    fetch(card.getAttribute("data-move-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRFToken": csrf }
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) { throw new Error(answer.error || "the move failed"); }
        say("Moved.");
      });
    }).catch(function (error) {
      from.appendChild(card);
      recount();
      say("Not moved: " + error.message);
    });
  }

  if (mayWrite) {
    board.addEventListener("dragstart", function (event) {
      var card = event.target.closest && event.target.closest(".deal-card");
      if (!card) { return; }
      dragging = card;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.getAttribute("data-deal-id"));
      card.classList.add("dragging");
    });
    board.addEventListener("dragend", function () {
      if (dragging) { dragging.classList.remove("dragging"); }
      dragging = null;
    });
    board.addEventListener("dragover", function (event) {
      if (dragging && event.target.closest(".board-column")) { event.preventDefault(); }
    });
    board.addEventListener("drop", function (event) {
      var column = event.target.closest(".board-column");
      if (!dragging || !column) { return; }
      event.preventDefault();
      var card = dragging;
      if (card.closest(".board-column") !== column) { move(card, column); }
    });
  }

  /* Live: another rep moved a deal; fetch this page again and swap the columns in. */
  function refresh() {
    if (dragging) { setTimeout(refresh, 500); return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
        if (!fresh) { return; }
        board.querySelectorAll(".board-column").forEach(function (column) {
          var twin = fresh.querySelector('.board-column[data-stage-id="' + column.getAttribute("data-stage-id") + '"] .deal-cards');
          if (twin) { column.querySelector(".deal-cards").replaceWith(twin); }
        });
        recount();
      });
  }

  if (window.io) {
    var socket = window.io("/console", { reconnectionDelayMax: 3000, closeOnBeforeunload: true });
    socket.on("connect", function () {
      socket.emit("watch_board", {}, function () { board.setAttribute("data-live", "yes"); });
    });
    socket.on("sales.board", function () { refresh(); });
  }
})();
