/*
 * 智慧杨 工作台: the queue (GET /api/staff/tickets with its filters) and the 督办
 * list (GET /api/staff/overdue).
 *
 * The API lists newest first; the page puts emergencies, then overdue, then 督办
 * tickets on top. So that an old overdue or emergency ticket is never left on a
 * later page, the queue also asks for emergency=true and overdue=true at once
 * and merges the three answers.
 */
(function () {
  "use strict";

  var Z = window.Zhy;
  var Api = window.StaffApi;
  var R = window.StaffRender;
  var $ = function (id) {
    return document.getElementById(id);
  };

  var PAGE = 50;
  var URGENT_PAGE = 100;
  var OPEN_STATES = ["dispatched", "signed", "in_progress", "reopened"];

  function List(prefix, emptyText) {
    this.list = $(prefix + "-list");
    this.summary = $(prefix + "-summary");
    this.more = $(prefix + "-more");
    this.emptyText = emptyText;
    this.tickets = {};
    this.cursor = null;
    this.url = null;
    this.seq = 0;
  }

  List.prototype.reset = function (url) {
    this.tickets = {};
    this.cursor = null;
    this.url = url;
    this.seq += 1;
    return this.seq;
  };

  List.prototype.take = function (page) {
    var self = this;
    (page.items || []).forEach(function (t) {
      self.tickets[t.number] = t;
    });
  };

  List.prototype.render = function (ownStation) {
    var items = Object.keys(this.tickets).map(
      function (n) {
        return this.tickets[n];
      }.bind(this)
    );
    items.sort(R.byUrgency);
    Z.clear(this.list);
    items.forEach(
      function (t) {
        this.list.appendChild(R.row(t, ownStation, openNumber));
      }.bind(this)
    );
    var urgent = items.filter(function (t) {
      return R.isOpen(t) && (t.emergency || t.overdue);
    }).length;
    var text = items.length ? "共 " + items.length + " 张" : this.emptyText;
    if (items.length && urgent) {
      text += "，其中紧急或超时 " + urgent + " 张，排在最前";
    }
    if (this.cursor) {
      text += "（还有更早的，可加载更多）";
    }
    this.summary.textContent = text;
    this.more.hidden = !this.cursor;
  };

  /* Mark the open ticket's row without reloading. */
  List.prototype.mark = function () {
    var links = this.list.querySelectorAll(".row-link");
    Array.prototype.forEach.call(links, function (link) {
      if (link.getAttribute("data-number") === openNumber) {
        link.setAttribute("aria-current", "true");
      } else {
        link.removeAttribute("aria-current");
      }
    });
  };

  List.prototype.fail = function (res) {
    this.summary.textContent = "列表没能加载：" + Api.errorText(res);
    this.more.hidden = true;
  };

  List.prototype.page = function (seq, ownStation) {
    var self = this;
    var url = this.url + (this.cursor ? "&cursor=" + encodeURIComponent(this.cursor) : "");
    return Api.get(url).then(function (res) {
      if (seq !== self.seq) {
        return;
      }
      if (!res || !res.ok || !res.data) {
        self.fail(res);
        return;
      }
      self.take(res.data);
      self.cursor = res.data.next_cursor || null;
      self.render(ownStation);
    });
  };

  var me = null;
  var openNumber = null;
  var queue = null;
  var supervise = null;
  // The tickets behind a figure: {station, from, to}, or null for the whole queue.
  var scope = null;

  function own() {
    return me ? me.station_code : null;
  }

  function queueParams() {
    var params = [];
    var state = $("f-state").value;
    var states = state === "open" ? OPEN_STATES : state ? [state] : [];
    states.forEach(function (s) {
      params.push("state=" + encodeURIComponent(s));
    });
    var code = $("f-code").value;
    if (code) {
      params.push("service_code=" + encodeURIComponent(code));
    }
    ["emergency", "overdue", "escalated"].forEach(function (flag) {
      if ($("f-" + flag).checked) {
        params.push(flag + "=true");
      }
    });
    if (scope) {
      params.push(
        "station_code=" + scope.station,
        "created_from=" + scope.from,
        "created_to=" + scope.to
      );
    }
    return params;
  }

  /* Show the tickets behind a figure (every state), or the whole queue again. */
  function setScope(next) {
    var same = JSON.stringify(next) === JSON.stringify(scope);
    scope = next;
    if (scope && !same) {
      $("f-state").value = "";
    } else if (!scope && !same) {
      $("f-state").value = "open";
    }
    $("queue-scope").hidden = !scope;
    if (scope) {
      var known = R.knownStations().filter(function (s) {
        return s.code === scope.station;
      })[0];
      var name = known ? known.name : "站点 " + scope.station;
      var days = scope.from === scope.to ? scope.from : scope.from + " 至 " + scope.to;
      $("queue-scope-text").textContent = name + "（含下级）" + days + " 受理的工单";
    }
  }

  function loadQueue() {
    var params = queueParams();
    var base = "/api/staff/tickets?" + params.concat(["limit=" + PAGE]).join("&");
    var seq = queue.reset(base);
    queue.summary.textContent = "正在加载…";
    var urgent = [];
    if (!$("f-emergency").checked && !$("f-overdue").checked) {
      ["emergency=true", "overdue=true"].forEach(function (flag) {
        var url = "/api/staff/tickets?" + params.concat([flag, "limit=" + URGENT_PAGE]).join("&");
        urgent.push(Api.get(url));
      });
    }
    return Promise.all(urgent).then(function (answers) {
      if (seq !== queue.seq) {
        return;
      }
      answers.forEach(function (res) {
        if (res && res.ok && res.data) {
          queue.take(res.data);
        }
      });
      return queue.page(seq, own());
    });
  }

  function loadSupervise() {
    var seq = supervise.reset("/api/staff/overdue?limit=" + PAGE);
    supervise.summary.textContent = "正在加载…";
    return supervise.page(seq, own());
  }

  function fillCodes() {
    Api.loadServices().then(function (services) {
      var select = $("f-code");
      services.forEach(function (s) {
        var option = Z.el("option", null, s.name);
        option.value = s.code;
        select.appendChild(option);
      });
    });
  }

  function init() {
    queue = new List("queue", "没有符合条件的工单。");
    supervise = new List("supervise", "下级站点没有超时或督办中的工单。");
    $("filters").addEventListener("change", loadQueue);
    $("filters").addEventListener("submit", function (ev) {
      ev.preventDefault();
      loadQueue();
    });
    $("btn-refresh").addEventListener("click", loadQueue);
    $("queue-scope-clear").addEventListener("click", function () {
      window.location.hash = "#/queue";
    });
    $("queue-more").addEventListener("click", function () {
      queue.page(queue.seq, own());
    });
    $("supervise-more").addEventListener("click", function () {
      supervise.page(supervise.seq, own());
    });
    fillCodes();
  }

  window.StaffLists = {
    init: init,
    setMe: function (who) {
      me = who;
    },
    setOpen: function (number) {
      openNumber = number;
      queue.mark();
      supervise.mark();
    },
    setScope: setScope,
    loadQueue: loadQueue,
    loadSupervise: loadSupervise
  };
})();
