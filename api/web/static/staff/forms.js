/*
 * 智慧杨 工作台: the forms behind the actions that need words or a choice —
 * 进展备注, 办结 (what was done, required), 退单 (a reason, required), 转派 (a
 * station and why), 改类 (the right category and why). Each form's `body()`
 * gives the request body, or a sentence saying what is missing.
 */
(function () {
  "use strict";

  var Z = window.Zhy;
  var el = Z.el;
  var R = window.StaffRender;

  var RETURN_REASONS = [
    ["wrong_area", "属地不符"],
    ["not_our_duty", "非本单位职责"],
    ["duplicate", "重复工单"],
    ["insufficient_info", "信息不全，无法办理"]
  ];
  var OTHER_STATION = "__other__";

  function field(label, input) {
    var wrap = el("label", "field");
    wrap.appendChild(el("span", null, label));
    wrap.appendChild(input);
    return wrap;
  }

  function textArea(id, placeholder) {
    var box = el("textarea");
    box.id = id;
    box.rows = 3;
    box.maxLength = 2000;
    box.placeholder = placeholder;
    return box;
  }

  function select(id, choices, prompt) {
    var s = el("select");
    s.id = id;
    var first = el("option", null, prompt);
    first.value = "";
    s.appendChild(first);
    choices.forEach(function (c) {
      var o = el("option", null, c[1]);
      o.value = c[0];
      s.appendChild(o);
    });
    return s;
  }

  function option(code, text) {
    var o = el("option", null, text);
    o.value = code;
    return o;
  }

  /*
   * 转派 targets from the station directory (those that handle the ticket's
   * category): the holder's own town and its rooms first, then each town with
   * its rooms. Without the directory, the stations met so far and a code field.
   */
  function stationChoice(detail, directory) {
    var pick = select("act-station", [], "请选择站点");
    var byCode = {};
    directory.forEach(function (s) {
      byCode[s.code] = s;
    });
    var holder = byCode[detail.station_code];
    var home = holder && holder.level === "town" ? holder.code : holder && holder.parent_code;
    var groups = {};
    var order = [];
    directory.forEach(function (s) {
      if (s.code === detail.station_code) {
        return;
      }
      var town = s.level === "town" ? s.code : s.parent_code;
      var key = byCode[town] ? town : "";
      if (!groups[key]) {
        groups[key] = [];
        order.push(key);
      }
      groups[key].push(s);
    });
    order.sort(function (a, b) {
      return (a === home ? -1 : b === home ? 1 : 0) || (a < b ? -1 : a > b ? 1 : 0);
    });
    order.forEach(function (key) {
      var label = key ? byCode[key].name + (key === home ? "（本镇街）" : "") : "区中心";
      var group = el("optgroup");
      group.label = label;
      groups[key].forEach(function (s) {
        group.appendChild(option(s.code, s.name));
      });
      pick.appendChild(group);
    });
    R.knownStations().forEach(function (s) {
      if (!directory.length && s.code !== detail.station_code) {
        pick.appendChild(option(s.code, s.name + "（" + s.code + "）"));
      }
    });
    pick.appendChild(option(OTHER_STATION, "其他站点（填站点编码）"));
    var code = el("input");
    code.id = "act-station-code";
    code.inputMode = "numeric";
    code.maxLength = 15;
    code.placeholder = "站点编码，如 500107002001";
    var codeField = field("站点编码", code);
    codeField.hidden = pick.options.length > 2;
    if (!codeField.hidden) {
      pick.value = OTHER_STATION;
    }
    pick.addEventListener("change", function () {
      codeField.hidden = pick.value !== OTHER_STATION;
    });
    return {
      nodes: [field("转给", pick), codeField],
      value: function () {
        return pick.value === OTHER_STATION ? code.value.trim() : pick.value;
      }
    };
  }

  /* The forms behind the buttons that need words or a choice. */
  var FORMS = {
    note: function () {
      var text = textArea("act-note", "例如：已电话联系居民，明早上门");
      return {
        title: "进展备注",
        nodes: [field("备注", text)],
        body: function () {
          return text.value.trim() ? { note: text.value.trim() } : "请先写备注。";
        }
      };
    },
    resolve: function () {
      var text = textArea("act-resolution", "写明办了什么、结果如何，居民会看到");
      return {
        title: "办结",
        nodes: [field("办理结果（必填）", text)],
        body: function () {
          var v = text.value.trim();
          return v ? { resolution: v } : "办结前请写明办理结果。";
        }
      };
    },
    return: function () {
      var reason = select("act-reason", RETURN_REASONS, "请选择退单理由");
      var note = textArea("act-return-note", "补充说明（选填）");
      return {
        title: "退单",
        nodes: [field("退单理由（必选）", reason), field("说明", note)],
        body: function () {
          if (!reason.value) {
            return "请选择退单理由。";
          }
          var b = { reason: reason.value };
          if (note.value.trim()) {
            b.note = note.value.trim();
          }
          return b;
        }
      };
    },
    transfer: function (detail, services, directory) {
      var station = stationChoice(detail, directory || []);
      var note = textArea("act-transfer-note", "为什么转给这个站点（必填）");
      return {
        title: "转派",
        nodes: station.nodes.concat([field("转派原因", note)]),
        body: function () {
          var code = station.value();
          if (!/^\d{6,15}$/.test(code)) {
            return "请选择站点，或填 6 到 15 位数字的站点编码。";
          }
          if (!note.value.trim()) {
            return "请写明转派原因。";
          }
          return { to_station_code: code, note: note.value.trim() };
        }
      };
    },
    recategorise: function (detail, services) {
      var choices = services
        .filter(function (s) {
          return s.code !== detail.service_code;
        })
        .map(function (s) {
          return [s.code, s.name];
        });
      var code = select("act-code", choices, "请选择正确的类别");
      var note = textArea("act-recat-note", "为什么改类（必填）");
      return {
        title: "改类",
        nodes: [field("改为", code), field("改类原因", note)],
        body: function () {
          if (!code.value) {
            return "请选择正确的类别。";
          }
          if (!note.value.trim()) {
            return "请写明改类原因。";
          }
          return { service_code: code.value, note: note.value.trim() };
        }
      };
    }
  };

  window.StaffForms = FORMS;
})();
