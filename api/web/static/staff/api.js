/*
 * 智慧杨 工作台: the staff API client (nothing else is called).
 *
 * Logs in at /api/auth/token and sends the bearer token with every call; the
 * token lives in sessionStorage (this tab only, gone when it closes). A 401
 * ends the session and the page shows the login form again.
 */
(function () {
  "use strict";

  var Z = window.Zhy;
  var TOKEN_KEY = "zhy.staff.token";

  var state = { token: Z.tabTokenGet(TOKEN_KEY), onLogout: null };

  function dropSession() {
    state.token = null;
    Z.tabTokenSet(TOKEN_KEY, null);
    if (state.onLogout) {
      state.onLogout();
    }
  }

  /* A call with the token; resolves {status, ok, data} or null when the network failed. */
  function call(method, url, body) {
    if (!state.token) {
      return Promise.resolve({ status: 401, ok: false, data: null });
    }
    var opts = { headers: { Authorization: "Bearer " + state.token } };
    if (body !== undefined) {
      opts.body = body;
    }
    return Z.request(method, url, opts).then(
      function (res) {
        if (res.status === 401) {
          dropSession();
        }
        return res;
      },
      function () {
        return null;
      }
    );
  }

  function get(url) {
    return call("GET", url);
  }

  function post(url, body) {
    return call("POST", url, body || {});
  }

  /* The API's own reason in Chinese (a string, or the list a 422 carries). */
  function errorText(res) {
    if (!res) {
      return "网络没连上，请检查网络后再试。";
    }
    if (res.status >= 500) {
      return "系统这会儿有点忙，请稍后再试。";
    }
    var detail = res.data ? res.data.detail : null;
    if (typeof detail === "string" && detail.trim()) {
      return detail.trim();
    }
    if (res.status === 429) {
      return "操作太频繁，请稍等几秒再试。";
    }
    if (Array.isArray(detail)) {
      var reasons = detail
        .map(function (item) {
          return item && typeof item.msg === "string" ? item.msg : "";
        })
        .filter(Boolean);
      if (reasons.length) {
        return reasons.join("；");
      }
    }
    return "没有办成（" + res.status + "），请稍后再试。";
  }

  function login(username, password) {
    return Z.request("POST", "/api/auth/token", {
      body: { username: username, password: password }
    }).then(
      function (res) {
        if (res.ok && res.data && res.data.access_token) {
          state.token = res.data.access_token;
          Z.tabTokenSet(TOKEN_KEY, state.token);
        }
        return res;
      },
      function () {
        return null;
      }
    );
  }

  function logout() {
    var done = state.token ? post("/api/auth/logout") : Promise.resolve(null);
    return done.then(dropSession, dropSession);
  }

  /* A download that needs the token: resolves {blob, name}, or null when it failed. */
  function fetchFile(url) {
    if (!state.token) {
      return Promise.resolve(null);
    }
    return fetch(url, { headers: { Authorization: "Bearer " + state.token } }).then(
      function (res) {
        if (res.status === 401) {
          dropSession();
        }
        if (!res.ok) {
          return null;
        }
        var header = res.headers.get("Content-Disposition") || "";
        var named = /filename="([^"]+)"/.exec(header);
        return res.blob().then(function (blob) {
          return { blob: blob, name: named ? named[1] : "download.csv" };
        });
      },
      function () {
        return null;
      }
    );
  }

  /* The stations that handle a category, for 转派 (an empty list if it cannot be had). */
  function loadStations(serviceCode) {
    return get("/api/staff/stations?service_code=" + encodeURIComponent(serviceCode)).then(
      function (res) {
        return res && res.ok && Array.isArray(res.data) ? res.data : [];
      }
    );
  }

  /* The service catalogue (for 改类 and the filter), from Open311's public list. */
  var services = null;

  function loadServices() {
    if (services) {
      return Promise.resolve(services);
    }
    return Z.request("GET", "/open311/v2/services.json").then(
      function (res) {
        if (res.ok && Array.isArray(res.data)) {
          services = res.data
            .filter(function (s) {
              return s && typeof s.service_code === "string";
            })
            .map(function (s) {
              return { code: s.service_code, name: String(s.service_name || s.service_code) };
            });
          return services;
        }
        return [];
      },
      function () {
        return [];
      }
    );
  }

  window.StaffApi = {
    get: get,
    post: post,
    fetchFile: fetchFile,
    errorText: errorText,
    login: login,
    logout: logout,
    loadServices: loadServices,
    loadStations: loadStations,
    signedIn: function () {
      return Boolean(state.token);
    },
    onLogout: function (fn) {
      state.onLogout = fn;
    }
  };
})();
