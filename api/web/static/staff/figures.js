/*
 * 统计 (#/figures/<station>): a station's 三率 by month, its branches compared,
 * tickets by day and by hour, from GET /api/staff/stations/{code}/trends.
 *
 * Every figure leads to the tickets behind it: the tiles and the table's months
 * open the queue for that station and period (#/queue?station=&from=&to=), a
 * point on a plot does the same for its month or day, a branch's name opens
 * that branch's figures. 导出 CSV downloads trends.csv with the same months.
 */
(function () {
  "use strict";

  var Z = window.Zhy;
  var el = Z.el;
  var Api = window.StaffApi;
  var C = window.StaffCharts;
  var $ = function (id) {
    return document.getElementById(id);
  };

  var state = { code: null, data: null, seq: 0 };

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function monthsBack(month, count) {
    var parts = month.split("-");
    var index = Number(parts[0]) * 12 + Number(parts[1]) - 1 - count;
    return Math.floor(index / 12) + "-" + pad((index % 12) + 1);
  }

  function thisMonth() {
    var now = new Date();
    return now.getFullYear() + "-" + pad(now.getMonth() + 1);
  }

  function lastDay(month) {
    var parts = month.split("-");
    return month + "-" + pad(new Date(Number(parts[0]), Number(parts[1]), 0).getDate());
  }

  /* The queue of `code` (and below) for the days [from, to]. */
  function ticketsHref(code, from, to) {
    return "#/queue?station=" + code + "&from=" + from + "&to=" + to;
  }

  function openTickets(code, from, to) {
    window.location.hash = ticketsHref(code, from, to);
  }

  function pct(rate) {
    return rate.rate == null ? "—" : (Math.round(rate.rate * 1000) / 10).toFixed(1) + "%";
  }

  function parts(rate) {
    return rate.denominator ? rate.numerator + " / " + rate.denominator : "无数据";
  }

  function tiles(data) {
    var box = $("fig-tiles");
    box.textContent = "";
    var from = data.from_month + "-01";
    var to = lastDay(data.to_month);
    var received = el("a", "tile", null);
    received.href = ticketsHref(data.station_code, from, to);
    received.appendChild(el("span", "tile-name", "受理量"));
    received.appendChild(el("strong", "tile-value", data.station.total.received));
    received.appendChild(el("span", "tile-parts", "件次"));
    box.appendChild(received);
    C.RATES.forEach(function (r) {
      var rate = data.station.total[r.key];
      var tile = el("a", "tile", null);
      tile.href = received.href;
      tile.appendChild(el("span", "tile-name", r.name));
      tile.appendChild(el("strong", "tile-value", pct(rate)));
      tile.appendChild(el("span", "tile-parts", parts(rate)));
      box.appendChild(tile);
    });
  }

  function cell(row, text, className) {
    var td = el("td", className || null, text);
    row.appendChild(td);
    return td;
  }

  /* The months as a table: the numbers behind the plots, each month a link to its tickets. */
  function table(data) {
    var body = $("fig-table-body");
    body.textContent = "";
    data.months.forEach(function (month, i) {
      var m = data.station.months[i];
      var row = el("tr", m.received ? null : "empty", null);
      var link = el("a", null, month);
      link.href = ticketsHref(data.station_code, month + "-01", lastDay(month));
      cell(row, null).appendChild(link);
      cell(row, m.received, "num");
      C.RATES.forEach(function (r) {
        var td = cell(row, pct(m[r.key]), "num");
        td.title = parts(m[r.key]);
      });
      body.appendChild(row);
    });
  }

  function branchLabel(b) {
    return b.own_only ? b.station_name + "（本站直接承办）" : b.station_name;
  }

  function branchList(data) {
    var list = $("fig-branches");
    list.textContent = "";
    data.branches.forEach(function (b) {
      var item = el("li", null, null);
      if (b.own_only) {
        item.appendChild(el("span", null, branchLabel(b)));
      } else {
        var link = el("a", null, b.station_name);
        link.href = "#/figures/" + b.station_code;
        item.appendChild(link);
      }
      item.appendChild(el("span", "muted", " 受理 " + b.total.received + " 件次"));
      list.appendChild(item);
    });
  }

  function draw(data) {
    var code = data.station_code;
    var narrow = $("view-figures").clientWidth < 640;
    C.draw("chart-trend", C.trend(data.months, data.station), function (p) {
      var month = data.months[p.dataIndex];
      openTickets(state.code, month + "-01", lastDay(month));
    });
    // Plots compare the branches that received tickets; the list below names them all.
    var branches = data.branches
      .filter(function (b) {
        return b.total.received > 0;
      })
      .map(function (b) {
        return { code: b.station_code, label: branchLabel(b), total: b.total, months: b.months };
      });
    $("fig-compare-block").hidden = data.branches.length === 0;
    $("chart-compare").hidden = $("chart-branch-lines").hidden = branches.length === 0;
    $("fig-rate-field").hidden = branches.length === 0;
    if (data.branches.length) {
      branchList(data);
    }
    if (branches.length) {
      C.draw("chart-compare", C.compare(branches), function (p) {
        var b = branches[p.dataIndex];
        if (b.code !== code) {
          window.location.hash = "#/figures/" + b.code;
        }
      }, 70 + branches.length * 56);
      C.draw("chart-branch-lines", C.branchLines(data.months, branches, $("fig-rate").value), null);
    }
    var first = data.from_month + "-01";
    var last = lastDay(data.to_month);
    var weeks = Math.ceil(data.months.length * 4.4) + 1;
    C.draw("chart-calendar", C.calendar(first, last, data.days, narrow), function (p) {
      openTickets(code, p.value[0], p.value[0]);
    }, narrow ? 90 + weeks * 14 : 190);
    C.draw("chart-hours", C.hours(data.hours), null);
  }

  function render(data) {
    state.data = data;
    window.StaffRender.remember(data.station_code, data.station_name);
    data.branches.forEach(function (b) {
      window.StaffRender.remember(b.station_code, b.station_name);
    });
    $("fig-title").textContent = data.station_name;
    $("fig-summary").textContent =
      data.from_month + " 至 " + data.to_month + "，本站及下级站点；算到 " +
      window.StaffRender.when(data.computed_at) + "。点数字或图上的点可查看对应工单。";
    tiles(data);
    table(data);
    $("fig-content").hidden = false;
    draw(data);
  }

  function query() {
    var from = $("fig-from").value;
    var to = $("fig-to").value;
    return "from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to);
  }

  function load() {
    var seq = ++state.seq;
    var url = "/api/staff/stations/" + state.code + "/trends?" + query();
    $("fig-error").hidden = true;
    $("fig-summary").textContent = "正在计算…";
    return Api.get(url).then(function (res) {
      if (seq !== state.seq) {
        return;
      }
      if (!res || !res.ok || !res.data) {
        $("fig-content").hidden = true;
        $("fig-summary").textContent = "";
        $("fig-error").textContent = Api.errorText(res);
        $("fig-error").hidden = false;
        return;
      }
      render(res.data);
    });
  }

  /* trends.csv needs the token, so it is fetched and handed to the browser as a file. */
  function downloadCsv() {
    var url = "/api/staff/stations/" + state.code + "/trends.csv?" + query() + "&table=" +
      $("fig-table").value;
    Api.fetchFile(url).then(function (file) {
      if (!file) {
        $("fig-error").textContent = "导出失败，请稍后再试。";
        $("fig-error").hidden = false;
        return;
      }
      var link = el("a", null, null);
      link.href = URL.createObjectURL(file.blob);
      link.download = file.name;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () {
        URL.revokeObjectURL(link.href);
      }, 1000);
    });
  }

  function show(code) {
    var changed = code !== state.code;
    state.code = code;
    if (!$("fig-to").value) {
      $("fig-to").value = thisMonth();
      $("fig-from").value = monthsBack(thisMonth(), 11);
    }
    if (changed || !state.data) {
      load();
    } else {
      C.resizeAll();
    }
  }

  function init() {
    $("fig-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      load();
    });
    $("fig-from").addEventListener("change", load);
    $("fig-to").addEventListener("change", load);
    $("fig-rate").addEventListener("change", function () {
      if (state.data) {
        draw(state.data);
      }
    });
    $("fig-csv").addEventListener("click", downloadCsv);
  }

  window.StaffFigures = { init: init, show: show };
})();
