// Live updates for the staff console: any element with data-poll="<url>" is refreshed from
// that URL every data-interval ms (server-rendered HTML fragment, same session cookie).
// Polling rather than a socket: it survives proxies and needs no extra server machinery.
(function () {
  "use strict";
  function atBottom(el) {
    return el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  }
  function start(el) {
    var url = el.getAttribute("data-poll");
    var interval = parseInt(el.getAttribute("data-interval") || "3000", 10);
    var last = el.innerHTML;
    var stickToBottom = el.getAttribute("data-scroll") === "bottom";
    if (stickToBottom) { el.scrollTop = el.scrollHeight; }
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (response.redirected && response.url.indexOf("/login") !== -1) {
            window.location.reload();  // session ended: show the login page
            return null;
          }
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html === null || html === last) { return; }
          var follow = stickToBottom && atBottom(el);
          el.innerHTML = html;
          last = html;
          if (follow) { el.scrollTop = el.scrollHeight; }
        })
        .catch(function () { /* network blip: try again next tick */ })
        .then(function () { window.setTimeout(tick, interval); });
    }
    window.setTimeout(tick, interval);
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-poll]"), start);
  });
})();
