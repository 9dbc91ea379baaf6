/*
 * The workbench's plots of the 三率, drawn by ECharts (served from the app's own
 * /vendor/, never a CDN). Every option here is data in, option out; clicks are
 * handed back to the caller so that each point can open the tickets behind it.
 *
 * Tooltips are drawn on the canvas (renderMode "richText"): HTML tooltips would
 * carry inline styles, which the page's CSP refuses.
 */
(function () {
  "use strict";

  var RATES = [
    { key: "response_rate", name: "响应率", color: "#1f5fbf" },
    { key: "resolution_rate", name: "办结率", color: "#07a65a" },
    { key: "on_time_rate", name: "按时办结率", color: "#b35c00" },
    { key: "satisfaction_rate", name: "满意率", color: "#8e24aa" }
  ];
  var PALETTE = ["#1f5fbf", "#07a65a", "#b35c00", "#8e24aa", "#c62828", "#00838f", "#5d4037", "#546e7a"];
  var charts = {};

  function percent(figures, key) {
    var rate = figures[key].rate;
    return rate == null ? null : Math.round(rate * 1000) / 10;
  }

  function base() {
    return {
      animation: false,
      textStyle: { fontFamily: "inherit" },
      tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: fmt },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true }
    };
  }

  function fmt(value) {
    return value == null ? "无数据" : value + "%";
  }

  function percentAxis() {
    return { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
  }

  /* The four rates of one series, month by month; a month with nothing is a gap. */
  function trend(months, series) {
    var option = base();
    option.legend = { top: 0 };
    option.xAxis = { type: "category", data: months };
    option.yAxis = percentAxis();
    option.series = RATES.map(function (rate) {
      return {
        name: rate.name,
        type: "line",
        connectNulls: false,
        symbolSize: 8,
        itemStyle: { color: rate.color },
        data: series.months.map(function (m) {
          return percent(m, rate.key);
        })
      };
    });
    return option;
  }

  /* One rate of every branch, month by month. */
  function branchLines(months, branches, key) {
    var option = base();
    option.legend = { top: 0, type: "scroll" };
    option.xAxis = { type: "category", data: months };
    option.yAxis = percentAxis();
    option.series = branches.map(function (b, i) {
      return {
        name: b.label,
        type: "line",
        connectNulls: false,
        symbolSize: 7,
        itemStyle: { color: PALETTE[i % PALETTE.length] },
        data: b.months.map(function (m) {
          return percent(m, key);
        })
      };
    });
    return option;
  }

  /* The four rates of each branch over the whole period, side by side. */
  function compare(branches) {
    var option = base();
    option.legend = { top: 0 };
    option.tooltip.axisPointer = { type: "shadow" };
    option.yAxis = {
      type: "category",
      inverse: true,
      data: branches.map(function (b) {
        return b.label;
      })
    };
    option.xAxis = percentAxis();
    option.series = RATES.map(function (rate) {
      return {
        name: rate.name,
        type: "bar",
        itemStyle: { color: rate.color },
        data: branches.map(function (b) {
          return percent(b.total, rate.key);
        })
      };
    });
    return option;
  }

  /* Tickets received per day, as a calendar; vertical on a narrow screen. */
  function calendar(first, last, days, narrow) {
    var most = days.reduce(function (m, d) {
      return Math.max(m, d.received);
    }, 1);
    var option = {
      animation: false,
      tooltip: {
        renderMode: "richText",
        formatter: function (p) {
          return p.value[0] + "：" + p.value[1] + " 件";
        }
      },
      visualMap: {
        min: 0,
        max: most,
        calculable: false,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        inRange: { color: ["#e3f2e9", "#07a65a", "#045c32"] }
      },
      calendar: {
        range: [first, last],
        orient: narrow ? "vertical" : "horizontal",
        cellSize: narrow ? [18, 14] : [14, 14],
        top: narrow ? 40 : 30,
        left: narrow ? 50 : 40,
        right: 16,
        dayLabel: { nameMap: "ZH", firstDay: 1 },
        monthLabel: { nameMap: "ZH" },
        yearLabel: { show: false }
      },
      series: [
        {
          type: "heatmap",
          coordinateSystem: "calendar",
          data: days.map(function (d) {
            return [d.day, d.received];
          })
        }
      ]
    };
    return option;
  }

  function hours(counts) {
    var option = base();
    option.tooltip.valueFormatter = function (v) {
      return v + " 件";
    };
    option.xAxis = {
      type: "category",
      data: counts.map(function (_, h) {
        return h + "时";
      })
    };
    option.yAxis = { type: "value", minInterval: 1 };
    option.series = [{ name: "工单", type: "bar", itemStyle: { color: "#1f5fbf" }, data: counts }];
    return option;
  }

  /* Draw `option` into the element with this id, reusing its chart; `onClick(params)`. */
  function draw(id, option, onClick, height) {
    var node = document.getElementById(id);
    if (height) {
      node.style.height = height + "px";
    }
    var chart = charts[id];
    if (chart && chart.getDom() !== node) {
      chart.dispose();
      chart = null;
    }
    if (!chart) {
      chart = window.echarts.init(node, null, { renderer: "canvas" });
      charts[id] = chart;
      if (onClick) {
        chart.on("click", onClick);
      }
    } else if (height) {
      chart.resize();
    }
    chart.setOption(option, true);
    return chart;
  }

  function resizeAll() {
    Object.keys(charts).forEach(function (id) {
      charts[id].resize();
    });
  }

  window.addEventListener("resize", resizeAll);

  window.StaffCharts = {
    RATES: RATES,
    trend: trend,
    branchLines: branchLines,
    compare: compare,
    calendar: calendar,
    hours: hours,
    draw: draw,
    resizeAll: resizeAll,
    instance: function (id) {
      return charts[id] || null;
    }
  };
})();
