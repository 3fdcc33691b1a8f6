// The help centre's request page: new replies and status changes appear without a reload.
// The socket only says "something changed"; the conversation is fetched from the desk.
(function () {
  "use strict";
  var page = document.getElementById("portal-request");
  if (!page || typeof io !== "function") return;
  var requestId = Number(page.dataset.requestId);
  var conversationUrl = page.dataset.conversationUrl;
  var socket = io("/portal", { transports: ["websocket", "polling"] });

  function refresh() {
    fetch(conversationUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var list = document.getElementById("conversation");
        var holder = document.createElement("div");
        holder.innerHTML = html; // rendered and escaped by the desk's own template
        var fresh = holder.querySelector("#conversation");
        if (list && fresh) list.replaceWith(fresh);
        var status = holder.querySelector("#request-status");
        var shown = document.getElementById("request-status");
        if (status && shown) shown.replaceWith(status);
      });
  }

  socket.on("connect", function () {
    socket.emit("watch", { request_id: requestId }, function () { refresh(); });
  });
  socket.on("message.created", refresh);
  socket.on("request.changed", refresh);
})();
