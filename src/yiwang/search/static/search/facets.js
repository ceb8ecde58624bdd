// On a phone, the search facets start collapsed below the results (they stay open on a desktop).
document.addEventListener("DOMContentLoaded", function () {
  var panel = document.getElementById("facet-panel");
  if (panel && window.matchMedia("(max-width: 720px)").matches) {
    panel.open = false;
  }
});
