// The app's own script (no inline script anywhere: the CSP forbids it).
// 1. Every htmx request carries the session's CSRF token, read from <meta name="csrf-token">.
// 2. Keyboard shortcuts, as in mail and feed readers: j/k move through the rows of a list
//    ([data-nav-list] > [data-nav-item]), Enter or o opens the row's first link, "g" then a
//    letter follows a link marked data-goto="letter", a key named by data-key="letter" inside
//    the current row (or the page) clicks that element, "?" shows the help dialog.
"use strict";

(function () {
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  var current = null;
  var pendingG = false;

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-nav-item]"));
  }

  function select(item) {
    if (!item) { return; }
    if (current) { current.classList.remove("is-current"); current.removeAttribute("aria-current"); }
    current = item;
    item.classList.add("is-current");
    item.setAttribute("aria-current", "true");
    item.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = items();
    if (!all.length) { return; }
    var index = all.indexOf(current);
    if (index === -1) { select(all[step > 0 ? 0 : all.length - 1]); return; }
    select(all[Math.min(all.length - 1, Math.max(0, index + step))]);
  }

  function typing(target) {
    if (!target || !target.closest) { return false; }
    return Boolean(target.closest("input, textarea, select, [contenteditable]"));
  }

  function toggleHelp() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog) { return; }
    if (dialog.open) { dialog.close(); } else { dialog.showModal(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (typing(target)) { return; }
    if (target.closest && target.closest("dialog:not([open])")) {
      target.blur();  // focus left behind in the closed help dialog
      target = document.body;
    }
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      var target = document.querySelector('[data-goto="' + CSS.escape(key) + '"]');
      if (target) { event.preventDefault(); target.click(); }
      return;
    }
    if (key === "g") { pendingG = true; return; }
    if (key === "?") { event.preventDefault(); toggleHelp(); return; }
    if (key === "j") { event.preventDefault(); move(1); return; }
    if (key === "k") { event.preventDefault(); move(-1); return; }
    if (key === "Enter" && target.closest &&
        target.closest("a, button, summary, dialog[open]")) { return; }
    if ((key === "Enter" || key === "o") && current) {
      var link = current.querySelector("a[href]");
      if (link) { event.preventDefault(); link.click(); }
      return;
    }
    var scope = current || document;
    var action = scope.querySelector('[data-key="' + CSS.escape(key) + '"]') ||
      document.querySelector('[data-key="' + CSS.escape(key) + '"]');
    if (action) { event.preventDefault(); action.click(); }
  });

  document.addEventListener("htmx:afterSwap", function () {
    if (current && !document.body.contains(current)) { current = null; }
  });
})();
