// Busy state for actions that take more than a moment (the import, the PDF reports, the
// Excel export): a vendored file under the strict CSP (no inline script).
//
// - <form data-busy="Bezig…">: on submit its buttons are disabled and say the text, so
//   nobody sends it twice; restored when the browser shows the page again from its cache.
// - <a data-busy="Bezig…" href="...">: a download. The file is fetched here, while the link
//   says the text and ignores clicks, then saved under the server's file name; on any
//   problem the browser simply follows the link.
(function () {
  "use strict";

  function setBusy(element, text) {
    element.dataset.idleLabel = element.textContent;
    element.textContent = text;
    element.setAttribute("aria-busy", "true");
    element.classList.add("is-busy");
  }

  function setIdle(element) {
    if (element.dataset.idleLabel !== undefined) element.textContent = element.dataset.idleLabel;
    delete element.dataset.idleLabel;
    element.removeAttribute("aria-busy");
    element.removeAttribute("aria-disabled");
    element.classList.remove("is-busy");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-busy") || event.defaultPrevented) return;
    var buttons = form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]");
    // After the submission has taken the form's data: a disabled control would be left out.
    window.setTimeout(function () {
      buttons.forEach(function (button) {
        if (button.tagName === "BUTTON") setBusy(button, form.dataset.busy);
        button.disabled = true;
      });
      form.setAttribute("aria-busy", "true");
    }, 0);
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll("button, input[type=submit]").forEach(function (button) {
        button.disabled = false;
        setIdle(button);
      });
    });
  });

  function fileName(response, href) {
    var header = response.headers.get("Content-Disposition") || "";
    var star = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (star) return decodeURIComponent(star[1]);
    var plain = /filename="?([^";]+)"?/i.exec(header);
    if (plain) return plain[1];
    return href.split("/").filter(Boolean).pop() || "download";
  }

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[data-busy]") : null;
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    if (link.getAttribute("aria-busy") === "true") return;
    setBusy(link, link.dataset.busy);
    link.setAttribute("aria-disabled", "true");
    var href = link.href;
    fetch(href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok || !response.headers.get("Content-Disposition")) throw new Error("no file");
        var name = fileName(response, href);
        return response.blob().then(function (blob) {
          var url = URL.createObjectURL(blob);
          var save = document.createElement("a");
          save.href = url;
          save.download = name;
          save.hidden = true;
          document.body.appendChild(save);
          save.click();
          save.remove();
          window.setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
          setIdle(link);
        });
      })
      .catch(function () {
        setIdle(link);
        window.location.assign(href); // let the browser show what the server says
      });
  });
})();
