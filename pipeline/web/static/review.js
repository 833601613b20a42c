// The translation review's own behaviour (loaded by its pages only; no inline script).
// 1. Ctrl+Enter (Cmd+Enter on a Mac) in a form marked data-ctrl-enter submits that form.
// 2. A button data-fill="ID" data-text="…" puts the text in the field ID (a memory suggestion).
"use strict";

(function () {
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) { return; }
    var form = event.target && event.target.closest ? event.target.closest("form[data-ctrl-enter]") : null;
    if (!form) { return; }
    event.preventDefault();
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  });

  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("button[data-fill]") : null;
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute("data-fill"));
    if (!field) { return; }
    field.value = button.getAttribute("data-text");
    field.focus();
  });
})();
