// 一网 — small page behaviours. No inline scripts anywhere (Content-Security-Policy).
(function () {
  "use strict";

  // One validation behaviour everywhere: the app's own Chinese messages, never the
  // browser's pop-ups. `required` stays on the controls for assistive technology.
  function useAppValidation(root) {
    root.querySelectorAll("form").forEach(function (form) { form.noValidate = true; });
  }

  // After a failed submit, focus moves to the error summary at the top of the form (or,
  // where a page has none, to the first field in error), so the reason is announced.
  function focusErrors(root) {
    var summary = root.querySelector("[data-error-summary]");
    var target = summary || root.querySelector(".field.has-error input, .field.has-error select, .field.has-error textarea");
    if (target) { target.focus(); }
  }

  // A link in the error summary moves focus to the control itself (for a group of
  // radios or checkboxes, the first one), not only scrolls to it.
  function followSummaryLink(event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) { return; }
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) { return; }
    if (!target.matches("input, select, textarea, button")) {
      target = target.querySelector("input, select, textarea, button") || target;
    }
    event.preventDefault();
    target.focus();
    target.scrollIntoView({ block: "center" });
  }

  // The navigation menu: open on wide screens; on a phone it is a drop-down that Esc
  // closes (focus goes back to its button) and that closes when focus leaves it.
  function setUpMenu() {
    var menu = document.querySelector("details.menu");
    if (!menu) { return; }
    var wide = window.matchMedia("(min-width: 900px)");
    if (wide.matches) { menu.open = true; }
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open && !wide.matches) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    menu.addEventListener("focusout", function (event) {
      if (!wide.matches && menu.open && event.relatedTarget && !menu.contains(event.relatedTarget)) {
        menu.open = false;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    useAppValidation(document);
    focusErrors(document);
    document.addEventListener("click", followSummaryLink);
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

  // Content swapped in by htmx behaves the same.
  document.addEventListener("htmx:afterSwap", function (event) {
    useAppValidation(event.target);
    focusErrors(event.target);
  });
})();
