// The editor's phone preview follows the form as it is typed in: the form is sent to the
// preview frame (the "Show preview" button's target) a moment after the last change.
// Without this script the button does the same on a click; saving never needs it.
"use strict";
(function () {
  var form = document.getElementById("editor-form");
  var button = document.getElementById("preview-button");
  if (!form || !button || !form.requestSubmit) { return; }
  var timer = null;
  function refresh() { timer = null; form.requestSubmit(button); }
  function later() { if (timer) { clearTimeout(timer); } timer = setTimeout(refresh, 500); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  refresh();
})();
