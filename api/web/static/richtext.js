/*
 * 智慧杨 chat page: text with what a resident can tap.
 *
 * Hotlines (110, 119, 120, 96777 …) and mobile numbers become tel: links, so a
 * phone calls them with one tap; ticket numbers never break across lines. The
 * emergency card puts the advice and big call buttons in one red block.
 */
(function () {
  "use strict";

  var Z = window.Zhy;
  var el = Z.el;

  // Emergency and public-service hotlines, and 11-digit mobiles (a staff
  // callback number in a progress note). A masked number (138****5678) has no
  // digits to call and stays text.
  var CALLABLE = /(?:^|[^0-9A-Za-z-])(110|119|120|122|12345|12319|95598|96777|96333|1[3-9]\d{9})(?![0-9])/g;
  var TICKET = /LY-\d{8}-\d{4,}/g;

  function appendTicketNumbers(parent, text) {
    var last = 0;
    text.replace(TICKET, function (match, at) {
      parent.appendChild(document.createTextNode(text.slice(last, at)));
      parent.appendChild(el("span", "nowrap", match));
      last = at + match.length;
      return match;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function telLink(number, label) {
    var a = el("a", "tel-link", label || number);
    a.href = "tel:" + number;
    return a;
  }

  /* The text as nodes: numbers to call as tel: links, ticket numbers unbroken. */
  function richText(parent, text) {
    var last = 0;
    var match;
    CALLABLE.lastIndex = 0;
    while ((match = CALLABLE.exec(text)) !== null) {
      var start = match.index + match[0].length - match[1].length;
      appendTicketNumbers(parent, text.slice(last, start));
      parent.appendChild(telLink(match[1]));
      last = start + match[1].length;
    }
    appendTicketNumbers(parent, text.slice(last));
    return parent;
  }

  /* Only well-formed {name, number} pairs from a reply: the number must be dialable. */
  function sanitizeCalls(calls) {
    if (!Array.isArray(calls)) {
      return [];
    }
    return calls
      .filter(function (c) {
        return Z.isPlainObject(c) && /^\d{3,11}$/.test(String(c.number || ""));
      })
      .slice(0, 4)
      .map(function (c) {
        return { name: String(c.name || ""), number: String(c.number) };
      });
  }

  function callButtons(calls) {
    var wrap = el("div", "call-buttons");
    calls.forEach(function (c) {
      var a = telLink(c.number, "📞 拨打" + (c.name ? c.name + " " : "") + c.number);
      a.className = "call-btn";
      a.setAttribute("aria-label", "拨打" + c.name + "电话 " + c.number);
      wrap.appendChild(a);
    });
    return wrap;
  }

  /* The red card for a present danger: what to do, and the numbers to call. */
  function emergencyCard(emergency) {
    var card = el("section", "emergency-card");
    card.setAttribute("role", "alert");
    var head = el("div", "emergency-head");
    var icon = el("span", "emergency-icon", "!");
    icon.setAttribute("aria-hidden", "true");
    head.appendChild(icon);
    head.appendChild(el("span", "emergency-title", "紧急情况：" + (emergency.label || "请注意安全")));
    card.appendChild(head);
    if (emergency.advice) {
      card.appendChild(richText(el("p", "emergency-advice"), emergency.advice));
    }
    if (emergency.calls.length) {
      card.appendChild(callButtons(emergency.calls));
    }
    card.appendChild(el("p", "emergency-foot", "我同时为您登记紧急工单，马上通知附近的老杨工作站。"));
    return card;
  }

  Z.richText = richText;
  Z.sanitizeCalls = sanitizeCalls;
  Z.callButtons = callButtons;
  Z.emergencyCard = emergencyCard;
})();
