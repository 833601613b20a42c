// The app's own script (no inline script anywhere: the CSP forbids it).
// 1. Every htmx request carries the session's CSRF token, read from <meta name="csrf-token">.
// 2. Keyboard shortcuts, as in mail and feed readers: j/k move through the rows of a list
//    ([data-nav-list] > [data-nav-item]), Enter or o opens the row's first link, "g" then a
//    letter follows a link marked data-goto="letter", a key named by data-key="letter" inside
//    the current row (or the page) clicks that element, "?" shows the help dialog. After an
//    htmx swap replaces the selected row (an inbox item accepted with "a"), the row now in its
//    place is selected, so that a, r, a… go down the list.
// 3. A filter form marked data-autosubmit is sent as soon as one of its lists changes.
// 4. Drag and drop in the edition editor: an entry (li[draggable][data-item]) dropped on a
//    list [data-drop="section"] is posted to the same "move" address as the buttons
//    (section, and the entry it now stands before); the answer replaces #editor.
// 5. An htmx request refused with 4xx shows the page's message instead of failing silently
//    (answers marked data-swap-ok, such as an inbox row's outcome, are swapped in as usual).
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

  var currentIndex = -1;
  var currentId = "";
  document.addEventListener("htmx:beforeRequest", function () {
    currentIndex = current ? items().indexOf(current) : -1;
    currentId = current ? current.id : "";
  });

  document.addEventListener("htmx:afterSwap", function () {
    if (current && !document.body.contains(current)) {
      current = null;
      var same = currentId ? document.getElementById(currentId) : null;
      var all = items();
      if (same && same.hasAttribute("data-nav-item")) { select(same); }
      else if (currentIndex >= 0 && all.length) { select(all[Math.min(currentIndex, all.length - 1)]); }
    }
  });

  // 3. filters sent on change
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-autosubmit") && event.target.tagName === "SELECT") {
      form.requestSubmit();
    }
  });

  // 4. drag and drop of entries
  var dragged = null;

  function clearMarks() {
    document.querySelectorAll(".drop-before, .drop-after, .drop-into").forEach(function (el) {
      el.classList.remove("drop-before", "drop-after", "drop-into");
    });
  }

  function dropPlace(event) {
    var list = event.target.closest && event.target.closest("[data-drop]");
    if (!list || !dragged) { return null; }
    var over = event.target.closest("li[data-item]");
    if (!over || over === dragged) { return { list: list, before: null, mark: list, cls: "drop-into", self: over === dragged }; }
    var box = over.getBoundingClientRect();
    if (event.clientY < box.top + box.height / 2) {
      return { list: list, before: over, mark: over, cls: "drop-before" };
    }
    var next = over.nextElementSibling;
    while (next && !next.matches("li[data-item]")) { next = next.nextElementSibling; }
    return { list: list, before: next, mark: over, cls: "drop-after" };
  }

  document.addEventListener("dragstart", function (event) {
    var entry = event.target.closest && event.target.closest("li[draggable][data-item]");
    if (!entry) { return; }
    dragged = entry;
    entry.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", entry.getAttribute("data-item"));
  });

  document.addEventListener("dragover", function (event) {
    var place = dropPlace(event);
    if (!place) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    clearMarks();
    place.mark.classList.add(place.cls);
  });

  document.addEventListener("drop", function (event) {
    var place = dropPlace(event);
    if (!place) { return; }
    event.preventDefault();
    clearMarks();
    var entry = dragged;
    dragged = null;
    entry.classList.remove("is-dragging");
    if (place.self) { return; }
    var editor = document.getElementById("editor");
    var before = place.before === entry ? null : place.before;
    htmx.ajax("POST", "/editions/" + editor.getAttribute("data-edition") + "/entries/" +
      entry.getAttribute("data-item") + "/move", {
      target: "#editor", select: "#editor", swap: "outerHTML show:none",
      values: { section: place.list.getAttribute("data-drop"),
                before: before ? before.getAttribute("data-item") : "",
                lang: editor.getAttribute("data-lang") }
    });
  });

  document.addEventListener("dragend", function () {
    clearMarks();
    if (dragged) { dragged.classList.remove("is-dragging"); dragged = null; }
  });

  // 5. refusals of htmx requests
  function showProblem(text) {
    var box = document.getElementById("problem");
    if (!box) {
      box = document.createElement("p");
      box.id = "problem";
      box.className = "alert";
      box.setAttribute("role", "alert");
      var main = document.getElementById("main");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status < 400) { return; }
    if (xhr.responseText.indexOf("data-swap-ok") !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var heading = page.querySelector("main h1");
    showProblem(heading ? heading.textContent : String(xhr.status));
  });
})();
