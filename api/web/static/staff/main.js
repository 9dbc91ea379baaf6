/*
 * 智慧杨 工作台 (/staff/): login, who is signed in, and which view is shown.
 *
 * Views follow the address: #/queue (optionally ?station=&from=&to=, the
 * tickets behind a figure), #/supervise, #/figures/<station>, #/ticket/LY-…;
 * the back button and links work as anywhere else. On a phone one view fills the
 * screen; on a desktop the list stays beside the open ticket.
 */
(function () {
  "use strict";

  var Api = window.StaffApi;
  var Lists = window.StaffLists;
  var Ticket = window.StaffTicket;
  var Figures = window.StaffFigures;
  var R = window.StaffRender;
  var $ = function (id) {
    return document.getElementById(id);
  };

  var ROLE_NAMES = {
    station_staff: "工作站",
    district_operator: "区级",
    service: "对接账号"
  };

  var state = { me: null, list: null, listHash: null, leaving: false };

  function say(node, text) {
    node.textContent = text || "";
    node.hidden = !text;
  }

  function showLogin(message) {
    state.me = null;
    state.list = null;
    $("work").hidden = true;
    $("who").hidden = true;
    $("btn-logout").hidden = true;
    $("view-login").hidden = false;
    say($("login-error"), message || "");
    $("btn-login").disabled = false;
    $("login-password").value = "";
  }

  function whoText(me) {
    var role = ROLE_NAMES[me.role] || me.role;
    var where = me.station_name ? " · " + me.station_name : "";
    return me.display_name + "（" + role + where + "）";
  }

  function start() {
    return Api.get("/api/auth/me").then(function (res) {
      if (!res || !res.ok || !res.data) {
        if (res && res.status !== 401) {
          say($("notice"), Api.errorText(res));
        }
        showLogin(res && res.status === 401 ? "" : Api.errorText(res));
        return;
      }
      state.me = res.data;
      Lists.setMe(state.me);
      say($("notice"), "");
      $("view-login").hidden = true;
      $("work").hidden = false;
      $("who").textContent = whoText(state.me);
      $("who").hidden = false;
      $("btn-logout").hidden = false;
      route();
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
    Api.login(username, password).then(function (res) {
      if (!res || !res.ok) {
        showLogin(Api.errorText(res));
        $("login-username").focus();
        return;
      }
      $("login-password").value = "";
      start();
    });
  }

  function selectTab(name) {
    ["queue", "supervise", "figures"].forEach(function (tab) {
      var link = $("tab-" + tab);
      if (tab === name) {
        link.setAttribute("aria-current", "page");
      } else {
        link.removeAttribute("aria-current");
      }
    });
  }

  function showList(name, reload) {
    $("view-figures").hidden = true;
    $("view-queue").hidden = name !== "queue";
    $("view-supervise").hidden = name !== "supervise";
    selectTab(name);
    if (reload || state.list !== name) {
      state.list = name;
      if (name === "queue") {
        Lists.loadQueue();
      } else {
        Lists.loadSupervise();
      }
    }
  }

  /* ?station=…&from=YYYY-MM-DD&to=YYYY-MM-DD, as the figures link to the queue. */
  function scopeOf(search) {
    var params = new URLSearchParams(search || "");
    var station = params.get("station") || "";
    var from = params.get("from") || "";
    var to = params.get("to") || "";
    var day = /^\d{4}-\d{2}-\d{2}$/;
    if (!/^\d{6,15}$/.test(station) || !day.test(from) || !day.test(to)) {
      return null;
    }
    return { station: station, from: from, to: to };
  }

  function showFigures(code) {
    var work = $("work");
    work.classList.remove("has-ticket");
    Lists.setOpen(null);
    $("view-ticket").hidden = true;
    $("view-queue").hidden = true;
    $("view-supervise").hidden = true;
    $("view-figures").hidden = false;
    selectTab("figures");
    state.list = null;
    Figures.show(code);
  }

  function route() {
    if (!state.me) {
      return;
    }
    var raw = window.location.hash.replace(/^#\/?/, "");
    var search = raw.indexOf("?") >= 0 ? raw.slice(raw.indexOf("?") + 1) : "";
    var hash = raw.split("?")[0];
    var parts = hash.split("/");
    var work = $("work");
    if (parts[0] === "figures") {
      showFigures(/^\d{6,15}$/.test(parts[1] || "") ? parts[1] : state.me.home_station_code);
      return;
    }
    if (parts[0] === "ticket" && R.NUMBER.test(parts[1] || "")) {
      work.classList.add("has-ticket");
      $("view-ticket").hidden = false;
      showList(state.list || "queue", false);
      Lists.setOpen(parts[1]);
      Ticket.show(parts[1]);
      return;
    }
    work.classList.remove("has-ticket");
    Lists.setOpen(null);
    $("view-ticket").hidden = true;
    state.listHash = "#/" + raw;
    if (parts[0] !== "supervise") {
      Lists.setScope(scopeOf(search));
    }
    showList(parts[0] === "supervise" ? "supervise" : "queue", true);
  }

  function back() {
    window.location.hash = state.listHash || "#/" + (state.list || "queue");
  }

  function init() {
    Lists.init();
    Ticket.init();
    Figures.init();
    Api.onLogout(function () {
      showLogin(state.leaving ? "已退出登录。" : "登录已过期，请重新登录。");
      state.leaving = false;
    });
    $("login-form").addEventListener("submit", login);
    $("btn-logout").addEventListener("click", function () {
      state.leaving = true;
      Api.logout();
    });
    $("btn-back").addEventListener("click", back);
    window.addEventListener("hashchange", route);
    if (Api.signedIn()) {
      start();
    } else {
      showLogin("");
    }
  }

  init();
})();
