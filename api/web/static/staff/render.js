/*
 * 智慧杨 工作台: what lists and the detail share — times, deadlines, badges, a
 * ticket row, and the stations seen so far (for 转派). Text only through
 * textContent; the only links are this page's own #/ticket/… and tel: digits.
 */
(function () {
  "use strict";

  var Z = window.Zhy;
  var el = Z.el;

  var MINUTE = 60 * 1000;
  var HOUR = 60 * MINUTE;
  var DAY = 24 * HOUR;
  var OPEN = { dispatched: true, signed: true, in_progress: true, reopened: true };
  var UNSIGNED = { dispatched: true, reopened: true };
  var NUMBER = /^LY-\d{8}-\d{4,}$/;

  /* Stations met in tickets this session: code -> name. */
  var stations = {};

  function remember(code, name) {
    if (typeof code === "string" && code && typeof name === "string" && name) {
      stations[code] = name;
    }
  }

  function knownStations() {
    return Object.keys(stations)
      .sort()
      .map(function (code) {
        return { code: code, name: stations[code] };
      });
  }

  function stamp(text) {
    var t = Date.parse(text);
    return isNaN(t) ? null : t;
  }

  function span(ms) {
    var m = Math.max(1, Math.round(Math.abs(ms) / MINUTE));
    if (m < 60) {
      return m + " 分钟";
    }
    if (m < 24 * 60) {
      var h = Math.floor(m / 60);
      return m % 60 ? h + " 小时 " + (m % 60) + " 分" : h + " 小时";
    }
    var d = Math.floor(m / (24 * 60));
    var rest = Math.floor((m % (24 * 60)) / 60);
    return rest ? d + " 天 " + rest + " 小时" : d + " 天";
  }

  function ago(text) {
    var t = stamp(text);
    if (t === null) {
      return "";
    }
    var ms = Date.now() - t;
    return ms < MINUTE ? "刚刚受理" : span(ms) + "前受理";
  }

  function when(text) {
    var t = stamp(text);
    return t === null ? "" : Z.formatDateTime(t);
  }

  function isOpen(ticket) {
    return Boolean(OPEN[ticket.status]);
  }

  /* The deadline that matters now: contact until signed, then resolution. */
  function due(ticket) {
    if (!isOpen(ticket)) {
      return { text: ticket.status_name || "", late: false, rank: Infinity };
    }
    var contact = Boolean(UNSIGNED[ticket.status]);
    var label = contact ? "联系" : "办结";
    var at = stamp(contact ? ticket.contact_due_at : ticket.resolve_due_at);
    if (at === null) {
      return { text: "", late: false, rank: Infinity };
    }
    var left = at - Date.now();
    if (left < 0) {
      return { text: label + "已超时 " + span(left), late: true, rank: at };
    }
    return {
      text: label + "时限 " + Z.formatDateTime(at) + "（还剩 " + span(left) + "）",
      late: false,
      rank: at
    };
  }

  /* Emergencies first, then overdue, then 督办, then the rest; earliest deadline first. */
  function urgency(ticket) {
    if (!isOpen(ticket)) {
      return 4;
    }
    if (ticket.emergency) {
      return 0;
    }
    if (ticket.overdue) {
      return 1;
    }
    return ticket.escalation_level > 0 ? 2 : 3;
  }

  function byUrgency(a, b) {
    var diff = urgency(a) - urgency(b);
    if (diff) {
      return diff;
    }
    var ra = due(a).rank;
    var rb = due(b).rank;
    if (ra !== rb) {
      return ra < rb ? -1 : 1;
    }
    return (stamp(b.created_at) || 0) - (stamp(a.created_at) || 0);
  }

  function badges(ticket) {
    var box = el("span", "badges");
    if (ticket.emergency) {
      box.appendChild(el("span", "badge badge-emergency", "紧急"));
    }
    if (ticket.overdue) {
      box.appendChild(el("span", "badge badge-overdue", "超时"));
    }
    if (ticket.escalation_level > 0) {
      var b = el("span", "badge badge-escalated", "督办");
      b.title = "督办级别 " + ticket.escalation_level;
      box.appendChild(b);
    }
    return box;
  }

  function ticketLink(number) {
    return NUMBER.test(number) ? "#/ticket/" + number : "#/queue";
  }

  /* One row of a list: a link to the ticket, marked when it is the one open. */
  function row(ticket, ownStation, openNumber) {
    remember(ticket.station_code, ticket.station_name);
    var item = el("li", "ticket-row" + (ticket.emergency && isOpen(ticket) ? " is-emergency" : ""));
    var link = el("a", "row-link");
    link.href = ticketLink(ticket.number);
    link.setAttribute("data-number", ticket.number);
    if (ticket.number === openNumber) {
      link.setAttribute("aria-current", "true");
    }
    var head = el("span", "row-head");
    head.appendChild(el("span", "num", ticket.number));
    head.appendChild(badges(ticket));
    head.appendChild(el("span", "status status-" + ticket.status, ticket.status_name));
    link.appendChild(head);
    var what = el("span", "row-what");
    what.appendChild(el("span", "code", ticket.service_name));
    what.appendChild(el("span", "place", ticket.location_text || "未说明地点"));
    link.appendChild(what);
    var meta = el("span", "row-meta");
    var d = due(ticket);
    meta.appendChild(el("span", d.late ? "due is-late" : "due", d.text));
    meta.appendChild(el("span", "age", ago(ticket.created_at)));
    if (ticket.station_code !== ownStation) {
      meta.appendChild(el("span", "station", ticket.station_name));
    }
    link.appendChild(meta);
    item.appendChild(link);
    return item;
  }

  window.StaffRender = {
    isOpen: isOpen,
    due: due,
    when: when,
    ago: ago,
    badges: badges,
    byUrgency: byUrgency,
    row: row,
    remember: remember,
    knownStations: knownStations,
    NUMBER: NUMBER
  };
})();
