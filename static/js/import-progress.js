// The workbook check or import under way (templates/register/workbook_progress.html): asks
// the server for its state every second, shows it, and opens the outcome when it is done.
// A vendored file under the strict CSP (no inline script); without it the page refreshes.
(function () {
  "use strict";
  function start() {
    var box = document.querySelector("[data-status-url]");
    if (!box) return;
    var bar = document.getElementById("import-progress-bar");
    var message = document.getElementById("import-progress-message");
    function poll() {
      fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (state) {
          if (state.state === "finished") {
            window.location.assign(box.dataset.nextUrl);
            return;
          }
          if (state.total) {
            bar.max = state.total;
            bar.value = state.done;
            bar.textContent = state.done + " / " + state.total;
            bar.removeAttribute("aria-busy");
          }
          if (message.textContent !== state.message) message.textContent = state.message;
          window.setTimeout(poll, 1000);
        })
        .catch(function () {
          window.setTimeout(poll, 3000);
        });
    }
    window.setTimeout(poll, 500);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
