/* inspections/inspection_start.html (was inline; the CSP runs no inline script). */
(function () {
  // Narrow the unit list as the officer types (a county has a few dozen homes, a city hundreds).
  var search = document.getElementById("unit-search"), select = document.getElementById("id_unit");
  if (search && select && select.tagName === "SELECT") {
    var all = Array.prototype.slice.call(select.options);
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase(), chosen = select.value;
      var key = q.replace(/[^a-z0-9]/g, "");  // pinyin or initials, matched on the unit's stored keys
      select.innerHTML = "";
      all.forEach(function (o) {
        if (!o.value || o.value === chosen || o.text.toLowerCase().indexOf(q) >= 0 ||
            (key && (o.getAttribute("data-keys") || "").indexOf(key) >= 0)) { select.appendChild(o); }
      });
    });
  }
  // A campaign's inspections use its own checklists: offer only those once a campaign is chosen.
  var map = JSON.parse(document.getElementById("campaign-templates").textContent);
  var campaign = document.getElementById("id_campaign"), template = document.getElementById("id_template");
  if (!campaign || !template) { return; }
  function narrow() {
    var allowed = map[campaign.value];
    Array.prototype.forEach.call(template.options, function (o) {
      o.disabled = !!allowed && allowed.indexOf(parseInt(o.value, 10)) < 0;
    });
    if (template.selectedOptions.length && template.selectedOptions[0].disabled) {
      var first = Array.prototype.find.call(template.options, function (o) { return !o.disabled; });
      if (first) { template.value = first.value; }
    }
  }
  campaign.addEventListener("change", narrow);
  narrow();
})();
