/* Suggests product names while typing in the procurement check (progressive enhancement).
 *
 * The input names its <datalist> (list="...") and a JSON endpoint (data-suggest-url) that
 * returns {"names": [...]}, at most 20 names containing the typed text. Without this script
 * the check works by typing the name; the page then suggests similar names itself.
 */
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest-url]");
  if (!input || !window.fetch) {
    return;
  }
  var list = document.getElementById(input.getAttribute("list"));
  var url = input.getAttribute("data-suggest-url");
  var timer = null;
  var asked = "";

  function show(names) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    names.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      list.appendChild(option);
    });
  }

  function suggest() {
    var typed = input.value.trim();
    if (typed.length < 2 || typed === asked) {
      return;
    }
    asked = typed;
    fetch(url + "?q=" + encodeURIComponent(typed), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { names: [] };
      })
      .then(function (data) {
        if (input.value.trim() === typed) {
          show(data.names || []);
        }
      })
      .catch(function () {
        /* No suggestions; typing the whole name still works. */
      });
  }

  if (list) {
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, 200);
    });
  }
})();
