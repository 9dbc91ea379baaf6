/*
 * 智慧杨 工作台: one ticket — what, where, who to call, deadlines, the actions
 * and the timeline (GET /api/staff/tickets/{number}).
 *
 * The resident's number is a tel: link only when the API gives it whole (the
 * holding station); anyone else gets the masked number as plain text. After
 * each action the ticket is read again; a ticket that has left the user's scope
 * (退单, 转派) stays shown as the action's answer described it, without actions.
 */
(function () {
  "use strict";

  var Z = window.Zhy;
  var el = Z.el;
  var Api = window.StaffApi;
  var R = window.StaffRender;
  var MOBILE = /^1\d{10}$/;

  var body = null;
  var current = null;

  function actor(text) {
    if (text === "system") {
      return "系统";
    }
    if (text === "resident") {
      return "居民";
    }
    return String(text || "").replace(/^(staff|service):/, "");
  }

  function phone(detail) {
    var number = detail.contact_phone;
    if (!number) {
      return el("span", "muted", "居民没有留电话");
    }
    if (!detail.contact_phone_masked && MOBILE.test(number)) {
      var call = el("a", "btn btn-call", "拨打 " + number);
      call.href = "tel:" + number;
      return call;
    }
    var box = el("span", null, number);
    box.appendChild(el("span", "muted hint", "（完整号码仅承办站点可见）"));
    return box;
  }

  function links(numbers) {
    var box = el("span", "links");
    numbers.forEach(function (n) {
      if (R.NUMBER.test(n)) {
        var a = el("a", "num", n);
        a.href = "#/ticket/" + n;
        box.appendChild(a);
      }
    });
    return box;
  }

  function facts(detail) {
    var list = el("dl", "facts");
    function add(term, value) {
      if (value === null || value === undefined || value === "") {
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
    var due = R.due(detail);
    add("类别", detail.service_name);
    add("地点", detail.location_text || "未说明");
    add("诉求", detail.description);
    add("联系电话", phone(detail));
    add("承办站点", detail.station_name);
    add("受理时间", R.when(detail.created_at) + "（" + R.ago(detail.created_at) + "）");
    if (due.text && R.isOpen(detail)) {
      add("当前时限", el("span", due.late ? "is-late" : null, due.text));
    }
    add("联系时限", R.when(detail.contact_due_at));
    add("办结时限", R.when(detail.resolve_due_at));
    add("派单理由", detail.dispatch_note);
    add("办理结果", detail.resolution);
    add("退单次数", detail.return_count ? String(detail.return_count) : "");
    if (detail.duplicate_of) {
      add("重复于", links([detail.duplicate_of]));
    }
    if (detail.duplicates && detail.duplicates.length) {
      add("重复工单", links(detail.duplicates));
    }
    return list;
  }

  function timeline(events) {
    var list = el("ol", "timeline");
    events
      .slice()
      .reverse()
      .forEach(function (e) {
        R.remember(e.data && e.data.station_code, e.data && e.data.station_name);
        var item = el("li", "event event-" + e.kind);
        var head = el("div", "event-head");
        head.appendChild(el("span", "event-kind", e.kind_name));
        head.appendChild(el("span", "event-who", actor(e.actor)));
        head.appendChild(el("time", "event-at", R.when(e.at)));
        item.appendChild(head);
        var extra = e.data && typeof e.data.reason_name === "string" ? e.data.reason_name : "";
        if (extra) {
          item.appendChild(el("p", "event-note", "理由：" + extra));
        }
        if (e.note) {
          item.appendChild(el("p", "event-note", e.note));
        }
        list.appendChild(item);
      });
    return list;
  }

  /* Draw the ticket; `gone` when the user can no longer read it (it moved away). */
  function draw(detail, gone) {
    current = detail;
    R.remember(detail.station_code, detail.station_name);
    Z.clear(body);
    var head = el("div", "detail-head");
    var title = el("h2", "detail-title");
    title.appendChild(el("span", "num", detail.number));
    head.appendChild(title);
    head.appendChild(R.badges(detail));
    head.appendChild(el("span", "status status-" + detail.status, detail.status_name));
    body.appendChild(head);
    var actionsBox = el("div", "actions");
    actionsBox.id = "ticket-actions";
    var card = el("div", "card");
    card.appendChild(facts(detail));
    body.appendChild(card);
    var actions = null;
    if (gone) {
      body.insertBefore(
        flash("工单已交给" + detail.station_name + "，您已看不到后续进展。"),
        card
      );
    } else {
      actions = window.StaffActions.render(actionsBox, detail, afterAction);
      body.insertBefore(actionsBox, card);
    }
    body.appendChild(el("h3", null, "处理记录"));
    body.appendChild(timeline(detail.events || []));
    return actions;
  }

  function flash(text) {
    var note = el("p", "flash", text);
    note.setAttribute("role", "status");
    return note;
  }

  function showError(text) {
    current = null;
    Z.clear(body);
    body.appendChild(el("p", "form-error", text));
  }

  function load(number) {
    return Api.get("/api/staff/tickets/" + encodeURIComponent(number)).then(function (res) {
      if (res && res.ok && res.data) {
        return { res: res, actions: draw(res.data, false) };
      }
      return { res: res, actions: null };
    });
  }

  /* After an action: say how it went, and read the ticket again. */
  function afterAction(res, label) {
    var number = current ? current.number : null;
    var message = res && res.ok ? "已" + label + "。" : label + "没有办成：" + Api.errorText(res);
    load(number).then(function (again) {
      if (again.actions) {
        again.actions.say(res && res.ok ? "" : message);
        if (res && res.ok) {
          body.insertBefore(flash(message), body.firstChild.nextSibling);
        }
      } else if (res && res.ok && res.data && again.res && again.res.status === 404) {
        draw(res.data, true);
      } else {
        showError(Api.errorText(again.res));
      }
    });
  }

  function show(number) {
    Z.clear(body);
    body.appendChild(el("p", "muted", "正在打开 " + number + " …"));
    return load(number).then(function (got) {
      if (got.actions || !got.res || got.res.ok) {
        return;
      }
      if (got.res.status === 404) {
        showError("没有找到工单 " + number + "，或它不在您的可见范围内。");
      } else {
        showError(Api.errorText(got.res));
      }
    });
  }

  window.StaffTicket = {
    init: function () {
      body = document.getElementById("ticket-body");
    },
    show: show
  };
})();
