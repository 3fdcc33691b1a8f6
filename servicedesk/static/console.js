/* The live console: inbox counts and lists, request pages without reload, presence,
 * collision (viewers, typists), the stale-reply guard, desktop notifications, shortcuts. */
(function () {
  "use strict";
  var tag = document.currentScript;
  var idleMs = Number(tag.getAttribute("data-idle-seconds") || 300) * 1000;
  // Closing the tab disconnects at once, so presence turns offline without a ping timeout.
  var socket = window.io("/console", { reconnectionDelayMax: 3000, closeOnBeforeunload: true });
  var page = document.querySelector("[data-request-id]");
  var requestId = page ? Number(page.getAttribute("data-request-id")) : null;
  var seenField = document.querySelector("#reply-form [name=seen_message_id]");
  var live = document.createElement("div");
  live.className = "live-toasts";
  live.setAttribute("aria-live", "polite");
  document.body.appendChild(live);

  var TOAST_MS = 8000;
  function toast(text) {
    var item = document.createElement("p");
    item.className = "flash";
    item.textContent = text;
    live.appendChild(item);
    item.expire = function () { clearTimeout(item.timer); item.timer = setTimeout(function () { item.remove(); }, TOAST_MS); };
    item.expire();
    return item;
  }

  function lastShownId() {
    var ids = Array.prototype.map.call(document.querySelectorAll(".messages [data-message-id]"),
      function (li) { return Number(li.getAttribute("data-message-id")); });
    return ids.length ? Math.max.apply(null, ids) : 0;
  }

  /* Presence: online while the agent works, away after idle, offline when the socket closes. */
  var presence = "online";
  var idleTimer = null;
  function active() {
    if (presence !== "online") { presence = "online"; socket.emit("presence", { presence: "online" }); }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { presence = "away"; socket.emit("presence", { presence: "away" }); }, idleMs);
  }
  ["mousemove", "keydown", "click", "focus"].forEach(function (name) { window.addEventListener(name, active, { passive: true }); });

  /* Inbox: counts and the list refresh when requests change; at most once per
     REFRESH_GAP_MS, so a busy desk cannot keep the inbox from ever refreshing. */
  var REFRESH_GAP_MS = 2000;
  var refreshPending = false;
  var lastRefresh = 0;
  function refreshInbox() {
    if (refreshPending) { return; }
    refreshPending = true;
    var wait = Math.max(150, REFRESH_GAP_MS - (Date.now() - lastRefresh));
    setTimeout(function () {
      refreshPending = false;
      lastRefresh = Date.now();
      socket.emit("counts", {}, function (reply) {
        Object.keys((reply && reply.counts) || {}).forEach(function (view) {
          var count = document.querySelector('.count[data-view="' + view + '"]');
          if (count) { count.textContent = reply.counts[view]; }
        });
      });
      var body = document.querySelector("table.requests tbody");
      if (!body) { return; }
      fetch(window.location.href, { headers: { "X-Requested-With": "fetch" } })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("table.requests tbody");
          if (fresh) { body.replaceWith(fresh); }
        });
    }, wait);
  }

  /* Request page: messages appear live; the reply form holds a send on a stale view. */
  function renderMessage(m) {
    var list = document.querySelector(".messages");
    if (!list || list.querySelector('[data-message-id="' + m.id + '"]')) { return false; }
    var item = document.createElement("li");
    item.className = "message " + m.direction + " live-new";
    item.id = "message-" + m.id;
    item.setAttribute("data-message-id", m.id);
    var head = document.createElement("header");
    var who = document.createElement("strong");
    who.textContent = m.direction === "inbound" ? page.getAttribute("data-customer-name") : (m.author || "System");
    var kind = document.createElement("span");
    kind.className = "tag";
    kind.textContent = m.direction === "note" ? "internal note" : m.channel;
    head.appendChild(who);
    head.appendChild(document.createTextNode(" "));
    head.appendChild(kind);
    var body = document.createElement("div");
    body.className = "body";
    body.textContent = m.text;
    item.appendChild(head);
    item.appendChild(body);
    list.appendChild(item);
    return true;
  }

  function sync(done) {
    socket.emit("sync", { request_id: requestId, after_id: lastShownId() }, function (reply) {
      var fresh = ((reply && reply.messages) || []).filter(renderMessage);
      if (fresh.length) { socket.emit("read", { request_id: requestId, message_id: lastShownId() }); }
      if (done) { done(fresh); }
    });
  }

  function unseenByMe() {
    var seen = Number(seenField.value || 0);
    return Array.prototype.filter.call(document.querySelectorAll(".messages [data-message-id]"), function (li) {
      return Number(li.getAttribute("data-message-id")) > seen && !li.classList.contains("mine") && !li.classList.contains("note");
    });
  }

  function hold(count) {
    var notice = document.getElementById("stale-notice");
    notice.textContent = "Not sent: " + count + " new message(s) arrived while you were writing. Read them above, then press Send again.";
    notice.hidden = false;
    seenField.value = lastShownId();
  }

  function sendReply(event) {
    event.preventDefault();
    var form = event.target;
    var text = form.querySelector("textarea").value;
    if (!text.trim()) { return; }
    var unseen = unseenByMe();
    if (unseen.length) { unseen[0].scrollIntoView({ block: "center" }); hold(unseen.length); return; }
    var status = form.querySelector("[name=status_after]");
    socket.emit("reply", {
      request_id: requestId, text: text, seen_message_id: Number(seenField.value || 0) || null,
      status_after: status && status.value ? status.value : null
    }, function (reply) {
      if (reply && reply.stale) { reply.messages.forEach(renderMessage); hold(reply.stale.length); return; }
      if (!reply || reply.error) { toast("Not sent: " + ((reply && reply.error) || "no answer")); return; }
      renderMessage(reply.message);
      document.getElementById("message-" + reply.message.id).classList.add("mine");
      seenField.value = Math.max(Number(seenField.value || 0), reply.message.id);
      form.querySelector("textarea").value = "";
      document.getElementById("stale-notice").hidden = true;
      stopReplyTyping();
      toast("Reply sent.");
    });
  }

  function typingEmitter(textarea, isReply) {
    var timer = null;
    function stop() {
      clearTimeout(timer);
      timer = null;
      socket.emit("typing", { request_id: requestId, typing: false, reply: isReply });
    }
    textarea.addEventListener("input", function () {
      if (!timer) { socket.emit("typing", { request_id: requestId, typing: true, reply: isReply }); } else { clearTimeout(timer); }
      timer = setTimeout(stop, 2500);
    });
    return stop;
  }

  var typists = {};
  function showCollision(viewers) {
    var box = document.getElementById("collision");
    if (!box) { return; }
    if (viewers) { box.setAttribute("data-viewers", viewers.map(function (v) { return v.name; }).join(", ")); }
    var names = Object.keys(typists).filter(function (k) { return typists[k]; });
    box.textContent = "Viewing: " + (box.getAttribute("data-viewers") || "just you") +
      (names.length ? " · " + names.join(", ") + " typing…" : "");
  }

  var stopReplyTyping = function () {};
  if (requestId) {
    var replyForm = document.getElementById("reply-form");
    replyForm.addEventListener("submit", sendReply);
    stopReplyTyping = typingEmitter(replyForm.querySelector("textarea"), true);
    var noteText = document.getElementById("note-text");
    if (noteText) { typingEmitter(noteText, false); }
  }

  socket.on("connect", function () {
    active();
    if (requestId) {
      socket.emit("view", { request_id: requestId }, function (reply) { showCollision(reply && reply.viewers); });
      sync();  // after a reconnect: the gap, replayed from SQL
    } else { refreshInbox(); }
  });
  socket.on("message.created", function (d) { if (d.request_id === requestId) { sync(); } });
  socket.on("request.changed", function (d) { if (requestId && d.request_id === requestId) { toast("This request was changed; reload to see its properties."); } });
  socket.on("inbox.changed", function () { if (!requestId) { refreshInbox(); } });
  socket.on("suggestions.ready", function (d) {
    if (d.request_id === requestId) { document.dispatchEvent(new CustomEvent("suggestions:ready")); }
  });
  socket.on("viewers", function (d) { if (d.request_id === requestId) { showCollision(d.viewers); } });
  socket.on("typing", function (d) { typists[d.name] = d.typing; showCollision(); });
  socket.on("customer.typing", function (d) { typists[page ? page.getAttribute("data-customer-name") : "Customer"] = d.typing; showCollision(); });
  socket.on("customer.read", function (d) {
    document.querySelectorAll(".messages .outbound").forEach(function (li) {
      if (Number(li.getAttribute("data-message-id")) <= d.message_id) { li.classList.add("read-by-customer"); li.title = "Read by the customer"; }
    });
  });

  /* Desktop notifications for assignments and mentions (permission asked on a click). */
  function desktopNotice(text, tag, href) {
    if (window.Notification && Notification.permission === "granted") {
      var note = new Notification("Service desk", { body: text, tag: tag });
      note.onclick = function () { window.location.href = href; };
    }
  }
  function notify(text, rid, href) {
    toast(text);
    // A notice about something else than a request (a contract's renewal) names its page.
    var local = typeof href === "string" && href.charAt(0) === "/" && href.charAt(1) !== "/";
    desktopNotice(text, rid ? "request-" + rid : "notice", local ? href : "/console/requests/" + rid);
  }
  /* Assignments arrive in bursts (the desk hands waiting requests to an agent who signs in):
     one toast counts them while it is shown, and one desktop notification is updated. */
  var assigned = { ids: [], item: null, timer: null };
  function assignedText() {
    var n = assigned.ids.length;
    return n === 1 ? "A request was assigned to you." : n + " requests were assigned to you.";
  }
  function announceAssigned() {
    assigned.timer = null;
    if (assigned.item && assigned.item.isConnected) {
      assigned.item.textContent = assignedText();
      assigned.item.expire();
    } else {
      assigned.item = toast(assignedText());
    }
    var only = assigned.ids.length === 1 ? assigned.ids[0] : null;
    desktopNotice(assignedText(), "assigned", only ? "/console/requests/" + only : "/console?view=mine");
  }
  socket.on("request.assigned", function (d) {
    if (!(assigned.item && assigned.item.isConnected) && !assigned.timer) { assigned.ids = []; }
    if (assigned.ids.indexOf(d.request_id) < 0) { assigned.ids.push(d.request_id); }
    // A short wait gathers a burst into one announcement instead of a flicker of counts.
    if (!assigned.timer) { assigned.timer = setTimeout(announceAssigned, 400); }
    refreshInbox();
  });
  socket.on("mention", function (d) { notify("You were mentioned in a note.", d.request_id); });
  /* SLA warnings and breaches (desk/sla/escalation.py), and automations' notify action. */
  var CLOCKS = { first_response: "first response", next_response: "next response", resolution: "resolution" };
  socket.on("sla.alert", function (d) {
    var what = CLOCKS[d.clock] || d.clock;
    notify(d.kind === "breach" ? "SLA breached: " + what + "." : "SLA " + what + " due soon.", d.request_id);
  });
  socket.on("notify", function (d) { notify(String(d.text || "An automation notified you."), d.request_id, d.href); });
  var signout = document.querySelector(".signout");
  if (signout && window.Notification && Notification.permission === "default") {
    var ask = document.createElement("button");
    ask.type = "button";
    ask.textContent = "Enable notifications";
    ask.addEventListener("click", function () { Notification.requestPermission(); ask.remove(); });
    signout.prepend(ask);
  }

  /* Keyboard shortcuts (not while typing): r reply, n note, / search, i inbox, j/k rows. */
  var row = -1;
  document.addEventListener("keydown", function (e) {
    var target = e.target;
    var typingIn = /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (typingIn && e.key === "Enter" && (e.ctrlKey || e.metaKey) && target.form) { target.form.requestSubmit(); return; }
    if (typingIn || e.ctrlKey || e.metaKey || e.altKey) { return; }
    var focus = function (sel) { var node = document.querySelector(sel); if (node) { e.preventDefault(); node.focus(); } };
    if (e.key === "r") { focus("#reply-text"); } else if (e.key === "n") { focus("#note-text"); }
    else if (e.key === "/") { focus(".filters input[type=search]"); } else if (e.key === "i") { window.location.href = "/console"; }
    else if (e.key === "j" || e.key === "k") {
      var links = document.querySelectorAll("table.requests tbody a");
      if (!links.length) { return; }
      row = Math.max(0, Math.min(links.length - 1, row + (e.key === "j" ? 1 : -1)));
      links[row].focus();
    }
  });
})();
