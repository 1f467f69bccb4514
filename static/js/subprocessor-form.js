/* The agreement form's subprocessors (progressive enhancement; the form works without it:
 * it always offers a few empty rows, and empty rows are skipped).
 *
 * "Nog een subverwerker" adds a row from the formset's empty form, so a list of any length
 * goes in with one save.
 */
(function () {
  "use strict";
  var button = document.querySelector("[data-add-subprocessor]");
  var template = document.querySelector("[data-subprocessor-template]");
  var rows = document.querySelector("[data-subprocessor-rows]");
  var total = document.querySelector("input[name='sub-TOTAL_FORMS']");
  if (!button || !template || !rows || !total) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var first = rows.lastElementChild && rows.lastElementChild.querySelector("input");
    if (first) {
      first.focus();
    }
  });
})();
