/* reports/form_builder.html (was inline; the CSP runs no inline script). */
/* Form builder: add, remove and move rows; rows are numbered in page order when the form is sent. */
(function () {
  "use strict";
  var form = document.getElementById("form-builder");
  function rows(kind) { return Array.prototype.slice.call(document.getElementById(kind + "-rows").children); }
  function renumber(kind) {
    var pattern = new RegExp("^(id_)?" + kind + "-(\\d+|__prefix__)-");
    rows(kind).forEach(function (row, i) {
      row.querySelectorAll("[name],[id],[for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(pattern, "$1" + kind + "-" + i + "-")); }
        });
      });
      var n = row.querySelector("[data-tx-n]");
      if (n) { n.textContent = i + 1; }
    });
    document.getElementById("id_" + kind + "-TOTAL_FORMS").value = rows(kind).length;
  }
  function sync(row) {
    var type = row.querySelector("[data-tx-type]");
    if (!type) { return; }
    var numeric = type.value === "int" || type.value === "decimal";
    row.querySelectorAll("[data-tx-bounds]").forEach(function (box) {
      box.hidden = !numeric && !box.querySelector("input").value;
    });
    row.querySelectorAll("[data-tx-aggregate-box]").forEach(function (box) { box.hidden = !numeric; });
    var choices = row.querySelector("[data-tx-choices-box]");
    choices.hidden = type.value !== "choice" && !choices.querySelector("textarea").value.trim();
    var zero = row.querySelector("[data-tx-zero]");
    row.querySelector("[data-tx-zero-box]").hidden = zero.value !== "fixed";
    var value = row.querySelector("[data-tx-zero-value]");
    value.placeholder = type.value === "bool" ? form.getAttribute("data-tx-yes-no") : (numeric ? "0" : "");
  }
  function kindOf(el) { return el.closest("#fields-rows") ? "fields" : "rules"; }
  document.querySelectorAll("[data-tx-add]").forEach(function (button) {
    button.addEventListener("click", function () {
      var kind = button.getAttribute("data-tx-add");
      var row = document.getElementById(kind + "-empty").content.firstElementChild.cloneNode(true);
      document.getElementById(kind + "-rows").appendChild(row);
      renumber(kind);
      sync(row);
      var first = row.querySelector("input:not([type=hidden]), textarea");
      if (first) { first.focus(); }
    });
  });
  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-tx-remove],[data-tx-up],[data-tx-down]");
    if (!button) { return; }
    var row = button.closest("[data-tx-row]"), kind = kindOf(row);
    if (button.hasAttribute("data-tx-remove")) {
      row.remove();
    } else if (button.hasAttribute("data-tx-up") && row.previousElementSibling) {
      row.parentNode.insertBefore(row, row.previousElementSibling);
    } else if (button.hasAttribute("data-tx-down") && row.nextElementSibling) {
      row.parentNode.insertBefore(row.nextElementSibling, row);
    }
    renumber(kind);
  });
  form.addEventListener("change", function (event) {
    var row = event.target.closest("#fields-rows [data-tx-row]");
    if (row) { sync(row); }
  });
  form.addEventListener("submit", function () { renumber("fields"); renumber("rules"); });
  rows("fields").forEach(sync);
  document.querySelectorAll("[data-tx-caret]").forEach(function (pre) {  /* bring the error into view on a phone */
    var mark = pre.querySelector("mark");
    if (mark && pre.scrollWidth > pre.clientWidth) { pre.scrollLeft = Math.max(0, mark.offsetLeft - pre.clientWidth / 2); }
  });
})();
