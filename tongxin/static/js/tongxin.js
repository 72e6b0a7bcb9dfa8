/* Behaviour every page shares, in place of inline on*="" handlers (the Content-Security-Policy runs
   no inline script): a select marked data-tx-autosubmit sends its form when it changes. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.form && el.hasAttribute && el.hasAttribute("data-tx-autosubmit")) { el.form.submit(); }
  });
})();
