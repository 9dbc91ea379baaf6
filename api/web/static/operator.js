/*
 * 智慧杨 运营台: review what the bot misheard, export, retrain, compare and promote models.
 *
 * Talks to /api/operator with a district operator's bearer token, kept in
 * sessionStorage for this tab only. Same rules as the chat page: no inline
 * script or style, no innerHTML; every text from the server is written with
 * textContent. Every failure becomes one short Chinese line.
 */
(function () {
  "use strict";

  var Z = window.Zhy;
  var el = Z.el;
  var clear = Z.clear;

  var TOKEN_KEY = "zhy.operator.token";
  var API = "/api/operator";
  var POLL_MS = 2000;
  var OPERATOR_ROLE = "district_operator";

  var REASONS = [
    ["low_confidence", "置信度低"],
    ["fallback", "没听懂（兜底）"],
    ["handoff", "转人工"],
    ["corrected", "居民纠正了类别"],
    ["returned", "工单被退回"],
    ["recategorised", "工作人员改了类别"],
    ["place_unusable", "地点没用上"],
    ["reopened", "居民说没解决（重办）"]
  ];
  var REASON_NAMES = {};
  REASONS.forEach(function (r) {
    REASON_NAMES[r[0]] = r[1];
  });
  var ACTION_NAMES = {
    confirm: "确认无误",
    relabel: "改标",
    noise: "标为无效",
    mark_test: "存为对话测试",
    promote: "上线",
    rollback: "回滚"
  };
  var STATUS_NAMES = {
    pending: "待处理",
    confirmed: "确认无误",
    relabelled: "已改标",
    noise: "无效消息"
  };
  var VERSION_STATUS = { candidate: "候选", serving: "在用", retired: "已退役" };
  var JOB_STATUS = { running: "进行中", succeeded: "已完成", failed: "失败" };
  var FIELD_NAMES = {
    username: "用户名",
    password: "密码",
    intent: "意图",
    service_code: "类别",
    note: "备注",
    expected_version: "版本",
    override_reason: "理由",
    min_confidence: "置信度下限",
    max_confidence: "置信度上限",
    since: "开始日期",
    until: "结束日期",
    q: "搜索文字"
  };
  var HEADLINES = [
    ["service_code_macro_f1", "类别宏平均 F1"],
    ["service_code_accuracy", "类别准确率"],
    ["emergency_recall", "紧急情况识别率"],
    ["emergency_false_alarm_rate", "紧急误报率", true],
    ["non_report_rejection_rate", "非报事不立单率"],
    ["outcome_accuracy", "处理结果正确率"]
  ];

  var state = {
    token: null,
    me: null,
    labels: [],
    labelNames: {},
    codeNames: {},
    tab: "inbox",
    detail: null,
    jobId: null,
    pollTimer: null,
    jobRunning: null,
    versionId: null
  };

  function $(id) {
    return document.getElementById(id);
  }

  /* ------------------------------------------------------------ helpers */

  function show(node, visible) {
    node.hidden = !visible;
  }

  function say(node, text) {
    node.textContent = text || "";
    show(node, Boolean(text));
  }

  function pct(value, digits) {
    if (value == null || isNaN(value)) {
      return "—";
    }
    return (value * 100).toFixed(digits == null ? 1 : digits) + "%";
  }

  function when(iso) {
    if (!iso) {
      return "—";
    }
    var t = Date.parse(iso);
    return isNaN(t) ? "—" : Z.formatDateTime(t);
  }

  function intentName(intent) {
    if (!intent) {
      return "（无）";
    }
    return state.labelNames[intent] || intent;
  }

  function codeName(code) {
    if (!code || code === "(none)") {
      return "（不立单）";
    }
    return state.codeNames[code] || code;
  }

  /* "staff:wang.li" as people say it: wang.li. */
  function actorName(actor) {
    return String(actor || "").replace(/^staff:/, "");
  }

  function hasChinese(text) {
    return /[\u4e00-\u9fff]/.test(text);
  }

  /* One friendly Chinese line for any failed answer (never JSON or a stack). */
  function failure(res) {
    if (!res) {
      return "网络好像断了，没连上服务器。请检查网络后再试。";
    }
    var detail = res.data ? res.data.detail : null;
    if (res.status === 403) {
      return "没有权限：这个账号不能使用运营台，请用区级运营账号登录。";
    }
    if (res.status === 429) {
      return typeof detail === "string" && hasChinese(detail)
        ? detail
        : "操作太频繁了，请稍等一会儿再试。";
    }
    if (Array.isArray(detail)) {
      var fields = [];
      detail.forEach(function (d) {
        var loc = Array.isArray(d.loc) ? d.loc[d.loc.length - 1] : "";
        var name = FIELD_NAMES[loc];
        var msg = typeof d.msg === "string" && hasChinese(d.msg) ? d.msg : "";
        if (name) {
          fields.push(msg ? name + "：" + msg : name);
        }
      });
      return fields.length
        ? "填写的内容不对（" + fields.join("；") + "），请检查后再试。"
        : "填写的内容不对，请检查后再试。";
    }
    if (detail && typeof detail === "object" && typeof detail.message === "string") {
      return detail.message;
    }
    if (typeof detail === "string" && hasChinese(detail)) {
      return detail;
    }
    if (res.status === 404) {
      return "没找到，可能已被删除，请刷新后再看。";
    }
    if (res.status >= 500) {
      return "服务器出了点问题，请稍后再试；一直不行请联系技术人员。";
    }
    return "没能办成，请稍后再试。";
  }

  var notice = $("notice");
  var noticeTimer = null;

  function flash(text) {
    say(notice, text);
    clearTimeout(noticeTimer);
    if (text) {
      noticeTimer = setTimeout(function () {
        say(notice, "");
      }, 8000);
    }
  }

  /* ---------------------------------------------------------------- HTTP */

  /*
   * An authorised request. Resolves {ok, status, data} (res null when the
   * network failed). A 401 ends the session and returns to the login form.
   */
  function api(method, path, body) {
    var opts = { headers: { Authorization: "Bearer " + state.token } };
    if (body !== undefined) {
      opts.body = body;
    }
    var url = path.charAt(0) === "/" && path.indexOf("/api/") === 0 ? path : API + path;
    return Z.request(method, url, opts).then(
      function (res) {
        if (res.status === 401 && state.token) {
          logout("登录已过期或已在别处退出，请重新登录。");
        }
        return res;
      },
      function () {
        return null;
      }
    );
  }

  function ok(res) {
    return Boolean(res && res.ok);
  }

  /* ---------------------------------------------------------------- login */

  function showLogin(message) {
    stopPolling();
    state.token = null;
    state.me = null;
    show($("view-login"), true);
    show($("nav"), false);
    show($("who"), false);
    show($("btn-logout"), false);
    ["inbox", "train", "models"].forEach(function (name) {
      show($("view-" + name), false);
    });
    say($("login-error"), message || "");
    $("btn-login").disabled = false;
    $("login-password").value = "";
    $("login-username").focus();
  }

  function logout(message) {
    var token = state.token;
    Z.tabTokenSet(TOKEN_KEY, null);
    if (token) {
      Z.request("POST", "/api/auth/logout", {
        headers: { Authorization: "Bearer " + token }
      }).catch(function () {});
    }
    showLogin(message);
  }

  function refuseRole() {
    logout("没有权限：这个账号不是区级运营人员，不能使用运营台。请换运营账号登录。");
  }

  /* Who is logged in; only district operators get past this. */
  function enter() {
    return api("GET", "/api/auth/me").then(function (res) {
      if (!state.token) {
        return;
      }
      if (!ok(res)) {
        showLogin(failure(res));
        return;
      }
      if (res.data.role !== OPERATOR_ROLE) {
        refuseRole();
        return;
      }
      state.me = res.data;
      $("who").textContent = res.data.display_name + "（" + res.data.username + "）";
      show($("who"), true);
      show($("btn-logout"), true);
      show($("view-login"), false);
      show($("nav"), true);
      return loadLabels().then(function () {
        selectTab(state.tab, false);
      });
    });
  }

  function login(ev) {
    ev.preventDefault();
    var username = $("login-username").value.trim();
    var password = $("login-password").value;
    if (!username || !password) {
      say($("login-error"), "请填写用户名和密码。");
      return;
    }
    say($("login-error"), "");
    $("btn-login").disabled = true;
    Z.request("POST", "/api/auth/token", { body: { username: username, password: password } })
      .then(null, function () {
        return null;
      })
      .then(function (res) {
        $("btn-login").disabled = false;
        if (!ok(res)) {
          var text =
            res && res.status === 401 ? "用户名或密码不正确。" : failure(res);
          say($("login-error"), text);
          return;
        }
        state.token = res.data.access_token;
        Z.tabTokenSet(TOKEN_KEY, state.token);
        $("login-password").value = "";
        enter();
      });
  }

  /* --------------------------------------------------------------- labels */

  function loadLabels() {
    return api("GET", "/labels").then(function (res) {
      if (!ok(res)) {
        if (res && res.status === 403) {
          refuseRole();
        } else if (state.token) {
          flash("意图列表没加载出来：" + failure(res));
        }
        return;
      }
      state.labels = res.data;
      state.labelNames = {};
      state.codeNames = {};
      res.data.forEach(function (l) {
        state.labelNames[l.intent] = l.name;
        if (l.service_code && l.intent.indexOf("report_") === 0) {
          state.codeNames[l.service_code] = l.name.replace(/^报事：/, "");
        }
      });
      fillIntentSelect($("f-intent"), "全部意图");
      fillIntentSelect($("decide-intent"), "请选择正确的意图…");
    });
  }

  function labelGroup(intent) {
    if (intent.indexOf("report_") === 0) {
      return "报事";
    }
    if (intent.indexOf("emergency_") === 0) {
      return "紧急情况";
    }
    return "对话";
  }

  function fillIntentSelect(select, placeholder) {
    var keep = select.value;
    clear(select);
    var first = el("option", null, placeholder);
    first.value = "";
    select.appendChild(first);
    var groups = {};
    ["报事", "紧急情况", "对话"].forEach(function (name) {
      var g = el("optgroup");
      g.label = name;
      groups[name] = g;
    });
    state.labels.forEach(function (l) {
      var option = el("option", null, l.name);
      option.value = l.intent;
      groups[labelGroup(l.intent)].appendChild(option);
    });
    Object.keys(groups).forEach(function (name) {
      if (groups[name].children.length) {
        select.appendChild(groups[name]);
      }
    });
    select.value = keep;
  }

  /* ----------------------------------------------------------------- tabs */

  var TABS = ["inbox", "train", "models"];

  function selectTab(name, focus) {
    state.tab = name;
    TABS.forEach(function (t) {
      var tab = $("tab-" + t);
      var on = t === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      show($("view-" + t), on);
    });
    if (focus) {
      $("tab-" + name).focus();
    }
    if (name === "inbox") {
      loadInbox();
    } else if (name === "train") {
      loadJobs(true);
    } else if (name === "models") {
      loadModels();
    }
    if (name !== "train") {
      stopPolling();
    }
  }

  function tabKeys(ev) {
    var i = TABS.indexOf(state.tab);
    var next = null;
    if (ev.key === "ArrowDown" || ev.key === "ArrowRight") {
      next = TABS[(i + 1) % TABS.length];
    } else if (ev.key === "ArrowUp" || ev.key === "ArrowLeft") {
      next = TABS[(i + TABS.length - 1) % TABS.length];
    } else if (ev.key === "Home") {
      next = TABS[0];
    } else if (ev.key === "End") {
      next = TABS[TABS.length - 1];
    }
    if (next) {
      ev.preventDefault();
      selectTab(next, true);
    }
  }

  /* ---------------------------------------------------------------- inbox */

  function dayStart(value, addDays) {
    var parts = value.split("-");
    var d = new Date(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2]) + addDays);
    return d.toISOString();
  }

  function percentParam(input) {
    var raw = input.value.trim();
    if (raw === "") {
      return null;
    }
    var n = Number(raw);
    if (isNaN(n) || n < 0 || n > 100) {
      return NaN;
    }
    return n / 100;
  }

  function inboxQuery() {
    var p = new URLSearchParams();
    var status = $("f-status").value;
    if (status === "all") {
      p.set("all_statuses", "true");
    } else {
      p.set("status", status);
    }
    p.set("flagged_only", $("f-flagged").checked ? "true" : "false");
    if ($("f-reason").value) {
      p.set("reason", $("f-reason").value);
    }
    if ($("f-intent").value) {
      p.set("intent", $("f-intent").value);
    }
    var lo = percentParam($("f-min"));
    var hi = percentParam($("f-max"));
    if ((lo !== null && isNaN(lo)) || (hi !== null && isNaN(hi))) {
      return { error: "置信度请填 0 到 100 之间的数。" };
    }
    if (lo !== null && hi !== null && lo > hi) {
      return { error: "置信度的下限比上限还大，请改一下。" };
    }
    if (lo !== null) {
      p.set("min_confidence", String(lo));
    }
    if (hi !== null) {
      p.set("max_confidence", String(hi));
    }
    var since = $("f-since").value;
    var until = $("f-until").value;
    if (since && until && since > until) {
      return { error: "开始日期比结束日期还晚，请改一下。" };
    }
    if (since) {
      p.set("since", dayStart(since, 0));
    }
    if (until) {
      p.set("until", dayStart(until, 1));
    }
    var q = $("f-q").value.trim();
    if (q) {
      p.set("q", q);
    }
    return { query: p.toString() };
  }

  var inboxSeq = 0;

  function loadInbox() {
    var built = inboxQuery();
    var line = $("inbox-status");
    if (built.error) {
      line.textContent = built.error;
      line.className = "status-line is-error";
      return Promise.resolve();
    }
    var seq = ++inboxSeq;
    line.textContent = "正在加载…";
    line.className = "status-line";
    $("inbox-table").setAttribute("aria-busy", "true");
    return api("GET", "/inbox?" + built.query).then(function (res) {
      if (seq !== inboxSeq) {
        return;
      }
      $("inbox-table").removeAttribute("aria-busy");
      if (!ok(res)) {
        if (state.token) {
          line.textContent = "没加载出来：" + failure(res);
          line.className = "status-line is-error";
        }
        return;
      }
      renderInbox(res.data);
    });
  }

  function renderInbox(data) {
    var rows = $("inbox-rows");
    clear(rows);
    var groups = data.groups || [];
    var total = 0;
    groups.forEach(function (g) {
      total += g.count;
      rows.appendChild(groupRow(g));
    });
    var text = groups.length
      ? "共 " + groups.length + " 组、" + total + " 条消息"
      : "没有符合条件的消息。";
    if (data.taken_in) {
      text += "（刚收进 " + data.taken_in + " 条新消息）";
    }
    var line = $("inbox-status");
    line.textContent = text;
    line.className = "status-line";
  }

  function groupRow(g) {
    var item = g.sample;
    var tr = el("tr", "group-row");
    tr.setAttribute("data-item-id", String(item.id));
    if (state.detail && state.detail.item.id === item.id) {
      tr.className += " is-open";
    }
    var first = el("td", "cell-text");
    var open = Z.button("link", item.text);
    open.setAttribute("aria-label", "查看：" + item.text);
    open.addEventListener("click", function () {
      openItem(item.id);
    });
    first.appendChild(open);
    if (item.status !== "pending") {
      first.appendChild(el("span", "badge badge-" + item.status, item.status_name));
    }
    tr.appendChild(first);
    tr.appendChild(el("td", "num", String(g.count)));
    var reasons = el("td");
    (g.reasons || []).forEach(function (r) {
      reasons.appendChild(el("span", "tag", REASON_NAMES[r] || r));
    });
    if (!g.reasons || !g.reasons.length) {
      reasons.appendChild(el("span", "muted", "—"));
    }
    tr.appendChild(reasons);
    tr.appendChild(el("td", null, predictedText(g)));
    tr.appendChild(el("td", "num", pct(g.mean_confidence, 0)));
    tr.appendChild(el("td", "nowrap", when(item.message_at)));
    return tr;
  }

  function predictedText(g) {
    var parts = (g.predicted || []).map(function (p) {
      var name = intentName(p[0]);
      return g.predicted.length > 1 ? name + " ×" + p[1] : name;
    });
    return parts.length ? parts.join("、") : intentName(g.sample.predicted_intent);
  }

  /* --------------------------------------------------------------- detail */

  function openItem(id, keepMessages) {
    show($("detail"), true);
    $("detail").parentNode.classList.add("has-detail");
    if (!keepMessages) {
      say($("detail-conflict"), "");
      say($("detail-done"), "");
    }
    say($("decide-error"), "");
    Array.prototype.forEach.call(document.querySelectorAll(".group-row"), function (row) {
      row.classList.toggle("is-open", row.getAttribute("data-item-id") === String(id));
    });
    return api("GET", "/inbox/items/" + id).then(function (res) {
      if (!ok(res)) {
        if (state.token) {
          say($("decide-error"), "这条消息没打开：" + failure(res));
        }
        return;
      }
      state.detail = res.data;
      renderDetail(res.data);
      if (!keepMessages) {
        $("detail-title").focus();
      }
    });
  }

  function fact(list, term, value) {
    if (value == null || value === "") {
      return;
    }
    list.appendChild(el("dt", null, term));
    var dd = el("dd");
    if (typeof value === "string") {
      dd.textContent = value;
    } else {
      dd.appendChild(value);
    }
    list.appendChild(dd);
  }

  function renderDetail(d) {
    var item = d.item;
    var facts = $("detail-facts");
    clear(facts);
    fact(facts, "原话", el("q", "quote", item.text));
    fact(
      facts,
      "机器人判断",
      intentName(item.predicted_intent) +
        (item.confidence != null ? "（置信度 " + pct(item.confidence, 0) + "）" : "")
    );
    var reasons = el("span");
    item.reasons.forEach(function (r) {
      reasons.appendChild(el("span", "tag", REASON_NAMES[r] || r));
    });
    fact(facts, "为何复核", item.reasons.length ? reasons : "没有被标记（普通消息）");
    fact(facts, "工作人员说明", item.context_note);
    fact(
      facts,
      "建议改为",
      item.suggested_intent ? intentName(item.suggested_intent) : null
    );
    fact(facts, "工单", item.ticket_number);
    var status = item.status_name || STATUS_NAMES[item.status] || item.status;
    if (item.label_intent && item.status === "relabelled") {
      status += "：" + intentName(item.label_intent);
    }
    if (item.decided_by) {
      status += "（" + actorName(item.decided_by) + "，" + when(item.decided_at) + "）";
    }
    if (item.for_test) {
      status += "；已存为对话测试";
    }
    fact(facts, "现在状态", status);
    fact(facts, "时间", when(item.message_at));

    var talk = $("detail-talk");
    clear(talk);
    if (!d.conversation.length) {
      talk.appendChild(el("li", "muted", "这条来自工单，没有对话记录。"));
    }
    d.conversation.forEach(function (turn) {
      var bot = turn.speaker === "bot";
      var li = el("li", "turn " + (bot ? "turn-bot" : "turn-user"));
      if (turn.is_reviewed) {
        li.className += " is-reviewed";
        li.setAttribute("aria-current", "true");
      }
      var head = el("span", "turn-who", bot ? "智慧杨" : "居民");
      li.appendChild(head);
      li.appendChild(el("span", "turn-text", turn.text));
      var meta = Z.formatDateTime(Date.parse(turn.at));
      if (!bot && turn.intent) {
        meta += " · " + intentName(turn.intent);
      }
      if (turn.is_reviewed) {
        meta += " · 正在复核这句";
      }
      li.appendChild(el("span", "turn-meta", meta));
      talk.appendChild(li);
    });

    var hist = $("detail-history");
    clear(hist);
    if (!d.decisions.length) {
      hist.appendChild(el("li", "muted", "还没有人处理过。"));
    }
    d.decisions.forEach(function (dec) {
      var text =
        when(dec.decided_at) +
        " " +
        actorName(dec.actor) +
        " " +
        (ACTION_NAMES[dec.action] || dec.action) +
        (dec.action === "relabel" && dec.intent ? "为 " + intentName(dec.intent) : "") +
        (dec.note ? "，备注：" + dec.note : "");
      hist.appendChild(el("li", null, text));
    });

    // The relabel list starts on what staff's correction points to, if anything.
    $("decide-intent").value =
      item.suggested_intent || (item.status === "relabelled" ? item.label_intent : "") || "";
    var others = d.group_size - 1;
    show($("decide-group-wrap"), others > 0);
    $("decide-group").checked = false;
    $("decide-group-label").textContent =
      "同组 " + d.group_size + " 条一起处理（还有 " + others + " 条相似消息，只处理其中待处理的）";
    $("decide-note").value = "";
    actionButtons(d);
  }

  /* Which actions make sense for this message (all off while a decision is sent). */
  function actionButtons(d, busy) {
    var item = d.item;
    var canConfirm = Boolean(item.predicted_intent) && item.predicted_intent !== "nlu_fallback";
    $("btn-confirm").disabled = busy || !canConfirm;
    $("btn-confirm").title = canConfirm ? "" : "机器人没给出意图，不能确认，请改标";
    $("btn-relabel").disabled = Boolean(busy);
    $("btn-noise").disabled = Boolean(busy);
    $("btn-test").disabled = busy || !d.conversation.length;
    $("btn-test").title = d.conversation.length ? "" : "来自工单的消息没有对话，不能存为测试";
  }

  function decide(action) {
    var d = state.detail;
    if (!d) {
      return;
    }
    var errorLine = $("decide-error");
    say(errorLine, "");
    var body = { action: action, expected_version: d.item.version };
    if (action === "relabel") {
      var intent = $("decide-intent").value;
      if (!intent) {
        say(errorLine, "请先在“改标为”里选一个意图。");
        $("decide-intent").focus();
        return;
      }
      body.intent = intent;
    }
    var note = $("decide-note").value.trim();
    if (note) {
      body.note = note;
    }
    if (!$("decide-group-wrap").hidden && $("decide-group").checked) {
      body.whole_group = true;
    }
    actionButtons(d, true);
    var id = d.item.id;
    api("POST", "/inbox/items/" + id + "/decision", body).then(function (res) {
      actionButtons(d, false);
      if (!state.token) {
        return;
      }
      if (res && res.status === 409 && res.data && res.data.detail && res.data.detail.message) {
        conflict(res.data.detail);
        openItem(id, true);
        loadInbox();
        return;
      }
      if (!ok(res)) {
        say(errorLine, "没处理成：" + failure(res));
        return;
      }
      say($("detail-conflict"), "");
      say($("detail-done"), doneText(action, body, res.data));
      openItem(id, true);
      loadInbox();
    });
  }

  function doneText(action, body, result) {
    var n = result.items.length;
    var what =
      action === "relabel"
        ? "已改标为 " + intentName(body.intent)
        : action === "confirm"
        ? "已确认无误"
        : action === "noise"
        ? "已标为无效"
        : "已存为对话测试";
    return what + (n > 1 ? "（共 " + n + " 条）" : "") + "。";
  }

  function conflict(detail) {
    var box = $("detail-conflict");
    clear(box);
    box.appendChild(el("strong", null, "别人先处理了："));
    box.appendChild(el("span", null, detail.message));
    var item = detail.item;
    if (item) {
      var now =
        "现在是“" +
        (item.status_name || STATUS_NAMES[item.status] || item.status) +
        "”" +
        (item.label_intent ? "，标为 " + intentName(item.label_intent) : "") +
        "。如不同意，可以在下面重新决定。";
      box.appendChild(el("p", null, now));
    }
    show(box, true);
    say($("detail-done"), "");
  }

  function closeDetail() {
    state.detail = null;
    show($("detail"), false);
    $("detail").parentNode.classList.remove("has-detail");
    Array.prototype.forEach.call(document.querySelectorAll(".group-row.is-open"), function (r) {
      r.classList.remove("is-open");
    });
  }

  function resetFilters() {
    $("filters").reset();
    $("f-flagged").checked = true;
    loadInbox();
  }

  /* ---------------------------------------------------- export and train */

  function exportData() {
    var btn = $("btn-export");
    btn.disabled = true;
    say($("export-error"), "");
    api("POST", "/export").then(function (res) {
      btn.disabled = false;
      if (!ok(res)) {
        if (state.token) {
          say($("export-error"), "没导出成：" + failure(res));
        }
        return;
      }
      renderExport(res.data);
    });
  }

  function renderExport(s) {
    var box = $("export-result");
    clear(box);
    var file = String(s.path || "").split("/").pop();
    box.appendChild(el("p", "ok-line", "已写入 " + s.written + " 条到 " + file + "。"));
    var more = [];
    if (s.already_in_data) {
      more.push(s.already_in_data + " 条原本就在训练数据里");
    }
    if (s.held_out) {
      more.push(s.held_out + " 条在测试集里，留作评估不写入");
    }
    if (more.length) {
      box.appendChild(el("p", "muted", "另有 " + more.join("，") + "。"));
    }
    if (s.conflicting && s.conflicting.length) {
      box.appendChild(
        el("p", "warn-line", s.conflicting.length + " 条同一句话被标成了不同的意图，没有写入，请先统一：")
      );
      var ul = el("ul", "plain");
      s.conflicting.forEach(function (t) {
        ul.appendChild(el("li", null, t));
      });
      box.appendChild(ul);
    }
    var intents = Object.keys(s.by_intent || {});
    if (intents.length) {
      var table = el("table", "grid grid-compact");
      var head = el("tr");
      head.appendChild(el("th", null, "意图"));
      head.appendChild(el("th", "num", "条数"));
      var thead = el("thead");
      thead.appendChild(head);
      table.appendChild(thead);
      var tbody = el("tbody");
      intents.forEach(function (intent) {
        var tr = el("tr");
        tr.appendChild(el("td", null, intentName(intent)));
        tr.appendChild(el("td", "num", String(s.by_intent[intent])));
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      box.appendChild(table);
    }
    show(box, true);
  }

  function startTraining() {
    var btn = $("btn-train");
    btn.disabled = true;
    say($("job-error"), "");
    api("POST", "/jobs").then(function (res) {
      btn.disabled = false;
      if (!ok(res)) {
        if (state.token) {
          say($("job-error"), "没开始：" + failure(res));
        }
        loadJobs(true);
        return;
      }
      state.jobId = res.data.id;
      loadJobs(false);
      pollJob();
    });
  }

  function loadJobs(pickCurrent) {
    return api("GET", "/jobs").then(function (res) {
      if (!ok(res)) {
        if (state.token) {
          say($("job-error"), "训练记录没加载出来：" + failure(res));
        }
        return;
      }
      var rows = $("jobs-rows");
      clear(rows);
      if (!res.data.length) {
        var tr = el("tr");
        var td = el("td", "muted", "还没有训练过。");
        td.colSpan = 8;
        tr.appendChild(td);
        rows.appendChild(tr);
      }
      res.data.forEach(function (job) {
        rows.appendChild(jobRow(job));
      });
      if (pickCurrent && res.data.length) {
        var running = res.data.filter(function (j) {
          return j.status === "running";
        })[0];
        state.jobId = (running || res.data[0]).id;
        pollJob();
      }
    });
  }

  function jobRow(job) {
    var tr = el("tr");
    tr.setAttribute("data-job-id", String(job.id));
    var first = el("td");
    var open = Z.button("link", "#" + job.id, "查看训练 " + job.id);
    open.addEventListener("click", function () {
      state.jobId = job.id;
      pollJob();
    });
    first.appendChild(open);
    tr.appendChild(first);
    var st = el("td");
    st.appendChild(el("span", "badge badge-" + job.status, JOB_STATUS[job.status] || job.status));
    tr.appendChild(st);
    tr.appendChild(el("td", null, job.stage));
    tr.appendChild(el("td", "num", job.progress + "%"));
    tr.appendChild(el("td", null, actorName(job.requested_by)));
    tr.appendChild(el("td", "nowrap", when(job.created_at)));
    tr.appendChild(el("td", "nowrap", when(job.finished_at)));
    var cand = el("td");
    if (job.candidate_id) {
      var link = Z.button("link", "#" + job.candidate_id, "查看候选模型 " + job.candidate_id);
      link.addEventListener("click", function () {
        state.versionId = job.candidate_id;
        selectTab("models", true);
      });
      cand.appendChild(link);
    } else {
      cand.textContent = "—";
    }
    tr.appendChild(cand);
    return tr;
  }

  function stopPolling() {
    clearTimeout(state.pollTimer);
    state.pollTimer = null;
  }

  function pollJob() {
    stopPolling();
    var id = state.jobId;
    if (id == null) {
      return;
    }
    api("GET", "/jobs/" + id).then(function (res) {
      if (id !== state.jobId || !state.token) {
        return;
      }
      if (!ok(res)) {
        say($("job-error"), "训练进度没取到：" + failure(res));
        if (res === null || res.status >= 500) {
          state.pollTimer = setTimeout(pollJob, POLL_MS * 2);
        }
        return;
      }
      say($("job-error"), "");
      var job = res.data;
      var wasRunning = state.jobRunning === job.id;
      renderJob(job);
      var listed = document.querySelector('#jobs-rows tr[data-job-id="' + job.id + '"]');
      if (listed) {
        listed.parentNode.replaceChild(jobRow(job), listed);
      }
      if (job.status === "running") {
        state.jobRunning = job.id;
        if (state.tab === "train") {
          state.pollTimer = setTimeout(pollJob, POLL_MS);
        }
      } else if (wasRunning) {
        state.jobRunning = null;
        loadJobs(false); // it just ended: the list shows its end and candidate
      }
    });
  }

  function renderJob(job) {
    show($("job"), true);
    $("job-name").textContent = "训练 #" + job.id;
    var badge = $("job-state");
    badge.textContent = JOB_STATUS[job.status] || job.status;
    badge.className = "badge badge-" + job.status;
    $("job-stage").textContent = "当前阶段：" + job.stage;
    $("job-progress").value = job.progress;
    $("job-progress").setAttribute("aria-valuetext", job.progress + "%");
    $("job-percent").textContent = job.progress + "%";
    say($("job-failed"), job.status === "failed" ? "训练失败：" + (job.error || "原因见日志") : "");
    var cand = $("job-candidate");
    clear(cand);
    if (job.candidate_id) {
      cand.appendChild(el("span", null, "已生成候选模型 "));
      var link = Z.button("link", "#" + job.candidate_id, "查看候选模型 " + job.candidate_id);
      link.addEventListener("click", function () {
        state.versionId = job.candidate_id;
        selectTab("models", true);
      });
      cand.appendChild(link);
      cand.appendChild(el("span", null, "，去看评估并决定是否上线。"));
    }
    show(cand, Boolean(job.candidate_id));
    var log = $("job-log");
    log.textContent = (job.log || []).join("\n") || "（暂无日志）";
    log.scrollTop = log.scrollHeight;
    $("btn-train").disabled = job.status === "running";
  }

  /* --------------------------------------------------------------- models */

  function loadModels() {
    say($("models-error"), "");
    var versions = api("GET", "/models").then(function (res) {
      if (!ok(res)) {
        if (state.token) {
          say($("models-error"), "模型列表没加载出来：" + failure(res));
        }
        return;
      }
      renderVersions(res.data);
      if (state.versionId != null) {
        openVersion(state.versionId, true);
      }
    });
    return Promise.all([versions, loadPromotions()]);
  }

  function headlineCell(h, key, invert) {
    if (!h) {
      return el("td", "num muted", "—");
    }
    var before = h.serving ? h.serving[key] : null;
    var after = h.candidate ? h.candidate[key] : null;
    var td = el("td", "num nowrap");
    td.appendChild(el("span", "muted", pct(before) + " → "));
    td.appendChild(el("span", deltaClass(before, after, invert), pct(after)));
    return td;
  }

  function deltaClass(before, after, invert) {
    if (before == null || after == null || Math.abs(after - before) < 1e-9) {
      return "same";
    }
    var better = invert ? after < before : after > before;
    return better ? "up" : "down";
  }

  function renderVersions(list) {
    var rows = $("models-rows");
    clear(rows);
    if (!list.length) {
      var tr0 = el("tr");
      var td0 = el("td", "muted", "还没有登记的模型版本。第一次上线或训练后会出现在这里。");
      td0.colSpan = 8;
      tr0.appendChild(td0);
      rows.appendChild(tr0);
    }
    list.forEach(function (v) {
      var tr = el("tr");
      tr.setAttribute("data-version-id", String(v.id));
      var first = el("td");
      var open = Z.button("link", "#" + v.id, "查看版本 " + v.id);
      open.addEventListener("click", function () {
        openVersion(v.id);
      });
      first.appendChild(open);
      tr.appendChild(first);
      var st = el("td");
      st.appendChild(el("span", "badge badge-" + v.status, VERSION_STATUS[v.status] || v.status));
      tr.appendChild(st);
      tr.appendChild(el("td", "mono", v.file));
      tr.appendChild(el("td", "nowrap", actorName(v.created_by) + " · " + when(v.created_at)));
      tr.appendChild(headlineCell(v.headline, "service_code_macro_f1"));
      tr.appendChild(headlineCell(v.headline, "emergency_recall"));
      var rev = el("td", "num nowrap");
      var r = v.headline ? v.headline.reviewed : null;
      if (r && r.messages) {
        rev.textContent = r.serving_correct + " → " + r.candidate_correct + " / " + r.messages;
      } else {
        rev.textContent = "—";
      }
      tr.appendChild(rev);
      var actions = el("td", "nowrap");
      var view = Z.button("btn btn-small", "详情", "查看版本 " + v.id + " 的详情");
      view.addEventListener("click", function () {
        openVersion(v.id);
      });
      actions.appendChild(view);
      if (v.status === "retired") {
        var back = Z.button("btn btn-small", "回滚", "回滚到版本 " + v.id);
        back.addEventListener("click", function () {
          rollback(v.id, back);
        });
        actions.appendChild(back);
      }
      tr.appendChild(actions);
      rows.appendChild(tr);
    });
  }

  function loadPromotions() {
    return api("GET", "/promotions").then(function (res) {
      if (!ok(res)) {
        return;
      }
      var rows = $("promotions-rows");
      clear(rows);
      if (!res.data.length) {
        var tr0 = el("tr");
        var td0 = el("td", "muted", "还没有上线或回滚过。");
        td0.colSpan = 6;
        tr0.appendChild(td0);
        rows.appendChild(tr0);
      }
      res.data.forEach(function (p) {
        var tr = el("tr");
        tr.appendChild(el("td", "nowrap", when(p.at)));
        tr.appendChild(el("td", null, ACTION_NAMES[p.action] || p.action));
        tr.appendChild(el("td", null, "#" + p.version_id));
        tr.appendChild(el("td", null, p.previous_id ? "#" + p.previous_id : "—"));
        tr.appendChild(el("td", null, actorName(p.actor)));
        var why = el("td");
        if (p.override_reason) {
          why.appendChild(el("span", null, p.override_reason));
          if (p.refused_because && p.refused_because.length) {
            why.appendChild(el("span", "muted", "（当时被拦：" + p.refused_because.join("；") + "）"));
          }
        } else {
          why.textContent = "—";
        }
        tr.appendChild(why);
        rows.appendChild(tr);
      });
    });
  }

  function rollback(id, btn) {
    btn.disabled = true;
    say($("models-error"), "");
    api("POST", "/models/" + id + "/rollback").then(function (res) {
      btn.disabled = false;
      if (!ok(res)) {
        if (state.token) {
          say($("models-error"), "没回滚成：" + failure(res) + reasonsText(res));
        }
        return;
      }
      flash("已回滚到版本 #" + id + "，机器人已换用这个模型。");
      loadModels();
    });
  }

  function reasonsText(res) {
    var d = res && res.data ? res.data.detail : null;
    if (d && Array.isArray(d.reasons) && d.reasons.length && d.reasons.join("；") !== d.message) {
      return "（" + d.reasons.join("；") + "）";
    }
    return "";
  }

  function openVersion(id, quiet) {
    state.versionId = id;
    return api("GET", "/models/" + id).then(function (res) {
      if (!ok(res)) {
        if (state.token) {
          say($("models-error"), "版本详情没加载出来：" + failure(res));
        }
        return;
      }
      renderVersion(res.data);
      if (!quiet) {
        $("version-title").focus();
      }
    });
  }

  function listBox(box, title, items) {
    clear(box);
    if (!items || !items.length) {
      show(box, false);
      return;
    }
    box.appendChild(el("strong", null, title));
    var ul = el("ul", "plain");
    items.forEach(function (t) {
      ul.appendChild(el("li", null, t));
    });
    box.appendChild(ul);
    show(box, true);
  }

  function renderVersion(v) {
    var card = $("version");
    show(card, true);
    $("version-title").textContent =
      "版本 #" + v.id + "（" + (VERSION_STATUS[v.status] || v.status) + "）";
    $("version-title").tabIndex = -1;
    var meta = v.file + " · " + actorName(v.created_by) + " 训练于 " + when(v.created_at);
    if (v.reviewed_count != null) {
      meta += " · 含复核消息 " + v.reviewed_count + " 条";
    }
    if (v.compared_with_id) {
      meta += " · 对比的是版本 #" + v.compared_with_id;
    }
    if (v.promoted_at) {
      meta += " · " + actorName(v.promoted_by) + " 上线于 " + when(v.promoted_at);
    }
    $("version-meta").textContent = meta;
    listBox($("version-blockers"), "不能上线：", v.status === "candidate" ? v.blockers : []);
    listBox($("version-refusals"), "比在用模型差的地方：", v.guard_refusals);

    var isCandidate = v.status === "candidate";
    show($("promote"), isCandidate);
    $("btn-promote").disabled = !isCandidate || v.blockers.length > 0;
    say($("promote-done"), "");
    say($("promote-refused"), "");
    show($("override"), false);
    $("override-reason").value = "";

    renderEvaluation($("version-eval"), v.evaluation);
  }

  function table(head, rows, className) {
    var t = el("table", "grid grid-compact" + (className ? " " + className : ""));
    var thead = el("thead");
    var tr = el("tr");
    head.forEach(function (h) {
      var th = el("th", h.num ? "num" : null, h.text);
      th.scope = "col";
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    t.appendChild(thead);
    var tbody = el("tbody");
    rows.forEach(function (r) {
      tbody.appendChild(r);
    });
    t.appendChild(tbody);
    return t;
  }

  function deltaCell(before, after, invert, asCount) {
    var td = el("td", "num nowrap");
    if (before == null || after == null) {
      td.textContent = "—";
      return td;
    }
    var diff = after - before;
    var cls = deltaClass(before, after, invert);
    var text;
    if (asCount) {
      text = (diff > 0 ? "+" : "") + diff;
    } else {
      text = (diff > 0 ? "+" : "") + (diff * 100).toFixed(1) + " 点";
    }
    if (cls === "same") {
      text = "持平";
    }
    td.appendChild(el("span", "delta " + cls, text));
    return td;
  }

  function renderEvaluation(box, ev) {
    clear(box);
    if (!ev) {
      box.appendChild(el("p", "muted", "这个版本没有评估结果。"));
      return;
    }
    var s = ev.serving ? ev.serving.headline || {} : {};
    var c = ev.candidate ? ev.candidate.headline || {} : {};

    box.appendChild(el("h3", null, "主要指标" + (ev.test_messages ? "（测试集 " + ev.test_messages + " 句）" : "")));
    var heads = [];
    HEADLINES.forEach(function (h) {
      if (s[h[0]] === undefined && c[h[0]] === undefined) {
        return;
      }
      var tr = el("tr");
      tr.appendChild(el("th", null, h[1] + (h[2] ? "（越低越好）" : "")));
      tr.lastChild.scope = "row";
      tr.appendChild(el("td", "num", pct(s[h[0]])));
      tr.appendChild(el("td", "num", pct(c[h[0]])));
      tr.appendChild(deltaCell(s[h[0]], c[h[0]], h[2]));
      heads.push(tr);
    });
    box.appendChild(
      table(
        [{ text: "指标" }, { text: "在用", num: true }, { text: "候选", num: true }, { text: "变化", num: true }],
        heads
      )
    );

    var rev = ev.reviewed;
    if (rev) {
      box.appendChild(el("h3", null, "复核过的消息"));
      box.appendChild(
        el(
          "p",
          null,
          rev.messages
            ? "共 " + rev.messages + " 条：在用模型答对 " + rev.serving_correct + " 条，候选模型答对 " +
                rev.candidate_correct + " 条（" + signed(rev.candidate_correct - rev.serving_correct) + "）。"
            : "这次训练没有新复核的消息。"
        )
      );
      flippedLists(box, rev.flipped || [], "复核消息", "flips-reviewed");
    }

    var perCode = ev.per_code || [];
    box.appendChild(el("h3", null, "各类别 F1"));
    var codeRows = perCode.map(function (row) {
      var tr = el("tr");
      tr.appendChild(el("td", null, codeName(row.code)));
      tr.appendChild(el("td", "num", String(row.support)));
      tr.appendChild(el("td", "num", pct(row.serving_f1)));
      tr.appendChild(el("td", "num", pct(row.candidate_f1)));
      tr.appendChild(deltaCell(row.serving_f1, row.candidate_f1));
      if (row.delta < 0) {
        tr.className = "row-down";
      }
      return tr;
    });
    box.appendChild(
      table(
        [
          { text: "类别" },
          { text: "样本", num: true },
          { text: "在用 F1", num: true },
          { text: "候选 F1", num: true },
          { text: "变化", num: true }
        ],
        codeRows,
        "per-code"
      )
    );

    var conf = ev.confusions_changed || [];
    box.appendChild(el("h3", null, "有变化的混淆"));
    if (!conf.length) {
      box.appendChild(el("p", "muted", "没有变化。"));
    } else {
      var confRows = conf.map(function (row) {
        var tr = el("tr");
        tr.appendChild(el("td", null, codeName(row.gold)));
        tr.appendChild(el("td", null, codeName(row.predicted)));
        tr.appendChild(el("td", "num", String(row.serving)));
        tr.appendChild(el("td", "num", String(row.candidate)));
        tr.appendChild(deltaCell(row.serving, row.candidate, true, true));
        return tr;
      });
      box.appendChild(
        table(
          [
            { text: "应为" },
            { text: "被判为" },
            { text: "在用（句）", num: true },
            { text: "候选（句）", num: true },
            { text: "变化", num: true }
          ],
          confRows
        )
      );
    }

    box.appendChild(el("h3", null, "测试集里结果变了的句子"));
    flippedLists(box, ev.flipped || [], "测试句", "flips-test");
  }

  function signed(n) {
    return n > 0 ? "多对 " + n + " 条" : n < 0 ? "少对 " + -n + " 条" : "持平";
  }

  function flippedLists(box, rows, noun, className) {
    if (!rows.length) {
      box.appendChild(el("p", "muted", "没有" + noun + "的结果发生变化。"));
      return;
    }
    var fixed = rows.filter(function (r) {
      return r.fixed;
    });
    var broken = rows.filter(function (r) {
      return !r.fixed;
    });
    var wrap = el("div", "flips " + className);
    [
      [fixed, "改对了 " + fixed.length + " 句", "flip-fixed"],
      [broken, "改错了 " + broken.length + " 句", "flip-broken"]
    ].forEach(function (part) {
      var col = el("div", "flip-col " + part[2]);
      col.appendChild(el("h4", null, part[1]));
      var ul = el("ul", "plain");
      part[0].forEach(function (r) {
        var li = el("li");
        li.appendChild(el("q", "quote", r.text));
        li.appendChild(
          el(
            "span",
            "muted flip-meta",
            "应为 " + intentName(r.gold) + "；在用：" + intentName(r.serving) + "；候选：" + intentName(r.candidate)
          )
        );
        ul.appendChild(li);
      });
      if (!part[0].length) {
        ul.appendChild(el("li", "muted", "无"));
      }
      col.appendChild(ul);
      wrap.appendChild(col);
    });
    box.appendChild(wrap);
  }

  function promote(reason) {
    var id = state.versionId;
    var body = reason ? { override_reason: reason } : {};
    var btns = [$("btn-promote"), $("btn-override")];
    btns.forEach(function (b) {
      b.disabled = true;
    });
    say($("promote-done"), "");
    api("POST", "/models/" + id + "/promote", body).then(function (res) {
      btns.forEach(function (b) {
        b.disabled = false;
      });
      if (!state.token || id !== state.versionId) {
        return;
      }
      if (res && res.status === 409 && res.data && res.data.detail && res.data.detail.reasons) {
        refused(res.data.detail);
        return;
      }
      if (!ok(res)) {
        say($("promote-refused"), "没上线：" + failure(res));
        return;
      }
      say($("promote-refused"), "");
      show($("override"), false);
      loadModels().then(function () {
        say($("promote-done"), "版本 #" + id + " 已上线，机器人已换用新模型。");
      });
    });
  }

  function refused(detail) {
    var box = $("promote-refused");
    clear(box);
    box.appendChild(el("strong", null, "没有上线，因为："));
    var ul = el("ul", "plain");
    (detail.reasons.length ? detail.reasons : [detail.message]).forEach(function (r) {
      ul.appendChild(el("li", null, r));
    });
    box.appendChild(ul);
    if (detail.overridable) {
      box.appendChild(el("p", null, "如果确有必要，可以写明理由后仍要上线；上线后随时可以回滚。"));
    }
    show(box, true);
    show($("override"), Boolean(detail.overridable));
    if (detail.overridable) {
      $("override-reason").focus();
    }
  }

  function override(ev) {
    ev.preventDefault();
    var reason = $("override-reason").value.trim();
    if (reason.length < 4) {
      say($("promote-done"), "");
      var box = $("promote-refused");
      var hint = box.querySelector(".override-hint") || el("p", "override-hint form-error");
      hint.textContent = "理由至少写 4 个字。";
      box.appendChild(hint);
      $("override-reason").focus();
      return;
    }
    promote(reason);
  }

  /* ----------------------------------------------------------------- wire */

  function wire() {
    var reason = $("f-reason");
    REASONS.forEach(function (r) {
      var option = el("option", null, r[1]);
      option.value = r[0];
      reason.appendChild(option);
    });
    $("login-form").addEventListener("submit", login);
    $("btn-logout").addEventListener("click", function () {
      logout("已退出登录。");
    });
    TABS.forEach(function (t) {
      $("tab-" + t).addEventListener("click", function () {
        selectTab(t, false);
      });
    });
    $("tabs").addEventListener("keydown", tabKeys);
    $("filters").addEventListener("submit", function (ev) {
      ev.preventDefault();
      loadInbox();
    });
    ["f-status", "f-reason", "f-intent", "f-flagged"].forEach(function (id) {
      $(id).addEventListener("change", loadInbox);
    });
    $("btn-reset").addEventListener("click", resetFilters);
    $("btn-detail-close").addEventListener("click", closeDetail);
    $("detail-title").tabIndex = -1;
    Array.prototype.forEach.call(document.querySelectorAll(".decide-actions .btn"), function (b) {
      b.addEventListener("click", function () {
        decide(b.getAttribute("data-action"));
      });
    });
    $("decide-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
    });
    $("detail").addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") {
        closeDetail();
      }
    });
    $("btn-export").addEventListener("click", exportData);
    $("btn-train").addEventListener("click", startTraining);
    $("btn-models-refresh").addEventListener("click", loadModels);
    $("btn-version-close").addEventListener("click", function () {
      state.versionId = null;
      show($("version"), false);
    });
    $("btn-promote").addEventListener("click", function () {
      promote(null);
    });
    $("override").addEventListener("submit", override);
  }

  wire();
  state.token = Z.tabTokenGet(TOKEN_KEY);
  if (state.token) {
    enter();
  } else {
    showLogin("");
  }
})();
