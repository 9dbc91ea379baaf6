/*
 * 智慧杨 chat page: shared pieces (storage, ids, DOM building, HTTP).
 *
 * Plain script, no dependencies, CSP-friendly: no inline handlers, no eval,
 * no innerHTML. Every piece of text from the server or the resident is
 * written with textContent, so it is always shown literally.
 */
(function () {
  "use strict";

  var REQUEST_TIMEOUT_MS = 30000;

  /* ------------------------------------------------------------ storage */

  function storageGet(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  function storageSet(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (e) {
      /* the page still works without persistence */
    }
  }

  function storageRemove(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (e) {
      /* ignore */
    }
  }

  /* A sign-in token for this tab only (sessionStorage; gone when the tab closes).
     Without storage it lasts until the page is reloaded. */
  function tabTokenGet(key) {
    try {
      return window.sessionStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  function tabTokenSet(key, token) {
    try {
      if (token) {
        window.sessionStorage.setItem(key, token);
      } else {
        window.sessionStorage.removeItem(key);
      }
    } catch (e) {
      /* the page still works for this visit */
    }
  }

  function loadJson(key, fallback) {
    var raw = storageGet(key);
    if (!raw) {
      return fallback;
    }
    try {
      var data = JSON.parse(raw);
      return data == null ? fallback : data;
    } catch (e) {
      return fallback;
    }
  }

  function saveJson(key, value) {
    storageSet(key, JSON.stringify(value));
  }

  /* ---------------------------------------------------------------- ids */

  function randomId() {
    var c = window.crypto || window.msCrypto;
    if (c && typeof c.randomUUID === "function") {
      try {
        return c.randomUUID();
      } catch (e) {
        /* randomUUID needs a secure context; fall through */
      }
    }
    var bytes = new Uint8Array(16);
    if (c && typeof c.getRandomValues === "function") {
      c.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) {
        bytes[i] = Math.floor(Math.random() * 256);
      }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = "";
    for (var j = 0; j < 16; j++) {
      hex += (bytes[j] + 0x100).toString(16).slice(1);
      if (j === 3 || j === 5 || j === 7 || j === 9) {
        hex += "-";
      }
    }
    return hex;
  }

  function isPlainObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
  }

  /* ---------------------------------------------------------------- DOM */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text != null) {
      node.textContent = String(text);
    }
    return node;
  }

  function button(className, text, label) {
    var b = el("button", className, text);
    b.type = "button";
    if (label) {
      b.setAttribute("aria-label", label);
    }
    return b;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function pad2(n) {
    return n < 10 ? "0" + n : String(n);
  }

  /* A time label the way WeChat writes it: 14:05, 昨天 14:05, 11月3日 14:05. */
  function formatTime(ts) {
    var d = new Date(ts);
    var now = new Date();
    var hm = pad2(d.getHours()) + ":" + pad2(d.getMinutes());
    var startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
    if (ts >= startOfToday) {
      return hm;
    }
    if (ts >= startOfToday - 24 * 60 * 60 * 1000) {
      return "昨天 " + hm;
    }
    if (d.getFullYear() === now.getFullYear()) {
      return d.getMonth() + 1 + "月" + d.getDate() + "日 " + hm;
    }
    return d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日 " + hm;
  }

  /* A full date and time, for deadlines and filing times: 11月24日 09:30. */
  function formatDateTime(ts) {
    var d = new Date(ts);
    var hm = pad2(d.getHours()) + ":" + pad2(d.getMinutes());
    var day = d.getMonth() + 1 + "月" + d.getDate() + "日 " + hm;
    return d.getFullYear() === new Date().getFullYear() ? day : d.getFullYear() + "年" + day;
  }

  /* --------------------------------------------------------------- HTTP */

  /*
   * JSON over fetch with a timeout. Resolves {status, ok, data, etag} for any
   * HTTP answer; rejects only when the network failed or timed out.
   */
  function request(method, url, opts) {
    opts = opts || {};
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = null;
    if (controller) {
      timer = setTimeout(function () {
        controller.abort();
      }, opts.timeout || REQUEST_TIMEOUT_MS);
    }
    var headers = { Accept: "application/json" };
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    var extra = opts.headers || {};
    for (var k in extra) {
      if (Object.prototype.hasOwnProperty.call(extra, k)) {
        headers[k] = extra[k];
      }
    }
    return fetch(url, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      cache: "no-store",
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: controller ? controller.signal : undefined
    })
      .then(function (resp) {
        return resp.text().then(function (body) {
          var data = null;
          try {
            data = body ? JSON.parse(body) : null;
          } catch (e) {
            data = null;
          }
          return {
            status: resp.status,
            ok: resp.ok,
            data: data,
            etag: resp.headers.get("ETag")
          };
        });
      })
      .then(
        function (res) {
          clearTimeout(timer);
          return res;
        },
        function (err) {
          clearTimeout(timer);
          throw err;
        }
      );
  }

  /* A short Chinese reason for a failed answer, never the raw server text for 5xx. */
  function failureText(res) {
    if (!res) {
      return "网络好像不太好，没连上。请检查网络后再试。";
    }
    if (res.status === 429) {
      return "您点得太快啦，请稍等几秒再试。";
    }
    if (res.status >= 500) {
      return "智慧杨这会儿有点忙，请稍后再试。";
    }
    var detail = res.data && typeof res.data.detail === "string" ? res.data.detail.trim() : "";
    return detail || "没能办成，请稍后再试。";
  }

  window.Zhy = {
    storageGet: storageGet,
    storageSet: storageSet,
    storageRemove: storageRemove,
    tabTokenGet: tabTokenGet,
    tabTokenSet: tabTokenSet,
    loadJson: loadJson,
    saveJson: saveJson,
    randomId: randomId,
    isPlainObject: isPlainObject,
    el: el,
    button: button,
    clear: clear,
    formatTime: formatTime,
    formatDateTime: formatDateTime,
    request: request,
    failureText: failureText
  };
})();
