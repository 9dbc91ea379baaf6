/*
 * 智慧杨 chat page: the conversation.
 *
 * The history is kept in this browser (localStorage) together with the
 * sender id, so a reload or a locked phone finds the conversation as it was.
 * Every message carries its own id; a retry sends the same id and the server
 * answers it without the bot seeing the message twice.
 */
(function () {
  "use strict";

  var Z = window.Zhy;
  var el = Z.el;

  var API_CHAT = "/api/chat";
  var API_RESTART = "/api/chat/restart";
  var TIME_GAP_MS = 5 * 60 * 1000;
  var MAX_HISTORY = 300;

  // The answer that goes ahead stands out; the one that drops the report is quieter.
  var CHIP_LOOKS = { "/affirm": " chip-primary", "/cancel": " chip-quiet" };

  var KEY_SENDER = "zhy.sender";
  var KEY_HISTORY = "zhy.history";
  var KEY_LARGE = "zhy.large";
  var KEY_CONTRAST = "zhy.contrast";

  var TEXT = {
    welcome: "您好，我是智慧杨：家里漏水、停水停电、邻里纠纷，跟我说一声，我帮您转给附近的老杨工作站。",
    welcomeReplies: [
      ["家里漏水", "家里漏水了"],
      ["停电了", "家里停电了"],
      ["邻里纠纷", "和邻居有矛盾，想请老杨调解"],
      ["查工单进度", "查工单进度"]
    ],
    rejected: "这条消息没能发送，请换个说法试试。",
    busy: "智慧杨这会儿有点忙，您的话还在，请稍等一会儿再点「重发」。",
    notSent: "没发出去",
    resend: "重发",
    locationDenied:
      "您没有允许获取位置，没关系。请直接告诉我在哪个街道、哪个社区，比如「杨家坪街道天宝路社区」。",
    locationFailed:
      "没能获取到您的位置，没关系。请直接告诉我在哪个街道、哪个社区，比如「杨家坪街道天宝路社区」。",
    locationMessage: "我的位置",
    locationDisplay: "📍 我的位置（已发送定位）",
    typing: "智慧杨正在输入",
    botName: "智慧杨",
    ticketTitle: "工单已登记",
    ticketFooter: "有新进展会在这里告诉您",
    stillDanger: "现场仍有危险，请先打电话：",
    placeholder: "请说说遇到了什么事…",
    placeholderLarge: "说说什么事…",
    ticketFields: [
      ["number", "工单号"],
      ["category", "类别"],
      ["station", "承办站点"],
      ["contact_by", "预计联系"]
    ]
  };

  /* ------------------------------------------------------------- state */

  function loadSender() {
    var id = Z.storageGet(KEY_SENDER);
    if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
      id = Z.randomId();
      Z.storageSet(KEY_SENDER, id);
    }
    return id;
  }

  function loadHistory() {
    var data = Z.loadJson(KEY_HISTORY, []);
    if (!Array.isArray(data)) {
      return [];
    }
    return data.filter(function (r) {
      return (
        Z.isPlainObject(r) &&
        (r.role === "bot" || r.role === "user") &&
        typeof r.ts === "number" &&
        typeof r.id === "string"
      );
    });
  }

  var els = {
    root: document.documentElement,
    list: document.getElementById("messages"),
    form: document.getElementById("composer"),
    input: document.getElementById("input"),
    send: document.getElementById("btn-send"),
    location: document.getElementById("btn-location"),
    large: document.getElementById("btn-large"),
    tickets: document.getElementById("btn-tickets"),
    more: document.getElementById("btn-more"),
    mask: document.getElementById("layer-mask"),
    sheet: document.getElementById("sheet-more"),
    contrast: document.getElementById("sheet-contrast"),
    clear: document.getElementById("sheet-clear"),
    sheetCancel: document.getElementById("sheet-cancel"),
    dialog: document.getElementById("dialog-clear"),
    dialogCancel: document.getElementById("dialog-cancel"),
    dialogOk: document.getElementById("dialog-ok")
  };

  var state = {
    sender: loadSender(),
    history: loadHistory(),
    busy: false,
    locating: false,
    generation: 0,
    typingEl: null,
    layer: null,
    layerOpener: null
  };

  function saveHistory() {
    if (state.history.length > MAX_HISTORY) {
      state.history = state.history.slice(state.history.length - MAX_HISTORY);
    }
    Z.saveJson(KEY_HISTORY, state.history);
  }

  function findRecord(id) {
    for (var i = 0; i < state.history.length; i++) {
      if (state.history[i].id === id) {
        return i;
      }
    }
    return -1;
  }

  /* ------------------------------------------------------------ render */

  function scrollToBottom() {
    els.list.scrollTop = els.list.scrollHeight;
  }

  function renderTicketCard(ticket) {
    var card = el("section", "ticket-card" + (ticket.emergency ? " ticket-emergency" : ""));
    card.setAttribute("aria-label", "工单 " + (ticket.number || ""));

    var head = el("div", "ticket-head");
    var badge = el("span", "ticket-badge");
    badge.setAttribute("aria-hidden", "true");
    head.appendChild(badge);
    head.appendChild(el("span", "ticket-title", ticket.emergency ? "紧急工单已登记" : TEXT.ticketTitle));
    card.appendChild(head);

    var dl = el("dl", "ticket-fields");
    TEXT.ticketFields.forEach(function (field) {
      var value = ticket[field[0]];
      if (value == null || value === "") {
        return;
      }
      var row = el("div", "ticket-row");
      row.appendChild(el("dt", "ticket-label", field[1]));
      row.appendChild(el("dd", "ticket-value" + (field[0] === "number" ? " ticket-number" : ""), value));
      dl.appendChild(row);
    });
    var statusRow = el("div", "ticket-row");
    statusRow.appendChild(el("dt", "ticket-label", "当前进度"));
    var status = el("dd", "ticket-value ticket-status", Z.tickets.statusOf(ticket.number) || "已派单，等待工作站签收");
    status.setAttribute("data-number", ticket.number || "");
    statusRow.appendChild(status);
    dl.appendChild(statusRow);
    card.appendChild(dl);

    if (ticket.emergency && ticket.calls && ticket.calls.length) {
      var calls = el("div", "ticket-calls");
      calls.appendChild(el("p", "ticket-calls-title", TEXT.stillDanger));
      calls.appendChild(Z.callButtons(ticket.calls));
      card.appendChild(calls);
    }
    card.appendChild(el("div", "ticket-foot", TEXT.ticketFooter));
    return card;
  }

  /* A rating card still open for a ticket the resident rated or reopened in words. */
  function settleRating(number, outcome, stars) {
    state.history.forEach(function (rec) {
      if (rec.kind === "rating" && rec.number === number && rec.state === "open") {
        rec.state = outcome;
        rec.stars = stars;
        saveHistory();
        redraw(rec);
      }
    });
  }

  function refreshCards() {
    var nodes = els.list.querySelectorAll(".ticket-status");
    for (var i = 0; i < nodes.length; i++) {
      var name = Z.tickets.statusOf(nodes[i].getAttribute("data-number"));
      if (name) {
        nodes[i].textContent = name;
      }
    }
  }

  function renderChips(rec) {
    var buttons = rec.buttons || [];
    if (!buttons.length) {
      return null;
    }
    var wrap = el("div", "chips");
    wrap.setAttribute("role", "group");
    wrap.setAttribute("aria-label", "快捷回复");
    buttons.forEach(function (b) {
      var chip = Z.button("chip" + (CHIP_LOOKS[b.payload] || ""), b.title);
      chip.disabled = isBlocked();
      chip.addEventListener("click", function () {
        if (!isBlocked()) {
          send(b.payload, { display: b.title });
        }
      });
      wrap.appendChild(chip);
    });
    return wrap;
  }

  function renderFailure(rec) {
    var row = el("div", "msg-failed");
    var mark = el("span", "failed-mark", "!");
    mark.setAttribute("aria-hidden", "true");
    row.appendChild(mark);
    row.appendChild(el("span", "failed-text", TEXT.notSent));
    if (rec.state === "failed") {
      var again = Z.button("resend-btn", TEXT.resend, "消息没发出去，点这里重新发送");
      again.disabled = isBlocked();
      again.addEventListener("click", function () {
        if (!isBlocked()) {
          resend(rec.id);
        }
      });
      row.appendChild(again);
    }
    return row;
  }

  function renderAvatar(alt) {
    var avatar = el("img", "avatar");
    avatar.src = "avatar.svg";
    avatar.alt = alt;
    avatar.width = 40;
    avatar.height = 40;
    return avatar;
  }

  function renderRecord(rec, prevTs, showChips) {
    var entry = el("div", "entry");
    entry.setAttribute("data-id", rec.id);
    if (prevTs == null || rec.ts - prevTs > TIME_GAP_MS) {
      entry.appendChild(el("div", "time", Z.formatTime(rec.ts)));
    }
    var row = el("div", "msg " + (rec.role === "user" ? "msg-user" : "msg-bot"));
    if (rec.role === "bot") {
      row.appendChild(renderAvatar(TEXT.botName));
    }
    var stack = el("div", "stack");
    if (typeof rec.text === "string" && rec.text !== "") {
      // The bot's numbers can be tapped; the resident's own words stay as typed.
      var bubble = rec.role === "bot" ? Z.richText(el("div", "bubble"), rec.text) : el("div", "bubble", rec.text);
      if (rec.kind === "error" || rec.kind === "notice") {
        bubble.className += " bubble-notice";
      } else if (rec.kind === "progress") {
        bubble.className += " bubble-progress";
      }
      stack.appendChild(bubble);
    }
    if (rec.emergency) {
      stack.appendChild(Z.emergencyCard(rec.emergency));
    }
    if (rec.ticket) {
      stack.appendChild(renderTicketCard(rec.ticket));
    }
    if (rec.kind === "rating") {
      stack.appendChild(Z.tickets.renderRatingCard(rec));
    }
    if (rec.role === "user" && (rec.state === "failed" || rec.state === "rejected")) {
      stack.appendChild(renderFailure(rec));
    }
    if (showChips) {
      var chips = renderChips(rec);
      if (chips) {
        stack.appendChild(chips);
      }
    }
    row.appendChild(stack);
    entry.appendChild(row);
    return entry;
  }

  function lastUserIndex() {
    for (var i = state.history.length - 1; i >= 0; i--) {
      if (state.history[i].role === "user") {
        return i;
      }
    }
    return -1;
  }

  function renderAll() {
    Z.clear(els.list);
    state.typingEl = null;
    var cut = lastUserIndex();
    var frag = document.createDocumentFragment();
    var prevTs = null;
    state.history.forEach(function (rec, i) {
      frag.appendChild(renderRecord(rec, prevTs, i > cut));
      prevTs = rec.ts;
    });
    els.list.appendChild(frag);
    scrollToBottom();
  }

  function entryNode(id) {
    var nodes = els.list.querySelectorAll(".entry");
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].getAttribute("data-id") === id) {
        return nodes[i];
      }
    }
    return null;
  }

  /* Re-draw one record in place (its failure mark came or went). */
  function redraw(rec) {
    var i = findRecord(rec.id);
    var node = entryNode(rec.id);
    if (i < 0 || !node) {
      return;
    }
    var prevTs = i > 0 ? state.history[i - 1].ts : null;
    node.parentNode.replaceChild(renderRecord(rec, prevTs, false), node);
  }

  function removeChips() {
    var nodes = els.list.querySelectorAll(".chips");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].parentNode.removeChild(nodes[i]);
    }
  }

  function appendRecord(rec) {
    var prev = state.history.length ? state.history[state.history.length - 1].ts : null;
    rec.id = rec.id || Z.randomId();
    rec.ts = rec.ts || Date.now();
    state.history.push(rec);
    saveHistory();
    if (rec.role === "user") {
      removeChips();
    }
    var node = renderRecord(rec, prev, rec.role === "bot");
    if (state.typingEl && state.typingEl.parentNode === els.list) {
      els.list.insertBefore(node, state.typingEl);
    } else {
      els.list.appendChild(node);
    }
    scrollToBottom();
    return rec;
  }

  function removeRecord(id) {
    var i = findRecord(id);
    if (i >= 0) {
      state.history.splice(i, 1);
      saveHistory();
    }
    var node = entryNode(id);
    if (node) {
      node.parentNode.removeChild(node);
    }
  }

  function addBot(text, extra) {
    var rec = { role: "bot" };
    if (text) {
      rec.text = text;
    }
    for (var k in extra || {}) {
      if (Object.prototype.hasOwnProperty.call(extra, k)) {
        rec[k] = extra[k];
      }
    }
    return appendRecord(rec);
  }

  function showWelcome() {
    addBot(TEXT.welcome, {
      kind: "welcome",
      buttons: TEXT.welcomeReplies.map(function (r) {
        return { title: r[0], payload: r[1] };
      })
    });
  }

  function showTyping() {
    hideTyping();
    var row = el("div", "msg msg-bot typing-row");
    row.appendChild(renderAvatar(""));
    var bubble = el("div", "bubble typing");
    bubble.setAttribute("role", "status");
    bubble.appendChild(el("span", "visually-hidden", TEXT.typing));
    for (var i = 0; i < 3; i++) {
      var dot = el("span", "dot");
      dot.setAttribute("aria-hidden", "true");
      bubble.appendChild(dot);
    }
    var stack = el("div", "stack");
    stack.appendChild(bubble);
    row.appendChild(stack);
    state.typingEl = row;
    els.list.appendChild(row);
    scrollToBottom();
  }

  function hideTyping() {
    if (state.typingEl && state.typingEl.parentNode) {
      state.typingEl.parentNode.removeChild(state.typingEl);
    }
    state.typingEl = null;
  }

  /* -------------------------------------------------------- busy state */

  function isBlocked() {
    return state.busy || state.locating;
  }

  function refreshControls() {
    var blocked = isBlocked();
    els.send.disabled = blocked;
    els.location.disabled = blocked;
    els.list.setAttribute("aria-busy", state.busy ? "true" : "false");
    var nodes = els.list.querySelectorAll(".chip, .resend-btn");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].disabled = blocked;
    }
  }

  function setBusy(v) {
    state.busy = v;
    refreshControls();
  }

  function setLocating(v) {
    state.locating = v;
    els.location.classList.toggle("is-working", v);
    els.location.setAttribute("aria-busy", v ? "true" : "false");
    refreshControls();
  }

  /* ------------------------------------------------------------ replies */

  function sanitizeButtons(buttons) {
    if (!Array.isArray(buttons)) {
      return [];
    }
    var out = [];
    for (var i = 0; i < buttons.length && out.length < 12; i++) {
      var b = buttons[i];
      if (!Z.isPlainObject(b)) {
        continue;
      }
      var title = b.title == null ? "" : String(b.title);
      var payload = b.payload == null ? title : String(b.payload);
      if (title || payload) {
        out.push({ title: title || payload, payload: payload || title });
      }
    }
    return out;
  }

  function ticketFrom(custom) {
    if (!Z.isPlainObject(custom) || custom.type !== "ticket") {
      return null;
    }
    var ticket = { emergency: custom.emergency === true, calls: Z.sanitizeCalls(custom.calls) };
    TEXT.ticketFields.forEach(function (f) {
      if (custom[f[0]] != null && custom[f[0]] !== "") {
        ticket[f[0]] = String(custom[f[0]]);
      }
    });
    return ticket.number ? ticket : null;
  }

  function emergencyFrom(custom) {
    if (!Z.isPlainObject(custom) || custom.type !== "emergency") {
      return null;
    }
    return {
      label: String(custom.label || ""),
      advice: String(custom.advice || ""),
      calls: Z.sanitizeCalls(custom.calls)
    };
  }

  /*
   * Rasa sends a card right after the text it was sent with; the card says the
   * same in a form made for the page, so it takes that text's place.
   */
  function renderReplies(data) {
    var recs = [];
    data.forEach(function (m) {
      if (!Z.isPlainObject(m)) {
        return;
      }
      var rec = { role: "bot" };
      if (m.text != null && String(m.text) !== "") {
        rec.text = String(m.text);
      }
      var buttons = sanitizeButtons(m.buttons);
      if (buttons.length) {
        rec.buttons = buttons;
      }
      var ticket = ticketFrom(m.custom);
      var emergency = emergencyFrom(m.custom);
      if (ticket) {
        rec.ticket = ticket;
        Z.tickets.noteTicket(ticket.number);
      }
      if (emergency) {
        rec.emergency = emergency;
      }
      var prev = recs[recs.length - 1];
      if ((ticket || emergency) && !rec.text && prev && prev.text && !prev.buttons && !prev.ticket && !prev.emergency) {
        delete prev.text;
        prev.ticket = rec.ticket;
        prev.emergency = rec.emergency;
        return;
      }
      if (rec.text || rec.ticket || rec.emergency || rec.buttons) {
        recs.push(rec);
      }
    });
    recs.forEach(appendRecord);
  }

  /* ------------------------------------------------------------ sending */

  /*
   * A new resident message: shown at once, then delivered.
   * opts.display: the bubble's text (a button's title); opts.metadata: e.g. location.
   */
  function send(message, opts) {
    opts = opts || {};
    if (isBlocked() || typeof message !== "string" || !message.trim()) {
      return false;
    }
    var rec = appendRecord({
      role: "user",
      text: opts.display || message,
      message: message,
      metadata: opts.metadata || {},
      state: "sending"
    });
    deliver(rec);
    return true;
  }

  function markSent(rec, stateName) {
    rec.state = stateName;
    saveHistory();
    redraw(rec);
  }

  var leaving = false;
  window.addEventListener("pagehide", function () {
    leaving = true;
  });
  window.addEventListener("pageshow", function () {
    leaving = false;
  });

  function deliver(rec) {
    var generation = state.generation;
    setBusy(true);
    showTyping();
    Z.tickets.poke();
    Z.request("POST", API_CHAT, {
      body: {
        sender: state.sender,
        message: rec.message,
        metadata: Z.isPlainObject(rec.metadata) ? rec.metadata : {},
        message_id: rec.id
      }
    })
      .then(
        function (res) {
          if (generation !== state.generation) {
            return;
          }
          hideTyping();
          if (res.ok && Array.isArray(res.data)) {
            markSent(rec, "sent");
            renderReplies(res.data);
          } else if (res.status === 429 || res.status >= 500 || res.ok) {
            // 5xx: e.g. the bot is being restarted; the message stays, with 重发 under it.
            markSent(rec, "failed");
            var why = res.status >= 500 ? TEXT.busy : Z.failureText(res.ok ? null : res);
            addBot(why, { kind: "error", forId: rec.id });
          } else {
            markSent(rec, "rejected");
            addBot(TEXT.rejected, { kind: "error", forId: rec.id });
          }
        },
        function () {
          // The page is going away (reload, phone locking): the request was cut
          // off, not refused. The message stays "sending" and the next visit
          // delivers it again with the same id.
          if (generation !== state.generation || leaving) {
            return;
          }
          hideTyping();
          markSent(rec, "failed");
          addBot(Z.failureText(null), { kind: "error", forId: rec.id });
        }
      )
      .then(function () {
        if (generation === state.generation) {
          setBusy(false);
        }
      });
  }

  /* Send a failed message again, with the same id, so it is never processed twice. */
  function resend(id) {
    var i = findRecord(id);
    if (i < 0) {
      return;
    }
    var rec = state.history[i];
    state.history
      .filter(function (r) {
        return r.forId === id;
      })
      .forEach(function (r) {
        removeRecord(r.id);
      });
    // Move it to the end, so the replies follow it.
    removeRecord(id);
    rec.state = "sending";
    rec.ts = Date.now();
    appendRecord(rec);
    deliver(rec);
  }

  /* A message still "sending" when the page went away is delivered again (same id). */
  function recoverPending() {
    var pending = null;
    state.history.forEach(function (r) {
      if (r.role === "user" && r.state === "sending") {
        r.state = "failed";
        pending = r;
      }
    });
    saveHistory();
    if (pending && state.history[state.history.length - 1] === pending) {
      resend(pending.id);
    }
  }

  /* ----------------------------------------------------------- location */

  function sendLocation() {
    if (isBlocked()) {
      return;
    }
    if (!navigator.geolocation || typeof navigator.geolocation.getCurrentPosition !== "function") {
      addBot(TEXT.locationFailed, { kind: "notice" });
      return;
    }
    var generation = state.generation;
    setLocating(true);
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        setLocating(false);
        if (generation !== state.generation) {
          return;
        }
        var lat = Number(pos.coords.latitude);
        var lon = Number(pos.coords.longitude);
        if (!isFinite(lat) || !isFinite(lon)) {
          addBot(TEXT.locationFailed, { kind: "notice" });
          return;
        }
        send(TEXT.locationMessage, {
          display: TEXT.locationDisplay,
          metadata: { location: { lat: lat, lon: lon } }
        });
      },
      function (err) {
        setLocating(false);
        if (generation !== state.generation) {
          return;
        }
        var denied = err && err.code === 1;
        addBot(denied ? TEXT.locationDenied : TEXT.locationFailed, { kind: "notice" });
        els.input.focus();
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  /* ------------------------------------------------ sheets and dialogs */

  function focusables(layer) {
    return Array.prototype.filter.call(layer.querySelectorAll("button, textarea, input"), function (n) {
      return !n.disabled;
    });
  }

  function openLayer(layer) {
    closeLayer(false);
    state.layerOpener = document.activeElement;
    state.layer = layer;
    els.mask.hidden = false;
    layer.hidden = false;
    var items = focusables(layer);
    if (items.length) {
      items[0].focus();
    }
  }

  function closeLayer(restoreFocus) {
    if (!state.layer) {
      return;
    }
    state.layer.hidden = true;
    els.mask.hidden = true;
    state.layer = null;
    if (restoreFocus !== false && state.layerOpener && state.layerOpener.focus) {
      state.layerOpener.focus();
    }
  }

  /* Keep Tab inside an open sheet or dialog; Escape closes it. */
  function onLayerKey(ev) {
    if (!state.layer) {
      return;
    }
    if (ev.key === "Escape") {
      ev.preventDefault();
      closeLayer();
      return;
    }
    if (ev.key !== "Tab") {
      return;
    }
    var items = focusables(state.layer);
    if (!items.length) {
      return;
    }
    var first = items[0];
    var last = items[items.length - 1];
    if (ev.shiftKey && document.activeElement === first) {
      ev.preventDefault();
      last.focus();
    } else if (!ev.shiftKey && document.activeElement === last) {
      ev.preventDefault();
      first.focus();
    }
  }

  /* -------------------------------------------- display settings, clear */

  function applyLarge(on) {
    els.root.classList.toggle("large", on);
    els.large.setAttribute("aria-pressed", on ? "true" : "false");
    // The long hint does not fit a phone's input box in large type.
    els.input.placeholder = on ? TEXT.placeholderLarge : TEXT.placeholder;
  }

  function toggleLarge() {
    var on = !els.root.classList.contains("large");
    applyLarge(on);
    Z.storageSet(KEY_LARGE, on ? "1" : "0");
    scrollToBottom();
  }

  function applyContrast(on) {
    els.root.classList.toggle("contrast", on);
    els.contrast.setAttribute("aria-pressed", on ? "true" : "false");
    els.contrast.textContent = on ? "高对比度：已打开" : "高对比度：已关闭";
  }

  function toggleContrast() {
    var on = !els.root.classList.contains("contrast");
    applyContrast(on);
    Z.storageSet(KEY_CONTRAST, on ? "1" : "0");
    closeLayer();
  }

  /* 清空记录: a fresh conversation; the resident's tickets stay in 我的工单. */
  function clearConversation() {
    closeLayer(false);
    state.generation++;
    hideTyping();
    state.history = [];
    saveHistory();
    state.locating = false;
    els.location.classList.remove("is-working");
    Z.tickets.forgetPrompts();
    renderAll();
    els.input.value = "";
    setBusy(true);
    var generation = state.generation;
    Z.request("POST", API_RESTART, { body: { sender: state.sender } })
      .then(null, function () {
        return null;
      })
      .then(function () {
        if (generation === state.generation) {
          setBusy(false);
          showWelcome();
          els.input.focus();
        }
      });
  }

  /* ------------------------------------------------------------- wiring */

  els.form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = els.input.value.trim();
    if (!text) {
      els.input.focus();
      return;
    }
    if (send(text)) {
      els.input.value = "";
    }
    els.input.focus();
  });

  els.location.addEventListener("click", sendLocation);
  els.large.addEventListener("click", toggleLarge);
  els.tickets.addEventListener("click", function () {
    Z.tickets.openPanel();
  });
  els.more.addEventListener("click", function () {
    openLayer(els.sheet);
  });
  els.contrast.addEventListener("click", toggleContrast);
  els.clear.addEventListener("click", function () {
    openLayer(els.dialog);
  });
  els.sheetCancel.addEventListener("click", function () {
    closeLayer();
  });
  els.dialogCancel.addEventListener("click", function () {
    closeLayer();
  });
  els.dialogOk.addEventListener("click", clearConversation);
  els.mask.addEventListener("click", function () {
    closeLayer();
  });
  document.addEventListener("keydown", onLayerKey);

  els.input.addEventListener("focus", function () {
    // Mobile keyboards shrink the viewport; keep the latest message visible.
    setTimeout(scrollToBottom, 300);
  });
  // Whether the resident is reading the latest messages; a resize (keyboard,
  // rotation, larger text) then keeps them in view.
  var atBottom = true;
  els.list.addEventListener("scroll", function () {
    var l = els.list;
    atBottom = l.scrollHeight - l.scrollTop - l.clientHeight < 80;
  });
  function keepLatestInView() {
    if (atBottom || document.activeElement === els.input) {
      scrollToBottom();
    }
  }
  window.addEventListener("resize", keepLatestInView);
  if (window.visualViewport) {
    window.visualViewport.addEventListener("resize", keepLatestInView);
  }

  applyLarge(Z.storageGet(KEY_LARGE) === "1");
  applyContrast(Z.storageGet(KEY_CONTRAST) === "1");
  Z.tickets.init({
    sender: function () {
      return state.sender;
    },
    addBot: addBot,
    settleRating: settleRating,
    refreshCards: refreshCards,
    saveRecord: function () {
      saveHistory();
    }
  });
  renderAll();
  if (!state.history.length) {
    showWelcome();
  }
  refreshControls();
  recoverPending();
})();
