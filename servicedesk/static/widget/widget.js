/* The chat widget: one <script src=".../widget.js" data-desk="..."> tag on any site.
 * The desk's origin is where this script came from; the visitor token and the offline
 * queue live in this site's localStorage. */
(function () {
  "use strict";
  var tag = document.currentScript;
  if (!tag || window.__serviceDeskWidget) { return; }
  window.__serviceDeskWidget = true;
  var base = new URL(tag.src).origin;
  var desk = tag.getAttribute("data-desk") || "default";
  var suggestOn = tag.getAttribute("data-suggest") !== "off";
  var KEY = "sdw." + desk + ".";
  var store = {
    get: function (k, d) { try { var v = localStorage.getItem(KEY + k); return v === null ? d : JSON.parse(v); } catch (e) { return d; } },
    set: function (k, v) { try { localStorage.setItem(KEY + k, JSON.stringify(v)); } catch (e) { /* private mode */ } }
  };

  function el(name, attrs, text) {
    var node = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function clientId() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function buildUi() {
    var css = el("link", { rel: "stylesheet", href: base + "/static/widget/widget.css" });
    document.head.appendChild(css);
    var root = el("div", { "class": "sdw", id: "sdw" });
    root.innerHTML =
      '<button type="button" class="sdw-launcher" aria-expanded="false" aria-controls="sdw-panel">Chat with us</button>' +
      '<section class="sdw-panel" id="sdw-panel" role="dialog" aria-labelledby="sdw-title" hidden>' +
      '<div class="sdw-head"><h2 id="sdw-title">Support</h2><span class="sdw-agent"></span>' +
      '<button type="button" class="sdw-close" aria-label="Close chat">&times;</button></div>' +
      '<p class="sdw-notice sdw-offline" role="status" hidden>No agent is online right now. Leave your email and we will reply by email.</p>' +
      '<p class="sdw-notice sdw-connection" role="status" hidden>Reconnecting… messages you send are kept and sent when the connection is back.</p>' +
      '<form class="sdw-prechat" hidden><label for="sdw-name">Your name (optional)</label><input id="sdw-name" name="name" autocomplete="name">' +
      '<label for="sdw-email">Your email</label><input id="sdw-email" name="email" type="email" autocomplete="email">' +
      '<div class="sdw-row"><button type="submit">Start chat</button><button type="button" class="sdw-skip">Skip</button></div></form>' +
      '<ol class="sdw-messages" aria-live="polite" aria-relevant="additions" aria-label="Conversation"></ol>' +
      '<p class="sdw-typing" aria-live="polite"></p>' +
      '<ul class="sdw-suggestions" aria-label="Articles that may answer your question" hidden></ul>' +
      '<form class="sdw-csat" hidden><p id="sdw-csat-q">How did we do?</p><div class="sdw-row" role="group" aria-labelledby="sdw-csat-q">' +
      '<button type="submit" value="good">Good</button><button type="submit" value="bad">Bad</button></div>' +
      '<label for="sdw-comment">Comment (optional)</label><textarea id="sdw-comment" rows="2"></textarea></form>' +
      '<form class="sdw-composer"><label for="sdw-input">Your message</label>' +
      '<textarea id="sdw-input" rows="2" placeholder="Type and press Enter"></textarea>' +
      '<div class="sdw-row"><label class="sdw-visually-hidden" for="sdw-file">Attach a file</label>' +
      '<input id="sdw-file" type="file" accept="image/*,.pdf,.txt"><button type="submit">Send</button></div></form></section>';
    document.body.appendChild(root);
    return root;
  }

  var root = buildUi();
  var q = function (sel) { return root.querySelector(sel); };

  /* Stay on the screen whatever the host page does. Fixed elements follow the layout
     viewport, which a page without a viewport tag (980px) or with content wider than the
     phone makes wider than the screen, so a bottom-right launcher lands off screen or is
     zoomed out to a speck. The root covers the visual viewport (what is on screen) and
     undoes a zoom-out, so the widget keeps its size; a narrow screen gets the full panel. */
  var COMPACT_BELOW_PX = 480;
  function fitToScreen() {
    var vv = window.visualViewport;
    var width = document.documentElement.clientWidth;
    if (vv) {
      var zoom = Math.max(1, 1 / vv.scale);  // a zoomed-in page (the reader's choice) stays so
      width = vv.width / zoom;
      root.style.inset = "auto";
      root.style.left = vv.offsetLeft + "px";
      root.style.top = vv.offsetTop + "px";
      root.style.width = width + "px";
      root.style.height = vv.height / zoom + "px";
      root.style.transform = zoom === 1 ? "none" : "scale(" + zoom + ")";
    }
    root.classList.toggle("sdw-compact", width < COMPACT_BELOW_PX);
  }
  var fitting = false;
  function refit() {
    if (fitting) { return; }
    fitting = true;
    requestAnimationFrame(function () { fitting = false; fitToScreen(); });
  }
  fitToScreen();
  if (window.visualViewport) {
    window.visualViewport.addEventListener("resize", refit);
    window.visualViewport.addEventListener("scroll", refit);
  }
  window.addEventListener("resize", refit);
  var list = q(".sdw-messages");
  var state = { token: store.get("token", null), lastId: 0, outbox: store.get("outbox", []), status: null, agentReplied: false, suggested: false };

  function setOpen(open) {
    q(".sdw-panel").hidden = !open;
    q(".sdw-launcher").setAttribute("aria-expanded", String(open));
    store.set("open", open);
    if (open) { (q(".sdw-prechat").hidden ? q("#sdw-input") : q("#sdw-name")).focus(); markRead(); }
  }
  q(".sdw-launcher").addEventListener("click", function () { setOpen(q(".sdw-panel").hidden); });
  q(".sdw-close").addEventListener("click", function () { setOpen(false); q(".sdw-launcher").focus(); });
  root.addEventListener("keydown", function (e) { if (e.key === "Escape") { setOpen(false); q(".sdw-launcher").focus(); } });

  // The agent's avatar: initials on a colour fixed per agent (no image to upload or leak).
  function avatar(name, agentId) {
    var initials = (name || "Support").split(/\s+/).map(function (w) { return w.charAt(0); }).join("");
    var badge = el("span", { "class": "sdw-avatar", "aria-hidden": "true" }, initials.slice(0, 2).toUpperCase());
    badge.style.backgroundColor = "hsl(" + (((agentId || 0) * 67) % 360) + ", 55%, 38%)";
    return badge;
  }

  function render(message, pending) {
    var found = (message.id && list.querySelector('[data-id="' + message.id + '"]')) ||
      (message.client_id && list.querySelector('[data-client-id="' + message.client_id + '"]'));
    var mine = message.direction === "inbound";
    var item = found || el("li", { "class": "sdw-msg" + (mine ? " sdw-mine" : "") });
    if (!found) {
      if (!mine) { item.appendChild(avatar(message.author, message.author_id)); }
      item.appendChild(el("span", { "class": "sdw-author" }, mine ? "You" : (message.author || "Support")));
      item.appendChild(el("span", { "class": "sdw-text" }, message.text));
      (message.attachments || []).forEach(function (a) { item.appendChild(el("span", { "class": "sdw-author" }, "📎 " + a.filename)); });
      if (mine) { item.appendChild(el("span", { "class": "sdw-receipt" })); }
      list.appendChild(item);
    }
    if (message.client_id) { item.setAttribute("data-client-id", message.client_id); }
    if (message.id) {
      item.setAttribute("data-id", message.id);
      state.lastId = Math.max(state.lastId, message.id);
    }
    if (mine) { item.querySelector(".sdw-receipt").textContent = pending ? "Sending…" : "Sent"; }
    if (!mine) {
      state.agentReplied = true;
      if (message.author) { q(".sdw-agent").textContent = message.author; }
    }
    list.scrollTop = list.scrollHeight;
  }

  function markRead() {
    if (socket && socket.connected && !q(".sdw-panel").hidden && state.lastId) {
      socket.emit("read", { message_id: state.lastId });
    }
  }

  function applyStatus(reply) {
    state.status = reply.status;
    q(".sdw-offline").hidden = reply.agents_online > 0;
    q(".sdw-csat").hidden = !(reply.status === "solved" || reply.status === "closed") || store.get("rated-" + state.lastId, false);
    if (!store.get("introduced", false) && !state.lastId) { q(".sdw-prechat").hidden = false; }
  }

  // The desk's rating scale (one setting for every channel): good/bad, or 1 to 5.
  function useScale(scale) {
    if (scale !== "one_to_five" || q(".sdw-csat [value='5']")) { return; }
    var row = q(".sdw-csat .sdw-row");
    row.textContent = "";
    for (var n = 1; n <= 5; n += 1) {
      row.appendChild(el("button", { type: "submit", value: String(n), "aria-label": n + " of 5" }, String(n)));
    }
  }

  function sync() {
    socket.emit("hello", { last_id: state.lastId }, function (reply) {
      if (!reply || reply.error) { return; }
      useScale(reply.rating_scale);
      state.token = reply.token;
      store.set("token", reply.token);
      reply.messages.forEach(function (m) { render(m, false); });
      applyStatus(reply);
      markRead();
      flushOutbox();
    });
  }

  function flushOutbox() {
    state.outbox.slice().forEach(function (queued) {
      socket.emit("message", queued, function (ack) {
        // Busy or too fast: kept and sent again. Refused for good: dropped and said so.
        if (!ack || (ack.error && ack.retry)) { return; }
        state.outbox = state.outbox.filter(function (m) { return m.client_id !== queued.client_id; });
        store.set("outbox", state.outbox);
        if (ack.error) { render({ direction: "outbound", author: "Support", text: "Not sent: " + ack.error }); return; }
        if (ack.message) { render(ack.message, false); }
        suggest(queued.text);
      });
    });
  }

  function send(text) {
    var queued = { client_id: clientId(), text: text };
    state.outbox.push(queued);
    store.set("outbox", state.outbox);
    render({ direction: "inbound", text: text, client_id: queued.client_id }, true);
    if (socket.connected) { flushOutbox(); }
  }

  function suggest(text) {
    if (!suggestOn || state.suggested || state.agentReplied || !state.token) { return; }
    state.suggested = true;
    fetch(base + "/widget/suggest?" + new URLSearchParams({ q: text, token: state.token }))
      .then(function (r) { return r.json(); })
      .then(function (data) { showSuggestions(text, data.articles || []); })
      .catch(function () { /* suggestions are optional */ });
  }

  function showSuggestions(text, articles) {
    var box = q(".sdw-suggestions");
    box.textContent = "";
    articles.forEach(function (a) {
      var item = el("li", {}, a.title + " ");
      var helped = el("button", { type: "button" }, "This answered my question");
      helped.addEventListener("click", function () {
        post("/widget/deflect", { token: state.token, article_id: a.id, query: text });
        box.textContent = "Glad it helped!";
      });
      item.appendChild(helped);
      box.appendChild(item);
    });
    box.hidden = articles.length === 0;
  }

  function post(path, body) {
    return fetch(base + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  }

  var typingTimer = null;
  q(".sdw-composer").addEventListener("submit", function (e) {
    e.preventDefault();
    var input = q("#sdw-input");
    var text = input.value.trim();
    var file = q("#sdw-file").files[0];
    if (file) { upload(file, text); } else if (text) { send(text); }
    input.value = "";
    q("#sdw-file").value = "";
    clearTimeout(typingTimer);
    typingTimer = null;
    if (socket.connected) { socket.emit("typing", { typing: false }); }
  });
  q("#sdw-input").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); q(".sdw-composer").requestSubmit(); }
  });
  q("#sdw-input").addEventListener("input", function () {
    if (!socket.connected) { return; }
    if (!typingTimer) { socket.emit("typing", { typing: true }); } else { clearTimeout(typingTimer); }
    typingTimer = setTimeout(function () { typingTimer = null; socket.emit("typing", { typing: false }); }, 2000);
  });

  function upload(file, text) {
    var form = new FormData();
    form.append("file", file);
    form.append("text", text);
    form.append("token", state.token || "");
    form.append("client_id", clientId());
    fetch(base + "/widget/upload", { method: "POST", body: form })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.message) { render(data.message, false); } else { render({ direction: "outbound", author: "Support", text: "Not sent: " + data.error }); }
      });
  }

  q(".sdw-prechat").addEventListener("submit", function (e) {
    e.preventDefault();
    var details = { name: q("#sdw-name").value, email: q("#sdw-email").value };
    socket.emit("identify", details, function (ack) {
      if (ack && ack.error) { q("#sdw-email").setAttribute("aria-invalid", "true"); q("#sdw-email").focus(); return; }
      store.set("introduced", true);
      q(".sdw-prechat").hidden = true;
      q("#sdw-input").focus();
    });
  });
  q(".sdw-skip").addEventListener("click", function () { store.set("introduced", true); q(".sdw-prechat").hidden = true; q("#sdw-input").focus(); });

  q(".sdw-csat").addEventListener("submit", function (e) {
    e.preventDefault();
    var rating = e.submitter ? e.submitter.value : "good";
    post("/widget/csat", { token: state.token, rating: rating, comment: q("#sdw-comment").value }).then(function () {
      store.set("rated-" + state.lastId, true);
      q(".sdw-csat").textContent = "Thank you for your feedback!";
    });
  });

  var socket = null;
  function connect() {
    socket = window.io(base + "/chat", {
      auth: function (cb) { cb({ token: state.token, desk: desk }); },
      reconnectionDelayMax: 3000
    });
    socket.on("connect", function () { q(".sdw-connection").hidden = true; sync(); });
    socket.on("disconnect", function () { q(".sdw-connection").hidden = false; });
    socket.on("connect_error", function (err) {
      q(".sdw-connection").hidden = false;
      // A refused token (forged or expired): start over as a new visitor.
      if (state.token && err && /rejected/i.test(err.message)) { state.token = null; store.set("token", null); socket.connect(); }
    });
    socket.on("message.created", sync);
    socket.on("request.changed", sync);
    socket.on("chat.message", function (m) { render(m, false); markRead(); });
    socket.on("agent.typing", function (t) { q(".sdw-typing").textContent = t.typing ? (t.name || "An agent") + " is typing…" : ""; });
    socket.on("agent.read", function (r) {
      list.querySelectorAll(".sdw-mine").forEach(function (item) {
        if (Number(item.getAttribute("data-id")) <= r.message_id) { item.querySelector(".sdw-receipt").textContent = "Read"; }
      });
    });
  }

  state.outbox.forEach(function (m) { render({ direction: "inbound", text: m.text, client_id: m.client_id }, true); });
  if (store.get("open", false)) { setOpen(true); }
  if (window.io) { connect(); } else {
    var lib = el("script", { src: base + "/widget/vendor/socket.io.min.js" });
    lib.addEventListener("load", connect);
    document.head.appendChild(lib);
  }
  window.__serviceDeskWidgetState = state;
})();
