/* The menu on a phone: folded behind the "Menu" button, opened and closed with it.
 *
 * Progressive enhancement under the strict CSP (a file of our own, no inline script): the
 * button stays hidden and the menu open without this script. The stylesheet folds the menu
 * only on narrow screens, so on a laptop the button is never shown and the bar stays.
 */
(function () {
  "use strict";
  var toggle = document.querySelector(".menu-toggle");
  var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (!menu) {
    return;
  }
  toggle.hidden = false;
  document.documentElement.classList.add("menu-folds");

  function setOpen(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  toggle.addEventListener("click", function () {
    setOpen(toggle.getAttribute("aria-expanded") !== "true");
  });
  // Escape closes the open menu and gives the focus back to the button.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      toggle.focus();
    }
  });
})();
