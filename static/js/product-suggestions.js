/* Suggests product names while typing in the procurement check (progressive enhancement).
 *
 * The input names its <datalist> (list="...") and a JSON endpoint (data-suggest-url) that
 * returns {"names": [...]}, at most 20 names containing the typed text. Without this script
 * the check works by typing the name; the page then suggests similar names itself.
 *
 * The result on the page (data-result-for: the name it answers) is hidden while the typed
 * name differs from it, and a hint (data-while-typing) shows instead: the page never shows
 * an old verdict beside the suggestions for a new name (issue 17).
 */
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest-url]");
  if (!input) {
    return;
  }
  var result = document.querySelector("[data-result-for]");
  var hint = document.querySelector("[data-while-typing]");

  function showResultOnlyForItsName() {
    if (!result) {
      return;
    }
    var answered = result.getAttribute("data-result-for").trim().toLowerCase();
    var stale = input.value.trim().toLowerCase() !== answered;
    result.hidden = stale;
    if (hint) {
      hint.hidden = !stale;
    }
  }

  input.addEventListener("input", showResultOnlyForItsName);
  if (!window.fetch) {
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
