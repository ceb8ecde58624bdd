// 一网 — small page behaviours. No inline scripts anywhere (Content-Security-Policy).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Wide screens show the navigation open; narrow ones keep it behind the menu button.
    var menu = document.querySelector("details.menu");
    if (menu && window.matchMedia("(min-width: 900px)").matches) { menu.open = true; }
    // Forms with data-confirm ask before submitting.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    // Selects with data-autosubmit submit their form on change (filters).
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  });
})();
