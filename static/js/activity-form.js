/* The activity form (progressive enhancement; the form works without it).
 *
 * The product search button comes before the save button, so the browser's default for
 * Enter in a text field is to search. Here Enter in the search field searches and Enter in
 * any other single-line field saves, as users expect.
 */
(function () {
  "use strict";
  var form = document.querySelector("form[data-activity-form]");
  if (!form) {
    return;
  }
  var save = form.querySelector("[data-save]");
  var search = form.querySelector("[data-product-search-button]");
  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || target.tagName !== "INPUT" || !save || !search) {
      return;
    }
    if (target.type === "checkbox" || target.type === "radio") {
      return;
    }
    event.preventDefault();
    var button = target.hasAttribute("data-product-search") ? search : save;
    if (form.requestSubmit) {
      form.requestSubmit(button);
    } else {
      button.click();
    }
  });
})();
