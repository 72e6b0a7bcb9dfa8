/* reports/assignment_form.html (was inline; the CSP runs no inline script). */
/* Offer only the chosen issuer's regions; show the weekday only for weekly assignments. */
(function () {
  "use strict";
  var issuer = document.getElementById("id_issuer"), region = document.getElementById("id_region");
  var frequency = document.getElementById("id_frequency"), weekday = document.getElementById("weekday-box");
  function syncRegions() {
    var groups = region.querySelectorAll("optgroup"), chosen = null;
    groups.forEach(function (g) {
      var mine = g.getAttribute("data-issuer") === issuer.value;
      g.hidden = !mine && groups.length > 1;
      g.querySelectorAll("option").forEach(function (o) { o.disabled = g.hidden; });
      if (mine) { chosen = g; }
    });
    var current = region.options[region.selectedIndex];
    if (chosen && (!current || current.disabled)) {
      var same = current && chosen.querySelector('option[value="' + current.value + '"]');
      (same || chosen.querySelector("option")).selected = true;
    }
  }
  function syncWeekday() { weekday.hidden = frequency.value !== "weekly"; }
  var formSelect = document.getElementById("id_form"), name = document.getElementById("id_name"), suggested = "";
  formSelect.addEventListener("change", function () {
    if (name.value && name.value !== suggested) { return; }
    suggested = formSelect.value ? formSelect.options[formSelect.selectedIndex].text : "";
    name.value = suggested;
  });
  issuer.addEventListener("change", syncRegions);
  frequency.addEventListener("change", syncWeekday);
  syncRegions();
  syncWeekday();
})();
