/* Pickers that search as you type (units.pickers, templates/includes/region_picker.html).
   htmx fills the menu under the input; a click (or Enter) on a suggestion writes its value into
   the input, Arrow keys move through the suggestions, Escape or a click elsewhere closes them.
   Without this file the input is a plain text field the server understands. */
(function () {
  "use strict";
  function inputOf(menu) { return menu && document.querySelector('[aria-controls="' + menu.id + '"]'); }
  function close(menu) {
    if (!menu || !menu.firstChild) return;
    menu.innerHTML = "";
    var input = inputOf(menu);
    if (input) input.setAttribute("aria-expanded", "false");
  }
  document.addEventListener("click", function (event) {
    var option = event.target.closest ? event.target.closest("[data-pick-value]") : null;
    if (option) {
      var menu = option.closest(".tx-picker-menu");
      var input = inputOf(menu);
      if (input) {
        input.value = option.getAttribute("data-pick-value");
        close(menu);
        input.focus();
        if (input.hasAttribute("data-pick-submit") && input.form) input.form.requestSubmit();
      }
      return;
    }
    document.querySelectorAll(".tx-picker-menu").forEach(function (menu) {
      if (!menu.parentElement.contains(event.target)) close(menu);
    });
  });
  document.addEventListener("keydown", function (event) {
    var picker = event.target.closest ? event.target.closest(".tx-picker") : null;
    if (!picker) return;
    var menu = picker.querySelector(".tx-picker-menu");
    var input = picker.querySelector("input");
    var items = Array.prototype.slice.call(menu.querySelectorAll("[role=option]"));
    if (event.key === "Escape") { close(menu); input.focus(); return; }
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && items.length) {
      event.preventDefault();
      var i = items.indexOf(document.activeElement);
      i = event.key === "ArrowDown" ? Math.min(i + 1, items.length - 1) : i - 1;
      if (i < 0) input.focus(); else items[i].focus();
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var menu = event.detail.target;
    if (menu && menu.classList && menu.classList.contains("tx-picker-menu")) {
      var input = inputOf(menu);
      if (input) input.setAttribute("aria-expanded", menu.firstChild ? "true" : "false");
    }
  });
})();
