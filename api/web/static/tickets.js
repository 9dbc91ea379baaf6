/*
 * 智慧杨 chat page: the resident's tickets.
 *
 * - Progress: polls /api/my/tickets (ETag, so an unchanged list is a bodiless
 *   304) and tells the conversation about every new step staff take.
 *   Fast (3 s) right after the resident did something, backing off to once a
 *   minute while nothing changes; paused while the page is hidden, at once
 *   when it is shown again or the network comes back.
 * - Rating: a resolved ticket gets a card with 1–5 stars, a comment and 没解决.
 * - 我的工单: a full-screen list of the tickets with their timelines.
 */
(function () {
  "use strict";

  var Z = window.Zhy;
  var el = Z.el;

  var URL_MINE = "/api/my/tickets";
  var KEY_MEMORY = "zhy.tickets";
  var FAST_MS = 3000;
  var SLOW_MS = 60000;
  var BACKOFF = 1.6;
  var ERROR_MIN_MS = 10000;

  var INITIAL_KINDS = { created: true, dispatched: true };
  var KIND_NAMES = {
    created: "已登记",
    dispatched: "已派给工作站",
    signed: "工作站已签收",
    in_progress: "正在办理",
    resolved: "已办结",
    transferred: "已转交其他工作站",
    returned: "原工作站退回，正在改派",
    recategorised: "工作人员更正了问题类别",
    escalated: "已提请上级督办",
    duplicate_linked: "已与相同问题的工单一并办理",
    note: "工作站补充了办理情况",
    started: "正在办理",
    reopened: "重新办理",
    closed: "已归档",
    rated: "您已评价"
  };
  var STAR_WORDS = ["", "很不满意", "不满意", "一般", "满意", "非常满意"];

  var hooks = null;
  var memory = loadMemory();
  var poll = { timer: null, delay: FAST_MS, inflight: false, etag: null };
  var panel = {};

  function loadMemory() {
    var m = Z.loadJson(KEY_MEMORY, {});
    if (!Z.isPlainObject(m) || !Z.isPlainObject(m.numbers)) {
      m = { numbers: {} };
    }
    return m;
  }

  function saveMemory() {
    Z.saveJson(KEY_MEMORY, memory);
  }

  function known(number) {
    var t = memory.numbers[number];
    if (!Z.isPlainObject(t)) {
      t = { seen: [], asked: null, statusName: "" };
      memory.numbers[number] = t;
    }
    if (!Array.isArray(t.seen)) {
      t.seen = [];
    }
    return t;
  }

  function hasTickets() {
    return Object.keys(memory.numbers).length > 0;
  }

  function senderHeaders() {
    return { "X-Sender-Id": hooks.sender() };
  }

  /* ------------------------------------------------------------ progress */

  function eventLabel(event, ticket) {
    if (event.kind === "transferred") {
      return "已转交给" + ticket.station_name;
    }
    return event.status_name || KIND_NAMES[event.kind] || "有新的处理记录";
  }

  /* First sight of a ticket: its filing and first dispatch are not news. */
  function markInitial(memo, ticket) {
    var firsts = {};
    ticket.timeline.forEach(function (e) {
      if (INITIAL_KINDS[e.kind] && !firsts[e.kind]) {
        firsts[e.kind] = true;
        memo.seen.push(e.id);
      }
    });
  }

  function announce(ticket, events) {
    events.forEach(function (e) {
      var text = "您的工单 " + ticket.number + " 有新进展：" + eventLabel(e, ticket) + "。";
      if (e.note) {
        text += "\n说明：" + e.note;
      }
      hooks.addBot(text, { kind: "progress", number: ticket.number });
    });
  }

  function lastResolvedId(ticket) {
    var id = null;
    ticket.timeline.forEach(function (e) {
      if (e.status === "resolved") {
        id = e.id;
      }
    });
    return id == null ? "resolved" : id;
  }

  function askRating(ticket, memo) {
    var key = lastResolvedId(ticket);
    if (memo.asked === key) {
      return false;
    }
    memo.asked = key;
    hooks.addBot(null, { kind: "rating", number: ticket.number, state: "open" });
    return true;
  }

  /* Compare the list with what this page knew; returns whether anything changed. */
  function absorb(tickets) {
    var changed = false;
    tickets.forEach(function (ticket) {
      var memo = known(ticket.number);
      if (!memo.initialised) {
        markInitial(memo, ticket);
        memo.initialised = true;
        changed = true;
      }
      var fresh = ticket.timeline.filter(function (e) {
        return memo.seen.indexOf(e.id) < 0;
      });
      fresh.forEach(function (e) {
        memo.seen.push(e.id);
      });
      var news = fresh.filter(function (e) {
        return !e.by_resident;
      });
      if (news.length) {
        announce(ticket, news);
        changed = true;
      }
      if (memo.statusName !== ticket.status_name) {
        memo.statusName = ticket.status_name;
        changed = true;
      }
      if (ticket.awaiting_rating && askRating(ticket, memo)) {
        changed = true;
      } else if (!ticket.awaiting_rating && (ticket.rating || ticket.reopen_requested)) {
        // Answered in words in the chat: the card must not offer the question again.
        hooks.settleRating(ticket.number, ticket.rating ? "rated" : "reopened", ticket.rating);
      }
    });
    saveMemory();
    if (changed) {
      hooks.refreshCards();
    }
    return changed;
  }

  function schedule(ms) {
    clearTimeout(poll.timer);
    poll.timer = null;
    if (document.hidden) {
      return;
    }
    poll.timer = setTimeout(pollNow, ms);
  }

  function pollNow() {
    if (poll.inflight) {
      return;
    }
    poll.inflight = true;
    var headers = senderHeaders();
    if (poll.etag) {
      headers["If-None-Match"] = poll.etag;
    }
    var sender = hooks.sender();
    Z.request("GET", URL_MINE, { headers: headers, timeout: 15000 })
      .then(
        function (res) {
          if (sender !== hooks.sender()) {
            return;
          }
          if (res.status === 200 && res.data && Array.isArray(res.data.tickets)) {
            poll.etag = res.etag;
            poll.delay = absorb(res.data.tickets) ? FAST_MS : Math.min(poll.delay * BACKOFF, SLOW_MS);
          } else if (res.status === 304) {
            poll.delay = Math.min(poll.delay * BACKOFF, SLOW_MS);
          } else {
            poll.delay = Math.min(Math.max(poll.delay * 2, ERROR_MIN_MS), SLOW_MS);
          }
        },
        function () {
          poll.delay = Math.min(Math.max(poll.delay * 2, ERROR_MIN_MS), SLOW_MS);
        }
      )
      .then(function () {
        poll.inflight = false;
        if (hasTickets()) {
          schedule(poll.delay);
        }
      });
  }

  /* The resident did something (sent a message, got a ticket): look soon and often. */
  function poke() {
    poll.delay = FAST_MS;
    schedule(FAST_MS);
  }

  function noteTicket(number) {
    known(number);
    saveMemory();
    poke();
  }

  function statusOf(number) {
    var t = memory.numbers[number];
    return t && t.statusName ? t.statusName : "";
  }

  /* ------------------------------------------------------------- rating */

  function stars(n) {
    var s = "";
    for (var i = 1; i <= 5; i++) {
      s += i <= n ? "★" : "☆";
    }
    return s;
  }

  function renderRatingDone(card, rec) {
    Z.clear(card);
    card.appendChild(el("div", "rate-title", "工单 " + rec.number + (rec.state === "rated" ? " 您的评价" : "")));
    if (rec.state === "rated") {
      var line = el("div", "rate-result");
      line.appendChild(el("span", "rate-stars", stars(rec.stars)));
      line.appendChild(el("span", "", " " + STAR_WORDS[rec.stars]));
      line.setAttribute("aria-label", "您的评价：" + rec.stars + "星，" + STAR_WORDS[rec.stars]);
      card.appendChild(line);
    } else {
      card.appendChild(el("div", "rate-result", "已告诉工作站问题还没解决，会重新安排处理。"));
    }
  }

  function renderRatingCard(rec) {
    var card = el("section", "rate-card");
    card.setAttribute("aria-label", "为工单 " + rec.number + " 评价");
    card.setAttribute("data-number", rec.number);
    if (rec.state === "rated" || rec.state === "reopened") {
      renderRatingDone(card, rec);
      return card;
    }
    var chosen = 0;
    card.appendChild(el("div", "rate-title", "工单 " + rec.number + " 已办结，您满意吗？"));

    var row = el("div", "stars");
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", "满意度，1到5星");
    var hint = el("div", "star-hint", "点星星打分，5星最满意");
    var starButtons = [];
    for (var i = 1; i <= 5; i++) {
      var b = Z.button("star", "★", i + "星，" + STAR_WORDS[i]);
      b.setAttribute("aria-pressed", "false");
      b.setAttribute("data-stars", String(i));
      starButtons.push(b);
      row.appendChild(b);
    }
    card.appendChild(row);
    card.appendChild(hint);

    var commentId = "rate-comment-" + rec.id;
    var label = el("label", "rate-label", "还想说点什么？（可不填）");
    label.htmlFor = commentId;
    var comment = el("textarea", "rate-comment");
    comment.id = commentId;
    comment.rows = 2;
    comment.maxLength = 500;
    card.appendChild(label);
    card.appendChild(comment);

    var actions = el("div", "rate-actions");
    var submit = Z.button("btn btn-primary", "提交评价");
    submit.disabled = true;
    var notSolved = Z.button("btn btn-warn", "没解决", "问题没解决，请工作站重新办理");
    actions.appendChild(submit);
    actions.appendChild(notSolved);
    card.appendChild(actions);
    var error = el("p", "rate-error");
    error.setAttribute("role", "alert");
    card.appendChild(error);

    function choose(n) {
      chosen = n;
      starButtons.forEach(function (sb, idx) {
        var on = idx < n;
        sb.classList.toggle("is-on", on);
        sb.setAttribute("aria-pressed", idx === n - 1 ? "true" : "false");
      });
      hint.textContent = n + "星：" + STAR_WORDS[n];
      submit.disabled = false;
    }

    starButtons.forEach(function (sb) {
      sb.addEventListener("click", function () {
        choose(Number(sb.getAttribute("data-stars")));
      });
    });

    function busy(on) {
      submit.disabled = on || !chosen;
      notSolved.disabled = on;
    }

    function answer(path, body, done) {
      busy(true);
      error.textContent = "";
      Z.request("POST", URL_MINE + "/" + encodeURIComponent(rec.number) + "/" + path, {
        body: body,
        headers: senderHeaders()
      }).then(
        function (res) {
          if (res.ok) {
            done();
            return;
          }
          if (res.status === 409) {
            error.textContent = "这张工单已经评价或反馈过了，谢谢您。";
            return;
          }
          error.textContent = Z.failureText(res);
          busy(false);
        },
        function () {
          error.textContent = Z.failureText(null);
          busy(false);
        }
      );
    }

    submit.addEventListener("click", function () {
      if (!chosen) {
        return;
      }
      var text = comment.value.trim();
      answer("rating", { stars: chosen, comment: text || null }, function () {
        rec.state = "rated";
        rec.stars = chosen;
        hooks.saveRecord(rec);
        renderRatingDone(card, rec);
        hooks.addBot(
          chosen >= 4 ? "谢谢您的好评！老杨会继续努力。" : "收到您的评价，我们会转告工作站改进。",
          { kind: "notice" }
        );
        poke();
      });
    });

    notSolved.addEventListener("click", function () {
      var text = comment.value.trim();
      answer("reopen", { comment: text || null }, function () {
        rec.state = "reopened";
        hooks.saveRecord(rec);
        renderRatingDone(card, rec);
        hooks.addBot("抱歉问题还没解决。已请工作站重新办理，会尽快再联系您。", {
          kind: "notice"
        });
        poke();
      });
    });
    return card;
  }

  /* ------------------------------------------------------------ 我的工单 */

  function fieldRow(dl, label, value) {
    if (value == null || value === "") {
      return;
    }
    var row = el("div", "ticket-row");
    row.appendChild(el("dt", "ticket-label", label));
    row.appendChild(el("dd", "ticket-value", value));
    dl.appendChild(row);
  }

  function timeOf(iso) {
    var ts = Date.parse(iso);
    return isFinite(ts) ? Z.formatTime(ts) : "";
  }

  function dateTimeOf(iso) {
    var ts = Date.parse(iso);
    return isFinite(ts) ? Z.formatDateTime(ts) : "";
  }

  function renderTimeline(ticket) {
    var list = el("ol", "timeline");
    list.setAttribute("aria-label", "办理进度");
    ticket.timeline
      .slice()
      .reverse()
      .forEach(function (e, i) {
        var item = el("li", "timeline-item" + (i === 0 ? " is-latest" : ""));
        item.appendChild(el("span", "timeline-dot"));
        var body = el("div", "timeline-body");
        var label = e.kind === "rated" && e.note ? "您已评价" : eventLabel(e, ticket);
        body.appendChild(el("div", "timeline-label", label));
        if (e.note && e.kind !== "dispatched") {
          body.appendChild(el("div", "timeline-note", e.note));
        }
        body.appendChild(el("div", "timeline-time", timeOf(e.at)));
        item.appendChild(body);
        list.appendChild(item);
      });
    return list;
  }

  /* The rating card still waiting for an answer in the chat, if there is one. */
  function openRatingCard(number) {
    var cards = document.querySelectorAll(".rate-card");
    for (var i = cards.length - 1; i >= 0; i--) {
      if (cards[i].getAttribute("data-number") === number && cards[i].querySelector(".star")) {
        return cards[i];
      }
    }
    return null;
  }

  function renderTicketItem(ticket) {
    var item = el("article", "ticket-item");
    item.setAttribute("aria-label", "工单 " + ticket.number);
    var head = el("div", "ticket-item-head");
    head.appendChild(el("h3", "ticket-item-number", ticket.number));
    var badge = el("span", "status-badge status-" + ticket.status, ticket.status_name);
    head.appendChild(badge);
    item.appendChild(head);
    var dl = el("dl", "ticket-fields");
    fieldRow(dl, "类别", ticket.category + (ticket.emergency ? "（紧急）" : ""));
    fieldRow(dl, "承办站点", ticket.station_name);
    fieldRow(dl, "登记时间", dateTimeOf(ticket.created_at));
    fieldRow(dl, "约定联系", dateTimeOf(ticket.contact_due_at) + " 前");
    fieldRow(dl, "反映内容", ticket.description);
    fieldRow(dl, "地点", ticket.location_text);
    if (ticket.rating) {
      fieldRow(dl, "您的评价", stars(ticket.rating));
    }
    item.appendChild(dl);
    if (ticket.awaiting_rating) {
      var rate = Z.button("btn btn-primary ticket-item-rate", "去评价");
      rate.addEventListener("click", function () {
        closePanel();
        var open = openRatingCard(ticket.number);
        if (open) {
          open.scrollIntoView({ block: "center" });
          open.querySelector(".star").focus();
        } else {
          hooks.addBot(null, { kind: "rating", number: ticket.number, state: "open" });
        }
      });
      item.appendChild(rate);
    }
    item.appendChild(renderTimeline(ticket));
    return item;
  }

  function showPanelMessage(text, withRetry) {
    Z.clear(panel.body);
    var box = el("div", "panel-empty");
    box.appendChild(el("p", "", text));
    if (withRetry) {
      var retry = Z.button("btn btn-primary", "重新加载");
      retry.addEventListener("click", loadPanel);
      box.appendChild(retry);
    }
    panel.body.appendChild(box);
  }

  function loadPanel() {
    panel.body.setAttribute("aria-busy", "true");
    showPanelMessage("正在加载…", false);
    Z.request("GET", URL_MINE, { headers: senderHeaders(), timeout: 15000 })
      .then(
        function (res) {
          if (!res.ok || !res.data || !Array.isArray(res.data.tickets)) {
            showPanelMessage(Z.failureText(res), true);
            return;
          }
          absorb(res.data.tickets);
          if (!res.data.tickets.length) {
            showPanelMessage("您还没有登记过工单。回到聊天，告诉智慧杨遇到了什么事就行。", false);
            return;
          }
          Z.clear(panel.body);
          res.data.tickets.forEach(function (t) {
            panel.body.appendChild(renderTicketItem(t));
          });
        },
        function () {
          showPanelMessage(Z.failureText(null), true);
        }
      )
      .then(function () {
        panel.body.setAttribute("aria-busy", "false");
      });
  }

  function openPanel() {
    panel.opener = document.activeElement;
    panel.root.hidden = false;
    document.documentElement.classList.add("panel-open");
    panel.back.focus();
    loadPanel();
  }

  function closePanel() {
    if (panel.root.hidden) {
      return;
    }
    panel.root.hidden = true;
    document.documentElement.classList.remove("panel-open");
    if (panel.opener && typeof panel.opener.focus === "function") {
      panel.opener.focus();
    }
  }

  /* ---------------------------------------------------------------- init */

  function init(h) {
    hooks = h;
    panel.root = document.getElementById("tickets-view");
    panel.body = document.getElementById("tickets-list");
    panel.back = document.getElementById("btn-tickets-back");
    panel.back.addEventListener("click", closePanel);
    panel.root.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") {
        closePanel();
      }
    });
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) {
        clearTimeout(poll.timer);
      } else {
        pollNow();
      }
    });
    window.addEventListener("online", pollNow);
    pollNow();
  }

  /* 清空记录 keeps the tickets: only what the chat showed about them is forgotten. */
  function forgetPrompts() {
    poll.etag = null;
  }

  Z.tickets = {
    init: init,
    poke: poke,
    noteTicket: noteTicket,
    statusOf: statusOf,
    renderRatingCard: renderRatingCard,
    openPanel: openPanel,
    closePanel: closePanel,
    forgetPrompts: forgetPrompts
  };
})();
