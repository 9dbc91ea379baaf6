/*
 * 智慧杨 工作台: what staff can do with a ticket, one tap each — 签收, 开始办理,
 * 进展备注, 办结, 退单, 转派, 改类 — through the staff API's own endpoints.
 *
 * Buttons follow the ticket's `permissions` and status; the API still decides,
 * and when it refuses (409, 403, 422) its reason is shown as it gave it.
 * `done(res)` is called with every answer, so the ticket is read again after
 * each action.
 */
(function () {
  "use strict";

  var Z = window.Zhy;
  var el = Z.el;
  var Api = window.StaffApi;
  var R = window.StaffRender;
  var FORMS = window.StaffForms;

  var PATHS = {
    sign: "sign",
    start: "start",
    note: "notes",
    resolve: "resolve",
    return: "return",
    transfer: "transfer",
    recategorise: "recategorise"
  };
  var LABELS = {
    sign: "签收",
    start: "开始办理",
    note: "进展备注",
    resolve: "办结",
    return: "退单",
    transfer: "转派",
    recategorise: "改类"
  };

  function available(detail) {
    var p = detail.permissions || {};
    var open = R.isOpen(detail);
    var list = [];
    if (p.act && (detail.status === "dispatched" || detail.status === "reopened")) {
      list.push("sign");
    }
    if (p.act && detail.status === "signed") {
      list.push("start");
    }
    if (p.act && (detail.status === "signed" || detail.status === "in_progress")) {
      list.push("resolve");
    }
    if (p.act && detail.status !== "closed") {
      list.push("note");
    }
    if (p.act && open) {
      list.push("return");
    }
    if (p.transfer && open) {
      list.push("transfer");
    }
    if (p.recategorise && open) {
      list.push("recategorise");
    }
    return list;
  }

  function render(box, detail, done) {
    Z.clear(box);
    var actions = available(detail);
    var error = el("p", "form-error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    var panel = el("form", "act-form card");
    panel.hidden = true;
    panel.noValidate = true;
    var bar = el("div", "act-bar");
    var buttons = [];

    function say(text) {
      error.textContent = text || "";
      error.hidden = !text;
    }

    function send(action, body) {
      buttons.concat(Array.prototype.slice.call(panel.querySelectorAll("button"))).forEach(
        function (b) {
          b.disabled = true;
        }
      );
      say("");
      box.setAttribute("aria-busy", "true");
      var url = "/api/staff/tickets/" + encodeURIComponent(detail.number) + "/" + PATHS[action];
      Api.post(url, body).then(function (res) {
        box.removeAttribute("aria-busy");
        done(res, LABELS[action]);
      });
    }

    function open(action) {
      var stations = action === "transfer" ? Api.loadStations(detail.service_code) : [];
      Promise.all([Api.loadServices(), stations]).then(function (loaded) {
        var form = FORMS[action](detail, loaded[0], loaded[1]);
        Z.clear(panel);
        panel.appendChild(el("h3", null, form.title));
        form.nodes.forEach(function (n) {
          panel.appendChild(n);
        });
        var row = el("div", "act-confirm");
        var ok = Z.button("btn btn-primary", "确认" + form.title);
        ok.type = "submit";
        var cancel = Z.button("btn", "取消");
        cancel.addEventListener("click", function () {
          panel.hidden = true;
          say("");
        });
        row.appendChild(ok);
        row.appendChild(cancel);
        panel.appendChild(row);
        panel.onsubmit = function (ev) {
          ev.preventDefault();
          var body = form.body();
          if (typeof body === "string") {
            say(body);
            return;
          }
          send(action, body);
        };
        panel.hidden = false;
        say("");
        var first = panel.querySelector("textarea, select");
        if (first) {
          first.focus();
        }
      });
    }

    actions.forEach(function (action) {
      var primary = action === "sign" || action === "start" || action === "resolve";
      var b = Z.button(primary ? "btn btn-primary" : "btn", LABELS[action]);
      b.setAttribute("data-action", action);
      b.addEventListener("click", function () {
        if (FORMS[action]) {
          open(action);
        } else {
          send(action, {});
        }
      });
      buttons.push(b);
      bar.appendChild(b);
    });

    var p = detail.permissions || {};
    if (!p.act) {
      var why = "签收、办结等由承办站点的工作人员办理";
      box.appendChild(el("p", "muted", why + (actions.length ? "；您可以转派。" : "。")));
    } else if (!actions.length) {
      box.appendChild(el("p", "muted", "这张工单当前没有可办理的操作。"));
    }
    box.appendChild(bar);
    box.appendChild(error);
    box.appendChild(panel);
    return { say: say };
  }

  window.StaffActions = { render: render };
})();
