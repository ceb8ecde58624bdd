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

  // Search-as-you-type pickers (core.widgets.PickerWidget): the text box asks the server for
  // options (htmx); choosing one puts its id into the hidden input. Typing again clears the
  // choice; arrows move through the options, Enter chooses, Escape closes the list.
  function pickerOf(node) { return node && node.closest("[data-picker]"); }
  function options(picker) { return Array.prototype.slice.call(picker.querySelectorAll("[role=option][data-value]")); }
  function closeList(picker) {
    picker.querySelector("[role=listbox]").innerHTML = "";
    picker.querySelector("[role=combobox]").setAttribute("aria-expanded", "false");
    picker.querySelector("[role=combobox]").removeAttribute("aria-activedescendant");
  }
  function choose(option) {
    var picker = pickerOf(option);
    picker.querySelector("[data-picker-value]").value = option.getAttribute("data-value");
    var box = picker.querySelector("[role=combobox]");
    box.value = option.textContent.trim();
    closeList(picker);
    box.focus();
  }
  function setUpPickers() {
    document.addEventListener("click", function (event) {
      var option = event.target.closest("[data-picker] [role=option][data-value]");
      if (option) { choose(option); }
    });
    document.addEventListener("input", function (event) {
      if (event.target.matches("[data-picker] [role=combobox]")) {
        pickerOf(event.target).querySelector("[data-picker-value]").value = "";
      }
    });
    document.addEventListener("keydown", function (event) {
      if (!event.target.matches("[data-picker] [role=combobox]")) { return; }
      var picker = pickerOf(event.target), list = options(picker);
      var current = picker.querySelector("[role=option][aria-selected=true]");
      var index = list.indexOf(current);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!list.length) { return; }
        event.preventDefault();
        index = event.key === "ArrowDown" ? Math.min(index + 1, list.length - 1) : Math.max(index - 1, 0);
        list.forEach(function (o) { o.setAttribute("aria-selected", "false"); });
        list[index].setAttribute("aria-selected", "true");
        event.target.setAttribute("aria-activedescendant", list[index].id);
        list[index].scrollIntoView({ block: "nearest" });
      } else if (event.key === "Enter" && current) {
        event.preventDefault();
        choose(current);
      } else if (event.key === "Escape") {
        closeList(picker);
      }
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      var picker = pickerOf(event.target);
      if (picker) {
        picker.querySelector("[role=combobox]").setAttribute("aria-expanded", options(picker).length ? "true" : "false");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    setUpPickers();
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
