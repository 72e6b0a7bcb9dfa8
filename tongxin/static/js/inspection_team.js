/* inspections/team_form.html (was inline; the CSP runs no inline script). */
(function () {
  var search = document.getElementById("member-search");
  if (!search) { return; }
  var labels = document.querySelectorAll("#members label");
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    labels.forEach(function (l) { l.hidden = q && l.textContent.toLowerCase().indexOf(q) < 0 && !l.querySelector("input").checked; });
  });
})();
