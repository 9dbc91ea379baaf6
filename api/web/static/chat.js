/*
 * Resident chat page for 智慧杨 (老杨群工).
 *
 * Plain script, no dependencies, CSP-friendly: no inline handlers, no eval,
 * no innerHTML. Every piece of text coming from the server or the resident is
 * written with textContent so it is always shown literally.
 */
(function () {
  "use strict";

  var API_URL = "/api/chat";
  var REQUEST_TIMEOUT_MS = 30000;
  var TIME_GAP_MS = 5 * 60 * 1000;
  var MAX_HISTORY = 300;

  var KEY_SENDER = "zhy.sender";
  var KEY_HISTORY = "zhy.history";
  var KEY_LARGE = "zhy.large";

  var TEXT = {
    welcome:
      "您好，我是智慧杨。家里漏水、停水停电、邻里纠纷……直接告诉我就行，我帮您转给附近的老杨工作站。",
    welcomeReplies: ["家里漏水", "停电了", "邻里纠纷", "查工单进度"],
    network: "网络好像不太好，消息没发出去。",
    tooFast: "您发得太快啦，稍等几秒再试。",
    rejected: "这条消息没能发送，请换个说法试试。",
    retry: "重试",
    locationFailed:
      "没能获取到您的位置，没关系，直接告诉我街道和社区名称就行，比如「杨家坪街道天宝路社区」。",
    locationMessage: "我的位置",
    confirmClear: "确定要清空聊天记录吗？清空后就看不到之前的消息了。",
    typing: "智慧杨正在输入",
    botName: "智慧杨",
    ticketTitle: "工单信息",
    ticketFooter: "老杨群工 · 智慧杨",
    ticketFields: [
      ["number", "工单号"],
      ["category", "类别"],
      ["station", "承办站点"],
      ["contact_by", "预计联系"]
    ]
  };

  /* ------------------------------------------------------------------ */
  /* Storage helpers (localStorage may be unavailable or full)          */
  /* ------------------------------------------------------------------ */

  function storageGet(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  function storageSet(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (e) {
      /* ignore: the page still works without persistence */
    }
  }

  function storageRemove(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (e) {
      /* ignore */
    }
  }

  function randomId() {
    var c = window.crypto || window.msCrypto;
    if (c && typeof c.randomUUID === "function") {
      try {
        return c.randomUUID();
      } catch (e) {
        /* randomUUID needs a secure context; fall through */
      }
    }
    var bytes = new Uint8Array(16);
    if (c && typeof c.getRandomValues === "function") {
      c.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) {
        bytes[i] = Math.floor(Math.random() * 256);
      }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = "";
    for (var j = 0; j < 16; j++) {
      hex += (bytes[j] + 0x100).toString(16).slice(1);
      if (j === 3 || j === 5 || j === 7 || j === 9) {
        hex += "-";
      }
    }
    return hex;
  }

  function loadSender() {
    var id = storageGet(KEY_SENDER);
    if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
      id = randomId();
      storageSet(KEY_SENDER, id);
    }
    return id;
  }

  function isPlainObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
  }

  function sanitizeButtons(buttons) {
    if (!Array.isArray(buttons)) {
      return [];
    }
    var out = [];
    for (var i = 0; i < buttons.length && out.length < 12; i++) {
      var b = buttons[i];
      if (!isPlainObject(b)) {
        continue;
      }
      var title = b.title == null ? "" : String(b.title);
      var payload = b.payload == null ? title : String(b.payload);
      if (!title && !payload) {
        continue;
      }
      out.push({ title: title || payload, payload: payload || title });
    }
    return out;
  }

  function loadHistory() {
    var raw = storageGet(KEY_HISTORY);
    if (!raw) {
      return [];
    }
    try {
      var data = JSON.parse(raw);
      if (!Array.isArray(data)) {
        return [];
      }
      return data.filter(function (r) {
        return (
          isPlainObject(r) &&
          (r.role === "bot" || r.role === "user") &&
          typeof r.ts === "number" &&
          typeof r.id === "string"
        );
      });
    } catch (e) {
      return [];
    }
  }

  function saveHistory() {
    if (state.history.length > MAX_HISTORY) {
      state.history = state.history.slice(state.history.length - MAX_HISTORY);
    }
    storageSet(KEY_HISTORY, JSON.stringify(state.history));
  }

  /* ------------------------------------------------------------------ */
  /* State and DOM references                                            */
  /* ------------------------------------------------------------------ */

  var els = {
    root: document.documentElement,
    list: document.getElementById("messages"),
    form: document.getElementById("composer"),
    input: document.getElementById("input"),
    send: document.getElementById("btn-send"),
    location: document.getElementById("btn-location"),
    large: document.getElementById("btn-large"),
    clear: document.getElementById("btn-clear")
  };

  var state = {
    sender: loadSender(),
    history: loadHistory(),
    busy: false,
    locating: false,
    generation: 0,
    typingEl: null
  };

  /* ------------------------------------------------------------------ */
  /* Time labels                                                         */
  /* ------------------------------------------------------------------ */

  function pad2(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function formatTime(ts) {
    var d = new Date(ts);
    var now = new Date();
    var hm = pad2(d.getHours()) + ":" + pad2(d.getMinutes());
    var startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
    if (ts >= startOfToday) {
      return hm;
    }
    if (ts >= startOfToday - 24 * 60 * 60 * 1000) {
      return "昨天 " + hm;
    }
    if (d.getFullYear() === now.getFullYear()) {
      return d.getMonth() + 1 + "月" + d.getDate() + "日 " + hm;
    }
    return d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日 " + hm;
  }

  /* ------------------------------------------------------------------ */
  /* Rendering                                                           */
  /* ------------------------------------------------------------------ */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text != null) {
      node.textContent = String(text);
    }
    return node;
  }

  function scrollToBottom() {
    var list = els.list;
    list.scrollTop = list.scrollHeight;
  }

  function renderTicketCard(ticket) {
    var card = el("section", "ticket-card");
    card.setAttribute("aria-label", TEXT.ticketTitle);

    var head = el("div", "ticket-head");
    var badge = el("span", "ticket-badge");
    badge.setAttribute("aria-hidden", "true");
    head.appendChild(badge);
    head.appendChild(el("span", "ticket-title", TEXT.ticketTitle));
    card.appendChild(head);

    var dl = el("dl", "ticket-fields");
    TEXT.ticketFields.forEach(function (field) {
      var value = ticket[field[0]];
      if (value == null || value === "") {
        return;
      }
      var row = el("div", "ticket-row");
      row.appendChild(el("dt", "ticket-label", field[1]));
      row.appendChild(
        el("dd", "ticket-value" + (field[0] === "number" ? " ticket-number" : ""), value)
      );
      dl.appendChild(row);
    });
    card.appendChild(dl);

    card.appendChild(el("div", "ticket-foot", TEXT.ticketFooter));
    return card;
  }

  function renderChips(rec) {
    var buttons = rec.buttons || [];
    if (!buttons.length && !rec.retry) {
      return null;
    }
    var wrap = el("div", "chips");
    wrap.setAttribute("role", "group");
    wrap.setAttribute("aria-label", "快捷回复");

    buttons.forEach(function (b) {
      var chip = el("button", "chip", b.title);
      chip.type = "button";
      chip.disabled = isBlocked();
      chip.addEventListener("click", function () {
        if (isBlocked()) {
          return;
        }
        send(b.payload, { display: b.title });
      });
      wrap.appendChild(chip);
    });

    if (rec.retry) {
      var retry = el("button", "chip chip-retry", TEXT.retry);
      retry.type = "button";
      retry.disabled = isBlocked();
      retry.setAttribute("aria-label", TEXT.retry + "：重新发送刚才的消息");
      retry.addEventListener("click", function () {
        if (isBlocked()) {
          return;
        }
        retryRecord(rec.id);
      });
      wrap.appendChild(retry);
    }
    return wrap;
  }

  function renderRecord(rec, prevTs, showChips) {
    var entry = el("div", "entry");
    entry.setAttribute("data-id", rec.id);

    if (prevTs == null || rec.ts - prevTs > TIME_GAP_MS) {
      entry.appendChild(el("div", "time", formatTime(rec.ts)));
    }

    var row = el("div", "msg " + (rec.role === "user" ? "msg-user" : "msg-bot"));

    if (rec.role === "bot") {
      var avatar = el("img", "avatar");
      avatar.src = "avatar.svg";
      avatar.alt = TEXT.botName;
      avatar.width = 40;
      avatar.height = 40;
      row.appendChild(avatar);
    }

    var stack = el("div", "stack");
    var hasText = typeof rec.text === "string" && rec.text !== "";
    if (hasText) {
      var bubble = el("div", "bubble", rec.text);
      if (rec.kind === "error") {
        bubble.className += " bubble-notice";
      }
      stack.appendChild(bubble);
    }
    if (rec.ticket) {
      stack.appendChild(renderTicketCard(rec.ticket));
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
    var list = els.list;
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    state.typingEl = null;
    var cut = lastUserIndex();
    var frag = document.createDocumentFragment();
    var prevTs = null;
    state.history.forEach(function (rec, i) {
      frag.appendChild(renderRecord(rec, prevTs, i > cut));
      prevTs = rec.ts;
    });
    list.appendChild(frag);
    scrollToBottom();
  }

  function removeChips() {
    var nodes = els.list.querySelectorAll(".chips");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].parentNode.removeChild(nodes[i]);
    }
  }

  function appendRecord(rec) {
    var prev = state.history.length ? state.history[state.history.length - 1].ts : null;
    rec.id = rec.id || randomId();
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
    state.history = state.history.filter(function (r) {
      return r.id !== id;
    });
    saveHistory();
    var nodes = els.list.querySelectorAll(".entry");
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].getAttribute("data-id") === id) {
        nodes[i].parentNode.removeChild(nodes[i]);
      }
    }
  }

  function addBot(text, extra) {
    var rec = { role: "bot", text: text };
    if (extra) {
      for (var k in extra) {
        if (Object.prototype.hasOwnProperty.call(extra, k)) {
          rec[k] = extra[k];
        }
      }
    }
    return appendRecord(rec);
  }

  function showWelcome() {
    addBot(TEXT.welcome, {
      kind: "welcome",
      buttons: TEXT.welcomeReplies.map(function (t) {
        return { title: t, payload: t };
      })
    });
  }

  function showTyping() {
    hideTyping();
    var row = el("div", "msg msg-bot typing-row");
    var avatar = el("img", "avatar");
    avatar.src = "avatar.svg";
    avatar.alt = "";
    avatar.width = 40;
    avatar.height = 40;
    row.appendChild(avatar);
    var bubble = el("div", "bubble typing");
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

  /* ------------------------------------------------------------------ */
  /* Busy state                                                          */
  /* ------------------------------------------------------------------ */

  function isBlocked() {
    return state.busy || state.locating;
  }

  function refreshControls() {
    var blocked = isBlocked();
    els.send.disabled = blocked;
    els.location.disabled = blocked;
    els.list.setAttribute("aria-busy", state.busy ? "true" : "false");
    var chips = els.list.querySelectorAll(".chip");
    for (var i = 0; i < chips.length; i++) {
      chips[i].disabled = blocked;
    }
  }

  function setBusy(v) {
    state.busy = v;
    refreshControls();
  }

  function setLocating(v) {
    state.locating = v;
    els.location.classList.toggle("is-working", v);
    refreshControls();
  }

  /* ------------------------------------------------------------------ */
  /* Networking                                                          */
  /* ------------------------------------------------------------------ */

  function postChat(message, metadata) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = null;
    if (controller) {
      timer = setTimeout(function () {
        controller.abort();
      }, REQUEST_TIMEOUT_MS);
    }
    return fetch(API_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
      body: JSON.stringify({ sender: state.sender, message: message, metadata: metadata || {} }),
      signal: controller ? controller.signal : undefined
    })
      .then(function (resp) {
        return resp.text().then(function (body) {
          var data = null;
          try {
            data = body ? JSON.parse(body) : null;
          } catch (e) {
            data = null;
          }
          return { status: resp.status, ok: resp.ok, data: data };
        });
      })
      .then(
        function (res) {
          clearTimeout(timer);
          return res;
        },
        function (err) {
          clearTimeout(timer);
          throw err;
        }
      );
  }

  function renderReplies(data) {
    var shown = 0;
    data.forEach(function (m) {
      if (!isPlainObject(m)) {
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
      if (isPlainObject(m.custom) && m.custom.type === "ticket") {
        var t = m.custom;
        rec.ticket = {};
        TEXT.ticketFields.forEach(function (f) {
          if (t[f[0]] != null && t[f[0]] !== "") {
            rec.ticket[f[0]] = String(t[f[0]]);
          }
        });
      }
      if (rec.text || rec.ticket || rec.buttons) {
        appendRecord(rec);
        shown++;
      }
    });
    return shown;
  }

  function failWith(text, retryPayload) {
    var extra = { kind: "error" };
    if (retryPayload) {
      extra.retry = retryPayload;
    }
    addBot(text, extra);
  }

  /*
   * Send a message to the bot.
   * opts.display: text for the resident bubble (null = no new bubble, used by retry)
   * opts.metadata: extra metadata, e.g. { location: { lat, lon } }
   */
  function send(message, opts) {
    opts = opts || {};
    if (state.busy || typeof message !== "string" || !message.trim()) {
      return false;
    }
    var metadata = opts.metadata || {};
    var display = opts.display === undefined ? message : opts.display;

    if (display !== null) {
      appendRecord({ role: "user", text: display });
    } else {
      removeChips();
    }

    var generation = state.generation;
    setBusy(true);
    showTyping();

    var retryPayload = { message: message, metadata: metadata };

    postChat(message, metadata)
      .then(
        function (res) {
          if (generation !== state.generation) {
            return;
          }
          hideTyping();
          if (res.ok) {
            if (Array.isArray(res.data)) {
              renderReplies(res.data);
            } else {
              failWith(TEXT.network, retryPayload);
            }
          } else if (res.status === 429) {
            failWith(TEXT.tooFast, retryPayload);
          } else if (res.status >= 500) {
            failWith(TEXT.network, retryPayload);
          } else {
            var detail = res.data && typeof res.data.detail === "string" ? res.data.detail.trim() : "";
            failWith(detail || TEXT.rejected, null);
          }
        },
        function () {
          if (generation !== state.generation) {
            return;
          }
          hideTyping();
          failWith(TEXT.network, retryPayload);
        }
      )
      .then(function () {
        if (generation === state.generation) {
          setBusy(false);
        }
      });
    return true;
  }

  function retryRecord(id) {
    var rec = null;
    for (var i = 0; i < state.history.length; i++) {
      if (state.history[i].id === id) {
        rec = state.history[i];
        break;
      }
    }
    if (!rec || !rec.retry) {
      return;
    }
    var payload = rec.retry;
    removeRecord(id);
    send(String(payload.message), {
      display: null,
      metadata: isPlainObject(payload.metadata) ? payload.metadata : {}
    });
  }

  /* ------------------------------------------------------------------ */
  /* Location                                                            */
  /* ------------------------------------------------------------------ */

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
        send(TEXT.locationMessage, { metadata: { location: { lat: lat, lon: lon } } });
      },
      function () {
        setLocating(false);
        if (generation !== state.generation) {
          return;
        }
        addBot(TEXT.locationFailed, { kind: "notice" });
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  /* ------------------------------------------------------------------ */
  /* Large text toggle and clearing                                      */
  /* ------------------------------------------------------------------ */

  function applyLarge(on) {
    els.root.classList.toggle("large", on);
    els.large.setAttribute("aria-pressed", on ? "true" : "false");
  }

  function toggleLarge() {
    var on = !els.root.classList.contains("large");
    applyLarge(on);
    storageSet(KEY_LARGE, on ? "1" : "0");
    scrollToBottom();
  }

  function clearConversation() {
    if (!window.confirm(TEXT.confirmClear)) {
      return;
    }
    state.generation++;
    hideTyping();
    state.history = [];
    storageRemove(KEY_HISTORY);
    state.sender = randomId();
    storageSet(KEY_SENDER, state.sender);
    state.busy = false;
    state.locating = false;
    els.location.classList.remove("is-working");
    renderAll();
    showWelcome();
    refreshControls();
    els.input.value = "";
  }

  /* ------------------------------------------------------------------ */
  /* Wiring                                                              */
  /* ------------------------------------------------------------------ */

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
  els.clear.addEventListener("click", clearConversation);

  els.input.addEventListener("focus", function () {
    // Mobile keyboards shrink the viewport; keep the latest message visible.
    setTimeout(scrollToBottom, 300);
  });

  if (window.visualViewport) {
    window.visualViewport.addEventListener("resize", function () {
      if (document.activeElement === els.input) {
        scrollToBottom();
      }
    });
  }

  applyLarge(storageGet(KEY_LARGE) === "1");
  renderAll();
  if (!state.history.length) {
    showWelcome();
  }
  refreshControls();
})();
