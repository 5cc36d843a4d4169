// The running total of a 100-point allocation. The form works without it: the server
// checks the sum and says what is wrong next to the field.
"use strict";
document.querySelectorAll("fieldset.allocation").forEach(function (box) {
  var out = box.querySelector(".alloc-total");
  var inputs = box.querySelectorAll("input[type=number]");
  var total = Number(box.dataset.total);
  function update() {
    var given = 0;
    inputs.forEach(function (i) { var v = parseInt(i.value, 10); if (!isNaN(v)) { given += v; } });
    out.textContent = out.dataset.template.replace("{given}", String(given));
    out.classList.toggle("off", given !== total);
  }
  out.hidden = false;
  inputs.forEach(function (i) { i.addEventListener("input", update); });
  update();
});
// A second click on a button while the page is sending does nothing (the server would
// store one response anyway).
document.querySelectorAll("form").forEach(function (form) {
  form.addEventListener("submit", function () {
    setTimeout(function () { form.querySelectorAll("button").forEach(function (b) { b.disabled = true; }); }, 0);
  });
});
